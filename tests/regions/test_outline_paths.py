"""The NumPy outline paths (grid-paired nearest distance, outline area) agree with plain GEOS.

The layouts in the other tests are too small to reach the outline area (it starts at
``OUTLINE_AREA_FROM`` vertices), so here that threshold is lowered to 0.
"""

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon, box

import zmfab
from tests.facing_reference import metrics_reference
from zmfab.regions import distance
from zmfab.regions import metrics as metrics_mod
from zmfab.regions.clip import IN, ON_OPPOSITE, ON_SAME, OUT, Rows, overlap_area, stretches
from zmfab.regions.segments import Grid, cell_size, outline


@pytest.fixture
def grid_always(monkeypatch):
    monkeypatch.setattr(metrics_mod, "OUTLINE_AREA_FROM", 0)


# a comb with a hole, a notch (non-convex) and a pad whose corner comes nearest a finger tip
COMB = box(0, 0, 10, 1).union(box(1, 1, 1.5, 6)).union(box(4, 1, 4.5, 6)).difference(box(6, 0.3, 7, 0.7))
PAD = box(1.2, 6.35, 3.2, 8.35)  # 0.35 above the first finger's tip: nearest pair corner-to-edge


@pytest.mark.parametrize("family, params", [
    ("interdigitated", {"fingers": 9, "corner_radius": "40um", "pad_side": "same"}),
    ("interdigitated", {"fingers": 12}),
    ("concentric", {"rings": 5}),
    ("swiss-roll", {"turns": 4}),
])
def test_grid_gap_matches_geos_on_layouts(grid_always, family, params):
    lay = zmfab.layout(family, **params)
    a, c = lay.electrode("anode"), lay.electrode("cathode")
    near = distance.Proximity(distance.outline(a), distance.outline(c))
    assert near.pairs is not None  # the grid ran
    d, pa, pc = distance.nearest_points(a, c)
    assert d == pytest.approx(a.distance(c), abs=1e-12)
    assert pa.distance(pc) == pytest.approx(d, abs=1e-9)
    assert zmfab.measure(lay)["min_gap_mm"] == round(a.distance(c), 9)


def test_grid_gap_pad_to_tip_hole_and_notch(grid_always):
    assert distance.min_distance(COMB, PAD) == COMB.distance(PAD) == pytest.approx(0.35)
    ring = Point(0, 0).buffer(5).difference(Point(0, 0).buffer(4))  # a part inside the hole
    inner = Point(0.3, 0).buffer(3.2, quad_segs=40)
    assert distance.min_distance(ring, inner) == pytest.approx(ring.distance(inner), abs=1e-12)
    assert distance.min_distance(Point(0, 0).buffer(5), inner) == 0  # nested: they meet
    assert distance.min_distance(box(0, 0, 1, 1), box(1, 0, 2, 1)) == 0  # touching


@settings(max_examples=40, deadline=None)
@given(st.floats(-3, 3), st.floats(-3, 3), st.floats(0, 3.14), st.floats(0.1, 2),
       st.integers(3, 40))
def test_grid_gap_matches_geos_on_random_shapes(dx, dy, angle, r, segs):
    a = COMB.union(Point(10, 0.5).buffer(0.7, quad_segs=segs))
    b = affinity.rotate(Point(0, 0).buffer(r, quad_segs=segs // 2 + 1), angle, use_radians=True)
    b = affinity.translate(b, dx + 5, dy + 8)
    assert distance.min_distance(a, b) == pytest.approx(a.distance(b), abs=1e-12)


AREA_CASES = [
    (COMB, box(0.5, 0.5, 5, 3)),                               # shared edge lines, a hole
    (COMB, box(0, 0, 10, 6)),                                  # edges along the active box
    (COMB, Polygon([(0, 0), (10, 0), (5, 5)])),                # a triangle: slanted cuts
    (COMB, COMB),                                              # the same polygon
    (COMB, affinity.translate(COMB, 10, 0)),                   # touching along x = 10
    (COMB, box(20, 20, 21, 21)),                               # apart
    (MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)]), box(0.5, -1, 2.5, 0.5)),
    (Point(0, 0).buffer(3).difference(Point(0, 0).buffer(1)),  # ring against an L shape
     box(-4, -4, 0, 4).union(box(0, 0, 4, 4))),
]


