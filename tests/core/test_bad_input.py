"""Every bad input of issue 14, run as a user runs it: exit status, the words of the one error line,
nothing left behind, and bounded time and memory (each case in its own process under RLIMIT_AS)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import ezdxf
import pytest

import zmfab
from zmfab.export import export_layout

ROOT = Path(__file__).resolve().parents[2]
#: Address space each case may use (the 22 GB swiss roll of the issue dies far below this).
MEMORY_LIMIT = 1536 * 1024 * 1024
#: Seconds each case may take (every refusal below comes well under one second of work).
TIME_LIMIT = 20.0


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _rect_dxf(path: Path, rects: dict[str, tuple[float, float, float, float]], *, closed: bool = True) -> None:
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    for name, (x0, y0, x1, y1) in rects.items():
        doc.layers.add(name)
        msp.add_lwpolyline([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], close=closed,
                           dxfattribs={"layer": name})
    doc.saveas(path)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files the cases read: drawings, a design, G-code that is not G-code."""
    d = tmp_path_factory.mktemp("inputs")
    export_layout(zmfab.layout("interdigitated", fingers=10, gap="150um", anode_width="300um",
                               cathode_width="400um"), d / "idt.dxf")
    _rect_dxf(d / "overlap.dxf", {"anode": (0, 0, 200, 100), "cathode": (50, 50, 250, 200)})
    _rect_dxf(d / "big.dxf", {"anode": (0, 0, 600, 100), "cathode": (0, 110, 600, 200)})
    _rect_dxf(d / "open.dxf", {"anode": (0, 0, 5, 1), "cathode": (0, 2, 5, 3)}, closed=False)
    shutil.copy(ROOT / "patterns" / "zn-mno2-screen-printed.toml", d / "good.toml")
    (d / "garbage.gcode").write_text("G21 G90\nhello world\nG1 X10\n")
    (d / "binary.dxf").write_bytes(bytes(range(256)) * 8)
    (d / "empty.toml").write_text("")
    (d / "comments.gcode").write_text("; dialect: grbl\n; nothing but a header\nG21 G90\n")
    (d / "huge.gcode").write_text("G21 G90\nG0 X1e300 Y5\n")
    shutil.copy(ROOT / "patterns" / "jobs" / "demo-grbl.gcode", d / "job.gcode")
    return d


# (command, expected exit, words the error must contain, words it must not contain)
CASES: list[tuple[str, int, list[str], list[str]]] = [
    # 4. bounded inputs, refused up front
    ("layout swiss-roll --turns 100000 -o x.svg", 2, ["turns", "1 m"], []),
    ("layout interdigitated --fingers 100000 -o x.svg", 2, ["fingers", "1000 mm"], []),
    ("layout interdigitated --fingers 100000 --gap 1um --anode-width 1um --cathode-width 1um "
     "--max-vertices 1000", 2, ["vertices", "--max-vertices"], []),
    ("layout swiss-roll --turns 150 --tolerance 1e-5", 2, ["turns", "vertices", "--max-vertices"], []),
    ("layout concentric --rings 400", 2, ["rings", "vertices", "--max-vertices"], []),
    ("layout concentric --rings 600", 2, ["rings", "1 m"], []),
    ("layout interdigitated --finger-length 1e308 -o x.svg", 2, ["--finger-length", "1000 mm"], ["inf"]),
    ("layout interdigitated --gap 1nm", 2, ["--gap", "0.001"], []),
    ("layout interdigitated --margin 1e400", 2, ["--margin", "finite"], []),
    ("roll --thickness 2um --core-radius 50um --turns 1e9 -o strip.svg", 2, ["--turns"], []),
    ("roll --thickness 2um --core-radius 50um --turns 2000", 2, ["--turns", "1 m"], []),
    ("simulate {in}/good.toml --thickness 1e9 --no-maps -o sim", 2, ["thickness", "1000 mm"], []),
    ("info {in}/idt.dxf --dpi -96", 2, ["--dpi", "1..10000"], []),
    ("stream {in}/job.gcode --port sim://grbl --baud 0", 2, ["--baud"], []),
    ("stream {in}/job.gcode --port sim://grbl --timeout -1", 2, ["--timeout", "> 0"], []),
    ("build {in}/good.toml --array 100x100 --machine grbl-uv -o out", 2,
     ["--array", "bed", "grbl-uv", "fit"], []),
    ("build {in}/good.toml --array 100x100 -o out", 2, ["--array", "1 m"], []),
    ("gcode {in}/big.dxf --op fill -o big.gcode", 2, ["bed", "600"], []),
    ("gcode {in}/overlap.dxf --op fill --set interval=1um --max-lines 1000 -o o.gcode", 2,
     ["hatch lines", "--max-lines"], []),
    ("sweep {in}/good.toml --vary gap=1um:1000mm:1um --no-build -o sw", 2, ["--max-variants"], []),
    ("sweep {in}/good.toml --vary gap=100um:200um:50um --no-build --plot gap nope -o sw", 2,
     ["--plot"], []),
    # 5. G-code readers refuse what is not G-code
    ("estimate {in}/garbage.gcode", 2, ["garbage.gcode", "line 2", "not G-code"], []),
    ("estimate {in}/binary.dxf", 2, ["binary.dxf", "line 1", "binary"], []),
    ("estimate {in}/empty.toml", 2, ["empty.toml", "empty"], []),
    ("estimate {in}/comments.gcode", 2, ["no moves"], []),
    ("estimate {in}/huge.gcode", 2, ["line 2", "out of range"], []),
    ("preview {in}/garbage.gcode -o p.svg", 2, ["line 2", "not G-code"], ["internal error"]),
    ("preview {in}/binary.dxf -o p.svg", 2, ["binary"], []),
    # 6. a short circuit is a finding
    ("info {in}/overlap.dxf", 1, ["short", "overlap", "7500"], []),
    ("info {in}/overlap.dxf --json", 1, ['"short"', '"where_mm"'], []),
    # 8. messages that mislead
    ("info {in}/open.dxf", 2, ["open polylines", "anode", "cathode"], ["not found"]),
    ("gcode {in}/idt.dxf --op fill --process nope -o x.gcode", 2, ["process:", "laser-co2"], ["processe"]),
    ("layout interdigitated --gap 50mm", 2, ["gap:", "finger length"], ["finger-length:"]),
    ("layout interdigitated --finger-length 0.1mm", 2, ["finger-length:"], []),
]


