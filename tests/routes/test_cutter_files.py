"""A cutter's HPGL read by ``zmfab estimate`` and ``zmfab preview``: the figures the cutter
route reports are this estimate of the file it wrote; cuts drawn; bad files refused in one
line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from zmfab.errors import ParameterError
from zmfab.gcode.estimate import estimate
from zmfab.gcode.hpgl_program import program_from_hpgl

ROOT = Path(__file__).resolve().parents[2]
PATTERN = ROOT / "patterns" / "zn-mns-cut-stencil.toml"


def test_a_square_cut_and_its_travel_take_their_length_at_the_vs_speed():
    # 10 mm square (400 plotter units) 2 mm from (0, 0) up and right, at 2 cm/s = 20 mm/s
    text = "IN;SP1;VS2;FS10;PU80,80;PD480,80,480,480,80,480,80,80;PU;SP0;"
    prog = program_from_hpgl(text)
    est = estimate(prog)
    assert est["cut_mm"] == pytest.approx(40.0)
    assert est["travel_mm"] == pytest.approx(2 * 2 ** 0.5, abs=1e-3)  # (rounded to 1 µm)
    assert est["time_s"] == pytest.approx((40.0 + 2 * 2 ** 0.5) / 20.0, abs=1e-3)
    assert est["bounds_mm"] == [2.0, 2.0, 12.0, 12.0]  # (where the pen starts is not the work)
    assert prog.meta["speed_cm_s"] == "2" and prog.meta["force"] == "10"


def test_estimate_of_the_built_stencil_file_is_what_the_report_says(tmp_path):
    out = tmp_path / "b"
    assert run_cli("build", str(PATTERN), "-o", str(out)).code == 0
    report = json.loads((out / "report.json").read_text())
    routes = [e for e in report["routes"] if any(f.endswith(".plt") for f in e["files"])]
    assert routes
    for entry in routes:
        plt = next(f for f in entry["files"] if f.endswith(".plt"))
        r = run_cli("estimate", str(out / plt), "--json")
        assert r.code == 0, r.err
        est = json.loads(r.out)
        assert (est["cut_mm"], est["travel_mm"]) == (entry["cut_mm"], entry["travel_mm"])
        assert round(est["time_s"], 1) == entry["estimate_s"]
        text = run_cli("estimate", str(out / plt)).out
        assert f"cut       {entry['cut_mm']:.1f} mm" in text


def test_preview_draws_every_cut_of_the_file(tmp_path):
    out = tmp_path / "b"
    assert run_cli("build", str(PATTERN), "-o", str(out)).code == 0
    plt = out / "cut" / "zn_anode.plt"
    svg = tmp_path / "zn.svg"
    r = run_cli("preview", str(plt), "-o", str(svg))
    assert r.code == 0, r.err
    root = ET.parse(svg).getroot()
    groups = {g.get("id"): g for g in root.iter() if g.tag.endswith("g") and g.get("id")}
    cuts = [e for e in groups["cut"] if e.tag.endswith("polyline")]
    downs = program_from_hpgl(plt.read_text())
    runs = sum(1 for a, b in zip([False, *[m.cut for m in downs.moves]],
                                 [m.cut for m in downs.moves], strict=False) if b and not a)
    assert len(cuts) == runs > 0  # one stroke per knife-down run
    assert not [e for e in groups["burn"] if e.tag.endswith("polyline")]


@pytest.mark.parametrize("text, words", [
    ("IN;VS2;PU0,0;PD10,10,20;", "x,y pairs"),
    ("IN;PU0,0;PD400,0;", "no speed"),
    ("IN;SP1;VS2;SP0;", "no moves"),
    ("IN;VS2;PU0,0;12,5;", "cannot read"),
])
def test_bad_hpgl_is_refused_in_one_line(tmp_path, text, words):
    with pytest.raises(ParameterError, match=words):
        program_from_hpgl(text)
    f = tmp_path / "bad.plt"
    f.write_text(text)
    r = run_cli("estimate", str(f))
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: bad.plt:") and words in lines[0]
    assert "Traceback" not in r.err


def test_binary_plt_is_refused(tmp_path):
    f = tmp_path / "bin.plt"
    f.write_bytes(b"IN;\x00\x01\x02")
    r = run_cli("preview", str(f), "-o", str(tmp_path / "x.svg"))
    assert r.code == 2 and "binary data" in r.err and "HPGL" in r.err
    assert not (tmp_path / "x.svg").exists()