@pytest.mark.parametrize("a, b", AREA_CASES)
@pytest.mark.parametrize("angle", [0.0, 30.0])
def test_overlap_area_matches_geos(a, b, angle):
    a, b = affinity.rotate(a, angle, origin=(0, 0)), affinity.rotate(b, angle, origin=(0, 0))
    assert overlap_area(a, b) == pytest.approx(shapely.intersection(a, b).area, abs=1e-9)


@pytest.mark.parametrize("family", ["interdigitated", "concentric", "swiss-roll"])
def test_fill_factor_on_the_outline_path(grid_always, family):
    lay = zmfab.layout(family)
    active = lay.get("active_area")
    inside = shapely.union(lay.electrode("anode"), lay.electrode("cathode")).intersection(active).area
    assert zmfab.measure(lay)["fill_factor"] == pytest.approx(round(inside / active.area, 6), abs=1.1e-6)


def test_stretches_label_in_out_and_along():
    poly = box(0, 0, 2, 2)
    lines = outline(shapely.MultiLineString([[(-1, 1), (3, 1)],      # across: out, in, out
                                             [(0, -1), (0, 3)],      # along the left edge
                                             [(1, 0.5), (1, 1.5)]]))  # inside, uncut
    po = outline(poly)
    got = stretches(lines, Grid(po, cell_size(po)), Rows(po, poly))
    length = {state: 0.0 for state in (OUT, IN, ON_SAME, ON_OPPOSITE)}
    for seg, t0, t1, state in zip(got.seg, got.t0, got.t1, got.state, strict=True):
        length[int(state)] += lines.length[seg] * (t1 - t0)
    assert length[IN] == pytest.approx(3.0)          # 2 across + 1 inside
    assert length[OUT] == pytest.approx(4.0)         # 1 + 1 across, 1 + 1 along beyond the box
    assert length[ON_SAME] + length[ON_OPPOSITE] == pytest.approx(2.0)


@pytest.mark.parametrize("family, params", [
    ("interdigitated", {"fingers": 6, "pad_side": "same", "corner_radius": "40um"}),
    ("concentric", {"rings": 4}),
    ("swiss-roll", {"turns": 3}),
])
def test_facing_from_the_gap_search_pairs_equals_its_own_join(family, params):
    """The facing length from the segment pairs the gap search found equals the one from a
    join of its own (when the gap search ran the STRtree, or found pairs too near)."""
    lay = zmfab.layout(family, **params)
    a, c = metrics_mod._Electrode(lay, "anode"), metrics_mod._Electrode(lay, "cathode")
    near = distance.Proximity(a.outline, c.outline, extra=metrics_mod.FACING_FACTOR)
    reach = near.distance * metrics_mod.FACING_FACTOR
    assert near.pairs is not None and near.reach >= reach
    shared = metrics_mod._facing(a, c, near, reach)
    assert shared == pytest.approx(metrics_mod._facing(a, c, None, reach), abs=1e-9)
    assert shared > 0


def _all_outline_paths(monkeypatch):
    monkeypatch.setattr(metrics_mod, "OUTLINE_AREA_FROM", 0)


