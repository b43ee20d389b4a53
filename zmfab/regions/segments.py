"""Outlines as NumPy segment arrays, and a uniform grid that pairs up segments whose boxes meet.

Shapely builds a geometry object per segment for an STRtree; for outlines of hundreds of
thousands of vertices that costs more than the question asked of them. Here an outline stays
as coordinate columns, and a grid of square cells (slanted segments cut into pieces about a
cell across) finds every pair of segments whose boxes, one side grown by a reach, overlap, each
pair once: one sort, O(n) pairs for outlines that stay apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

#: Query boxes paired at a time.
BLOCK = 1 << 13
#: Boxes spanning at most this many cells are listed cell by cell in one pass per offset.
NARROW = 16
#: A cell's pieces in groups by ``first`` (bit 0: the cell is in the piece's first column, bit 1:
#: its first row), in the order 2, 3, 1, 0; a query box whose own ``first`` is q needs the pieces
#: with the bits q lacks: all (q = 3), groups {2, 3} (q = 1), {3, 1} (q = 2) or {3} (q = 0),
#: each a range ``_FROM[q]`` to ``_TO[q]`` of groups.
_GROUP = np.array([3, 2, 0, 1], dtype=np.int64)
_FROM = np.array([1, 0, 1, 0], dtype=np.int64)
_TO = np.array([2, 2, 3, 4], dtype=np.int64)


@dataclass(frozen=True)
class Outline:
    """The segments of every ring (or line) of a geometry, in mm.

    Segment ``i`` runs from (``x0[i]``, ``y0[i]``) to (``x1[i]``, ``y1[i]``); the segments of one
    chain (ring or line) are consecutive, ``chain[i]`` says which.
    """

    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    chain: np.ndarray

    def __len__(self) -> int:
        return len(self.x0)

    def take(self, k: np.ndarray | slice) -> Outline:
        """The segments ``k`` (indices or a slice), each keeping its chain number."""
        return Outline(self.x0[k], self.y0[k], self.x1[k], self.y1[k], self.chain[k])

    @property
    def length(self) -> np.ndarray:
        """Length of each segment (mm)."""
        return np.hypot(self.x1 - self.x0, self.y1 - self.y0)


def outline(geom: BaseGeometry) -> Outline:
    """The rings of ``geom``'s polygons and its lines as segments (points are left out)."""
    parts = shapely.get_parts(geom)
    kinds = shapely.get_type_id(parts)
    polys = parts[(kinds == 3) | (kinds == 6)]
    lines = shapely.get_parts(parts[(kinds == 1) | (kinds == 2) | (kinds == 5)])
    chains = np.concatenate([shapely.get_rings(shapely.get_parts(polys)), lines]) \
        if len(lines) else shapely.get_rings(shapely.get_parts(polys))
    xy, chain = shapely.get_coordinates(chains, return_index=True)
    if len(xy) < 2:
        e = np.empty(0)
        return Outline(e, e, e, e, np.empty(0, dtype=np.int64))
    same = chain[:-1] == chain[1:]
    start, end = xy[:-1][same], xy[1:][same]
    return Outline(np.ascontiguousarray(start[:, 0]), np.ascontiguousarray(start[:, 1]),
                   np.ascontiguousarray(end[:, 0]), np.ascontiguousarray(end[:, 1]),
                   chain[:-1][same])


def joined(outlines: list[Outline]) -> Outline:
    """The segments of several outlines in order, as one (chains numbered on)."""
    if len(outlines) == 1:
        return outlines[0]
    shift = np.cumsum([0] + [int(o.chain.max()) + 1 if len(o) else 0 for o in outlines[:-1]])
    return Outline(*(np.concatenate([getattr(o, k) for o in outlines]) for k in ("x0", "y0", "x1", "y1")),
                   np.concatenate([o.chain + k for o, k in zip(outlines, shift, strict=True)]))


def vertices(o: Outline) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of every segment's start vertex."""
    return o.x0, o.y0


