"""Running sweeps: serial equals parallel, failures are kept, reruns resume without rebuilding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from zmfab.sweep import sweep

VARY = ["gap=100um:300um:100um", "fingers=2,3"]
FINE = {"ok", "drc_fail"}  # built and measured (the design-rule result depends on the profiles)
FORCE = {"build": {"force": True}}  # write files even for variants that fail a rule


def mtimes(outdir: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in outdir.glob("*/variant.json")}


def test_parallel_results_equal_serial(design, tmp_path):
    one = sweep(design, VARY, tmp_path / "j1", build=False, jobs=1)
    two = sweep(design, VARY, tmp_path / "j2", build=False, jobs=2)
    assert one.rows == two.rows
    assert [r["name"] for r in one.rows][:2] == ["gap=0.1mm_fingers=2", "gap=0.1mm_fingers=3"]
    assert (tmp_path / "j1" / "summary.csv").read_text() == (tmp_path / "j2" / "summary.csv").read_text()


def test_build_mode_writes_each_variant_like_zmfab_build(design, tmp_path):
    out = tmp_path / "built"
    result = sweep(design, ["gap=0.1,0.2"], out, jobs=2, options=FORCE)
    assert {r["status"] for r in result.rows} <= FINE
    folder = out / "gap=0.1mm"
    for name in ("layout.svg", "layout.dxf", "preview.svg", "report.json", "variant.json"):
        assert (folder / name).exists(), name
    report = json.loads((folder / "report.json").read_text())
    assert report["params"]["gap"] == 0.1
    record = json.loads((folder / "variant.json").read_text())
    assert record["metrics"]["min_gap_mm"] == 0.1 and record["hash"]
    assert {"layout.svg", "report.json"} <= set(record["files"])
    summary = json.loads((out / "summary.json").read_text())
    assert sum(summary["counts"].values()) == 2 and len(summary["variants"]) == 2
    # the table does not depend on whether files were written
    measured = sweep(design, ["gap=0.1,0.2"], tmp_path / "measured", build=False, jobs=1)
    assert measured.rows == result.rows


def test_impossible_variants_stay_in_the_table_with_the_reason(design, tmp_path):
    result = sweep(design, ["fingers=0,2"], tmp_path / "s", build=False, jobs=1)
    bad, good = result.rows
    assert bad["status"] == "failed" and "fingers: 0 is out of range" in bad["reason"]
    assert good["status"] in FINE and good["min_gap_mm"] == 0.15
    csv = (tmp_path / "s" / "summary.csv").read_text().splitlines()
    assert len(csv) == 3 and "out of range" in csv[1]


def test_family_sweep_drops_base_parameters_and_fails_foreign_swept_ones(design, tmp_path):
    from zmfab.geometry.registry import get_generator

    try:
        get_generator("concentric")
    except ImportError:  # pragma: no cover - family not installed yet
        import pytest
        pytest.skip("concentric family not available")
    result = sweep(design, ["family=interdigitated,concentric", "fingers=2"], tmp_path / "f",
                   build=False, jobs=1)
    idt, conc = result.rows
    assert idt["status"] in FINE and idt["family"] == "interdigitated"
    assert conc["status"] == "failed" and "unknown parameter of concentric" in conc["reason"]
    # the design's own interdigitated parameters do not fail a concentric variant
    plain = sweep(design, ["family=concentric"], tmp_path / "g", build=False, jobs=1)
    assert plain.rows[0]["status"] in FINE, plain.rows[0]["reason"]


def test_rerun_skips_what_is_done_and_runs_only_the_new(design, tmp_path):
    out = tmp_path / "r"
    first = sweep(design, ["gap=100um:200um:100um", "fingers=2,3"], out, build=False, jobs=1)
    assert (first.ran, first.skipped) == (4, 0)
    before = mtimes(out)
    second = sweep(design, ["gap=100um:300um:100um", "fingers=2,3"], out, build=False, jobs=2)
    assert (second.ran, second.skipped) == (2, 4)
    after = mtimes(out)
    assert all(after[name] == t for name, t in before.items())
    assert len(after) == 6 and len(second.rows) == 6
    third = sweep(design, ["gap=100um:300um:100um", "fingers=2,3"], out, build=False, jobs=1)
    assert (third.ran, third.skipped) == (0, 6) and third.rows == second.rows


def test_changed_design_or_deleted_files_are_rebuilt(design, tmp_path):
    import dataclasses

    out = tmp_path / "c"
    sweep(design, ["gap=0.1,0.2"], out, jobs=1, options=FORCE)
    (out / "gap=0.2mm" / "layout.svg").unlink()
    again = sweep(design, ["gap=0.1,0.2"], out, jobs=1, options=FORCE)
    assert again.ran == 1 and (out / "gap=0.2mm" / "layout.svg").exists()
    changed = dataclasses.replace(design, params={**design.params, "finger_length": "3mm"})
    assert sweep(changed, ["gap=0.1,0.2"], out, jobs=1, options=FORCE).ran == 2


CRASHER = textwrap.dedent("""
    import os, sys
    from zmfab.design import load_design
    from zmfab.sweep import sweep, stages

    real = stages.metrics_stage
    def metrics_stage(layout):
        if abs(layout.params["gap"] - 0.3) < 1e-9:
            os._exit(3)  # the process dies mid-sweep: no cleanup, no summary
        return real(layout)
    stages.metrics_stage = metrics_stage
    sweep(load_design(sys.argv[1]), ["gap=100um:500um:100um"], sys.argv[2], build=False, jobs=1)
