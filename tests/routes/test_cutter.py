"""Cutter stencils: the HPGL read back against the layout, weeding order, drag-knife
compensation (a simulated trailing blade cuts the drawn corner), overcut, bridges, CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon, box

import zmfab
from tests.cli_helpers import run_cli
from zmfab.export.hpgl import hpgl_lines, read_hpgl
from zmfab.profiles import Profiles
from zmfab.regions import as_multipolygon
from zmfab.toolpath.cutter import cut_settings, hpgl_for, plan_cut
from zmfab.toolpath.dragknife import contours, knife_path, trailing_tip, weeding_order

ROOT = Path(__file__).resolve().parents[2]
PATTERN = ROOT / "patterns" / "zn-mns-cut-stencil.toml"
PROFILES = Profiles()
UNIT = 1 / 40  # mm per plotter unit


def plain(**extra):
    """Cameo settings without compensation, overcut, bridges or outline (the raw contours)."""
    return cut_settings(PROFILES, settings={"blade_offset": 0, "overcut": 0, "outline": False,
                                            "bridges": False, "offset": "0,0", **extra})


def test_hpgl_reads_back_the_layout_contours_at_40_units_per_mm():
    lay = zmfab.layout("interdigitated", fingers=4, gap="500um")
    geom = lay.electrode("anode")
    plan = plan_cut(geom, plain())
    text = "\n".join(hpgl_for(plan))
    prog = read_hpgl(text)
    assert prog.commands[:4] == ["IN", "SP", "VS", "FS"]
    cam = PROFILES.get("processes", "cutter-stencil")["cut"]
    assert prog.settings["VS"] == pytest.approx(float(cam["speed"].rstrip("cm/s")))
    assert prog.settings["FS"] == cam["force"]
    # the sheet's lower-left corner sits at the origin: shift the layout the same way
    sx0, sy0 = plan.sheet.bounds[:2]
    boundary = as_multipolygon(geom).boundary
    assert len(prog.cuts) == len(contours(geom))
    for cut in prog.cuts:
        pts = cut + [sx0, sy0]
        assert max(boundary.distance(Point(p)) for p in pts) <= UNIT  # rounding to 0.025 mm
        assert np.allclose(cut[0], cut[-1], atol=UNIT)  # closed
    assert prog.cut_mm == pytest.approx(boundary.length, rel=2e-3)
    # every number in the file is an integer plotter unit
    for line in text.splitlines():
        if line.startswith(("PU", "PD")) and len(line) > 3:
            assert all(v.lstrip("-").isdigit() for v in line[2:-1].split(","))


def test_inner_contours_are_cut_before_the_ones_around_them():
    # a ring with an island inside, a hole in the island, and a far square
    g = box(0, 0, 10, 10).difference(box(2, 2, 8, 8)).union(box(3, 3, 7, 7).difference(box(4, 4, 6, 6)))
    g = g.union(box(20, 0, 22, 2))
    order = weeding_order(contours(g))
    polys = [Polygon(c.points) for c in order]
    for i, a in enumerate(polys):
        for b in polys[i + 1:]:
            assert not a.contains(b.buffer(-1e-6)), "an outer contour was cut before one inside it"
    assert [c.depth for c in order][:2] == [3, 2]


def test_design_stencil_cuts_openings_before_the_sheet_outline(tmp_path):
    out = tmp_path / "b"
    r = run_cli("build", str(PATTERN), "-o", str(out))
    assert r.code == 0, r.err
    prog = read_hpgl((out / "cut" / "zn_anode.plt").read_text())
    polys = [Polygon(c).buffer(0) for c in prog.cuts]
    last = polys[-1]
    assert all(last.contains(p) for p in polys[:-1])  # the outline encloses every opening, cut last
    for i, a in enumerate(polys):
        assert not any(a.contains(b.buffer(-0.3)) for b in polys[i + 1:] if not b.is_empty)
    report = json.loads((out / "report.json").read_text())
    zn = next(e for e in report["routes"] if e["layer"] == "zn anode")
    assert zn["files"] == ["cut/zn_anode.plt", "cut/zn_anode.svg", "cut/zn_anode-preview.svg"]
    assert (zn["speed_cm_s"], zn["force"]) == (4.0, 12)  # the layer's own settings
    assert prog.settings["VS"] == 4 and prog.settings["FS"] == 12
    assert zn["cut_mm"] == pytest.approx(prog.cut_mm, rel=1e-2)  # the file rounds to 0.025 mm
    # the Silhouette SVG: true size in mm, one closed path per contour, in cut order
    root = ET.parse(out / "cut" / "zn_anode.svg").getroot()
    assert root.get("width").endswith("mm")
    sub = report["substrate"]["bounds_mm"]
    assert float(root.get("width")[:-2]) == pytest.approx(sub[2] - sub[0])
    paths = [e for e in root.iter() if e.tag.endswith("path")]
    assert len(paths) == zn["contours"] and all(p.get("d").endswith("Z") for p in paths)


def square_tip_error(offset: float, compensate: bool) -> tuple[float, float]:
    sq = box(0, 0, 5, 3)
    pts = contours(sq)[0].points
    axis = knife_path(pts, offset=offset if compensate else 0.0, overcut=0.0)
    # the axis path as the file holds it (0.025 mm steps), then the trailing blade
    axis = np.rint(axis * 40) / 40
    tip = trailing_tip(axis, offset=offset)
    path = LineString(tip)
    along = max(sq.exterior.distance(Point(p)) for p in tip[::3])
    corners = max(path.distance(Point(p)) for p in pts)
    return along, corners


def test_blade_offset_compensation_makes_the_trailing_tip_cut_the_drawn_corners():
    along, corners = square_tip_error(0.25, compensate=True)
    assert along < 0.03 and corners < 0.03
    along_raw, corners_raw = square_tip_error(0.25, compensate=False)
    assert corners_raw > 0.1  # an uncompensated knife rounds every corner by ~0.17 mm


def test_overcut_runs_past_the_start_and_swivel_arcs_stay_on_the_offset_circle():
    pts = contours(box(0, 0, 4, 4))[0].points
    axis = knife_path(pts, offset=0.0, overcut=0.5)
    assert np.hypot(*np.diff(axis, axis=0).T).sum() == pytest.approx(16.5)
    assert np.allclose(axis[-1], pts[0] + [0.5, 0.0]) or np.allclose(axis[-1], pts[0] + [0.0, 0.5])
    comp = knife_path(pts, offset=0.3, overcut=0.0, swivel=10)
    corner = pts[1]
    near = comp[np.hypot(*(comp - corner).T) < 0.31]
    assert len(near) >= 9 and np.allclose(np.hypot(*(near - corner).T), 0.3)  # the swivel arc


def test_islands_of_a_concentric_stencil_are_bridged_and_the_film_stays_one_piece():
    # two concentric ring openings: the disc and the ring of film between them would fall out
    geom = Point(0, 0).buffer(6).difference(Point(0, 0).buffer(5)).union(
        Point(0, 0).buffer(3).difference(Point(0, 0).buffer(2)))
    settings = cut_settings(PROFILES, settings={"outline": False})
    plan = plan_cut(geom, settings)
    assert plan.islands == 2 and len(plan.bridges) >= plan.islands
    film = plan.sheet.difference(plan.openings)
    assert len(as_multipolygon(film).geoms) == 1
    assert plan.openings.area < geom.area  # the bridges take film back from the openings


def test_hpgl_writer_splits_long_polylines_and_skips_repeated_points():
    path = np.array([[0, 0], [0.01, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
    lines = hpgl_lines([path], speed_cm_s=5, force=10, max_points=2)
    assert lines[:4] == ["IN;", "SP1;", "VS5;", "FS10;"]
    assert lines[4] == "PU0,0;" and lines[5] == "PD40,0,40,40;" and lines[6] == "PD0,40,0,0;"
    assert lines[-2:] == ["PU;", "SP0;"]


def test_cli_cuts_a_drawing_and_a_design_layer(tmp_path):
    dxf = tmp_path / "ring.dxf"
    zmfab.export.export_layout(zmfab.layout("concentric"), str(dxf))
    target = tmp_path / "stencil.plt"
    r = run_cli("gcode", str(dxf), "--op", "cut", "--dialect", "hpgl", "-o", str(target),
                "--machine", "graphtec-ce6000", "--speed", "20cm/s", "--set", "force=14")
    assert r.code == 0, r.err
    prog = read_hpgl(target.read_text())
    assert prog.settings["VS"] == 20 and prog.settings["FS"] == 14
    assert "contours" in r.out and "graphtec-ce6000" in r.out
    svg = tmp_path / "stencil.svg"
    r = run_cli("gcode", str(PATTERN), "--op", "cut", "--dialect", "hpgl", "--layer", "mns cathode",
                "-o", str(svg))
    assert r.code == 0, r.err and svg.read_text().startswith("<?xml")


@pytest.mark.parametrize("args, field", [
    (("--op", "fill"), "--op"),
    (("--set", "force=99"), "force"),
    (("--speed", "500cm/s"), "speed"),
    (("--machine", "grbl-co2"), "machine"),
    (("--power", "50%"), "--power"),
])
def test_cli_refuses_bad_cutter_settings_and_writes_nothing(tmp_path, args, field):
    target = tmp_path / "x.plt"
    r = run_cli("gcode", str(PATTERN), "--dialect", "hpgl", "--layer", "zn anode", "-o", str(target),
                *args)
    assert r.code == 2 and r.err.startswith(f"error: {field}") and "\n" == r.err[-1]
    assert r.err.count("\n") == 1 and not target.exists()