class Grid:
    """Segments of an outline bucketed by square cells of side ``cell`` mm.

    Each segment is cut into pieces whose boxes are at most a cell wide or tall (:func:`pieces`),
    and each piece is listed under every cell its box meets, grouped by cell. A pair of boxes that
    overlap is reported once, in the cell of the lower-left corner of their common box: the cell
    whose column is the first column of one of the boxes and whose row is the first row of one.
    Within a cell the pieces are kept in groups by which of their first column and row the cell
    is, so a query box reads only the pieces it could be reported with there (one range).
    """

    def __init__(self, o: Outline, cell: float) -> None:
        self.outline, self.cell = o, float(cell)
        self.inv = 1.0 / self.cell
        pid, bx0, by0, bx1, by1 = pieces(o, self.cell)
        self.ox = float(bx0.min()) if len(bx0) else 0.0
        self.oy = float(by0.min()) if len(by0) else 0.0
        self.nx = int(np.floor((float(bx1.max()) - self.ox) * self.inv)) + 1 if len(bx1) else 1
        self.ny = int(np.floor((float(by1.max()) - self.oy) * self.inv)) + 1 if len(by1) else 1
        cell_of, entry, first = self.keys(bx0, by0, bx1, by1)
        code = cell_of * 4 + _GROUP[first]
        order = np.argsort(code)
        #: where each (cell, group) run starts in the pieces listed by cell
        self.start = np.zeros(self.nx * self.ny * 4 + 1, dtype=np.int64)
        np.cumsum(np.bincount(code, minlength=self.nx * self.ny * 4), out=self.start[1:])
        e = entry[order]
        self.pid = pid
        self.piece = e
        # the pieces' boxes in cell order, so a cell's run is read contiguously
        self.ex0, self.ey0, self.ex1, self.ey1 = bx0[e], by0[e], bx1[e], by1[e]

    def index(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Column and row of the cells holding points (x, y), clamped to the grid."""
        i = np.floor((x - self.ox) * self.inv)
        j = np.floor((y - self.oy) * self.inv)
        return (np.clip(i, 0, self.nx - 1).astype(np.int64),
                np.clip(j, 0, self.ny - 1).astype(np.int64))

    def keys(self, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray,
             y1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cell, box, first) for every cell each box meets (boxes clamped to the grid); ``first``
        has bit 0 set where the cell is in the box's first column, bit 1 in its first row."""
        i0, j0 = self.index(x0, y0)
        i1, j1 = self.index(x1, y1)
        wx, wy = i1 - i0, j1 - j0
        box = np.arange(len(i0))
        base = i0 + j0 * self.nx
        if len(box) == 0 or (wx.max() == 0 and wy.max() == 0):
            return base, box, np.full(len(box), 3, dtype=np.int8)
        mx, my = int(wx.max()), int(wy.max())
        if (mx + 1) * (my + 1) > NARROW:  # wide boxes: every cell of each box by division
            count = (wx + 1) * (wy + 1)
            box = np.repeat(box, count)
            k = np.arange(len(box)) - np.repeat(np.cumsum(count) - count, count)
            w = wx[box] + 1
            col, row = k % w, k // w
            first = (col == 0).astype(np.int8) | ((row == 0).astype(np.int8) << 1)
            return base[box] + col + row * self.nx, box, first
        # narrow boxes (most): one pass per offset from the first cell, boxes in order within it
        cells, boxes, firsts = [], [], []
        for dj in range(my + 1):
            for di in range(mx + 1):
                sel = box if di == 0 and dj == 0 else np.flatnonzero((wx >= di) & (wy >= dj))
                cells.append(base[sel] + (di + dj * self.nx))
                boxes.append(sel)
                firsts.append(np.full(len(sel), int(di == 0) | (int(dj == 0) << 1), dtype=np.int8))
        return np.concatenate(cells), np.concatenate(boxes), np.concatenate(firsts)

    def pairs(self, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
              *, limit: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """(box, piece) for every query box and piece of this grid whose closed boxes overlap,
        each pair once; None if there would be more than ``limit`` before the overlap test."""
        out_a, out_b, left = [], [], limit
        for k in range(0, len(x0), BLOCK):  # blocks of queries: their candidates stay in cache
            found = self._pairs(x0[k:k + BLOCK], y0[k:k + BLOCK], x1[k:k + BLOCK], y1[k:k + BLOCK],
                                limit=left)
            if found is None:
                return None
            out_a.append(found[0] + k)
            out_b.append(found[1])
            if left is not None:
                left -= int(found[2])
        if not out_a:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(out_a), np.concatenate(out_b)

    def _pairs(self, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
               *, limit: int | None) -> tuple[np.ndarray, np.ndarray, int] | None:
        keep = (x1 >= self.ox) & (y1 >= self.oy) & (x0 <= self.ox + self.nx * self.cell) \
            & (y0 <= self.oy + self.ny * self.cell)
        if not keep.all():
            idx = np.flatnonzero(keep)
            found = self._pairs(x0[idx], y0[idx], x1[idx], y1[idx], limit=limit)
            return None if found is None else (idx[found[0]], found[1], found[2])
        key, box, first = self.keys(x0, y0, x1, y1)
        lo = self.start[key * 4 + _FROM[first]]
        count = self.start[key * 4 + _TO[first]] - lo
        total = int(count.sum())
        if limit is not None and total > limit:
            return None
        at = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(total)
        qa = np.repeat(box, count)
        # (positions and take: faster than a boolean mask on these long arrays)
        hit = np.flatnonzero((x0.take(qa) <= self.ex1.take(at)) & (self.ex0.take(at) <= x1.take(qa)))
        qa, at = qa.take(hit), at.take(hit)
        hit = np.flatnonzero((y0.take(qa) <= self.ey1.take(at)) & (self.ey0.take(at) <= y1.take(qa)))
        return qa.take(hit), self.piece.take(at.take(hit)), total

    def segment_pairs(self, o: Outline, reach: float, *,
                      limit: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """(segment of ``o``, segment of this grid's outline) for every pair whose boxes, ``o``'s
        grown by ``reach`` mm, overlap; a pair may repeat where segments were cut in pieces."""
        qid, qx0, qy0, qx1, qy1 = pieces(o, self.cell)
        found = self.pairs(qx0 - reach, qy0 - reach, qx1 + reach, qy1 + reach, limit=limit)
        if found is None:
            return None
        qa, pb = found
        return qid.take(qa), self.pid.take(pb)


def pieces(o: Outline, cell: float) -> tuple[np.ndarray, ...]:
    """(segment, x0, y0, x1, y1): the boxes of ``o``'s segments, those wider and taller than
    ``cell`` cut into equal pieces whose boxes are no wider or no taller (grown by a rounding
    margin so the pieces cover the segment): a slanted segment's box stays near the segment, and
    one along an axis is one long thin box (fewer pieces, fewer pairs repeated)."""
    dx, dy = o.x1 - o.x0, o.y1 - o.y0
    n = np.maximum(np.ceil(np.minimum(np.abs(dx), np.abs(dy)) / cell), 1).astype(np.int64)
    seg = np.arange(len(o))
    if len(n) == 0 or n.max() == 1:
        return (seg, np.minimum(o.x0, o.x1), np.minimum(o.y0, o.y1),
                np.maximum(o.x0, o.x1), np.maximum(o.y0, o.y1))
    seg = np.repeat(seg, n)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
    t0, t1 = k / n[seg], (k + 1) / n[seg]
    xa, xb = o.x0[seg] + t0 * dx[seg], o.x0[seg] + t1 * dx[seg]
    ya, yb = o.y0[seg] + t0 * dy[seg], o.y0[seg] + t1 * dy[seg]
    eps = 1e-12 * (np.abs(xa) + np.abs(ya) + cell)
    return (seg, np.minimum(xa, xb) - eps, np.minimum(ya, yb) - eps,
            np.maximum(xa, xb) + eps, np.maximum(ya, yb) + eps)


def cell_size(*outlines: Outline, reach: float = 0.0) -> float:
    """A grid cell (mm) for pairing these outlines: about 1.6 median segments' extent, at least
    ``reach``, and coarse enough that the grid has no more cells than about four per segment."""
    ext = np.concatenate([np.maximum(np.abs(o.x1 - o.x0), np.abs(o.y1 - o.y0)) for o in outlines])
    if not len(ext):
        return 1.0
    xs = np.concatenate([np.r_[o.x0.min(), o.x0.max()] for o in outlines if len(o)])
    ys = np.concatenate([np.r_[o.y0.min(), o.y0.max()] for o in outlines if len(o)])
    area = max(float(np.ptp(xs)) * float(np.ptp(ys)), 1e-300)
    coarse = np.sqrt(area / (4 * len(ext)))
    typical = 1.6 * float(np.median(ext[:: max(1, len(ext) // 4096)]))
    return max(typical, reach, coarse, 1e-9)


def nearest_segments(starts: np.ndarray, ends: np.ndarray, points: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``points`` (m, 2), the segment ``starts[k]``-``ends[k]`` ((n, 2) mm) nearest
    it (one STRtree over the segments: a point-by-point projection onto a long polyline is
    quadratic) and where along it the nearest point lies, 0..1."""
    tree = shapely.STRtree(shapely.linestrings(np.stack([starts, ends], axis=1)))
    idx = tree.query_nearest(shapely.points(points), all_matches=False)[1]
    a, d = starts[idx], ends[idx] - starts[idx]
    len2 = np.maximum((d * d).sum(axis=1), 1e-300)
    return idx, np.clip(((points - a) * d).sum(axis=1) / len2, 0.0, 1.0)
