"""Inkjet bitmaps: drops counted against the area, PNG/TIFF read back (own readers and Pillow)
with the DPI of the drop spacing, the ink volume and the layers for a thickness, the rules."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from tests.cli_helpers import run_cli
from tests.stack.stack_helpers import design_from
from zmfab.drc import check_design
from zmfab.export.bitmap import png_bytes, read_png, read_tiff, tiff_bytes
from zmfab.process.inkjet import inkjet_settings, plan_inkjet
from zmfab.profiles import Profiles
from zmfab.toolpath.raster import rasterize

ROOT = Path(__file__).resolve().parents[2]
PATTERN = ROOT / "patterns" / "inkjet-printed-msc.toml"
PROFILES = Profiles()


def test_a_grid_aligned_rectangle_has_area_over_spacing_squared_drops():
    r = rasterize(box(0, 0, 2.0, 1.0), 0.02)
    assert r.grid.shape == (50, 100)
    assert r.count == round(2.0 / 0.02 ** 2)


def test_drops_of_a_disc_match_its_area_and_sit_inside_it():
    disc = Point(1.013, 0.77).buffer(0.8, quad_segs=64)
    pitch = 0.02
    r = rasterize(disc, pitch)
    assert abs(r.count * pitch ** 2 - disc.area) < disc.length * pitch / 2
    centres = r.centres()
    assert shapely.contains_xy(disc, centres[:, 0], centres[:, 1]).all()
    # every grid point well inside the disc is a drop
    x0, y0 = r.x0, r.y0
    rows, cols = r.grid.shape
    xs, ys = np.meshgrid(x0 + (np.arange(cols) + 0.5) * pitch, y0 + (np.arange(rows)[::-1] + 0.5) * pitch)
    inside = shapely.contains_xy(disc.buffer(-1e-6), xs, ys)
    assert (r.grid == inside).all()


def test_a_ring_keeps_its_hole():
    ring = Point(0, 0).buffer(1.0).difference(Point(0, 0).buffer(0.5))
    r = rasterize(ring, 0.02)
    rows, cols = r.grid.shape
    assert not r.grid[rows // 2, cols // 2] and r.grid[rows // 2, 2]


@pytest.mark.parametrize("writer, reader", [(png_bytes, read_png), (tiff_bytes, read_tiff)])
def test_bitmaps_read_back_the_same_drops_and_dpi(writer, reader):
    grid = rasterize(Point(0, 0).buffer(0.3).union(box(0.4, -0.1, 0.61, 0.1)), 0.02).grid
    data = writer(grid, dpi=1270.0)
    back, dpi = reader(data)
    assert (back == grid).all() and dpi == pytest.approx(1270.0, abs=0.01)


@pytest.mark.parametrize("writer", [png_bytes, tiff_bytes])
def test_pillow_reads_the_bitmaps_as_two_level_images_with_the_dpi(writer):
    image_mod = pytest.importorskip("PIL.Image")
    grid = rasterize(box(0, 0, 0.5, 0.3).difference(box(0.1, 0.1, 0.2, 0.2)), 0.02).grid
    img = image_mod.open(io.BytesIO(writer(grid, dpi=1270.0)))
    assert img.mode == "1" and img.size == (grid.shape[1], grid.shape[0])
    assert img.info["dpi"][0] == pytest.approx(1270.0, abs=0.01)
    black = np.asarray(img.convert("L")) == 0
    assert (black == grid).all()


def test_build_reports_drops_volume_and_layers_that_the_bitmaps_hold(tmp_path):
    out = tmp_path / "b"
    r = run_cli("build", str(PATTERN), "-o", str(out))
    assert r.code == 0, r.err
    report = json.loads((out / "report.json").read_text())
    entries = {e["layer"]: e for e in report["routes"]}
    mx = entries["mxene electrodes"]
    grid, dpi = read_png((out / mx["files"][0]).read_bytes())
    assert dpi == pytest.approx(1270.0, abs=0.01) and mx["dpi"] == 1270.0
    assert int(grid.sum()) == mx["drops_per_layer"]
    tgrid, _ = read_tiff((out / mx["files"][1]).read_bytes())
    assert (tgrid == grid).all()
    # 2 µm of a 0.5 vol% ink at 10 pL per (20 µm)²: 0.125 µm a layer, 16 layers
    per_layer = 10e-6 * 0.005 / 0.02 ** 2
    assert mx["print_layers"] == math.ceil(0.002 / per_layer) == 16
    assert mx["drops"] == 16 * mx["drops_per_layer"]
    assert mx["volume_uL"] == pytest.approx(mx["drops"] * 10e-6)
    # the drops cover the layer's area to within the edge pixels
    assert mx["printed_area_mm2"] == pytest.approx(mx["area_mm2"], rel=0.02)
    # both bitmaps share the substrate frame, so they register
    assert entries["silver collector"]["bitmap_px"] == mx["bitmap_px"]


INKJET = """
title = "t"
family = "interdigitated"
[params]
fingers = 3
anode_width = "{w}"
cathode_width = "{w}"
gap = "{gap}"
finger_length = "3mm"
bus_width = "600um"
pad_size = "1.5mm"
margin = "1mm"
[[stack]]
name = "ink"
method = "inkjet"
material = "silver"
regions = ["anode", "anode_pad"]
{extra}
[[stack]]
name = "ink2"
method = "inkjet"
material = "silver"
regions = ["cathode", "cathode_pad"]
"""


def rules(text: str) -> dict:
    _, _, violations = check_design(design_from(text), PROFILES)
    return {v.rule: v for v in violations}


def test_rules_flag_lines_below_a_dot_gaps_the_drops_bridge_and_dots_that_do_not_close():
    assert not {"inkjet_line", "inkjet_space", "inkjet_coverage"} & set(
        rules(INKJET.format(w="200um", gap="150um", extra="")))
    v = rules(INKJET.format(w="40um", gap="150um", extra=""))["inkjet_line"]
    assert v.allowed_mm == pytest.approx(0.045) and v.measured_mm == pytest.approx(0.04, abs=1e-3)
    v = rules(INKJET.format(w="200um", gap="50um", extra=""))["inkjet_space"]
    assert v.layer == "ink/ink2" and v.allowed_mm == pytest.approx(0.045 + 0.02)
    v = rules(INKJET.format(w="200um", gap="150um", extra='dot_diameter = "25um"'))["inkjet_coverage"]
    assert v.allowed_mm == pytest.approx(0.02 * math.sqrt(2))


def test_settings_out_of_range_are_refused_naming_the_key(tmp_path):
    path = tmp_path / "d.toml"
    design_from(INKJET.format(w="200um", gap="150um", extra='drop_spacing = "0"'), path)
    r = run_cli("build", str(path), "-o", str(tmp_path / "out"))
    assert r.code == 2 and "drop_spacing" in r.err and r.err.count("\n") == 1
    assert not (tmp_path / "out").exists()
    with pytest.raises(Exception, match="layers"):
        inkjet_settings(PROFILES, settings={"layers": 0})
    with pytest.raises(Exception, match="machine"):
        inkjet_settings(PROFILES, machine="grbl-co2")


def test_layers_given_are_printed_as_given():
    s = inkjet_settings(PROFILES, settings={"layers": 3})
    plan = plan_inkjet(box(0, 0, 1, 1), s)
    assert plan.print_layers == 3 and plan.drops == 3 * 2500
