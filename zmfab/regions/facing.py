"""How much of one outline lies within a distance of another, exactly, in NumPy.

The points of a segment within ``reach`` of another segment form one stretch of it: the set of
points within ``reach`` of a segment (a capsule: a rectangle and two end discs) is convex, so a
line meets it in one interval, the union of the line's clip to the rectangle and its clips to
the two discs (quadratics). A segment's stretch within ``reach`` of a whole outline is the union
of those intervals over the outline's segments near it (from a segment-pair join,
:class:`~.segments.Grid`), merged per segment after one sort. No buffer polygon is built, and
the figure is the distance itself, not that of a polygon approximating round ends.
"""

from __future__ import annotations

import numpy as np

from .segments import Grid, Outline, cell_size

#: Segments joined with the other outline at a time, and the most candidate pairs a join may
#: list before it is split (bounded memory where the reach is long against the spacing of the
#: segments).
SEGMENTS_PER_JOIN = 1 << 15
PAIRS_PER_JOIN = 1 << 22
#: Pairs scored at a time (their columns stay in the CPU cache).
CHUNK = 1 << 14


def intervals(o: Outline, other: Outline, i: np.ndarray, j: np.ndarray,
              reach: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(segment of ``o``, t0, t1): the fraction t0..t1 of segment ``o[i]`` within ``reach`` mm of
    segment ``other[j]``, for the pairs where there is one."""
    cols_a = _columns(o)
    cols_b = _columns(other)
    out_i, out_lo, out_hi = [], [], []
    for k in range(0, len(i), CHUNK):
        ia, jb = i[k:k + CHUNK], j[k:k + CHUNK]
        keep, lo, hi = _pair_intervals(tuple(c.take(ia) for c in cols_a),
                                       tuple(c.take(jb) for c in cols_b), reach)
        out_i.append(ia.take(keep))
        out_lo.append(lo)
        out_hi.append(hi)
    if not out_i:
        return np.empty(0, np.int64), np.empty(0), np.empty(0)
    return np.concatenate(out_i), np.concatenate(out_lo), np.concatenate(out_hi)


def _columns(o: Outline) -> tuple[np.ndarray, ...]:
    """(x0, y0, dx, dy, |d|) of each segment."""
    dx, dy = o.x1 - o.x0, o.y1 - o.y0
    return o.x0, o.y0, dx, dy, np.hypot(dx, dy)


def _pair_intervals(a: tuple, b: tuple, reach: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pairs, t0, t1): the pairs (indices) with a stretch t0..t1 (t0 < t1) of segment ``a``
    within ``reach`` of segment ``b`` (columns of :func:`_columns`, pair by pair)."""
    ax, ay, dx, dy, la = a
    bx, by, ex, ey, lb = b
    px, py = ax - bx, ay - by  # a's start from b's start
    # in b's frame, scaled by |e|: across its line h, along it s; a segment wholly beyond the
    # strip of half-width reach around b's line faces nothing
    half = reach * lb
    h0, dh = px * ey - py * ex, dx * ey - dy * ex
    h1 = h0 + dh
    far = (np.minimum(h0, h1) > half) | (np.maximum(h0, h1) < -half) | (la == 0)
    point = lb == 0
    if point.any():  # b a point: its disc alone, in a's own terms
        far |= point
        kp = np.flatnonzero(point & (la > 0))
        inv = 1.0 / (la[kp] * la[kp])
        bb = (px[kp] * dx[kp] + py[kp] * dy[kp]) * inv
        with np.errstate(invalid="ignore"):
            root = np.sqrt(bb * bb - (px[kp] ** 2 + py[kp] ** 2 - reach * reach) * inv)
        p_lo, p_hi = np.maximum(-bb - root, 0.0), np.minimum(root - bb, 1.0)
        ok = p_lo < p_hi
        kp, p_lo, p_hi = kp[ok], p_lo[ok], p_hi[ok]
    else:
        kp = p_lo = p_hi = np.empty(0)
    k = np.flatnonzero(~far)
    px, py, dx, dy, ex, ey, h0, dh, half, lb = (v.take(k) for v in (px, py, dx, dy, ex, ey, h0, dh,
                                                                       half, lb))
    e2 = lb * lb
    s0, ds = px * ex + py * ey, dx * ex + dy * ey
    # the end discs, |(s, h) - (0 or |e|², 0)| <= reach |e|: A t² + 2 B t + C <= 0
    inv = 1.0 / (ds * ds + dh * dh)
    s1 = s0 - e2  # from b's end
    hh = h0 * h0 - half * half
    b0, c0 = s0 * ds + h0 * dh, s0 * s0 + hh
    b1, c1 = s1 * ds + h0 * dh, s1 * s1 + hh
    with np.errstate(invalid="ignore"):  # no root: NaN, which fmin / fmax pass over
        r0 = np.sqrt(b0 * b0 - c0 / inv)
        r1 = np.sqrt(b1 * b1 - c1 / inv)
    lo = np.fmin((-b0 - r0) * inv, (-b1 - r1) * inv)
    hi = np.fmax((r0 - b0) * inv, (r1 - b1) * inv)
    # the rectangle: 0 <= s <= |e|², |h| <= reach |e|
    s_lo, s_hi = _slab(s0, ds, 0.0, e2)
    h_lo, h_hi = _slab(h0, dh, -half, half)
    np.maximum(s_lo, h_lo, out=s_lo)
    np.minimum(s_hi, h_hi, out=s_hi)
    rect = s_lo <= s_hi
    lo = np.fmin(lo, np.where(rect, s_lo, np.nan))
    hi = np.fmax(hi, np.where(rect, s_hi, np.nan))
    np.maximum(lo, 0.0, out=lo)
    np.minimum(hi, 1.0, out=hi)
    some = np.flatnonzero(lo < hi)  # NaN (no disc, no rectangle) is not
    k, lo, hi = k.take(some), lo.take(some), hi.take(some)
    if len(kp):
        return np.r_[k, kp.astype(np.int64)], np.r_[lo, p_lo], np.r_[hi, p_hi]
    return k, lo, hi


def _slab(v0: np.ndarray, dv: np.ndarray, low: float | np.ndarray,
          high: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The t with ``low <= v0 + t dv <= high`` as an interval (empty: lo > hi)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ta, tb = (low - v0) / dv, (high - v0) / dv
    lo, hi = np.minimum(ta, tb), np.maximum(ta, tb)
    flat = dv == 0
    if flat.any():
        inside = (v0 >= low) & (v0 <= high)
        lo = np.where(flat, np.where(inside, -np.inf, np.inf), lo)
        hi = np.where(flat, np.where(inside, np.inf, -np.inf), hi)
    return lo, hi


def covered(o: Outline, seg: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> float:
    """Length (mm) of the union of stretches ``t0``..``t1`` (t0 < t1) of segments ``seg`` of ``o``."""
    if not len(seg):
        return 0.0
    length = o.length
    whole = np.zeros(len(o), dtype=bool)
    whole[seg[(t0 <= 0.0) & (t1 >= 1.0)]] = True
    total = float(length[whole].sum())
    part = ~whole[seg]
    seg, t0, t1 = seg[part], t0[part], t1[part]
    if not len(seg):
        return total
    # keys 2 segment + t0: one sort by segment, then start, and a segment's running end
    # (at most 2 segment + 1) stays below the next segment's keys
    order = np.argsort(seg * 2.0 + t0, kind="stable")
    seg, t0, t1 = seg[order], t0[order], t1[order]
    base = seg * 2.0
    reach_so_far = np.maximum.accumulate(base + t1)
    before = np.r_[-np.inf, reach_so_far[:-1]] - base  # furthest covered before, same segment
    gained = t1 - np.maximum(t0, before)
    return total + float((length[seg] * np.maximum(gained, 0.0)).sum())


def facing_length(o: Outline, other: Outline, reach: float, *,
                  pairs: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Length (mm) of outline ``o`` lying within ``reach`` mm of outline ``other``. ``pairs``:
    candidate segment pairs from a join at ``reach`` or more (found here when not given)."""
    if not len(o) or not len(other) or reach <= 0:
        return 0.0
    if pairs is not None:
        i, j = pairs
        return covered(o, *intervals(o, other, i, j, reach))
    other = near_box(other, o, reach)
    if not len(other):
        return 0.0
    grid = Grid(other, cell_size(other, reach=reach))
    total, k, block = 0.0, 0, SEGMENTS_PER_JOIN
    while k < len(o):  # blocks of segments, each with all its pairs: bounded memory
        piece = o.take(slice(k, k + block))
        found = grid.segment_pairs(piece, reach, limit=PAIRS_PER_JOIN if block > 1 else None)
        if found is None:  # a reach long against the spacing of the segments: smaller blocks
            block = max(1, block // 8)
            continue
        total += covered(piece, *intervals(piece, other, *found, reach))
        k += block
    return total


def near_box(o: Outline, other: Outline, reach: float) -> Outline:
    """The segments of ``o`` whose boxes come within ``reach`` mm of the box around ``other``
    (a short outline against a long one: the long one's far segments left out at once)."""
    x0 = min(float(other.x0.min()), float(other.x1.min())) - reach
    y0 = min(float(other.y0.min()), float(other.y1.min())) - reach
    x1 = max(float(other.x0.max()), float(other.x1.max())) + reach
    y1 = max(float(other.y0.max()), float(other.y1.max())) + reach
    keep = (np.maximum(o.x0, o.x1) >= x0) & (np.minimum(o.x0, o.x1) <= x1) \
        & (np.maximum(o.y0, o.y1) >= y0) & (np.minimum(o.y0, o.y1) <= y1)
    return o if keep.all() else o.take(np.flatnonzero(keep))
