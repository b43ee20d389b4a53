"""Travel ordering: greedy nearest neighbour over a spatial index, then local search.

Open polylines may be drawn either way unless their settings say ``reversible=False``; closed
ones are entered (and left) at any vertex and keep their direction. The greedy step goes, from
where the tool is, to the nearest free entry: an end of an open polyline or one of up to
:data:`~.order_plan.RING_SAMPLES` vertices sampled round a closed one, which is then entered at
its vertex nearest the tool (a KD-tree from SciPy when installed, the ``sim``/``test``/``bench``
extras, else a uniform grid, :mod:`.order_index`). The order is then improved by 2-opt (reversing
blocks of it, :mod:`.order_twoopt`) and Or-opt (moving runs of up to three polylines next to their
nearest neighbours, turned round where allowed, closed ones re-entered; :mod:`.order_oropt`),
and every closed polyline finally re-enters at the vertex with the shortest hops in and out.
Hatch bands (:mod:`.order_bands`) are ordered as zigzag items, segments whose overscan leads
meet (:mod:`.order_chains`) as one item where that leaves fewer items, and the order of the
polylines they stand for is then polished: the polylines next to the :data:`REINSERT` longest
travels each tried at every place in the tour (:func:`.order_oropt.reinsert`), then 2-opt and
Or-opt. Outside hatch bands the start depends on the plan (:func:`_outside_bands`): a big plan
with closed polylines is searched from where the greedy order ends, a smaller one from its
contours entered at their first vertex (with 2-opt blocks as long as the tour), a plan of open
polylines from the greedy order and from where it ends; a plan of fewer than
:data:`SECOND_START` items by 2-opt over every block alone (:func:`_few`). The finished tour is
cut at its
:data:`CUTS` longest travels and its pieces put back in the best order and directions
(:func:`.order_oropt.rearrange`).
Each search counts its work (about :data:`WORK_PER_PATH` candidate moves per polyline), never
the clock, so the result is deterministic; ``budget_s`` adds a wall-clock limit to the 2-opt.
The result is never longer than the order given.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from .order_bands import band_plan, bands, choose_zigzags, expand
from .order_chains import chain_items, chain_plan, expand_chains, lead_chains
from .order_index import has_scipy
from .order_oropt import or_opt, rearrange, reinsert
from .order_plan import Plan, ends, make_plan, reversible
from .order_search import (
    greedy,
    neighbour_lists,
    port_index,
    port_neighbours,
    reenter,
    tour_ends,
    tour_travel,
)
from .order_twoopt import block_neighbours, improve
from .path import Polyline

#: The improvement scores about this many candidate moves per polyline before it stops.
WORK_PER_PATH = 800
#: The 2-opt block length in :func:`order_paths`.
WINDOW = 32
#: 2-opt also tries the blocks joining each polyline to this many of its nearest.
BLOCK_NEAR = 8
#: Or-opt scores about this many candidate moves per polyline.
OR_WORK_PER_PATH = 10
#: Or-opt work per item when ordering hatch bands (few items: it can afford more).
TOP_OR = 200
#: Work per polyline when polishing the order drawn from hatch bands: 2-opt, Or-opt.
POLISH_2OPT, POLISH_OR = 200, 40
#: The 2-opt block length and nearest polylines joined when polishing: short blocks and the
#: two nearest entries are where the zigzags' gains lie (e.g. joining segments whose overscan
#: leads meet across the rings of a concentric fill); the work goes into more rounds of them.
POLISH_WINDOW, POLISH_NEAR = 4, 2
#: Plans of fewer items (outside hatch bands) are searched by 2-opt over every block, without
#: neighbour lists or Or-opt, from two starts if they have contours (see :func:`_few`).
SECOND_START = 32
#: Plans with closed polylines of up to this many items are searched from their first
#: vertices with 2-opt blocks as long as the tour, bigger ones from where the greedy order
#: ends (see :func:`_outside_bands`).
FULL_WINDOW_UP_TO = 512
#: The searches outside hatch bands start from greedy orders that leave a contour by the
#: ports nearest the port that reached it (see :func:`_outside_bands`).
RING_NEAR = True
#: The search from where the greedy order ends joins each polyline to this many nearest in
#: its 2-opt blocks (on the UV isolations of 80- and 120-finger combs, pieces rearranged, 2 to 4
#: travel 27-45 % less than 8 at two thirds of the time; 8 is 6 % shorter on a 50-finger comb).
FAR_NEAR = 2
#: When a search's tour is run from the origin rather than where it began, the first this
#: many polylines are re-entered and moved again.
RESTART = 8
#: The finished tour is cut at this many of its longest travels and its pieces put back in the
#: best order and directions (see :func:`.order_oropt.rearrange`).
CUTS = 4
#: Polishing looks first at the polylines next to travels this many times the median.
LONG_HOP = 2.0
#: ... and tries every place in the tour for those next to this many of the longest travels.
REINSERT = 64


def _ends(paths: Sequence[Polyline]) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) (n, 2) mm of every polyline, lead-in/out included."""
    return ends(paths)


