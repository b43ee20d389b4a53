"""Nearest distance between large polygons, fast.

GEOS's polygon distance compares every segment with every segment, which takes minutes for
layouts with hundreds of thousands of vertices. For two polygonal geometries that do not meet, the
nearest pair always includes a vertex of one of them. So: an upper bound from a
sample of vertices (nearest-segment queries in an STRtree), then, for every vertex, the segments
of the other geometry whose boxes lie within that bound (one bulk STRtree box query), scored in
NumPy with GEOS's own point-to-segment formula, both ways round: O(n log n), and the same figure
GEOS gives. Crossing segments among the candidates, or a vertex of one part inside the
other geometry (nested parts), mean the geometries meet: distance 0.
"""

from __future__ import annotations

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

#: Vertices sampled for the first upper bound of the distance, and for a second one when the
#: first finds more than ``GOOD_PAIRS_PER_SEGMENT`` candidate pairs per segment.
SAMPLE_FIRST = 256
SAMPLE = 2048
GOOD_PAIRS_PER_SEGMENT = 8
#: Beyond this many candidate pairs per segment, ask GEOS for each vertex's nearest segment.
MAX_PAIRS_PER_SEGMENT = 32
#: Segment pairs scored at a time (their columns stay in the CPU cache).
CHUNK = 1 << 16


def _edges(geom: BaseGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vertices (n, 2), segment starts (m, 2), segment ends (m, 2)) of every ring of ``geom``;
    a ring's closing vertex is not repeated among the vertices."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    if len(xy) < 2:
        return xy, np.empty((0, 2)), np.empty((0, 2))
    same = ring[:-1] == ring[1:]
    starts, ends = xy[:-1][same], xy[1:][same]
    last = np.r_[ring[1:] != ring[:-1], True]
    return xy[~last], starts, ends


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
        return np.sign(dx * (py - qy) - dy * (px - qx))

    return ((side(bx, by, ax, ay, adx, ady) * side(bx + bdx, by + bdy, ax, ay, adx, ady) <= 0)
            & (side(ax, ay, bx, by, bdx, bdy) * side(ax + adx, ay + ady, bx, by, bdx, bdy) <= 0))


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


def _nested(a: BaseGeometry, b: BaseGeometry) -> bool:
    """Whether, boundaries apart, a part of ``a`` lies inside ``b`` or one of ``b`` inside ``a``."""
    for outer, inner in ((a, b), (b, a)):
        rings = shapely.get_exterior_ring(shapely.get_parts(inner))
        xy = shapely.get_coordinates(shapely.get_point(rings, 0))
        shapely.prepare(outer)
        if shapely.intersects_xy(outer, xy[:, 0], xy[:, 1]).any():
            return True
    return False


def _united(geom: BaseGeometry) -> BaseGeometry:
    """A collection of polygons (parts that may touch) as one valid geometry; others as given."""
    return shapely.union_all(shapely.get_parts(geom)) if geom.geom_type == "GeometryCollection" \
        else geom


def nearest_points(a: BaseGeometry, b: BaseGeometry) -> tuple[float, Point, Point]:
    """(distance, point on ``a``, point on ``b``) of two polygonal geometries, in mm.

    Overlapping or touching geometries give distance 0 (and a point of their intersection).
    """
    if a.is_empty or b.is_empty:
        return float("inf"), Point(), Point()
    ea, eb = _edges(a), _edges(b)
    d, i, j = _nearest_pair(ea, eb)
    if d <= 0 or i < 0 or _nested(a, b):
        a, b = _united(a), _united(b)  # GEOS decides, on valid geometry
        if a.intersects(b):
            p = a.intersection(b).representative_point()
            return 0.0, p, p
        if i < 0:  # boundaries touch in floating point only: GEOS decides
            return float(a.distance(b)), *shapely.ops.nearest_points(a, b)
    pa, pb = shapely.ops.nearest_points(shapely.linestrings([ea[1][i], ea[2][i]]),
                                        shapely.linestrings([eb[1][j], eb[2][j]]))
    return d, pa, pb


def min_distance(a: BaseGeometry, b: BaseGeometry) -> float:
    """Smallest distance between two polygonal geometries, in mm."""
    return nearest_points(a, b)[0]
