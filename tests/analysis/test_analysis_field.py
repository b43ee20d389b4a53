"""Film solver behaviour: settings, domains, pockets, solvers, layouts from the registry, maps."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point, box

import zmfab
from zmfab.analysis.field import FieldSettings, electrolyte_domain, solve_field
from zmfab.analysis.grid import ANODE, CATHODE, FILM, OUTSIDE, classify, make_grid
from zmfab.analysis.maps import nice_length, render_map
from zmfab.errors import ParameterError
from zmfab.regions import Layout

COARSE = {"cells": 4_000, "min_cells_per_gap": 4}


def strips(gap: float = 0.5) -> Layout:
    return Layout("test", {"anode": box(0, 0, 1, 4), "cathode": box(1 + gap, 0, 2 + gap, 4),
                           "active_area": box(0, 0, 2 + gap, 4)})


@pytest.mark.parametrize("field,kwargs,allowed", [
    ("conductivity", {"conductivity_s_m": -1.0}, "> 0 S/m"),
    ("conductivity", {"conductivity_s_m": 0.0}, "> 0 S/m"),
    ("thickness", {"thickness_mm": -0.1}, "> 0 mm"),
    ("cells", {"cells": 10}, "100..20000000"),
    ("voltage", {"voltage_v": 0.0}, "> 0 V"),
    ("domain", {"domain": "moon"}, "auto, active_area"),
    ("solver", {"solver": "magic"}, "direct"),
])
def test_bad_settings_name_field_and_range(field, kwargs, allowed):
    with pytest.raises(ParameterError) as exc:
        FieldSettings(**kwargs)
    assert exc.value.field == field
    assert allowed in str(exc.value)


def test_classify_marks_electrodes_film_and_outside():
    grid = make_grid((0, 0, 4, 4), cells=16)
    state = classify(grid, box(0, 0, 3, 4), box(0, 0, 1, 4), box(2, 0, 3, 4))
    assert state[0, 0] == ANODE and state[0, 2] == CATHODE and state[0, 1] == FILM
    assert state[0, 3] == OUTSIDE or state[0, 3] == FILM  # the cell touches the domain's edge


def test_resistance_scales_with_conductivity_thickness_and_voltage_independent():
    base = solve_field(strips(), settings=FieldSettings(**COARSE)).summary["resistance_ohm"]
    r2 = solve_field(strips(), settings=FieldSettings(conductivity_s_m=2.0, thickness_mm=0.2, voltage_v=3.0,
                                             **COARSE)).summary
    assert r2["resistance_ohm"] == pytest.approx(base / 4, rel=1e-9)
    assert r2["current_a"] == pytest.approx(3.0 / r2["resistance_ohm"], rel=1e-9)


def test_solvers_agree():
    lay = zmfab.layout("interdigitated", fingers=3, gap="300um", finger_length="3mm")
    direct = solve_field(lay, settings=FieldSettings(solver="direct", **COARSE)).summary
    cg = solve_field(lay, settings=FieldSettings(solver="cg", **COARSE)).summary
    assert cg["resistance_ohm"] == pytest.approx(direct["resistance_ohm"], rel=1e-6)
    assert direct["solver"] == "direct" and cg["solver"] == "cg"


def test_amg_solver_without_pyamg_names_the_package(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pyamg", None)
    with pytest.raises(ParameterError, match="pyamg"):
        solve_field(strips(), settings=FieldSettings(solver="amg", **COARSE))
    # auto falls back to the direct solver
    assert solve_field(strips(), settings=FieldSettings(**COARSE)).summary["solver"] == "direct"


def test_isolated_pocket_is_left_out_and_does_not_break_the_solve():
    lay = strips()
    # a closed anode ring with electrolyte inside it: reached by the anode only
    ring = Point(0.5, 2).buffer(0.45).difference(Point(0.5, 2).buffer(0.3))
    lay.regions["anode"] = box(0, 0, 1, 4).difference(Point(0.5, 2).buffer(0.3))
    lay.regions["anode"] = lay.regions["anode"].union(ring)
    r = solve_field(lay, settings=FieldSettings(**COARSE))
    assert np.isfinite(r.summary["resistance_ohm"])
    assert r.summary["current_balance"] < 1e-9


def test_shorted_and_disconnected_electrodes_are_refused():
    lay = strips()
    lay.regions["cathode"] = box(0.9, 0, 2, 4)
    with pytest.raises(ParameterError, match="touch"):
        solve_field(lay, settings=FieldSettings(**COARSE))
    walled = strips()
    walled.regions["active_area"] = box(0, 0, 1.2, 4).union(box(1.3, 0, 2.5, 4))
    with pytest.raises(ParameterError, match="no film path"):
        solve_field(walled, settings=FieldSettings(**COARSE))


def test_domain_choices():
    lay = zmfab.layout("interdigitated", fingers=2)
    assert electrolyte_domain(lay).equals(lay["active_area"])
    assert electrolyte_domain(lay, choice="footprint").equals(lay["footprint"])
    hull = electrolyte_domain(lay, choice="hull")
    assert hull.contains(lay["anode"]) and hull.contains(lay["cathode"])
    bare = Layout("drawing", {"anode": lay["anode"], "cathode": lay["cathode"]})
    assert electrolyte_domain(bare).equals(hull)
    with pytest.raises(ParameterError, match="no active_area"):
        electrolyte_domain(bare, choice="active_area")


def test_small_gaps_refine_the_default_grid():
    lay = zmfab.layout("interdigitated", fingers=2, gap="50um", finger_length="2mm")
    s = solve_field(lay, settings=FieldSettings(cells=1_000)).summary
    assert s["cells_per_gap"] >= 7.9
    assert s["cells"] > 1_000


@pytest.mark.parametrize("family", ["interdigitated", "concentric", "swiss-roll"])
def test_every_family_solves(family):
    lay = zmfab.layout(family)
    s = solve_field(lay, settings=FieldSettings(cells=20_000, min_cells_per_gap=3)).summary
    assert s["resistance_ohm"] > 0 and np.isfinite(s["resistance_ohm"])
    assert 0 <= s["uniformity_cv"] < 2
    assert s["current_balance"] < 1e-6


def test_interdigitated_resistance_matches_facing_length_estimate():
    """Long fingers: R is close to gap / (σ h × facing length), ends add a little conductance."""
    lay = zmfab.layout("interdigitated", fingers=4, gap="200um", finger_length="6mm")
    s = solve_field(lay, settings=FieldSettings(cells=60_000)).summary
    straight = 0.2 / (1.0 * 0.1e-3 * (2 * 4 - 1) * 6.0)
    assert 0.8 * straight < s["resistance_ohm"] < 1.02 * straight


def test_maps_render_png_with_both_kinds():
    r = solve_field(strips(), settings=FieldSettings(**COARSE))
    for which in ("potential", "current"):
        png = render_map(r, which=which, dpi=40)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        render_map(r, which="entropy")
    current = r.current_density()
    film = r.state == FILM
    assert np.nanmedian(current[film]) == pytest.approx(1.0 / 0.5e-3, rel=0.05)  # σ V / gap


def test_nice_scale_bar_lengths():
    assert nice_length(10.0) == 2.0
    assert nice_length(26.0) == 5.0
    assert nice_length(0.7) == 0.1


def test_amg_solver_agrees_when_pyamg_is_installed():
    pytest.importorskip("pyamg")
    lay = zmfab.layout("interdigitated", fingers=3, gap="300um", finger_length="3mm")
    direct = solve_field(lay, settings=FieldSettings(solver="direct", **COARSE)).summary
    amg = solve_field(lay, settings=FieldSettings(solver="amg", **COARSE)).summary
    assert amg["resistance_ohm"] == pytest.approx(direct["resistance_ohm"], rel=1e-6)


def test_an_electrode_thinner_than_the_grid_is_reported():
    lay = Layout("test", {"anode": box(0.15, 0, 0.16, 4), "cathode": box(2, 0, 3, 4),
                          "active_area": box(-1, 0, 3, 4)})
    with pytest.raises(ParameterError, match="do not resolve the anode"):
        solve_field(lay, FieldSettings(cells=100, min_cells_per_gap=0))


def test_narrow_gaps_get_a_zoom_panel():
    from zmfab.analysis.maps import _zoom_window

    lay = zmfab.layout("interdigitated", fingers=6, gap="60um", finger_length="4mm")
    r = solve_field(lay, FieldSettings(cells=20_000, min_cells_per_gap=2))
    film = r.state == FILM
    x0, x1, y0, y1 = _zoom_window(r, film)
    assert x1 - x0 == pytest.approx(14 * 0.06)
    assert render_map(r, which="current", dpi=40)[:4] == b"\x89PNG"
    assert _zoom_window(solve_field(strips(), FieldSettings(**COARSE)), film) is None
