"""Slab fast path: cross-sections and rectangle cells from the horizontal edges give exactly the
beads the polygon-overlay path gives (combs, holes, slivers, staircases, curved shapes)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import Point, box

import zmfab
from zmfab.toolpath import bead_fill, bead_slabs
from zmfab.toolpath.bead_slabs import Piece, horizontal_edges, sections, slab_cuts, slab_pieces
from zmfab.toolpath.beads import bead_pitch, plan_beads

W, H = 0.4, 0.1
P = bead_pitch(W, H)


def _comb(fingers: int, electrode: str = "anode"):
    lay = zmfab.layout("interdigitated", fingers=fingers, anode_width="800um",
                       cathode_width="800um", gap="500um", finger_length="8mm", bus_width="800um")
    return shapely.union(lay[electrode], lay[f"{electrode}_pad"])


def _grid(seed: int, n: int = 6):
    rng = np.random.default_rng(seed)
    return shapely.union_all([box(i * 1.3, j * 0.9, (i + 1) * 1.3, (j + 1) * 0.9)
                              for i in range(n) for j in range(n) if rng.random() < 0.55])


SHAPES = {
    "comb-anode": _comb(12),
    "comb-cathode": _comb(12, "cathode"),
    "holed": box(0, 0, 10, 10).difference(box(3, 3, 6, 7)),
    "U": shapely.union_all([box(0, 0, 10, 2), box(0, 0, 2, 8), box(8, 0, 10, 8)]),
    "sliver": shapely.union_all([box(0, 0, 5, 2), box(5, 0, 5.1, 3), box(5.1, 0, 9, 2.5)]),
    "grid": _grid(3),
    "grid-holes": _grid(10),
    "disc": Point(0, 0).buffer(3.0, quad_segs=16),
    "skew": affinity.rotate(box(0, 0, 12, 3), 30),
}


def _overlay_only(monkeypatch) -> None:
    """Force the general path: every slab cut by GEOS, every exact rectangle laid as a polygon
    (lanes cut by GEOS, links tested against the grown region)."""
    edges, piece_of = bead_slabs.horizontal_edges, bead_slabs.piece_of

    def as_polygon(poly):
        if edges(poly) is None:  # a near-rectangle (turned frame) keeps its bounds, as always
            return piece_of(poly)
        return Piece(tuple(float(v) for v in poly.bounds), poly)

    for mod in (bead_slabs, bead_fill):
        monkeypatch.setattr(mod, "horizontal_edges", lambda poly: None)
    monkeypatch.setattr(bead_slabs, "piece_of", as_polygon)


def _beads(region, **kw):
    tp = plan_beads(region, width=W, height=H, layers=2, **kw)
    return [(p.points.copy(), p.settings["segment_flow"], p.settings["angle"]) for p in tp]


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("kw", [{}, {"alternate": "cross"}], ids=["auto", "cross"])
def test_fast_path_lays_the_same_beads_as_the_overlay_path(name, kw, monkeypatch):
    fast = _beads(SHAPES[name], **kw)
    with monkeypatch.context() as m:
        _overlay_only(m)
        slow = _beads(SHAPES[name], **kw)
    assert len(fast) == len(slow)
    for (pf, ff, af), (ps, fs, as_) in zip(fast, slow, strict=True):
        assert np.array_equal(pf, ps) and ff == fs and af == as_


@pytest.mark.parametrize("name", ["comb-anode", "comb-cathode", "holed", "U", "grid-holes"])
@pytest.mark.parametrize("turn", [0, 90])
def test_rectangle_rows_are_the_overlay_cells_in_its_order(name, turn, monkeypatch):
    region = affinity.rotate(SHAPES[name], -turn, origin=(0, 0)) if turn else SHAPES[name]
    for poly in getattr(region, "geoms", [region]):
        fast = list(slab_pieces(poly, P))
        assert sum(p.box for p in fast) == len(fast)  # every slab here is a row of rectangles
        with monkeypatch.context() as m:
            _overlay_only(m)
            slow = list(slab_pieces(poly, P))
        assert [p.bounds for p in fast] == [p.bounds for p in slow]
        assert sum((b[2] - b[0]) * (b[3] - b[1]) for b in (p.bounds for p in fast)) == \
            pytest.approx(poly.area, rel=1e-12)


def test_comb_cells_are_rectangles_without_overlay(monkeypatch):
    """The fast path must not fall back to cutting the whole comb once per slab."""
    poly = _comb(40)

    def refuse(*args, **kwargs):
        raise AssertionError("polygon overlay called for a slab of rectangles")

    monkeypatch.setattr(shapely.Polygon, "intersection", refuse)
    pieces = list(slab_pieces(poly, P))
    assert len(pieces) == len(slab_cuts(poly, P, horizontal_edges(poly))) - 1


@settings(max_examples=30, deadline=None)
@given(cells=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=30),
       sx=st.floats(0.2, 2.0), sy=st.floats(0.2, 2.0))
def test_sections_match_the_line_cut(cells, sx, sy):
    region = shapely.union_all([box(i * sx, j * sy, (i + 1) * sx, (j + 1) * sy) for i, j in cells])
    for poly in getattr(region, "geoms", [region]):
        edges = horizontal_edges(poly)
        assert edges is not None
        xs = np.unique(shapely.get_coordinates(poly)[:, 0])
        mids = (xs[:-1] + xs[1:]) / 2
        found = sections(edges, mids)
        assert found == bead_slabs._crossings(poly, mids, np.zeros_like(mids), False)
    assert horizontal_edges(affinity.rotate(box(0, 0, 2, 1), 10)) is None
    assert sections(horizontal_edges(box(0, 0, 2, 1)), np.array([2.0])) is None  # on a vertex x
