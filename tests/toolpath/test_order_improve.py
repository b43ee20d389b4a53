"""Lead chains (segments whose overscan leads meet, ordered as one item), the 2-opt polish of
the zigzag order and the second start on contours: each would fail here if it broke."""

from __future__ import annotations

import numpy as np
import pytest

import zmfab
import zmfab.toolpath.order as order
from zmfab.gcode.laser_job import machine_profile, plan_toolpath, resolve_settings
from zmfab.profiles import Profiles
from zmfab.toolpath.order_chains import lead_chains
from zmfab.toolpath.order_plan import make_plan
from zmfab.toolpath.path import Polyline, travel_length

pytest.importorskip("scipy")


def columns(n: int = 40, pitch: float = 0.1, lead: float = 2.0) -> list[Polyline]:
    """``n`` columns of two 1 mm segments 4 mm apart: each lower segment's lead-out ends where
    the upper one's lead-in starts; given shuffled."""
    paths = [Polyline(np.array([[pitch * k, y0], [pitch * k, y0 + 1.0]]), {"id": 2 * k + j},
                      lead_in=lead, lead_out=lead)
             for k in range(n) for j, y0 in enumerate((0.0, 5.0))]
    return [paths[i] for i in np.random.default_rng(0).permutation(len(paths)).tolist()]


def test_columns_are_chained_and_ordered_to_the_optimum():
    paths = columns()
    chains = lead_chains(paths, make_plan(paths))
    assert sorted(i for c in chains for i in c) == list(range(80))
    pairs = [c for c in chains if len(c) > 1]
    assert len(pairs) == 40 and all(len(c) == 2 for c in pairs)
    for a, b in pairs:  # lower then upper, on one column
        assert paths[a].points[0, 1] == 0.0 and paths[b].points[0, 1] == 5.0
        assert paths[a].points[0, 0] == paths[b].points[0, 0]
    out = order_paths_checked(paths)
    # up one column and down the next: 39 steps of 0.1 mm, the leads meeting in between; the
    # two zigzags of rows (the order without chains) travel twice that
    assert travel_length(out, origin=None) == pytest.approx(39 * 0.1, abs=1e-9)
    assert travel_length(out) == pytest.approx(2.0 + 39 * 0.1, abs=1e-9)


def order_paths_checked(paths: list[Polyline]) -> list[Polyline]:
    out = order.order_paths(paths)
    assert sorted(map(id, (p.settings for p in out))) == sorted(map(id, (p.settings for p in paths)))
    return out


def test_no_chain_across_a_gap_or_a_turn():
    far = columns(n=5, lead=1.0)  # leads end 2 mm short of each other
    assert all(len(c) == 1 for c in lead_chains(far, make_plan(far)))
    fixed = [p.with_settings(reversible=False) for p in columns(n=5)]
    assert all(len(c) == 1 for c in lead_chains(fixed, make_plan(fixed)))
    # at right angles: the end meets the next start, but they do not run the same way
    bent = [Polyline(np.array([[0.0, 0.0], [1.0, 0.0]]), lead_out=1.0),
            Polyline(np.array([[2.0, 1.0], [2.0, 2.0]]), lead_in=1.0),
            Polyline(np.array([[9.0, 9.0], [9.0, 8.0]]))]
    assert all(len(c) == 1 for c in lead_chains(bent, make_plan(bent)))


def test_polish_shortens_a_concentric_fill(monkeypatch):
    profiles = Profiles()
    mach = profiles.get("processes", "laser-co2")["machine"]
    s = resolve_settings(profiles, "laser-co2", "fill", overrides={"passes": 1},
                         machine=machine_profile(profiles, mach))
    geom = zmfab.layout("concentric", rings=3).electrode("anode")
    paths = plan_toolpath(geom, "fill", {**s, "optimise": False}).paths
    polished = travel_length(order_paths_checked(paths))
    monkeypatch.setattr(order, "POLISH_2OPT", 0)
    no_two_opt = travel_length(order_paths_checked(paths))
    monkeypatch.setattr(order, "REINSERT", 0)
    zigzags = travel_length(order_paths_checked(paths))
    assert polished < 0.97 * no_two_opt
    assert no_two_opt < 0.98 * zigzags  # the strokes moved to the best place in the whole tour
    assert polished < 0.95 * zigzags


