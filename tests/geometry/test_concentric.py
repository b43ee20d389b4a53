"""Concentric layouts: validity, connectivity, the gap, areas against closed forms, refusals."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import zmfab
from tests.geometry.invariants import assert_layout_invariants
from zmfab.errors import ParameterError

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def um(lo: int, hi: int) -> st.SearchStrategy[float]:
    """Lengths on a 1 µm grid, in mm (so the metric's 7-decimal rounding never crosses the spec)."""
    return st.integers(lo, hi).map(lambda n: n / 1000)


@st.composite
def concentric_params(draw: st.DrawFn) -> dict:
    bus = draw(um(50, 800))
    params = {
        "rings": draw(st.integers(1, 4)),
        "center": draw(st.sampled_from(["anode", "cathode"])),
        "anode_width": draw(um(40, 600)),
        "cathode_width": draw(um(40, 600)),
        "gap": draw(um(20, 400)),
        "bus_width": bus,
        "inner_radius": bus / 2 + draw(um(10, 1500)),
        "pad_size": draw(um(300, 3000)),
        "tolerance": draw(st.sampled_from([0.001, 0.0005, 0.002, 0.005])),
        "margin": draw(um(0, 2000)),
    }
    # The non-centre electrode may have one ring more than the centre one.
    other = "cathode" if params["center"] == "anode" else "anode"
    extra = draw(st.sampled_from([None, "other+1", "centre-1"]))
    if extra == "other+1":
        params[f"{other}_rings"] = params["rings"] + 1
    elif extra == "centre-1" and params["rings"] > 1:
        params[f"{params['center']}_rings"] = params["rings"] - 1
    if draw(st.booleans()):
        params["lead_length"] = params["gap"] + draw(um(0, 1500))
    narrowest = min(params["gap"], params["anode_width"], params["cathode_width"], bus, params["inner_radius"])
    assume(params["tolerance"] <= narrowest / 4)
    return params


def strip_area(half: float, r: float) -> float:
    """Area of {|x| < half, y < 0} inside the circle of radius r (half < r), mm²."""
    return half * math.sqrt(r * r - half * half) + r * r * math.asin(half / r)


def closed_form_areas(lay: zmfab.regions.Layout) -> tuple[dict[str, float], float]:
    """Exact electrode areas (pads excluded) and the most the chords may take off, mm²."""
    p = lay.params
    inner = p["center"]
    r0, g, hb = p["inner_radius"], p["gap"], p["bus_width"] / 2
    hc = hb + g
    reach = lay.meta["outer_radius_mm"] + p["lead_length"]
    area = {inner: math.pi * r0**2 - strip_area(hb, r0) + 2 * hb * reach,
            ("cathode" if inner == "anode" else "anode"): 2 * hb * reach - strip_area(hb, r0 + g)}
    radii_sum = r0 + (r0 + g)
    for name, ri, ro in lay.meta["rings_mm"]:
        area[name] += (math.pi * (ro**2 - ri**2) - (strip_area(hc, ro) - strip_area(hc, ri))
                       - (strip_area(hb, ro) - strip_area(hb, ri)))
        radii_sum += ri + ro
    # Each circle is drawn within tolerance/2 of itself (inscribed rims, circumscribed holes, 1%
    # for the circumscribed polygon's 1/cos factor), so the area lost is at most that times its
    # circumference.
    return area, 1.01 * math.pi * p["tolerance"] * radii_sum + 1e-9


@FAST
@given(concentric_params())
def test_electrodes_valid_connected_disjoint_and_gap_exact(params: dict) -> None:
    lay = zmfab.layout("concentric", **params)
    assert_layout_invariants(lay, gap=params["gap"], tol=params["tolerance"])


@FAST
@given(concentric_params())
def test_areas_match_closed_forms(params: dict) -> None:
    lay = zmfab.layout("concentric", **params)
    exact, slack = closed_form_areas(lay)
    for name in ("anode", "cathode"):
        # Chords only ever remove material, never add it.
        assert exact[name] - slack <= lay[name].area <= exact[name] + 1e-9, name
        assert lay[f"{name}_pad"].area == pytest.approx(params["pad_size"] ** 2)
    r_out = lay.meta["outer_radius_mm"]
    assert lay["active_area"].area == pytest.approx(math.pi * r_out**2, abs=1.01 * math.pi * r_out * params["tolerance"])


@FAST
@given(concentric_params())
def test_rings_alternate_and_footprint_wraps_everything(params: dict) -> None:
    lay = zmfab.layout("concentric", **params)
    rings = lay.meta["rings_mm"]
    center = params["center"]
    names = [name for name, _, _ in rings]
    assert names[0] != center
    assert all(a != b for a, b in zip(names, names[1:], strict=False))
    for name in ("anode", "cathode"):
        assert names.count(name) == lay.params[f"{name}_rings"] == params.get(f"{name}_rings", params["rings"])
    for (_, _, r_prev), (_, r_in, _) in zip(rings, rings[1:], strict=False):
        assert r_in - r_prev == pytest.approx(params["gap"])
    xmin, ymin, xmax, ymax = lay["footprint"].bounds
    assert (xmin, ymin) == pytest.approx((0.0, 0.0), abs=1e-12)
    m = params["margin"]
    exmin, eymin, exmax, eymax = zmfab.regions.union_all(
        [lay[k] for k in ("anode", "cathode", "anode_pad", "cathode_pad")]).bounds
    assert (exmin - m, eymin - m, exmax + m, eymax + m) == pytest.approx((xmin, ymin, xmax, ymax), abs=1e-9)
    # The centre electrode's pad is south of the centre, the other one's north.
    cy = lay.meta["center_mm"][1]
    assert lay[f"{center}_pad"].centroid.y < cy
    other = "cathode" if center == "anode" else "anode"
    assert lay[f"{other}_pad"].centroid.y > cy


def test_defaults() -> None:
    lay = zmfab.layout("concentric")
    m = zmfab.measure(lay)
    assert m["min_gap_mm"] == pytest.approx(0.2)
    assert lay.params["lead_length"] == 1.0
    assert lay.params["anode_rings"] == lay.params["cathode_rings"] == 3


def test_units_are_parsed() -> None:
    lay = zmfab.layout("concentric", gap="150um", inner_radius="0.8mm", rings="2")
    assert zmfab.measure(lay)["min_gap_mm"] == pytest.approx(0.15)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"bus_width": 2.0, "inner_radius": 1.0}, "bus-width"),
        ({"bus_width": 3.0, "inner_radius": 1.0}, "bus-width"),
        ({"rings": 0}, "rings"),
        ({"anode_rings": 0}, "anode_rings"),
        ({"cathode_rings": 2}, "cathode-rings"),  # anode centre with 3 rings: cathode needs 3 or 4
        ({"cathode_rings": 5}, "cathode-rings"),
        ({"anode_rings": 4}, "anode-rings"),      # cathode stays 3: anode may have 2 or 3
        ({"center": "cathode", "cathode_rings": 5}, "cathode-rings"),
        ({"lead_length": 0.1, "gap": 0.2}, "lead-length"),
        ({"tolerance": 0.05, "gap": 0.1}, "tolerance"),
        ({"gap": 0}, "gap"),
        ({"center": "middle"}, "center"),
    ],
)
def test_impossible_parameters_are_refused(values: dict, field: str) -> None:
    with pytest.raises(ParameterError) as err:
        zmfab.layout("concentric", **values)
    assert err.value.field == field
    assert "range" in str(err.value) or "allowed" in str(err.value) or "use one of" in str(err.value)


def test_bus_limit_message_gives_the_range() -> None:
    with pytest.raises(ParameterError, match=r"allowed 0\.\.1\.6 mm"):
        zmfab.layout("concentric", bus_width=1.7, inner_radius=0.8)
