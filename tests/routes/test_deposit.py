"""Electrodeposition: the charge recomputed by hand from Faraday's law, current and time, the
step CSV, ``zmfab deposit``, the report, bad settings refused, and the contact rule."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from shapely.geometry import box

import zmfab
from tests.cli_helpers import run_cli
from tests.stack.stack_helpers import design_from
from zmfab.analysis.deposit import FARADAY, deposit_settings, plan_deposit
from zmfab.drc import check
from zmfab.process.stack import Layer
from zmfab.profiles import Profiles
from zmfab.regions import Layout

ROOT = Path(__file__).resolve().parents[2]
PATTERN = ROOT / "patterns" / "zn-mno2-electrodeposited.toml"
PROFILES = Profiles()


def by_hand(loading_mg_cm2: float, area_mm2: float, n: float, molar: float, eff: float) -> float:
    grams = loading_mg_cm2 * area_mm2 / 100.0 / 1000.0
    return grams / molar * n * 96485.33212 / eff


def test_zinc_charge_current_and_time_by_hand():
    raw = deposit_settings(PROFILES, "zn", {"loading": "5mg/cm2", "current_density": "10mA/cm2"})
    plan = plan_deposit("zn", 16.32, raw, material="zn")
    q = by_hand(5, 16.32, 2, 65.38, 0.9)
    assert FARADAY == 96485.33212
    assert plan.charge_c == pytest.approx(q, rel=1e-12)
    assert plan.current_ma == pytest.approx(10 * 0.1632)
    assert plan.time_s == pytest.approx(q / (10 * 0.1632e-3))
    assert plan.polarity == "cathodic" and plan.sign == -1


def test_mno2_from_mn2_takes_two_electrons_per_formula_unit():
    raw = deposit_settings(PROFILES, "mno2", {"loading": "1mg/cm2"})
    plan = plan_deposit("c", 100.0, raw, material="mno2")  # 1 cm², 1 mg
    assert plan.electrons == 2 and plan.molar_mass_g_mol == 86.94
    assert plan.charge_c == pytest.approx(1e-3 / 86.94 * 2 * 96485.33212 / 0.95)
    assert plan.polarity == "anodic"


def test_a_time_sets_the_current_instead():
    raw = deposit_settings(PROFILES, "zn", {"loading": "5mg/cm2", "time": "20min"})
    plan = plan_deposit("zn", 50.0, raw, material="zn")
    assert plan.time_s == pytest.approx(1200.0)
    assert plan.current_ma == pytest.approx(by_hand(5, 50, 2, 65.38, 0.9) / 1200 * 1000)


def test_build_report_and_step_files_hold_the_same_figures(tmp_path):
    out = tmp_path / "b"
    r = run_cli("build", str(PATTERN), "-o", str(out))
    assert r.code == 0, r.err
    routes = {e["layer"]: e for e in json.loads((out / "report.json").read_text())["routes"]}
    lay = zmfab.design.load_design(PATTERN).layout()
    zn = routes["zn deposit"]
    assert zn["area_cm2"] == pytest.approx(lay.get("anode").area / 100, rel=1e-6)
    assert zn["charge_C"] == pytest.approx(by_hand(5, lay.get("anode").area, 2, 65.38, 0.9), rel=1e-6)
    assert zn["current_mA"] == pytest.approx(10 * zn["area_cm2"], rel=1e-6)
    assert zn["time_s"] == pytest.approx(zn["charge_C"] / (zn["current_mA"] / 1000), rel=1e-6)
    rows = list(csv.DictReader(io.StringIO((out / zn["files"][0]).read_text())))
    assert rows[0]["mode"] == "open_circuit"
    step = rows[1]
    assert step["mode"] == "galvanostatic" and step["unit"] == "A"
    assert float(step["setpoint"]) == pytest.approx(-zn["current_mA"] / 1000, rel=1e-5)
    assert float(step["end_value"]) == pytest.approx(-zn["charge_C"], rel=1e-5)
    mn = routes["mno2 deposit"]
    rows = list(csv.DictReader(io.StringIO((out / mn["files"][0]).read_text())))
    assert rows[1]["mode"] == "potentiostatic vs Ag/AgCl" and float(rows[1]["setpoint"]) == 0.9
    assert float(rows[1]["end_value"]) == pytest.approx(mn["charge_C"], rel=1e-5)
    assert float(rows[1]["max_time_s"]) == pytest.approx(2 * mn["time_s"], rel=1e-5)


def test_deposit_command_prints_alone_and_writes_steps(tmp_path):
    r = run_cli("deposit", str(PATTERN), "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert [d["layer"] for d in data] == ["zn deposit", "mno2 deposit"]
    text = run_cli("deposit", str(PATTERN)).out
    assert f"charge {data[0]['charge_C']:.4g} C" in text
    target = tmp_path / "zn.csv"
    r = run_cli("deposit", str(PATTERN), "--layer", "zn deposit", "--current-density", "20mA/cm2",
                "-o", str(target))
    assert r.code == 0, r.err
    step = list(csv.DictReader(target.open()))[1]
    assert float(step["setpoint"]) == pytest.approx(-2 * data[0]["current_mA"] / 1000, rel=1e-5)


@pytest.mark.parametrize("args, field", [
    (("--mode", "cyclic"), "--mode"),
    (("--current-density", "-5mA/cm2"), "zn deposit.current_density"),
    (("--layer", "nope"), "--layer"),
    (("--loading", "abc"), "zn deposit.loading"),
    (("--time", "10min", "--current-density", "5mA/cm2"), "time"),
    (("-o", "x.csv"), "--output"),
])
def test_bad_deposit_settings_are_one_line_errors(tmp_path, args, field):
    r = run_cli("deposit", str(PATTERN), *args)
    assert r.code == 2 and r.err.startswith("error: ") and r.err.count("\n") == 1, r.err
    assert field in r.err


def test_a_material_without_deposition_data_is_refused():
    with pytest.raises(Exception, match="electrodeposit"):
        deposit_settings(PROFILES, "silver", {"loading": "1mg/cm2"})


def test_a_deposit_on_a_piece_no_pad_reaches_fails_the_contact_rule():
    anode = box(0, 0, 5, 1)
    island = box(0, 3, 5, 4)  # not joined to the pad
    layout = Layout("drawing", {"anode": anode.union(island), "anode_pad": box(5, 0, 7, 2),
                                "cathode": box(0, 6, 5, 7), "cathode_pad": box(5, 6, 7, 8)})
    layer = Layer("zn", "electrodeposit", "electrodeposit", "zn", ["anode"],
                  geometry=layout.get("anode"), settings={"loading": "5mg/cm2"})
    found = [v for v in check(None, layout, [layer], PROFILES, only=["deposit_contact"])]
    assert len(found) == 1 and found[0].where[1] == pytest.approx(3.5)
    layer.geometry = anode
    assert not check(None, layout, [layer], PROFILES, only=["deposit_contact"])


MISSING = """
title = "t"
family = "interdigitated"
[params]
fingers = 3
gap = "300um"
[[stack]]
name = "zn"
method = "electrodeposit"
material = "zn"
regions = ["anode"]
"""


def test_build_without_a_loading_names_the_layer_and_writes_nothing(tmp_path):
    path = tmp_path / "d.toml"
    design_from(MISSING, path)
    r = run_cli("build", str(path), "-o", str(tmp_path / "o"))
    assert r.code == 2 and "stack[1] (zn).loading" in r.err and r.err.count("\n") == 1
    assert not (tmp_path / "o").exists()
