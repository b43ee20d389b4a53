"""Panels: copies, series/parallel wiring that connects exactly what it should, errors, builds."""

from __future__ import annotations

import json

import pytest
import shapely

import zmfab
from tests.cli_helpers import run_cli
from tests.stack.stack_helpers import design_from, screen_design
from zmfab.drc import check_design
from zmfab.process.panel import panel, panel_from_design, parse_array, parse_pitch
from zmfab.profiles import Profiles
from zmfab.regions import as_multipolygon

PROFILES = Profiles()


@pytest.fixture(scope="module")
def cell():
    return zmfab.layout("interdigitated", fingers=4, margin=2)


def pitch_of(lay, extra=1.0):
    _, _, w, h = lay["footprint"].bounds
    return w + extra, h + extra


def components(lay) -> list:
    """Connected pieces of conductor: every electrode, pad and trace."""
    names = ("anode", "anode_pad", "cathode", "cathode_pad", "interconnect")
    return list(as_multipolygon(shapely.union_all([lay.get(n) for n in names])).geoms)


def test_unwired_panel_copies_every_region(cell):
    px, py = pitch_of(cell)
    p = panel(cell, 3, 2, px, py)
    assert len(as_multipolygon(p["anode"]).geoms) == 6
    for name in ("anode", "cathode", "anode_pad", "cathode_pad", "active_area"):
        assert p[name].area == pytest.approx(6 * cell[name].area)
    assert "interconnect" not in p
    assert p.bounds[:2] == (0.0, 0.0)
    assert len(p.meta["devices"]) == 6 and p.meta["panel"]["columns"] == 3


@pytest.mark.parametrize(("nx", "ny"), [(3, 1), (1, 3), (3, 2), (2, 3)])
def test_series_wiring_chains_the_cells(cell, nx, ny):
    px, py = pitch_of(cell)
    p = panel(cell, nx, ny, px, py, wiring="series")
    n = nx * ny
    assert len(p.meta["nets"]) == n - 1
    # first anode, n-1 links (cathode k + trace + anode k+1), last cathode: n + 1 conductors
    assert len(components(p)) == n + 1
    anodes = as_multipolygon(p["anode_pad"]).geoms
    cathodes = as_multipolygon(p["cathode_pad"]).geoms
    for net in p.meta["nets"]:
        hits_a = sum(net["geometry"].intersects(a) for a in anodes)
        hits_c = sum(net["geometry"].intersects(c) for c in cathodes)
        assert (hits_a, hits_c) == (1, 1)
        assert net["geometry"].distance(p["anode"].union(p["cathode"]).difference(net["touches"])) >= 0.4 - 1e-9


def test_parallel_wiring_makes_two_buses(cell):
    px, py = pitch_of(cell)
    p = panel(cell, 3, 2, px, py, wiring="parallel")
    assert len(components(p)) == 2
    assert [n["name"] for n in p.meta["nets"]] == ["anode bus", "cathode bus"]


def test_a_series_panel_passes_the_design_rule_check():
    d = design_from(screen_design(extra='[panel]\narray = "3x2"\npitch = "16mm,20mm"\nwiring = "series"\n'))
    lay, layers, violations = check_design(d, PROFILES, layout=panel_from_design(d, d.layout()))
    assert violations == [], [str(v) for v in violations]
    assert layers[0].name == "interconnect" and layers[0].material == "silver"
    electrolyte = next(x for x in layers if x.role == "electrolyte")
    assert len(as_multipolygon(electrolyte.geometry).geoms) == 6
    assert electrolyte.geometry.distance(lay["interconnect"]) >= 0.5 - 1e-9


def test_shared_electrolyte_in_series_is_refused():
    text = screen_design(extra='[panel]\narray = "2x1"\npitch = "16mm,20mm"\nwiring = "series"\n'
                               '[[stack]]\nname = "gel electrolyte"\nmethod = "stencil"\nmaterial = "pva-gel"\n'
                               'regions = ["footprint"]\n')
    d = design_from(text)
    _, _, violations = check_design(d, PROFILES, layout=panel_from_design(d, d.layout()))
    assert "electrolyte_isolation" in {v.rule for v in violations}


