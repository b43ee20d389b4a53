"""Lead chains: straight segments on one line whose lead ends meet, e.g. a fill's lines across
several rings of a concentric comb, each 2 mm overscan running out to where the next segment's
lead-in starts. Drawn one after the other they travel almost nothing, so the travel order takes
each chain as one straight item (from the first segment's start to the last one's end) and puts
its segments back in afterwards.

Only open, reversible two-point segments join chains; a link joins the end of one (lead-out
included) to the start of another running the same way, when each is the other's nearest and
they are closer than :data:`LINK` times the usual hop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .order_plan import Plan, assemble
from .path import Polyline

#: Ends closer than this times the median distance from an end to the nearest other start link.
LINK = 0.5
#: Segments count as parallel when their unit directions differ by less than this.
PARALLEL = 1e-6


def lead_chains(paths: Sequence[Polyline], plan: Plan) -> list[list[int]]:
    """Every polyline's index once, in chains of linked segments (see the module docstring),
    the others alone; in the order of their first members."""
    n = plan.n
    cand = np.array([bool(plan.flippable[i]) and len(p.points) == 2 for i, p in enumerate(paths)])
    idx = np.nonzero(cand)[0]
    if len(idx) < 2:
        return [[i] for i in range(n)]
    from .order_index import has_scipy

    if not has_scipy():
        return [[i] for i in range(n)]
    from scipy.spatial import cKDTree

    s, e = plan.starts[idx], plan.ends[idx]
    tree = cKDTree(s)
    d, j = tree.query(e, k=2)
    # the nearest start that is not the segment's own
    own = j[:, 0] == np.arange(len(idx))
    d1 = np.where(own, d[:, 1], d[:, 0])
    j1 = np.where(own, j[:, 1], j[:, 0])
    limit = LINK * float(np.median(d1))
    _, back = cKDTree(e).query(s, k=1)  # the nearest end to each start
    pts = np.array([paths[i].points for i in idx.tolist()])
    u = pts[:, 1] - pts[:, 0]
    u /= np.maximum(np.hypot(u[:, 0], u[:, 1]), 1e-300)[:, None]
    a = np.arange(len(idx))
    ok = ((d1 < limit) & (back[j1] == a) & (j1 != a)
          & (np.abs(u[a] - u[j1]).max(axis=1) < PARALLEL))
    nxt = np.full(n, -1)
    nxt[idx[ok]] = idx[j1[ok]]
    has_prev = np.zeros(n, dtype=bool)
    has_prev[nxt[nxt >= 0]] = True
    seen = np.zeros(n, dtype=bool)
    nxt_l = nxt.tolist()
    out: list[list[int]] = []
    for i in np.nonzero(~has_prev & (nxt >= 0))[0].tolist():
        chain = [i]
        while nxt_l[chain[-1]] >= 0:
            chain.append(nxt_l[chain[-1]])
        seen[chain] = True
        out.append(chain)
    # the rest alone (links round a loop have no head: those segments too)
    out += [[i] for i in np.nonzero(~seen)[0].tolist()]
    out.sort(key=lambda c: c[0])
    return out


def chain_items(paths: Sequence[Polyline], chains: list[list[int]]) -> list[Polyline]:
    """One polyline per chain: a lone polyline itself, a chain the straight segment from its
    first start to its last end, with their leads."""
    out = []
    for c in chains:
        if len(c) == 1:
            out.append(paths[c[0]])
        else:
            a, z = paths[c[0]], paths[c[-1]]
            out.append(Polyline(np.vstack([a.points[0], z.points[-1]]), lead_in=a.lead_in,
                                lead_out=z.lead_out))
    return out


def chain_plan(plan: Plan, chains: list[list[int]]) -> Plan:
    """The :class:`Plan` of :func:`chain_items` from ``plan``'s arrays (a chain runs from its
    first segment's start to its last one's end and may be drawn backwards)."""
    first = np.array([c[0] for c in chains])
    last = np.array([c[-1] for c in chains])
    single = first == last
    return assemble(plan.starts[first], plan.ends[last], plan.closed[first] & single,
                    np.where(single, plan.flippable[first], True),
                    [plan.rings[i] if s else None
                     for i, s in zip(first.tolist(), single.tolist(), strict=True)])


def expand_chains(chains: list[list[int]], n: int, order: list[int], flip: list[bool],
                  entry: list[int]) -> tuple[list[int], list[bool], list[int]]:
    """The tour over the polylines that a tour over :func:`chain_items` stands for (a chain
    drawn backwards runs its segments last first, each backwards)."""
    out: list[int] = []
    fl = [False] * n
    en = [-1] * n
    for k in order:
        c = chains[k]
        members = c[::-1] if flip[k] else c
        for i in members:
            out.append(i)
            fl[i] = flip[k]
        if len(c) == 1:
            en[c[0]] = entry[k]
    return out, fl, en
