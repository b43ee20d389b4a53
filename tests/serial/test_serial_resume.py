"""``--from-line K`` rebuilds the whole modal state in effect before line K."""

from __future__ import annotations

from pathlib import Path

import pytest

from zmfab.cli import main
from zmfab.serial.resume import resume_plan

GRBL = "sim://grbl?baud=115200"
MARLIN = "sim://marlin?baud=115200"

LASER = ["G21", "G90", "G55", "G18", "M8", "G17", "M4 S0", "F600", "G0 X1 Y1",
         "G1 X2 S500", "X3", "X4 Y2", "X5", "M5", "M9"]


@pytest.mark.parametrize("k", [11, 12, 13])
def test_grbl_resume_burns_modal_g1_lines(stream, k):
    run = stream(GRBL, LASER, from_line=k)
    assert run.error is None, run.error
    dev = run.device
    first = dev.executed.index(LASER[k - 1].replace(" ", ""))
    assert dev.modes[first] == 1  # in G1, not left in the preamble's G0: the burn happens
    pre = dev.executed[:first]
    assert pre[-1] == "G1" and {"G55", "M8", "M4S0", "F600", "S500"} <= set(pre)
    assert pre.index("G55") < pre.index("G0X3Y1" if k == 12 else pre[4])


def test_grbl_resume_in_an_arc_mode_carries_the_motion_word():
    lines = ["G21", "G90", "M4 S0", "F300", "G0 X0 Y0", "G2 X2 Y0 I1 J0 S400", "X0 Y0 I-1 J0"]
    plan = resume_plan(lines, 7)
    assert plan.motion_word == "G2" and plan.first_motion == 7


def test_z_goes_up_first_then_down(stream):
    lines = ["G21", "G90", "G0 Z5", "M4 S0", "F600", "G0 X10 Y10 Z1", "G1 X20 S300", "G1 X30"]
    pre = resume_plan(lines, 8).preamble
    assert pre.index("G0 Z5") < pre.index("G0 X20 Y10") < pre.index("G0 Z1")


MARLIN_JOB = ["G21", "G90", "M82", "M140 S60", "M104 S200", "M190 S60", "M109 S200",
              "M106 S128", "G92 E0", "G1 X1 F600", "M42 P4 S255"] + [
    f"G1 X{i + 2} E{0.25 * (i + 1):.2f}" for i in range(10)] + ["M42 P4 S0", "M107", "M104 S0",
                                                              "M140 S0"]


@pytest.mark.parametrize("k", [13, 18])
def test_marlin_resume_restores_e_heaters_fan_and_valve(stream, k):
    run = stream(MARLIN, MARLIN_JOB, firmware="marlin", from_line=k)
    assert run.error is None, run.error
    dev = run.device
    e_before = 0.25 * (k - 12)  # E of the last extruding line before K
    assert dev.extruded == pytest.approx(2.5 - e_before)  # not the whole E of line K again
    pre = run.result.preamble
    assert f"G92 E{e_before:g}" in pre and "M82" in pre
    assert pre.index("M140 S60") < pre.index("M190 S60") and "M109 T0 S200" in pre
    assert pre.index(f"G0 X{k - 11}") < pre.index("M42 P4 S255")  # valve opens there
    assert "M106 S128" in pre
    assert dev.outputs_off  # the job's own end switched everything off again


def test_dry_run_from_line_shows_the_preamble(capsys):
    demo = Path(__file__).resolve().parents[2] / "patterns" / "jobs"
    with pytest.raises(SystemExit) as exc:
        main(["stream", str(demo / "demo-grbl.gcode"), "--port", "sim://grbl", "--dry-run",
              "--from-line", "50"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert out.startswith("resume at line 50: ") and "  G21\n" in out and "  M5S0\n" in out
    with pytest.raises(SystemExit) as exc:
        main(["stream", str(demo / "demo-marlin.gcode"), "--port", "sim://marlin", "--dry-run",
              "--from-line", "20"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and out.startswith("resume at line 20: ")
    assert "nothing was sent" in out
