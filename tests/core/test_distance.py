"""The fast nearest distance agrees with GEOS's brute force."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import Point, box

import zmfab
from zmfab.regions.distance import min_distance, nearest_points


@pytest.mark.parametrize(
    "family, params",
    [("interdigitated", {"fingers": 7, "corner_radius": "40um", "pad_side": "same"}),
     ("concentric", {"rings": 4}), ("swiss-roll", {"turns": 4})],
)
def test_matches_geos_on_layouts(family, params):
    lay = zmfab.layout(family, **params)
    a, c = lay.electrode("anode"), lay.electrode("cathode")
    d, pa, pc = nearest_points(a, c)
    assert d == pytest.approx(a.distance(c), abs=1e-12)
    assert pa.distance(pc) == pytest.approx(d, abs=1e-9)
    assert a.distance(pa) < 1e-9 and c.distance(pc) < 1e-9


@settings(max_examples=60, deadline=None)
@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(0, 3.14), st.floats(0.1, 2))
def test_matches_geos_on_random_shapes(dx, dy, angle, r):
    a = box(0, 0, 2, 1).union(Point(2, 0.5).buffer(0.7)).difference(Point(0.5, 0.5).buffer(0.2))
    b = affinity.rotate(Point(0, 0).buffer(r, quad_segs=5), angle, use_radians=True)
    b = affinity.translate(b, dx + 4, dy)
    assert min_distance(a, b) == pytest.approx(a.distance(b), abs=1e-12)


def test_touching_and_empty():
    assert min_distance(box(0, 0, 1, 1), box(1, 0, 2, 1)) == 0
    assert min_distance(box(0, 0, 1, 1), Point(5, 5).buffer(0).buffer(0)) == float("inf")