def test_a_tight_pitch_for_wiring_names_the_pitch_it_needs(cell):
    _, _, w, h = cell["footprint"].bounds
    with pytest.raises(zmfab.ParameterError, match=r"--pitch: .*use a pitch of at least"):
        panel(cell, 2, 2, w, h, wiring="series", trace_width=1.5)


@pytest.mark.parametrize(("args", "words"), [
    (["--array", "4by3"], ["--array", "4by3", "4x3"]),
    (["--array", "0x3"], ["--array", "1..100"]),
    (["--array", "4x3", "--pitch", "-15mm"], ["--pitch", "must be > 0"]),
    (["--array", "4x3", "--pitch", "3mm"], ["--pitch", "smaller than the device", "allowed >="]),
    (["--array", "4x3", "--pitch", "1,2,3"], ["--pitch", "PITCH_X,PITCH_Y"]),
    (["--pitch", "15mm"], ["--array"]),
])
def test_bad_panel_options_are_one_line_errors(args, words):
    result = run_cli("layout", "interdigitated", *args)
    assert result.code == 2, result.out + result.err
    line = result.err.strip()
    assert line.startswith("error:") and len(line.splitlines()) == 1
    for word in words:
        assert word in line


def test_bad_panel_table_names_the_line(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(screen_design(extra='[panel]\narray = "4by3"\n'))
    result = run_cli("check", str(path))
    assert result.code == 2
    assert "d.toml:" in result.err and "panel.array" in result.err and "4x3" in result.err


def test_parsers():
    assert parse_array(" 10X2 ") == (10, 2)
    assert parse_pitch("15mm") == (15.0, 15.0)
    assert parse_pitch("15mm, 1.2cm") == (15.0, 12.0)
    assert parse_pitch(["15mm", "12mm"]) == (15.0, 12.0)


def test_build_of_a_series_panel_from_the_cli(tmp_path):
    path = tmp_path / "cell.toml"
    path.write_text(screen_design())
    out = tmp_path / "out"
    result = run_cli("build", str(path), "-o", str(out), "--array", "3x2", "--pitch", "16mm,20mm", "--series")
    assert result.code == 0, result.err
    report = json.loads((out / "report.json").read_text())
    assert report["panel"]["columns"] == 3 and report["panel"]["wiring"] == "series"
    assert report["drc"]["passed"]
    assert (out / "masks" / "interconnect.svg").exists()


def test_a_large_panel_builds_checks_and_exports_quickly(tmp_path):
    import time

    d = design_from(screen_design().replace("fingers = 4", "fingers = 10")
                    + "[panel]\narray = \"6x6\"\nwiring = \"series\"\npitch = \"26mm,20mm\"\n")
    from zmfab.build import build

    t = time.perf_counter()
    ctx = build(d, tmp_path / "out")
    elapsed = time.perf_counter() - t
    assert ctx.report["drc"]["passed"]
    assert len(ctx.layout.meta["nets"]) == 35
    assert elapsed < 20


def test_a_panel_table_without_array_is_an_error():
    d = design_from(screen_design(extra='[panel]\npitch = "16mm"\n'))
    with pytest.raises(zmfab.DesignError, match=r"panel: has no array"):
        panel_from_design(d, d.layout())


def test_a_user_stack_on_a_panel_gets_the_interconnect_printed_first():
    d = design_from(screen_design(extra='[panel]\narray = "2x1"\npitch = "16mm,20mm"\nwiring = "series"\n'
                                       '[[stack]]\nname = "zn"\nmethod = "screen"\nregions = ["anode", "anode_pad"]\n'))
    from zmfab.process.stack import resolve_stack

    layers = resolve_stack(d, panel_from_design(d, d.layout()), PROFILES)
    assert [x.name for x in layers] == ["interconnect", "zn"]
    plain = design_from(screen_design(extra='[[stack]]\nname = "x"\nmethod = "screen"\nregions = ["interconnect"]\n'))
    with pytest.raises(zmfab.DesignError, match="interconnect"):
        resolve_stack(plain, plain.layout(), PROFILES)
