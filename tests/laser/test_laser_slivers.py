"""Slivers narrower than the spot are burnt by one stroke down their middle, not round their outline."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

import zmfab
from zmfab.toolpath import laser as L
from zmfab.toolpath.slivers import sliver_strokes

SPOT = 0.025


def _arc_strip(radius: float, width: float, sweep: float = 270.0, end: float = 0.0) -> Polygon:
    """A thin strip along an arc of ``radius`` mm (``sweep`` degrees), ``width`` mm wide, with
    pointed ends (as the last contours of an isolation leave it), ``end`` mm wide near its end
    when given (a wide tail that tapers to its tip)."""
    deg = np.linspace(0.0, sweep, 2000)
    knots = [0, 5, sweep - 10, sweep - 6, sweep - 5, sweep]
    full = np.interp(deg, knots, [0, width, width, max(width, end), max(width, end), 0])
    a, half = np.radians(deg), full / 2
    outer = np.column_stack([(radius + half) * np.cos(a), (radius + half) * np.sin(a)])
    inner = np.column_stack([(radius - half) * np.cos(a), (radius - half) * np.sin(a)])[::-1]
    return Polygon(np.vstack([outer, inner[1:-1]]))


def _burns(strokes, piece: Polygon) -> bool:
    burn = shapely.union_all([LineString(p).buffer(SPOT / 2) for p, _ in strokes])
    return piece.difference(burn).area <= 1e-9 * piece.area


def test_a_thin_arc_is_one_stroke_along_its_middle():
    piece = _arc_strip(2.0, 0.004)
    strokes = sliver_strokes(piece, SPOT)
    assert len(strokes) == 1 and strokes[0][1] is False
    middle = LineString(strokes[0][0])
    assert math.isclose(middle.length, 2.0 * math.radians(270), rel_tol=1e-3)  # not 2× (an outline)
    radii = np.hypot(*strokes[0][0].T)
    assert np.abs(radii - 2.0).max() < 0.001  # on the middle, within the sliver's half width
    assert _burns(strokes, piece)


def test_a_thin_annulus_is_one_closed_ring_half_way():
    piece = Point(0, 0).buffer(1.003, quad_segs=64).difference(Point(0, 0).buffer(0.997, quad_segs=64))
    strokes = sliver_strokes(piece, SPOT)
    assert len(strokes) == 1 and strokes[0][1] is True
    pts = strokes[0][0]
    assert np.array_equal(pts[0], pts[-1])
    assert np.abs(np.hypot(*pts.T) - 1.0).max() < 0.0005
    assert _burns(strokes, piece)


def test_a_hairpin_is_split_at_its_tips_not_at_its_bend():
    # a U-bend turns the outline back as sharply as a tip does; the sides must still pair up
    piece = LineString([(0, 0), (3, 0), (3, 0.004), (0, 0.004)]).buffer(0.0008, cap_style="flat",
                                                                        join_style="mitre")
    strokes = sliver_strokes(piece, SPOT)
    assert len(strokes) == 1 and strokes[0][1] is False
    assert 5.9 < LineString(strokes[0][0]).length < 6.1  # both arms once, not one arm twice
    assert _burns(strokes, piece)


def test_wide_pieces_and_pieces_a_stroke_would_not_cover_keep_their_outline():
    wide = _arc_strip(2.0, 0.1)
    assert [c for _, c in sliver_strokes(wide, SPOT)] == [True]
    assert np.array_equal(sliver_strokes(wide, SPOT)[0][0], np.asarray(wide.exterior.coords))
    # thin on average but with a blob wider than the spot at one end: one stroke would miss it
    blob = _arc_strip(2.0, 0.004).union(Point(2.0, 0.0).buffer(0.04))
    strokes = sliver_strokes(blob, SPOT)
    assert all(closed for _, closed in strokes)
    ring = Point(0, 0).buffer(1.003).difference(Point(0, 0).buffer(0.997))
    assert len(sliver_strokes(ring, SPOT, thin=0.0)) == 2  # thin=0: never a stroke


def test_partial_strokes_run_down_the_thin_stretch_and_trace_the_wide_end():
    for end in (0.023, 0.06):  # a tail wider than a stroke's reach, and wider than the spot
        fishtail = _arc_strip(2.0, 0.004, end=end)
        assert all(closed for _, closed in sliver_strokes(fishtail, SPOT))
        strokes = sliver_strokes(fishtail, SPOT, partial=True)
        opened = [p for p, closed in strokes if not closed]
        traced = [p for p, closed in strokes if closed]
        assert opened and traced  # down the thin stretch; round the tail
        tail = np.radians(265)
        assert all(shapely.Polygon(r).distance(Point(2 * np.cos(tail), 2 * np.sin(tail))) < 0.02
                   for r in traced)
        drawn = sum(LineString(p).length for p, _ in strokes)
        assert drawn < 0.6 * fishtail.length  # the thin stretch once, not round both sides
        # what is left is no more than a trace round the whole piece leaves
        burn = shapely.union_all([LineString(p).buffer(SPOT / 2) for p, _ in strokes])
        outline = fishtail.exterior.buffer(SPOT / 2)
        assert fishtail.difference(burn).area <= fishtail.difference(outline).area + 1e-12


@pytest.mark.parametrize("family, params", [("swiss-roll", {"turns": 3}),
                                            ("concentric", {"rings": 3})])
def test_isolating_burns_the_middle_slivers_once(monkeypatch, family, params):
    roll = zmfab.layout(family, **params)
    both = shapely.union_all([roll.electrode("anode"), roll.electrode("cathode")])
    gap = L.gap_region(both, reach=1.01 * roll.params["gap"])
    tp = L.isolate(gap, spot=SPOT, optimise=False)
    monkeypatch.setattr(L, "sliver_strokes", lambda piece, spot, **_: [
        (np.asarray(r.coords), True) for r in (piece.exterior, *piece.interiors)])
    traced = L.isolate(gap, spot=SPOT, optimise=False)  # every outline traced, as before
    assert any(not p.closed for p in tp.paths), "the middle sliver is a stroke"
    assert sum(p.length for p in tp.paths) < 0.95 * sum(p.length for p in traced.paths)
    # and it leaves no more unburnt than tracing the outlines did
    assert tp.meta["uncovered_mm2"] <= traced.meta["uncovered_mm2"] + 1e-9
