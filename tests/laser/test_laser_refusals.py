"""Laser jobs that would be silently wrong are refused (issue 14, items 1 and 2).

Each case: the command, exit 2, one ``error:`` line with the words that say why, and no G-code
file left behind. The positive cases show that the hints the errors give really work.
"""

from __future__ import annotations

import pytest
import shapely

import zmfab
from tests.cli_helpers import run_cli
from zmfab.export.dxf import write_dxf
from zmfab.export.svg import write_svg
from zmfab.gcode.laser_job import plan_geometry
from zmfab.gcode.parse import read_gcode
from zmfab.imports import read_layers

IDT = {"fingers": 10, "gap": 0.15, "anode_width": 0.3, "cathode_width": 0.4}
DESIGN = """title = "scribe"
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
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The drawings and the design every case reads (made once)."""
    d = tmp_path_factory.mktemp("drawings")
    out = {}
    for name, params in {"idt": IDT, "idt100": {**IDT, "gap": 0.1},
                         "thin": {"fingers": 10, "anode_width": 0.1, "cathode_width": 0.1}}.items():
        out[name] = d / f"{name}.dxf"
        write_dxf(zmfab.layout("interdigitated", **params), out[name])
    out["svg"] = d / "idt.svg"
    write_svg(zmfab.layout("interdigitated", **IDT), out["svg"])
    outlines = zmfab.layout("interdigitated", fingers=3)
    out["outlines"] = d / "outlines.dxf"
    write_dxf(outlines, out["outlines"], regions=["footprint", "active_area"])
    out["design"] = d / "scribe.toml"
    out["design"].write_text(DESIGN)
    return out


def _gcode(files, tmp_path, source, *args):
    target = tmp_path / "job.gcode"
    return run_cli("gcode", str(files[source]), "-o", str(target), *args), target


REFUSED = [
    # 1. outline layers only when named, and never a burn across the gap
    ("idt", ["--layer-op", "footprint=fill"], "--layer-op", ["fill of footprint", "across the 0.15 mm gap",
                                                            "anode (anode, anode_pad)", "cathode"]),
    ("idt", ["--layer-op", "active_area=fill", "--layer-op", "anode=fill"], "--layer-op",
     ["active_area", "across"]),
    ("idt", ["--op", "cut"], "--op", ["cut of anode, anode_pad, cathode, cathode_pad", "across"]),
    ("idt", ["--op", "fill", "--set", "outline=false", "--set", "spot=0.2mm"], "--op", ["across"]),
    ("outlines", ["--op", "fill"], "--op", ["outlines", "only when named", "--layer-op"]),
    # 2. nothing, or less than asked
    ("idt100", ["--op", "isolate"], "spot", ["0.1 mm wide", "0.12 mm spot of laser-co2", "joined",
                                            "--process laser-diode", "--process laser-uv"]),
    ("idt100", ["--op", "isolate", "--set", "within=active_area"], "spot", ["0.1 mm wide"]),
    ("idt", ["--op", "isolate", "--set", "reach=50um"], "reach", ["no gap", "0.15 mm apart"]),
    ("idt", ["--layer-op", "anode=isolate"], "reach", ["one shape", "--set within=LAYER"]),
    ("idt", ["--layer-op", "anode=isolate", "--set", "within=active_area"], "within",
     ["burn away cathode", "--layer-op cathode=isolate"]),
    ("idt", ["--layer-op", "anode=isolate", "--set", "within=anode"], "within", ["empty"]),
    ("idt", ["--op", "isolate", "--set", "within=nope"], "within", ["nope", "found: active_area"]),
    ("idt", ["--op", "fill", "--set", "within=active_area"], "within", ["isolate only"]),
    ("thin", ["--op", "fill"], "spot", ["unburnt", "narrower than the 0.12 mm spot",
                                       "--process laser-uv"]),
    ("idt", ["--op", "diw", "--layer-op", "nope=diw"], "--layer-op", ["nope", "found"]),
    ("idt", ["--op", "diw", "--set", "bead_width=1mm"], "bead_width",
     ["1 mm beads", "across the 0.15 mm gap", "join the anode to the cathode"]),
    ("idt", ["--op", "diw", "--set", "bead_width=50mm"], "bead_width", ["50 mm beads"]),
    ("design", ["--layer", "scribe", "--set", "spot=0.25mm"], "spot", ["0.2 mm wide", "0.25 mm spot"]),
    ("design", ["--layer", "scribe", "--set", "within=nope"], "within", ["nope", "regions"]),
    ("design", ["--layer", "scribe", "--set", "reach=10um"], "reach", ["no gap", "0.2 mm apart"]),
]


@pytest.mark.parametrize("source, args, field, words", REFUSED,
                         ids=[f"{c[0]}:{' '.join(c[1])}" for c in REFUSED])
