"""Every way a job ends leaves the machine safe and the record true: stop requests (signals),
bugs, the Marlin safe stop and pause, and the summaries."""

from __future__ import annotations

import signal

import pytest

from zmfab.cli import main
from zmfab.serial.report import finished, stopped
from zmfab.serial.streamer import StreamAborted, Streamer, StreamInterrupted, make_dialect
from zmfab.serial.transport import open_transport

GRBL = "sim://grbl?baud=115200&motion=1"
MARLIN = "sim://marlin?baud=115200&proc=0.01"
HOT = ["M104 S200", "M104 T1 S210", "M140 S60", "M106 S128", "M42 P4 S255"]


def _streamer(url, firmware, *, after=40, action=None, **kw):
    """A streamer that calls ``action(streamer)`` when the ``after``-th ack arrives."""
    tr, clock = open_transport(url)
    events = []
    holder = {}

    def sink(e):
        events.append(e)
        if e.kind == "ack" and sum(x.kind == "ack" for x in events) == after and action:
            action(holder["s"])

    s = holder["s"] = Streamer(tr, dialect=make_dialect(firmware), clock=clock, on_event=sink, **kw)
    return s, tr, clock, events


# ----- 1: stop requests and bugs ----------------------------------------------------------------
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_stop_request_runs_the_safe_stop_and_records_aborted(h, signum):
    s, tr, _, events = _streamer(GRBL, "grbl", action=lambda s: s.request_stop(
        "stopped by signal", signum=signum))
    with pytest.raises(StreamInterrupted) as exc:
        s.run(h.laser_job(300))
    assert exc.value.signum == signum
    kinds = [e.kind for e in events]
    assert kinds[-2:] == ["safe_stop", "aborted"] and events[-2].data["sent"]
    assert not tr.device.laser_on and "reset" in [k for _, k in tr.device.realtime]
    assert events[-1].data["first_unknown"] is not None


def test_a_bug_in_the_loop_still_ends_with_the_safe_stop(h):
    def boom(s):
        raise RuntimeError("bug")

    s, tr, _, events = _streamer(GRBL, "grbl", action=boom)
    with pytest.raises(RuntimeError):
        s.run(h.laser_job(300))
    assert [e.kind for e in events][-2:] == ["safe_stop", "aborted"]
    assert not tr.device.laser_on


# ----- 3: the Marlin safe stop switches off what the job switched on ---------------------------
def test_marlin_safe_stop_switches_off_heaters_fan_and_valves_the_job_set(h):
    s, tr, clock, events = _streamer(MARLIN, "marlin", action=lambda s: s.request_stop("stop"))
    with pytest.raises(StreamInterrupted):
        s.run(HOT + h.marlin_job(200))
    dev = tr.device
    dev.advance_to(clock.now() + 2)
    assert dev.outputs_off, (dev.hotends, dev.bed, dev.fan, dev.pins)
    how = [e for e in events if e.kind == "safe_stop"][0].text
    assert how == "M410 M104 T0 S0 M104 T1 S0 M140 S0 M107 M42 P4 S0 M5"


def test_marlin_pause_closes_the_valve_and_restores_it_on_continue(h):
    tr, clock = open_transport(MARLIN)
    seen = {}
    turns = {"n": 0}

    def interrupted():
        turns["n"] += 1
        return turns["n"] == 60

    def ask(reason):
        dev = tr.device
        seen.update(pins=dict(dev.pins), fan=dev.fan, queue=len(dev.queue), laser=dev.laser_on)
        return "continue"

    job = HOT + ["M3 S100"] + h.marlin_job(150)
    Streamer(tr, dialect=make_dialect("marlin"), clock=clock, on_error="ask", on_pause=ask,
             interrupted=interrupted).run(job)
    assert seen == {"pins": {"4": 0.0}, "fan": 0.0, "queue": 0, "laser": False}
    ran = [x for x in tr.device.executed if x != "M105"]
    i = ran.index("M400")
    hold = ["M400", "M107", "M42 P4 S0", "M5"]
    restore = ["M3 S0", "M106 S128", "M42 P4 S255"]  # as the job last set them (S0: inline power)
    assert ran[i:i + 7] == hold + restore
    assert ran[:i] + ran[i + 7:] == job  # the job itself ran exactly once, in order


# ----- 7: true summaries ------------------------------------------------------------------------
def test_continue_after_an_error_says_so_and_exits_1(capsys, monkeypatch):
    from pathlib import Path

    import zmfab.cli.stream_cmd as cmd

    monkeypatch.setattr(cmd, "_ask", lambda reason: "continue")
    demo = Path(__file__).resolve().parents[2] / "patterns" / "jobs" / "demo-grbl.gcode"
    with pytest.raises(SystemExit) as exc:
        main(["stream", str(demo), "--port", "sim://grbl?fault=error:12", "--quiet"])
    out = capsys.readouterr().out
    assert exc.value.code == 1
    assert out.startswith("streamed 75 of 76 lines")
    assert "; line 17 rejected: error:20 (unsupported or invalid G-code command)" in out


def test_ctrl_c_before_any_line_never_says_line_none(h):
    tr, clock = open_transport(GRBL)
    s = Streamer(tr, dialect=make_dialect("grbl"), clock=clock, interrupted=lambda: True)
    with pytest.raises(StreamInterrupted) as exc:
        s.run(h.laser_job(20))
    assert "None" not in str(exc.value) and "None" not in stopped(s.result)
    assert exc.value.signum == signal.SIGINT


def test_stop_names_last_run_first_unknown_and_resume_line(h):
    s, tr, clock, _ = _streamer(GRBL + "&bf=1", "grbl", after=120,
                                action=lambda s: s.request_stop("stop"))
    with pytest.raises(StreamAborted):
        s.run(h.laser_job(300))
    res = s.result
    dev = tr.device
    assert res.last_done is not None and res.last_done <= dev.done  # it really ran
    assert res.first_unknown == res.last_done + 1
    assert stopped(res) == (f"last line known to have run: {res.last_done}; first line not known "
                            f"to have run: {res.first_unknown}; resume with --from-line "
                            f"{res.first_unknown}")


def test_finished_summary_counts_job_lines_not_the_preamble(stream, h):
    job = h.laser_job(100)
    run = stream(GRBL, job, from_line=50)
    assert run.error is None
    text = finished(run.result)
    assert text.startswith(f"streamed {len(job) - 49} of {len(job) - 49} lines")
    assert f"after a {len(run.result.preamble)}-line resume preamble" in text
