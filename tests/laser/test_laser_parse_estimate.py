"""The parser reads GRBL and Marlin jobs (ours or not); the estimate follows closed forms."""

from __future__ import annotations

import math

import pytest

from zmfab.gcode.estimate import estimate, machine_limits
from zmfab.gcode.parse import parse_gcode

MACHINE = {"max_rate_mm_min": [6000, 6000, 600], "acceleration_mm_s2": [1000, 1000, 100],
           "junction_deviation_mm": 0.01}


def test_trapezoid_and_triangle_closed_forms():
    # 100 mm at 100 mm/s, a = 1000 mm/s²: 0.1 s up, 0.1 s down, 90 mm cruising.
    assert estimate(parse_gcode("G1 X100 F6000\n"), MACHINE)["time_s"] == pytest.approx(1.1)
    # 2 mm never reaches 100 mm/s: t = 2 sqrt(L / a).
    t = estimate(parse_gcode("G1 X2 F6000\n"), MACHINE)["time_s"]
    assert t == pytest.approx(2 * math.sqrt(2 / 1000), abs=1e-3)
    # Rapids run at the axis maximum; diagonal moves are limited per axis.
    t = estimate(parse_gcode("G0 X100 Y100\n"), MACHINE)["time_s"]
    v = 100.0 / (1 / math.sqrt(2))  # X limit 100 mm/s on a 45° move
    a = 1000 / (1 / math.sqrt(2))
    length = 100 * math.sqrt(2)
    assert t == pytest.approx(2 * v / a + (length - v * v / a) / v, rel=1e-3)


def test_corners_slow_down_straight_on_does_not():
    straight = estimate(parse_gcode("G1 X50 F6000\nG1 X100\n"), MACHINE)["time_s"]
    assert straight == pytest.approx(1.1)
    corner = estimate(parse_gcode("G1 X50 F6000\nG1 Y50\n"), MACHINE)["time_s"]
    # Right angle: v_j² = a δ sin(45°)/(1 - sin(45°))
    s = math.sin(math.pi / 4)
    vj = math.sqrt(1000 * 0.01 * s / (1 - s))
    leg = (100 - vj) / 1000 + 0.1 + (50 - (100**2 - vj**2) / 2000 - 5) / 100
    assert corner == pytest.approx(2 * leg, rel=1e-3)
    reverse = estimate(parse_gcode("G1 X50 F6000\nG1 X0\n"), MACHINE)["time_s"]
    assert reverse == pytest.approx(2 * 0.6, rel=1e-3)


def test_units_relative_and_arcs():
    prog = parse_gcode("G20 G91\nG1 X1 Y0 F10\nG1 X1\nG21 G90\nG0 X0 Y0\n")
    assert prog.moves[1].x1 == pytest.approx(50.8)
    assert prog.moves[0].feed == pytest.approx(254.0)
    circle = parse_gcode("G0 X10 Y0\nM3 S100\nG2 X10 Y0 I-10 J0 F600\nM5\n")
    est = estimate(circle, MACHINE)
    assert est["burn_mm"] == pytest.approx(2 * math.pi * 10, rel=1e-4)
    half = parse_gcode("G0 X0 Y0\nM4 S5\nG3 X20 Y0 R10 F600\n")
    ys = [m.y1 for m in half.moves if m.laser]
    assert min(ys) == pytest.approx(-10, abs=5e-3)  # counter-clockwise from the left: below
    assert estimate(half)["burn_mm"] == pytest.approx(math.pi * 10, rel=1e-4)


def test_foreign_grbl_file_with_comments_and_odd_spacing():
    text = ("(LightBurn-ish)\nG00 G17 G40 G21 G54\nG90\nM4\ng0x5y5\nG1 X10 Y5 S500 F1200 ; burn\n"
            "G1 x10 y10\nM9\nG1 S0\nM5\nG0 X0 Y0\nM2\n")
    prog = parse_gcode(text)
    est = estimate(prog, MACHINE)
    assert prog.dialect == "grbl"
    assert est["burn_mm"] == pytest.approx(10.0)
    assert est["travel_mm"] == pytest.approx(math.hypot(5, 5) + math.hypot(10, 10), abs=1e-3)
    assert est["bounds_mm"] == [0.0, 0.0, 10.0, 10.0]
    assert est["lines"] == 11


def test_dwell_and_pause():
    grbl = parse_gcode("; dialect: grbl\nG4 P1.5\nM0\n")
    marlin = parse_gcode("; dialect: marlin\nG4 P1500\nG4 S2\n")
    assert estimate(grbl)["time_s"] == pytest.approx(1.5)
    assert estimate(grbl)["pauses"] == 1
    assert estimate(marlin)["time_s"] == pytest.approx(3.5)


def test_volumetric_ink_per_tool_relative_and_absolute_e():
    text = ("; dialect: marlin\n; syringe_diameter_mm: 10\n; bead_width_mm: 0.4\n"
            "M83\nT0\nG1 X10 E1 F600\nG1 X20 E1\nG1 E-0.5\nG0 X0\n"
            "T1\nM82\nG92 E0\nG1 X10 E0.5\nG1 X20 E1.5\n")
    est = estimate(parse_gcode(text), MACHINE)
    area = math.pi * 25
    assert est["ink_ul"]["T0"] == pytest.approx(2 * area)
    assert est["ink_ul"]["T1"] == pytest.approx(1.5 * area)
    assert est["print_mm"] == pytest.approx(40.0)


def test_pneumatic_ink_is_valve_time_times_flow():
    text = ("; dialect: marlin\n; flow_ul_per_s: 0.5\nG0 X0 Y0\nM42 P4 S255\nG4 P1000\n"
            "G1 X100 F6000\nM42 P4 S0\nG0 X0\nM106 S255\nG4 S1\nM107\n")
    prog = parse_gcode(text)
    est = estimate(prog, MACHINE)
    assert est["ink_ul"]["T0"] == pytest.approx(0.5 * (1.0 + 1.1 + 1.0), rel=1e-3)
    assert est["print_mm"] == pytest.approx(100.0)


def test_machine_limits_read_both_profile_styles():
    grbl = machine_limits({"max_rate_mm_min": [600, 1200, 60], "acceleration_mm_s2": 50})
    assert grbl.rate == (10.0, 20.0, 1.0) and grbl.accel == (50.0, 50.0, 50.0)
    marlin = machine_limits({"max_feed": "100mm/s"})
    assert marlin.rate == (100.0, 100.0, 100.0) and marlin.accel == (1000.0,) * 3
