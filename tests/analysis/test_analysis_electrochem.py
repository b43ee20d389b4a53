"""Electrochemical estimates against sums done by hand; [cell] parsing and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import box

from zmfab.analysis.cellspec import cell_spec
from zmfab.analysis.electrochem import CellSpec, Electrode, estimate
from zmfab.analysis.materials import LOADING_UNITS, material, parse_quantity
from zmfab.design import parse_design
from zmfab.errors import DesignError, ParameterError
from zmfab.profiles import Profiles
from zmfab.regions import Layout
from zmfab.toml import tomllib

ROOT = Path(__file__).resolve().parents[2]
PROFILES = Profiles()


def square_layout() -> Layout:
    """Anode and cathode of exactly 10 mm² each on a 100 mm² (1 cm²) footprint."""
    return Layout("test", {"anode": box(1, 1, 3, 6), "cathode": box(4, 1, 6, 6),
                           "active_area": box(1, 1, 6, 6), "footprint": box(0, 0, 10, 10)})


def design(cell: str, extra: str = "") -> object:
    text = f'title = "t"\nfamily = "interdigitated"\n[params]\nfingers = 2\n{extra}\n[cell]\n{cell}\n'
    return parse_design(tomllib.loads(text), text=text, path=Path("t.toml"))


def test_worked_example_by_hand():
    """Zn 10 mg/cm², MnO2 5 mg/cm², both 10 mm² = 0.1 cm², footprint 1 cm².

    anode: 0.1 cm² × 10 mg/cm² = 1 mg × 820 mAh/g = 0.820 mAh
    cathode: 0.1 cm² × 5 mg/cm² = 0.5 mg × 308 mAh/g = 0.154 mAh  -> limits
    N/P = 0.820 / 0.154 = 5.3247; energy = 0.154 mAh × 1.35 V = 0.2079 mWh on 1 cm²
    anode for N/P 2: 2 × 0.154 mAh / (0.1 cm² × 0.820 mAh/mg) = 3.7561 mg/cm²
    """
    d = design('anode_material = "zn"\ncathode_material = "mno2"\n'
               'anode_loading = "10mg/cm2"\ncathode_loading = "5mg/cm2"')
    est = estimate(cell_spec(d, square_layout(), PROFILES))
    assert est["device_type"] == "battery"
    assert est["anode"]["charge_mah"] == pytest.approx(0.820)
    assert est["cathode"]["charge_mah"] == pytest.approx(0.154)
    assert est["capacity_mah"] == pytest.approx(0.154)
    assert est["areal_capacity_mah_cm2"] == pytest.approx(0.154)
    assert est["voltage_v"] == pytest.approx(1.35)
    assert est["energy_mwh"] == pytest.approx(0.154 * 1.35)
    assert est["areal_energy_mwh_cm2"] == pytest.approx(0.2079)
    assert est["np_ratio"] == pytest.approx(0.820 / 0.154)
    assert est["limiting"] == "cathode"
    assert est["anode_loading_for_target_mg_cm2"] == pytest.approx(2 * 0.154 / (0.1 * 0.820))
    # the thickness of that Zn at 7.14 g/cm³: 3.756 mg/cm² / 7.14 g/cm³ = 5.26 µm
    assert est["anode_thickness_for_target_um"] == pytest.approx(3.7561 / 7.14 * 10, rel=1e-4)


def test_thickness_times_density_and_active_fraction():
    # 20 µm of MnO2 ink at 2.5 g/cm³, 70 % active: 2e-3 cm × 2.5 g/cm³ × 0.7 = 3.5 mg/cm²
    d = design('anode_material = "zn"\ncathode_material = "mno2"\nanode_thickness = "10um"\n'
               'cathode_thickness = "20um"\ncathode_density = "2.5g/cm3"\ncathode_active_fraction = 0.7')
    est = estimate(cell_spec(d, square_layout(), PROFILES))
    assert est["cathode"]["loading_mg_cm2"] == pytest.approx(3.5)
    assert est["anode"]["loading_mg_cm2"] == pytest.approx(1e-3 * 7.14 * 1000)  # Zn's own density
    assert "20 µm" in est["cathode"]["loading_from"]


def test_voltage_override_and_target_np():
    d = design('anode_material = "zn"\ncathode_material = "v2o5"\nanode_loading = 4\n'
               'cathode_loading = "0.02mg/mm2"\nvoltage = "1.0V"\ntarget_np = 3')
    est = estimate(cell_spec(d, square_layout(), PROFILES))
    assert est["cathode"]["loading_mg_cm2"] == pytest.approx(2.0)
    assert est["voltage_v"] == 1.0
    q_c = 0.1 * 2.0 * 0.589
    assert est["capacity_mah"] == pytest.approx(q_c)
    assert est["anode_loading_for_target_mg_cm2"] == pytest.approx(3 * q_c / (0.1 * 0.820))


def test_hybrid_capacitor_half_c_v_squared():
    """Zn // activated carbon: C = 0.3 mg × 150 F/g = 45 mF; E = ½ C (Vmax² − Vmin²) over 0.2-1.8 V.

    ½ C ΔV² over the 1.6 V span would be 20 % low (2.56 against 3.2 V²)."""
    d = design('anode_material = "zn"\ncathode_material = "activated-carbon"\n'
               'anode_loading = "5mg/cm2"\ncathode_loading = "3mg/cm2"')
    est = estimate(cell_spec(d, square_layout(), PROFILES))
    c = 0.3e-3 * 150.0
    assert est["device_type"] == "hybrid capacitor"
    assert est["capacitance_mf"] == pytest.approx(c * 1e3)
    assert est["energy_mwh"] == pytest.approx(0.5 * c * (1.8**2 - 0.2**2) / 3.6)
    assert est["energy_mwh"] == pytest.approx(0.5 * c * 1.6**2 / 3.6 / 0.8)
    assert est["capacity_mah"] == pytest.approx(c * 1.6 / 3.6)
    assert est["voltage_v"] == pytest.approx(1.8)
    assert est["voltage_min_v"] == pytest.approx(0.2)


def test_symmetric_capacitor_series_and_areal_capacitance():
    # two 20 mF/cm² × 0.1 cm² = 2 mF electrodes in series: 1 mF over the 1.0 V MXene window
    d = design('anode_material = "ti3c2tx"\ncathode_material = "ti3c2tx"\n'
               'anode_areal_capacitance = "20mF/cm2"\ncathode_areal_capacitance = "0.02F/cm2"')
    est = estimate(cell_spec(d, square_layout(), PROFILES))
    assert est["device_type"] == "capacitor"
    assert est["capacitance_mf"] == pytest.approx(1.0)
    assert est["areal_capacitance_mf_cm2"] == pytest.approx(1.0)
    assert est["energy_mwh"] == pytest.approx(0.5 * 1e-3 * 1.0 / 3.6)
    assert est["np_ratio"] == pytest.approx(1.0)


@pytest.mark.parametrize("wiring,v,q", [("series", 6, 1), ("parallel", 1, 6), ("none", 1, 6)])
def test_panels_scale_voltage_or_capacity(wiring, v, q):
    mat = material(PROFILES, "zn", field="x")
    cat = material(PROFILES, "mno2", field="x")
    single = CellSpec(Electrode("anode", mat, 10.0, 10.0), Electrode("cathode", cat, 10.0, 5.0), 100.0)
    panel = CellSpec(single.anode, single.cathode, 100.0, devices=6, wiring=wiring)
    one, many = estimate(single), estimate(panel)
    assert many["voltage_v"] == pytest.approx(one["voltage_v"] * v)
    assert many["capacity_mah"] == pytest.approx(one["capacity_mah"] * q)
    assert many["energy_mwh"] == pytest.approx(one["energy_mwh"] * 6)
    assert many["areal_energy_mwh_cm2"] == pytest.approx(one["areal_energy_mwh_cm2"])


def test_panel_table_is_read():
    d = design('anode_material = "zn"\ncathode_material = "mno2"\nanode_loading = 10\ncathode_loading = 5',
               '[panel]\narray = "3x2"\nwiring = "series"')
    spec = cell_spec(d, square_layout(), PROFILES)
    assert (spec.devices, spec.wiring) == (6, "series")
    assert spec.panel_footprint_mm2 == pytest.approx(6 * 100.0)


def test_loading_from_the_stack_when_cell_lacks_it():
    pytest.importorskip("zmfab.process.stack")
    stack = ('[[stack]]\nname = "zn ink"\nmethod = "screen"\nmaterial = "zn"\nregions = ["anode", "anode_pad"]\n'
             'loading = "8mg/cm2"\n[[stack]]\nname = "mno2 ink"\nmethod = "screen"\nmaterial = "mno2"\n'
             'regions = ["cathode", "cathode_pad"]\nthickness = "10um"\n')
    d = design('cathode_density = "2g/cm3"', stack)
    lay = d.layout()
    spec = cell_spec(d, lay, PROFILES)
    assert spec.anode.material.name == "zn" and spec.anode.loading_mg_cm2 == pytest.approx(8.0)
    assert spec.cathode.loading_mg_cm2 == pytest.approx(1e-3 * 2.0 * 1000)
    assert "stack layer 'zn ink'" in spec.anode.loading_from
    assert spec.anode.area_mm2 == pytest.approx(lay["anode"].area)


@pytest.mark.parametrize("cell,key,words", [
    ('anode_material = "unobtainium"\ncathode_material = "mno2"\nanode_loading = 1\ncathode_loading = 1',
     "cell.anode_material", "known: activated-carbon"),
    ('anode_material = "silver"\ncathode_material = "mno2"\nanode_loading = 1\ncathode_loading = 1',
     "cell.anode_material", "not an electrode material"),
    ('anode_material = "zn"\ncathode_material = "mno2"\nanode_loading = 1',
     "cell.cathode_loading", "missing"),
    ('anode_material = "zn"\ncathode_material = "mno2"\nanode_loading = "-1mg/cm2"\ncathode_loading = 1',
     "cell.anode_loading", "must be > 0"),
    ('anode_material = "zn"\ncathode_material = "mno2"\nanode_loading = "1kg"\ncathode_loading = 1',
     "cell.anode_loading", "unknown unit"),
    ('anode_material = "zn"\ncathode_material = "mno2"\nanode_loading = 1\ncathode_loading = 1\nflavour = 2',
     "cell.flavour", "unknown key"),
    ('anode_material = "zn"\ncathode_material = "mno2"\nanode_loading = 1\ncathode_loading = 1\n'
     'anode_active_fraction = 1.5', "cell.anode_active_fraction", "0 < f <= 1"),
])
def test_cell_errors_name_key_and_line(cell, key, words):
    d = design(cell)
    with pytest.raises(DesignError) as exc:
        cell_spec(d, square_layout(), PROFILES)
    text = str(exc.value)
    assert key in text and words in text
    assert text.startswith("t.toml:")


def test_parse_quantity_units():
    assert parse_quantity("2 g/m2", LOADING_UNITS, field="x", default_unit="mg/cm2") == pytest.approx(0.2)
    assert parse_quantity(3, LOADING_UNITS, field="x", default_unit="mg/cm2") == 3.0
    with pytest.raises(ParameterError, match="cannot read"):
        parse_quantity("lots", LOADING_UNITS, field="x", default_unit="mg/cm2")


def test_every_shipped_material_names_its_source():
    for name in ("zn", "mno2", "v2o5", "pba", "activated-carbon", "ti3c2tx", "silver", "carbon-ink",
                 "gold", "pva-gel", "pdms", "polyimide"):
        data = PROFILES.get("materials", name)
        assert data["source"] and data["density_g_cm3"] > 0 and data["role"]
        text = (ROOT / "profiles" / "materials" / f"{name}.toml").read_text()
        assert text.startswith("#") and "Source" in text
    assert PROFILES.get("materials", "zn")["specific_capacity_mah_g"] == 820.0
    assert PROFILES.get("materials", "mno2")["specific_capacity_mah_g"] == 308.0
    assert PROFILES.get("materials", "mno2")["electrons"] == 1


@pytest.mark.parametrize("pattern", sorted((ROOT / "patterns").glob("*.toml")))
def test_shipped_patterns_estimate(pattern):
    from zmfab.design import load_design

    d = load_design(pattern)
    if "cell" not in d.sections:
        pytest.skip("no [cell] table")
    est = estimate(cell_spec(d, d.layout(), PROFILES))
    assert est["capacity_mah"] > 0 and est["areal_energy_mwh_cm2"] > 0