""")


def test_a_crash_loses_nothing_finished_and_the_rerun_resumes(design_file, design, tmp_path):
    out = tmp_path / "crash"
    script = tmp_path / "crash.py"
    script.write_text(CRASHER)
    proc = subprocess.run([sys.executable, str(script), str(design_file), str(out)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    assert proc.returncode == 3, proc.stderr
    assert sorted(mtimes(out)) == ["gap=0.1mm", "gap=0.2mm"]
    assert not (out / "summary.csv").exists()
    before = mtimes(out)
    result = sweep(design, ["gap=100um:500um:100um"], out, build=False, jobs=2)
    assert (result.ran, result.skipped) == (3, 2)
    assert all(mtimes(out)[k] == t for k, t in before.items())
    assert {r["status"] for r in result.rows} <= FINE


def test_a_dead_pool_worker_is_one_error_and_keeps_finished_variants(design_file, design, tmp_path):
    import multiprocessing

    import pytest

    if multiprocessing.get_start_method() != "fork":  # the patch must reach the workers
        pytest.skip("needs the fork start method")
    out = tmp_path / "pool"
    script = tmp_path / "crash.py"
    script.write_text(CRASHER.replace("jobs=1", "jobs=2").replace("os._exit(3)", "os._exit(3) if "
                                      "os.getpid() != PARENT else None").replace(
        "real = stages", "PARENT = os.getpid()\nreal = stages"))
    proc = subprocess.run([sys.executable, str(script), str(design_file), str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "a sweep worker died" in proc.stderr
    done = set(mtimes(out))
    assert "gap=0.3mm" not in done
    result = sweep(design, ["gap=100um:500um:100um"], out, build=False, jobs=1)
    assert result.ran == 5 - len(done) and {r["status"] for r in result.rows} <= FINE


def test_unexpected_errors_are_recorded_and_retried(design, tmp_path, monkeypatch):
    from zmfab.sweep import stages

    real = stages.metrics_stage

    def broken(layout):
        if layout.params["gap"] == 0.2:
            raise RuntimeError("boom")
        return real(layout)

    monkeypatch.setattr(stages, "metrics_stage", broken)
    out = tmp_path / "e"
    first = sweep(design, ["gap=0.1,0.2"], out, build=False, jobs=1)
    assert first.rows[1]["status"] == "error" and "RuntimeError: boom" in first.rows[1]["reason"]
    monkeypatch.setattr(stages, "metrics_stage", real)
    second = sweep(design, ["gap=0.1,0.2"], out, build=False, jobs=1)
    assert (second.ran, second.skipped) == (1, 1) and second.rows[1]["status"] in FINE


def test_design_rules_enter_the_table_when_installed(design, tmp_path):
    from zmfab.sweep.stages import available_stages

    if "drc" not in available_stages():  # pragma: no cover - zmfab.drc not installed
        import pytest
        pytest.skip("no design-rule check in this installation")
    result = sweep(design, ["gap=5um,1mm"], tmp_path / "d", build=False, jobs=1)
    tight = result.rows[0]
    assert tight["status"] == "drc_fail" and "gap" in tight["drc_rules"].split(";")
    assert tight["reason"] and tight["drc_violations"] >= 1
    assert "gap" not in result.rows[1]["drc_rules"].split(";")


def test_build_refuses_like_zmfab_build_when_a_rule_fails(design, tmp_path):
    from zmfab.sweep.stages import available_stages

    if "drc" not in available_stages():  # pragma: no cover - zmfab.drc not installed
        import pytest
        pytest.skip("no design-rule check in this installation")
    out = tmp_path / "refused"
    result = sweep(design, ["gap=5um"], out, jobs=1)
    row = result.rows[0]
    assert row["status"] == "drc_fail" and row["reason"].endswith("not built (--force builds it anyway)")
    assert sorted(p.name for p in (out / "gap=0.005mm").iterdir()) == ["variant.json"]
    assert row["min_gap_mm"] == 0.005  # measured all the same
    assert sweep(design, ["gap=5um"], out, jobs=1).skipped == 1


def test_progress_reports_every_variant(design, tmp_path):
    calls: list[tuple[int, int]] = []
    sweep(design, ["gap=0.1,0.2,0.3"], tmp_path / "p", build=False, jobs=1,
          progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)


CELL = """
[cell]
anode_material = "zn"
cathode_material = "mno2"
anode_loading = "10mg/cm2"
cathode_loading = "5mg/cm2"

[simulate]
cells = 3000
"""


def test_capacity_and_resistance_enter_the_table_when_installed(design_file, tmp_path):
    from zmfab.design import load_design
    from zmfab.sweep.stages import available_stages

    stages = available_stages(simulate=True)
    if "capacity" not in stages:  # pragma: no cover - zmfab.analysis not installed
        import pytest
        pytest.skip("no cell estimate in this installation")
    design_file.write_text(design_file.read_text() + CELL)
    cell_design = load_design(design_file)
    plain = sweep(cell_design, ["fingers=2,4"], tmp_path / "a", build=False, jobs=1)
    few, many = plain.rows
    assert few["capacity_mah"] > 0 and many["capacity_mah"] > few["capacity_mah"]
    assert "resistance_ohm" not in few  # off unless asked: it is the slow stage
    if "resistance" in stages:
        sim = sweep(cell_design, ["fingers=2,4"], tmp_path / "b", build=False, jobs=1, simulate=True)
        r2, r4 = (r["resistance_ohm"] for r in sim.rows)
        assert r2 > r4 > 0  # more fingers, more facing edge, lower resistance
