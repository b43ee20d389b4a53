"""Spatial indexes of entry points for the greedy travel order: SciPy's KD-tree when installed,
else a uniform grid. Both answer "the live point nearest q" and forget a polyline's points once
it is drawn."""

from __future__ import annotations

import math

import numpy as np

#: :meth:`Tree.nearest` first asks for this many nearest points (a closed polyline just drawn
#: has 16 dead ones round the tool), then eight times as many while all are dead.
FIRST_K = 48
#: Up to this many entry points, :class:`Brute` (plain NumPy distances) beats a KD-tree.
BRUTE_MAX = 256
#: :meth:`Brute.query` computes all distances up to this many (query, point) pairs.
BRUTE_QUERY = 20_000


def has_scipy() -> bool:
    """Whether SciPy's KD-tree is available (the ``sim``, ``test`` and ``bench`` extras)."""
    try:
        import scipy.spatial  # noqa: F401
    except ImportError:
        return False
    return True


class Grid:
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

    def remove_owner(self, o: int, count: int = 0) -> None:
        """Forget the points of polyline ``o`` (``count`` of them)."""
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


class Tree:
    """Entry points in SciPy's KD-tree; used points are skipped, and dropped by a rebuild once
    they are a quarter of those in the tree."""

    def __init__(self, pts: np.ndarray, owner: np.ndarray) -> None:
        from scipy.spatial import cKDTree

        self._kd = cKDTree
        self.pts, self.owner = pts, owner
        self._used = [False] * (int(owner.max()) + 1)  # per polyline: drawn
        self._build(np.arange(len(pts)))

    def _build(self, keep: np.ndarray) -> None:
        self.keep = keep
        self.keep_owner = self.owner[keep]
        self._keep_l, self._owner_l = keep.tolist(), self.keep_owner.tolist()
        self.tree = self._kd(self.pts[keep])
        self.dead = 0

    def query(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` points nearest each of ``q`` (m, 2) in the tree as last built (before any
        removal: all of them): (distances, indices) (m, k)."""
        d, idx = self.tree.query(q, k=k)
        return (np.asarray(d).reshape(len(q), k),
                self.keep[np.asarray(idx).reshape(len(q), k)])

    def nearest(self, q: np.ndarray) -> int:
        """Index of the live point nearest ``q`` (-1 when none are left)."""
        if self.dead * 4 > len(self.keep) and len(self.keep) > 64:
            live = self.keep[~np.array(self._used)[self.keep_owner]]
            if len(live):
                self._build(live)
        n = len(self._owner_l)
        used, owner, keep = self._used, self._owner_l, self._keep_l
        k = FIRST_K
        while True:
            kk = min(k, n)
            _, idx = self.tree.query(q, k=kk)
            for j in np.atleast_1d(idx).tolist():  # nearest first; n: past the last point
                if j < n and not used[owner[j]]:
                    return keep[j]
            if kk >= n:
                return -1
            k *= 8

    def remove_owner(self, o: int, count: int) -> None:
        """Forget the ``count`` points of polyline ``o``."""
        self._used[o] = True
        self.dead += count  # dropped by the next :meth:`nearest` once a quarter are dead


class Brute:
    """Few entry points: every distance at once; points die when their polyline is used."""

    def __init__(self, pts: np.ndarray, owner: np.ndarray) -> None:
        self.pts, self.owner = pts, owner
        self.dead = np.zeros(len(pts))  # 0 live, inf dead: added to the squared distances
        self._tree = None

    def nearest(self, q: np.ndarray) -> int:
        """Index of the live point nearest ``q`` (-1 when none are left)."""
        d = (self.pts[:, 0] - q[0]) ** 2 + (self.pts[:, 1] - q[1]) ** 2 + self.dead
        k = int(d.argmin())
        return -1 if d[k] == np.inf else k

    def remove_owner(self, o: int, count: int = 0) -> None:
        """Forget the points of polyline ``o``."""
        self.dead[self.owner == o] = np.inf

    def query(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` points nearest each of ``q`` (m, 2), dead or alive: (distances,
        indices) (m, k), nearest first (SciPy's KD-tree when installed and the queries are many:
        it is quicker then; else all distances, ties by index)."""
        k = min(k, len(self.pts))
        if len(q) * len(self.pts) > BRUTE_QUERY and has_scipy():
            from scipy.spatial import cKDTree

            if self._tree is None:
                self._tree = cKDTree(self.pts)
            d, idx = self._tree.query(q, k=k)
            return np.asarray(d).reshape(len(q), k), np.asarray(idx).reshape(len(q), k)
        d = (q[:, None, 0] - self.pts[None, :, 0]) ** 2 + (q[:, None, 1] - self.pts[None, :, 1]) ** 2
        idx = np.argpartition(d, k - 1, axis=1)[:, :k] if k < len(self.pts) else \
            np.broadcast_to(np.arange(k), d.shape).copy()
        dk = np.take_along_axis(d, idx, axis=1)
        o = np.lexsort((idx, dk), axis=1)  # nearest first, ties by index
        idx = np.take_along_axis(idx, o, axis=1)
        return np.sqrt(np.take_along_axis(dk, o, axis=1)), idx
