"""``runsheet.html`` in every build: content, self-containment, generic quantities, and the page
printed to PDF by headless Chromium (skipped where no Chromium is installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

from zmfab.build import STEPS, build
from zmfab.build.runsheet import quantities, sheet_data
from zmfab.build.runsheet_html import render
from zmfab.design import load_design

ROOT = Path(__file__).resolve().parents[2]
PRINTED = ROOT / "patterns" / "zn-mno2-screen-printed.toml"
DIW = ROOT / "patterns" / "zn-mno2-diw.toml"
LASER = ROOT / "patterns" / "msc-laser-scribed.toml"


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    out = tmp_path_factory.mktemp("printed")
    build(load_design(PRINTED), out)
    return out


def test_runsheet_is_the_last_step_and_a_build_file(printed):
    assert STEPS[-1] == "zmfab.build.runsheet:runsheet_step"
    report = json.loads((printed / "report.json").read_text())
    assert "runsheet.html" in report["files"] and report["runsheet"]["steps"] == len(report["stack"])


def test_self_contained_with_every_layer_in_order(printed):
    html = (printed / "runsheet.html").read_text()
    report = json.loads((printed / "report.json").read_text())
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"""(src|href)=["'](?!#)""", html)  # only in-page references
    positions = [html.index(f"Step {i}: {lay['name']}") for i, lay in enumerate(report["stack"], 1)]
    assert positions == sorted(positions)
    assert html.count('class="box"') == 2 * len(report["stack"])
    assert "Passed: no violations" in html and report["title"] in html
    # each masked layer's own mask file is inlined (its label text), ids kept unique on the page
    for mask in report["masks"]:
        assert f"masks/{mask['layer'].replace(' ', '_')}.svg" in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert html.count("<svg") >= len(report["stack"]) + 1  # a picture per step and the chart


def test_settings_name_their_source(printed):
    html = (printed / "runsheet.html").read_text()
    assert re.search(r"<b>mesh_count_per_inch</b> 325 <span class=\"src\">process screen-print</span>", html)
    assert "pva-gel thickness" in html  # the electrolyte's deposited volume, from its material


def test_diw_quantities_are_the_jobs(tmp_path):
    ctx = build(load_design(DIW), tmp_path)
    html = unescape((tmp_path / "runsheet.html").read_text())
    job = next(j for j in ctx.report["jobs"] if j["layer"] == "zn anode")
    assert f"{job['ink_ul']['T0']:.4g} µL" in html
    assert f"{ctx.report['cell']['anode']['mass_mg']:.4g} mg" in html
    assert "<b>bead_width</b> 400um <span class=\"src\">stack layer 'zn anode'</span>" in html
    assert f"{ctx.report['cell']['areal_power_mw_cm2']:.4g} mW/cm²" in html


def test_laser_settings_match_what_the_job_was_written_with(tmp_path):
    pytest.importorskip("scipy")
    build(load_design(LASER), tmp_path)
    html = (tmp_path / "runsheet.html").read_text()
    gcode = (tmp_path / "gcode" / "laser-isolation.gcode").read_text()
    assert "; power: 70%" in gcode
    assert "<b>power</b> 70% <span class=\"src\">process laser-uv [isolate]</span>" in html
    assert "power 70% (S178 of 255)" in html


def test_quantities_of_other_methods_are_rendered_generically():
    entry = {"name": "zn plating", "method": "electrodeposit", "area_mm2": 10.0, "settings": {},
             "charge_C": 12.5, "current_mA": 4.0, "time_s": 3125.0, "drops": 420,
             "volume_uL": 0.8, "margin_mm": 0.0}
    rows = dict(quantities(entry, [], None))
    assert rows == {"charge": "12.5 C", "current": "4 mA", "time": "52 min 5 s", "drops": "420",
                    "volume": "0.8 µL"}
    data = sheet_data({"title": "t", "stack": [entry], "jobs": []})
    html = render(data)
    assert "12.5 C" in html and "52 min 5 s" in html and "electrodeposit" in html


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def test_prints_on_a4_in_headless_chromium(printed, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium installed (CI installs Debian's chromium)")
    pypdf = pytest.importorskip("pypdf")
    pdf = tmp_path / "runsheet.pdf"
    run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                          f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}",
                          (printed / "runsheet.html").as_uri()],
                         capture_output=True, text=True, timeout=180)
    assert pdf.is_file(), run.stderr[-2000:]
    reader = pypdf.PdfReader(str(pdf))
    report = json.loads((printed / "report.json").read_text())
    assert 2 <= len(reader.pages) <= 4 + len(report["stack"])
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert w == pytest.approx(595.3, abs=1.5) and h == pytest.approx(841.9, abs=1.5)  # A4 in pt
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages)).replace("- ", "-")
    assert report["title"] in text and "Design-rule check" in text
    for i, lay in enumerate(report["stack"], 1):
        assert f"Step {i}: {lay['name']}" in text
    assert "Ragone" in text and "[73]" in text  # the chart's text is real text, not paths


def test_without_the_sim_extra_the_sheet_says_why(monkeypatch, tmp_path):
    import builtins
    import sys

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name.split(".")[0] in ("scipy", "matplotlib"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    for mod in [m for m in sys.modules if m.split(".")[0] in ("scipy", "matplotlib")]:
        monkeypatch.delitem(sys.modules, mod)
    ctx = build(load_design(PRINTED), tmp_path)
    assert "sim extra" in ctx.report["cell"]["power_skipped"]
    assert ctx.report["runsheet"]["chart"] is False
    html = (tmp_path / "runsheet.html").read_text()
    assert "The Ragone chart needs matplotlib" in html and "Step 4: encapsulation" in html


def test_a_forced_build_lists_its_violations(tmp_path):
    design = tmp_path / "tight.toml"
    design.write_text('title = "Tight comb"\nfamily = "interdigitated"\n[params]\nfingers = 3\n'
                      'anode_width = "200um"\ncathode_width = "200um"\ngap = "150um"\n'
                      'finger_length = "2mm"\npad_size = "1mm"\n')
    ctx = build(load_design(design), tmp_path / "out", force=True)
    html = unescape((tmp_path / "out" / "runsheet.html").read_text())
    drc = ctx.report["drc"]
    assert not drc["passed"]
    assert f"Failed: {drc['count']} violations (built with --force)" in html
    first = drc["violations"][0]
    assert f"{first['rule']}: {first['layer']}: measured {first['measured_mm']:.4g} mm" in html
    assert "design-rule violations ignored (--force)" in html  # the build's warning


@pytest.mark.parametrize("pattern,words", [
    ("zn-mno2-electrodeposited", ["charge", "deposit/"]),
    ("zn-mns-cut-stencil", ["cut/", ".plt"]),
])
def test_route_layers_show_their_files_figures_and_picture(tmp_path, pattern, words):
    ctx = build(load_design(ROOT / "patterns" / f"{pattern}.toml"), tmp_path / "out")
    html = unescape((tmp_path / "out" / "runsheet.html").read_text())
    route = ctx.report["routes"][0]
    for file in route["files"]:
        assert file in html
    for word in words:
        assert word in html
    assert f"({route['method']})" in html  # the route's own picture is the step's picture