def test_refused_with_the_reason_and_no_file(files, tmp_path, source, args, field, words):
    r, target = _gcode(files, tmp_path, source, *args)
    assert r.code == 2, r.out + r.err
    assert r.err.startswith(f"error: {field}: ") and r.err.count("\n") == 1, r.err
    for word in words:
        assert word in r.err, (word, r.err)
    assert "Traceback" not in r.err
    assert not target.exists() and list(tmp_path.iterdir()) == []


def _burnt(target, spot):
    prog = read_gcode(target)
    off = [float(v) for v in prog.meta["offset_mm"].split()]
    segs = [((m.x0 - off[0], m.y0 - off[1]), (m.x1 - off[0], m.y1 - off[1]))
            for m in prog.moves if m.laser and m.length > 0]
    return shapely.union_all(shapely.buffer(shapely.linestrings(segs), spot / 2))


def test_op_over_every_layer_burns_only_the_material_layers(files, tmp_path):
    r, target = _gcode(files, tmp_path, "idt", "--op", "fill", "--date", "2026-01-01")
    assert r.code == 0, r.err
    layers = read_layers(files["idt"])
    electrodes = shapely.union_all([layers[n] for n in ("anode", "anode_pad", "cathode",
                                                        "cathode_pad")])
    burnt = _burnt(target, 0.12)
    assert burnt.difference(electrodes.buffer(1e-3)).area < 1e-6  # not the footprint, not the gap
    assert burnt.area > 0.95 * electrodes.area
    r, target = _gcode(files, tmp_path, "idt", "--layer-op", "footprint=cut", "--set", "kerf=0.1mm")
    assert r.code == 0, r.err  # an outline layer is burnt when named
    burnt = _burnt(target, 0.1)
    assert burnt.distance(electrodes) > 0.5 and burnt.area > 0


def test_colour_keys_skip_the_outline_colours_too(files, tmp_path):
    pairs = list(read_layers(files["svg"], by="layer+colour"))
    colour = dict(pairs)
    r, target = _gcode(files, tmp_path, "svg", "--op", "fill", "--layer-op",
                       f"{colour['cathode']}=fill", "--date", "2026-01-01")
    assert r.code == 0, r.err
    layers = read_layers(files["svg"])
    electrodes = shapely.union_all([layers[n] for n in ("anode", "anode_pad", "cathode",
                                                        "cathode_pad")])
    burnt = _burnt(target, 0.12)
    assert burnt.difference(electrodes.buffer(1e-3)).area < 1e-6
    r, _ = _gcode(files, tmp_path, "svg", "--layer-op", f"{colour['footprint']}=fill")
    assert r.code == 2 and "across" in r.err


def test_the_hints_work(files, tmp_path):
    """Each remedy an error names gives a job that clears the gap."""
    for args in (["--process", "laser-diode"], ["--set", "spot=0.09mm"]):
        r, target = _gcode(files, tmp_path, "idt100", "--op", "isolate", *args)
        assert r.code == 0, r.err
        assert read_gcode(target).meta["burn_mm"] != "0.0"
    r, target = _gcode(files, tmp_path, "idt", "--op", "isolate", "--set", "reach=76um")
    assert r.code == 0, r.err
    r, small = _gcode(files, tmp_path, "idt", "--op", "isolate")
    small_burn = float(read_gcode(small).meta["burn_mm"])
    r, target = _gcode(files, tmp_path, "idt", "--op", "isolate", "--set", "within=footprint")
    assert r.code == 0, r.err  # the whole footprint around the combs is cleared: far more burn
    assert float(read_gcode(target).meta["burn_mm"]) > 2 * small_burn
    r, target = _gcode(files, tmp_path, "design", "--layer", "scribe", "--set", "within=active_area")
    assert r.code == 0, r.err


def test_python_api_refuses_the_same():
    lay = zmfab.layout("interdigitated", **{**IDT, "gap": 0.1})
    electrodes = shapely.union_all([lay.electrode("anode"), lay.electrode("cathode")])
    with pytest.raises(zmfab.ParameterError, match="narrower than the 0.12 mm spot") as info:
        plan_geometry(electrodes, "isolate", process="laser-co2")
    assert info.value.field == "spot"
    job = plan_geometry(electrodes, "isolate", process="laser-uv", date="2026-01-01")
    assert float(job.meta["burn_mm"]) > 0


def test_diw_beads_that_fit_beside_the_gap_are_written(files, tmp_path):
    """The default 0.4 mm bead on 0.3 mm fingers spills 0.05 mm a side: short of the 0.15 mm gap."""
    r, target = _gcode(files, tmp_path, "idt", "--op", "diw")
    assert r.code == 0, r.err
    assert target.exists() and "diw_bead_width" in target.read_text()  # still a header warning
