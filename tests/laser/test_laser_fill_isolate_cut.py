"""Planned jobs burn what they promise: measured on the G-code they write, rasterised."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

import zmfab
from zmfab.gcode.laser_job import plan_geometry
from zmfab.gcode.parse import parse_gcode
from zmfab.toolpath import laser as L

OFFSET = (20.0, 20.0)
RES = 0.01


def _job(geom, op, settings, process="laser-diode", **kw):
    return plan_geometry(geom, op, process=process, settings=settings, offset=OFFSET,
                         date="2026-01-01", **kw)


def ring_with_hole():
    outer = Polygon([(0, 0), (3, 0), (3.5, 2), (1.5, 3.2), (0, 2)])
    return outer.difference(box(1.0, 0.8, 2.0, 1.6))


@pytest.mark.parametrize("settings", [
    {"spot": "0.1mm", "overscan": "1mm"},
    {"spot": "0.1mm", "angle": 30, "cross": True, "overscan": 0},
    {"spot": "0.08mm", "bidirectional": False, "overlap": "30%"},
])
def test_fill_covers_region_and_stays_inside(settings, burnt, rasterise, grbl_check, profiles):
    region = ring_with_hole()
    job = _job(region, "fill", settings)
    grbl_check(job.text(), profiles.get("machines", "grbl-diode"))
    spot = float(settings["spot"].removesuffix("mm"))
    area = burnt(job.text(), spot, OFFSET)
    bounds = region.buffer(1).bounds
    want = rasterise(region.buffer(-RES), bounds, RES)
    got = rasterise(area, bounds, RES)
    uncovered = want & ~got
    assert uncovered.sum() <= 0.002 * want.sum()  # only the sharp corners a round spot misses
    halo = rasterise(region.buffer(spot / 2 + RES), bounds, RES)
    assert not (got & ~halo).any()


def test_fill_without_outline_strays_at_most_half_the_spot(burnt, rasterise):
    region = zmfab.layout("interdigitated", fingers=3).electrode("anode")
    spot = 0.1
    job = _job(region, "fill", {"spot": spot, "outline": False, "overlap": "20%"})
    got = rasterise(burnt(job.text(), spot, OFFSET), region.buffer(1).bounds, RES)
    halo = rasterise(region.buffer(spot / 2 + RES), region.buffer(1).bounds, RES)
    assert got.any() and not (got & ~halo).any()


def test_fill_respects_holes_and_overscan_is_laser_off():
    region = box(0, 0, 4, 4).difference(box(1, 1, 3, 3))
    tp = L.fill(region, spot=0.1, overscan=1.5, outline=False)
    assert all(p.lead_in == 1.5 and p.lead_out == 1.5 for p in tp)
    hole = box(1.05, 1.05, 2.95, 2.95)
    assert not any(shapely.linestrings(p.points).intersects(hole) for p in tp)
    job = _job(region, "fill", {"spot": 0.1, "overscan": "1.5mm", "outline": False})
    prog = parse_gcode(job.text())
    off_g1 = [m for m in prog.moves if not m.rapid and not m.laser and m.length > 0]
    assert off_g1 and all(abs(m.length - 1.5) < 1e-3 or m.length > 1.5 for m in off_g1)


def test_fill_interval_larger_than_spot_is_refused():
    with pytest.raises(zmfab.ParameterError, match="interval"):
        L.fill(box(0, 0, 1, 1), spot=0.1, interval=0.2)


@pytest.mark.parametrize("gap", ["200um", "130um", "260um"])
def test_isolate_clears_the_whole_gap_and_nothing_else(gap, burnt, rasterise, grbl_check, profiles):
    lay = zmfab.layout("interdigitated", fingers=4, gap=gap)
    electrodes = shapely.union_all([lay.electrode("anode"), lay.electrode("cathode")])
    gap_area = lay["active_area"].difference(electrodes)
    spot = 0.06
    job = _job(electrodes, "isolate", {"spot": spot}, within=lay["active_area"])
    grbl_check(job.text(), profiles.get("machines", "grbl-diode"))
    bounds = lay["active_area"].buffer(0.2).bounds
    got = rasterise(burnt(job.text(), spot, OFFSET), bounds, RES)
    want = rasterise(gap_area.buffer(-RES), bounds, RES)
    assert (want & ~got).sum() <= 0.002 * want.sum()
    keep = rasterise(electrodes.buffer(-RES), bounds, RES)
    assert not (got & keep).any()


def test_isolate_without_active_area_uses_the_closing():
    a, b = box(0, 0, 1, 3), box(1.2, 0, 2.2, 3)
    gap = L.gap_region(shapely.union(a, b))
    assert gap.area == pytest.approx(0.2 * 3, rel=1e-3)
    with pytest.raises(zmfab.ParameterError, match="reach"):
        L.gap_region(a)


def _burn_runs(text, offset=OFFSET):
    """Consecutive burning moves joined into polylines (layout mm)."""
    runs, cur = [], None
    for m in parse_gcode(text).moves:
        if m.laser and m.length > 0:
            p0, p1 = (m.x0 - offset[0], m.y0 - offset[1]), (m.x1 - offset[0], m.y1 - offset[1])
            if cur is None or np.hypot(cur[-1][0] - p0[0], cur[-1][1] - p0[1]) > 1e-6:
                cur = [p0]
                runs.append(cur)
            cur.append(p1)
        elif m.length > 0:
            cur = None
    return runs


@pytest.mark.parametrize("keep", ["inside", "outside"])
def test_cut_kerf_offset_measured_on_output(keep):
    part = box(0, 0, 10, 6).difference(box(3, 2, 6, 4))
    kerf = 0.2
    job = _job(part, "cut", {"kerf": "200um", "keep": keep, "passes": 1}, process="laser-co2")
    runs = _burn_runs(job.text())
    assert len(runs) == 2
    pts = shapely.points(np.vstack(runs))
    d = shapely.distance(part.boundary, pts)
    assert np.allclose(d, kerf / 2, atol=2e-3)
    inside = shapely.contains(part, pts)
    assert not inside.any() if keep == "inside" else inside.all()
    first = shapely.linestrings(runs[0])
    assert box(2.5, 1.5, 6.5, 4.5).contains(first)  # the hole is cut before the outline


def test_cut_tabs_leave_bridges():
    part = box(0, 0, 10, 10)
    job = _job(part, "cut", {"kerf": 0.1, "tabs": 4, "tab_width": "1mm", "passes": 1},
               process="laser-co2")
    runs = _burn_runs(job.text())
    assert len(runs) == 4
    burnt_len = sum(shapely.linestrings(r).length for r in runs)
    assert burnt_len == pytest.approx(part.buffer(0.05).length - 4, abs=0.01)


def test_cut_passes_step_z_and_alternate_direction(profiles):
    part = box(0, 0, 5, 5)
    job = _job(part, "cut", {"kerf": 0.1, "passes": 3, "z_step": "0.5mm"}, process="laser-co2")
    zs = sorted({round(m.z1, 3) for m in parse_gcode(job.text()).moves if m.laser}, reverse=True)
    assert zs == [0.0, -0.5, -1.0]
    with pytest.raises(zmfab.ParameterError, match="Z axis"):
        _job(part, "cut", {"kerf": 0.1, "passes": 2, "z_step": "0.5mm"}, process="laser-diode")
    with pytest.raises(zmfab.ParameterError, match="tabs"):
        L.cut(box(0, 0, 1, 1), kerf=0.1, tabs=10, tab_width=1.0)


@pytest.mark.parametrize("angle", [0, 30, 90])
def test_scanline_hatch_equals_shapely_intersection(angle):
    region = zmfab.layout("interdigitated", fingers=5).electrode("anode").union(ring_with_hole())
    a, ra = L.hatch_segments(region, interval=0.07, angle=angle)
    b, rb = L.hatch_segments(region, interval=0.07, angle=angle, method="shapely")
    assert a.shape == b.shape and np.allclose(a, b, atol=1e-7) and (ra == rb).all()


def test_isolate_a_swiss_roll_by_closing(burnt, rasterise):
    roll = zmfab.layout("swiss-roll", turns=2)
    electrodes = shapely.union_all([roll.electrode("anode"), roll.electrode("cathode")])
    gap = L.gap_region(electrodes, reach=1.01 * roll.params["gap"])
    spot = 0.08
    job = _job(electrodes, "isolate", {"spot": spot, "reach": 1.01 * roll.params["gap"]})
    bounds = electrodes.buffer(0.3).bounds
    got = rasterise(burnt(job.text(), spot, OFFSET), bounds, 0.02)
    want = rasterise(gap.buffer(-0.02), bounds, 0.02)
    assert want.sum() > 100 and (want & ~got).sum() <= 0.002 * want.sum()
    assert not (got & rasterise(electrodes.buffer(-0.02), bounds, 0.02)).any()


def test_scanline_matches_shapely_on_random_polygons():
    rng = np.random.default_rng(7)
    for _ in range(20):
        pts = rng.random((12, 2)) * 5
        poly = shapely.make_valid(Polygon(pts)).buffer(0)
        if poly.is_empty:
            continue
        angle = float(rng.random() * 180)
        a, ra = L.hatch_segments(poly, interval=0.13, angle=angle)
        b, rb = L.hatch_segments(poly, interval=0.13, angle=angle, method="shapely")
        assert a.shape == b.shape and np.allclose(a, b, atol=1e-7) and (ra == rb).all()


def test_joined_at_lists_the_unburnt_pieces_that_touch_two_parts():
    """Two bars 0.1 mm apart (one with a hole): a crumb across the gap joins them; crumbs that
    touch one bar, or lie 1 µm off both, do not."""
    left_bar = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4)]])
    keep = shapely.union_all([left_bar, box(1.1, 0, 2.1, 1)])
    bridge = box(1.0, 0.45, 1.1, 0.5)  # touches both bars
    one_side = box(1.0, 0.7, 1.05, 0.75)  # touches the left bar only
    loose = box(1.001, 0.1, 1.099, 0.15)  # 1 µm off both
    in_hole = box(0.25, 0.22, 0.3, 0.25)  # inside the hole: touches nothing
    out = L.joined_at(shapely.union_all([bridge, one_side, loose, in_hole]), keep, spot=0.12)
    assert len(out) == 1
    assert out[0]["width_mm"] == pytest.approx(0.1)
    assert 1.0 <= out[0]["x"] <= 1.1 and 0.45 <= out[0]["y"] <= 0.5
