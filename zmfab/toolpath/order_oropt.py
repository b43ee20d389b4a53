"""Tour moves: Or-opt on a linked tour, every candidate move of a round scored at once in NumPy.

A move takes a run of up to :data:`MAX_RUN` consecutive polylines out of the tour and puts it
back just before or after one of its first polyline's (or last polyline's) nearest neighbours,
turned round where every polyline in it may be, or (a single closed polyline) re-entered at the
vertex that found the neighbour. Each round scores every such move of every queued polyline,
keeps each polyline's best, and applies them best first, skipping any that touches a polyline
an earlier move of the round touched: a move's gain depends only on the travels at the
polylines it touches, so a move that shares none with those applied before it still gains
exactly what it was scored at. The polylines next to a changed travel, and those whose move was
skipped, are queued for the next round.

Two moves reach further than the neighbour lists: :func:`reinsert` tries a few polylines at
every place in the tour, :func:`rearrange` cuts the tour at its longest travels and puts the
pieces back in the best order and directions.

Tours are as in :mod:`.order_search`: ``order``, ``flip`` and ``entry`` lists.
"""

from __future__ import annotations

import numpy as np

from .order_plan import Plan, dist
from .order_rings import ring_vertices, tour_ends

#: Or-opt moves runs of up to this many consecutive polylines.
MAX_RUN = 3
#: A round that would pass the budget scores up to this many times as many polylines as the
#: budget covers at the most candidates each, then keeps the first ones the budget covers at
#: their real counts (a round's cost is mostly fixed: one with a few polylines more costs the same).
SCORE_AHEAD = 4
#: A move must gain more than this (mm).
EPS = 1e-9


