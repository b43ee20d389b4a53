"""GDSII export (with and without gdstk), the build step and the profiles command."""

from __future__ import annotations

import builtins
import json
import re

import pytest
from shapely.geometry import Point, box

import zmfab
from tests.cli_helpers import run_cli
from tests.stack.stack_helpers import PATTERNS, design_from, screen_design
from zmfab.build import STEPS, build
from zmfab.errors import DesignRuleError
from zmfab.process.stack import resolve_stack
from zmfab.profiles import Profiles
from zmfab.regions import Layout

SHIPPED = ("screen-print", "stencil", "photolithography")


def _no_gdstk(monkeypatch):
    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "gdstk" or name.startswith("gdstk."):
            raise ImportError("No module named 'gdstk'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    monkeypatch.delitem(__import__("sys").modules, "gdstk", raising=False)


def test_gds_without_gdstk_is_a_one_line_error_naming_the_extra(monkeypatch, tmp_path):
    _no_gdstk(monkeypatch)
    from zmfab.export.gds import write_gds

    with pytest.raises(zmfab.ParameterError, match=r"zmfab\[gds\]"):
        write_gds(zmfab.layout("interdigitated"), tmp_path / "x.gds")
    result = run_cli("layout", "interdigitated", "-o", str(tmp_path / "x.gds"))
    assert result.code == 2
    assert result.err.strip() == ("error: --output: GDSII needs the gds extra: pip install 'zmfab[gds]' "
                                  "(gdstk is not installed)")
    assert not (tmp_path / "x.gds").exists()


def test_gds_round_trip_keeps_areas_holes_and_layers(tmp_path):
    pytest.importorskip("gdstk")
    from zmfab.export.gds import REGION_LAYERS, STACK_LAYER_BASE, read_gds_layers, write_gds

    ring = Point(0, 0).buffer(5).difference(Point(0, 0).buffer(3)).union(Point(0, 0).buffer(1))
    lay = Layout("test", {"footprint": box(-8, -8, 8, 8), "active_area": Point(0, 0).buffer(6),
                          "anode": Point(0, 0).buffer(1), "cathode": ring.difference(Point(0, 0).buffer(1.5)),
                          "anode_pad": box(-7, -7, -6, -6), "cathode_pad": box(6, 6, 7, 7)})
    layers = resolve_stack(None, lay, Profiles())
    write_gds(lay, tmp_path / "ring.gds", stack=layers)
    back = read_gds_layers(tmp_path / "ring.gds")
    for name, geom in lay.regions.items():
        got = back[REGION_LAYERS[name]]
        assert got.area == pytest.approx(geom.area, rel=1e-6)
        assert got.symmetric_difference(geom).area < 1e-5
    for i, layer in enumerate(layers):
        assert back[STACK_LAYER_BASE + i].area == pytest.approx(layer.geometry.area, rel=1e-6)
    assert back[REGION_LAYERS["cathode"]].interiors if hasattr(back[REGION_LAYERS["cathode"]], "interiors") \
        else any(p.interiors for p in back[REGION_LAYERS["cathode"]].geoms)


def test_cli_layout_writes_gds(tmp_path):
    pytest.importorskip("gdstk")
    from zmfab.export.gds import read_gds_layers

    out = tmp_path / "p.gds"
    result = run_cli("layout", "interdigitated", "--array", "2x2", "--wiring", "series",
                     "--pitch", "12mm,14mm", "-o", str(out))
    assert result.code == 0, result.err
    back = read_gds_layers(out)
    assert 30 in back and back[10].area > 0


def test_build_step_is_registered_after_the_layout():
    assert STEPS.index("zmfab.build.stack:stack_step") == STEPS.index("zmfab.build:layout_step") + 1


def test_build_writes_masks_preview_and_report(tmp_path):
    result = run_cli("build", str(PATTERNS / "zn-mno2-screen-printed.toml"), "-o", str(tmp_path))
    assert result.code == 0, result.err
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["drc"] == {"passed": True, "count": 0, "rules": {}, "violations": []}
    names = [layer["name"] for layer in report["stack"]]
    assert names == ["anode ink", "cathode ink", "gel electrolyte", "encapsulation"]
    for mask in report["masks"]:
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", mask["layer"])
        assert (tmp_path / "masks" / f"{stem}.svg").exists() and (tmp_path / "masks" / f"{stem}.dxf").exists()
        assert mask["fiducials"] == report["masks"][0]["fiducials"]
    preview = (tmp_path / "preview.svg").read_text()
    for name in names + ["fiducials", "substrate"]:
        assert f'inkscape:label="{name}"' in preview
    assert "fill-opacity" in preview


def test_build_refuses_a_failing_design_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(screen_design(gap="150um"))
    out = tmp_path / "out"
    result = run_cli("build", str(path), "-o", str(out))
    assert result.code == 2
    assert result.err.startswith("error: design-rule check failed: gap:") and "--force" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not out.exists()
    with pytest.raises(DesignRuleError):
        build(design_from(path.read_text()), out)
    forced = run_cli("build", str(path), "-o", str(out), "--force")
    assert forced.code == 0
    report = json.loads((out / "report.json").read_text())
    assert not report["drc"]["passed"] and report["drc"]["rules"]["gap"] == 1
    assert any("--force" in w for w in report["warnings"])


def test_profiles_list_and_show(tmp_path):
    listed = run_cli("profiles", "list", "--kind", "processes")
    assert listed.code == 0
    for name in SHIPPED:
        assert re.search(rf"^\s+{name}\s+\S", listed.out, re.M)
    shown = run_cli("profiles", "show", "screen-print")
    assert shown.code == 0 and "min_line_mm = 0.2" in shown.out and "[mask]" in shown.out
    user = tmp_path / "mine.toml"
    user.write_text('[processes.screen-print]\nmin_line_mm = 0.5\n[processes.flexo]\nmethod = "screen"\n')
    merged = run_cli("profiles", "show", "screen-print", "--profile", str(user), "--json")
    data = json.loads(merged.out)
    assert data["profile"]["min_line_mm"] == 0.5 and data["profile"]["registration_mm"] == 0.03
    assert "flexo" in run_cli("profiles", "list", "--profile", str(user)).out
    missing = run_cli("profiles", "show", "nope")
    assert missing.code == 2 and "unknown profile 'nope'" in missing.err


def test_a_user_profile_tightens_the_check(tmp_path):
    user = tmp_path / "fine.toml"
    user.write_text("[processes.screen-print]\nmin_space_mm = 0.45\n")
    result = run_cli("check", str(PATTERNS / "zn-mno2-screen-printed.toml"), "--profile", str(user))
    assert result.code == 1 and "gap:" in result.out


@pytest.mark.parametrize("name", SHIPPED)
def test_every_number_in_a_shipped_process_profile_has_its_reason(name):
    from zmfab.profiles import SHIPPED as ROOT

    lines = (ROOT / "processes" / f"{name}.toml").read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\w+\s*=\s*(\[?[-\d.])", line):
            context = lines[max(0, i - 4):i + 1]
            assert any("#" in c for c in context), f"{name}: {line!r} has no comment giving its source"


def test_build_adds_a_gds_with_stack_layers_when_gdstk_is_there(tmp_path):
    pytest.importorskip("gdstk")
    from zmfab.export.gds import STACK_LAYER_BASE, read_gds_layers

    result = run_cli("build", str(PATTERNS / "zn-mno2-screen-printed.toml"), "-o", str(tmp_path))
    assert result.code == 0, result.err
    back = read_gds_layers(tmp_path / "layout.gds")
    report = json.loads((tmp_path / "report.json").read_text())
    for i, layer in enumerate(report["stack"]):
        assert back[STACK_LAYER_BASE + i].area == pytest.approx(layer["area_mm2"], rel=1e-6)


def test_profiles_named_by_the_design_apply_to_check_and_build(tmp_path):
    (tmp_path / "strict.toml").write_text("[processes.screen-print]\nmin_space_mm = 0.45\n")
    path = tmp_path / "cell.toml"
    path.write_text('profiles = ["strict.toml"]\n' + screen_design())
    assert run_cli("check", str(path)).code == 1
    result = run_cli("build", str(path), "-o", str(tmp_path / "out"))
    assert result.code == 2 and "gap" in result.err
