"""The facing length is the anode edge within reach of the cathode, exactly: against closed
forms, GEOS's fine capsule of each cathode segment, and point by point along segments.

(A fine buffer of the whole cathode is no reference: GEOS thins a polygon's outline by a
hundredth of the distance before buffering, which moves the figure by up to ~1e-3 mm.)"""

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import LineString, Point, box

import zmfab
from tests.facing_reference import facing_reference
from zmfab.geometry.registry import families
from zmfab.regions import Layout, distance, metrics
from zmfab.regions.facing import facing_length, intervals
from zmfab.regions.metrics import FACING_FACTOR
from zmfab.regions.segments import Grid, outline


def _exact(lay):
    """The facing length as measure works it out, before rounding."""
    a, c = metrics._Electrode(lay, "anode"), metrics._Electrode(lay, "cathode")
    near = distance.Proximity(a.outline, c.outline, extra=FACING_FACTOR)
    return metrics._facing(a, c, near, FACING_FACTOR * distance.min_distance(a.whole, c.whole, near=near))


def _layout(**regions):
    return Layout("test", {"footprint": box(-5, -5, 10, 10), **regions})


def test_parallel_rectangles_face_along_their_overlap_and_round_ends():
    """A short cathode bar 0.2 mm above a long anode bar: the overlap (3 mm), and past each end
    of the cathode the stretch within reach 0.3 of its corner, √(0.3² - 0.2²) each."""
    m = zmfab.measure(_layout(anode=box(0, 0, 10, 1), cathode=box(2, 1.2, 5, 2)))
    assert m["min_gap_mm"] == 0.2
    assert m["facing_length_mm"] == pytest.approx(round(3 + 2 * math.sqrt(0.05), 4), abs=1e-12)


def test_corner_against_corner_faces_within_the_round_end():
    """Corners 0.2 mm apart each way: the gap is 0.2√2, and along each anode edge the points
    within 1.5 gaps of the cathode's corner: |x - 1.2| <= √(0.18 - 0.04)."""
    m = zmfab.measure(_layout(anode=box(0, 0, 1, 1), cathode=box(1.2, 1.2, 2, 2)))
    assert m["min_gap_mm"] == round(0.2 * math.sqrt(2), 9)
    assert m["facing_length_mm"] == pytest.approx(round(2 * (math.sqrt(0.14) - 0.2), 4), abs=1e-12)


def test_seam_between_body_and_pad_is_not_facing_edge():
    """A pad touching its body: their shared edge is inside the electrode, not its outline, so
    only the outer edge counts (5 mm along the top, 0.1 mm up each end)."""
    lay = _layout(anode=box(0, 0, 4, 1), anode_pad=box(4, 0, 5, 1), cathode=box(0, 1.2, 5, 2))
    m = zmfab.measure(lay)
    assert m["facing_length_mm"] == pytest.approx(5.2, abs=1e-9)
    assert m["facing_length_mm"] == pytest.approx(facing_reference(lay), abs=1e-6)


def test_cathode_pad_is_faced_too():
    lay = _layout(anode=box(0, 0, 4, 1), cathode=box(0, 1.2, 2, 2), cathode_pad=box(2, 1.2, 4, 2))
    assert zmfab.measure(lay)["facing_length_mm"] == pytest.approx(4.2, abs=1e-9)


CASES = [(family, {}) for family in families()] + [
    ("interdigitated", {"fingers": 7, "pad_side": "same", "corner_radius": "40um"}),
    ("interdigitated", {"fingers": 12, "gap": "50um"}),
    ("concentric", {"rings": 3, "gap": "0.3mm"}),
    ("swiss-roll", {"turns": 2, "gap": "0.15mm"}),
]


@pytest.mark.parametrize("family, params", CASES)
@pytest.mark.parametrize("angle", [0.0, 33.0])
def test_facing_matches_a_fine_buffer_on_every_family(family, params, angle):
    lay = zmfab.layout(family, **params)
    turned = {k: affinity.rotate(g, angle, origin=(0, 0)) for k, g in lay.regions.items()}
    lay = type(lay)(lay.family, turned, dict(lay.params), dict(lay.meta))
    ref = facing_reference(lay)
    assert _exact(lay) == pytest.approx(ref, abs=2e-5)  # the capsules' polygons are inscribed
    assert zmfab.measure(lay)["facing_length_mm"] == pytest.approx(round(ref, 4), abs=1.1e-4)


def test_panel_of_cells_faces_as_the_sum_of_its_cells():
    lay = zmfab.layout("interdigitated", fingers=6)
    cells = [lay.translated(dx, dy) for dx in (0.0, 40.0) for dy in (0.0, 30.0)]
    panel = Layout("panel", {k: shapely.union_all([c.get(k) for c in cells]) for k in lay.regions})
    one = zmfab.measure(lay)["facing_length_mm"]
    assert zmfab.measure(panel)["facing_length_mm"] == pytest.approx(4 * one, abs=4e-4)


