"""Searches over a :class:`~.order_plan.Plan`: the greedy construction, the neighbour lists
Or-opt (:mod:`.order_oropt`) moves polylines along, and choosing each closed polyline's entry
vertex.

A tour is ``order`` (polyline indices, first drawn first), ``flip`` (per polyline: drawn
backwards; open reversible ones only) and ``entry`` (per polyline: the vertex a closed one is
entered at, else -1). The tool starts at ``origin``; there is no travel back.

Every search counts its work (candidate moves scored) against a budget, never the clock, so the
same input always gives the same order.
"""

from __future__ import annotations

import math

import numpy as np

from .order_index import BRUTE_MAX, Brute, Grid, Tree, has_scipy
from .order_plan import Plan, nearest_vertex
from .order_rings import reenter, tour_ends

__all__ = ["greedy", "neighbour_lists", "port_index", "port_neighbours", "reenter",
           "tour_ends", "tour_travel"]

#: Nearest ports looked up at once for every port (the greedy step's first candidates and the
#: source of the Or-opt neighbour lists).
NEAR_PORTS = 8
#: Or-opt tries moving each polyline next to this many of its nearest others.
NEIGHBOURS = 6


def port_neighbours(plan: Plan, *, kd: bool | None = None) -> tuple[object, np.ndarray | None]:
    """(index over the entry ports, (m, k) the ports nearest each port's exit or None when no
    KD-tree is available and the ports are more than :data:`~.order_index.BRUTE_MAX`). An open
    polyline's start port exits at its end and the other way round; a closed polyline's port
    exits where it entered. ``kd``: use SciPy's KD-tree
    (default: when installed)."""
    pts, owner = plan.ports, plan.port_owner
    kd = has_scipy() if kd is None else kd
    brute = len(pts) <= BRUTE_MAX
    index = port_index(plan, kd=kd)
    if not (kd or brute) or len(pts) < 2:
        return index, None
    code = plan.port_code
    exits = pts.copy()
    exits[code == -1] = plan.ends[owner[code == -1]]
    exits[code == -2] = plan.starts[owner[code == -2]]
    if plan.alt_starts is not None:
        exits[code == -3] = plan.alt_ends[owner[code == -3]]
        exits[code == -4] = plan.alt_starts[owner[code == -4]]
    k = min(NEAR_PORTS, len(pts))
    ring = code >= 0
    if brute:
        # few ports: every distance is computed anyway, so one query for all of them, deep
        # enough to look past the most crowded contour's own ports
        c = int(np.bincount(owner[ring]).max()) if ring.any() else 0
        _, far = index.query(exits, min(k + c, len(pts)))
        return index, _others(far, owner, owner, ring, k)
    idx = np.empty((len(pts), k), dtype=np.int64)
    if not ring.all():
        _, idx[~ring] = index.query(exits[~ring], k)
    if ring.any():
        # a closed polyline's own ports crowd its nearest: look past them (one query per
        # number of own ports, so that small rings with one or two ports ask for few)
        own_count = np.bincount(owner, minlength=plan.n)[owner]
        for c in np.unique(own_count[ring]).tolist():
            sel = np.nonzero(ring & (own_count == c))[0]
            _, far = index.query(exits[sel], min(k + c, len(pts)))
            idx[sel] = _others(far, owner, owner[sel], np.ones(len(sel), dtype=bool), k)
    return index, idx


