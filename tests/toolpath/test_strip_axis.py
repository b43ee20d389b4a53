"""The middle of a strip from its two sides: straight, bent, tapered, closed; and what is not a strip."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

import zmfab
from zmfab.export.dxf import write_dxf
from zmfab.imports import layout_from_drawing
from zmfab.toolpath.bead_lines import THIN_PITCHES, centre_lines
from zmfab.toolpath.beads import bead_pitch, plan_beads
from zmfab.toolpath.strip_axis import strip_axis

P = bead_pitch(0.4, 0.1)


def _axis(poly):
    return strip_axis(poly, reach=1.25 * THIN_PITCHES * P, step=2 * P, tolerance=P / 20)


@pytest.mark.parametrize("reverse", [False, True])
def test_straight_strip_runs_cap_to_cap_down_its_middle(reverse):
    poly = box(0, 0, 20, 0.4)
    if reverse:
        poly = Polygon(poly.exterior.coords[::-1])
    pts, w = _axis(poly)
    assert np.allclose(pts[:, 1], 0.2) and np.allclose(w, 0.4)
    assert sorted([pts[0, 0], pts[-1, 0]]) == pytest.approx([0.0, 20.0])


@pytest.mark.parametrize("arm", [6.0, 1.2])
def test_bend_is_mitred_at_the_corner_of_the_two_middles(arm):
    # a 10 mm arm along x, 0.4 wide, turning into an arm along y, 0.5 wide (the short one is
    # shorter than a ray's reach: rays from the bend's outer wall run up it to its cap)
    poly = Polygon([(0, 0), (10.5, 0), (10.5, arm), (10, arm), (10, 0.4), (0, 0.4)])
    pts, w = _axis(poly)
    corner = np.array([10.25, 0.2])
    assert np.min(np.hypot(*(pts - corner).T)) < 0.01
    assert LineString(pts).length == pytest.approx(10.25 + arm - 0.2, rel=1e-3)
    assert shapely.distance(shapely.points(pts[1:-1]), poly.boundary).min() >= 0.2 - 1e-6
    assert np.all((w > 0.4 - 1e-9) & (w < 0.5 + 1e-9))


def test_tapered_strip_follows_its_width():
    poly = Polygon([(0, 0), (30, -0.1), (30, 0.6), (0, 0.4)])
    pts, w = _axis(poly)
    width_at = np.interp(pts[:, 0], [0, 30], [0.4, 0.7])
    assert np.allclose(w, width_at, atol=0.01)
    assert np.allclose(pts[:, 1], np.interp(pts[:, 0], [0, 30], [0.2, 0.25]), atol=0.01)


def test_ring_is_a_closed_line_at_the_middle_radius():
    ring = Point(0, 0).buffer(5, 256).difference(Point(0, 0).buffer(4.6, 256))
    pts, w = _axis(ring)
    assert np.allclose(pts[0], pts[-1])
    assert np.allclose(np.hypot(*pts.T), 4.8, atol=0.005) and np.allclose(w, 0.4, atol=0.005)


@pytest.mark.parametrize("poly", [
    box(0, 0, 20, 0.4).union(box(9.8, 0, 10.2, 8)),  # a T: three ends
    box(0, 0, 4, 0.4),  # a stub: ten widths long
    box(0, 0, 20, 3).difference(MultiPolygon([box(1, 1, 9, 2), box(11, 1, 19, 2)])),  # two holes
    Point(0, 0).buffer(3),  # a disc
])
def test_what_is_not_a_strip_is_left_to_the_general_path(poly):
    assert _axis(poly) is None


def test_strip_and_branched_piece_both_get_a_bead():
    strip = affinity.translate(box(0, 0, 20, 0.4), 0, 10)
    tee = box(0, 0, 20, 0.4).union(box(9.8, 0, 10.2, 6))
    chains, _ = centre_lines(MultiPolygon([strip, tee]), pitch=P)
    laid = shapely.union_all([LineString(c).buffer(0.2) for c in chains])
    for piece in (strip, tee):
        assert laid.intersection(piece).area > 0.95 * piece.area


def test_imported_swiss_roll_is_one_bead_per_spiral(tmp_path):
    lay = zmfab.layout("swiss-roll", turns=4, anode_width=0.4, cathode_width=0.5, gap=0.25)
    path = tmp_path / "roll.dxf"
    write_dxf(lay, path)
    drawn = layout_from_drawing(path)
    for electrode in ("anode", "cathode"):
        region = shapely.union(drawn[electrode], drawn[f"{electrode}_pad"])
        made = shapely.union(lay[electrode], lay[f"{electrode}_pad"])
        tp = plan_beads(region, width=0.4, height=0.1)
        ref = plan_beads(made, width=0.4, height=0.1)
        assert len(tp) == len(ref) == 2
        longest = max(LineString(q.points).length for q in tp)
        assert longest == pytest.approx(max(LineString(q.points).length for q in ref), rel=1e-3)
