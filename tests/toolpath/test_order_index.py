"""Spatial indexes of the travel order: the brute-force one answers as the KD-tree does, and
contours are re-entered with one copy of their points, exactly as Polyline.rotated does."""

from __future__ import annotations

import numpy as np
import pytest

from zmfab.toolpath import order_index
from zmfab.toolpath.order import order_paths
from zmfab.toolpath.order_index import BRUTE_MAX, Brute, Tree
from zmfab.toolpath.order_plan import make_plan
from zmfab.toolpath.order_search import port_neighbours
from zmfab.toolpath.path import Polyline


def cloud(m: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 50, (m, 2)), np.repeat(np.arange(m // 4), 4)


def test_brute_query_matches_kdtree(monkeypatch):
    pytest.importorskip("scipy")
    pts, owner = cloud(200)
    q = np.random.default_rng(1).uniform(-5, 55, (30, 2))
    dt, it = Tree(pts, owner).query(q, 7)
    monkeypatch.setattr(order_index, "has_scipy", lambda: False)  # the NumPy distances
    db, ib = Brute(pts, owner).query(q, 7)
    assert np.allclose(db, dt) and np.array_equal(ib, it)
    assert (np.diff(db, axis=1) >= 0).all()


def test_brute_nearest_skips_used_polylines():
    pts, owner = cloud(40)
    index = Brute(pts, owner)
    q = np.array([25.0, 25.0])
    seen = []
    while (k := index.nearest(q)) >= 0:
        o = int(owner[k])
        d = np.hypot(*(pts - q).T)
        live = ~np.isin(owner, seen)
        assert d[k] == d[live].min()
        seen.append(o)
        index.remove_owner(o)
    assert sorted(seen) == list(range(10))


def test_small_problems_use_brute_force_and_keep_neighbour_lists():
    paths = [Polyline(np.array([[x, 0.0], [x, 5.0]]), {"id": k}) for k, x in enumerate(range(9))]
    plan = make_plan(paths)
    assert len(plan.ports) <= BRUTE_MAX
    index, near = port_neighbours(plan, kd=False)
    assert isinstance(index, Brute) and near is not None and near.shape[0] == len(plan.ports)
    out = order_paths(paths[::-1][::2] + paths[::-1][1::2])
    assert sorted(p.settings["id"] for p in out) == list(range(9))


@pytest.mark.parametrize("k", [0, 1, 7, 22, 23, 30])
def test_rotated_enters_the_ring_at_vertex_k(k):
    t = np.linspace(0, 2 * np.pi, 23, endpoint=False)
    ring = np.c_[np.cos(t), np.sin(t)]
    p = Polyline(np.vstack([ring, ring[:1]]), {"id": 1}, closed=True)
    a = p.rotated(k)
    want = np.roll(ring, -(k % 23), axis=0)
    assert np.array_equal(a.points, np.vstack([want, want[:1]]))
    assert a.closed and a.settings is p.settings
