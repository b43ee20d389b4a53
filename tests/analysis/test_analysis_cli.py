"""``zmfab cell``, ``simulate``, ``compare``, ``roll`` through ``zmfab.cli.main``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import zmfab
from zmfab.cli import main

ROOT = Path(__file__).resolve().parents[2]
PRINTED = ROOT / "patterns" / "zn-mno2-screen-printed.toml"
CONCENTRIC = ROOT / "patterns" / "zn-ion-msc-concentric.toml"
COARSE = ("--cells", "3000")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def one_line_error(code: int, err: str) -> str:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


def test_cell_json_has_the_promised_keys(capsys):
    code, out, err = run(capsys, "cell", PRINTED, "--json")
    assert code == 0, err
    est = json.loads(out)
    for key in ("capacity_mah", "areal_capacity_mah_cm2", "areal_energy_mwh_cm2", "np_ratio", "voltage_v"):
        assert isinstance(est[key], float)


def test_cell_table_and_target_np(capsys):
    code, out, err = run(capsys, "cell", CONCENTRIC, "--target-np", "3")
    assert code == 0, err
    assert "hybrid capacitor" in out and "capacitance" in out and "anode for N/P 3" in out


def test_cell_unknown_material_is_one_line_exit_2(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(PRINTED.read_text().replace('anode_material = "zn"', 'anode_material = "kryptonite"'))
    line = one_line_error(*run(capsys, "cell", bad, "--json")[::2])
    assert "cell.anode_material" in line and "kryptonite" in line and "known:" in line


def test_simulate_design_json_and_files(capsys, tmp_path):
    code, out, err = run(capsys, "simulate", PRINTED, *COARSE, "--conductivity", "10mS/cm",
                         "--thickness", "50um", "-o", tmp_path, "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["resistance_ohm"] > 0 and 0 <= s["uniformity_cv"] < 1 and s["cells"] >= 3000
    assert s["conductivity_s_m"] == pytest.approx(1.0) and s["thickness_mm"] == pytest.approx(0.05)
    assert json.loads((tmp_path / "field.json").read_text())["resistance_ohm"] == s["resistance_ohm"]
    for name in ("field-potential.png", "field-current.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_simulate_text_output(capsys, tmp_path):
    code, out, err = run(capsys, "simulate", PRINTED, *COARSE, "--no-maps", "-o", tmp_path)
    assert code == 0, err
    assert "ionic resistance" in out and "Ω" in out and "edge current CV" in out
    assert not (tmp_path / "field-potential.png").exists()


def test_simulate_reads_the_simulate_table(capsys, tmp_path):
    design = tmp_path / "d.toml"
    design.write_text(PRINTED.read_text() + '\n[simulate]\nconductivity = "2S/m"\ncells = 3000\n'
                      'electrolyte = "pva-gel"\n')
    code, out, err = run(capsys, "simulate", design, "--json", "--no-maps", "-o", tmp_path)
    assert code == 0, err
    assert json.loads(out)["conductivity_s_m"] == 2.0
    design.write_text(PRINTED.read_text() + '\n[simulate]\nconductivity = "-2S/m"\n')
    line = one_line_error(*run(capsys, "simulate", design, "-o", tmp_path)[::2])
    assert "simulate.conductivity" in line and "must be > 0" in line and "d.toml:" in line


def test_simulate_a_dxf_drawing(capsys, tmp_path):
    from zmfab.export import export_layout

    drawing = tmp_path / "comb.dxf"
    export_layout(zmfab.layout("interdigitated", fingers=3), drawing)
    code, out, err = run(capsys, "simulate", drawing, *COARSE, "--json", "--no-maps", "-o", tmp_path)
    assert code == 0, err
    assert json.loads(out)["resistance_ohm"] > 0


def test_simulate_an_svg_drawing(capsys, tmp_path):
    from zmfab.export import export_layout

    drawing = tmp_path / "comb.svg"
    export_layout(zmfab.layout("interdigitated", fingers=3), drawing)
    code, out, err = run(capsys, "simulate", drawing, *COARSE, "--json", "--no-maps", "-o", tmp_path,
                         "--domain", "hull")
    assert code == 0, err
    assert json.loads(out)["domain"] == "hull"


def test_simulate_dxf_without_electrode_layers(capsys, tmp_path):
    import ezdxf

    doc = ezdxf.new("R2010")
    doc.modelspace().add_lwpolyline([(0, 0), (1, 0), (1, 1)], close=True, dxfattribs={"layer": "copper"})
    path = tmp_path / "plain.dxf"
    doc.saveas(path)
    line = one_line_error(*run(capsys, "simulate", path, "-o", tmp_path)[::2])
    assert "anode" in line and "cathode" in line and "copper" in line


@pytest.mark.parametrize("args,words", [
    (("--conductivity", "-1"), ["--conductivity", "must be > 0 S/m"]),
    (("--conductivity", "1 furlong"), ["--conductivity", "unknown unit"]),
    (("--thickness", "-5um"), ["--thickness", "> 0"]),
    (("--cells", "5"), ["--cells", "100..20000000"]),
    (("--electrolyte", "zn"), ["--electrolyte", "ionic_conductivity"]),
])
def test_simulate_bad_options(capsys, tmp_path, args, words):
    line = one_line_error(*run(capsys, "simulate", PRINTED, *args, "-o", tmp_path)[::2])
    for w in words:
        assert w in line


def test_missing_sim_extra_is_named(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "scipy", None)
    line = one_line_error(*run(capsys, "simulate", PRINTED, "-o", tmp_path)[::2])
    assert "sim extra" in line and "scipy" in line and "zmfab[sim]" in line


def test_compare_table_and_json(capsys, tmp_path):
    code, out, err = run(capsys, "compare", PRINTED, CONCENTRIC, "--gap", "300um", *COARSE)
    assert code == 0, err
    for label in ("facing length", "film resistance", "edge current CV", "capacity", "concentric"):
        assert label in out
    code, out, err = run(capsys, "compare", PRINTED, CONCENTRIC, "--gap", "300um", *COARSE, "--json")
    rows = json.loads(out)
    assert [r["family"] for r in rows] == ["interdigitated", "concentric"]
    assert all(r["gap_mm"] == pytest.approx(0.3, abs=1e-3) for r in rows)
    assert all(r["capacity_mah"] > 0 for r in rows)


def test_roll_json_and_strip_export(capsys, tmp_path):
    out_svg = tmp_path / "strip.svg"
    code, out, err = run(capsys, "roll", "--thickness", "10um", "--core-radius", "100um",
                         "--length", "10mm", "--json", "-o", out_svg)
    assert code == 0, err
    r = json.loads(out)
    assert r["length_mm"] == pytest.approx(10.0) and r["turns"] > 10
    from zmfab.imports import layout_from_drawing

    back = layout_from_drawing(out_svg)
    # 10 mm strip less the 50 µm rim, track (1 mm - 0.1 mm gap - 2 × 50 µm rim) / 2 = 0.4 mm wide
    assert back["anode"].area == pytest.approx((10.0 - 0.05) * 0.4, rel=1e-6)
    assert zmfab.measure(back)["min_gap_mm"] == pytest.approx(0.1, rel=1e-6)
    code, out, err = run(capsys, "roll", "--thickness", "10um", "--core-radius", "100um", "--turns", "5")
    assert code == 0 and "outer diameter" in out


def test_roll_bad_input(capsys):
    line = one_line_error(*run(capsys, "roll", "--thickness", "10um", "--core-radius", "100um")[::2])
    assert "--length" in line
    code, out, err = run(capsys, "roll", "--thickness", "-1um", "--core-radius", "100um", "--turns", "2")
    assert code == 2 and "--thickness" in err


def test_build_report_has_the_cell_estimate(tmp_path):
    from zmfab.build import build
    from zmfab.design import load_design

    ctx = build(load_design(PRINTED), tmp_path, force=True)
    assert ctx.report["cell"]["capacity_mah"] > 0
