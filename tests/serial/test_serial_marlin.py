"""Streaming to the Marlin emulator: checksums, resends, busy, kill, disconnect, resume."""

from __future__ import annotations

import pytest

from zmfab.errors import DeviceError
from zmfab.serial.marlin import checksum, frame
from zmfab.serial.marlin_emu import checksum as emu_checksum
from zmfab.serial.transport import LinkClosed

URL = "sim://marlin?baud=115200"


def test_frame_and_checksum():
    assert checksum("N1 G28") == emu_checksum("N1 G28")
    assert frame(1, "G28") == f"N1 G28*{checksum('N1 G28')}"
    assert frame(0, "M110 N0") == "N0 M110 N0*125"  # the value hosts commonly send


def test_clean_job_runs_every_line_once_in_order(stream, h):
    job = h.marlin_job()
    run = stream(URL, job, firmware="marlin")
    assert run.error is None
    assert run.device.executed == job
    assert run.result.resends == 0
    assert not run.device.laser_on and run.device.valves_off


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", ["drop:0.003", "corrupt:0.003", "drop:0.0005"])
def test_byte_faults_are_resent_and_run_exactly_once(stream, h, kind, seed):
    job = h.marlin_job()
    run = stream(URL + f"&fault={kind}&seed={seed}", job, firmware="marlin", timeout=1.0)
    assert run.error is None, run.error
    assert run.device.executed == job
    if kind.endswith("0.003"):
        assert run.result.resends > 0 and run.device.resends > 0
    assert not run.device.laser_on


def test_forced_checksum_error_is_resent(stream, h):
    job = h.marlin_job(50)
    run = stream(URL + "&fault=error:20", job, firmware="marlin")
    assert run.error is None
    assert run.device.executed == job and run.result.resends >= 1
    assert run.kinds("resend")[0].line == 20


def test_busy_machine_keeps_the_link_alive(stream, h):
    job = h.marlin_job(30)
    run = stream(URL + "&fault=busy:10:7", job, firmware="marlin", timeout=3.0)
    assert run.error is None
    assert run.device.executed == job
    assert any(e.text.startswith("busy:") for e in run.kinds("message"))
    assert not run.kinds("probe")  # busy: keepalives are answers: no probe while busy


def test_temperature_reports_and_echo_are_ignored(stream, h):
    job = h.marlin_job(40)
    run = stream(URL + "&temp=1&proc=0.05", job, firmware="marlin")
    assert run.error is None and run.device.executed == job
    temps = [e for e in run.kinds("message") if "T:" in e.text]
    assert temps and all(e.data.get("ignored") for e in temps)  # logged, never acted on


def test_kill_mid_job_stops_with_the_line(stream, h):
    job = h.marlin_job()
    run = stream(URL + "&fault=alarm:100", job, firmware="marlin")
    assert isinstance(run.error, DeviceError) and "halted" in str(run.error)
    assert "line " in str(run.error)
    assert run.device.executed == job[: len(run.device.executed)]
    assert not run.device.laser_on


def test_disconnect_then_reconnect_resets_outputs(stream, h):
    job = h.marlin_job()
    run = stream(URL + "&fault=disconnect:80&reopen=0", job, firmware="marlin")
    assert isinstance(run.error, LinkClosed)
    assert run.kinds("safe_stop")[0].data["sent"] is False
    dev = run.device
    assert dev.executed == job[: len(dev.executed)]
    dev.advance_to(run.clock.now() + 1)
    assert dev.laser_on  # M3 S200 stays enabled: Marlin keeps running what it has
    dev.reconnect()
    assert not dev.laser_on and dev.valves_off


