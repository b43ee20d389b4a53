"""The DIW commands end to end: build, gcode --layer, gcode FILE.dxf --op diw, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from tests.diw.diw_checks import check_travels, check_whitelist, ink_volumetric, purge_lines, read

PATTERN = Path(__file__).parents[2] / "patterns" / "zn-mno2-diw.toml"


def _design(tmp_path: Path, **changes: str) -> Path:
    """The shipped pattern with ``key = value`` lines of the zn layer replaced."""
    text = PATTERN.read_text()
    head, zn, rest = text.partition('name = "zn anode"')
    for key, value in changes.items():
        lines = rest.split("\n")
        for i, line in enumerate(lines):
            if line.startswith(f"{key} ="):
                lines[i] = f"{key} = {value}"
                break
        else:
            lines.insert(1, f"{key} = {value}")
        rest = "\n".join(lines)
    path = tmp_path / "design.toml"
    path.write_text(head + zn + rest)
    return path


def test_build_writes_a_job_per_ink_and_a_two_tool_job(tmp_path):
    out = tmp_path / "out"
    r = run_cli("build", str(PATTERN), "-o", str(out))
    assert r.code == 0, r.err
    report = json.loads((out / "report.json").read_text())
    files = {j["file"]: j for j in report["jobs"] if j["file"].endswith(".gcode")}
    assert {"gcode/zn-anode.gcode", "gcode/mno2-cathode.gcode", "gcode/diw-all.gcode"} <= set(files)
    areas = {0: report["metrics"]["anode_area_mm2"], 1: report["metrics"]["cathode_area_mm2"]}
    layers = {0: 3, 1: 4}
    text = (out / "gcode/diw-all.gcode").read_text()
    check_whitelist(text)
    prog = read(text)
    check_travels(prog)
    for tool in (0, 1):
        laid = ink_volumetric(prog, tool, skip=purge_lines(text))
        assert laid == pytest.approx(areas[tool] * layers[tool] * 0.1, rel=0.03)
    for name in ("zn-anode", "mno2-cathode"):
        single = read((out / f"gcode/{name}.gcode").read_text())
        assert single.meta["origin_mm"] == prog.meta["origin_mm"]
        assert single.meta["fiducials_mm"] == prog.meta["fiducials_mm"]


def test_gcode_for_a_design_layer_then_estimate_and_preview(tmp_path):
    target = tmp_path / "zn.gcode"
    r = run_cli("gcode", str(PATTERN), "--layer", "zn anode", "-o", str(target), "--set", "layers=2")
    assert r.code == 0, r.err
    prog = read(target.read_text())
    assert prog.meta["layers"] == "2" and prog.tools == {0}
    r = run_cli("estimate", str(target), "--json")
    assert r.code == 0, r.err
    est = json.loads(r.out)
    assert est["ink_ul"]["T0"] > 0 and est["time_s"] > 0
    r = run_cli("preview", str(target), "-o", str(tmp_path / "zn.svg"))
    assert r.code == 0, r.err and (tmp_path / "zn.svg").exists()


def test_gcode_from_an_imported_drawing(tmp_path):
    dxf = tmp_path / "comb.dxf"
    r = run_cli("layout", "interdigitated", "--fingers", "3", "--anode-width", "800um",
                "--cathode-width", "800um", "--gap", "500um", "-o", str(dxf))
    assert r.code == 0, r.err
    target = tmp_path / "comb.gcode"
    r = run_cli("gcode", str(dxf), "--op", "diw", "-o", str(target), "--set", "layers=2")
    assert r.code == 0, r.err
    text = target.read_text()
    check_whitelist(text)
    prog = read(text)
    check_travels(prog)
    assert prog.tools == {0, 1}
    assert "warning" not in text


@pytest.mark.parametrize("changes, field, allowed", [
    ({"layer_height": '"500um"'}, "layer_height", "<= bead_width 0.4 mm"),
    ({"thickness": '"-300um"'}, "thickness", "> 0 mm"),
    ({"tool": "3"}, "tool", "tools 0..1"),
    ({"bead_width": '"0um"'}, "bead_width", "> 0 mm"),
    ({"layers": "0"}, "layers", ">= 1"),
])
def test_bad_settings_are_one_line_errors_naming_the_field(tmp_path, changes, field, allowed):
    design = _design(tmp_path, **changes)
    for args in (("build", str(design), "-o", str(tmp_path / "out")),
                 ("gcode", str(design), "--layer", "zn anode", "-o", str(tmp_path / "x.gcode"))):
        r = run_cli(*args)
        assert r.code == 2, (args, r.out, r.err)
        line = r.err.strip()
        assert "\n" not in line and line.startswith("error:")
        assert field in line and allowed in line, line
    assert not (tmp_path / "out" / "gcode").exists()


def test_bead_wider_than_the_fingers_is_a_design_rule_violation(tmp_path):
    design = _design(tmp_path, bead_width='"1mm"')
    r = run_cli("check", str(design))
    assert r.code == 1 and "diw_bead_width" in r.out + r.err
    r = run_cli("build", str(design), "-o", str(tmp_path / "out"))
    assert r.code == 2 and "diw_bead_width: zn anode" in r.err
    r = run_cli("build", str(design), "-o", str(tmp_path / "out"), "--force")
    assert r.code == 0, r.err
    assert r.err.startswith("warning:")
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert report["drc"]["rules"]["diw_bead_width"] >= 1
    r = run_cli("gcode", str(design), "--layer", "zn anode", "-o", str(tmp_path / "zn.gcode"))
    assert r.code == 0, r.err
    assert "; warning: diw_bead_width: zn anode" in (tmp_path / "zn.gcode").read_text()


def test_substrate_sets_origin_height_and_fiducials(tmp_path):
    text = PATTERN.read_text() + '\n[substrate]\nthickness = "1mm"\nbed_position = ["50mm", "20mm"]\n'
    design = tmp_path / "design.toml"
    design.write_text(text)
    r = run_cli("build", str(design), "-o", str(tmp_path / "out"))
    assert r.code == 0, r.err
    prog = read((tmp_path / "out/gcode/zn-anode.gcode").read_text())
    zs = sorted({round(m.z1, 6) for m in prog.moves if m.printing})
    assert zs[0] == pytest.approx(1.1)
    assert len(prog.meta["fiducials_mm"].split()) == 4
    xs = [m.x1 for m in prog.moves if m.printing]
    assert min(xs) >= 50


def test_single_nozzle_machine_gets_one_file_per_ink_with_a_syringe_pause(tmp_path):
    text = PATTERN.read_text().replace('machine = "marlin-syringe"', 'machine = "marlin-pneumatic"')
    text = text.replace("tool = 1\n", "tool = 0\n")
    design = tmp_path / "design.toml"
    design.write_text(text)
    out = tmp_path / "out"
    r = run_cli("build", str(design), "-o", str(out))
    assert r.code == 0, r.err
    assert not (out / "gcode/diw-all.gcode").exists()
    for name, ink in (("zn-anode", "zn"), ("mno2-cathode", "mno2")):
        gcode = (out / f"gcode/{name}.gcode").read_text()
        check_whitelist(gcode)
        check_travels(read(gcode))
        assert f"M0 Load {ink} syringe" in gcode
        assert "M42 P4 S255" in gcode and "M302" not in gcode
