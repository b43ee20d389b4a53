"""Swiss-roll layouts: validity, connectivity, a constant gap, track areas, refusals."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import zmfab
from tests.geometry.invariants import assert_layout_invariants
from zmfab.errors import ParameterError
from zmfab.geometry import swissroll as sr

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def um(lo: int, hi: int) -> st.SearchStrategy[float]:
    """Lengths on a 1 µm grid, in mm (so the metric's 7-decimal rounding never crosses the spec)."""
    return st.integers(lo, hi).map(lambda n: n / 1000)


@st.composite
def swissroll_params(draw: st.DrawFn) -> dict:
    params = {
        "turns": draw(st.integers(1, 4)),
        "anode_width": draw(um(40, 600)),
        "cathode_width": draw(um(40, 600)),
        "gap": draw(um(20, 400)),
        "bus_width": draw(um(50, 1500)),
        "tolerance": draw(st.sampled_from([0.001, 0.0005, 0.002, 0.005])),
        "margin": draw(um(0, 2000)),
    }
    params["pad_size"] = params["bus_width"] + draw(um(0, 2000))
    if draw(st.booleans()):
        params["lead_length"] = draw(um(10, 1500))
    assume(params["tolerance"] <= min(params["gap"], params["anode_width"], params["cathode_width"]) / 4)
    # From just outside the base circle (curvature radius near zero at the start) to 3x it; where
    # that is too tight for the gap, the smallest radius the generator allows (the boundary case).
    a = (params["anode_width"] + params["cathode_width"] + 2 * params["gap"]) / (2 * math.pi)
    params["inner_radius"] = round(a * draw(st.floats(1.0005, 3.0)), 4)
    try:
        sr.SwissRollParams(**params)
    except ParameterError as err:
        assert err.field == "inner-radius"
        params["inner_radius"] = sr.min_inner_radius(sr.SwissRollParams(**{**params, "inner_radius": 100 * a}))
    return params


def params_of(values: dict) -> sr.SwissRollParams:
    return sr.SwissRollParams(**values)


@FAST
@given(swissroll_params())
def test_electrodes_valid_connected_disjoint_and_gap_exact(params: dict) -> None:
    lay = zmfab.layout("swiss-roll", **params)
    assert_layout_invariants(lay, gap=params["gap"], tol=params["tolerance"])


@FAST
@given(swissroll_params())
def test_gap_is_constant_along_the_whole_winding(params: dict) -> None:
    """Every point of the anode's true inner edge that faces the cathode is gap..gap+tol/2 from it.

    (An Archimedean spiral fails this: its gap narrows toward the centre.)
    """
    p = params_of(params)
    lay = zmfab.layout("swiss-roll", **params)
    a = sr.base_radius(p)
    ranges = sr.angle_ranges(p)
    c_in = sr.bands(p)["anode"][1]
    # Where the cathode runs just inside the anode (same contact angle), and one turn outside it.
    phis = np.linspace(ranges["cathode"][0], ranges["anode"][1], 400)
    dx, dy = lay.meta["center_mm"]
    inner_edge = sr.involute_points(a, c=c_in, phis=phis, rotation=ranges["anode"][1]) + (dx, dy)
    d = shapely.distance(shapely.points(inner_edge), lay["cathode"])
    assert d.min() >= params["gap"] - 1e-9
    assert d.max() <= params["gap"] + params["tolerance"] / 2 + 1e-9
    outer_edge = sr.involute_points(a, c=0.0, phis=phis[phis <= ranges["cathode"][1] - 2 * math.pi],
                                    rotation=ranges["anode"][1]) + (dx, dy)
    if len(outer_edge):
        d = shapely.distance(shapely.points(outer_edge), lay["cathode"])
        assert params["gap"] - 1e-9 <= d.min() and d.max() <= params["gap"] + params["tolerance"] / 2 + 1e-9


@FAST
@given(swissroll_params(), st.sampled_from(["anode", "cathode"]))
def test_track_lies_inside_its_exact_band_within_tolerance(params: dict, name: str) -> None:
    """Points of both true edges lie outside the polygon, on it or within tolerance/2 of it."""
    p = params_of(params)
    a, tol = sr.base_radius(p), p.tolerance
    c_out, c_in = sr.bands(p)[name]
    phi0, phi1 = sr.angle_ranges(p)[name]
    poly = sr.track(a, band=(c_out, c_in), angles=(phi0, phi1), tolerance=tol)
    assert poly.is_valid
    # The drawn samples and the midpoints between them, where a chord or a tangent corner strays most.
    grid = sr.edge_angles(a, c_outer=c_out, angles=(phi0, phi1), tolerance=tol / 2)
    dense = np.concatenate([grid, (grid[1:] + grid[:-1]) / 2])
    for c in (c_out, c_in):
        pts = shapely.points(sr.involute_points(a, c=c, phis=dense))
        dist = shapely.distance(pts, poly.exterior)
        inside = shapely.contains(poly, pts)
        assert not np.any(inside & (dist > 1e-9)), "a chord crossed into the gap"
        assert dist.max() <= tol / 2 * 1.0001 + 1e-12


@FAST
@given(swissroll_params(), st.sampled_from(["anode", "cathode"]))
def test_track_area_is_width_times_centreline_length(params: dict, name: str) -> None:
    p = params_of(params)
    a, tol = sr.base_radius(p), p.tolerance
    c_out, c_in = sr.bands(p)[name]
    phi0, phi1 = sr.angle_ranges(p)[name]
    poly = sr.track(a, band=(c_out, c_in), angles=(phi0, phi1), tolerance=tol)
    exact = (c_in - c_out) * sr.centreline_length(a, c=(c_out + c_in) / 2, angles=(phi0, phi1))
    # Exact: the band is the (φ, c) rectangle under a map of Jacobian s. Each edge is drawn
    # within tol/2 of itself and only ever inward, so at most tol/2 x its length is lost.
    edges = sum(sr.centreline_length(a, c=c, angles=(phi0, phi1)) for c in (c_out, c_in))
    assert exact - tol / 2 * edges * 1.0001 <= poly.area <= exact + 1e-9
    # In the layout the lead adds at most its own rectangle.
    lay = zmfab.layout("swiss-roll", **params)
    track_length = lay.meta["track_length_mm"][name]
    assert track_length == pytest.approx(exact / (c_in - c_out))
    reach = lay.meta["outer_radius_mm"] + lay.params["lead_length"]
    lead = p.bus_width * (reach - (a * phi1 - c_in))
    assert poly.area - 1e-9 <= lay[name].area <= poly.area + lead + 1e-9


@FAST
@given(swissroll_params())
def test_pads_lie_beyond_the_winding_on_opposite_sides(params: dict) -> None:
    lay = zmfab.layout("swiss-roll", **params)
    cx, cy = lay.meta["center_mm"]
    centre = shapely.Point(cx, cy)
    r_out = lay.meta["outer_radius_mm"]
    for name in ("anode", "cathode"):
        assert lay[f"{name}_pad"].area == pytest.approx(params["pad_size"] ** 2)
        assert lay[f"{name}_pad"].distance(centre) >= r_out + lay.params["lead_length"] - 1e-9
    assert lay["anode_pad"].centroid.y < cy < lay["cathode_pad"].centroid.y
    # The active area is the disc the winding fills, drawn around it.
    assert lay["active_area"].area == pytest.approx(math.pi * r_out**2, abs=1.01 * math.pi * r_out * params["tolerance"])
    assert 0 < zmfab.measure(lay)["fill_factor"] <= 1
    xmin, ymin, xmax, ymax = lay["footprint"].bounds
    assert (xmin, ymin) == pytest.approx((0.0, 0.0), abs=1e-12)
    m = params["margin"]
    exmin, eymin, exmax, eymax = zmfab.regions.union_all(
        [lay[k] for k in ("anode", "cathode", "anode_pad", "cathode_pad")]).bounds
    assert (exmin - m, eymin - m, exmax + m, eymax + m) == pytest.approx((xmin, ymin, xmax, ymax), abs=1e-9)


def test_defaults() -> None:
    lay = zmfab.layout("swiss-roll")
    assert zmfab.measure(lay)["min_gap_mm"] == pytest.approx(0.2)
    assert lay.params["turns"] == 5
    assert lay.meta["pitch_mm"] == pytest.approx(1.0)


def test_units_and_family_alias() -> None:
    lay = zmfab.layout("swissroll", gap="150um", turns="2")
    assert zmfab.measure(lay)["min_gap_mm"] == pytest.approx(0.15)


@pytest.mark.parametrize(
    "values",
    [
        {"turns": 1, "anode_width": 0.04, "cathode_width": 0.04, "gap": 0.157, "inner_radius": 0.0784},
        {"anode_width": 0.02, "cathode_width": 0.6, "gap": 0.1, "inner_radius": 0.1306},
        {"anode_width": 0.02, "cathode_width": 0.2, "gap": 0.1, "inner_radius": 0.0682},
    ],
)
def test_too_tight_a_centre_is_refused_with_the_radius_that_works(values: dict) -> None:
    """Starts facing across a small centre, or a start cap with the other track curling behind it."""
    with pytest.raises(ParameterError) as err:
        zmfab.layout("swiss-roll", **values)
    assert err.value.field == "inner-radius"
    allowed = float(re.search(r"allowed ([0-9.]+) mm and up", str(err.value)).group(1))
    lay = zmfab.layout("swiss-roll", **{**values, "inner_radius": allowed})
    assert zmfab.measure(lay)["min_gap_mm"] >= values["gap"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"turns": 0}, "turns"),
        ({"inner_radius": 0.15}, "inner-radius"),   # below the base radius 1 mm / 2π
        ({"inner_radius": "159um"}, "inner-radius"),
        ({"pad_size": 0.4, "bus_width": 0.5}, "pad-size"),
        ({"tolerance": 0.05, "gap": 0.1}, "tolerance"),
        ({"lead_length": 0}, "lead_length"),
        ({"cathode_width": -0.1}, "cathode_width"),
    ],
)
def test_impossible_parameters_are_refused(values: dict, field: str) -> None:
    with pytest.raises(ParameterError) as err:
        zmfab.layout("swiss-roll", **values)
    assert err.value.field == field
    assert "out of range" in str(err.value)
