"""Travel ordering: greedy nearest neighbour, then 2-opt with path reversal.

Open polylines may be drawn either way unless their settings say ``reversible=False``; closed ones
may also be entered at any vertex. The nearest-neighbour search uses a uniform grid over the
candidate entry points (no SciPy needed); 2-opt reverses a block of the tour (and every polyline
in it) whenever that shortens the two travels at its ends, trying blocks up to ``window``
positions long and blocks that join each polyline to its nearest neighbours (KD-tree from SciPy
when installed, else brute force up to 2000 polylines); closed polylines are finally re-entered
at their best vertex. The result is never longer than the order given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .path import Polyline, travel_length


def _reversible(p: Polyline) -> bool:
    return bool(p.settings.get("reversible", True))


class _Grid:
    """Entry points in square cells; points die when their polyline is used."""

    def __init__(self, pts: np.ndarray, owner: np.ndarray) -> None:
        self.pts, self.owner = pts, owner
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = max(float((hi - lo).max()), 1e-9)
        n_owners = max(1, len(np.unique(owner)))
        self.h = max(span / math.sqrt(max(1.0, n_owners / 2.0)), 1e-9)
        self.lo = lo
        ij = np.floor((pts - lo) / self.h).astype(np.int64)
        self.nx, self.ny = int(ij[:, 0].max()) + 1, int(ij[:, 1].max()) + 1
        key = ij[:, 0] * (self.ny + 1) + ij[:, 1]
        self.key = key
        order = np.argsort(key, kind="stable")
        uniq, first, count = np.unique(key[order], return_index=True, return_counts=True)
        self.cells: dict[int, np.ndarray] = {
            int(k): order[f:f + c] for k, f, c in zip(uniq.tolist(), first.tolist(), count.tolist(),
                                                     strict=True)}
        self.live = {int(k): int(c) for k, c in zip(uniq.tolist(), count.tolist(), strict=True)}
        self.alive = np.ones(len(pts), dtype=bool)
        by = np.argsort(owner, kind="stable")
        ou, of, oc = np.unique(owner[by], return_index=True, return_counts=True)
        self.by_owner = {int(o): by[f:f + c] for o, f, c in zip(ou.tolist(), of.tolist(), oc.tolist(),
                                                               strict=True)}

    def remove_owner(self, o: int) -> None:
        idx = self.by_owner.pop(o, None)
        if idx is None:
            return
        self.alive[idx] = False
        keys, counts = np.unique(self.key[idx], return_counts=True)
        for k, c in zip(keys.tolist(), counts.tolist(), strict=True):
            left = self.live[k] - c
            if left <= 0:
                del self.live[k]
                del self.cells[k]
            else:
                self.live[k] = left

    def nearest(self, q: np.ndarray) -> int:
        """Index of the live point nearest ``q`` (-1 when none are left)."""
        if not self.live:
            return -1
        ci = int(math.floor((q[0] - self.lo[0]) / self.h))
        cj = int(math.floor((q[1] - self.lo[1]) / self.h))
        best, best_d = -1, math.inf
        r_max = max(self.nx, self.ny) + abs(ci) + abs(cj) + 1
        for r in range(r_max):
            if best >= 0 and best_d <= ((r - 1) * self.h) ** 2:
                break
            for i, j in _ring(ci, cj, r):
                if i < 0 or j < 0 or i >= self.nx or j >= self.ny:
                    continue
                members = self.cells.get(i * (self.ny + 1) + j)
                if members is None:
                    continue
                idx = members[self.alive[members]]
                d = ((self.pts[idx] - q) ** 2).sum(axis=1)
                k = int(d.argmin())
                if d[k] < best_d:
                    best_d, best = float(d[k]), int(idx[k])
            if best < 0 and (2 * r + 1) ** 2 > 4 * len(self.live):
                return self._brute(q)
        return best

    def _brute(self, q: np.ndarray) -> int:
        idx = np.nonzero(self.alive)[0]
        d = ((self.pts[idx] - q) ** 2).sum(axis=1)
        return int(idx[int(d.argmin())])


def _ring(ci: int, cj: int, r: int):
    if r == 0:
        yield (ci, cj)
        return
    for i in range(ci - r, ci + r + 1):
        yield (i, cj - r)
        yield (i, cj + r)
    for j in range(cj - r + 1, cj + r):
        yield (ci - r, j)
        yield (ci + r, j)


def nearest_neighbour(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0)
                      ) -> list[Polyline]:
    """Greedy order: from ``origin``, always go to the nearest free entry point (reversing or
    re-entering polylines as allowed)."""
    if not paths:
        return []
    pts, owner, code = [], [], []
    for i, p in enumerate(paths):
        if p.closed and len(p.points) > 3:
            ring = p.points[:-1]
            pts.append(ring)
            owner.append(np.full(len(ring), i))
            code.append(np.arange(len(ring)))
        else:
            ends = [p.start[None, :]]
            codes = [-1]
            if _reversible(p):
                ends.append(p.end[None, :])
                codes.append(-2)
            pts.append(np.vstack(ends))
            owner.append(np.full(len(ends), i))
            code.append(np.array(codes))
    grid = _Grid(np.vstack(pts), np.concatenate(owner))
    codes = np.concatenate(code)
    here = np.asarray(origin, dtype=float)
    out: list[Polyline] = []
    while True:
        k = grid.nearest(here)
        if k < 0:
            break
        i, c = int(grid.owner[k]), int(codes[k])
        p = paths[i]
        if c == -2:
            p = p.reversed()
        elif c >= 0:
            p = p.rotated(c)
        out.append(p)
        here = p.end
        grid.remove_owner(i)
    return out


def _dist(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    d = p - q
    return np.hypot(d[..., 0], d[..., 1])


def _neighbours(paths: Sequence[Polyline], k: int) -> np.ndarray | None:
    """For each polyline, polylines with an end among the ``k`` nearest to one of its ends
    (n, m) — found with SciPy's KD-tree when installed (the ``sim``/``test`` extras), else by
    brute force up to 2000 polylines; None beyond that."""
    n = len(paths)
    if n < 3:
        return None
    ends = np.vstack([np.array([p.start for p in paths]), np.array([p.end for p in paths])])
    k = min(k, n - 1)
    try:
        from scipy.spatial import cKDTree
    except ImportError:
        if n > 2000:
            return None
        d = _dist(ends[:, None, :], ends[None, :, :])
        idx = np.argpartition(d, min(2 * k + 1, 2 * n - 1), axis=1)[:, : 2 * k + 2]
    else:
        _, idx = cKDTree(ends).query(ends, k=min(2 * k + 2, 2 * n))
    ids = np.asarray(idx) % n
    return np.hstack([ids[:n], ids[n:]])


def two_opt(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0),
            window: int = 32, neighbours: int = 8, max_rounds: int = 40) -> list[Polyline]:
    """Improve an order by reversing blocks of it (each polyline in the block drawn backwards).

    Each round scores, all at once in NumPy, every block ``[i, i + k]`` (``k < window``) and
    every block that would join a polyline's exit to one of its ``neighbours`` nearest polylines
    (long blocks); then, best first, each improving block is scored again against the order as
    it now stands and reversed if it still gains. Rounds repeat until none improves (at most
    ``max_rounds``). Blocks holding a polyline that must not be reversed are skipped.
    """
    n = len(paths)
    if n < 2:
        return list(paths)
    a = np.array([p.start for p in paths])  # entry of the k-th polyline in tour order
    b = np.array([p.end for p in paths])    # exit
    perm = np.arange(n)
    flip = np.zeros(n, dtype=bool)
    fixed_src = np.array([not _reversible(p) for p in paths])
    org = np.asarray(origin, dtype=float)
    near = _neighbours(paths, neighbours)
    w = max(1, min(window, n))
    win_lo = np.repeat(np.arange(n), w)
    win_hi = win_lo + np.tile(np.arange(w), n)
    ok = win_hi < n
    win_lo, win_hi = win_lo[ok], win_hi[ok]
    for _ in range(max_rounds):
        los, his = [win_lo], [win_hi]
        if near is not None:
            pos = np.empty(n, dtype=np.int64)
            pos[perm] = np.arange(n)
            i = np.repeat(np.arange(1, n), near.shape[1])
            j = pos[near[perm[:-1]].ravel()]  # neighbours of the polyline before i
            fwd = j >= i
            back = j < i - 1
            los += [i[fwd], j[back] + 1]
            his += [j[fwd], i[back] - 1]
        lo, hi = np.concatenate(los), np.concatenate(his)
        fcum = np.concatenate([[0], np.cumsum(fixed_src[perm])])
        free = fcum[hi + 1] - fcum[lo] == 0
        lo, hi = lo[free], hi[free]
        prev = np.where((lo > 0)[:, None], b[np.maximum(lo - 1, 0)], org)
        last = hi == n - 1
        nxt = a[np.minimum(hi + 1, n - 1)]
        gain = (_dist(prev, a[lo]) - _dist(prev, b[hi])
                + np.where(last, 0.0, _dist(b[hi], nxt) - _dist(a[lo], nxt)))
        good = np.nonzero(gain > 1e-9)[0]
        if len(good) == 0:
            break
        good = good[np.argsort(-gain[good], kind="stable")]
        applied = 0
        for i0, j0 in zip(lo[good].tolist(), hi[good].tolist(), strict=True):
            # Earlier moves of this round may have changed the ends: score the block again.
            prev = b[i0 - 1] if i0 > 0 else org
            g = math.dist(prev, a[i0]) - math.dist(prev, b[j0])
            if j0 < n - 1:
                g += math.dist(b[j0], a[j0 + 1]) - math.dist(a[i0], a[j0 + 1])
            if g <= 1e-9 or fixed_src[perm[i0:j0 + 1]].any():
                continue
            applied += 1
            a[i0:j0 + 1], b[i0:j0 + 1] = b[i0:j0 + 1][::-1].copy(), a[i0:j0 + 1][::-1].copy()
            perm[i0:j0 + 1] = perm[i0:j0 + 1][::-1].copy()
            flip[i0:j0 + 1] = ~flip[i0:j0 + 1][::-1]
        if not applied:
            break
    return [paths[p].reversed() if f else paths[p]
            for p, f in zip(perm.tolist(), flip.tolist(), strict=True)]


def order_paths(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0),
                optimise: bool = True, window: int = 32) -> list[Polyline]:
    """The shortest of: the given order, nearest neighbour, nearest neighbour + 2-opt."""
    given = list(paths)
    if len(given) < 2 or not optimise:
        return given
    nn = nearest_neighbour(given, origin=origin)
    best = reenter_closed(two_opt(nn, origin=origin, window=window), origin=origin)
    candidates = [given, nn, best]
    costs = [travel_length(c, origin=origin) for c in candidates]
    return candidates[int(np.argmin(costs))]


def reenter_closed(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0),
                   sweeps: int = 2) -> list[Polyline]:
    """Enter each closed polyline at the vertex that minimises the hop in from the previous
    polyline plus the hop out to the next (its entry is also its exit)."""
    out = list(paths)
    if not any(p.closed for p in out):
        return out
    for _ in range(sweeps):
        for k, p in enumerate(out):
            if not p.closed or len(p.points) < 4:
                continue
            ring = p.points[:-1]
            cost = np.zeros(len(ring))
            if k > 0 or origin is not None:
                prev = out[k - 1].end if k > 0 else np.asarray(origin, dtype=float)
                cost += np.hypot(*(ring - prev).T)
            if k + 1 < len(out):
                cost += np.hypot(*(ring - out[k + 1].start).T)
            out[k] = p.rotated(int(cost.argmin()))
    return out


def order_groups(groups: Sequence[Sequence[Polyline]], *, origin: tuple[float, float] = (0.0, 0.0),
                 optimise: bool = True) -> list[Polyline]:
    """Order each group in turn (e.g. inner contours before outer ones), chaining the origin."""
    out: list[Polyline] = []
    here = origin
    for group in groups:
        part = order_paths(group, origin=here, optimise=optimise)
        out.extend(part)
        if part:
            here = (float(part[-1].end[0]), float(part[-1].end[1]))
    return out
