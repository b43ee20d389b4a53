"""The travel lower bound (benchmarks print it next to the goals) and the ordering of contours
alone against it: the bound is never above a real order's travel, and reaches the optimum where
the optimum is known."""

from __future__ import annotations

import numpy as np
import pytest

from zmfab.toolpath.order import order_paths
from zmfab.toolpath.order_bound import travel_lower_bound, tree_bound
from zmfab.toolpath.order_plan import RING_SAMPLES, make_plan
from zmfab.toolpath.path import Polyline, travel_length

pytest.importorskip("scipy")


def ring(cx: float, cy: float, r: float, k: int, m: int = 24) -> Polyline:
    t = np.linspace(0, 2 * np.pi, m, endpoint=False)
    pts = np.c_[cx + r * np.cos(t), cy + r * np.sin(t)]
    return Polyline(np.vstack([pts, pts[:1]]), {"id": k}, closed=True)


def row_of_rings(n: int = 30, pitch: float = 1.0, r: float = 0.01) -> list[Polyline]:
    """``n`` tiny rings ``pitch`` mm apart on the x axis, given shuffled."""
    rings = [ring(5.0 + pitch * i, 0.0, r, i) for i in range(n)]
    return [rings[i] for i in np.random.default_rng(3).permutation(n).tolist()]


def test_bound_below_the_optimum_on_a_row_and_the_order_reaches_it():
    paths = row_of_rings()
    # each ring is entered and left at one vertex: from the first ring's right rim to the
    # last one's left rim at best
    best = 29.0 - 0.02
    bound, _ = travel_lower_bound(paths)
    # the tree over all rings (rim to rim) is 29 x 0.98; over a few of them it is longer
    assert 29 * 0.98 + 0.1 < bound <= best + 1e-9
    out = order_paths(paths)
    # from the origin: to the first ring's left rim, then left rim to left rim
    assert travel_length(out) == pytest.approx(5.0 - 0.01 + 29.0, rel=1e-9)
    assert travel_length(out, origin=None) >= bound
    # each ring entered at a vertex on the axis
    for p in out:
        assert abs(p.start[1]) < 1e-9


def test_bound_over_the_small_ones_when_a_big_contour_runs_past_all():
    paths = row_of_rings(n=20)
    # a long thin contour passing 0.05 mm from every ring: the tree over all of them is short
    strip = np.array([[4.0, 0.06], [30.0, 0.06], [30.0, 0.07], [4.0, 0.07], [4.0, 0.06]])
    paths.append(Polyline(np.vstack([np.linspace(strip[i], strip[i + 1], 200, endpoint=False)
                                     for i in range(4)] + [strip[:1]]), {"id": 99}, closed=True))
    pts = [p.points[:-1] for p in paths]
    assert tree_bound(pts) < 2.5
    bound, used = travel_lower_bound(paths)
    assert used == 20 and bound == pytest.approx(19 * 0.98, rel=1e-9)
    assert travel_length(order_paths(paths), origin=None) >= bound - 1e-9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bound_never_above_an_order(seed):
    rng = np.random.default_rng(seed)
    paths = []
    for k in range(40):
        if k % 2:
            paths.append(ring(*rng.uniform(0, 20, 2), rng.uniform(0.01, 2.0), k))
        else:
            a = rng.uniform(0, 20, 2)
            paths.append(Polyline(np.vstack([a, a + rng.uniform(-3, 3, 2)]), {"id": k},
                                  lead_in=0.5, lead_out=0.5))
    bound, _ = travel_lower_bound(paths)
    assert 0 < bound <= travel_length(order_paths(paths), origin=None) + 1e-9


def test_small_rings_take_part_through_fewer_ports():
    paths = [ring(0.0, 0.0, 0.001, 0, m=12), ring(20.0, 0.0, 5.0, 1, m=400)]
    paths += [Polyline(np.array([[x, 10.0], [x, 12.0]]), {"id": 2 + i})
              for i, x in enumerate(np.linspace(0, 20, 30))]
    plan = make_plan(paths)
    counts = np.bincount(plan.port_owner, minlength=plan.n)
    assert counts[0] == 1 and counts[1] == RING_SAMPLES


def test_open_strokes_are_never_dropped_from_the_bound():
    """A stroke carries the tool 100 mm without a hop: small rings at both its ends are joined
    through it. Over the two rings alone (the stroke dropped) the tree would be 100 mm, above
    the real tour."""
    paths = [ring(0.0, 0.3, 0.05, 0), Polyline(np.array([[0.0, 0.0], [100.0, 0.0]])),
             ring(100.0, 0.3, 0.05, 1)]
    bound, count = travel_lower_bound(paths)
    real = travel_length(order_paths(paths), origin=None)
    assert real < 1.0 and bound <= real + 1e-9
    assert count == 3