def or_opt(plan: Plan, origin: tuple[float, float], order: list[int], flip: list[bool],
           entry: list[int], neigh: tuple[np.ndarray, np.ndarray] | None, work: int,
           first: list[int] | None = None) -> tuple[list[int], int]:
    """Move runs of polylines next to their neighbours wherever that shortens the travel (see
    the module docstring). ``neigh``: (other, vertex) (n, k) arrays from
    :func:`.order_search.neighbour_lists` (-1: none). ``first``: the polylines queued first
    (default all). ``work``: candidate moves to score at most (a round that would pass it
    scores the first queued polylines only). ``flip`` and ``entry`` are updated in place;
    returns (order, work left)."""
    n = plan.n
    if n < 3 or neigh is None or not order:
        return order, work
    other, vert = neigh
    can_turn = plan.flippable | plan.closed
    a, b = tour_ends(plan, order, flip, entry)
    inn = np.zeros((n + 1, 2))  # where each polyline is entered / left; node n is the origin
    out = np.zeros((n + 1, 2))
    o = np.asarray(order, dtype=np.int64)
    inn[o], out[o] = a, b
    out[n] = origin
    nxt = np.full(n + 1, -1, dtype=np.int64)
    prv = np.full(n + 1, -1, dtype=np.int64)
    chain = np.concatenate([[n], o])
    nxt[chain[:-1]] = chain[1:]
    prv[chain[1:]] = chain[:-1]
    entry_a = np.asarray(entry, dtype=np.int64)
    queued = np.zeros(n, dtype=bool)
    queued[o if first is None else np.asarray(first, dtype=np.int64)] = True
    k = other.shape[1]
    per_item = 2 * k * (1 + 2 * (MAX_RUN - 1))  # candidates scored per queued polyline, at most
    while work > 0:
        us = np.nonzero(queued)[0]
        if not len(us):
            break
        if len(us) * per_item > work:
            us = us[: max(1, SCORE_AHEAD * work // per_item)]
        queued[us] = False
        moves = _score(plan, us, prv, nxt, inn, out, other, vert, can_turn, entry_a)
        if moves is None:
            continue
        lane, gain, run, t, kind, v, scored = moves
        if scored > work:
            # past the budget: the first queued polylines whose candidates it covers (at least
            # one); the others stay queued
            upto = np.cumsum(np.bincount(lane, minlength=len(us)))
            keep = max(1, int(np.searchsorted(upto, work, side="right")))
            queued[us[keep:]] = True
            sel = lane < keep
            lane, gain, run, t, kind, v = (x[sel] for x in (lane, gain, run, t, kind, v))
            scored = len(lane)
        work -= scored
        # each polyline's best move (ties: the shortest run, then the first candidate)
        o2 = np.lexsort((np.arange(len(gain)), -gain, lane))
        head = np.ones(len(o2), dtype=bool)
        head[1:] = lane[o2][1:] != lane[o2][:-1]
        top = o2[head]
        top = top[gain[top] > EPS]
        if not len(top):
            continue
        best = np.stack([run[top], t[top], kind[top], np.where(kind[top] == 2, v[top], -1)],
                        axis=1)
        found = np.argsort(-gain[top], kind="stable")
        _apply(plan, found, us[lane[top]], best, nxt, prv, inn, out, flip, entry, entry_a,
               queued)
    res = []
    x = int(nxt[n])
    while x >= 0:
        res.append(x)
        x = int(nxt[x])
    return res, work


def _score(plan: Plan, us: np.ndarray, prv: np.ndarray, nxt: np.ndarray, inn: np.ndarray,
           out: np.ndarray, other: np.ndarray, vert: np.ndarray, can_turn: np.ndarray,
           entry_a: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """Every candidate move of the runs starting at ``us``, all run lengths at once: (lane into
    ``us``, gain, run length, target, kind (0 forwards, 1 backwards, 2 re-entered), vertex,
    candidates scored), or None when there are none. A run of ``r`` goes just after target
    ``t`` (a neighbour of its first polyline, or of its last when ``r`` > 1, or the one before
    such a neighbour)."""
    m_us = len(us)
    k = other.shape[1]
    # slots: (run length r, lane) for r = 1 .. MAX_RUN; w the run's last polyline
    lane_s = np.tile(np.arange(m_us), MAX_RUN)
    run_s = np.repeat(np.arange(1, MAX_RUN + 1), m_us)
    u_s = us[lane_s]
    ws = [us]
    for _ in range(MAX_RUN - 1):
        ws.append(np.where(ws[-1] >= 0, nxt[np.maximum(ws[-1], 0)], -1))
    segs = np.stack(ws)  # (MAX_RUN, m_us): the run's polylines, -1 past the tour's end
    w_s = segs[run_s - 1, lane_s]
    live = w_s >= 0
    wc = np.maximum(w_s, 0)
    turn_s = np.ones(len(lane_s), dtype=bool)
    for r in range(MAX_RUN):
        turn_s &= (r >= run_s) | can_turn[np.maximum(segs[r, lane_s], 0)]
    p0 = prv[u_s]
    q0 = np.where(live, nxt[wc], -1)
    has_q0 = q0 >= 0
    q0c = np.maximum(q0, 0)
    po, ui, wo = out[p0], inn[u_s], out[wc]
    gain_out = dist(po, ui) + np.where(has_q0, dist(wo, inn[q0c]) - dist(po, inn[q0c]), 0.0)
    # neighbours: of u for every run, of w too for longer runs (vertices only for u)
    ms = np.hstack([other[u_s], np.where((run_s > 1)[:, None], other[wc], -1)])
    vs = np.hstack([vert[u_s], np.full((len(lane_s), k), -1, dtype=np.int64)])
    slot = np.repeat(np.arange(len(lane_s)), 4 * k)
    m = np.repeat(ms.ravel(), 2)
    v = np.repeat(vs.ravel(), 2)
    t = np.where(np.arange(len(m)) % 2 == 0, m, prv[np.maximum(m, 0)])
    ok = (m >= 0) & live[slot] & (t != p0[slot]) & (t != w_s[slot])
    for r in range(MAX_RUN):
        sr = segs[r, lane_s][slot]
        in_run = (r < run_s[slot]) & (sr >= 0)
        ok &= ~(in_run & ((m == sr) | (t == sr)))
    slot, t, v = slot[ok], t[ok], v[ok]
    if not len(t):
        return None
    q = nxt[t]
    has_q = q >= 0
    qi = inn[np.maximum(q, 0)]
    to = out[t]
    base = np.where(has_q, dist(to, qi), 0.0)
    uis, wls = ui[slot], wo[slot]
    cost = dist(to, uis) + np.where(has_q, dist(wls, qi), 0.0) - base
    kind = np.zeros(len(t), dtype=np.int64)
    single_ring = plan.closed[u_s[slot]] & (run_s[slot] == 1)
    back_ok = turn_s[slot] & ~single_ring
    if back_ok.any():
        bk = dist(to, wls) + np.where(has_q, dist(uis, qi), 0.0) - base
        better = back_ok & (bk < cost)
        cost = np.where(better, bk, cost)
        kind[better] = 1
    ring_ok = single_ring & (v >= 0) & (v != entry_a[u_s[slot]])
    if ring_ok.any():
        pv = np.zeros((len(t), 2))
        pv[ring_ok] = ring_vertices(plan, u_s[slot][ring_ok], v[ring_ok])
        rc = dist(to, pv) + np.where(has_q, dist(pv, qi), 0.0) - base
        better = ring_ok & (rc < cost)
        cost = np.where(better, rc, cost)
        kind[better] = 2
    return lane_s[slot], gain_out[slot] - cost, run_s[slot], t, kind, v, len(t)


def _apply(plan: Plan, found: np.ndarray, us: np.ndarray, best: np.ndarray, nxt: np.ndarray,
           prv: np.ndarray, inn: np.ndarray, out: np.ndarray, flip: list[bool],
           entry: list[int], entry_a: np.ndarray, queued: np.ndarray) -> None:
    """Apply the moves ``found`` (best first) that touch no polyline touched before them this
    round; queue the polylines next to changed travels and those whose move was skipped."""
    n = len(queued)
    nl, pl = nxt.tolist(), prv.tolist()
    touched: set[int] = set()
    for j in found.tolist():
        u = int(us[j])
        run, t, kind, v = best[j].tolist()
        sg = [u]
        for _ in range(run - 1):
            sg.append(nl[sg[-1]])
        p0, q0, q = pl[u], nl[sg[-1]], nl[t]
        nodes = {p0, q0, t, q, *sg}
        nodes.discard(-1)
        if nodes & touched:
            queued[u] = True
            continue
        touched |= nodes
        nl[p0] = q0
        if q0 >= 0:
            pl[q0] = p0
        if kind == 1:
            sg = sg[::-1]
            for s in sg:
                if not plan.closed[s]:
                    flip[s] = not flip[s]
                    inn[s], out[s] = out[s].copy(), inn[s].copy()
        elif kind == 2:
            inn[u] = out[u] = plan.rings[u][v]
            entry[u] = v
            entry_a[u] = v
        q = nl[t]
        nl[t] = sg[0]
        pl[sg[0]] = t
        for x, y in zip(sg[:-1], sg[1:], strict=True):
            nl[x] = y
            pl[y] = x
        nl[sg[-1]] = q
        if q >= 0:
            pl[q] = sg[-1]
        for s in (p0, q0, t, q, sg[0], sg[-1]):
            if 0 <= s < n:
                queued[s] = True
    nxt[:] = nl
    prv[:] = pl


def reinsert(plan: Plan, origin: tuple[float, float], order: list[int], flip: list[bool],
             entry: list[int], items: list[int]) -> list[int]:
    """Move each of ``items`` in turn (as it now lies: a closed polyline keeps its entry) to the
    place anywhere in the tour, either way round where it may be turned, that makes the travel
    shortest, if that shortens it: the moves Or-opt's neighbour lists miss, e.g. a short
    stroke whose nearest neighbours are rows of one band while the cheap place for it is
    between two rows of another. ``flip`` is updated in place; returns the new order."""
    n = len(order)
    if n < 3 or not items:
        return order
    o = np.asarray(order, dtype=np.int64)
    a, b = tour_ends(plan, order, flip, entry)
    # gap g lies before position g (g = n: after the last): the exit before it and the entry
    # after it (the origin before the first; none after the last)
    p = np.vstack([np.asarray(origin, dtype=float)[None, :], b])
    q = np.vstack([a, np.zeros((1, 2))])
    hop = dist(p, q)
    hop[n] = 0.0
    pos = np.empty(plan.n, dtype=np.int64)
    pos[o] = np.arange(n)
    last = np.zeros(n + 1, dtype=bool)
    last[n] = True
    for u in items:
        i = int(pos[u])
        ui, uo = a[i], b[i]
        closing = 0.0 if i + 1 == n else float(dist(p[i], q[i + 1]))
        gain_out = hop[i] + hop[i + 1] - closing  # taking u out joins gaps i and i + 1
        fwd = dist(p, ui) + np.where(last, 0.0, dist(uo, q)) - hop
        fwd[i] = fwd[i + 1] = np.inf  # (the gaps next to u: put back in place is no move)
        g = int(np.argmin(fwd))
        best, back = float(fwd[g]), False
        if plan.flippable[u]:
            bk = dist(p, uo) + np.where(last, 0.0, dist(ui, q)) - hop
            bk[i] = bk[i + 1] = np.inf
            gb = int(np.argmin(bk))
            if bk[gb] < best:
                g, best, back = gb, float(bk[gb]), True
            here = float(dist(p[i], uo)) + (0.0 if i + 1 == n else float(dist(ui, q[i + 1])))
            if here - closing < best:  # turned round where it is
                g, best, back = i, here - closing, True
        if gain_out - best <= EPS:
            continue
        if back:
            flip[u] = not flip[u]
            ui, uo = uo.copy(), ui.copy()
        at = g if g <= i else g - 1  # its position once taken out
        o = np.insert(np.delete(o, i), at, u)
        a = np.insert(np.delete(a, i, axis=0), at, ui, axis=0)
        b = np.insert(np.delete(b, i, axis=0), at, uo, axis=0)
        p[1:] = b
        q[:-1] = a
        hop = dist(p, q)
        hop[n] = 0.0
        pos[o] = np.arange(n)
    return o.tolist()


def rearrange(plan: Plan, origin: tuple[float, float], order: list[int], flip: list[bool],
              entry: list[int], cuts: int) -> list[int]:
    """Cut the tour at its ``cuts`` longest travels and put the pieces back in the order and
    the directions (a piece turns round when every polyline in it may) that make the travels
    joining them, the hop from ``origin`` included, shortest; every arrangement is scored. A
    tour that sweeps a comb's lower row out and back and then jumps to an upper row it passed
    at the start is mended in one move (the pieces keep their own travels: no other move here
    changes them, so local search cannot). ``flip`` is updated in place; the new order."""
    from itertools import permutations

    n = len(order)
    cuts = min(cuts, n - 1)
    if cuts < 1:
        return order
    a, b = tour_ends(plan, order, flip, entry)
    hops = dist(a[1:], b[:-1])
    at = np.sort(np.argsort(-hops, kind="stable")[:cuts])  # piece ends (a cut after each)
    bounds = np.concatenate([[0], at + 1, [n]])
    o = np.asarray(order, dtype=np.int64)
    turn = (plan.flippable | plan.closed)[o]
    pieces = len(bounds) - 1
    first, last = bounds[:-1], bounds[1:] - 1
    can = np.array([bool(turn[s:e + 1].all()) for s, e in zip(first, last, strict=True)])
    # each piece's two ways: entered at its first polyline (exit its last) or turned round
    ent = np.stack([a[first], b[last]])  # (way, piece, 2)
    ext = np.stack([b[last], a[first]])
    perms = np.array(list(permutations(range(pieces))), dtype=np.int64)  # (P, pieces)
    ways = (np.arange(2 ** pieces)[:, None] >> np.arange(pieces)[None, :]) & 1  # (W, pieces)
    ways = ways[~(ways.astype(bool) & ~can[None, :]).any(axis=1)]
    # cost of (perm, ways): origin -> first entry, then exit of each -> entry of the next, read
    # from the hops between every piece's end and every other's start (node: way x pieces + piece)
    pw = ways[:, perms].transpose(1, 0, 2)  # (P, W, pieces): the way of each placed piece
    node = pw * pieces + perms[:, None, :]
    starts, stops = ent.reshape(-1, 2), ext.reshape(-1, 2)
    hop = dist(stops[:, None, :], starts[None, :, :])  # (2 pieces, 2 pieces): exit -> entry
    cost = dist(starts, np.asarray(origin, dtype=float))[node[:, :, 0]] + \
        hop[node[:, :, :-1], node[:, :, 1:]].sum(axis=2)
    now = float(cost[0, 0])  # the identity arrangement, every piece as it is
    k = int(np.argmin(cost))
    if float(cost.ravel()[k]) >= now - EPS:
        return order
    pi, wi = divmod(k, cost.shape[1])
    out: list[int] = []
    for piece, back in zip(perms[pi].tolist(), pw[pi, wi].tolist(), strict=True):
        part = o[first[piece]:last[piece] + 1].tolist()
        if back:
            part = part[::-1]
            for s in part:
                if not plan.closed[s]:
                    flip[s] = not flip[s]
        out += part
    return out
