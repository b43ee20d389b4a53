"""Framing: the job's box or hull traced laser off or at frame_power, ending where it began."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import run_cli
from zmfab.errors import ParameterError
from zmfab.gcode.frame import frame_lines, job_outline
from zmfab.profiles import Profiles
from zmfab.serial.control import Machine
from zmfab.serial.emulator import open_sim

JOB = """; dialect: grbl
; machine: grbl-diode
G21 G90
M4 S0
G0 X20 Y10
G1 X40 Y10 S600 F1200
G1 X30 Y30
G1 X20 Y10
G0 X100 Y100
M5
G0 X0 Y0""".splitlines()


def _prof(name: str) -> dict:
    return {**Profiles().get("machines", name), "name": name}


def test_outline_is_the_burns_box_or_hull_not_the_travels():
    assert job_outline(JOB) == [(20, 10), (40, 10), (40, 30), (20, 30), (20, 10)]
    hull = job_outline(JOB, hull=True)
    assert hull[0] == hull[-1] == (20, 10) and set(hull) == {(20, 10), (40, 10), (30, 30)}


def test_frame_power_is_never_exceeded():
    with pytest.raises(ParameterError, match="allowed 0..1 %"):
        frame_lines(job_outline(JOB), _prof("grbl-diode"), power=0.05)
    with pytest.raises(ParameterError, match="allowed 0..0 %"):
        frame_lines(job_outline(JOB), _prof("grbl-co2"), power=0.01)
    with pytest.raises(ParameterError, match="--speed"):
        frame_lines(job_outline(JOB), _prof("grbl-diode"), speed=1e6)


@pytest.mark.parametrize("name,s_on", [("grbl-diode", 10.0), ("grbl-co2", None)])
def test_frame_runs_at_frame_power_and_comes_back(name, s_on):
    transport, clock = open_sim("sim://grbl")
    dev = transport.device
    m = Machine(transport, firmware="grbl", clock=clock)
    m.connect()
    lines = frame_lines(job_outline(JOB), _prof(name))
    assert "F3000" in " ".join(lines) if name == "grbl-diode" else "F6000" in " ".join(lines)
    m.run(lines)
    st = m.wait_idle()
    assert st.mpos[:2] == (20.0, 10.0)
    powers = {p for _, on, p in dev.laser_log if on}
    assert powers == ({s_on} if s_on else set())
    assert not dev.laser_on
    assert {b[1] for b in dev.burns} <= {(40.0, 10.0), (40.0, 30.0), (20.0, 30.0), (20.0, 10.0)}


def test_marlin_frame_is_a_plain_travel(tmp_path):
    lines = frame_lines([(0, 0), (5, 0), (5, 5), (0, 5), (0, 0)], _prof("marlin-syringe"))
    body = [ln for ln in lines if not ln.startswith(";")]
    assert body[2] == "G0 X0 Y0 F3000" and body[-1] == "M400"
    assert not any(w in " ".join(body) for w in ("E", "M42", "M106"))


def test_cli_frame_and_stream_frame(tmp_path):
    job = tmp_path / "job.gcode"
    job.write_text("\n".join(JOB) + "\n")
    r = run_cli("frame", str(job), "--hull", "-o", str(tmp_path / "f.gcode"))
    assert r.code == 0 and "convex hull, 3 corners" in (tmp_path / "f.gcode").read_text()
    r = run_cli("frame", str(job), "--port", "sim://grbl")
    assert r.code == 0 and "back at X 20.000 Y 10.000" in r.out, r.err
    r = run_cli("frame", str(job))
    assert r.code == 2 and "--port" in r.err
    log = tmp_path / "log.jsonl"
    r = run_cli("stream", str(job), "--port", "sim://grbl", "--frame", "-q", "--log", str(log))
    assert r.code == 2 and "--yes" in r.err  # no terminal to ask on: the job is not started
    sent = [json.loads(x).get("text") for x in log.read_text().splitlines()]
    assert "G1X40Y10S600F1200" not in sent and "G1X40Y10F3000S0" not in sent
    r = run_cli("stream", str(job), "--port", "sim://grbl", "--frame", "--yes", "-q", "--log",
                str(log))
    assert r.code == 0, r.err
    sent = [json.loads(x)["text"] for x in log.read_text().splitlines()
            if json.loads(x)["event"] == "sent"]
    frame_at, job_at = sent.index("M3S10"), sent.index("G1X40Y10S600F1200")
    assert frame_at < job_at
