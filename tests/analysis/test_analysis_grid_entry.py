"""The field grid's cut links: the exact first boundary point along each axis-aligned step."""

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from zmfab.analysis.grid import boundary_edges, first_entry, lattice_inside


def _reference(geom, x, y, sx, sy):
    """θ of the first point of ``geom`` (closed) on each step, by a GEOS line overlay."""
    out = []
    for px, py in zip(x, y, strict=True):
        seg = LineString([(px, py), (px + sx, py + sy)])
        hit = seg.intersection(geom)
        if hit.is_empty:
            out.append(1.0)
            continue
        pts = shapely.get_coordinates(hit)
        out.append(float(np.min(np.hypot(pts[:, 0] - px, pts[:, 1] - py))) / abs(sx + sy))
    return np.array(out)


def _shapes():
    ring = Point(5, 5).buffer(4, quad_segs=12).difference(Point(5, 5).buffer(2, quad_segs=12))
    comb = shapely.union_all([box(0, 0, 10, 1)] + [box(i, 1, i + 0.5, 6) for i in range(0, 10, 2)])
    tilted = shapely.affinity.rotate(box(2, 2, 8, 4), 23)
    return [ring, comb, tilted]


@pytest.mark.parametrize("geom", _shapes(), ids=["ring", "comb", "tilted"])
@pytest.mark.parametrize("step", [(1.5, 0.0), (-1.5, 0.0), (0.0, 1.5), (0.0, -1.5)])
def test_first_entry_is_the_first_boundary_point_on_the_step(geom, step):
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-1, 11, 400), rng.uniform(-1, 11, 400)
    outside = ~shapely.intersects_xy(geom, x, y)
    x, y = x[outside], y[outside]
    got = first_entry(boundary_edges(geom), x, y, *step)
    assert np.allclose(got, _reference(geom, x, y, *step), atol=1e-9)
    assert (got < 1).sum() > 5  # the steps do meet the shape


def test_a_step_along_an_edge_enters_at_its_corner():
    top = box(0, 0, 4, 1)  # a step along the line y = 1 (the top edge) meets it at x = 0
    got = first_entry(boundary_edges(top), np.array([-0.5]), np.array([1.0]), 1.0, 0.0)
    assert got[0] == pytest.approx(0.5)
    back = first_entry(boundary_edges(top), np.array([4.5]), np.array([1.0]), -1.0, 0.0)
    assert back[0] == pytest.approx(0.5)


def test_steps_that_meet_nothing_are_whole_and_diagonal_steps_are_refused():
    edges = boundary_edges(box(0, 0, 1, 1))
    assert first_entry(edges, np.array([5.0]), np.array([5.0]), 1.0, 0.0)[0] == 1.0
    with pytest.raises(ValueError):
        first_entry(edges, np.array([5.0]), np.array([5.0]), 1.0, 1.0)


def _lattice_shapes():
    comb = shapely.union_all([box(0, 0, 10, 1)] + [box(i, 1, i + 0.5, 6) for i in range(0, 10, 2)])
    holed = box(0, 0, 8, 8).difference(box(2, 2, 4, 4)).union(box(5, 5, 6, 6))
    return _shapes() + [comb, holed, shapely.MultiPolygon([box(0, 0, 1, 1), box(1, 0, 2, 1)])]


@pytest.mark.parametrize("closed", [True, False])
@pytest.mark.parametrize("geom", _lattice_shapes(), ids=["ring", "comb", "tilted", "comb-on-grid",
                                                         "holed", "touching"])
def test_lattice_inside_matches_geos_point_location(geom, closed):
    """Random lattices, and one whose lines run along the shapes' edges and through corners."""
    rng = np.random.default_rng(11)
    xs_random, ys_random = np.sort(rng.uniform(-1, 11, 90)), np.sort(rng.uniform(-1, 11, 70))
    xs_edges = ys_edges = np.arange(-1.0, 11.01, 0.25)  # 0.5-mm features: points on every edge
    predicate = shapely.intersects_xy if closed else shapely.contains_xy
    for xs, ys in ((xs_random, ys_random), (xs_edges, ys_edges)):
        x, y = np.meshgrid(xs, ys)
        assert np.array_equal(lattice_inside(geom, xs, ys, closed=closed), predicate(geom, x, y))
