"""``zmfab gcode / estimate / preview`` and the build step, end to end."""

from __future__ import annotations

import json

import ezdxf
import pytest

from tests.cli_helpers import run_cli
from zmfab.build import build
from zmfab.design import load_design
from zmfab.gcode.parse import grbl_problems, header_meta, read_gcode
from zmfab.gcode.preview import preview_svg

DESIGN = """title = "Laser-scribed MXene"
family = "interdigitated"
[params]
fingers = 4
gap = "200um"
[laser]
date = "2026-01-01"
[[stack]]
name = "scribe"
method = "laser"
process = "laser-diode"
regions = ["anode", "anode_pad", "cathode", "cathode_pad"]
[[stack]]
name = "outline"
method = "laser"
process = "laser-co2"
regions = ["footprint"]
op = "cut"
passes = 1
[[stack]]
name = "electrolyte"
method = "stencil"
material = "pva-gel"
regions = ["active_area"]
exclude = ["anode_pad", "cathode_pad"]
clearance = "500um"
"""


@pytest.fixture
def design(tmp_path):
    path = tmp_path / "scribe.toml"
    path.write_text(DESIGN)
    return path


@pytest.fixture
def drawing(tmp_path):
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (4, 0), (4, 2), (0, 2)], close=True, dxfattribs={"layer": "anode"})
    msp.add_lwpolyline([(-1, -1), (6, -1), (6, 4), (-1, 4)], close=True,
                       dxfattribs={"layer": "outline"})
    path = tmp_path / "part.dxf"
    doc.saveas(path)
    return path


def test_gcode_from_design_layer_estimate_and_preview(design, tmp_path):
    out = tmp_path / "scribe.gcode"
    r = run_cli("gcode", str(design), "--layer", "scribe", "-o", str(out))
    assert r.code == 0, r.err
    assert "lines" in r.out
    text = out.read_text()
    assert grbl_problems(text) == []
    meta = header_meta(text.splitlines())
    assert meta["layer"] == "scribe" and meta["op"] == "isolate" and meta["date"] == "2026-01-01"
    r = run_cli("estimate", str(out), "--json")
    est = json.loads(r.out)
    assert {"time_s", "burn_mm", "travel_mm", "bounds_mm", "lines"} <= set(est)
    assert est["time_s"] > 0 and est["burn_mm"] > 0
    assert abs(est["time_s"] - float(meta["estimate_s"])) < 0.1
    r = run_cli("estimate", str(out), "--machine", "grbl-uv")
    assert r.code == 0 and "time" in r.out
    for suffix in ("svg", "png"):
        pic = tmp_path / f"p.{suffix}"
        r = run_cli("preview", str(out), "-o", str(pic))
        assert r.code == 0, r.err
        assert pic.stat().st_size > 1000
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_gcode_from_dxf_with_layer_ops(drawing, tmp_path):
    out = tmp_path / "part.gcode"
    r = run_cli("gcode", str(drawing), "--layer-op", "anode=fill", "--layer-op", "outline=cut",
                "--power", "50%", "--speed", "20mm/s", "--passes", "1", "--set", "kerf=0.1mm",
                "--process", "laser-diode", "--date", "2026-01-01", "-o", str(out))
    assert r.code == 0, r.err
    prog = read_gcode(out)
    assert {m.feed for m in prog.moves if m.laser} == {1200.0}
    assert {m.power for m in prog.moves if m.laser} == {500.0}
    last_burn = max(i for i, m in enumerate(prog.moves) if m.laser)
    assert prog.moves[last_burn].x1 < 10 - 1 + 0.06 or prog.moves[last_burn].y1 < 10 - 1 + 0.06


@pytest.mark.parametrize("args, field", [
    (["--op", "engrave"], "op"),
    (["--op", "fill", "--power", "150%"], "--power"),
    (["--op", "fill", "--power", "95%", "--process", "laser-co2"], "power"),
    (["--op", "cut", "--offset", "598,10", "--process", "laser-co2"], "X"),
    (["--op", "cut", "--set", "kerf"], "--set"),
    (["--layer-op", "cathode=cut"], "--layer-op"),
    ([], "--op"),
])
def test_bad_input_is_one_line_and_exit_2(drawing, tmp_path, args, field):
    r = run_cli("gcode", str(drawing), "-o", str(tmp_path / "x.gcode"), *args)
    assert r.code == 2
    assert r.err.startswith("error: ") and r.err.count("\n") == 1
    assert field in r.err
    assert not (tmp_path / "x.gcode").exists()


def test_malformed_dxf_and_unknown_layer(tmp_path, design):
    bad = tmp_path / "bad.dxf"
    bad.write_text("0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n8\nx\n90\nfoo\n")
    r = run_cli("gcode", str(bad), "--op", "cut")
    assert r.code == 2 and "not a valid DXF" in r.err and r.err.count("\n") == 1
    r = run_cli("gcode", str(design), "--layer", "nope")
    assert r.code == 2 and "layers: scribe, outline, electrolyte" in r.err
    r = run_cli("gcode", str(design), "--layer", "electrolyte")
    assert r.code == 2 and "stencil layer" in r.err


def test_build_writes_every_laser_layer(design, tmp_path):
    ctx = build(load_design(design), tmp_path / "out", force=True)
    files = {"gcode/scribe.gcode", "gcode/outline.gcode"}
    assert files <= set(ctx.report["files"])
    jobs = {j["layer"]: j for j in ctx.report["jobs"] if j.get("method") == "laser"}
    assert set(jobs) == {"scribe", "outline"}
    assert jobs["outline"]["op"] == "cut" and jobs["outline"]["time_s"] > 0
    for name in files:
        assert grbl_problems((tmp_path / "out" / name).read_text()) == []


def test_preview_svg_has_bed_burns_and_dashed_travels(design, tmp_path):
    out = tmp_path / "o.gcode"
    run_cli("gcode", str(design), "--layer", "outline", "-o", str(out))
    svg = preview_svg(read_gcode(out), machine={"bed_mm": [600, 400]}, title="o")
    assert 'id="burn"' in svg and "stroke-dasharray" in svg and "<rect" in svg
    r = run_cli("preview", str(out), "-o", str(tmp_path / "p.pdf"))
    assert r.code == 2 and ".svg or .png" in r.err


def test_diw_is_dispatched_to_the_diw_planner(drawing, tmp_path):
    pytest.importorskip("zmfab.gcode.diw_job")
    out = tmp_path / "ink.gcode"
    r = run_cli("gcode", str(drawing), "--op", "diw", "--layer-op", "anode=diw",
                "--machine", "marlin-syringe", "-o", str(out))
    assert r.code == 0, r.err
    prog = read_gcode(out)
    assert prog.dialect == "marlin" and any(m.printing for m in prog.moves)
    r = run_cli("estimate", str(out), "--json")
    assert set(json.loads(r.out)["ink_ul"]) == {"T0"}
