"""One set of figures (issue 14, item 7): every report of a job or a build gives the same number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from zmfab.gcode.parse import count_commands, header_meta

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def diw_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("diw") / "out"
    res = run_cli("build", str(ROOT / "patterns" / "zn-mno2-diw.toml"), "-o", str(out))
    assert res.code == 0, res.err
    return out, res.out


def test_build_counts_the_files_it_writes(diw_build: tuple[Path, str]) -> None:
    out, text = diw_build
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    said = int(text.splitlines()[0].split(": ")[-1].split()[0])
    report = json.loads((out / "report.json").read_text())
    assert said == len(written) == len(report["files"])
    assert sorted(report["files"]) == written


def test_diw_header_states_what_estimate_says(diw_build: tuple[Path, str]) -> None:
    out, _ = diw_build
    job = out / "gcode" / "diw-all.gcode"
    lines = job.read_text().splitlines()
    head = header_meta(lines)
    res = run_cli("estimate", str(job), "--json")
    est = json.loads(res.out)
    assert float(head["estimate_s"]) == pytest.approx(est["time_s"], abs=0.05)
    assert float(head["travel_mm"]) == pytest.approx(est["travel_mm"], abs=0.05)
    assert float(head["print_mm"]) == pytest.approx(est["print_mm"], abs=0.05)
    report = json.loads((out / "report.json").read_text())
    entry = next(j for j in report["jobs"] if j["file"] == "gcode/diw-all.gcode")
    assert entry["lines"] == est["lines"] == count_commands(lines)
    assert entry["estimate_s"] == float(head["estimate_s"])


def test_laser_job_line_count_is_the_same_everywhere(tmp_path: Path) -> None:
    design = str(ROOT / "patterns" / "msc-laser-scribed.toml")
    res = run_cli("gcode", design, "--layer", "laser isolation", "-o", str(tmp_path / "iso.gcode"),
                  "--date", "2026-01-01")
    assert res.code == 0, res.err
    by_gcode = int(res.out.split(": ")[1].split()[0])
    est = json.loads(run_cli("estimate", str(tmp_path / "iso.gcode"), "--json").out)
    built = run_cli("build", design, "-o", str(tmp_path / "b"))
    assert built.code == 0, built.err
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    entry = next(j for j in report["jobs"] if j["layer"] == "laser isolation")
    lines = (tmp_path / "iso.gcode").read_text().splitlines()
    assert by_gcode == est["lines"] == entry["lines"] == count_commands(lines)
    assert f"{entry['file']}: {entry['lines']} lines" in built.out


def test_cell_loads_the_electrode_without_its_pad() -> None:
    design = str(ROOT / "patterns" / "zn-mno2-screen-printed.toml")
    metrics = json.loads(run_cli("info", design, "--json").out)
    cell = json.loads(run_cli("cell", design, "--json").out)
    for role in ("anode", "cathode"):
        with_pad = metrics[f"{role}_area_mm2"]
        pad = metrics[f"{role}_pad_area_mm2"]
        assert cell[role]["loaded_area_mm2"] == pytest.approx(with_pad - pad, rel=1e-6)
