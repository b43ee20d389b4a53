"""Which stretches of an outline's segments lie inside, outside or on a polygon, in NumPy.

The question GEOS answers with an overlay (``line ∩ polygon``, ``polygon ∩ polygon``), asked of
coordinate arrays: the polygon's edges that meet each segment (a :class:`~.segments.Grid`) cut
it where they cross or touch; stretches along an edge (collinear within a rounding margin) are
*on* the polygon, with the edge's direction; every other stretch is in or out, found by a
ray-crossing count at its midpoint, once per run of uncut segments along a chain (a run never
crosses the polygon's outline, so it is all in or all out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .segments import Grid, Outline, cell_size, outline

OUT, IN, ON_SAME, ON_OPPOSITE = 0, 1, 2, 3
#: Edges closer than this fraction of the coordinates' size (mm per mm) count as collinear.
COLLINEAR = 1e-12
#: Ray-crossing tests (points x edges in their rows) above which GEOS's point location is used.
MAX_RAY_WORK = 1 << 25
#: (point, edge) pairs scored at once by the ray test (about 100 MB of arrays).
RAY_BLOCK = 1 << 20


@dataclass(frozen=True)
class Stretches:
    """Stretches ``t0``..``t1`` (fractions of the segment) of segments ``seg`` and their ``state``
    (:data:`OUT`, :data:`IN`, :data:`ON_SAME`, :data:`ON_OPPOSITE`); together they cover every
    segment of the outline once."""

    seg: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    state: np.ndarray
    #: the segments the polygon's outline met (crossed, touched or ran along)
    cut: np.ndarray


class Rows:
    """A polygon's edges listed by horizontal row, for ray-crossing point-in-polygon tests."""

    def __init__(self, o: Outline, geom: BaseGeometry) -> None:
        self.o, self.geom = o, geom
        n = max(len(o), 1)
        ylo, yhi = np.minimum(o.y0, o.y1), np.maximum(o.y0, o.y1)
        self.oy = float(ylo.min()) if len(o) else 0.0
        span = (float(yhi.max()) - self.oy) if len(o) else 1.0
        self.rows = min(max(1, int(np.sqrt(n))), 32767)  # row numbers fit 16 bits (radix sort)
        self.inv = self.rows / span if span > 0 else 0.0
        r0 = np.minimum(((ylo - self.oy) * self.inv).astype(np.int64), self.rows - 1)
        r1 = np.minimum(((yhi - self.oy) * self.inv).astype(np.int64), self.rows - 1)
        extra = r1 - r0
        # every segment in its first row, then those spanning more rows in each further one
        seg, row, k = [np.arange(len(o))], [r0], 1
        more = np.flatnonzero(extra >= 1)
        while len(more):
            seg.append(more)
            row.append(r0.take(more) + k)
            k += 1
            more = more.take(np.flatnonzero(extra.take(more) >= k))
        seg, row = np.concatenate(seg), np.concatenate(row).astype(np.int16)
        order = np.argsort(row, kind="stable")  # radix: row numbers fit 16 bits
        self.seg = seg.take(order)
        self.start = np.zeros(self.rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=self.rows), out=self.start[1:])

    def inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether points (x, y) lie inside the polygon (even-odd count of edges crossed by a ray
        to +x; for points off the outline)."""
        out = np.zeros(len(x), dtype=bool)
        row = np.floor((y - self.oy) * self.inv).astype(np.int64)
        ok = (row >= 0) & (row < self.rows)
        idx = np.flatnonzero(ok)
        lo, hi = self.start[row[idx]], self.start[row[idx] + 1]
        count = hi - lo
        total = int(count.sum())
        if total > MAX_RAY_WORK:
            shapely.prepare(self.geom)
            return shapely.intersects_xy(self.geom, x, y)
        crossed = np.zeros(len(x), dtype=np.int64)
        ends = np.cumsum(count)
        first = 0
        while first < len(idx):  # blocks of about RAY_BLOCK (point, edge) pairs: bounded memory
            last = max(first + 1, int(np.searchsorted(ends, ends[first] - count[first] + RAY_BLOCK,
                                                      "right")))
            crossed += self._crossings(x, y, idx[first:last], lo[first:last], count[first:last])
            first = last
        out[idx] = crossed[idx] % 2 == 1
        return out

    def _crossings(self, x: np.ndarray, y: np.ndarray, idx: np.ndarray, lo: np.ndarray,
                   count: np.ndarray) -> np.ndarray:
        """How many edges of their rows the rays to +x from points ``idx`` cross (per point)."""
        total = int(count.sum())
        q = np.repeat(idx, count)
        e = self.seg[np.repeat(lo - np.cumsum(count) + count, count) + np.arange(total)]
        o = self.o
        px, py = x[q], y[q]
        x0, y0, x1, y1 = o.x0[e], o.y0[e], o.x1[e], o.y1[e]
        span = (y0 > py) != (y1 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            xi = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        hit = span & (xi > px)
        return np.bincount(q[hit], minlength=len(x))


def stretches(s: Outline, grid: Grid, rows: Rows, *, s_dir: np.ndarray | None = None,
              t_dir: np.ndarray | None = None) -> Stretches:
    """Every segment of ``s`` cut where the polygon of ``rows`` meets it, each stretch labelled
    in, out or on the polygon's outline. ``grid`` holds (at least) every edge of that outline
    that meets a segment of ``s``; ``s_dir``, ``t_dir`` (±1 per segment, per grid segment) turn
    segments round for the on-the-outline directions."""
    t = grid.outline
    scale = max(1.0, float(np.abs(np.r_[s.x0, s.y0, t.x0, t.y0]).max())) if len(s) and len(t) else 1.0
    eps = COLLINEAR * scale
    pad = 4 * eps
    i, j = grid.pairs(np.minimum(s.x0, s.x1) - pad, np.minimum(s.y0, s.y1) - pad,
                      np.maximum(s.x0, s.x1) + pad, np.maximum(s.y0, s.y1) + pad) \
        if len(s) and len(t) else (np.empty(0, np.int64), np.empty(0, np.int64))
    # pieces back to edges (pairs may repeat where an edge was cut in pieces: harmless)
    j = grid.pid[j]
    rx, ry = s.x1[i] - s.x0[i], s.y1[i] - s.y0[i]
    qx, qy = t.x0[j] - s.x0[i], t.y0[j] - s.y0[i]
    ex, ey = t.x1[j] - s.x0[i], t.y1[j] - s.y0[i]
    o1 = rx * qy - ry * qx                    # edge start against the segment's line
    o2 = rx * ey - ry * ex                    # edge end
    # most pairs have the edge wholly on one side of the segment's line: drop them first
    tol = eps * np.sqrt(rx * rx + ry * ry)
    near = ((o1 <= tol) | (o2 <= tol)) & ((o1 >= -tol) | (o2 >= -tol))
    i, j, rx, ry, qx, qy, o1, o2 = i[near], j[near], rx[near], ry[near], qx[near], qy[near], \
        o1[near], o2[near]
    sx, sy = ex[near] - qx, ey[near] - qy
    o3 = sx * -qy - sy * -qx                  # segment start against the edge's line
    o4 = sx * (ry - qy) - sy * (rx - qx)      # segment end
    r2 = rx * rx + ry * ry
    rlen = np.sqrt(r2)
    inv = np.divide(1.0, r2, out=np.zeros_like(r2), where=r2 > 0)
    tq0 = (qx * rx + qy * ry) * inv
    tq1 = ((qx + sx) * rx + (qy + sy) * ry) * inv
    collinear = (np.abs(o1) <= eps * rlen) & (np.abs(o2) <= eps * rlen) & (r2 > 0)
    lo = np.maximum(np.minimum(tq0, tq1), 0.0)
    hi = np.minimum(np.maximum(tq0, tq1), 1.0)
    along = collinear & (lo < hi)
    touch_c = collinear & (lo == hi)
    meet = ~collinear & (np.sign(o1) * np.sign(o2) <= 0) & (np.sign(o3) * np.sign(o4) <= 0) & (r2 > 0)
    den = rx * sy - ry * sx
    with np.errstate(divide="ignore", invalid="ignore"):
        tc = np.where(o1 == 0, tq0, np.where(o2 == 0, tq1, np.where(
            o3 == 0, 0.0, np.where(o4 == 0, 1.0, (qx * sy - qy * sx) / den))))
    tc = np.clip(tc, 0.0, 1.0)
    dot = rx * sx + ry * sy
    if s_dir is not None:
        dot = dot * s_dir[i]
    if t_dir is not None:
        dot = dot * t_dir[j]
    same = dot > 0
    # the cut points: crossings and touches, and the ends of stretches along an edge, with the
    # change they make to the count of edges run along (same direction, opposite)
    ms, mt = i[meet], tc[meet]
    cs, ct = i[touch_c], lo[touch_c]
    a_seg, a_lo, a_hi, a_same = i[along], lo[along], hi[along], same[along]
    cut = np.zeros(len(s), dtype=bool)
    cut[ms] = True
    cut[cs] = True
    cut[a_seg] = True
    cut_idx = np.flatnonzero(cut)
    seg = np.concatenate([cut_idx, cut_idx, ms, cs, a_seg, a_seg])
    tt = np.concatenate([np.zeros(len(cut_idx)), np.ones(len(cut_idx)), mt, ct, a_lo, a_hi])
    ones = np.ones(len(a_seg), dtype=np.int64)
    d_same = np.concatenate([np.zeros(2 * len(cut_idx) + len(ms) + len(cs), dtype=np.int64),
                             np.where(a_same, ones, 0), np.where(a_same, -ones, 0)])
    d_opp = np.concatenate([np.zeros(2 * len(cut_idx) + len(ms) + len(cs), dtype=np.int64),
                            np.where(a_same, 0, ones), np.where(a_same, 0, -ones)])
    order = np.lexsort((tt, seg))
    seg, tt = seg[order], tt[order]
    cov_same, cov_opp = np.cumsum(d_same[order]), np.cumsum(d_opp[order])
    piece = (seg[:-1] == seg[1:]) & (tt[1:] > tt[:-1])
    k = np.flatnonzero(piece)
    p_seg, p_t0, p_t1 = seg[k], tt[k], tt[k + 1]
    state = np.full(len(k), -1, dtype=np.int64)
    state[cov_opp[k] > 0] = ON_OPPOSITE
    state[cov_same[k] > 0] = ON_SAME
    free = state < 0
    tm = 0.5 * (p_t0[free] + p_t1[free])
    fs = p_seg[free]
    mx = s.x0[fs] + tm * (s.x1[fs] - s.x0[fs])
    my = s.y0[fs] + tm * (s.y1[fs] - s.y0[fs])
    # uncut segments: runs along their chain, one test each
    run_start = ~cut & np.r_[True, (s.chain[1:] != s.chain[:-1]) | cut[:-1]]
    run = np.cumsum(run_start) - 1
    firsts = np.flatnonzero(run_start)
    fx, fy = 0.5 * (s.x0[firsts] + s.x1[firsts]), 0.5 * (s.y0[firsts] + s.y1[firsts])
    inside = rows.inside(np.r_[mx, fx], np.r_[my, fy]) if len(mx) + len(fx) else np.zeros(0, bool)
    state[free] = np.where(inside[:len(mx)], IN, OUT)
    run_in = inside[len(mx):]
    uncut = np.flatnonzero(~cut)
    u_state = np.where(run_in[run[uncut]], IN, OUT) if len(uncut) else np.zeros(0, np.int64)
    return Stretches(np.r_[p_seg, uncut], np.r_[p_t0, np.zeros(len(uncut))],
                     np.r_[p_t1, np.ones(len(uncut))], np.r_[state, u_state], cut_idx)


def ring_turn(geom: BaseGeometry, o: Outline) -> np.ndarray:
    """±1 per segment of ``o`` (the outline of polygons ``geom``) that turns every exterior
    ring anticlockwise and every hole clockwise."""
    polys = shapely.get_parts(geom)
    polys = polys[shapely.get_type_id(polys) == 3]
    holes = shapely.get_num_interior_rings(polys)
    exterior = np.zeros(int(holes.sum()) + len(polys), dtype=bool)
    exterior[np.cumsum(np.r_[0, holes[:-1] + 1])] = True
    cx, cy = (float(o.x0.mean()), float(o.y0.mean())) if len(o) else (0.0, 0.0)
    twice = np.bincount(o.chain, weights=(o.x0 - cx) * (o.y1 - cy) - (o.x1 - cx) * (o.y0 - cy),
                        minlength=len(exterior))
    turn = np.where((twice >= 0) == exterior, 1, -1)
    return turn[o.chain]


def subset(o: Outline, keep: np.ndarray) -> Outline:
    """The segments ``keep`` (indices, increasing) of ``o``; chains split where segments were left out."""
    t = o.take(keep)
    gap = np.r_[True, (np.diff(keep) != 1) | (t.chain[1:] != t.chain[:-1])]
    return Outline(t.x0, t.y0, t.x1, t.y1, np.cumsum(gap) - 1)


def _x_dy(o: Outline, st: Stretches, ox: float, oy: float) -> np.ndarray:
    """∫ x dy (mm²) along each stretch, x and y from (ox, oy)."""
    g = st.seg
    dx, dy = o.x1[g] - o.x0[g], o.y1[g] - o.y0[g]
    xa, xb = o.x0[g] - ox + st.t0 * dx, o.x0[g] - ox + st.t1 * dx
    return 0.5 * (xa + xb) * (st.t1 - st.t0) * dy


def overlap_area(a: BaseGeometry, b: BaseGeometry, *, outline_a: Outline | None = None) -> float:
    """Area (mm²) of ``a ∩ b`` for valid polygonal ``a`` and ``b`` (b the smaller), from the
    outline of the intersection: a's edges inside b, b's edges inside a, and edges they share
    run the same way once (Green's theorem), without an overlay of ``a`` (``outline_a``: a's
    :func:`~.segments.outline`, when the caller has it)."""
    oa = outline(a) if outline_a is None else outline_a
    ob = outline(b)
    if not len(oa) or not len(ob):
        return 0.0
    ta, tb = ring_turn(a, oa), ring_turn(b, ob)
    grid_b = Grid(ob, cell_size(ob))
    sa = stretches(oa, grid_b, Rows(ob, b), s_dir=ta, t_dir=tb)
    # b's edges meet only a's edges that b's outline met: the grid of those
    touched = sa.cut if len(sa.cut) else np.arange(1)
    oa_near = subset(oa, touched)
    sb = stretches(ob, Grid(oa_near, cell_size(oa_near, ob)), Rows(oa, a), s_dir=tb,
                   t_dir=ta[touched])
    ox, oy = float(ob.x0.mean()), float(ob.y0.mean())
    from_a = (sa.state == IN) | (sa.state == ON_SAME)
    total = (ta[sa.seg] * _x_dy(oa, sa, ox, oy))[from_a].sum() \
        + (tb[sb.seg] * _x_dy(ob, sb, ox, oy))[sb.state == IN].sum()
    return float(total)
