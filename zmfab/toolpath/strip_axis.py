"""The middle of a strip (a long track of slowly varying width, open or closed) from its two sides.

A strip's boundary is two long sides joined by two end caps (an open track: a spiral, a bent
lead) or two rings (a closed track: a ring with one hole). From the middle of every boundary
segment a ray goes straight into the strip and stops at the other side: half way along it is a
point of the centre line, its length the local width. The rays of one side give the centre line
in that side's order; the other side's rays are put in the same order by where they land on the
first side. An open strip's caps are where the ray's landing point passes its start: going along
the boundary, the other side is ahead before a cap and behind after it.

This costs a few vectorised ray-segment tests per boundary segment, where a Delaunay
triangulation of the boundary (the general medial axis, :mod:`.bead_lines`) needs samples every
half bead pitch. Shapes that are not strips (junctions, branches, stubs) return ``None``, and the
caller takes the general path.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

#: A ray counts as crossing the strip when the side it lands on runs against its own side within
#: this cosine (60°).
FACING_COS = 0.5
#: A ray runs across the strip (not along an arm into a cap or round a bend) when its middle is
#: at least this fraction of half its length from every side: the middle of a strip is as far
#: from both sides as from any.
CLEARANCE = 0.9
#: The centre line's area (length × local width) must match the strip's within this fraction.
AREA_TOLERANCE = 0.03
#: Strips shorter than this many widths are left to the general path (their caps are most of them).
MIN_ASPECT = 20.0
#: A bend is mitred when the two turns at the ends of one short segment add up to more than
#: this (degrees), each turning at least a third of it the same way.
MITRE_TURN = 60.0


def strip_axis(piece: Polygon, *, reach: float, step: float, tolerance: float
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """(points along the middle of ``piece``, n×2 mm; local width at each, mm), or ``None`` when
    ``piece`` is not a strip at most ``reach`` mm wide.

    The boundary is cut into segments at most ``step`` mm long first; the line is simplified
    within ``tolerance`` mm (Douglas-Peucker), its sharp bends mitred (:func:`mitre`). An open
    strip's line runs to its caps; a closed strip's ends where it starts.
    """
    if piece.is_empty or len(piece.interiors) > 1:
        return None
    piece = orient(piece, 1.0)  # interior on the left of every ring
    rings = [piece.exterior, *piece.interiors]
    seg = _segments(rings, step)
    if seg is None:
        return None
    start, end, ring, pos, length, totals = seg
    along = (end - start) / length[:, None]
    normal = np.c_[-along[:, 1], along[:, 0]]
    mid = (start + end) / 2
    tree = shapely.STRtree(shapely.linestrings(np.stack([start, end], axis=1)))
    hit, dist, where = _cast(tree, mid, normal, start, end, reach, own=np.arange(len(mid)))
    ok = hit >= 0
    facing = np.zeros(len(hit), dtype=bool)
    facing[ok] = np.einsum("ij,ij->i", along[ok], along[hit[ok]]) < -FACING_COS
    centre = mid + normal * (np.where(ok, dist, 0.0) / 2)[:, None]
    side = ok & facing
    side[side] = _clear(tree, centre[side], CLEARANCE * dist[side] / 2)
    if side.sum() < 4:
        return None
    own = pos + length / 2
    lands = np.where(ok, pos[np.maximum(hit, 0)] + where * length[np.maximum(hit, 0)], np.nan)
    lands_ring = np.where(ok, ring[np.maximum(hit, 0)], -1)
    if len(rings) == 1:
        keys = _open_keys(side, own, lands, totals[0])
    else:
        keys = _closed_keys(side, ring, lands_ring, own, lands)
    if keys is None:
        return None
    key, pick = keys
    order = np.argsort(key, kind="stable")
    pick = pick[order]
    points = centre[pick]
    widths = dist[pick]
    if len(rings) == 2:
        points, widths = np.vstack([points, points[:1]]), np.r_[widths, widths[:1]]
    else:
        points, widths = _to_caps(points, widths, tree, start, end, step)
    if not _area_matches(points, widths, piece.area):
        return None
    simple = shapely.get_coordinates(shapely.simplify(shapely.linestrings(points), tolerance,
                                                      preserve_topology=False))
    return mitre(simple, _widths_at(simple, points, widths))


def _widths_at(pts: np.ndarray, axis: np.ndarray, width: np.ndarray) -> np.ndarray:
    """``width`` (one per point of ``axis``) at each of ``pts``, points of ``axis``."""
    key = axis[:, 0] + 1j * axis[:, 1]
    order = np.argsort(key, kind="stable")
    at = np.minimum(np.searchsorted(key[order], pts[:, 0] + 1j * pts[:, 1]), len(key) - 1)
    return width[order][at]


def mitre(points: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``points`` (a simplified line, mm) with each sharp bend's short cut across the corner
    (a segment shorter than twice the local width, turning ≥ :data:`MITRE_TURN`° in all) replaced
    by the corner where the lines before and after it meet: rays across a strip from the outer
    wall of a bend run along the other arm, so the line from the rays cuts the corner."""
    if len(points) < 4:
        return points, widths
    d = np.diff(points, axis=0)
    heading = np.arctan2(d[:, 1], d[:, 0])
    turn = np.degrees((np.diff(heading) + np.pi) % (2 * np.pi) - np.pi)  # turn[i]: at point i + 1
    length = np.hypot(d[:, 0], d[:, 1])
    t1, t2 = turn[:-1], turn[1:]  # at the two ends of segment k = 1 .. len(d) - 2
    k = np.arange(1, len(d) - 1)
    sharp = ((np.sign(t1) == np.sign(t2)) & (np.abs(t1) >= MITRE_TURN / 3) & (np.abs(t2) >= MITRE_TURN / 3)
             & (np.abs(t1 + t2) >= MITRE_TURN) & (np.abs(t1 + t2) <= 150.0)
             & (length[k] < 2 * widths[k]))
    pts, wid = points.copy(), widths.copy()
    drop = np.zeros(len(points), dtype=bool)
    last = -2
    for j in k[sharp]:
        if j - last < 2:
            continue
        a, u = points[j], d[j - 1]
        b, v = points[j + 1], d[j + 1]
        den = u[0] * v[1] - u[1] * v[0]
        if abs(den) < 1e-12:
            continue
        s = ((b - a)[0] * v[1] - (b - a)[1] * v[0]) / den  # a + s·u = b + r·v
        corner = a + s * u
        if not (0 <= s * np.hypot(*u) <= 2 * widths[j]) or np.hypot(*(corner - b)) > 2 * widths[j]:
            continue
        pts[j], wid[j] = corner, (widths[j] + widths[j + 1]) / 2
        drop[j + 1] = True
        last = j
    return pts[~drop], wid[~drop]


