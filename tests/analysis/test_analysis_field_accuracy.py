"""The film solver against closed forms, at its default resolution and under refinement."""

from __future__ import annotations

import math

import pytest
from shapely import affinity
from shapely.geometry import Point, box

from zmfab.analysis.field import FieldSettings, solve_field
from zmfab.regions import Layout

SIGMA, H_MM = 2.0, 0.05  # S/m, mm
SIGMA_H = SIGMA * H_MM * 1e-3  # S


def plates(gap: float = 0.3, length: float = 5.0, angle: float = 0.0) -> Layout:
    """Two straight electrodes facing across ``gap`` over ``length`` (mm); walls at the ends."""
    regions = {"anode": box(0, 0, 1, length), "cathode": box(1 + gap, 0, 2 + gap, length),
               "active_area": box(0, 0, 2 + gap, length)}
    if angle:
        regions = {k: affinity.rotate(v, angle, origin=(0, 0)) for k, v in regions.items()}
    return Layout("test", regions)


def disc_in_ring(r1: float = 1.0, r2: float = 2.0, r3: float = 2.5) -> Layout:
    """Anode disc of radius r1 inside a cathode ring from r2 to r3 (mm)."""
    circle = lambda r: Point(0, 0).buffer(r, quad_segs=512)  # noqa: E731
    return Layout("test", {"anode": circle(r1), "cathode": circle(r3).difference(circle(r2)),
                           "active_area": circle(r3)})


def plates_g(gap: float = 0.3, length: float = 5.0) -> float:
    return SIGMA_H * length / gap


def ring_g(r1: float = 1.0, r2: float = 2.0) -> float:
    return 2 * math.pi * SIGMA_H / math.log(r2 / r1)


def rel_error(result, conductance: float) -> float:
    return abs(result.summary["conductance_s"] / conductance - 1.0)


@pytest.mark.parametrize("angle", [0.0, 30.0])
def test_parallel_plates_default_resolution(angle):
    r = solve_field(plates(angle=angle), settings=FieldSettings(conductivity_s_m=SIGMA, thickness_mm=H_MM))
    assert r.summary["cells"] > 200_000  # the default grid
    assert rel_error(r, plates_g()) < 0.02
    assert rel_error(r, plates_g()) < 1e-3  # in fact far better
    assert r.summary["uniformity_cv"] < 0.01  # a uniform field
    assert r.summary["equivalent_length_mm"] == pytest.approx(5.0, rel=1e-3)
    assert r.summary["current_balance"] < 1e-9


def test_disc_in_ring_default_resolution():
    r = solve_field(disc_in_ring(), settings=FieldSettings(conductivity_s_m=SIGMA, thickness_mm=H_MM))
    assert rel_error(r, ring_g()) < 0.02
    assert rel_error(r, ring_g()) < 1e-3
    assert r.summary["anode_edge"]["uniformity_cv"] < 0.01
    # current density at each edge is I / (2π r h)
    i = r.summary["current_a"]
    for name, radius in (("anode", 1.0), ("cathode", 2.0)):
        expected = i / (2 * math.pi * radius * 1e-3 * H_MM * 1e-3)
        assert r.summary[f"{name}_edge"]["edge_j_mean_a_m2"] == pytest.approx(expected, rel=0.01)


def test_disc_in_ring_converges_under_refinement():
    errors = [rel_error(solve_field(disc_in_ring(), settings=FieldSettings(
        conductivity_s_m=SIGMA, thickness_mm=H_MM, cells=n, min_cells_per_gap=1)), ring_g())
        for n in (1_000, 4_000, 16_000, 64_000)]
    assert errors[-1] < errors[0] / 4
    assert all(e < 0.02 for e in errors[1:])


def test_resolution_option_sets_cell_size():
    r = solve_field(plates(), settings=FieldSettings(resolution_mm=0.05))
    assert r.summary["cell_mm"][0] == pytest.approx(0.05, rel=0.05)
    assert rel_error(r, 1.0 * 0.1e-3 * 5.0 / 0.3) < 1e-6  # plates: exact at any resolution