def _travel(paths: Sequence[Polyline], origin: tuple[float, float]) -> float:
    """:func:`travel_length` from ``origin``, all hops at once, mm."""
    if not paths:
        return 0.0
    a, b = _ends(paths)
    hops = a - np.vstack([np.asarray(origin, dtype=float)[None, :], b[:-1]])
    return float(np.hypot(hops[:, 0], hops[:, 1]).sum())


def _build(paths: Sequence[Polyline], plan: Plan, order: list[int], flip: list[bool],
           entry: list[int]) -> list[Polyline]:
    """The polylines of a tour, turned round or re-entered as it says."""
    out = []
    closed = plan.closed.tolist()
    for i in order:
        p = paths[i]
        if closed[i]:
            p = p.rotated(entry[i])
        elif flip[i]:
            p = p.reversed()
        out.append(p)
    return out


def _search_state(paths: Sequence[Polyline], origin: tuple[float, float]):
    plan = make_plan(paths)
    index, near = port_neighbours(plan, kd=has_scipy())
    order, flip, entry = greedy(plan, origin, index, near)
    return plan, near, order, flip, entry


def nearest_neighbour(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0)
                      ) -> list[Polyline]:
    """Greedy order: from ``origin``, always go to the nearest free entry point (reversing or
    re-entering polylines as allowed; a closed polyline is entered at its vertex nearest the
    tool)."""
    if not paths:
        return []
    plan, _, order, flip, entry = _search_state(paths, origin)
    return _build(paths, plan, order, flip, entry)


def two_opt(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0),
            window: int = 32, neighbours: int = 8, max_rounds: int = 40,
            budget_s: float | None = None) -> list[Polyline]:
    """Improve an order by reversing blocks of it (each polyline in the block drawn backwards).

    Blocks up to ``window`` long and blocks joining each polyline to its ``neighbours``
    nearest are tried (see :func:`.order_twoopt.improve`) until none gains, ``max_rounds`` rounds have run,
    about :data:`WORK_PER_PATH` blocks per polyline have been scored or ``budget_s`` seconds
    have passed. Blocks holding a polyline that must not be reversed are skipped.
    """
    n = len(paths)
    if n < 2:
        return list(paths)
    a, b = _ends(paths)
    near = block_neighbours(a, b, neighbours)
    per_round = n * (min(window, n) + 2 * (near.shape[1] if near is not None else 0))
    deadline = None if budget_s is None else time.perf_counter() + budget_s
    fixed = np.array([not reversible(p) for p in paths])
    perm, flip, _ = improve(a, b, fixed, np.asarray(origin, dtype=float), window=window,
                            near=near, work=min(WORK_PER_PATH * n, max_rounds * per_round),
                            deadline=deadline)
    return [paths[p].reversed() if f else paths[p]
            for p, f in zip(perm.tolist(), flip.tolist(), strict=True)]


Tour = tuple[list[int], list[bool], list[int]]


def _search(plan: Plan, org: tuple[float, float], window: int, budget_s: float | None,
            start: Tour | None = None, two_opt_work: int | None = None,
            or_work: int | None = None, focus: bool = False, block_near: int = BLOCK_NEAR,
            near: np.ndarray | None = None, ring_near: bool = False) -> Tour:
    """Greedy (or ``start``), 2-opt, Or-opt and re-entry on ``plan``: (order, flip, entry).
    Work per item: ``two_opt_work`` (default 2 x :data:`WORK_PER_PATH`) and ``or_work``
    (default :data:`OR_WORK_PER_PATH`). ``focus``: Or-opt looks first only at the polylines
    next to a travel longer than :data:`LONG_HOP` times the median one."""
    near = port_neighbours(plan, kd=has_scipy())[1] if near is None else near
    tour, changed = _head(plan, org, window, budget_s, start, two_opt_work, or_work, focus,
                          block_near, near, ring_near)
    return _tail(plan, org, tour, changed, near, or_work)


