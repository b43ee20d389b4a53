"""DIW jobs read back: ink only on print moves, volume from E, coverage, bed, whitelist, header."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box

import zmfab
from tests.diw.diw_checks import (
    beads,
    check_travels,
    check_whitelist,
    ink_pneumatic,
    ink_volumetric,
    print_lines,
    purge_lines,
    raster_cover,
    read,
)
from zmfab.errors import ParameterError
from zmfab.gcode.diw_job import plan_diw
from zmfab.gcode.estimate import estimate
from zmfab.profiles import Profiles

H, W = 0.1, 0.4


@pytest.fixture(scope="module")
def profiles() -> Profiles:
    return Profiles()


@pytest.fixture(scope="module")
def comb():
    lay = zmfab.layout("interdigitated", fingers=4, anode_width="800um", cathode_width="600um",
                       gap="500um", finger_length="6mm", bus_width="800um", pad_size="2.5mm")
    return {"anode": shapely.union(lay["anode"], lay["anode_pad"]),
            "cathode": shapely.union(lay["cathode"], lay["cathode_pad"])}


def _jobs(comb, profiles):
    """(name, text, settings) of every kind of job the writer makes."""
    two = plan_diw(comb, profiles=profiles, machine="marlin-syringe",
                   settings={"layers": 3, "per_layer": {"cathode": {"layers": 2}}})
    one = plan_diw({"anode": comb["anode"]}, profiles=profiles, machine="marlin-syringe",
                   settings={"thickness": "300um", "extrusion_multiplier": 1.1})
    air = plan_diw({"cathode": comb["cathode"]}, profiles=profiles, machine="marlin-pneumatic",
                   settings={"layers": 2})
    fan = plan_diw({"anode": comb["anode"]}, profiles=profiles, machine="marlin-pneumatic",
                   settings={"layers": 1, "valve": "m106", "flow_ul_per_s": 0.1})
    swap = plan_diw(comb, profiles=profiles, machine="marlin-pneumatic", settings={"layers": 1})
    return {"two-tool": two, "one-ink": one, "pneumatic": air, "fan-valve": fan, "syringe-swap": swap}


@pytest.fixture(scope="module")
def jobs(comb, profiles):
    return _jobs(comb, profiles)


def test_every_job_is_standard_marlin_with_ink_only_on_print_moves(jobs):
    for name, job in jobs.items():
        text = job.text()
        check_whitelist(text)
        prog = read(text)
        check_travels(prog)
        assert print_lines(prog), name
        assert prog.meta["dialect"] == "marlin" and prog.meta["process"] == "diw"
        for key in ("flow_driver", "bead_width_mm", "layer_height_mm", "bed_mm", "estimate_s"):
            assert key in prog.meta, (name, key)
        if prog.meta["flow_driver"] == "volumetric":
            assert "syringe_diameter_mm" in prog.meta and "M302" in prog.commands
            assert {"M83"} <= prog.commands
        else:
            assert "flow_ul_per_s" in prog.meta and "pressure_kpa" in prog.meta
            assert not any(m.extrude for m in prog.moves)


def test_bounds_inside_the_bed(jobs):
    for job in jobs.values():
        prog = read(job.text())
        bx, by, bz = (float(v) for v in prog.meta["bed_mm"].split(","))
        for m in prog.moves:
            assert 0 <= m.x1 <= bx and 0 <= m.y1 <= by and 0 <= m.z1 <= bz


@pytest.mark.parametrize("name, tool, region, layers, mult", [
    ("two-tool", 0, "anode", 3, 1.0), ("two-tool", 1, "cathode", 2, 1.0),
    ("one-ink", 0, "anode", 3, 1.1),
])
def test_ink_from_e_matches_area_times_thickness(jobs, comb, name, tool, region, layers, mult):
    text = jobs[name].text()
    prog = read(text)
    laid = ink_volumetric(prog, tool, skip=purge_lines(text))
    want = comb[region].area * layers * H * mult
    assert laid == pytest.approx(want, rel=0.03)
    assert float(prog.meta[f"ink_ul_t{tool}"]) == pytest.approx(
        ink_volumetric(prog, tool), rel=1e-3)


@pytest.mark.parametrize("name, region, layers", [("pneumatic", "cathode", 2), ("fan-valve", "anode", 1)])
def test_ink_from_valve_time_matches_area_times_thickness(jobs, comb, name, region, layers):
    text = jobs[name].text()
    prog = read(text)
    flow = float(prog.meta["flow_ul_per_s"])
    laid = ink_pneumatic(prog, 0, flow, skip=purge_lines(text))
    assert laid == pytest.approx(comb[region].area * layers * H, rel=0.03)
    assert ink_pneumatic(prog, 0, flow) == pytest.approx(float(prog.meta["ink_ul_t0"]), rel=1e-3)


@pytest.mark.parametrize("name, tool, region, layers", [
    ("two-tool", 0, "anode", 3), ("two-tool", 1, "cathode", 2), ("pneumatic", 0, "cathode", 2),
])
def test_beads_cover_the_region_and_stay_inside(jobs, comb, name, tool, region, layers):
    text = jobs[name].text()
    prog = read(text)
    origin = [float(v) for v in prog.meta["origin_mm"].split(",")]
    if prog.meta.get("tool_offset_mode") == "coordinates":
        dx, dy = (float(v) for v in prog.meta[f"tool_offset_t{tool}"].split(","))
        origin = [origin[0] - dx, origin[1] - dy]
    for k in range(layers):
        laid = beads(prog, tool=tool, z=(k + 1) * H, height=H, origin=origin, skip=purge_lines(text))
        covered, outside = raster_cover(comb[region], laid, half_bead=W / 2)
        assert covered >= 0.98, (k, covered)
        assert outside < 0.02, (k, outside)


def test_two_tools_change_with_offsets_and_single_nozzle_pauses(jobs):
    two = read(jobs["two-tool"].text())
    assert {"T0", "T1"} <= two.commands and "M0" not in two.commands
    assert {m.tool for m in print_lines(two)} == {0, 1}
    swap = read(jobs["syringe-swap"].text())
    assert "M0" in swap.commands and "T1" not in swap.commands
    pause = next(i for i, m in enumerate(swap.moves) if m.pause)
    assert any(m.printing for m in swap.moves[:pause]) and any(m.printing for m in swap.moves[pause:])


def test_layers_rise_by_the_layer_height_and_travels_hop(jobs):
    prog = read(jobs["two-tool"].text())
    zs = sorted({round(m.z1, 6) for m in print_lines(prog)})
    assert zs == pytest.approx([0.1, 0.2, 0.3])
    for m in prog.moves:
        if m.rapid and (m.x1 != m.x0 or m.y1 != m.y0):
            assert m.z0 >= max(zs) + 0.5 or m.z0 >= 1.0


def test_estimator_reads_the_header(jobs):
    for name in ("two-tool", "pneumatic"):
        prog = read(jobs[name].text())
        est = estimate(prog)
        assert est["time_s"] > 0 and est["print_mm"] > 0
        assert set(est["ink_ul"]) == {f"T{t}" for t in prog.meta["tools"].split(",")}


def test_purge_line_lies_outside_the_footprint(jobs, comb):
    text = jobs["two-tool"].text()
    prog = read(text)
    skip = purge_lines(text)
    purge = [m for m in prog.moves if m.line in skip and m.printing]
    assert len(purge) == 2
    area = box(*shapely.union(comb["anode"], comb["cathode"]).bounds)
    for m in purge:
        ox, oy = (float(a) - float(b) for a, b in zip(prog.meta["origin_mm"].split(","),
                  prog.meta[f"tool_offset_t{m.tool}"].split(","), strict=True))
        assert not shapely.LineString([(m.x0 - ox, m.y0 - oy), (m.x1 - ox, m.y1 - oy)]).intersects(area)


def test_job_is_deterministic(comb, profiles):
    a = plan_diw(comb, profiles=profiles, machine=None, settings={"layers": 2})
    b = plan_diw(comb, profiles=profiles, machine=None, settings={"layers": 2})
    assert a.text() == b.text()


def test_options_home_firmware_offsets_and_valve_override(comb, profiles):
    job = plan_diw(comb, profiles=profiles, machine="marlin-syringe",
                   settings={"home": "false", "tool_offset_mode": "firmware", "purge": "no"})
    text = job.text()
    assert "G28" not in text and "M218 T1 X30 Y0" in text and "; purge line" not in text
    check_whitelist(text)
    air = plan_diw({"anode": comb["anode"]}, profiles=profiles, machine="marlin-syringe",
                   settings={"flow_driver": "pneumatic", "valve_pin": 7, "pressure_kpa": 300})
    prog = read(air.text())
    assert "M42" in prog.commands and prog.meta["pressure_kpa"] == "300.0"
    assert not any(m.extrude for m in prog.moves)
    check_travels(prog)


def test_job_outside_the_bed_is_an_error_naming_the_origin(comb, profiles):
    with pytest.raises(ParameterError) as exc:
        plan_diw(comb, profiles=profiles, machine="marlin-syringe", settings={"origin": "190mm,5mm"})
    assert exc.value.field == "origin" and "bed" in str(exc.value)


def test_flow_trim_beyond_the_limit_is_a_header_warning(profiles):
    tiny = box(0, 0, 0.5, 0.5)
    job = plan_diw({"dot": tiny}, profiles=profiles, machine=None,
                   settings={"max_flow_error": 0.01, "origin": "20mm,20mm"})
    assert "; warning: diw_flow: dot:" in job.text()
    assert "; warning: diw_bead_width" not in job.text()


def test_job_off_the_bed_is_refused_before_any_bead_is_planned(comb, profiles, monkeypatch):
    from zmfab.gcode import diw_job

    def no_planning(*args, **kwargs):
        raise AssertionError("beads planned for a job that cannot fit the bed")

    monkeypatch.setattr(diw_job, "plan_beads", no_planning)
    with pytest.raises(ParameterError) as exc:
        plan_diw(comb, profiles=profiles, machine="marlin-syringe", settings={"origin": "195mm,5mm"})
    assert exc.value.field == "origin" and "outside the marlin-syringe bed" in str(exc.value)
    assert "layer " in str(exc.value)


def test_region_on_the_bed_edge_is_not_refused(profiles):
    edge = box(0, 0, 5, 5)
    job = plan_diw({"anode": edge}, profiles=profiles, machine="marlin-syringe",
                   settings={"origin": "0mm,20mm"})
    assert "G1" in job.text()
    with pytest.raises(ParameterError, match="layer anode spans X -0.01"):
        plan_diw({"anode": edge}, profiles=profiles, machine="marlin-syringe",
                 settings={"origin": "-0.01mm,20mm"})


def test_bead_width_warning_names_the_same_spot_whatever_the_part_order(profiles):
    """Two equally narrow bars: the header names the one the DRC rule would (the lower), not
    whichever part came first or rounded narrower."""
    from shapely.geometry import MultiPolygon

    high, low = box(0, 10, 0.3, 15), box(10, 0, 10.3, 5)
    for parts in ((high, low), (low, high)):
        job = plan_diw({"anode": MultiPolygon(list(parts))}, profiles=profiles, machine=None,
                       settings={"origin": "20mm,20mm", "bead_width": "400um"})
        line = next(t for t in job.text().splitlines() if "warning: diw_bead_width" in t)
        assert "at (10.150," in line and "(1 more)" in line
