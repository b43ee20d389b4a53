"""Travel ordering: hatch bands, Or-opt with closed contours re-entered, and the rules every
order keeps (each polyline once, turned only where allowed, closed ones rotated never reversed,
the same order on every run)."""

from __future__ import annotations

import numpy as np
import pytest

import zmfab
import zmfab.toolpath.order as order
from zmfab.gcode.laser_job import machine_profile, plan_toolpath, resolve_settings
from zmfab.profiles import Profiles
from zmfab.toolpath.order_bands import bands
from zmfab.toolpath.order_oropt import or_opt
from zmfab.toolpath.order_plan import make_plan
from zmfab.toolpath.order_search import neighbour_lists, port_neighbours, tour_travel
from zmfab.toolpath.path import Polyline, travel_length


def comb_fill(fingers: int = 10) -> list[Polyline]:
    """The CO2 laser's fill of a comb's anode, unordered, one pass (as the benchmark plans it)."""
    profiles = Profiles()
    mach = profiles.get("processes", "laser-co2")["machine"]
    s = resolve_settings(profiles, "laser-co2", "fill", overrides={"passes": 1},
                         machine=machine_profile(profiles, mach))
    geom = zmfab.layout("interdigitated", fingers=fingers).electrode("anode")
    return plan_toolpath(geom, "fill", {**s, "optimise": False}).paths


def square(cx: float, cy: float, r: float, k: int) -> Polyline:
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    ring = np.c_[cx + r * np.cos(t), cy + r * np.sin(t)]
    return Polyline(np.vstack([ring, ring[:1]]), {"id": k}, closed=True)


def is_rotation(out: Polyline, src: Polyline) -> bool:
    """``out`` is ``src`` entered at another vertex, same direction round."""
    a, b = out.points[:-1], src.points[:-1]
    k = int(np.nonzero((b == a[0]).all(axis=1))[0][0])
    return np.array_equal(np.roll(b, -k, axis=0), a) and np.array_equal(out.points[-1], a[0])


def check_order(out: list[Polyline], src: list[Polyline]) -> None:
    """Every polyline of ``src`` once, drawn as given or (where allowed) backwards, closed ones
    rotated only."""
    assert sorted(id(p.settings) for p in out) == sorted(id(p.settings) for p in src)
    by = {id(p.settings): p for p in src}
    for p in out:
        s = by[id(p.settings)]
        if s.closed and len(s.points) > 3:
            assert is_rotation(p, s)
        elif np.array_equal(p.points, s.points):
            assert (p.lead_in, p.lead_out) == (s.lead_in, s.lead_out)
        else:
            assert s.settings.get("reversible", True)
            assert np.array_equal(p.points, s.points[::-1])
            assert (p.lead_in, p.lead_out) == (s.lead_out, s.lead_in)


def test_comb_fill_is_drawn_in_zigzag_bands_well_below_the_greedy_travel():
    paths = comb_fill()
    plan = make_plan(paths)
    found = bands(paths, plan)
    # the bus strip between fingers and each finger are bands of several rows each
    assert len(found) >= 10 and all(len(chain) >= 2 for chain, _ in found)
    assert sum(len(chain) for chain, _ in found) >= 0.9 * len(paths)
    out = order.order_paths(paths)
    check_order(out, paths)
    greedy = order.nearest_neighbour(paths)
    assert travel_length(out, origin=None) <= 0.9 * travel_length(greedy, origin=None)
    assert travel_length(out) <= travel_length(greedy) + 1e-9


def test_a_rectangle_of_hatch_lines_is_one_zigzag_with_row_spacing_hops():
    rows, gap = 40, 0.1
    paths = [Polyline([[k * gap, 0.0], [k * gap, 5.0]], {"id": k}, lead_in=0.2, lead_out=0.2)
             for k in range(rows)]
    order_ = [paths[k] for k in np.random.default_rng(2).permutation(rows)]
    assert len(bands(order_, make_plan(order_))) == 1
    out = order.order_paths(order_)
    check_order(out, order_)
    assert [p.settings["id"] for p in out] == list(range(rows))  # from the origin's corner
    assert travel_length(out, origin=None) == pytest.approx((rows - 1) * gap)


def test_rows_whose_ends_jump_are_separate_bands():
    # a row of short lines, then long ones: the ends jump by 4 mm between them
    short = [Polyline([[k * 0.1, 0.0], [k * 0.1, 1.0]], {"id": k}) for k in range(10)]
    tall = [Polyline([[1.0 + k * 0.1, 0.0], [1.0 + k * 0.1, 5.0]], {"id": 10 + k})
            for k in range(10)]
    paths = short + tall
    found = sorted(sorted(chain) for chain, _ in bands(paths, make_plan(paths)))
    assert found == [list(range(10)), list(range(10, 20))]


