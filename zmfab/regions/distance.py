"""Nearest distance between large polygons, fast.

GEOS's polygon distance compares every segment with every segment, which takes minutes for
layouts with hundreds of thousands of vertices. For two polygonal geometries that do not meet, the
nearest pair always includes a vertex of one of them. So: an upper bound from a sample of
vertices (their nearest segments in a grid of cells, :class:`~.segments.Grid`), then every pair
of segments whose boxes lie within that bound (one sorted-grid join), scored in NumPy with GEOS's
own point-to-segment formula, both ways round: O(n log n), and the same figure GEOS gives.
Crossing segments among the candidates, or a vertex of one part inside the other geometry
(nested parts), mean the geometries meet: distance 0. Where the sampled bound is too poor for
the grid, an STRtree of the segments takes over.
"""

from __future__ import annotations

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from .segments import Grid, Outline, cell_size, outline

#: Vertices sampled for the first upper bound of the distance, and for a second one when the
#: first finds more than ``GOOD_PAIRS_PER_SEGMENT`` candidate pairs per segment.
SAMPLE_FIRST = 256
SAMPLE = 2048
GOOD_PAIRS_PER_SEGMENT = 8
#: Beyond this many candidate pairs per segment, ask GEOS for each vertex's nearest segment.
MAX_PAIRS_PER_SEGMENT = 32
#: Segment pairs scored at a time (their columns stay in the CPU cache).
CHUNK = 1 << 14


