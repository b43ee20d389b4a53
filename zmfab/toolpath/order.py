"""Travel ordering: greedy nearest neighbour, then 2-opt with path reversal.

Open polylines may be drawn either way unless their settings say ``reversible=False``; closed ones
may also be entered at any vertex. The nearest-neighbour search uses a uniform grid over the
candidate entry points (no SciPy needed); 2-opt reverses a block of the tour (and every polyline
in it) whenever that shortens the two travels at its ends, looking ``window`` positions ahead,
vectorised with NumPy. The result is never longer than the order given.
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


def two_opt(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0),
            window: int = 48, max_rounds: int = 60) -> list[Polyline]:
    """Improve an order by reversing blocks of it (each polyline in the block drawn backwards).

    Each round scores every block ``[i, i + k]`` (``k < window``) at once, then applies the best
    improving blocks that do not touch each other; rounds repeat until none improves. Blocks
    holding a polyline that must not be reversed are skipped.
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
    w = max(1, min(window, n))
    i_idx = np.arange(n)[:, None]
    j_idx = i_idx + np.arange(w)[None, :]
    valid = j_idx < n
    j_c = np.minimum(j_idx, n - 1)
    last = j_c == n - 1
    nxt_c = np.minimum(j_c + 1, n - 1)
    for _ in range(max_rounds):
        fixed = fixed_src[perm]
        fcum = np.concatenate([[0], np.cumsum(fixed)])
        blocked = (fcum[j_c + 1] - fcum[i_idx]) > 0
        prev = np.vstack([org[None, :], b[:-1]])  # exit before position i
        d_in = _dist(prev, a)  # (n,)
        d_out = np.where(last, 0.0, _dist(b[j_c], a[nxt_c]))
        new_in = _dist(prev[:, None, :], b[j_c])
        new_out = np.where(last, 0.0, _dist(a[:, None, :], a[nxt_c]))
        gain = d_in[:, None] + d_out - new_in - new_out
        gain[~valid | blocked] = 0.0
        k = gain.argmax(axis=1)
        g = gain[np.arange(n), k]
        cand = np.nonzero(g > 1e-9)[0]
        if len(cand) == 0:
            break
        cand = cand[np.argsort(-g[cand], kind="stable")]
        used = np.zeros(n + 2, dtype=bool)  # positions -1..n shifted by one
        for i in cand.tolist():
            j = i + int(k[i])
            if used[i:j + 3].any():
                continue
            used[i:j + 3] = True
            a[i:j + 1], b[i:j + 1] = b[i:j + 1][::-1].copy(), a[i:j + 1][::-1].copy()
            perm[i:j + 1] = perm[i:j + 1][::-1].copy()
            flip[i:j + 1] = ~flip[i:j + 1][::-1]
    return [paths[p].reversed() if f else paths[p]
            for p, f in zip(perm.tolist(), flip.tolist(), strict=True)]


def order_paths(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0),
                optimise: bool = True, window: int = 48) -> list[Polyline]:
    """The shortest of: the given order, nearest neighbour, nearest neighbour + 2-opt."""
    given = list(paths)
    if len(given) < 2 or not optimise:
        return given
    nn = nearest_neighbour(given, origin=origin)
    best = two_opt(nn, origin=origin, window=window)
    candidates = [given, nn, best]
    costs = [travel_length(c, origin=origin) for c in candidates]
    return candidates[int(np.argmin(costs))]


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