def test_or_opt_moves_a_misplaced_contour_back_between_its_neighbours():
    rings = [square(2.0 * k, 0.0, 0.5, k) for k in range(10)]
    plan = make_plan(rings)
    index, near = port_neighbours(plan)
    tour = [0, 1, 2, 7, 3, 4, 5, 6, 8, 9]
    flip = [False] * 10
    entry = [0] * 10  # every ring entered at its vertex on the +x side
    before = tour_travel(plan, None, tour, flip, entry)
    out, left = or_opt(plan, (0.0, 0.0), list(tour), flip, entry, neighbour_lists(plan, near),
                       10_000)
    assert sorted(out) == list(range(10)) and left < 10_000
    assert out == list(range(10))
    after = tour_travel(plan, None, out, flip, entry)
    assert after < before - 4.0
    assert after == pytest.approx(9 * 2.0, abs=1e-9)  # vertex 0 of each ring, 2 mm apart


def test_nested_contours_are_entered_along_one_ray():
    # 15 concentric rings 0.2 mm apart; any order entering them on one ray travels 2.8 mm
    rings = [square(10.0, 10.0, 1.0 + 0.2 * k, k) for k in range(15)]
    shuffled = [rings[k] for k in np.random.default_rng(4).permutation(15)]
    out = order.order_paths(shuffled)
    check_order(out, shuffled)
    assert travel_length(out, origin=None) <= 14 * 0.2 * 1.05


def mixed(seed: int) -> list[Polyline]:
    """Hatch rows, loose segments (some not reversible) and closed rings."""
    rng = np.random.default_rng(seed)
    out = [Polyline([[k * 0.1, 0.0], [k * 0.1, 2.0 + (k % 7 == 3)]], {"id": f"h{k}"},
                    lead_in=0.1, lead_out=0.1) for k in range(60)]
    for k in range(40):
        x, y = rng.random(2) * 20
        out.append(Polyline([[x, y], [x + rng.normal(), y + rng.normal()]],
                            {"id": f"s{k}", "reversible": k % 4 != 0}))
    out += [square(*(rng.random(2) * 20), 0.3 + rng.random(), f"r{k}") for k in range(15)]
    return [out[k] for k in rng.permutation(len(out))]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mixed_orders_keep_the_rules_and_repeat_exactly(seed):
    paths = mixed(seed)
    out = order.order_paths(paths)
    check_order(out, paths)
    again = order.order_paths(paths)
    assert [p.settings["id"] for p in again] == [p.settings["id"] for p in out]
    assert all(np.array_equal(p.points, q.points) for p, q in zip(out, again, strict=True))
    assert travel_length(out) <= travel_length(paths) + 1e-9


def test_a_smaller_work_budget_still_gives_a_valid_order(monkeypatch):
    paths = mixed(3)
    full = travel_length(order.order_paths(paths))
    monkeypatch.setattr(order, "WORK_PER_PATH", 0)
    monkeypatch.setattr(order, "OR_WORK_PER_PATH", 0)
    monkeypatch.setattr(order, "TOP_OR", 0)
    monkeypatch.setattr(order, "POLISH_OR", 0)
    quick = order.order_paths(paths)
    check_order(quick, paths)
    assert full <= travel_length(quick) + 1e-9


def test_best_vertex_finds_the_shortest_hops_in_and_out_on_a_big_ring():
    from zmfab.toolpath.order_plan import best_vertex, best_vertex_cost, nearest_vertex

    t = np.linspace(0, 2 * np.pi, 5000, endpoint=False)
    ring = np.c_[np.cos(t), np.sin(t)] * 10
    p, q = (0.0, 12.0), (3.0, 12.0)
    cost = np.hypot(*(ring - p).T) + np.hypot(*(ring - q).T)
    assert best_vertex(ring, p, q) == int(cost.argmin())
    for around in (None, 0, 1250, int(cost.argmin())):
        v, c = best_vertex_cost(ring, p, q, around)
        assert v == int(cost.argmin()) and c == pytest.approx(cost[v], abs=1e-12)
    small = ring[::250]  # 20 vertices: every one tried in plain floats
    v, c = best_vertex_cost(small, p, None)
    d = np.hypot(*(small - p).T)
    assert v == int(d.argmin()) and c == pytest.approx(d[v], abs=1e-12)
    assert nearest_vertex(ring, (7.0, -7.5)) == int(np.hypot(*(ring - (7.0, -7.5)).T).argmin())


def test_reenter_picks_the_vertex_with_the_shortest_hops_in_and_out():
    from zmfab.toolpath.order_search import reenter

    ring = Polyline([[10, 0], [11, 0], [11, 1], [10, 1], [10, 0]], {"id": "ring"}, closed=True)
    before = Polyline([[0, 0], [12, 2]], {"id": "before"})  # ends next to (11, 1)
    after = Polyline([[12, 1.5], [20, 0]], {"id": "after"})  # starts next to (11, 1)
    plan = make_plan([before, ring, after])
    entry = [0, 0, 0]
    assert reenter(plan, (0.0, 0.0), [0, 1, 2], [False] * 3, entry)
    assert plan.rings[1][entry[1]].tolist() == [11.0, 1.0]
    # a second call finds nothing to change
    assert not reenter(plan, (0.0, 0.0), [0, 1, 2], [False] * 3, entry)


