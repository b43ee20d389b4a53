"""The closed polylines of a :class:`~.order_plan.Plan` as one table of vertices, so that the
entry vertices of many contours are found in a few NumPy calls: where a tour enters and leaves
each polyline, and :func:`reenter` (each contour entered at the vertex with the shortest hops in
and out, all contours at once).
"""

from __future__ import annotations

import numpy as np

from .order_plan import Plan, best_vertex_cost, norm

#: Up to this many contours at a time are re-entered one by one, and the vertices of a plan
#: with up to this many are looked up ring by ring (building the vertex table of a few huge
#: contours costs more than it saves).
FEW = 16


class RingTable:
    """All distinct vertices of the closed polylines of a plan, ring after ring: ``points``
    (v, 2) mm, ``offset[i]`` / ``size[i]`` the first row and count of polyline i (0 if open)."""

    def __init__(self, plan: Plan) -> None:
        n = plan.n
        self.size = np.zeros(n, dtype=np.int64)
        ids = np.nonzero(plan.closed)[0]
        rings = [plan.rings[i] for i in ids.tolist()]
        self.size[ids] = [len(r) for r in rings]
        self.offset = np.concatenate([[0], np.cumsum(self.size)[:-1]])
        self.points = np.concatenate(rings) if rings else np.zeros((0, 2))


def ring_table(plan: Plan) -> RingTable:
    """The :class:`RingTable` of ``plan`` (built once, kept on the plan)."""
    table = getattr(plan, "_ring_table", None)
    if table is None:
        table = RingTable(plan)
        plan._ring_table = table  # type: ignore[attr-defined]
    return table