@pytest.mark.parametrize("shift", [-0.3, 0.0, 0.4])  # pad overlapping, touching, apart from its body
def test_outline_paths_with_pads_overlapping_touching_or_apart(monkeypatch, shift):
    lay = zmfab.layout("interdigitated", fingers=6)
    regions = dict(lay.regions)
    pad, body = regions["anode_pad"], regions["anode"]
    toward = 1.0 if body.centroid.y > pad.centroid.y else -1.0
    regions["anode_pad"] = affinity.translate(pad, yoff=-shift * toward)
    lay2 = type(lay)(lay.family, regions, dict(lay.params), dict(lay.meta))
    _all_outline_paths(monkeypatch)
    m, ref = zmfab.measure(lay2), metrics_reference(lay2)
    assert m["min_gap_mm"] == round(ref["gap"], 9)
    assert m["fill_factor"] == pytest.approx(round(ref["fill"], 6), abs=1.1e-6)
    assert m["facing_length_mm"] == pytest.approx(ref["facing"], abs=3e-4)


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["interdigitated", "concentric", "swiss-roll"]), st.integers(2, 5),
       st.floats(0.05, 0.4), st.floats(0, 90))
def test_outline_paths_match_reference_on_random_turned_layouts(family, n, gap, angle):
    count = {"interdigitated": "fingers", "concentric": "rings", "swiss-roll": "turns"}[family]
    try:
        lay = zmfab.layout(family, **{count: 2 * n if family == "interdigitated" else n,
                                      "gap": f"{gap:.3f}mm"})
    except zmfab.ZmfabError:
        return
    turned = {k: affinity.rotate(g, angle, origin=(0, 0)) for k, g in lay.regions.items()}
    lay = type(lay)(lay.family, turned, dict(lay.params), dict(lay.meta))
    with pytest.MonkeyPatch.context() as mp:
        _all_outline_paths(mp)
        m = zmfab.measure(lay)
    ref = metrics_reference(lay)
    assert m["min_gap_mm"] == pytest.approx(round(ref["gap"], 9), abs=1.1e-9)
    assert m["fill_factor"] == pytest.approx(round(ref["fill"], 6), abs=1.1e-6)
    assert m["facing_length_mm"] == pytest.approx(ref["facing"], abs=3e-4)


def test_grid_gap_far_apart_and_poor_bounds(grid_always):
    """Outlines far apart (the sampled search grows, or hands over to the STRtree) and a bound
    from a sparse sample still give GEOS's figure."""
    a = Point(0, 0).buffer(1, quad_segs=200)
    for b in (affinity.translate(a, 500, 300), affinity.translate(a, 2.5, 0)):
        assert distance.min_distance(a, b) == pytest.approx(a.distance(b), abs=1e-12)
    comb = MultiPolygon([box(x, 0, x + 0.3, 5) for x in range(0, 200)])
    teeth = MultiPolygon([box(x + 0.5, 0.2, x + 0.8, 5.2) for x in range(0, 200)])
    assert distance.min_distance(comb, teeth) == pytest.approx(comb.distance(teeth), abs=1e-12)


def test_ray_test_in_small_blocks_matches_geos(monkeypatch):
    """The even-odd ray test scored block by block (bounded memory) locates points as GEOS does."""
    import numpy as np

    from zmfab.regions import clip

    monkeypatch.setattr(clip, "RAY_BLOCK", 7)
    lay = zmfab.layout("concentric", rings=4)
    poly = lay.electrode("cathode")
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = poly.bounds
    x, y = rng.uniform(x0, x1, 3000), rng.uniform(y0, y1, 3000)
    rows = Rows(outline(poly), poly)
    assert np.array_equal(rows.inside(x, y), shapely.intersects_xy(poly, x, y))


def test_electrode_outline_is_its_parts_outlines_joined():
    """The electrode's outline (body and pad joined, chains numbered on) is the outline of both."""
    import numpy as np

    lay = zmfab.layout("interdigitated", fingers=6, pad_side="same")
    e = metrics_mod._Electrode(lay, "anode")
    assert len(e.part_outlines) == 2
    whole = outline(e.whole)
    for k in ("x0", "y0", "x1", "y1", "chain"):
        assert np.array_equal(getattr(e.outline, k), getattr(whole, k))