def mixed_plan(rings: int, strokes: int, seed: int = 0):
    """Closed rings of 5 to 400 vertices (so 1 to 16 ports each) among short strokes."""
    rng = np.random.default_rng(seed)
    paths = []
    for k in range(rings):
        m = int(rng.integers(5, 400))
        t = np.linspace(0, 2 * np.pi, m, endpoint=False)
        c, r = rng.random(2) * 20, 0.2 + rng.random() * 2
        ring = np.c_[c[0] + r * np.cos(t), c[1] + r * np.sin(t)]
        paths.append(Polyline(np.vstack([ring, ring[:1]]), {"id": k}, closed=True))
    for k in range(strokes):
        x, y = rng.random(2) * 20
        paths.append(Polyline([[x, y], [x + rng.normal(), y + rng.normal()]], {"id": -k}))
    return make_plan(paths)


@pytest.mark.parametrize("rings, strokes", [(6, 10), (40, 200)])  # few ports: one query; many
def test_port_neighbours_are_the_nearest_ports_of_other_polylines(rings, strokes):
    from zmfab.toolpath.order_index import BRUTE_MAX
    from zmfab.toolpath.order_search import NEAR_PORTS

    plan = mixed_plan(rings, strokes)
    assert (len(plan.ports) <= BRUTE_MAX) == (rings == 6)
    _, near = port_neighbours(plan, kd=True)
    code, owner = plan.port_code, plan.port_owner
    exits = plan.ports.copy()
    exits[code == -1] = plan.ends[owner[code == -1]]
    exits[code == -2] = plan.starts[owner[code == -2]]
    d = np.hypot(*(exits[:, None, :] - plan.ports[None, :, :]).transpose(2, 0, 1))
    ring = code >= 0
    d[ring[:, None] & (owner[None, :] == owner[:, None])] = np.inf  # a ring skips its own
    want = np.sort(d, axis=1)[:, :NEAR_PORTS]
    got = np.take_along_axis(d, near, axis=1)
    assert np.allclose(got, want)


def test_ring_vertices_are_the_vertex_tables_rows():
    from zmfab.toolpath.order_rings import FEW, RingTable, ring_vertices

    plan = mixed_plan(6, 3)  # few rings: looked up ring by ring
    table = RingTable(plan)
    rng = np.random.default_rng(1)
    ids = np.nonzero(plan.closed)[0]
    for count in (1, 2 * FEW, 2 * FEW + 1, 500):  # one by one, then in runs of one ring
        items = np.sort(rng.choice(ids, count))
        verts = (rng.random(count) * table.size[items]).astype(np.int64)
        want = table.points[table.offset[items] + verts]
        assert np.array_equal(ring_vertices(plan, items, verts), want)
    assert getattr(plan, "_ring_table", None) is None  # and no table was built for it


@pytest.mark.parametrize("lead", [0.0, 0.4])
def test_the_order_is_never_longer_than_the_given_one(lead):
    """Contours with leads end off their entry vertex: their travel is measured on the built
    polylines; without, on the tour (the same figure, not building a tour that is longer)."""
    rng = np.random.default_rng(7)
    paths = []
    for k in range(40):
        x, y = rng.random(2) * 10
        if k % 3 == 0:
            t = np.linspace(0, 2 * np.pi, 9, endpoint=False)
            ring = np.c_[x + 0.5 * np.cos(t), y + 0.5 * np.sin(t)]
            paths.append(Polyline(np.vstack([ring, ring[:1]]), {"id": k}, closed=True,
                                  lead_in=lead, lead_out=lead))
        else:
            paths.append(Polyline([[x, y], [x + 0.3, y]], {"id": k}, lead_in=0.2, lead_out=0.2))
    best = sorted(paths, key=lambda p: (round(p.points[0, 1] / 2), p.points[0, 0]))
    for given in (paths, best):
        out = order.order_paths(given)
        check_order(out, given)
        assert travel_length(out) <= travel_length(given) + 1e-9
    assert order._led_contours(paths) == (lead > 0)


def test_dist_is_the_euclidean_distance_for_any_layout_of_points():
    from zmfab.toolpath.order_plan import dist

    rng = np.random.default_rng(3)
    p, q = rng.random((50, 2)) * 10, rng.random((50, 2)) * 10
    want = np.hypot(*(p - q).T)
    assert np.allclose(dist(p, q), want, rtol=1e-14)
    assert np.allclose(dist(np.asfortranarray(p), q.T.copy().T), want, rtol=1e-14)  # strided
    assert np.allclose(dist(p[:, None, :], q[None, :3, :]),
                       np.hypot(*(p[:, None, :] - q[None, :3, :]).transpose(2, 0, 1)))
    assert float(dist(np.array([3.0, 0.0]), np.array([0.0, 4.0]))) == 5.0