def tour_ends(plan: Plan, order: list[int], flip: list[bool], entry: list[int]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Where each polyline of the tour is entered and left (two (n, 2) arrays, mm): its start
    and end (swapped if flipped), a closed contour's entry vertex for both."""
    o = np.asarray(order, dtype=np.int64)
    f = np.asarray(flip, dtype=bool)[o]
    a = np.where(f[:, None], plan.ends[o], plan.starts[o])
    b = np.where(f[:, None], plan.starts[o], plan.ends[o])
    k = np.nonzero(plan.closed[o])[0]
    if len(k):
        i = o[k]
        a[k] = b[k] = ring_vertices(plan, i, np.asarray(entry, dtype=np.int64)[i])
    return a, b


def ring_vertices(plan: Plan, items: np.ndarray, verts: np.ndarray) -> np.ndarray:
    """Vertex ``verts[j]`` of closed polyline ``items[j]`` (m, 2), mm: from the
    :class:`RingTable`, or ring by ring while the plan has no table and up to :data:`FEW`
    closed polylines (building the table of a few huge contours costs more than it saves)."""
    if getattr(plan, "_ring_table", None) is not None or int(plan.closed.sum()) > FEW:
        t = ring_table(plan)
        return t.points[t.offset[items] + verts]
    rings = plan.rings
    if len(items) <= 2 * FEW:
        return np.array([rings[i][v] for i, v in zip(items.tolist(), verts.tolist(), strict=True)]
                        ).reshape(-1, 2)
    out = np.empty((len(items), 2))
    head = np.flatnonzero(np.concatenate([[True], items[1:] != items[:-1]]))  # runs of one ring
    for s, e in zip(head.tolist(), np.append(head[1:], len(items)).tolist(), strict=True):
        out[s:e] = rings[int(items[s])][verts[s:e]]
    return out


def best_vertices(plan: Plan, items: np.ndarray, p: np.ndarray, q: np.ndarray,
                  around: np.ndarray) -> np.ndarray:
    """For each closed polyline ``items[j]``, the vertex minimising the hop from ``p[j]`` plus
    the hop on to ``q[j]`` (NaN: none): every ``sqrt(size)``-th vertex, then the vertices within
    that step of the best of them and of ``around[j]`` (as :func:`~.order_plan.best_vertex`)."""
    t = ring_table(plan)
    size = t.size[items]
    step = np.maximum(1, np.sqrt(size).astype(np.int64))
    step = np.where(step <= 2, 1, step)  # small rings: every vertex
    count = -(-size // step)
    ring = np.repeat(np.arange(len(items)), count)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    vert = (np.arange(int(count.sum())) - first[ring]) * step[ring]
    k = _argmin_by(ring, vert, _cost(t, items, ring, vert, p, q), len(items))
    # the vertices within a step of the best sample and of ``around``
    span = 2 * step + 1
    lanes = np.repeat(np.arange(len(items)), 2 * span)
    base = np.concatenate([[0], np.cumsum(2 * span)[:-1]])
    j = np.arange(int((2 * span).sum())) - base[lanes]
    centre = np.where(j < span[lanes], k[lanes], around[lanes])
    vert = (centre + (j % span[lanes]) - step[lanes]) % size[lanes]
    return _argmin_by(lanes, vert, _cost(t, items, lanes, vert, p, q), len(items))


def _cost(t: RingTable, items: np.ndarray, lane: np.ndarray, vert: np.ndarray, p: np.ndarray,
          q: np.ndarray) -> np.ndarray:
    return _through(t.points[t.offset[items[lane]] + vert], p[lane], q[lane])


def _through(pts: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The hop from each ``p`` to its point of ``pts`` plus the hop on to its ``q`` (NaN:
    none), mm."""
    c = norm(pts[:, 0] - p[:, 0], pts[:, 1] - p[:, 1])
    out = norm(pts[:, 0] - q[:, 0], pts[:, 1] - q[:, 1])
    return c + np.where(np.isnan(out), 0.0, out)


def _argmin_by(lane: np.ndarray, vert: np.ndarray, cost: np.ndarray, m: int) -> np.ndarray:
    """Per lane the ``vert`` of least ``cost`` (ties: the first); ``lane`` runs in contiguous
    blocks (as ``np.repeat`` of the lanes makes it)."""
    out = np.zeros(m, dtype=np.int64)
    if not len(lane):
        return out
    head = np.flatnonzero(np.concatenate([[True], lane[1:] != lane[:-1]]))
    low = np.minimum.reduceat(cost, head)
    at = np.flatnonzero(cost <= np.repeat(low, np.diff(np.append(head, len(cost)))))
    first = at[np.concatenate([[True], lane[at][1:] != lane[at][:-1]])]
    out[lane[first]] = vert[first]
    return out


def reenter(plan: Plan, origin: tuple[float, float], order: list[int], flip: list[bool],
            entry: list[int], sweeps: int = 1, upto: int | None = None) -> list[int]:
    """Enter each closed polyline (at the first ``upto`` places of the tour only, if given) at
    the vertex with the shortest hop in from the one before plus the hop out to the next
    (``entry`` updated in place); the polylines re-entered. The contours at even places in the
    tour move first, those at odd places next (so that no two neighbours move against each
    other's old entries)."""
    if not plan.closed.any() or not order:
        return []
    o = np.asarray(order, dtype=np.int64)
    n = len(o)
    pos = np.nonzero(plan.closed[o[:upto]])[0]
    org = np.asarray(origin, dtype=float)
    moved: list[int] = []
    for _ in range(sweeps):
        changed = False
        for parity in (0, 1):
            ks = pos[pos % 2 == parity]
            if not len(ks):
                continue
            a, b = tour_ends(plan, order, flip, entry)
            prev = np.where((ks > 0)[:, None], b[np.maximum(ks - 1, 0)], org[None, :])
            nxt = np.where((ks + 1 < n)[:, None], a[np.minimum(ks + 1, n - 1)], np.nan)
            old = _through(a[ks], prev, nxt)  # the hops in and out at the entries now
            low = norm(*(prev - nxt).T)
            # else already on the straight line from the one before on
            sel = np.nonzero(old > np.where(np.isnan(low), 0.0, low) + 1e-9)[0]
            if not len(sel):
                continue
            items, prev, nxt, old = o[ks][sel], prev[sel], nxt[sel], old[sel]
            if len(ks) <= FEW:
                done = _reenter_few(plan, items.tolist(), prev, nxt, old, entry)
            else:
                now = np.asarray(entry, dtype=np.int64)[items]
                v = best_vertices(plan, items, prev, nxt, now)
                new = _cost(ring_table(plan), items, np.arange(len(items)), v, prev, nxt)
                better = (v != now) & (new < old - 1e-12)
                done = items[better].tolist()
                for i, vi in zip(done, v[better].tolist(), strict=True):
                    entry[i] = vi
            moved += done
            changed = changed or bool(done)
        if not changed:
            break
    return moved


def _reenter_few(plan: Plan, items: list[int], prev: np.ndarray, nxt: np.ndarray,
                 old: np.ndarray, entry: list[int]) -> list[int]:
    """:func:`reenter`'s step on a few contours, one at a time (no vertex table), ``old`` the
    hops in and out at each one's entry now: those re-entered."""
    changed: list[int] = []
    for j, i in enumerate(items):
        p = (float(prev[j, 0]), float(prev[j, 1]))
        q = None if np.isnan(nxt[j, 0]) else (float(nxt[j, 0]), float(nxt[j, 1]))
        v, c = best_vertex_cost(plan.rings[i], p, q, around=entry[i])
        if v != entry[i] and c < old[j] - 1e-12:
            entry[i] = v
            changed.append(i)
    return changed