def _head(plan: Plan, org: tuple[float, float], window: int, budget_s: float | None,
          start: Tour | None, two_opt_work: int | None, or_work: int | None, focus: bool,
          block_near: int, near: np.ndarray | None, ring_near: bool
          ) -> tuple[Tour, list[int]]:
    """:func:`_search` up to the first re-entry: (tour, the contours that re-entered). Plans of
    fewer than :data:`SECOND_START` items (2-opt over every block) skip the first Or-opt."""
    two_opt_work = 2 * WORK_PER_PATH if two_opt_work is None else two_opt_work
    or_work = OR_WORK_PER_PATH if or_work is None else or_work
    n = plan.n
    if start is None:
        order, flip, entry = greedy(plan, org, port_index(plan, kd=has_scipy()), near, ring_near)
    else:
        order, flip, entry = start
    if n < 2:
        return (order, flip, entry), []
    order2 = order
    if focus:
        order2 = order = reinsert(plan, org, order, flip, entry,
                                  _next_to_longest_hops(plan, order, flip, entry, REINSERT))
    if two_opt_work > 0:
        order2 = _two_opt(plan, org, order, flip, entry, window, budget_s, block_near,
                          two_opt_work)
    neigh = neighbour_lists(plan, near)
    if neigh is not None and n >= SECOND_START:
        first = _next_to_long_hops(plan, order2, flip, entry) if focus else None
        order2, _ = or_opt(plan, org, order2, flip, entry, neigh, or_work * n, first=first)
    changed = reenter(plan, org, order2, flip, entry)
    return (order2, flip, entry), changed


def _two_opt(plan: Plan, org: tuple[float, float], order: list[int], flip: list[bool],
             entry: list[int], window: int, budget_s: float | None, block_near: int,
             work: int) -> list[int]:
    """The tour's order improved by 2-opt (``work`` blocks per item; ``flip`` updated in place).
    A closed polyline's entry is its exit: turning it round is a no-op. On no more items than
    the window every block is a window block: no neighbour blocks."""
    a, b = tour_ends(plan, order, flip, entry)
    fixed = ~plan.flippable[np.asarray(order)] & ~plan.closed[np.asarray(order)]
    deadline = None if budget_s is None else time.perf_counter() + budget_s
    n = plan.n
    blocks = None if n <= window or not block_near else block_neighbours(a, b, block_near)
    perm, flp, _ = improve(a, b, fixed, np.asarray(org), window=window, near=blocks,
                           work=work * n, deadline=deadline)
    for k, t in zip(perm.tolist(), flp.tolist(), strict=True):
        if t and not plan.closed[order[k]]:
            flip[order[k]] = not flip[order[k]]
    return [order[k] for k in perm.tolist()]


def _tail(plan: Plan, org: tuple[float, float], tour: Tour, changed: list[int],
          near: np.ndarray | None, or_work: int | None) -> Tour:
    """The exact entries change the hops: Or-opt again from the re-entered contours, and
    re-entry."""
    order, flip, entry = tour
    neigh = neighbour_lists(plan, near)
    if changed and neigh is not None:
        or_work = OR_WORK_PER_PATH if or_work is None else or_work
        order, _ = or_opt(plan, org, order, flip, entry, neigh, or_work * plan.n // 2,
                          first=changed)
        reenter(plan, org, order, flip, entry)
    return order, flip, entry


def _hops(plan: Plan, order: list[int], flip: list[bool], entry: list[int]) -> np.ndarray:
    """The travels between consecutive polylines of the tour (n - 1,), mm."""
    a, b = tour_ends(plan, order, flip, entry)
    return np.hypot(*(a[1:] - b[:-1]).T)


def _next_to_long_hops(plan: Plan, order: list[int], flip: list[bool], entry: list[int]
                       ) -> list[int]:
    """The polylines at either end of a travel longer than :data:`LONG_HOP` x the median."""
    hops = _hops(plan, order, flip, entry)
    if not len(hops):
        return list(order)
    k = np.nonzero(hops > LONG_HOP * float(np.median(hops)))[0]
    o = np.asarray(order)
    return np.unique(np.concatenate([o[:1], o[k], o[k + 1]])).tolist()


def _next_to_longest_hops(plan: Plan, order: list[int], flip: list[bool], entry: list[int],
                          count: int) -> list[int]:
    """The polylines at either end of the ``count`` longest travels, longest first."""
    k = np.argsort(-_hops(plan, order, flip, entry), kind="stable")[:count]
    o = np.asarray(order)
    both = np.stack([o[k], o[k + 1]], axis=1).ravel()
    _, first = np.unique(both, return_index=True)
    return both[np.sort(first)].tolist()


