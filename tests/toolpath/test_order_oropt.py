"""Or-opt scored in NumPy rounds and the whole-tour re-insertion, against brute force: the
Or-opt result admits no improving move of the kind it makes, the re-insertion lands each
polyline at the best of every place and way round in the tour."""

from __future__ import annotations

import numpy as np
import pytest

from zmfab.toolpath.order_oropt import or_opt, reinsert
from zmfab.toolpath.order_plan import make_plan
from zmfab.toolpath.order_search import neighbour_lists, port_neighbours, tour_travel
from zmfab.toolpath.path import Polyline


def scattered(seed: int, n: int = 40) -> list[Polyline]:
    """Short strokes (a quarter not reversible) and small closed rings at random."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        x, y = rng.random(2) * 10
        if k % 5 == 4:
            t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
            ring = np.c_[x + 0.3 * np.cos(t), y + 0.3 * np.sin(t)]
            out.append(Polyline(np.vstack([ring, ring[:1]]), {"id": k}, closed=True))
        else:
            out.append(Polyline([[x, y], [x + rng.normal(), y + rng.normal()]],
                                {"id": k, "reversible": k % 4 != 0}))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_or_opt_shortens_and_keeps_every_polyline(seed):
    paths = scattered(seed)
    plan = make_plan(paths)
    _, near = port_neighbours(plan)
    order = list(np.random.default_rng(seed).permutation(plan.n))
    flip = [False] * plan.n
    entry = [0 if c else -1 for c in plan.closed.tolist()]
    before = tour_travel(plan, (0.0, 0.0), order, flip, entry)
    out, left = or_opt(plan, (0.0, 0.0), list(order), flip, entry,
                       neighbour_lists(plan, near), 10**7)
    assert sorted(out) == list(range(plan.n)) and left > 0  # converged, not out of work
    after = tour_travel(plan, (0.0, 0.0), out, flip, entry)
    assert after < 0.7 * before
    # no move of a single polyline next to one of its listed neighbours gains any more
    others, _ = neighbour_lists(plan, near)
    pos = {u: k for k, u in enumerate(out)}
    for u in range(plan.n):
        rest = [x for x in out if x != u]
        for m in others[u][others[u] >= 0].tolist():
            j = rest.index(m)
            for at in (j, j + 1):
                cand = rest[:at] + [u] + rest[at:]
                assert tour_travel(plan, (0.0, 0.0), cand, flip, entry) >= after - 1e-9, (u, pos[u])


def test_or_opt_stops_when_its_work_is_spent():
    paths = scattered(3, 60)
    plan = make_plan(paths)
    _, near = port_neighbours(plan)
    order = list(range(plan.n))
    flip, entry = [False] * plan.n, [0 if c else -1 for c in plan.closed.tolist()]
    neigh = neighbour_lists(plan, near)
    some, left = or_opt(plan, (0.0, 0.0), list(order), flip, entry, neigh, 500)
    assert left <= 0
    t0 = tour_travel(plan, (0.0, 0.0), order, [False] * plan.n, entry)
    t_some = tour_travel(plan, (0.0, 0.0), some, flip, entry)
    assert t_some < t0  # some moves landed


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_reinsert_finds_the_best_place_in_the_whole_tour(seed):
    paths = scattered(seed, 25)
    plan = make_plan(paths)
    rng = np.random.default_rng(seed)
    order = list(rng.permutation(plan.n))
    flip = [bool(plan.flippable[i]) and bool(rng.random() < 0.5) for i in range(plan.n)]
    entry = [0 if c else -1 for c in plan.closed.tolist()]
    u = int(order[7])
    # brute force: u at every place, either way round where allowed
    rest = [x for x in order if x != u]
    best = tour_travel(plan, (0.0, 0.0), order, flip, entry)
    ways = [flip[u], not flip[u]] if plan.flippable[u] else [flip[u]]
    for f in ways:
        fl = list(flip)
        fl[u] = f
        for at in range(len(rest) + 1):
            best = min(best, tour_travel(plan, (0.0, 0.0), rest[:at] + [u] + rest[at:], fl, entry))
    out = reinsert(plan, (0.0, 0.0), list(order), flip, entry, [u])
    assert sorted(out) == list(range(plan.n))
    assert [x for x in out if x != u] == rest  # nothing else moved
    assert tour_travel(plan, (0.0, 0.0), out, flip, entry) == pytest.approx(best, abs=1e-9)
    before = tour_travel(plan, (0.0, 0.0), order, [flip[i] if i != u else ways[0]
                                                    for i in range(plan.n)], entry)
    assert best < before - 1e-6  # (a random tour: there was a better place)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rearrange_puts_the_pieces_in_the_best_order_and_directions(seed):
    from itertools import permutations, product

    from zmfab.toolpath.order_oropt import rearrange
    from zmfab.toolpath.order_search import tour_ends

    paths = scattered(seed, 24)
    plan = make_plan(paths)
    rng = np.random.default_rng(seed)
    order = [int(i) for i in rng.permutation(plan.n)]
    flip = [False] * plan.n
    entry = [0 if c else -1 for c in plan.closed.tolist()]
    a, b = tour_ends(plan, order, flip, entry)
    hops = np.hypot(*(a[1:] - b[:-1]).T)
    cut = sorted(np.argsort(-hops)[:3].tolist())
    bounds = [0, *(c + 1 for c in cut), plan.n]
    pieces = [order[s:e] for s, e in zip(bounds[:-1], bounds[1:], strict=True)]
    turnable = [all(plan.flippable[i] or plan.closed[i] for i in p) for p in pieces]
    best = tour_travel(plan, (0.0, 0.0), order, flip, entry)
    for perm in permutations(range(len(pieces))):
        for ways in product((False, True), repeat=len(pieces)):
            if any(w and not turnable[k] for k, w in zip(perm, ways, strict=True)):
                continue
            tour, fl = [], list(flip)
            for k, w in zip(perm, ways, strict=True):
                part = pieces[k][::-1] if w else pieces[k]
                if w:
                    for i in part:
                        fl[i] = not fl[i] if not plan.closed[i] else fl[i]
                tour += part
            best = min(best, tour_travel(plan, (0.0, 0.0), tour, fl, entry))
    out = rearrange(plan, (0.0, 0.0), list(order), flip, entry, 3)
    assert sorted(out) == list(range(plan.n))
    assert tour_travel(plan, (0.0, 0.0), out, flip, entry) == pytest.approx(best, abs=1e-9)
    assert best < tour_travel(plan, (0.0, 0.0), order, [False] * plan.n, entry) - 1e-6


@pytest.mark.parametrize("seed", [0, 1])
def test_greedy_leaves_contours_by_the_exact_nearest_port_without_asking_the_index(seed):
    """After a contour the greedy step takes the nearest free port from the entry port's list
    when that list provably holds it: the same order as asking the spatial index every time."""
    from zmfab.toolpath.order_search import greedy, port_index

    rng = np.random.default_rng(100 + seed)  # (not scattered's draws: no shared points)
    paths = scattered(seed, 300)
    paths += [Polyline([[x, y], [x + 0.5, y]], {"id": 1000 + k})
              for k, (x, y) in enumerate(rng.random((100, 2)) * 10)]
    plan = make_plan(paths)
    _, near = port_neighbours(plan)
    with_lists = greedy(plan, (0.0, 0.0), port_index(plan, kd=True), near)
    index_only = greedy(plan, (0.0, 0.0), port_index(plan, kd=True), None)
    assert with_lists == index_only
    asked = []  # index queries made right after leaving a contour
    left = [-1]

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def nearest(self, q):
            if left[0] >= 0 and plan.closed[left[0]]:
                asked.append(left[0])
            return self.inner.nearest(q)

        def remove_owner(self, o, count=0):
            left[0] = o
            self.inner.remove_owner(o, count)

    greedy(plan, (0.0, 0.0), Counting(port_index(plan, kd=True)), near)
    assert len(asked) < 0.25 * int(plan.closed.sum())  # most contours left without the index


def test_a_round_past_the_budget_scores_no_more_than_one_polyline_over_it():
    from zmfab.toolpath.order_oropt import MAX_RUN
    from zmfab.toolpath.order_search import NEIGHBOURS

    per_item = 2 * NEIGHBOURS * (1 + 2 * (MAX_RUN - 1))  # candidates of one polyline, at most
    paths = scattered(4, 60)
    plan = make_plan(paths)
    _, near = port_neighbours(plan)
    neigh = neighbour_lists(plan, near)
    for work in (1, 45, 130, 700):
        flip, entry = [False] * plan.n, [0 if c else -1 for c in plan.closed.tolist()]
        _, left = or_opt(plan, (0.0, 0.0), list(range(plan.n)), flip, entry, neigh, work)
        assert -per_item < left <= 0, work
