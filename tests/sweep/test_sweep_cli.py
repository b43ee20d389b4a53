"""``zmfab sweep`` from the shell: folders, summary, one-line errors, plots."""

from __future__ import annotations

import csv
import json

import pytest

from tests.cli_helpers import run_cli

FINE = {"ok", "drc_fail"}  # built and measured (the design-rule result depends on the profiles)


def test_sweep_builds_folders_and_summary(design_file, tmp_path):
    out = tmp_path / "s"
    r = run_cli("sweep", str(design_file), "--vary", "gap=100um:200um:100um", "--vary", "fingers=2,3",
                "-o", str(out), "-j", "2", "--force")
    assert r.code == 0, r.err
    assert "4 variants (" in r.out and "ran 4 " in r.out
    assert "failed" not in r.out and "error" not in r.out
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "gap=0.1mm_fingers=2", "gap=0.1mm_fingers=3", "gap=0.2mm_fingers=2", "gap=0.2mm_fingers=3"]
    assert (out / "gap=0.2mm_fingers=3" / "layout.dxf").exists()
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert {row["status"] for row in rows} <= FINE
    assert {"gap", "fingers", "min_gap_mm", "fill_factor", "reason"} <= set(rows[0])
    again = run_cli("sweep", str(design_file), "--vary", "gap=100um:200um:100um", "--vary",
                    "fingers=2,3", "-o", str(out), "-j", "1", "--force")
    assert "ran 0" in again.out and "4 already done" in again.out


def test_no_build_and_failed_variants_are_listed(design_file, tmp_path):
    out = tmp_path / "m"
    r = run_cli("sweep", str(design_file), "--vary", "fingers=0,2", "--no-build", "-o", str(out), "-j", "1")
    assert r.code == 0, r.err
    assert "fingers=0: failed: fingers: 0 is out of range" in r.out
    assert sorted(p.name for p in (out / "fingers=2").iterdir()) == ["variant.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["failed"] == 1 and summary["build"] is False
    assert [v["status"] in FINE for v in summary["variants"]] == [False, True]


@pytest.mark.parametrize("token", ["gap=100um:50um:10um", "gap", "=3", "fingers=a,b", "width=1,2"])
def test_bad_vary_is_one_line_exit_2(design_file, tmp_path, token):
    r = run_cli("sweep", str(design_file), "--vary", token, "-o", str(tmp_path / "x"))
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --vary {token}:")
    assert not (tmp_path / "x").exists()


def test_zip_with_unequal_lengths_is_an_error(design_file, tmp_path):
    r = run_cli("sweep", str(design_file), "--vary", "gap=0.1,0.2", "--vary", "fingers=2",
                "--zip", "-o", str(tmp_path / "z"))
    assert r.code == 2 and "same number of values" in r.err


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_draws_the_trade_off(design_file, tmp_path, suffix):
    pytest.importorskip("matplotlib")
    out = tmp_path / "p"
    target = tmp_path / f"trade.{suffix}"
    r = run_cli("sweep", str(design_file), "--vary", "gap=0.1,0.2,0.3", "--no-build", "-j", "1",
                "-o", str(out), "--plot", "gap", "fill_factor", "--plot-file", str(target))
    assert r.code == 0, r.err
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in data[:2000]


def test_plot_default_file_and_unknown_column(design_file, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "p"
    r = run_cli("sweep", str(design_file), "--vary", "gap=0.1,0.2", "--no-build", "-j", "1",
                "-o", str(out), "--plot", "gap", "min_gap")
    assert r.code == 0, r.err
    assert (out / "gap_vs_min_gap.png").exists()
    bad = run_cli("sweep", str(design_file), "--vary", "gap=0.1,0.2", "--no-build", "-j", "1",
                  "-o", str(out), "--plot", "gap", "wobble")
    assert bad.code == 2 and "no column 'wobble'" in bad.err


def test_plot_without_matplotlib_names_the_extra(design_file, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_mpl(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mpl)
    r = run_cli("sweep", str(design_file), "--vary", "gap=0.1", "--no-build", "-j", "1",
                "-o", str(tmp_path / "n"), "--plot", "gap", "fill_factor")
    assert r.code == 2 and "zmfab[sim]" in r.err


def test_progress_bar_shows_count_rate_and_eta(capsys):
    from zmfab.cli.progress import Bar

    now = [0.0]
    bar = Bar(enabled=True, unit="variants", rate=True, clock=lambda: now[0])
    bar(2, 10)  # two already done: the rate counts only what this run does
    now[0] = 4.0
    bar(6, 10)
    now[0] = 8.0
    bar(10, 10)
    err = capsys.readouterr().err
    assert "6/10 variants" in err and "1.0/s" in err and "ETA 0:04" in err and err.endswith("\n")
    quiet = Bar(enabled=True, quiet=True, clock=lambda: now[0])
    now[0] = 100.0
    quiet(1, 2)
    assert capsys.readouterr().err == ""


def test_plot_colours_by_family_or_the_other_swept_parameter(design_file, tmp_path):
    pytest.importorskip("matplotlib")
    from zmfab.sweep.summary import default_colour

    one = [{"family": "interdigitated"}] * 2
    two = [{"family": "interdigitated"}, {"family": "concentric"}]
    assert default_colour(one, ["gap", "fingers"], "gap") == "fingers"
    assert default_colour(one, ["gap"], "gap") == "family"
    assert default_colour(two, ["family", "gap"], "gap") == "family"
    r = run_cli("sweep", str(design_file), "--vary", "gap=0.1,0.2", "--vary", "fingers=2,3",
                "--no-build", "-j", "1", "-o", str(tmp_path / "c"), "--plot", "gap", "fill_factor",
                "--plot-colour", "fingers", "--plot-file", str(tmp_path / "c.svg"))
    assert r.code == 0, r.err
    assert "fingers = 3" in (tmp_path / "c.svg").read_text()


def test_panel_options_apply_to_every_variant(design_file, tmp_path):
    pytest.importorskip("zmfab.process.panel")
    single = run_cli("sweep", str(design_file), "--vary", "gap=0.2", "--no-build", "-j", "1",
                     "-o", str(tmp_path / "one"))
    panel = run_cli("sweep", str(design_file), "--vary", "gap=0.2", "--no-build", "-j", "1",
                    "-o", str(tmp_path / "two"), "--array", "2x1", "--wiring", "series")
    assert single.code == 0 and panel.code == 0, panel.err
    area = [float(next(csv.DictReader((tmp_path / d / "summary.csv").open()))["footprint_area_mm2"])
            for d in ("one", "two")]
    assert area[1] > 1.9 * area[0]
    bad = run_cli("sweep", str(design_file), "--vary", "gap=0.2", "--no-build", "-o",
                  str(tmp_path / "m"), "--machine", "no-such-machine")
    assert bad.code == 2 and "no-such-machine" in bad.err and not (tmp_path / "m").exists()