coords = st.floats(-3, 3, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 4))


@settings(max_examples=200, deadline=None)
@given(coords, coords, coords, coords, coords, coords, coords, coords, st.floats(0.01, 2))
def test_interval_is_where_the_segment_is_within_reach(ax, ay, bx, by, cx, cy, dx, dy, reach):
    """The interval's ends are at distance ``reach`` (or the segment's ends), its middle within;
    points sampled outside it are further than ``reach``."""
    a, b = LineString([(ax, ay), (bx, by)]), LineString([(cx, cy), (dx, dy)])
    oa, ob = outline(a), outline(b)
    if not len(oa) or not len(ob) or oa.length[0] < 1e-6:
        return
    seg, lo, hi = intervals(oa, ob, np.array([0]), np.array([0]), reach)
    t = np.linspace(0, 1, 401)
    dist = shapely.distance(shapely.points(np.column_stack([ax + t * (bx - ax), ay + t * (by - ay)])), b)
    if not len(seg):
        assert dist.min() > reach - 1e-9
        return
    lo, hi = float(lo[0]), float(hi[0])

    def at(u):
        return Point(ax + u * (bx - ax), ay + u * (by - ay)).distance(b)

    assert at(0.5 * (lo + hi)) <= reach + 1e-9
    for end, edge in ((lo, 0.0), (hi, 1.0)):
        assert end == edge and at(end) <= reach + 1e-9 or at(end) == pytest.approx(reach, abs=1e-7)
    outside = (t < lo - 1e-6) | (t > hi + 1e-6)
    assert (dist[outside] > reach - 1e-9).all()


def test_facing_length_with_and_without_given_pairs():
    a = outline(Point(0, 0).buffer(2, quad_segs=30))
    c = outline(Point(0, 0).buffer(3, quad_segs=7).difference(Point(0, 0).buffer(2.4, quad_segs=7)))
    own = facing_length(a, c, 0.5)
    grid = Grid(c, 0.7)
    assert facing_length(a, c, 0.5, pairs=grid.segment_pairs(a, 0.5)) == pytest.approx(own, abs=1e-12)
    assert facing_length(a, c, 0.3) == 0.0  # the cathode's inner vertices are 2.4·cos(π/28) out
    assert facing_length(a, c, 0.0) == 0.0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.05, 3), st.floats(0.0, 1.0))
def test_grid_pairs_are_every_overlapping_pair_once(seed, cell, reach):
    """The grid's join against a brute-force box test: every overlapping pair, none twice."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10, (60, 4))
    lines = shapely.multilinestrings([[(x0, y0), (x1, y1)] for x0, y0, x1, y1 in xy[:30]])
    o = outline(lines)
    grid = Grid(o, cell)
    q = rng.uniform(0, 10, (200, 2))
    w = rng.uniform(0, 2, (200, 2))
    qa, pb = grid.pairs(q[:, 0] - reach, q[:, 1] - reach, q[:, 0] + w[:, 0], q[:, 1] + w[:, 1])
    got = sorted(zip(qa.tolist(), pb.tolist(), strict=True))
    assert len(got) == len(set(got))  # once each
    from zmfab.regions.segments import pieces

    _, bx0, by0, bx1, by1 = pieces(o, cell)
    meet = (q[:, :1] - reach <= bx1) & (bx0 <= q[:, :1] + w[:, :1]) \
        & (q[:, 1:] - reach <= by1) & (by0 <= q[:, 1:] + w[:, 1:])
    assert got == sorted(zip(*(k.tolist() for k in np.nonzero(meet)), strict=True))


def test_electrodes_far_apart_against_their_segments(monkeypatch):
    """A reach much longer than the segments (the gap search falls back on its STRtree, the
    facing edge is joined block by block, blocks split when they would list too many pairs)."""
    from zmfab.regions import facing

    monkeypatch.setattr(facing, "PAIRS_PER_JOIN", 500)
    anode = Point(0, 0).buffer(1, quad_segs=40)
    cathode = box(-3, 6, 3, 7).union(Point(0, 6).buffer(0.5, quad_segs=20))
    lay = Layout("test", {"footprint": box(-9, -9, 9, 9), "anode": anode, "cathode": cathode})
    m = zmfab.measure(lay)
    assert m["min_gap_mm"] == round(anode.distance(cathode), 9)
    assert m["facing_length_mm"] == pytest.approx(facing_reference(lay), abs=1.1e-4)
    assert m["facing_length_mm"] > 1.0