def _point_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from each point ``p`` to segment ``a``-``b`` (all (k, 2)), as GEOS computes it."""
    dx, dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
    len2 = dx * dx + dy * dy
    safe = np.where(len2 > 0, len2, 1.0)
    r = ((p[:, 0] - a[:, 0]) * dx + (p[:, 1] - a[:, 1]) * dy) / safe
    s = ((a[:, 1] - p[:, 1]) * dx - (a[:, 0] - p[:, 0]) * dy) / safe
    mid = np.abs(s) * np.sqrt(safe)
    to_a = np.hypot(p[:, 0] - a[:, 0], p[:, 1] - a[:, 1])
    to_b = np.hypot(p[:, 0] - b[:, 0], p[:, 1] - b[:, 1])
    return np.where((len2 == 0) | (r <= 0), to_a, np.where(r >= 1, to_b, mid))


def _segment_segment(a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray) -> np.ndarray:
    """Distance between segments ``a0``-``a1`` and ``b0``-``b1`` that do not cross (GEOS's
    formula: the least of the four vertex-to-segment distances)."""
    return np.minimum(np.minimum(_point_segment(a0, b0, b1), _point_segment(a1, b0, b1)),
                      np.minimum(_point_segment(b0, a0, a1), _point_segment(b1, a0, a1)))


def _fast_d2(px: np.ndarray, py: np.ndarray, ax: np.ndarray, ay: np.ndarray, dx: np.ndarray,
             dy: np.ndarray, inv2: np.ndarray) -> np.ndarray:
    """Squared distance from points to segments from (ax, ay) along (dx, dy); ``inv2`` is
    1 / |d|² (0 for a point): the projection clipped to the segment."""
    qx, qy = px - ax, py - ay
    t = np.clip((qx * dx + qy * dy) * inv2, 0.0, 1.0)
    qx -= t * dx
    qy -= t * dy
    return qx * qx + qy * qy


def _columns(p0: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, ...]:
    """(x0, y0, dx, dy, 1/|d|² or 0) of segments ``p0``-``p1``, one array each."""
    x0, y0 = np.ascontiguousarray(p0[:, 0]), np.ascontiguousarray(p0[:, 1])
    dx, dy = p1[:, 0] - x0, p1[:, 1] - y0
    len2 = dx * dx + dy * dy
    return x0, y0, dx, dy, np.divide(1.0, len2, out=np.zeros_like(len2), where=len2 > 0)


def _fast_cols(pa: tuple, pb: tuple) -> np.ndarray:
    """Squared distance from each pair's start vertex of one segment to the other segment, both
    ways round, from :func:`_columns` of each side gathered pair by pair.

    The end vertex of a segment starts the next segment of its ring, whose box (grown by the
    bound) meets the same boxes, so over all candidate pairs the least of these is the least of
    :func:`_segment_segment` (without GEOS's exact branches).
    """
    ax, ay, adx, ady, ainv = pa
    bx, by, bdx, bdy, binv = pb
    out = _fast_d2(ax, ay, bx, by, bdx, bdy, binv)
    np.minimum(out, _fast_d2(bx, by, ax, ay, adx, ady, ainv), out=out)
    return out


def _crossing_cols(pa: tuple, pb: tuple) -> np.ndarray:
    """Whether segment pairs cross or touch (orientation tests), columns as :func:`_fast_cols`."""
    ax, ay, adx, ady, _ = pa
    bx, by, bdx, bdy, _ = pb

    def side(px, py, qx, qy, dx, dy):
        return dx * (py - qy) - dy * (px - qx)

    s1, s2 = side(bx, by, ax, ay, adx, ady), side(bx + bdx, by + bdy, ax, ay, adx, ady)
    meet = (s1 * s2 <= 0) & (side(ax, ay, bx, by, bdx, bdy) * side(ax + adx, ay + ady, bx, by, bdx, bdy) <= 0)
    # on one line, segments meet only if their boxes do
    k = np.flatnonzero(meet & (s1 == 0) & (s2 == 0))
    if len(k):
        ax, ay, adx, ady, bx, by, bdx, bdy = (c[k] for c in (ax, ay, adx, ady, bx, by, bdx, bdy))
        meet[k] = ~((np.maximum(ax, ax + adx) < np.minimum(bx, bx + bdx))
                    | (np.maximum(bx, bx + bdx) < np.minimum(ax, ax + adx))
                    | (np.maximum(ay, ay + ady) < np.minimum(by, by + bdy))
                    | (np.maximum(by, by + bdy) < np.minimum(ay, ay + ady)))
    return meet


def _lines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return shapely.linestrings(np.stack([a, b], axis=1)) if len(a) else np.empty(0, dtype=object)


def _nearest_pair(ea: tuple, eb: tuple) -> tuple[float, int, int]:
    """(distance, segment of ``a``, segment of ``b``) of the nearest pair of segments."""
    (va, a0, a1), (vb, b0, b1) = ea, eb
    tree = shapely.STRtree(_lines(b0, b1))
    low, high = np.minimum(a0, a1), np.maximum(a0, a1)
    for size in (SAMPLE_FIRST, SAMPLE):
        # an upper bound: the nearest segment of b to a sample of a's vertices (GEOS)
        sample = shapely.points(va[:: max(1, len(va) // size)])
        _, dist = tree.query_nearest(sample, return_distance=True, all_matches=False)
        bound = float(dist.min())
        # every pair of segments within the bound has boxes within it: a's boxes, grown by the
        # bound (as the diagonals spanning them), against b's
        ia, ib = tree.query(_lines(low - bound, high + bound))
        if len(ia) <= GOOD_PAIRS_PER_SEGMENT * max(len(a0), 1):
            break
    if len(ia) > MAX_PAIRS_PER_SEGMENT * max(len(a0), 1):  # a poor bound: GEOS, vertex by vertex
        (pi, si), d = tree.query_nearest(shapely.points(va), return_distance=True,
                                         all_matches=False)
        k = int(np.argmin(d))
        seg_a = int(np.flatnonzero((a0 == va[pi[k]]).all(axis=1))[0])
        best_b = float(d[k]), seg_a, int(si[k])
        back = shapely.STRtree(_lines(a0, a1))
        (pj, sj), d2 = back.query_nearest(shapely.points(vb), return_distance=True,
                                          all_matches=False)
        k2 = int(np.argmin(d2))
        if d2[k2] < best_b[0]:
            seg_b = int(np.flatnonzero((b0 == vb[pj[k2]]).all(axis=1))[0])
            return float(d2[k2]), int(sj[k2]), seg_b
        return best_b
    if not len(ia):
        return float("inf"), -1, -1
    ca, cb = _columns(a0, a1), _columns(b0, b1)
    fast = np.empty(len(ia))
    for k in range(0, len(ia), CHUNK):  # chunks that stay in cache
        ja, jb = ia[k:k + CHUNK], ib[k:k + CHUNK]
        pa, pb = tuple(c[ja] for c in ca), tuple(c[jb] for c in cb)
        if _crossing_cols(pa, pb).any():
            return 0.0, -1, -1
        fast[k:k + CHUNK] = _fast_cols(pa, pb)
    near = np.flatnonzero(fast <= fast.min() * (1 + 1e-9) + 1e-24)  # then GEOS's own formula
    ia, ib = ia[near], ib[near]
    d = _segment_segment(a0[ia], a1[ia], b0[ib], b1[ib])
    k = int(np.argmin(d))
    return float(d[k]), int(ia[k]), int(ib[k])


class Proximity:
    """The nearest pair of segments of two outlines, and every pair of segments whose boxes come
    within ``extra`` times an upper bound of their distance (for questions asked near the gap).

    ``distance`` is GEOS's figure for the boundaries (0 if they cross or touch, with ``i`` -1);
    ``i``, ``j`` the nearest segments; ``pairs`` (segments of ``a``, of ``b``; a pair may repeat)
    every pair within ``reach`` mm (``extra`` times the bound), or None when the STRtree search
    ran instead (a bound too poor for the grid: outlines far apart against their segments).
    """

    def __init__(self, oa: Outline, ob: Outline, *, extra: float = 1.0) -> None:
        self.oa, self.ob = oa, ob
        self.distance, self.i, self.j = float("inf"), -1, -1
        self.bound = self.reach = float("inf")
        self.pairs: tuple[np.ndarray, np.ndarray] | None = None
        if not len(oa) or not len(ob):
            return
        found = _grid_pairs(oa, ob, extra)
        if found is None:
            self.distance, self.i, self.j = _nearest_pair(_ends(oa), _ends(ob))
            return
        self.bound, ia, ib = found
        self.reach = extra * self.bound
        self.pairs = (ia, ib)
        self.distance, self.i, self.j = _score(oa, ob, ia, ib, self.bound)

    @property
    def segment_a(self) -> tuple[tuple[float, float], tuple[float, float]]:
        o, i = self.oa, self.i
        return (o.x0[i], o.y0[i]), (o.x1[i], o.y1[i])

    @property
    def segment_b(self) -> tuple[tuple[float, float], tuple[float, float]]:
        o, j = self.ob, self.j
        return (o.x0[j], o.y0[j]), (o.x1[j], o.y1[j])


def _ends(o: Outline) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    start = np.column_stack([o.x0, o.y0])
    return start, start, np.column_stack([o.x1, o.y1])


def _grid_pairs(oa: Outline, ob: Outline, extra: float) -> tuple[float, np.ndarray, np.ndarray] | None:
    """(upper bound of the distance, pairs of segments within ``extra`` times it), or None: a
    bound from ``SAMPLE_FIRST`` vertices of ``a``, from ``SAMPLE`` where it finds more than
    ``GOOD_PAIRS_PER_SEGMENT`` pairs per segment."""
    cell = cell_size(oa, ob)
    grid = Grid(ob, cell)
    limit = MAX_PAIRS_PER_SEGMENT * (len(oa) + len(ob))
    found = None
    for size in (SAMPLE_FIRST, SAMPLE):
        bound = _sampled_bound(oa, ob, grid, size, limit)
        if bound is None:  # b far from a, relative to its segments: the STRtree instead
            return None
        reach = extra * bound
        # boxes grown by the reach meet fewest cells' pieces in cells about 1.5 reaches wide
        join = Grid(ob, 1.5 * reach) if 1.5 * reach > cell else grid
        pairs = join.segment_pairs(oa, reach, limit=limit)
        if pairs is not None:
            found = bound, *pairs
            if len(pairs[0]) <= GOOD_PAIRS_PER_SEGMENT * (len(oa) + len(ob)):
                break
    return found


def _sampled_bound(oa: Outline, ob: Outline, grid: Grid, size: int, limit: int) -> float | None:
    """An upper bound of the distance: the nearest segment of ``b`` (in ``grid``) to any of
    ``size`` vertices of ``a``, the search around them grown until it meets ``b``."""
    step = max(1, len(oa) // size)
    px, py = oa.x0[::step], oa.y0[::step]
    rho = 0.25 * grid.cell
    for _ in range(64):
        found = grid.pairs(px - rho, py - rho, px + rho, py + rho, limit=limit)
        if found is None:
            return None
        if len(found[0]):
            break
        rho *= 4
    else:
        return None
    q, seg = found[0], grid.pid[found[1]]
    cb = _columns(np.column_stack([ob.x0[seg], ob.y0[seg]]), np.column_stack([ob.x1[seg], ob.y1[seg]]))
    return float(np.sqrt(_fast_d2(px[q], py[q], *cb).min())) * (1 + 1e-9) + 1e-12


def _score(oa: Outline, ob: Outline, ia: np.ndarray, ib: np.ndarray,
           bound: float) -> tuple[float, int, int]:
    """(distance, segment of a, segment of b) of the nearest of candidate pairs (ia, ib) whose
    boxes lie within ``bound``: 0 and -1s if any cross or touch."""
    a0, a1 = np.column_stack([oa.x0, oa.y0]), np.column_stack([oa.x1, oa.y1])
    b0, b1 = np.column_stack([ob.x0, ob.y0]), np.column_stack([ob.x1, ob.y1])
    ca, cb = _columns(a0, a1), _columns(b0, b1)
    best, keep_a, keep_b = float("inf"), [], []
    for k in range(0, len(ia), CHUNK):  # chunks that stay in cache
        ja, jb = ia[k:k + CHUNK], ib[k:k + CHUNK]
        pa, pb = tuple(c.take(ja) for c in ca), tuple(c.take(jb) for c in cb)
        if _crossing_cols(pa, pb).any():
            return 0.0, -1, -1
        fast = _fast_cols(pa, pb)
        low = float(fast.min()) if len(fast) else float("inf")
        if low <= best:
            best = low
        near = np.flatnonzero(fast <= best * (1 + 1e-9) + 1e-24)
        keep_a.append(ja.take(near))
        keep_b.append(jb.take(near))
    if not keep_a or best > bound * bound:
        return float("inf"), -1, -1
    ia, ib = np.concatenate(keep_a), np.concatenate(keep_b)
    # the near-best of every chunk, then GEOS's own formula on those within the overall best
    fast = _fast_cols(tuple(c[ia] for c in ca), tuple(c[ib] for c in cb))
    near = np.flatnonzero(fast <= best * (1 + 1e-9) + 1e-24)
    ia, ib = ia[near], ib[near]
    d = _segment_segment(a0[ia], a1[ia], b0[ib], b1[ib])
    k = int(np.argmin(d))
    return float(d[k]), int(ia[k]), int(ib[k])


def _nested(a: BaseGeometry, b: BaseGeometry) -> bool:
    """Whether, boundaries apart, a part of ``a`` lies inside ``b`` or one of ``b`` inside ``a``
    (a vertex of each part tested against the parts whose boxes hold it)."""
    for outer, inner in ((a, b), (b, a)):
        parts = shapely.get_parts(outer)
        rings = shapely.get_exterior_ring(shapely.get_parts(inner))
        xy = shapely.get_coordinates(shapely.get_point(rings, 0))
        box = shapely.bounds(parts)
        pi, pj = np.nonzero((box[None, :, 0] <= xy[:, None, 0]) & (xy[:, None, 0] <= box[None, :, 2])
                            & (box[None, :, 1] <= xy[:, None, 1]) & (xy[:, None, 1] <= box[None, :, 3]))
        if len(pi) and shapely.intersects(parts[pj], shapely.points(xy[pi])).any():
            return True
    return False


def _united(geom: BaseGeometry) -> BaseGeometry:
    """A collection of polygons (parts that may touch) as one valid geometry; others as given."""
    return shapely.union_all(shapely.get_parts(geom)) if geom.geom_type == "GeometryCollection" \
        else geom


def nearest_points(a: BaseGeometry, b: BaseGeometry, *,
                   outlines: tuple[Outline, Outline] | None = None,
                   near: Proximity | None = None) -> tuple[float, Point, Point]:
    """(distance, point on ``a``, point on ``b``) of two polygonal geometries, in mm
    (``outlines``: their :func:`~.segments.outline`, or ``near``: their :class:`Proximity`,
    when the caller has them already).

    Overlapping or touching geometries give distance 0 (and a point of their intersection).
    """
    if a.is_empty or b.is_empty:
        return float("inf"), Point(), Point()
    if near is None:
        near = Proximity(*(outlines or (outline(a), outline(b))))
    d, (p0, p1), (q0, q1) = near.distance, near.segment_a, near.segment_b
    if d <= 0 or near.i < 0 or _nested(a, b):
        a, b = _united(a), _united(b)  # GEOS decides, on valid geometry
        if a.intersects(b):
            p = a.intersection(b).representative_point()
            return 0.0, p, p
        if near.i < 0:  # boundaries touch in floating point only: GEOS decides
            return float(a.distance(b)), *shapely.ops.nearest_points(a, b)
    pa, pb = shapely.ops.nearest_points(shapely.linestrings([p0, p1]), shapely.linestrings([q0, q1]))
    return d, pa, pb


def min_distance(a: BaseGeometry, b: BaseGeometry, *,
                 outlines: tuple[Outline, Outline] | None = None,
                 near: Proximity | None = None) -> float:
    """Smallest distance between two polygonal geometries, in mm (``outlines``, ``near``: as
    :func:`nearest_points`)."""
    return nearest_points(a, b, outlines=outlines, near=near)[0]