def _segments(rings, step: float):
    """Boundary segments of ``rings`` at most ``step`` long: starts, ends, ring index, arc length
    of each start along its ring, lengths, and each ring's length."""
    starts, ends, ids, poss, lens, totals = [], [], [], [], [], []
    for k, r in enumerate(rings):
        xy = shapely.get_coordinates(shapely.segmentize(r, step))
        d = np.hypot(*np.diff(xy, axis=0).T)
        keep = d > 1e-12
        a, b, d = xy[:-1][keep], xy[1:][keep], d[keep]
        if len(d) < 3:
            return None
        starts.append(a)
        ends.append(b)
        ids.append(np.full(len(d), k))
        poss.append(np.r_[0.0, np.cumsum(d)[:-1]])
        lens.append(d)
        totals.append(float(d.sum()))
    return (np.vstack(starts), np.vstack(ends), np.concatenate(ids), np.concatenate(poss),
            np.concatenate(lens), totals)


def _cast(tree: shapely.STRtree, origin: np.ndarray, direction: np.ndarray, start: np.ndarray,
          end: np.ndarray, reach: float, *, own: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First segment (of ``tree``: ``start`` to ``end``) each ray ``origin + t·direction``
    (0 < t <= ``reach``) meets, other than ``own`` (the one it starts on; -1: none), or -1;
    ``t``; and where along that segment (0..1). Rays are cast a quarter as far first, then the
    ones that met nothing the whole way."""
    n = len(origin)
    hit, dist, where = np.full(n, -1), np.full(n, np.nan), np.full(n, np.nan)
    todo = np.arange(n)
    for length in (reach / 4, reach):
        found = _first_hits(tree, origin[todo], direction[todo], start, end, length, own[todo])
        hit[todo], dist[todo], where[todo] = found
        todo = todo[found[0] < 0]
        if not len(todo):
            break
    return hit, dist, where


def _first_hits(tree: shapely.STRtree, origin: np.ndarray, direction: np.ndarray, start: np.ndarray,
                end: np.ndarray, reach: float, own: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_cast` for one ray length."""
    n = len(origin)
    hit, dist, where = np.full(n, -1), np.full(n, np.nan), np.full(n, np.nan)
    rays = shapely.linestrings(np.stack([origin, origin + direction * reach], axis=1))
    i, j = tree.query(rays)
    keep = own[i] != j
    i, j = i[keep], j[keep]
    r = direction[i]
    s = end[j] - start[j]
    q = start[j] - origin[i]
    denom = r[:, 0] * s[:, 1] - r[:, 1] * s[:, 0]
    par = np.abs(denom) > 1e-12
    denom = np.where(par, denom, 1.0)
    t = (q[:, 0] * s[:, 1] - q[:, 1] * s[:, 0]) / denom
    v = (q[:, 0] * r[:, 1] - q[:, 1] * r[:, 0]) / denom
    good = par & (t > 1e-9) & (t <= reach) & (v >= 0) & (v <= 1)
    i, j, t, v = i[good], j[good], t[good], v[good]
    if not len(i):
        return hit, dist, where
    if np.any(np.diff(i) < 0):
        order = np.argsort(i, kind="stable")
        i, j, t, v = i[order], j[order], t[order], v[order]
    heads = np.flatnonzero(np.r_[True, i[1:] != i[:-1]])
    nearest = np.minimum.reduceat(t, heads)
    first = np.flatnonzero(t == np.repeat(nearest, np.diff(np.r_[heads, len(i)])))
    _, one = np.unique(i[first], return_index=True)  # one per ray where two tie
    pick = first[one]
    hit[i[pick]], dist[i[pick]], where[i[pick]] = j[pick], t[pick], v[pick]
    return hit, dist, where


def _to_caps(points: np.ndarray, widths: np.ndarray, tree: shapely.STRtree, start: np.ndarray,
             end: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """``points`` with each end carried on along its direction to the cap it stops short of
    (the last ray across lies up to half a segment, ``step / 2``, before it)."""
    out, wid = [points], [widths]
    for k, sign in ((0, 1), (-1, -1)):
        tip, w = points[k], widths[k]
        back = np.hypot(*(points - tip).T)
        far = np.flatnonzero(back >= w / 2)
        if not len(far):
            return points, widths
        inner = points[far[0] if sign > 0 else far[-1]]
        ahead = (tip - inner) / np.hypot(*(tip - inner))
        hit, dist, _ = _cast(tree, tip[None], ahead[None], start, end, step + w, own=np.array([-1]))
        if hit[0] >= 0:
            cap = tip + ahead * dist[0]
            if sign > 0:
                out.insert(0, cap[None])
                wid.insert(0, [w])
            else:
                out.append(cap[None])
                wid.append([w])
    return np.vstack(out), np.concatenate(wid)


def _clear(tree: shapely.STRtree, points: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Whether no segment of ``tree`` comes within ``radius`` mm of each of ``points``."""
    near, _ = tree.query(shapely.points(points), predicate="dwithin", distance=radius)
    out = np.ones(len(points), dtype=bool)
    out[near] = False
    return out


def _open_keys(side: np.ndarray, own: np.ndarray, lands: np.ndarray, total: float):
    """Order key and segment index of each centre point of an open strip (one ring), or ``None``
    unless its boundary folds at exactly two caps."""
    idx = np.flatnonzero(side)
    delta = (lands[idx] - own[idx] + total / 2) % total - total / 2
    nxt = np.roll(np.arange(len(idx)), -1)
    # Before a cap the other side lies ahead (delta > 0), after it behind; where delta jumps the
    # other way by about the whole boundary, the other side is simply opposite (no cap).
    fold = (delta > 0) & (delta[nxt] < 0) & (delta - delta[nxt] < total / 2)
    folds = np.flatnonzero(fold)
    if len(folds) != 2:
        return None
    cut = [(own[idx[f]] + own[idx[nxt[f]]] + (total if nxt[f] == 0 else 0.0)) / 2 % total for f in folds]
    f1, f2 = cut
    span = (f2 - f1) % total
    mine = (own[idx] - f1) % total
    first = mine < span
    key = np.where(first, mine, (lands[idx] - f1) % total)
    valid = key < span
    if (~valid).sum() > 0.05 * len(idx) or first.sum() < 2 or (~first).sum() < 2:
        return None
    return key[valid], idx[valid]


def _closed_keys(side: np.ndarray, ring: np.ndarray, lands_ring: np.ndarray, own: np.ndarray,
                 lands: np.ndarray):
    """Order key and segment index of each centre point of a closed strip (outer ring and one
    hole), or ``None`` unless the rays of each ring cross to the other."""
    across = side & (lands_ring == 1 - ring)
    if across.sum() < 0.95 * side.sum() or not (across & (ring == 0)).any() or not (across & (ring == 1)).any():
        return None
    idx = np.flatnonzero(across)
    key = np.where(ring[idx] == 0, own[idx], lands[idx])
    return key, idx


def _area_matches(points: np.ndarray, widths: np.ndarray, area: float) -> bool:
    """Whether length × width along the centre line matches ``area`` (no zigzag, no missed
    branch) and the strip is long enough to be one."""
    if len(points) < 2:
        return False
    steps = np.hypot(*np.diff(points, axis=0).T)
    swept = float(steps @ ((widths[:-1] + widths[1:]) / 2))
    mean_w = float(np.median(widths))
    if steps.sum() < MIN_ASPECT * mean_w:
        return False
    return abs(swept / area - 1) <= AREA_TOLERANCE
