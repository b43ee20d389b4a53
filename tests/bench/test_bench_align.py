"""Registration: an emulated substrate placed with a known rotation and offset; align recovers
the transform from two fiducials, and the aligned job lands on the substrate where designed."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from zmfab.errors import ParameterError
from zmfab.gcode.parse import header_meta
from zmfab.gcode.transform import transform_lines
from zmfab.process.registration import check_scale, fit_rigid, job_fiducials
from zmfab.serial.control import Machine
from zmfab.serial.emulator import open_sim

ROOT = Path(__file__).resolve().parents[2]
JOB = """; dialect: grbl
; fiducials_mm: 5,5 45,5 45,35 5,35
; registration_mm: 0.05
G21 G90 G94
M4 S0
G0 X10 Y10
G1 X40 Y10 S500 F1500
G1 X40 Y30
G2 X30 Y30 I-5 J0
G1 X10 Y30
G1 X10 Y10
G0 X12 Y12
G1 X38 Y28
M5
S0
G0 X0 Y0
M2""".splitlines()
SUBSTRATE = (0.437, -0.281, 0.73)  # mm, mm, degrees


def _machine(url: str):
    transport, clock = open_sim(url)
    m = Machine(transport, firmware="grbl", clock=clock)
    m.connect()
    return m, transport.device


def test_align_recovers_the_substrate_placement_to_1um_and_0_01deg():
    url = "sim://grbl?substrate=" + ",".join(map(str, SUBSTRATE))
    m, dev = _machine(url)
    fids = job_fiducials(header_meta(JOB))
    design = (fids[0], fids[2])
    truth = [dev.substrate_to_machine(*p) for p in design]
    got = [m.goto(*p).wpos[:2] for p in truth]  # the positions as GRBL reports them (1 µm)
    reg = fit_rigid(design, got)
    t = reg.transform
    assert abs(t.angle_deg - SUBSTRATE[2]) < 0.01
    assert abs(t.dx - SUBSTRATE[0]) < 1e-3 and abs(t.dy - SUBSTRATE[1]) < 1e-3
    assert abs(reg.scale_error_um) < 1.5 and reg.misalignment_um > 400
    check_scale(reg, 0.05)
    # the aligned job burns on the substrate exactly where the job was designed to
    plain, plain_dev = _machine("sim://grbl")
    plain.run(JOB)
    m.run(transform_lines(JOB, t))
    assert len(dev.burns) == len(plain_dev.burns) == 6  # the arc is one chord
    for (a0, a1, pa), (b0, b1, pb) in zip(dev.burns, plain_dev.burns, strict=True):
        assert pa == pb
        for a, b in ((a0, b0), (a1, b1)):
            assert math.dist(dev.on_substrate(*a), b) < 1e-3
    assert not dev.laser_on


def test_scale_error_above_the_tolerance_is_refused():
    reg = fit_rigid(((5, 5), (45, 35)), ((5.1, 5.0), (45.2, 35.05)))
    assert reg.scale_error_um == pytest.approx(
        (math.dist((5.1, 5.0), (45.2, 35.05)) - 50.0) * 1000)
    with pytest.raises(ParameterError, match="exceeds the registration tolerance of 50 µm"):
        check_scale(reg, 0.05)


def test_cli_align_measured_then_stream_and_gcode(tmp_path):
    job = tmp_path / "job.gcode"
    job.write_text("\n".join(JOB) + "\n")
    url = "sim://grbl?substrate=" + ",".join(map(str, SUBSTRATE))
    _, dev = _machine(url)
    pts = [dev.substrate_to_machine(5, 5), dev.substrate_to_machine(45, 35)]
    measured = ",".join(f"{v:.4f}" for p in pts for v in p)
    out = tmp_path / "aligned.gcode"
    r = run_cli("align", str(job), "--port", url, "--measured", measured, "-o", str(out))
    assert r.code == 0, r.err
    assert "rotation +0.730" in r.out and "tolerance 50 µm (job header)" in r.out
    printed = [float(v) for v in r.out.split("--align ")[1].split()[0].split(",")]
    assert printed == pytest.approx([v for p in pts for v in p], abs=6e-4)  # as GRBL reports them
    assert header_meta(out.read_text().splitlines())["transform"].startswith("rotate 0.730")
    log = tmp_path / "log.jsonl"
    r = run_cli("stream", str(job), "--port", "sim://grbl", "--align", measured, "--log", str(log),
                "-q")
    assert r.code == 0, r.err
    assert "aligned: rotate 0.730" in r.err
    aligned_first = transform_lines(JOB, fit_rigid(((5, 5), (45, 35)), pts).transform)[6]
    assert aligned_first.replace(" ", "") in log.read_text()
    bad = ",".join(f"{v:.4f}" for v in (*pts[0], pts[1][0] + 0.08, pts[1][1]))
    r = run_cli("align", str(job), "--port", url, "--measured", bad)
    assert r.code == 2 and "exceeds the registration tolerance" in r.err
    r = run_cli("stream", str(job), "--port", "sim://grbl", "--align", bad, "-q")
    assert r.code == 2 and "exceeds the registration tolerance" in r.err
    r = run_cli("align", str(job), "--port", url, "--measured", "1,2,3")
    assert r.code == 2 and r.err.startswith("error: --measured:")


def test_design_jobs_carry_the_masks_fiducials(tmp_path):
    from zmfab.design import load_design
    from zmfab.export.mask import fiducials
    from zmfab.gcode.sources import job_from_design
    from zmfab.process.stack import resolve_substrate
    from zmfab.profiles import Profiles

    src = ROOT / "patterns" / "msc-laser-scribed.toml"
    job, _ = job_from_design(src, profiles=Profiles(), date="2026-01-01")
    design = load_design(src)
    layout = design.layout()
    points, _ = fiducials(layout, resolve_substrate(design, layout))
    ox, oy = (float(v) for v in job.meta["offset_mm"].split())
    meta = header_meta(job.lines)
    flat = [v for p in job_fiducials(meta) for v in p]
    assert flat == pytest.approx([v for x, y in points for v in (x + ox, y + oy)], abs=1e-3)
    assert meta["registration_mm"] == "0.02"  # laser-uv's registration tolerance
    out = tmp_path / "t.gcode"
    r = run_cli("gcode", str(src), "-o", str(out), "--date", "2026-01-01", "--transform",
                "0.5deg,1mm,-0.5mm")
    assert r.code == 0, r.err
    moved = header_meta(out.read_text().splitlines())
    assert moved["transform"].startswith("rotate 0.5000 deg")
    first = job_fiducials(moved)[0]
    c, s = math.cos(math.radians(0.5)), math.sin(math.radians(0.5))
    fx, fy = job_fiducials(meta)[0]
    assert list(first) == pytest.approx([c * fx - s * fy + 1, s * fx + c * fy - 0.5], abs=1e-4)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_interactive_align_by_keystrokes(tmp_path):
    from tests.bench.test_bench_pty import Screen

    job = tmp_path / "job.gcode"
    job.write_text("\n".join(JOB) + "\n")
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "zmfab", "align", str(job), "--port",
                             "sim://grbl?substrate=0.3,-0.2,0"], stdin=slave, stdout=slave,
                            stderr=slave, close_fds=True, cwd=str(ROOT))
    os.close(slave)
    try:
        screen = Screen(master)
        for k in (1, 2):  # each fiducial: 3 x 0.1 mm right, 2 x 0.1 mm down, Enter
            screen.wait(f"fiducial {k}: going")
            screen.wait("step 0.1 mm\r\n", 6 * (k - 1) + 1)  # its first status line
            for n, key in enumerate(["\x1b[C"] * 3 + ["\x1b[B"] * 2, start=1):
                os.write(master, key.encode())
                screen.wait("step 0.1 mm\r\n", 6 * (k - 1) + 1 + n)
            os.write(master, b"\r")
            screen.wait("mark 1\r\n", k)
        seen = screen.wait("or write it with")
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert "rotation +0.0000 deg, offset +0.3000,-0.2000 mm" in seen
    assert "mark 1" in seen and "scale error +0.0 µm" in seen