def test_far_end_start_shortens_a_comb_isolation(monkeypatch):
    """The UV isolation of a 20-finger comb ordered as a big plan of contours would be (no
    start from first vertices): the search from where the greedy order ends beats the one from
    the origin corner (21.8 against 36.3 mm with the origin hop)."""
    from zmfab.toolpath.order_index import has_scipy
    from zmfab.toolpath.order_search import greedy, port_neighbours

    paths = _isolation_paths("interdigitated", fingers=20)
    monkeypatch.setattr(order, "FULL_WINDOW_UP_TO", 0)
    far = travel_length(order_paths_checked(paths))
    plan = make_plan(paths)
    index, near = port_neighbours(plan, kd=has_scipy())
    g = greedy(plan, (0.0, 0.0), index, near, ring_near=True)
    tour = order._search(plan, (0.0, 0.0), order.WINDOW, None, start=g, near=near)
    from_origin = travel_length(order._build(paths, plan, *tour))
    assert far < 0.8 * from_origin


def _isolation_paths(family: str, **params) -> list[Polyline]:
    """The UV isolation of a cell's electrodes, unordered."""
    import shapely

    profiles = Profiles()
    mach = profiles.get("processes", "laser-uv")["machine"]
    lay = zmfab.layout(family, **params)
    s = resolve_settings(profiles, "laser-uv", "isolate",
                         overrides={"passes": 1, "reach": 1.01 * float(lay.params["gap"])},
                         machine=machine_profile(profiles, mach))
    both = shapely.union_all([lay.electrode("anode"), lay.electrode("cathode")])
    return plan_toolpath(both, "isolate", {**s, "optimise": False}).paths


@pytest.mark.parametrize("family, params", [("concentric", {"rings": 8}),
                                            ("swiss-roll", {"turns": 4})])
def test_contours_entered_where_they_begin_give_the_shorter_isolation(monkeypatch, family,
                                                                       params):
    """Rings begin on one line across the cell, and the strokes down a Swiss roll's gaps end
    by the contours' first vertices: the search from there, with 2-opt blocks the length of
    the tour, beats the other starts (20-ring UV isolation: 84.3 against 92.1 mm). A Swiss
    roll's isolation has a dozen items, so it is searched by :func:`order._few`, which tries
    that start too; with it and the search from the first vertices turned off the far-end
    search is what is left."""
    paths = _isolation_paths(family, **params)
    assert any(p.closed for p in paths) and len(paths) <= order.FULL_WINDOW_UP_TO
    drawn = travel_length(order_paths_checked(paths))
    monkeypatch.setattr(order, "FULL_WINDOW_UP_TO", 0)
    monkeypatch.setattr(order, "SECOND_START", 0)
    others = travel_length(order_paths_checked(paths))
    assert drawn < 0.97 * others


def test_contours_of_a_comb_isolation_are_walked_offset_to_offset(monkeypatch):
    """The same 20-finger UV isolation, ordered: the searches' greedy orders leave a contour by
    the ports nearest the port that reached it, which keeps the tool stepping from one offset
    to the next (21.7 mm with the origin hop; 33.2 mm when they left by the exact nearest
    port of the exit vertex, and vpype ``linesort --two-opt`` from the origin 22.1 mm)."""
    paths = _isolation_paths("interdigitated", fingers=20)
    walked = travel_length(order_paths_checked(paths))
    assert walked < 24.0
    monkeypatch.setattr(order, "RING_NEAR", False)
    assert walked < 0.8 * travel_length(order_paths_checked(paths))


def test_rearranged_pieces_mend_a_comb_isolation_swept_out_and_back(monkeypatch):
    """The UV isolation of a 50-finger comb: the search sweeps the lower row out and back and
    then jumps 40 mm to the upper row it passed at the start; cutting the tour at its longest
    travels and putting the pieces back in the best order mends it (87.0 -> 46.6 mm with the
    origin hop; vpype ``linesort --two-opt`` from the origin 44.8 mm)."""
    paths = _isolation_paths("interdigitated", fingers=50)
    mended = travel_length(order_paths_checked(paths))
    monkeypatch.setattr(order, "CUTS", 0)
    assert mended < 0.6 * travel_length(order_paths_checked(paths))


def test_a_plan_of_few_items_is_searched_by_2opt_without_neighbour_lists(monkeypatch):
    """A Swiss roll's UV isolation (12 items: 10 huge contours, 2 strokes) goes through
    :func:`order._few`: neither port neighbour lists nor Or-opt, and shorter than the greedy
    order."""
    paths = _isolation_paths("swiss-roll", turns=4)
    assert len(paths) < order.SECOND_START
    greedy = travel_length(order.nearest_neighbour(paths))

    def refused(*args, **kwargs):
        raise AssertionError("not for a plan of few items")

    monkeypatch.setattr(order, "port_neighbours", refused)
    monkeypatch.setattr(order, "or_opt", refused)
    out = order_paths_checked(paths)
    assert travel_length(out) < 0.9 * greedy
