"""Hatch bands: runs of parallel straight segments, one per row, each overlapping the next
row's only segment and no other, with ends that move little from row to row (the cells of a
boustrophedon decomposition, cut where the outline jumps). A band is best
drawn as one zigzag, each segment from the side where the last one ended, so the travel order
treats it as one item with two ways of being drawn (starting on either side of its first
segment) and either direction.

Only open, reversible two-point polylines join bands; anything else stays an item of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .order_plan import Plan
from .path import Polyline

#: Segments count as parallel when their directions agree to this many radians.
ANGLE_TOL = 1e-6
#: Rows further apart than this times the usual row spacing are not joined.
ROW_GAP = 1.5
#: Nor are segments whose ends move along the rows by more than this times the row spacing
#: (the zigzag would travel that far; the search over bands may still join them).
END_JUMP = 4.0


def bands(paths: Sequence[Polyline], plan: Plan) -> list[tuple[list[int], tuple[float, float]]]:
    """Hatch bands: (polyline indices row after row, two or more; the rows' direction as
    (cos, sin))."""
    flippable = plan.flippable.tolist()
    cand = [i for i, p in enumerate(paths) if flippable[i] and len(p.points) == 2]
    if len(cand) < 3:
        return []
    pts = np.array([paths[i].points for i in cand])  # (m, 2, 2)
    moves = (pts[:, 0] != pts[:, 1]).any(axis=1)
    idx, pts = np.asarray(cand)[moves], pts[moves]
    if len(idx) < 3:
        return []
    d = pts[:, 1] - pts[:, 0]
    ang = np.mod(np.arctan2(d[:, 1], d[:, 0]), np.pi)
    ang = np.where(ang > np.pi - ANGLE_TOL, 0.0, ang)
    key = np.round(ang / ANGLE_TOL).astype(np.int64)
    out: list[tuple[list[int], tuple[float, float]]] = []
    for k in np.unique(key).tolist():
        sel = np.nonzero(key == k)[0]
        if len(sel) >= 3:
            a = float(np.median(ang[sel]))
            out += [(chain, (np.cos(a), np.sin(a)))
                    for chain in _group_bands(idx[sel], pts[sel], a)]
    return out


def _group_bands(idx: np.ndarray, pts: np.ndarray, angle: float) -> list[list[int]]:
    c, s = np.cos(angle), np.sin(angle)
    u = pts[..., 0] * c + pts[..., 1] * s
    v = (-pts[..., 0] * s + pts[..., 1] * c).mean(axis=1)
    u0, u1 = u.min(axis=1), u.max(axis=1)
    order = np.lexsort((u0, np.round(v / 1e-6)))
    idx, v, u0, u1 = idx[order], v[order], u0[order], u1[order]
    row = np.concatenate([[0], np.cumsum(np.diff(v) > 1e-6)])
    n_rows = int(row[-1]) + 1
    if n_rows < 2:
        return []
    row_v = v[np.searchsorted(row, np.arange(n_rows))]
    gaps = np.diff(row_v)
    spacing = float(np.median(gaps))
    limit, jump = ROW_GAP * spacing, END_JUMP * spacing
    # Within a row the segments are disjoint and sorted, so the segments of the next row that
    # overlap one form an index range: found for all rows at once by searching row-offset keys.
    big = float(u1.max() - u0.min()) + 1.0
    k0 = row * big + (u0 - u0.min())
    k1 = row * big + (u1 - u0.min())
    lo = np.searchsorted(k1, k0 + big, side="right")
    hi = np.searchsorted(k0, k1 + big, side="left")
    blo = np.searchsorted(k1, k0 - big, side="right")
    bhi = np.searchsorted(k0, k1 - big, side="left")
    m = len(idx)
    src = np.nonzero((hi - lo == 1) & (row < n_rows - 1))[0]
    dst = lo[src]
    ok = (dst < m) & ((bhi - blo)[np.minimum(dst, m - 1)] == 1)
    src, dst = src[ok], dst[ok]
    ok = ((row[dst] == row[src] + 1) & (gaps[row[src]] <= limit)
          & (np.abs(u0[src] - u0[dst]) <= jump) & (np.abs(u1[src] - u1[dst]) <= jump))
    src, dst = src[ok], dst[ok]
    nxt = np.full(m, -1)
    nxt[src] = dst
    has_prev = np.zeros(m, dtype=bool)
    has_prev[dst] = True
    out = []
    nxt_l = nxt.tolist()
    for s0 in np.nonzero((nxt >= 0) & ~has_prev)[0].tolist():
        chain = [s0]
        while nxt_l[chain[-1]] >= 0:
            chain.append(nxt_l[chain[-1]])
        out.append(idx[chain].tolist())
    return out


def zigzags(plan: Plan, groups: list[tuple[list[int], tuple[float, float]]]
            ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Both ways of drawing every band, all at once: (per band, each segment drawn backwards in
    way A; entries (g, 2) and exits of way A, entries and exits of way B; (g, 2) travel inside
    each band for A and B, mm). Way A starts its first segment at the end with the smaller
    coordinate along the rows, way B at the other; each next segment starts on the side where
    the last one ended (so B turns round every segment A does not)."""
    sizes = np.array([len(c) for c, _ in groups])
    band = np.repeat(np.arange(len(groups)), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    k = np.arange(int(sizes.sum())) - first[band]
    seg = np.concatenate([np.asarray(c) for c, _ in groups])
    dirs = np.array([d for _, d in groups])[band]
    us = (plan.starts[seg] * dirs).sum(axis=1)
    ue = (plan.ends[seg] * dirs).sum(axis=1)
    back_a = (us <= ue) != (k % 2 == 0)
    inside = []
    ends = []
    for back in (back_a, ~back_a):
        a = np.where(back[:, None], plan.ends[seg], plan.starts[seg])
        e = np.where(back[:, None], plan.starts[seg], plan.ends[seg])
        hop = np.zeros(len(seg))
        hop[1:] = np.hypot(*(a[1:] - e[:-1]).T)
        hop[first] = 0.0
        inside.append(np.add.reduceat(hop, first))
        ends.append((a[first], e[first + sizes - 1]))
    split = np.split(back_a, np.cumsum(sizes)[:-1])
    return split, ends[0][0], ends[0][1], ends[1][0], ends[1][1], np.stack(inside, axis=1)


def band_plan(plan: Plan, groups: list[tuple[list[int], tuple[float, float]]]
              ) -> tuple[Plan, list[tuple]]:
    """The ordering problem with each band one item: (plan, members) where ``members[i]`` is
    ``("band", indices, way A's turned flags, (inside A, inside B))`` or ``("one", index)``."""
    from .order_plan import assemble

    back, a0, e0, a1, e1, inside = zigzags(plan, groups)
    in_band = np.zeros(plan.n, dtype=bool)
    members: list[tuple] = []
    for (chain, _), bk, ins in zip(groups, back, inside.tolist(), strict=True):
        in_band[chain] = True
        members.append(("band", chain, bk.tolist(), tuple(ins)))
    single = np.nonzero(~in_band)[0]
    members += [("one", i) for i in single.tolist()]
    nan = np.full((len(single), 2), np.nan)
    g = len(groups)
    top = assemble(np.vstack([a0, plan.starts[single]]), np.vstack([e0, plan.ends[single]]),
                   np.concatenate([np.zeros(g, dtype=bool), plan.closed[single]]),
                   np.concatenate([np.ones(g, dtype=bool), plan.flippable[single]]),
                   [None] * g + [plan.rings[i] for i in single.tolist()],
                   np.vstack([a1, nan]), np.vstack([e1, nan]))
    return top, members


def choose_zigzags(top: Plan, members: list[tuple], origin: tuple[float, float],
                   order: list[int], flip: list[bool], entry: list[int]) -> None:
    """Draw each band the way (which side first, which direction) that makes the hops in and
    out plus the travel inside it shortest (``top``, ``flip`` updated in place)."""
    def out_of(i: int) -> np.ndarray:
        if top.closed[i]:
            return top.rings[i][entry[i]]
        return top.starts[i] if flip[i] else top.ends[i]

    def into(i: int) -> np.ndarray:
        if top.closed[i]:
            return top.rings[i][entry[i]]
        return top.ends[i] if flip[i] else top.starts[i]

    for k, i in enumerate(order):
        m = members[i]
        if m[0] != "band":
            continue
        prev = out_of(order[k - 1]) if k > 0 else np.asarray(origin, dtype=float)
        nxt = into(order[k + 1]) if k + 1 < len(order) else None
        alt = bool(top.alt_used[i])
        ways = [(top.starts[i], top.ends[i], m[3][1 if alt else 0], False),
                (top.alt_starts[i], top.alt_ends[i], m[3][0 if alt else 1], True)]
        best = None
        for a, e, inside, swap in ways:
            for back in (False, True):
                x, y = (e, a) if back else (a, e)
                c = float(np.hypot(*(x - prev))) + inside
                if nxt is not None:
                    c += float(np.hypot(*(nxt - y)))
                if best is None or c < best[0] - 1e-12:
                    best = (c, swap, back)
        _, swap, back = best
        if swap:
            top.starts[i], top.alt_starts[i] = top.alt_starts[i].copy(), top.starts[i].copy()
            top.ends[i], top.alt_ends[i] = top.alt_ends[i].copy(), top.ends[i].copy()
            top.alt_used[i] = not alt
        flip[i] = back


def expand(plan: Plan, top: Plan, members: list[tuple], order: list[int], flip: list[bool],
           entry: list[int]) -> tuple[list[int], list[bool], list[int]]:
    """The tour over the polylines of ``plan`` that the tour over ``top`` stands for."""
    out: list[int] = []
    fl = [False] * plan.n
    en = [-1] * plan.n
    for i in order:
        m = members[i]
        if m[0] == "one":
            out.append(m[1])
            fl[m[1]] = flip[i]
            en[m[1]] = entry[i]
            continue
        back = [not b for b in m[2]] if top.alt_used[i] else m[2]
        chain = list(m[1])
        if flip[i]:
            chain, back = chain[::-1], [not b for b in back[::-1]]
        out += chain
        for j, b in zip(chain, back, strict=True):
            fl[j] = b
    return out, fl, en
