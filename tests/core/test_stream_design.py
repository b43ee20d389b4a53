"""A design streams as the same job `zmfab gcode DESIGN --layer NAME` writes, laser off at the end."""

from tests.cli_helpers import run_cli
from zmfab.gcode.sources import job_from_design
from zmfab.profiles import Profiles
from zmfab.serial.jobfile import load_job

PATTERN = "patterns/msc-laser-scribed.toml"


def test_design_job_lines_match_gcode_command(tmp_path):
    out = tmp_path / "iso.gcode"
    r = run_cli("gcode", PATTERN, "--layer", "laser isolation", "--date", "2026-01-01", "-o", str(out))
    assert r.code == 0, r.err
    job, name = job_from_design(PATTERN, profiles=Profiles(), date="2026-01-01")
    assert name == "laser isolation"
    assert out.read_text().splitlines() == job.lines
    body = [ln for ln in load_job(PATTERN) if not ln.startswith(";")]
    assert body == [ln for ln in job.lines if not ln.startswith(";")]


def test_stream_design_to_the_grbl_emulator():
    r = run_cli("stream", PATTERN, "--layer", "laser isolation", "--port", "sim://grbl", "-q")
    assert r.code == 0, r.err
    assert "streamed" in r.out


def test_stream_design_without_a_machine_layer_names_the_layers():
    r = run_cli("stream", "patterns/zn-mno2-screen-printed.toml", "--port", "sim://grbl", "-q")
    assert r.code == 2
    assert r.err.startswith("error: --layer: name a stack layer (layers: ")
