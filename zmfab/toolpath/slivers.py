"""One stroke down the middle of a sliver narrower than the laser spot.

Contour-parallel isolation leaves slivers between its last contours, often a few micrometres
wide and millimetres long. Tracing a sliver's outline burns its length twice (there and back,
or round a thin annulus twice: its outer and its inner ring); the spot, several times wider,
covers it in one pass down its middle. A sliver's outline turns back on itself at its two tips;
there it splits into two sides, and the middle of the two is the stroke. A thin annulus (one
hole, both rings close together) is burnt by one closed ring half way between them. A piece
thin only along stretches of it gets strokes down those and its outline round what they leave.
Anything else, or a stroke whose burn would not cover the whole sliver, keeps its outline.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from ..regions.segments import nearest_segments

#: A leftover piece is a sliver when its two sides lie within this fraction of the spot of each
#: other (the stroke's burn must still cover it all).
THIN = 0.8
#: A contour-parallel offset is burnt by one stroke down its middle when its sides lie within
#: this fraction of the contours' overlap (a fraction of the spot) of each other: the stroke's
#: burn then still meets the burn of the contour before it (``2 × overlap`` would just touch).
OFFSET_THIN = 1.6
#: Strokes down the thin stretches of a piece, with the outline of what they leave, are used
#: when they burn at most this fraction of the piece's outline.
REST_GAIN = 0.9
#: Arc length (fraction of the spot) over which the outline's turning is summed to find a tip.
TIP_WINDOW = 1.0
#: A tip turns the outline back by at least this much (degrees) within the window.
TIP_TURN = 150.0


def sliver_strokes(piece: Polygon, spot: float, *, thin: float = THIN, partial: bool = False
                   ) -> list[tuple[np.ndarray, bool]]:
    """``(points, closed)`` strokes (mm) that burn ``piece`` with a spot ``spot`` mm wide: one
    down the middle of a sliver (its sides at most ``thin × spot`` apart), else every ring of
    ``piece`` (closed). With ``partial``, a piece thin only along some of its length gets
    strokes down those stretches, and what they leave its outline."""
    rings = [np.asarray(r.coords) for r in (piece.exterior, *piece.interiors)]
    apart = thin * spot
    if 2 * piece.area <= apart * piece.length and len(rings) <= 2:  # thin on average
        # an open sliver's two sides meet at its tips; a thin annulus's are its two rings
        middle, width = _open_middle(rings[0], spot) if len(rings) == 1 \
            else _between(rings[0], rings[1])
        closed = len(rings) == 2
        if len(middle) and width.max() <= apart:
            if closed and not np.array_equal(middle[0], middle[-1]):
                middle = np.vstack([middle, middle[:1]])
            if _covers(middle, piece, spot):
                return [(middle, closed)]
        elif len(middle) and partial:
            runs = _thin_runs(middle, width <= apart, spot)
            if runs:
                strokes = _with_rest(runs, piece, spot)
                if strokes is not None:
                    return strokes
    return [(r, True) for r in rings if len(r) >= 4]


def _thin_runs(middle: np.ndarray, thin: np.ndarray, spot: float) -> list[np.ndarray]:
    """The stretches of ``middle`` whose points are all ``thin``, those longer than ``spot``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], thin.astype(np.int8), [0]])))
    runs = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        run = middle[start:stop]
        if len(run) >= 2 and np.hypot(*np.diff(run, axis=0).T).sum() > spot:
            runs.append(run)
    return runs


def _with_rest(runs: list[np.ndarray], piece: Polygon, spot: float
               ) -> list[tuple[np.ndarray, bool]] | None:
    """Strokes along ``runs`` and the outlines of what they leave of ``piece``, or None when
    that burns no less than the outline of ``piece``. The rest's outline burns all of the rest
    but what lies deeper than half the spot inside it, which lies as deep inside ``piece``:
    what a trace round ``piece`` would leave too."""
    burn = shapely.union_all(shapely.buffer([LineString(r) for r in runs], spot / 2))
    rest = shapely.get_parts(shapely.difference(piece, burn))
    rest = rest[shapely.area(rest) > (spot / 10) ** 2]  # not the round-off crumbs at the ends
    rings = [np.asarray(r.coords) for g in rest for r in (g.exterior, *g.interiors)]
    strokes = [(run, False) for run in runs] + [(r, True) for r in rings if len(r) >= 4]
    drawn = sum(float(np.hypot(*np.diff(p, axis=0).T).sum()) for p, _ in strokes)
    return strokes if drawn < REST_GAIN * piece.length else None


