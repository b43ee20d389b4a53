"""Wall-clock tests: emulators on pseudo-terminals, streamed to as real ports (in-process and
from a `zmfab stream` process that is sent signals)."""

from __future__ import annotations

import sys
import threading

import pytest

from tests.pty_device import PtyDevice
from zmfab.serial.emulator import Link, make_device, serve_pty
from zmfab.serial.streamer import Streamer, make_dialect
from zmfab.serial.transport import open_transport


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_stream_over_a_pty(h):
    device = make_device("grbl", link=Link())
    ready = threading.Event()
    stop = threading.Event()
    path: list[str] = []

    def on_ready(p: str) -> None:
        path.append(p)
        ready.set()

    server = threading.Thread(target=serve_pty, args=(device,),
                              kwargs={"on_ready": on_ready, "stop": stop.is_set}, daemon=True)
    server.start()
    try:
        assert ready.wait(5.0)
        transport, clock = open_transport(path[0])
        job = h.laser_job(30)
        try:
            result = Streamer(transport, dialect=make_dialect("grbl", banner_timeout=0.5),
                              clock=clock, poll_interval=0.05).run(job)
        finally:
            transport.close()
    finally:
        stop.set()
        server.join(2.0)
    assert result.acked == len(job)
    assert device.executed == h.compact(job)
    assert not device.laser_on


def _stream_then_signal(tmp_path, kind: str, job: list[str], signum: int, **options: str):
    import json
    import os
    import signal  # noqa: F401 - the caller's signum
    import subprocess
    import time

    path = tmp_path / "job.gcode"
    path.write_text("\n".join(job) + "\n")
    log = tmp_path / "job.jsonl"
    with PtyDevice(kind, **options) as pty:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from zmfab.cli import main; main()", "stream", str(path),
             "--port", pty.path[0], "--firmware", kind, "--log", str(log), "--quiet",
             "--on-error", "stop"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and log.read_text().count('"sent"') >= 20:
                break
            time.sleep(0.05)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=20)
        time.sleep(0.3)  # let the emulator run what it received
        records = [json.loads(x) for x in log.read_text().splitlines()]
        return proc.returncode, err, records, pty.device


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize(("signame", "status"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_signal_on_a_pty_runs_the_grbl_safe_stop(tmp_path, signame, status):
    import signal

    job = ["G21", "G90", "M4 S0", "F1200"] + [
        f"G1 X{(i % 2) * 20 + 1} Y{i * 0.1:.1f} S500" for i in range(300)] + ["M5"]
    code, err, records, dev = _stream_then_signal(tmp_path, "grbl", job, getattr(signal, signame),
                                                  motion="1")
    assert code == status, err
    kinds = [r["event"] for r in records]
    assert kinds[-2:] == ["safe_stop", "aborted"] and records[-2]["sent"]
    assert "resume with --from-line" in err and err.count("\n") == 1
    assert not dev.laser_on and "reset" in [k for _, k in dev.realtime]


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_sighup_on_a_pty_switches_marlin_heaters_fan_and_valve_off(tmp_path, h):
    import signal

    job = ["M104 S200", "M140 S60", "M106 S128", "M42 P4 S255"] + h.marlin_job(400)
    code, err, records, dev = _stream_then_signal(tmp_path, "marlin", job, signal.SIGHUP)
    assert code == 129, err
    assert [r["event"] for r in records][-2:] == ["safe_stop", "aborted"]
    assert dev.outputs_off, (dev.hotends, dev.bed, dev.fan, dev.pins)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_start_up_on_a_pty_probes_instead_of_waiting_for_a_banner(h):
    with PtyDevice("grbl") as pty:
        earlier, _ = open_transport(pty.path[0])  # an earlier session read the banner
        assert earlier.read_line(10.0) is not None
        while earlier.read_line(0.3) is not None:
            pass
        earlier.close()
        transport, clock = open_transport(pty.path[0])
        try:
            result = Streamer(transport, dialect=make_dialect("grbl"), clock=clock).run(
                h.laser_job(13))
        finally:
            transport.close()
    assert result.accepted == result.job_total
    assert pty.device.resets == 0  # the probe was answered: no banner wait, no soft reset


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_bench_commands_probe_a_running_grbl_instead_of_waiting_for_a_banner():
    import time

    from zmfab.serial.control import Machine

    with PtyDevice("grbl") as pty:
        earlier, _ = open_transport(pty.path[0])  # an earlier session read the banner
        earlier.read_line(10.0)
        while earlier.read_line(0.3) is not None:
            pass
        earlier.close()
        t0 = time.monotonic()
        with Machine.open(pty.path[0], firmware="grbl", connect_timeout=2.5) as m:
            took = time.monotonic() - t0
            status = m.status()
    assert pty.device.resets == 0 and status.state == "Idle"
    assert took < 2.0  # not the 2.5 s banner wait (nor a reset and a second one)
