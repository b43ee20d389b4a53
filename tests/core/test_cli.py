import json
import subprocess
import sys

import pytest

from tests.cli_helpers import run_cli
from zmfab import __version__
from zmfab.cli import COMMANDS


def test_version_and_help_list_every_command():
    assert __version__ in run_cli("--version").out
    out = run_cli("--help").out
    for name, (_, summary) in COMMANDS.items():
        assert name in out and summary.split()[0] in out


def test_help_does_not_import_heavy_modules():
    code = ("import sys; from zmfab.cli import main\n"
            "try: main(['--help'])\nexcept SystemExit: pass\n"
            "heavy = [m for m in ('shapely', 'ezdxf', 'numpy', 'scipy', 'serial', 'matplotlib') if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_layout_json_and_export(tmp_path):
    out = tmp_path / "idt.dxf"
    r = run_cli("layout", "interdigitated", "--fingers", "5", "--gap", "150um", "-o", str(out), "--json")
    assert r.code == 0, r.err
    m = json.loads(r.out)
    assert m["min_gap_mm"] == pytest.approx(0.15)
    assert out.exists()
    r = run_cli("info", str(out), "--json")
    assert r.code == 0, r.err
    back = json.loads(r.out)
    assert back["anode_area_mm2"] == pytest.approx(m["anode_area_mm2"], rel=1e-3)
    assert back["min_gap_mm"] == pytest.approx(0.15, rel=1e-6)


def test_layout_table_has_units():
    r = run_cli("layout", "interdigitated", "--fingers", "3")
    assert r.code == 0
    assert "mm²" in r.out and "min gap" in r.out


@pytest.mark.parametrize(
    "args, needle",
    [
        (["layout", "interdigitated", "--gap", "-1mm"], "--gap"),
        (["layout", "interdigitated", "--gap", "3 furlongs"], "furlongs"),
        (["layout", "interdigitated", "--gap", "nan"], "--gap"),
        (["layout", "interdigitated", "--fingers", "many"], "--fingers"),
        (["layout", "interdigitated", "--bus-width", "0"], "--bus-width"),
        (["layout", "hexagonal"], "hexagonal"),
        (["layout", "interdigitated", "-o", "x.png"], "--output"),
        (["info", "missing.toml"], "missing.toml"),
        (["build", "missing.toml"], "missing.toml"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli(*args)
    assert r.code == 2, (r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.err
    assert needle in lines[0]
    assert "Traceback" not in r.err
    assert list(tmp_path.iterdir()) == []


def test_console_script_exit_status(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "zmfab", "layout", "interdigitated", "--gap", "-1mm"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --gap: -1mm is out of range (allowed 0.001..1000 mm)"


def test_build_writes_the_foundation_files(tmp_path):
    r = run_cli("build", "patterns/zn-mno2-screen-printed.toml", "-o", str(tmp_path / "b"))
    assert r.code == 0, r.err
    for name in ("layout.svg", "layout.dxf", "preview.svg", "report.json"):
        assert (tmp_path / "b" / name).exists(), name
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert report["metrics"]["min_gap_mm"] == pytest.approx(0.4)
    assert not [p for p in (tmp_path / "b").iterdir() if p.name.startswith(".")]


def test_build_array_reaches_every_stage(tmp_path):
    """--array/--series on the command line is the panel the cell estimate scales, as [panel] is."""
    r = run_cli("build", "patterns/zn-mno2-screen-printed.toml", "--array", "2x2", "--series",
                "-o", str(tmp_path / "p"))
    assert r.code == 0, r.err
    report = json.loads((tmp_path / "p" / "report.json").read_text())
    single = json.loads(run_cli("cell", "patterns/zn-mno2-screen-printed.toml", "--json").out)
    assert report["cell"]["voltage_v"] == pytest.approx(4 * single["voltage_v"])
    assert report["cell"]["capacity_mah"] == pytest.approx(single["capacity_mah"])
