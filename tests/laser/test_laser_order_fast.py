"""The travel order visits every polyline exactly once and never travels further than the greedy
order; the KD-tree and the grid index agree."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zmfab.toolpath.order as order
import zmfab.toolpath.order_index as order_index
from zmfab.toolpath.order import nearest_neighbour, order_paths
from zmfab.toolpath.path import Polyline, travel_length


def mixed(seed: int, n: int) -> list[Polyline]:
    """Open segments (some not reversible) and closed squares, at random."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        x, y = rng.random(2) * 40
        if k % 5 == 0:
            s = 0.5 + rng.random()
            out.append(Polyline([[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]],
                                {"id": k}, closed=True))
        else:
            end = [x + rng.normal(), y + rng.normal()]
            out.append(Polyline([[x, y], end], {"id": k, "reversible": k % 7 != 1},
                                lead_in=0.2 * (k % 3 == 0)))
    return out


def same_shapes(a: Polyline, b: Polyline) -> bool:
    def key(p: Polyline) -> list:
        return sorted(map(tuple, np.round(p.points[:-1] if p.closed else p.points, 9)))

    return key(a) == key(b)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 120))
def test_order_visits_every_path_once_and_beats_greedy(seed, n):
    paths = mixed(seed, n)
    out = order_paths(paths)
    ids = sorted(p.settings["id"] for p in out)
    assert ids == list(range(n))
    by_id = {p.settings["id"]: p for p in paths}
    for p in out:
        src = by_id[p.settings["id"]]
        assert same_shapes(p, src)
        if not src.settings.get("reversible", True) and not src.closed:
            assert np.array_equal(p.points, src.points)  # drawn the given way
    assert travel_length(out) <= travel_length(nearest_neighbour(paths)) + 1e-9
    assert travel_length(out) <= travel_length(paths) + 1e-9


def test_grid_index_gives_the_same_greedy_order(monkeypatch):
    paths = [p for p in mixed(5, 200) if not p.closed]  # exact nearest: no sampled rings
    with_tree = nearest_neighbour(paths)
    monkeypatch.setattr(order, "has_scipy", lambda: False)
    with_grid = nearest_neighbour(paths)
    assert [p.settings["id"] for p in with_grid] == [p.settings["id"] for p in with_tree]
    assert travel_length(with_grid) == pytest.approx(travel_length(with_tree))
    assert order_index.has_scipy()


def test_closed_contour_entered_at_its_nearest_vertex_among_many():
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    ring = np.c_[10 + np.cos(t), 10 + np.sin(t)]
    p = Polyline(np.vstack([ring, ring[:1]]), closed=True)
    out = nearest_neighbour([p], origin=(10.0, 12.0))
    assert np.allclose(out[0].start, (10.0, 11.0), atol=1e-9)


def test_budget_stops_the_improvement_but_keeps_every_path():
    paths = mixed(1, 300)
    out = order_paths(paths, budget_s=0.0)
    assert sorted(p.settings["id"] for p in out) == list(range(300))
    assert travel_length(out) <= travel_length(nearest_neighbour(paths)) + 1e-9
