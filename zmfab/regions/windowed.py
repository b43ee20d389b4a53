"""The second buffer of an opening or closing, window by window, for fragmented geometry.

An opening erodes and then dilates; a closing dilates and then erodes. When a shape sits a hair
inside the limit (a spiral strip whose arcs are chords, so it is a few tenths of a micron narrower
than drawn), the first buffer leaves tens of thousands of slivers or holes, and GEOS buffers such a
geometry in time (and memory) that grows much faster than the number of pieces: 50 s and 2 GB for
the 75 000 slivers of a 100-turn roll, where it may also fall back to reduced precision.

The dilation of many pieces is the union of each piece's dilation, and the erosion of a polygon
with holes is its eroded outline minus each hole's dilation (the same offset curves). So each
small buffer is made on its own (one vectorised call), and the union and the difference with the
part run in windows tiling the part's box, each over the small buffers that reach it; the pieces
cut by window edges are joined again.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from .merge import merge

#: A first buffer with more pieces plus holes than this is buffered again window by window.
FRAGMENTED = 200
#: About this many pieces or holes of the first buffer fall in one window.
PER_WINDOW = 400


def fragments(geom: BaseGeometry) -> int:
    """How many parts plus holes ``geom`` has (the size the second buffer's cost follows)."""
    parts = shapely.get_parts(geom)
    return len(parts) + int(shapely.get_num_interior_rings(parts).sum())


def changed_region(part: BaseGeometry, first: BaseGeometry, distance: float,
                   buffer_opts: dict, *, opening: bool) -> BaseGeometry:
    """What buffering ``first`` (the first buffer of ``part``) by ``distance`` mm removes from
    ``part`` (an opening: ``part`` minus the buffer) or adds to it (a closing: the buffer minus
    ``part``); the same region the global buffer gives.

    The buffer of many pieces is the union of each piece's buffer; the erosion of a polygon with
    many holes is its eroded outline minus each hole's dilation (the same offset curves). Each
    small buffer is computed on its own; their union and the difference run window by window."""
    polys = shapely.get_parts(first)
    if opening:
        keep = part
        cutters = shapely.buffer(polys, distance, **buffer_opts)
    else:
        shells = shapely.polygons(shapely.get_exterior_ring(polys))
        keep = shapely.union_all(shapely.buffer(shells, distance, **buffer_opts))
        rings = shapely.get_rings(polys)  # each polygon's outline, then its holes
        outline = np.zeros(len(rings), dtype=bool)
        outline[np.cumsum(np.r_[0, shapely.get_num_interior_rings(polys)[:-1] + 1])] = True
        holes = shapely.polygons(rings[~outline])
        cutters = shapely.buffer(holes, -distance, **buffer_opts)
    cutters = cutters[~shapely.is_empty(cutters)]
    x0, y0, x1, y1 = shapely.bounds(keep)
    eps = 1e-9 * max(x1 - x0, y1 - y0, 1.0)
    count = max(1, math.ceil(len(cutters) / PER_WINDOW))
    side = math.sqrt(max((x1 - x0) * (y1 - y0), 1e-12) / count)
    xs = _edges(x0, x1, side)
    ys = _edges(y0, y1, side)
    tree = shapely.STRtree(cutters)
    found: list[BaseGeometry] = []
    border: list[BaseGeometry] = []
    for i in range(len(xs) - 1):
        for j in range(len(ys) - 1):
            win = (xs[i], ys[j], xs[i + 1], ys[j + 1])
            here = shapely.clip_by_rect(keep, *win)
            if not opening and not here.is_empty:  # what the closing adds lies outside the part
                here = shapely.difference(here, shapely.clip_by_rect(part, *win))
            if here.is_empty:
                continue
            near = shapely.clip_by_rect(cutters[tree.query(shapely.box(*win))], *win)
            local = shapely.difference(here, shapely.disjoint_subset_union_all(near)) \
                if len(near) else here
            for piece in shapely.get_parts(local):
                if piece.is_empty or piece.geom_type != "Polygon":
                    continue
                bx0, by0, bx1, by1 = piece.bounds
                on_edge = (bx0 <= win[0] + eps and i > 0) or (by0 <= win[1] + eps and j > 0) \
                    or (bx1 >= win[2] - eps and i < len(xs) - 2) \
                    or (by1 >= win[3] - eps and j < len(ys) - 2)
                (border if on_edge else found).append(piece)
    found.extend(merge(border).geoms)  # pieces cut by window edges, joined again
    return MultiPolygon(found)


def _edges(lo: float, hi: float, side: float) -> list[float]:
    """Window edges from ``lo`` to ``hi`` at most ``side`` apart (the last exactly ``hi``)."""
    n = max(1, math.ceil((hi - lo) / side))
    return [lo + (hi - lo) * k / n for k in range(n)] + [hi]