def test_disconnect_streamer_reopens_and_sends_off_codes(stream, h):
    job = h.marlin_job()
    run = stream(URL + "&fault=disconnect:80", job, firmware="marlin")
    assert isinstance(run.error, LinkClosed)
    assert [e.kind for e in run.events][-3:] == ["reconnected", "safe_stop", "aborted"]
    dev = run.device
    dev.advance_to(run.clock.now() + 1)
    assert dev.executed[-2:] == ["M107", "M5"] and dev.quick_stops == 1
    assert not dev.laser_on and dev.valves_off


def test_user_abort_sends_m410_and_off_codes(h):
    from zmfab.serial.streamer import StreamAborted, Streamer, make_dialect
    from zmfab.serial.transport import open_transport

    tr, clock = open_transport(URL + "&proc=0.01")
    calls = {"n": 0}
    inner_read = tr.read_line

    def read_line(timeout):
        calls["n"] += 1
        if calls["n"] == 60:
            raise KeyboardInterrupt
        return inner_read(timeout)

    tr.read_line = read_line
    job = ["M106 S255", "M42 P4 S255"] + h.marlin_job()
    s = Streamer(tr, dialect=make_dialect("marlin", off_codes=("M42 P4 S0",)), clock=clock,
                 on_error="ask", on_pause=lambda reason: "abort")
    with pytest.raises(StreamAborted):
        s.run(job)
    dev = tr.device
    dev.advance_to(clock.now() + 1)
    assert dev.quick_stops == 1
    assert dev.executed[-3:] == ["M107", "M42 P4 S0", "M5"]  # the job's pin, no duplicate
    assert not dev.laser_on and dev.valves_off


def test_resume_from_line_runs_exactly_the_rest(stream, h):
    job = h.marlin_job()
    n = 77
    run = stream(URL, job, firmware="marlin", from_line=n)
    assert run.error is None
    ex = run.device.executed
    rest = job[n - 1:]
    assert ex[-len(rest):] == rest
    pre = ex[: len(ex) - len(rest)]
    assert pre[:3] == ["G21", "G90", "M5"] and pre[3].startswith("G0 X")
    assert "M83" in pre and "M3 S0" in pre and "G1 F900" in pre


def test_dry_run_is_refused_for_marlin(stream, h):
    run = stream(URL, h.marlin_job(5), firmware="marlin", dry_run=True)
    assert "check mode" in str(run.error)


def test_slow_machine_with_full_queue_finishes(stream, h):
    job = h.marlin_job(40)
    run = stream(URL + "&fault=slow:0.3", job, firmware="marlin", timeout=2.0)
    assert run.error is None and run.device.executed == job


def test_debris_after_a_resend_acknowledges_nothing(stream, h):
    """Marlin flushes its RX buffer on a bad line; the tail of a line still on the wire arrives
    as debris ("Unknown command") with an ok that must not count as an ack."""
    job = h.marlin_job(150)
    run = stream(URL + "&fault=corrupt:0.003&seed=0", job, firmware="marlin", timeout=1.0)
    assert any(e.data.get("note") == "debris after a resend" for e in run.kinds("message"))
    assert run.error is None and run.device.executed == job


def test_line_mangled_past_the_checksum_stops_with_the_line(stream, h):
    """Two flips of the same bit cancel in Marlin's XOR checksum; when the result is not a
    command Marlin knows, the streamer names the line and stops."""
    job = h.marlin_job(150)
    run = stream(URL + "&fault=corrupt:0.003&seed=10", job, firmware="marlin", timeout=1.0)
    assert isinstance(run.error, DeviceError)
    assert str(run.error).startswith("line 68 (G1 X11.00 Y0.50 E0.02 S200): corrupted on the link")
    assert not run.device.laser_on


def test_xor_checksum_limit_is_documented(stream, h):
    """...and when the result is still a valid command, nobody can tell (Marlin's protocol)."""
    job = h.marlin_job(150)
    run = stream(URL + "&fault=corrupt:0.003&seed=6", job, firmware="marlin", timeout=1.0)
    assert run.error is None and run.device.executed != job
    assert len(run.device.executed) == len(job)
