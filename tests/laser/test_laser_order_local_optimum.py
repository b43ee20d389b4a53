"""The 2-opt improvement scores again only the blocks a reversal can have changed; run to the
end, it must still stop at a true local optimum: no block within the window shortens the
travel (checked here by scoring every block from scratch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import zmfab.toolpath.order as order
from zmfab.toolpath.path import Polyline


def segments(seed: int, n: int) -> list[Polyline]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        x, y = rng.random(2) * 30
        out.append(Polyline([[x, y], [x + rng.normal(), y + rng.normal()]], {"id": k}))
    return out


def best_block_gain(paths: list[Polyline], window: int) -> float:
    """The largest travel saved by reversing any one block up to ``window`` long, mm."""
    a = [p.start for p in paths]
    b = [p.end for p in paths]
    n = len(paths)
    org = np.zeros(2)
    best = 0.0
    for i in range(n):
        prev = b[i - 1] if i > 0 else org
        for j in range(i, min(n, i + window)):
            g = math.dist(prev, a[i]) - math.dist(prev, b[j])
            if j < n - 1:
                g += math.dist(b[j], a[j + 1]) - math.dist(a[i], a[j + 1])
            best = max(best, g)
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_opt_run_to_the_end_leaves_no_improving_block(monkeypatch, seed):
    monkeypatch.setattr(order, "WORK_PER_PATH", 10**9)
    paths = order.nearest_neighbour(segments(seed, 150))
    out = order.two_opt(paths, window=12, max_rounds=10**6)
    assert sorted(p.settings["id"] for p in out) == list(range(150))
    assert best_block_gain(out, 12) <= 1e-6


def test_ends_and_travel_at_once_match_the_polylines_one_at_a_time():
    rng = np.random.default_rng(5)
    paths = [Polyline(rng.random((int(rng.integers(1, 5)), 2)) * 10, {"id": k},
                      lead_in=float(k % 3) * 0.5, lead_out=float(k % 2) * 0.7) for k in range(40)]
    starts, ends = order._ends(paths)
    assert np.array_equal(starts, np.array([p.start for p in paths]))
    assert np.array_equal(ends, np.array([p.end for p in paths]))
    from zmfab.toolpath.path import travel_length

    assert order._travel(paths, (1.0, 2.0)) == pytest.approx(travel_length(paths, origin=(1.0, 2.0)))
