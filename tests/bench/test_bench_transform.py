"""The rigid transform of G-code: every position moves as the transform says, arcs included."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zmfab.errors import ParameterError
from zmfab.gcode.parse import header_meta, parse_gcode
from zmfab.gcode.transform import Rigid, parse_transform, transform_lines

JOB = """; dialect: grbl
; bounds_mm: 10 10 30 20
; fiducials_mm: 5,5 35,5 35,25 5,25
G21 G90 G94
M4 S0
G0 X10 Y10
G1 X30 S500 F1200
G2 X30 Y20 I0 J5
G1 X10 Y20
G3 X10 Y10 R-6
G91
G1 X2 Y1
G90
G1 Z-1
M5
S0
G0 X0 Y0
M2""".splitlines()


def _points(lines: list[str]) -> np.ndarray:
    prog = parse_gcode("\n".join(lines))
    return np.array([(m.x1, m.y1) for m in prog.moves if not m.rapid or m.x1 or m.y1])


@pytest.mark.parametrize("t", [Rigid(0.5, 0.3, -0.2), Rigid(-37.0, 12.0, 8.0), Rigid(90.0, 0, 0)])
def test_every_point_moves_with_the_transform_arcs_included(t):
    out = transform_lines(JOB, t)
    before = parse_gcode("\n".join(JOB)).moves
    after = parse_gcode("\n".join(out)).moves
    park = [m.line for m in before if m.rapid and m.x1 == 0 and m.y1 == 0]
    assert len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        want = (a.x1, a.y1) if a.line in park else t.point(a.x1, a.y1)
        assert math.dist(want, (b.x1, b.y1)) < 2e-4, (a, b)
        assert (a.laser, a.power, a.feed, a.z1) == (b.laser, b.power, b.feed, b.z1)


def test_header_records_the_transform_and_moves_fiducials_and_bounds():
    t = Rigid(90.0, 1.0, 0.0)
    meta = header_meta(transform_lines(JOB, t))
    assert meta["transform"].startswith("rotate 90.0000 deg")
    assert meta["fiducials_mm"].split()[0] == "-4.0000,5.0000"
    assert meta["bounds_mm"] == "-19.000 10.000 -9.000 30.000"


def test_hatch_angle_turns_with_the_job():
    from shapely.geometry import box

    from zmfab.gcode.laser_job import plan_geometry

    job = plan_geometry(box(0, 0, 4, 2), "fill", process="laser-diode", date="2026-01-01",
                        settings={"angle": 0, "outline": False, "overscan": 0})
    out = transform_lines(job.lines, Rigid(30.0, 0.0, 0.0))
    burns = [m for m in parse_gcode("\n".join(out)).moves if m.laser and m.length > 1]
    angles = {round(math.degrees(math.atan2(m.y1 - m.y0, m.x1 - m.x0)) % 180, 3) for m in burns}
    assert angles == {30.0}


def test_inches_and_absolute_arc_centres():
    lines = ["G20 G90", "G90.1", "G0 X1 Y0", "G2 X0 Y1 I0 J0 F10", "G21", "G1 X5 Y5"]
    t = Rigid(10.0, 25.4, 0.0)
    after = parse_gcode("\n".join(transform_lines(lines, t))).moves
    before = parse_gcode("\n".join(lines)).moves
    for a, b in zip(before, after, strict=True):
        assert math.dist(t.point(a.x1, a.y1), (b.x1, b.y1)) < 1e-3


def test_single_axis_moves_get_both_axes():
    out = transform_lines(["G90", "G0 X0 Y0", "G1 X10 F100"], Rigid(90.0, 0, 0))
    assert out[-1] == "G1 X0 Y10 F100"


def test_refusals():
    with pytest.raises(ParameterError, match="sets coordinates"):
        transform_lines(["G90", "G92 X0 Y0", "G1 X1 Y1 F100"], Rigid(1.0))
    with pytest.raises(ParameterError, match="already transformed"):
        transform_lines(transform_lines(JOB, Rigid(1.0)), Rigid(1.0))
    with pytest.raises(ParameterError, match="ANGLE,DX,DY"):
        parse_transform("1,2")
    assert parse_transform("0.25deg,120um,-0.05mm") == Rigid(0.25, 0.12, -0.05)
    assert parse_transform(Rigid(0.123456, 1.5, -2.25).option()) == Rigid(0.12346, 1.5, -2.25)


def test_inverse_undoes_the_transform():
    t = Rigid(12.5, 3.0, -4.0)
    x, y = t.inverse().point(*t.point(7.0, -2.0))
    assert math.dist((x, y), (7.0, -2.0)) < 1e-12


def test_a_half_circle_given_by_r_survives_as_a_centre():
    lines = ["G90", "G0 X10 Y20", "G3 X10 Y10 R5 F100", "G2 X20 Y10 R5"]
    t = Rigid(0.5, 0.3, -0.2)
    out = transform_lines(lines, t)
    assert out[0].startswith("; transform:")
    assert "R" not in out[3] and "I" in out[3] and "R" not in out[4]
    before, after = parse_gcode("\n".join(lines)).moves, parse_gcode("\n".join(out)).moves
    assert len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        assert math.dist(t.point(a.x1, a.y1), (b.x1, b.y1)) < 2e-4