def _run(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "zmfab", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=TIME_LIMIT, preexec_fn=_limit,
                          env={**os.environ, "ZMFAB_DEBUG": ""})
    return proc, time.monotonic() - t0


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize(("command", "code", "words", "absent"), CASES, ids=[c[0][:60] for c in CASES])
def test_bad_input(inputs: Path, tmp_path: Path, command: str, code: int, words: list[str],
                   absent: list[str]) -> None:
    before = _tree(inputs)
    proc, _ = _run(command.format(**{"in": inputs}).split(), tmp_path)
    text = proc.stderr + proc.stdout
    assert proc.returncode == code, text
    assert "Traceback" not in text and "internal error" not in text, text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    for word in absent:
        assert word not in text, text
    if code == 2:
        errors = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(errors) == 1 and errors[0].startswith("error: "), proc.stderr
    assert _tree(tmp_path) == set(), f"left behind: {_tree(tmp_path)}"
    assert _tree(inputs) == before


@pytest.mark.skipif(not Path("/sys").is_dir() or os.access("/sys", os.W_OK) and os.geteuid() != 0,
                    reason="needs a folder nobody may write")
def test_unwritable_folder_names_the_path_given(tmp_path: Path) -> None:
    proc, _ = _run(["layout", "interdigitated", "-o", "/sys/zmfab-x.svg"], tmp_path)
    assert proc.returncode == 2
    assert "/sys/zmfab-x.svg" in proc.stderr and ".part" not in proc.stderr, proc.stderr


def test_sigterm_leaves_no_staging_folder(tmp_path: Path) -> None:
    """A build killed with SIGTERM removes its .zmfab-build-* staging folder (and its output folder)."""
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "zmfab", "build",
                             str(ROOT / "patterns" / "msc-laser-scribed.toml"), "-o", str(out)],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_limit)
    deadline = time.monotonic() + TIME_LIMIT
    while time.monotonic() < deadline and not list(out.glob(".zmfab-build-*")) and proc.poll() is None:
        time.sleep(0.005)
    staged = bool(list(out.glob(".zmfab-build-*")))
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=TIME_LIMIT)
    if not staged:
        pytest.skip("the build finished before it could be interrupted")
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err
    assert not out.exists() or not list(out.glob(".zmfab-build-*"))
    assert not out.exists(), _tree(out)


def test_panel_refused_before_building_it(inputs: Path, tmp_path: Path) -> None:
    """The 100 x 100 panel is refused from its size alone: well under the time one build takes."""
    proc, took = _run(["build", str(inputs / "good.toml"), "--array", "100x100", "--machine", "grbl-uv",
                       "-o", "out"], tmp_path)
    assert proc.returncode == 2 and "bed" in proc.stderr
    small, took_small = _run(["layout", "interdigitated", "--fingers", "2"], tmp_path)
    assert small.returncode == 0
    assert took < took_small + 2.0  # start-up plus reading the design; no panel is merged


def test_readme_panel_example_builds(inputs: Path, tmp_path: Path) -> None:
    proc, _ = _run(["build", str(inputs / "good.toml"), "--array", "4x3", "--pitch", "16mm,22mm",
                    "--series", "-o", "out"], tmp_path)
    assert proc.returncode == 0, proc.stderr
