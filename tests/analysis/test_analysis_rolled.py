"""Self-rolled Swiss-roll: the exact spiral length, its inverse, the diameter and the flat strip."""

from __future__ import annotations

import math

import pytest

from zmfab.analysis.rolled import (
    outer_diameter,
    roll_length,
    roll_length_approx,
    solve_roll,
    strip_layout,
    turns_for_length,
)
from zmfab.errors import ParameterError


def numeric_length(turns: float, t: float, r0: float, steps: int = 200_000) -> float:
    """Midpoint-rule ∫ √(r² + b²) dθ along r = r0 + bθ."""
    b = t / (2 * math.pi)
    end = 2 * math.pi * turns
    h = end / steps
    return sum(math.hypot(r0 + b * (i + 0.5) * h, b) * h for i in range(steps))


@pytest.mark.parametrize("turns,t,r0", [(3.0, 0.01, 0.1), (10.5, 0.002, 0.05), (2.0, 0.5, 0.2)])
def test_exact_length_matches_the_integral(turns, t, r0):
    assert roll_length(turns, thickness=t, core_radius=r0) == pytest.approx(numeric_length(turns, t, r0), rel=1e-7)


def test_approximation_is_close_for_thin_strips_and_exact_form_longer():
    n, t, r0 = 8.0, 0.002, 0.05
    exact, approx = roll_length(n, thickness=t, core_radius=r0), roll_length_approx(n, thickness=t, core_radius=r0)
    assert approx == pytest.approx(math.pi * n * (2 * r0 + n * t))
    assert exact > approx
    assert exact == pytest.approx(approx, rel=1e-4)


@pytest.mark.parametrize("length", [0.5, 10.0, 250.0])
def test_turns_invert_the_length(length):
    n = turns_for_length(length, thickness=0.003, core_radius=0.08)
    assert roll_length(n, thickness=0.003, core_radius=0.08) == pytest.approx(length, rel=1e-12)


def test_solve_roll_each_way_round():
    base = solve_roll(thickness=0.01, core_radius=0.1, length=10.0, width=2.0)
    assert base["outer_diameter_mm"] == pytest.approx(2 * (0.1 + (base["turns"] + 1) * 0.01))
    by_turns = solve_roll(thickness=0.01, core_radius=0.1, turns=base["turns"])
    by_d = solve_roll(thickness=0.01, core_radius=0.1, diameter=base["outer_diameter_mm"])
    assert by_turns["length_mm"] == pytest.approx(10.0)
    assert by_d["length_mm"] == pytest.approx(10.0)
    assert base["footprint_lying_mm2"] == pytest.approx(base["outer_diameter_mm"] * 2.0)
    assert base["mid_surface_length_mm"] == pytest.approx(10.0 + math.pi * base["turns"] * 0.01)
    assert outer_diameter(0, thickness=0.01, core_radius=0.1) == pytest.approx(0.22)


@pytest.mark.parametrize("kwargs,field", [
    ({"thickness": -0.01, "core_radius": 0.1, "length": 1.0}, "thickness"),
    ({"thickness": 0.01, "core_radius": 0.0, "length": 1.0}, "core-radius"),
    ({"thickness": 0.01, "core_radius": 0.1, "length": -1.0}, "length"),
    ({"thickness": 0.01, "core_radius": 0.1, "diameter": 0.1}, "diameter"),
    ({"thickness": 0.01, "core_radius": 0.1}, "--length"),
    ({"thickness": 0.01, "core_radius": 0.1, "length": 1.0, "turns": 2.0}, "--length"),
])
def test_bad_roll_input(kwargs, field):
    with pytest.raises(ParameterError) as exc:
        solve_roll(**kwargs)
    assert exc.value.field == field


def test_strip_layout_tracks_and_pads():
    lay = strip_layout(20.0, 1.0, gap=0.2, pad=1.5, margin=0.5)
    anode, cathode = lay.electrode("anode"), lay.electrode("cathode")
    assert anode.distance(cathode) == pytest.approx(0.2)
    assert lay["active_area"].area == pytest.approx(20.0)
    assert lay["active_area"].contains(lay["anode"]) and lay["active_area"].contains(lay["cathode"])
    assert lay["footprint"].contains(anode) and lay["footprint"].contains(cathode)
    assert lay.bounds[0] == pytest.approx(0.0) and lay.bounds[1] == pytest.approx(0.0)
    with pytest.raises(ParameterError, match="no room"):
        strip_layout(20.0, 0.2, gap=0.2)
