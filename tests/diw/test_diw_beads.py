"""Bead planning: section and pitch, serpentines, one-bead fingers, coverage, volume, layers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import Point, box

import zmfab
from tests.diw.diw_checks import raster_cover, toolpath_beads
from zmfab.errors import ParameterError
from zmfab.toolpath.beads import bead_pitch, bead_section, laid_volume, plan_beads

W, H = 0.4, 0.1
P = bead_pitch(W, H)


def test_stadium_section_and_pitch_lay_one_layer_height_per_area():
    assert bead_section(W, H) == pytest.approx((W - H) * H + math.pi * H ** 2 / 4)
    assert bead_section(0.2, 0.2) == pytest.approx(math.pi * 0.01)  # round bead
    assert P * H == pytest.approx(bead_section(W, H))
    assert W - H < P < W  # beads overlap


def _covered(region, tp, layer=0):
    return raster_cover(region, toolpath_beads(tp, layer), half_bead=W / 2)


def test_rectangle_of_whole_beads_is_one_serpentine_at_nominal_flow():
    region = box(0, 0, 6 * P, 8.0)
    tp = plan_beads(region, width=W, height=H, layers=1)
    assert len(tp) == 1
    flows = np.asarray(tp.paths[0].settings["segment_flow"])
    assert np.allclose(flows, flows[0]) and flows[0] == pytest.approx(1.0, abs=0.02)
    xs = sorted({round(x, 6) for x in tp.paths[0].points[:, 0]})
    assert np.allclose(np.diff(xs), P) and xs[0] == pytest.approx(P / 2)
    assert laid_volume(tp) == pytest.approx(region.area * H, rel=1e-9)
    covered, outside = _covered(region, tp)
    assert covered >= 0.98 and outside < 0.02


def test_finger_one_bead_wide_is_one_straight_bead():
    tp = plan_beads(box(0, 0, W, 8.0), width=W, height=H)
    assert len(tp) == 1 and len(tp.paths[0].points) == 2
    (x0, y0), (x1, y1) = tp.paths[0].points
    assert x0 == x1 == pytest.approx(W / 2) and abs(y1 - y0) == pytest.approx(8.0 - W, abs=0.05)


def test_lanes_run_along_the_long_side():
    def along_y(tp):
        d = np.abs(np.concatenate([np.diff(p.points, axis=0) for p in tp]))
        return d[:, 1].sum() / d.sum()

    assert along_y(plan_beads(box(0, 0, 2, 10), width=W, height=H)) > 0.9
    assert along_y(plan_beads(box(0, 0, 10, 2), width=W, height=H)) < 0.1
    ell = shapely.union(box(0, 0, 1.2, 8), box(0, 0, 8, 1.2))
    tp = plan_beads(ell, width=W, height=H)
    assert len(tp) == 1 and 0.4 < along_y(tp) < 0.6
    assert np.asarray(tp.paths[0].settings["segment_flow"]).std() < 0.1
    skew = affinity.rotate(box(0, 0, 12, 2), 30, origin=(0, 0))
    tp = plan_beads(skew, width=W, height=H)
    seg = np.diff(tp.paths[0].points[:2], axis=0)[0]
    assert abs(math.degrees(math.atan2(seg[1], seg[0])) % 180 - 30) < 1
    covered, outside = _covered(skew, tp)
    assert covered >= 0.98 and outside < 0.02


def test_comb_is_a_few_serpentines_joined_through_the_bus():
    lay = zmfab.layout("interdigitated", fingers=8, anode_width="800um", gap="500um",
                       finger_length="6mm", bus_width="800um")
    region = shapely.union(lay["anode"], lay["anode_pad"])
    tp = plan_beads(region, width=W, height=H, layers=2)
    per_layer = [sum(1 for p in tp if p.settings["layer"] == k) for k in (0, 1)]
    assert per_layer[0] <= 3, per_layer
    assert laid_volume(tp) == pytest.approx(region.area * 2 * H, rel=1e-6)
    assert 0.95 < tp.meta["trim_min"] <= tp.meta["trim_max"] < 1.05
    for k in (0, 1):
        covered, outside = _covered(region, tp, k)
        assert covered >= 0.98 and outside < 0.02


def test_square_layers_cross_and_comb_layers_reverse():
    tp = plan_beads(box(0, 0, 5, 5), width=W, height=H, layers=3)
    angles = [p.settings["angle"] for p in tp]
    assert set(angles) == {0.0, 90.0}
    lay = zmfab.layout("interdigitated", fingers=4, anode_width="800um", gap="500um")
    comb = plan_beads(lay["anode"], width=W, height=H, layers=2, alternate="auto")
    assert {p.settings["angle"] for p in comb} == {0.0}
    first = [p for p in comb if p.settings["layer"] == 0]
    second = [p for p in comb if p.settings["layer"] == 1]
    assert np.allclose(second[0].points[0], first[-1].points[-1])
    crossed = plan_beads(lay["anode"], width=W, height=H, layers=2, alternate="cross")
    assert {p.settings["angle"] for p in crossed} == {0.0, 90.0}


def test_layers_rise_by_the_layer_height():
    tp = plan_beads(box(0, 0, 3, 3), width=W, height=H, layers=4, z0=0.5)
    assert sorted({p.settings["z"] for p in tp}) == pytest.approx([0.6, 0.7, 0.8, 0.9])


@pytest.mark.parametrize("region", [
    Point(0, 0).buffer(3.0, quad_segs=32),
    Point(0, 0).buffer(4.0, quad_segs=32).difference(Point(0, 0).buffer(1.5, quad_segs=32)),
    shapely.Polygon([(0, 0), (8, 0), (4, 6)]),
], ids=["disc", "ring", "triangle"])
def test_curved_and_holed_regions_are_covered(region):
    tp = plan_beads(region, width=W, height=H, layers=1)
    covered, outside = _covered(region, tp)
    assert covered >= 0.98 and outside < 0.02
    assert laid_volume(tp) == pytest.approx(region.area * H, rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(long=st.floats(10.0, 25.0), tall=st.floats(10.0, 25.0), arms=st.floats(2.0, 6.0),
       bead=st.sampled_from([0.3, 0.4, 0.6]))
def test_l_shapes_are_covered_with_exact_ink(long, tall, arms, bead):
    """L shapes with arms 2-6 beads wide and 10-25 beads long. Each lane end leaves two corners
    of about (1 - π/4)(p/2)² mm² bare (a bead ends round), so a shape only a few beads long each
    way (lanes of a few beads) falls below 98 % coverage."""
    arm, w, h = arms * bead, long * bead, tall * bead
    region = shapely.union(box(0, 0, w + arm, arm), box(0, 0, arm, h + arm))
    tp = plan_beads(region, width=bead, height=0.1)
    covered, outside = raster_cover(region, toolpath_beads(tp, 0), half_bead=bead / 2, step=0.03)
    assert covered >= 0.98 and outside < 0.02
    assert laid_volume(tp) == pytest.approx(region.area * 0.1, rel=1e-6)


@pytest.mark.parametrize("kwargs, field", [
    ({"width": 0.4, "height": 0.5}, "layer_height"),
    ({"width": 0.4, "height": -0.1}, "layer_height"),
    ({"width": 0.0, "height": 0.1}, "bead_width"),
    ({"width": 0.4, "height": 0.1, "layers": 0}, "layers"),
    ({"width": 0.4, "height": 0.1, "alternate": "zigzag"}, "alternate"),
])
def test_bad_bead_settings_name_the_field(kwargs, field):
    with pytest.raises(ParameterError) as exc:
        plan_beads(box(0, 0, 2, 2), **kwargs)
    assert exc.value.field == field


@pytest.mark.parametrize("family, params", [
    ("swiss-roll", {"turns": 5, "anode_width": "400um", "cathode_width": "500um", "gap": "250um"}),
    ("concentric", {"rings": 3, "anode_width": "500um", "cathode_width": "600um", "gap": "300um"}),
])
def test_curved_tracks_are_laid_along_their_centre_line(family, params):
    lay = zmfab.layout(family, **params)
    for electrode in ("anode", "cathode"):
        region = shapely.union(lay[electrode], lay[f"{electrode}_pad"])
        tp = plan_beads(region, width=W, height=H, layers=1)
        assert len(tp) <= 8 * len(shapely.get_parts(region))
        assert laid_volume(tp) == pytest.approx(region.area * H, rel=1e-6)
        assert 0.9 < tp.meta["trim_min"] and tp.meta["trim_max"] < 1.1
        covered, outside = _covered(region, tp)
        assert covered >= 0.98 and outside < 0.02, (electrode, covered, outside)


@pytest.mark.parametrize("family, params", [
    ("swiss-roll", {"turns": 3, "anode_width": "800um", "cathode_width": "1.2mm", "gap": "400um"}),
    ("concentric", {"rings": 3, "anode_width": "800um", "cathode_width": "1mm", "gap": "400um"}),
    ("interdigitated", {"fingers": 4, "anode_width": "800um", "cathode_width": "800um", "gap": "500um",
                        "corner_radius": "200um"}),
])
def test_wide_curved_tracks_get_parallel_lanes(family, params):
    lay = zmfab.layout(family, **params)
    for electrode in ("anode", "cathode"):
        region = shapely.union(lay[electrode], lay[f"{electrode}_pad"])
        tp = plan_beads(region, width=W, height=H, layers=1)
        assert laid_volume(tp) == pytest.approx(region.area * H, rel=1e-6)
        assert 0.95 < tp.meta["trim_min"] and tp.meta["trim_max"] < 1.05
        covered, outside = _covered(region, tp)
        assert covered >= 0.98 and outside < 0.02, (electrode, covered, outside)