def _outside_bands(plan: Plan, org: tuple[float, float], window: int, budget_s: float | None
                   ) -> Tour:
    """The searched tour from ``org``, by the kind and size of plan:

    - fewer than :data:`SECOND_START` items: :func:`_few`;
    - closed polylines and more than :data:`FULL_WINDOW_UP_TO` items: from where the greedy
      order from ``org`` ends (:func:`_from_far_end`; on the UV isolations of 20- and 30-ring
      cells and 50-, 80- and 120-finger combs it beat the search from ``org`` every time, by
      5-48 %);
    - closed polylines and fewer: from the greedy order with every contour entered at its first
      vertex, with 2-opt blocks as long as the tour (where a planner starts its rings along one
      line, that line is the short way across them; on the UV isolations of 6- and 20-finger
      combs and 5- and 10-ring cells it beat the greedy entries every time, by 4-40 %);
    - open polylines only: from the greedy order and from where it ends; the shorter.

    The searches' greedy orders leave a contour by the ports nearest the port that reached it
    (:data:`RING_NEAR`): on isolations that keeps the tool stepping from one offset to the
    next (a 20-finger comb's UV isolation 33.2 -> 21.7 mm)."""
    if plan.n < SECOND_START:
        return _few(plan, org, budget_s)
    index, near = port_neighbours(plan, kd=has_scipy())
    rings = bool(plan.closed.any())
    if rings and plan.n > FULL_WINDOW_UP_TO:
        return _from_far_end(plan, org, greedy(plan, org, index, near), window, budget_s, near)
    g = greedy(plan, org, index, near, ring_near=RING_NEAR)
    if rings:
        return _search(plan, org, plan.n, budget_s, near=near,
                       start=(list(g[0]), list(g[1]), [0] * plan.n))
    first = _search(plan, org, window, budget_s, start=(list(g[0]), list(g[1]), list(g[2])),
                    near=near)
    other = _from_far_end(plan, org, g, window, budget_s, near)
    return min(first, other, key=lambda t: tour_travel(plan, org, *t))


def _few(plan: Plan, org: tuple[float, float], budget_s: float | None) -> Tour:
    """The searched tour of a plan of fewer than :data:`SECOND_START` items, without hatch
    bands: the greedy order to the exact nearest port every step, then 2-opt over every block
    and re-entry; with contours from two starts (the contours entered at their first vertex:
    a Swiss roll's strokes end by them; and where the greedy order entered them: a few nested
    rings are better entered along the ray towards the origin), the shorter finished by 2-opt
    and re-entry again.
    No neighbour lists and no Or-opt: on so few items the 2-opt over every block finds their
    moves (on the UV isolations of 5- and 20-turn rolls and on mixes of 6 to 20 strokes and
    rings as short or shorter, at two thirds of the time)."""
    g = greedy(plan, org, port_index(plan, kd=has_scipy()), None)
    # (each start its own lists: a search turns and re-enters in place)
    starts = [(list(g[0]), list(g[1]), [0] * plan.n), g] if plan.closed.any() else [g]
    heads = [_head(plan, org, plan.n, budget_s, start, None, None, False, BLOCK_NEAR, None, False)
             for start in starts]
    (order, flip, entry), changed = min(heads, key=lambda h: tour_travel(plan, org, *h[0]))
    if changed:
        order = _two_opt(plan, org, order, flip, entry, plan.n, budget_s, BLOCK_NEAR,
                         2 * WORK_PER_PATH)
        reenter(plan, org, order, flip, entry)
    return order, flip, entry