def _others(far: np.ndarray, owner: np.ndarray, row_owner: np.ndarray, ring: np.ndarray,
            k: int) -> np.ndarray:
    """The first ``k`` of each row of ports ``far`` (nearest first), a closed polyline's
    (``ring``) own ports skipped: its nearest ports of other polylines, in order, padded with
    the first of them. ``owner``: each port's polyline, ``row_owner``: each row's."""
    if far.shape[1] == k:
        return far
    own = ring[:, None] & (owner[far] == row_owner[:, None])
    keep = np.argsort(own, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(far, keep, axis=1)


def port_index(plan: Plan, *, kd: bool):
    """A fresh index over the entry ports (all live): :class:`Brute` up to
    :data:`~.order_index.BRUTE_MAX` ports, else a KD-tree (``kd``) or a grid."""
    pts, owner = plan.ports, plan.port_owner
    if len(pts) <= BRUTE_MAX:
        return Brute(pts, owner)
    return Tree(pts, owner) if kd else Grid(pts, owner)


def greedy(plan: Plan, origin: tuple[float, float], index, near: np.ndarray | None,
           ring_near: bool = False) -> tuple[list[int], list[bool], list[int]]:
    """Nearest neighbour from ``origin``: always go to the nearest free port; a closed polyline
    is then entered at its vertex nearest the tool. ``ring_near``: after a closed polyline go
    to the free port nearest the port that reached it (as when every item is closed) rather
    than the exact nearest to the vertex left. Returns (order, flip, entry)."""
    n = plan.n
    owner_l, code_l = plan.port_owner.tolist(), plan.port_code.tolist()
    counts = np.bincount(plan.port_owner, minlength=n).tolist()
    # the ports nearest where the tool leaves: exact for open items; a closed one is left at
    # its vertex nearest the port it was reached by, within the ports' spacing of that port
    near_l = near.tolist() if near is not None else None
    # (by default only when all items are closed: a mix keeps the exact nearest, which orders
    # the contours among a fill's hatch bands better)
    ring_near = ring_near or bool((plan.port_code >= 0).all())
    px, py = plan.ports[:, 0].tolist(), plan.ports[:, 1].tolist()
    # how far each port's list reaches: every port of another polyline nearer than that is in
    # it, so a vertex v near port k has its nearest free port among k's list when that port
    # lies nearer v than the list's reach less |kv| (the exact nearest without the index)
    reach = (np.hypot(*(plan.ports - plan.ports[near[:, -1]]).T).tolist()
             if near is not None and not ring_near else None)
    hyp = math.hypot
    starts, stops = plan.starts.tolist(), plan.ends.tolist()
    used = [False] * n  # per polyline: drawn
    here = (float(origin[0]), float(origin[1]))
    order: list[int] = []
    flip = [False] * n
    entry = [-1] * n
    last = -1
    while True:
        k = -1
        if near_l is not None and last >= 0 and (code_l[last] < 0 or ring_near):
            for j in near_l[last]:
                if not used[owner_l[j]]:
                    k = j
                    break
        elif reach is not None and last >= 0:
            best = math.inf
            for j in near_l[last]:
                if not used[owner_l[j]]:
                    d = hyp(px[j] - here[0], py[j] - here[1])
                    if d < best:
                        k, best = j, d
            if k >= 0 and hyp(px[last] - here[0], py[last] - here[1]) + best >= reach[last]:
                k = -1  # a port outside the list might be nearer: ask the index
        if k < 0:
            k = index.nearest(np.asarray(here))
            if k < 0:
                break
        i, c = owner_l[k], code_l[k]
        order.append(i)
        if c in (-3, -4):  # the second way of drawing it
            plan.starts[i], plan.ends[i] = plan.alt_starts[i], plan.alt_ends[i]
            plan.alt_used[i] = True
            starts[i], stops[i] = plan.starts[i].tolist(), plan.ends[i].tolist()
            c += 2
        if c == -1:
            here = (stops[i][0], stops[i][1])
        elif c == -2:
            flip[i] = True
            here = (starts[i][0], starts[i][1])
        else:
            ring = plan.rings[i]
            v = nearest_vertex(ring, here)
            entry[i] = v
            here = (float(ring[v, 0]), float(ring[v, 1]))
        index.remove_owner(i, counts[i])
        used[i] = True
        last = k
    return order, flip, entry


def neighbour_lists(plan: Plan, near: np.ndarray | None
                    ) -> tuple[np.ndarray, np.ndarray] | None:
    """For each polyline, up to :data:`NEIGHBOURS` others with a port near one of its ports,
    nearest first: (other, vertex) (n, :data:`NEIGHBOURS`) arrays, vertex the one of this
    polyline (if closed) whose port found the other, else -1; -1 pads both. Kept on the plan
    for the same ``near``: the searches of one plan share them."""
    if near is None:
        return None
    kept = getattr(plan, "_neighbours", None)
    if kept is not None and kept[0] is near:
        return kept[1]
    out = _neighbour_lists(plan, near)
    plan._neighbours = (near, out)  # type: ignore[attr-defined]
    return out


def _neighbour_lists(plan: Plan, near: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m, k = near.shape
    owner, code = plan.port_owner, plan.port_code
    u = np.repeat(owner, k)
    vert = np.repeat(np.where(code >= 0, code, -1), k)
    j = near.ravel()
    other = owner[j]
    d = np.hypot(*(plan.ports[np.repeat(np.arange(m), k)] - plan.ports[j]).T)
    keep = other != u
    u, vert, other, d = u[keep], vert[keep], other[keep], d[keep]
    n = plan.n
    o = _sort_by(u * n + other, d)  # by polyline, other, distance
    u, vert, other, d = u[o], vert[o], other[o], d[o]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (other[1:] != other[:-1])
    u, vert, other, d = u[first], vert[first], other[first], d[first]
    o = _sort_by(u, d)
    u, vert, other = u[o], vert[o], other[o]
    # the first NEIGHBOURS of each polyline's run
    starts = np.searchsorted(u, np.arange(n))
    rank = np.arange(len(u)) - starts[u]
    keep = rank < NEIGHBOURS
    u, vert, other = u[keep], vert[keep], other[keep]
    rank = rank[keep]
    others = np.full((n, NEIGHBOURS), -1, dtype=np.int64)
    verts = np.full((n, NEIGHBOURS), -1, dtype=np.int64)
    others[u, rank] = other
    verts[u, rank] = vert
    return others, verts


def _sort_by(key: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Indices sorting by integer ``key``, then ``d``, then index (as ``np.lexsort((d, key))``,
    with two stable sorts: several times quicker)."""
    o = np.argsort(d, kind="stable")
    return o[np.argsort(key[o], kind="stable")]


def tour_travel(plan: Plan, origin: tuple[float, float] | None, order: list[int],
                flip: list[bool], entry: list[int]) -> float:
    """Travel of the tour (from ``origin`` when given), mm."""
    if not order:
        return 0.0
    a, b = tour_ends(plan, order, flip, entry)
    hops = a[1:] - b[:-1]
    total = float(np.hypot(hops[:, 0], hops[:, 1]).sum())
    if origin is not None:
        total += math.hypot(a[0, 0] - origin[0], a[0, 1] - origin[1])
    return total