def _covers(points: np.ndarray, piece: Polygon, spot: float) -> bool:
    """Whether a stroke along ``points`` burns all of ``piece`` (to round-off)."""
    burn = shapely.buffer(LineString(points), spot / 2)
    return shapely.difference(piece, burn).area <= 1e-9 * piece.area + 1e-15


_NONE = (np.empty((0, 2)), np.empty(0))


def _open_middle(ring: np.ndarray, spot: float) -> tuple[np.ndarray, np.ndarray]:
    """The middle line of a thin piece without holes (its outline ``ring``, closed) and the
    width at each of its points (:func:`_between`); empty if it has no two tips."""
    pts = ring[:-1]
    if len(pts) < 3:
        return _NONE
    tips = _tips(pts, spot)
    if tips is None:
        return _NONE
    i, j = tips
    side_a = pts[i:j + 1]
    side_b = np.concatenate([pts[j:], pts[:i + 1]])[::-1]  # from tip i to tip j as well
    return _between(side_a, side_b)


def _signed_area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2


def _between(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Half way between two sides ``a`` and ``b`` (polylines from the same end to the same end):
    each vertex of either joined to the nearest point of the other, the middles in order along
    ``a``; and the distance across at each (mm)."""
    if len(a) < 2 or len(b) < 2:
        return _NONE
    near_b, _ = _nearest_on(b, a)
    near_a, at_a = _nearest_on(a, b)
    along_a = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(a, axis=0).T))])
    order = np.argsort(np.concatenate([along_a, at_a]), kind="stable")
    mid = np.vstack([(a + near_b) / 2, (b + near_a) / 2])[order]
    width = np.concatenate([np.hypot(*(near_b - a).T), np.hypot(*(near_a - b).T)])[order]
    keep = np.ones(len(mid), bool)
    keep[1:] = np.any(np.diff(mid, axis=0) != 0, axis=1)  # no repeated points
    return (mid[keep], width[keep]) if keep.sum() >= 2 else _NONE


def _nearest_on(line: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``points``, the nearest point of polyline ``line`` and how far along
    ``line`` (mm) it lies."""
    p0, p1 = line[:-1], line[1:]
    seg, t = nearest_segments(p0, p1, points)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*(p1 - p0).T))])
    d = p1[seg] - p0[seg]
    return p0[seg] + t[:, None] * d, along[seg] + t * np.hypot(d[:, 0], d[:, 1])


def _tips(pts: np.ndarray, spot: float) -> tuple[int, int] | None:
    """Indices (i < j) of the two vertices where the outline ``pts`` (open ring, n×2) turns back:
    the convex turns of at least ``TIP_TURN`` summed over ``TIP_WINDOW × spot`` of arc length,
    the pair that splits the outline into the two sides closest in length (a sharp bend in a
    sliver turns its outer side as much as a tip, but leaves unequal sides). None if there is
    no such pair."""
    if _signed_area(pts) < 0:
        pts = pts[::-1]
        flip = True
    else:
        flip = False
    seg = np.roll(pts, -1, axis=0) - pts
    length = np.hypot(seg[:, 0], seg[:, 1])
    heading = np.arctan2(seg[:, 1], seg[:, 0])
    turn = np.angle(np.exp(1j * (heading - np.roll(heading, 1))))  # at each vertex, -pi..pi
    at = np.concatenate([[0.0], np.cumsum(length)])  # arc length of each vertex
    total = at[-1]
    if total <= 0:
        return None
    # turning within the window centred on each vertex (the outline wraps: three laps)
    s = np.concatenate([at[:-1] - total, at[:-1], at[:-1] + total])
    c = np.concatenate([[0.0], np.cumsum(np.tile(turn, 3))])
    half = min(TIP_WINDOW * spot, total / 8) / 2
    lo = np.searchsorted(s, at[:-1] - half, side="left")
    hi = np.searchsorted(s, at[:-1] + half, side="right")
    windowed = c[hi] - c[lo]
    # candidates: the strongest vertex of each run of vertices turning back
    strong = np.flatnonzero(windowed >= np.radians(TIP_TURN))
    if len(strong) < 2:
        return None
    runs = np.split(strong, np.flatnonzero(np.diff(at[strong]) > half) + 1)
    cand = np.array([r[np.argmax(windowed[r])] for r in runs])
    if len(cand) < 2:
        return None
    pos = at[cand]
    side = np.abs(pos[:, None] - pos[None, :])
    unequal = np.abs(total - 2 * side)  # |one side - the other|
    np.fill_diagonal(unequal, np.inf)
    a, b = np.unravel_index(np.argmin(unequal), unequal.shape)
    i, j = int(cand[a]), int(cand[b])
    if flip:
        n = len(pts)
        i, j = n - 1 - i, n - 1 - j
    return (i, j) if i < j else (j, i)
