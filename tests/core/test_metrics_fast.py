"""The fast metrics equal the plain GEOS computation they replace, on random layouts."""

import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st

import zmfab
from tests.facing_reference import metrics_reference
from zmfab.regions.metrics import measure


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(["interdigitated", "concentric", "swiss-roll"]), st.integers(2, 6),
       st.floats(0.05, 0.4))
def test_fast_metrics_match_reference(family, n, gap):
    count = {"interdigitated": "fingers", "concentric": "rings", "swiss-roll": "turns"}[family]
    try:
        lay = zmfab.layout(family, **{count: 2 * n if family == "interdigitated" else n,
                                      "gap": f"{gap:.3f}mm"})
    except zmfab.ZmfabError:
        return  # a combination the generator refuses
    m, ref = measure(lay), metrics_reference(lay)
    assert m["min_gap_mm"] == round(ref["gap"], 9)
    assert m["fill_factor"] == pytest.approx(round(ref["fill"], 6), abs=1.1e-6)
    assert m["facing_length_mm"] == pytest.approx(ref["facing"], abs=3e-4)
    assert m["bounds_mm"] == [round(v, 6) for v in ref["bounds"]]


@pytest.mark.parametrize("shift", [-0.3, 0.0, 0.4])  # pad overlapping, touching, apart from its body
def test_pads_overlapping_touching_or_apart_match_reference(shift):
    """Metrics work part by part only where a pad merely touches its body; otherwise they unite."""
    lay = zmfab.layout("interdigitated", fingers=6)
    regions = dict(lay.regions)
    pad = regions["anode_pad"]
    body = regions["anode"]
    # move the anode pad towards its body (overlap), leave it touching (as generated) or move
    # it away
    toward = 1.0 if body.centroid.y > pad.centroid.y else -1.0
    moved = shapely.affinity.translate(pad, yoff=-shift * toward)
    regions["anode_pad"] = moved
    lay2 = type(lay)(lay.family, regions, dict(lay.params), dict(lay.meta))
    if lay2.get("anode_pad").intersects(lay2.get("cathode")):
        pytest.skip("the moved pad meets the cathode")
    m, ref = measure(lay2), metrics_reference(lay2)
    assert m["min_gap_mm"] == round(ref["gap"], 9)
    assert m["fill_factor"] == pytest.approx(round(ref["fill"], 6), abs=1.1e-6)
    assert m["facing_length_mm"] == pytest.approx(ref["facing"], abs=3e-4)
    assert m["anode_area_mm2"] == pytest.approx(round(lay2.electrode("anode").area, 6), abs=1.1e-6)
