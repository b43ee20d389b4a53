"""Areal power at a C-rate: electrode sheet resistance, the power formulas, the published data,
the Ragone chart and ``zmfab cell --c-rate/--plot``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from zmfab.analysis.power import check_c_rate, power_at, ragone_curve
from zmfab.analysis.published import published_devices
from zmfab.errors import ParameterError
from zmfab.profiles import Profiles

pytest.importorskip("scipy")
ROOT = Path(__file__).resolve().parents[2]
DIW = ROOT / "patterns" / "zn-mno2-diw.toml"
MSC = ROOT / "patterns" / "msc-laser-scribed.toml"


def test_strip_fed_from_one_end_is_a_third_of_its_resistance():
    from zmfab.analysis.sheet import Film, electrode_resistance

    strip, pad = box(0, 0, 10, 1), box(-1, 0, 0, 1)
    dom = strip.union(pad)
    r = electrode_resistance(dom, pad, [Film(dom, 2.0)])
    assert r["resistance_ohm"] == pytest.approx(10 / 1 / 2.0 / 3, rel=0.02)
    assert r["connected"] == pytest.approx(1.0)


def test_parallel_fingers_divide_and_a_collector_adds_conductance():
    from zmfab.analysis.sheet import Film, electrode_resistance

    def comb(n: int) -> tuple:
        fingers = shapely.union_all([box(2 * i, 0, 2 * i + 0.5, 10) for i in range(n)]
                                    + [box(0, -3, 2 * n, 0)])
        return fingers, box(0, -3, 2 * n, 0)  # a wide bus is the pad

    one = electrode_resistance(*comb(1), [Film(comb(1)[0], 1.0)])["resistance_ohm"]
    four = electrode_resistance(*comb(4), [Film(comb(4)[0], 1.0)])["resistance_ohm"]
    assert one == pytest.approx(10 / 0.5 / 3, rel=0.03)
    assert four == pytest.approx(one / 4, rel=0.03)
    dom, pad = comb(4)
    both = electrode_resistance(dom, pad, [Film(dom, 1.0), Film(dom, 3.0)])["resistance_ohm"]
    assert both == pytest.approx(four / 4, rel=0.01)


def test_power_formulas_by_hand():
    battery = {"device_type": "battery", "capacity_mah": 2.0, "voltage_v": 1.5, "energy_mwh": 3.0,
               "footprint_mm2": 100.0, "devices": 1}
    p = power_at(battery, 10.0, 5.0)  # I = 10 mA, V = 1.5 - 0.1
    assert p["current_ma"] == pytest.approx(10.0)
    assert p["voltage_under_load_v"] == pytest.approx(1.4)
    assert p["areal_power_mw_cm2"] == pytest.approx(14.0)
    assert p["areal_energy_at_rate_mwh_cm2"] == pytest.approx(2.8)
    assert p["max_c_rate"] == pytest.approx(75.0)
    cap = {"device_type": "capacitor", "capacity_mah": 1.0, "voltage_v": 1.0, "energy_mwh": 0.5,
           "footprint_mm2": 50.0, "devices": 1}
    q = power_at(cap, 100.0, 2.0)  # I = 2 mA, I·R = 0.2 V: P = I(V-IR)/2, E = E0 (0.8)²
    assert q["areal_power_mw_cm2"] == pytest.approx(2 * 0.8 / 2 / 0.5)
    assert q["areal_energy_at_rate_mwh_cm2"] == pytest.approx(0.5 * 0.64 / 0.5)
    with pytest.raises(ParameterError, match=r"c_rate: 80C is out of range.*below 75C"):
        power_at(battery, 10.0, 80.0)
    curve = ragone_curve(battery, 10.0)
    assert curve[-1, 0] == pytest.approx(1.5 ** 2 / 40 * 1000 / 1.0, rel=0.01)  # V²/4R
    assert (curve[1:, 1] < curve[:-1, 1]).all()  # energy falls as power rises


@pytest.mark.parametrize("bad", ["0", "-1", "fast", "1e9"])
def test_c_rate_is_checked(bad):
    with pytest.raises(ParameterError, match="--c-rate"):
        check_c_rate(bad, field="--c-rate")
    assert check_c_rate("10C") == 10.0


def test_published_tables_as_printed_in_the_review():
    devices = published_devices()
    assert [d.table for d in devices].count(1) == 16 and [d.table for d in devices].count(2) == 12
    by_ref = {d.ref: d for d in devices}
    assert (by_ref[73].energy_mwh_cm2, by_ref[73].power_mw_cm2) == (8.43, 21.62)
    assert by_ref[90].power_mw_cm2 == 328.3 and by_ref[90].cited_as == "Lv et al."
    assert by_ref[62].capacitance_mf_cm2 == 909.0 and by_ref[62].kind == "capacitor"
    assert not by_ref[71].on_ragone and not by_ref[44].on_ragone  # per volume / per volume power
    assert sum(d.on_ragone for d in devices) == 16
    assert all(d.reference.endswith(f"Table {d.table}") for d in devices)


def test_ragone_svg_shows_every_published_point_and_the_design():
    pytest.importorskip("matplotlib")
    from zmfab.analysis.ragone import ragone_svg

    est = {"areal_power_mw_cm2": 1.0, "areal_energy_at_rate_mwh_cm2": 0.5, "c_rate": 2.0}
    svg = ragone_svg(design=est)
    assert svg.startswith("<svg")
    for d in published_devices():
        assert (f"[{d.ref}]" in svg) == d.on_ragone, d.label
    assert "this design at 2C" in svg


def test_design_power_from_film_and_electrodes():
    from zmfab.analysis.cellspec import cell_spec
    from zmfab.analysis.electrochem import estimate
    from zmfab.analysis.power import add_power
    from zmfab.design import load_design

    d = load_design(MSC)
    est = estimate(cell_spec(d, d.layout(), Profiles()))
    out = add_power(est, d, d.layout(), Profiles(), c_rate=10.0)
    r = out["resistance"]
    assert r["total_ohm"] == pytest.approx(r["ionic_ohm"] + r["anode_ohm"] + r["cathode_ohm"])
    assert r["ionic_ohm"] > 0 and r["anode_ohm"] > 0
    film = r["anode_films"][0]
    assert film["sheet_ohm_sq"] == pytest.approx(1 / (1.5e5 * 5e-6))  # MXene 5 µm
    assert out["areal_power_mw_cm2"] == pytest.approx(
        power_at(est, r["total_ohm"], 10.0)["areal_power_mw_cm2"])
    assert out["c_rate"] == 10.0


def run(capsys, *argv):
    from zmfab.cli import main

    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_cli_json_has_areal_power_and_plot_is_written(capsys, tmp_path):
    code, out, _ = run(capsys, "cell", DIW, "--json")
    est = json.loads(out)
    assert code == 0 and est["c_rate"] == 1.0 and est["areal_power_mw_cm2"] > 0
    assert est["resistance"]["ionic_from"].startswith("field solve")
    png = tmp_path / "ragone.png"
    code, out, _ = run(capsys, "cell", DIW, "--c-rate", "2", "--plot", png)
    assert code == 0 and "areal power" in out and "at 2C" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    assert matplotlib.image.imread(png).shape[0] > 300


@pytest.mark.parametrize("args, field", [(("--c-rate", "0"), "--c-rate"),
                                         (("--c-rate", "1000"), "--c-rate"),
                                         (("--plot", "chart.txt"), "--plot")])
def test_cli_bad_rate_or_plot_is_one_line_and_writes_nothing(capsys, tmp_path, args, field):
    args = tuple(str(tmp_path / a) if a.endswith(".txt") else a for a in args)
    code, out, err = run(capsys, "cell", DIW, *args)
    assert code == 2 and err.strip().startswith(f"error: {field}:") and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