def _from_far_end(plan: Plan, org: tuple[float, float], g: Tour, window: int,
                  budget_s: float | None, near: np.ndarray | None) -> Tour:
    """:func:`_search` up to its re-entry (:func:`_head`) from where the greedy order ``g`` from
    ``org`` ends (an extreme of the work rather than the corner nearest the origin: on an
    isolation its greedy order leaves fewer long jumps back), run whichever way is shorter from
    ``org``, its start polished by Or-opt."""
    _, b = tour_ends(plan, *g)
    # the search up to its re-entry only: on the UV isolations of 20- and 30-ring cells and 50-,
    # 80- and 120-finger combs an Or-opt from the re-entered contours found nothing more
    (order, flip, entry), _ = _head(plan, (float(b[-1, 0]), float(b[-1, 1])), window,
                                    budget_s, None, None, None, False, FAR_NEAR, near,
                                    RING_NEAR)
    if plan.flippable[order].sum() + plan.closed[order].sum() == plan.n:
        back = (order[::-1], [not f for f in flip], entry)  # (flip only read for open ones)
        if tour_travel(plan, org, *back) < tour_travel(plan, org, order, flip, entry):
            order, flip, entry = back
    # only the start has changed (the hop from ``org``, not from where the search began):
    # contours re-entered and Or-opt from the first few polylines on
    neigh = neighbour_lists(plan, near)
    reenter(plan, org, order, flip, entry, upto=RESTART)
    if neigh is not None:
        moved, _ = or_opt(plan, org, order, flip, entry, neigh, OR_WORK_PER_PATH * plan.n,
                          first=order[:RESTART])
        if moved != order:
            order = moved
            reenter(plan, org, order, flip, entry)
    return order, flip, entry


def _top_size(groups: list, n: int) -> int:
    """Items the top-level search orders: each band one, the rest alone."""
    return n - sum(len(c) for c, _ in groups) + len(groups)


def _order_plan(given: list[Polyline], plan: Plan, groups: list, org: tuple[float, float],
                window: int, budget_s: float | None) -> Tour:
    """The searched tour of ``plan``, its hatch bands ``groups`` ordered as zigzag items."""
    if not groups:
        return _outside_bands(plan, org, window, budget_s)
    top, members = band_plan(plan, groups)
    order, flip, entry = _search(top, org, 2 * window, budget_s, or_work=TOP_OR)
    choose_zigzags(top, members, org, order, flip, entry)
    seed = expand(plan, top, members, order, flip, entry)
    for i in np.nonzero(plan.closed)[0].tolist():
        seed[2][i] = max(seed[2][i], 0)
    return _search(plan, org, POLISH_WINDOW, budget_s, start=seed, two_opt_work=POLISH_2OPT,
                   or_work=POLISH_OR, focus=True, block_near=POLISH_NEAR)


def order_paths(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0),
                optimise: bool = True, window: int = WINDOW, budget_s: float | None = None
                ) -> list[Polyline]:
    """The shorter of the given order and the searched one (see the module docstring); hatch
    bands (:mod:`.order_bands`) are ordered as single items drawn as zigzags, and segments
    whose overscan leads meet (:mod:`.order_chains`) as one item where that leaves fewer
    items to order."""
    given = list(paths)
    if len(given) < 2 or not optimise:
        return given
    org = (float(origin[0]), float(origin[1]))
    plan = make_plan(given)
    hops = plan.starts - np.vstack([np.asarray(org)[None, :], plan.ends[:-1]])
    given_travel = float(np.hypot(hops[:, 0], hops[:, 1]).sum())  # before the search moves ends
    groups = bands(given, plan)
    chains = lead_chains(given, plan)
    items = chain_items(given, chains) if len(chains) < len(given) else None
    item_plan = None if items is None else chain_plan(plan, chains)
    item_groups = None if items is None else bands(items, item_plan)
    if items is not None and _top_size(item_groups, len(items)) < _top_size(groups, len(given)):
        # the lead chains as single items leave fewer things to order: order those, then
        # polish the order of the polylines they stand for
        tour = _order_plan(items, item_plan, item_groups, org, window, budget_s)
        order, flip, entry = _search(plan, org, POLISH_WINDOW, budget_s,
                                     start=expand_chains(chains, plan.n, *tour),
                                     two_opt_work=POLISH_2OPT, or_work=POLISH_OR, focus=True,
                                     block_near=POLISH_NEAR)
    else:
        order, flip, entry = _order_plan(given, plan, groups, org, window, budget_s)
    cuts = min(CUTS, len(order) // 8)
    if cuts:
        moved = rearrange(plan, org, order, flip, entry, cuts)
        if moved is not order:
            order = moved
            reenter(plan, org, order, flip, entry)
    if not _led_contours(given):
        # the tour's ends are the built polylines' ends: measured without building them
        if tour_travel(plan, org, order, flip, entry) > given_travel:
            return given
        return _build(given, plan, order, flip, entry)
    best = _build(given, plan, order, flip, entry)
    return best if _travel(best, org) <= given_travel else given


def _led_contours(paths: Sequence[Polyline]) -> bool:
    """Whether a closed polyline has a lead-in or lead-out (its ends, then, lie off its entry
    vertex, where the tour puts them)."""
    return any(p.closed and (p.lead_in > 0 or p.lead_out > 0) for p in paths)


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
