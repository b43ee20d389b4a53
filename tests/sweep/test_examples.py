"""The worked API scripts in examples/ run to the end and write what they say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_api_tour_runs(tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLES / "api_tour.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for step in range(1, 9):
        assert f"{step}. " in proc.stdout
    assert (tmp_path / "board.svg").exists() and (tmp_path / "board.dxf").exists()
    assert (tmp_path / "sweep" / "summary.csv").exists()
    assert (tmp_path / "best" / "report.json").exists()
    # a second run resumes the sweep instead of redoing it
    again = subprocess.run([sys.executable, str(EXAMPLES / "api_tour.py"), str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "0 run, 18 already done" in again.stdout
