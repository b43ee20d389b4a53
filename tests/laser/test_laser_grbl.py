"""Every generated GRBL job keeps GRBL 1.1's rules; bad input is one clear error."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box

import zmfab
from zmfab.gcode.grbl_laser import check_bounds
from zmfab.gcode.laser_job import plan_geometry, resolve_settings
from zmfab.gcode.parse import header_meta, parse_gcode

LAYOUT = zmfab.layout("interdigitated", fingers=3)
ELECTRODES = shapely.union_all([LAYOUT.electrode("anode"), LAYOUT.electrode("cathode")])
CASES = {
    "fill": (LAYOUT.electrode("anode"), {}),
    "isolate": (ELECTRODES, {"within": None}),
    "cut": (LAYOUT["footprint"], {"tabs": 2}),
}


@pytest.mark.parametrize("process", ["laser-co2", "laser-diode", "laser-uv"])
@pytest.mark.parametrize("op", ["fill", "isolate", "cut"])
@pytest.mark.parametrize("extra", [{}, {"dynamic": False, "air": True, "passes": 2}])
def test_every_job_is_valid_grbl(process, op, extra, grbl_check, profiles):
    geom, settings = CASES[op]
    settings = {k: v for k, v in {**settings, **extra}.items() if k != "within"}
    job = plan_geometry(geom, op, process=process, settings=settings, date="2026-01-01",
                        within=LAYOUT["active_area"] if op == "isolate" else None)
    machine = profiles.get("machines", profiles.get("processes", process)["machine"])
    text = job.text()
    grbl_check(text, machine)
    lines = text.splitlines()
    assert "G21" in lines[len(header_meta(lines))] and "G90" in text
    assert ("M3 S0" if extra.get("dynamic") is False else "M4 S0") in lines
    assert ("M8" in lines) == bool(extra.get("air", profiles.get("processes", process)["air_assist"]))
    assert lines[-2:] == ["G0 X0 Y0", "M2"]
    assert "M5" in lines[-6:] and "S0" in lines[-6:]
    meta = header_meta(lines)
    for key in ("date", "bounds_mm", "estimate_s", "requires", "machine", "op"):
        assert key in meta
    assert meta["requires"].startswith("$32=1")
    bounds = [float(v) for v in meta["bounds_mm"].split()]
    est = parse_gcode(text)
    assert bounds[0] >= 0 and bounds[1] >= 0
    assert est.meta["dialect"] == "grbl"


def test_output_is_deterministic_with_a_fixed_date():
    a = plan_geometry(box(0, 0, 2, 1), "fill", process="laser-diode", date="2026-01-01").text()
    b = plan_geometry(box(0, 0, 2, 1), "fill", process="laser-diode", date="2026-01-01").text()
    assert a == b and "; date: 2026-01-01" in a


def test_power_is_scaled_to_s_max_and_capped(profiles):
    job = plan_geometry(box(0, 0, 1, 1), "cut", process="laser-uv", settings={"power": "50%"})
    s_values = {m.power for m in parse_gcode(job.text()).moves if m.laser}
    assert s_values == {127.5} or s_values == {128.0}
    with pytest.raises(zmfab.ParameterError, match=r"power: 95% is out of range \(allowed 0..90 %"):
        resolve_settings(profiles, "laser-co2", "cut", overrides={"power": "95%"})
    with pytest.raises(zmfab.ParameterError, match=r"power.*0..100"):
        resolve_settings(profiles, "laser-co2", "cut", overrides={"power": "150%"})
    with pytest.raises(zmfab.ParameterError, match="speed"):
        resolve_settings(profiles, "laser-uv", "cut", overrides={"speed": "200mm/s"})


def test_overrides_win_over_profiles(profiles):
    s = resolve_settings(profiles, "laser-co2", "fill",
                         overrides={"power": 0.4, "speed": "1200mm/min", "passes": 2})
    assert (s["power"], s["speed"], s["passes"]) == (0.4, 1200.0, 2)
    assert s["overscan"] == 2.0 and s["spot"] == 0.12


def test_unknown_op_and_setting_name_the_choices(profiles):
    with pytest.raises(zmfab.ParameterError, match="op: 'engrave' is not an operation"):
        resolve_settings(profiles, "laser-co2", "engrave")
    with pytest.raises(zmfab.ParameterError, match="allowed: power, speed"):
        resolve_settings(profiles, "laser-co2", "fill", overrides={"pwr": 1})
    with pytest.raises(zmfab.ParameterError, match="not a laser process"):
        resolve_settings(profiles, "stencil", "fill")


def test_job_larger_than_bed_names_axis_extent_and_bed():
    with pytest.raises(zmfab.ParameterError) as err:
        plan_geometry(box(0, 0, 200, 20), "cut", process="laser-uv")
    text = str(err.value)
    assert text.startswith("X: the job spans") and "bed of grbl-uv is 0..150 mm" in text
    with pytest.raises(zmfab.ParameterError, match="^Y:"):
        check_bounds((1, -2, 5, 5), {"bed_mm": [10, 10]})
    with pytest.raises(zmfab.ParameterError, match="^X:"):
        plan_geometry(box(0, 0, 5, 5), "fill", process="laser-diode", offset=(0, 0),
                      settings={"overscan": "2mm"})


def test_third_party_grbl_words_are_flagged():
    from zmfab.gcode.parse import grbl_problems

    assert grbl_problems("G1 X1 Y1 E2\n") == ["line 1: word E is not GRBL 1.1"]
    assert grbl_problems("M106 S255\n") == ["line 1: M106 is not a GRBL 1.1 command"]
    assert grbl_problems("G1 X1 ; " + "x" * 80)[0].startswith("line 1: 88 characters")


def test_material_profile_sets_power_per_operation(tmp_path):
    from zmfab.profiles import Profiles

    extra = tmp_path / "mine.toml"
    extra.write_text('[materials.mxene-film.laser.isolate]\npower = "20%"\nspeed = "900mm/min"\n')
    s = resolve_settings(Profiles([extra]), "laser-co2", "isolate", material="mxene-film")
    assert (s["power"], s["speed"]) == (0.2, 900.0)
    s = resolve_settings(Profiles([extra]), "laser-co2", "isolate", material="mxene-film",
                         overrides={"power": "35%"})
    assert s["power"] == 0.35
