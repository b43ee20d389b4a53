"""Calibration cards: every cell at its settings, labelled, fitting the bed, passing the project's
GRBL/Marlin checks; the picked cell becomes a profile that --profile/--process then use."""

from __future__ import annotations

import pytest

from tests.cli_helpers import run_cli
from zmfab.errors import ParameterError
from zmfab.gcode.parse import grbl_problems, parse_gcode
from zmfab.gcode.testcard import diw_card, laser_card, parse_steps
from zmfab.profiles import Profiles
from zmfab.serial.emulator import open_sim
from zmfab.serial.jobscan import scan
from zmfab.serial.streamer import Streamer, make_dialect


def _stream(lines: list[str], url: str):
    transport, clock = open_sim(url)
    dialect = make_dialect("marlin" if "marlin" in url else "grbl")
    res = Streamer(transport, dialect=dialect, clock=clock).run(lines)
    return res, transport.device


def test_parse_steps():
    assert parse_steps("10%:90%:9", kind="power", field="--power") == pytest.approx(
        [0.1 * k for k in range(1, 10)])
    assert parse_steps("300mm/min:3000mm/min:5", kind="speed", field="--speed")[2] == 1650
    assert parse_steps("0.8:1.4:7", kind="flow", field="--flow")[-1] == pytest.approx(1.4)
    with pytest.raises(ParameterError, match="1..20"):
        parse_steps("10%:90%:50", kind="power", field="--power")


@pytest.mark.parametrize("op", ["fill", "line"])
def test_laser_card_cells_labels_and_checks(op):
    powers = parse_steps("10%:90%:3", kind="power", field="--power")
    speeds = parse_steps("300mm/min:3000mm/min:2", kind="speed", field="--speed")
    job, grid = laser_card(powers=powers, speeds=speeds, op=op, process="laser-diode",
                           date="2026-01-01")
    assert len(grid) == 6 and (grid[0].column, grid[0].row) == (1, 1)
    text = job.text()
    assert grbl_problems(text) == []
    moves = [m for m in parse_gcode(text).moves if m.laser]
    cells = {(round(m.power), round(m.feed)) for m in moves}
    want = {(round(p * 1000), round(v)) for p in powers for v in speeds}
    assert want <= cells and cells - want == {(400, 1800)}  # labels at the fill settings
    res, dev = _stream(job.lines, "sim://grbl")  # the streamer's own checks ($32, $30, travel)
    assert res.acked == res.total and not res.errors and not dev.laser_on
    info = scan(job.lines)
    assert info.max_power <= 1000


def test_laser_card_must_fit_the_bed():
    with pytest.raises(ParameterError, match="does not fit"):
        laser_card(powers=[0.1] * 20, speeds=[300.0] * 20, process="laser-uv")
    with pytest.raises(ParameterError, match="power"):
        laser_card(powers=[1.5], speeds=[300.0], process="laser-diode")
    with pytest.raises(ParameterError, match="speed"):
        laser_card(powers=[0.5], speeds=[60000.0], process="laser-diode")


def test_diw_card_lines_per_flow_and_speed_pass_marlin():
    flows, speeds = [0.8, 1.0, 1.4], [200.0, 800.0]
    job, grid = diw_card(flows=flows, speeds=speeds, machine="marlin-syringe")
    assert len(grid) == 6 and "*" not in job.text()
    prog = parse_gcode(job.text())
    lines = [m for m in prog.moves if m.extrude > 0 and abs(m.y1 - m.y0) < 1e-9
             and m.length >= 10 - 1e-6]
    per_mm = {(round(m.feed), round(m.extrude / m.length, 7)) for m in lines}
    unit = min(e for _, e in per_mm) / 0.8
    got = [(f, e / unit) for f, e in per_mm]
    for f in flows:
        for v in speeds:
            assert any(g == round(v) and abs(r - f) < 0.01 for g, r in got), (f, v, got)
    res, dev = _stream(job.lines, "sim://marlin")
    assert res.acked == res.total and not res.errors
    with pytest.raises(ParameterError, match="pneumatic"):
        diw_card(flows=flows, speeds=speeds, machine="marlin-pneumatic")


def test_pick_and_save_profile_then_use_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli("testcard", "laser", "--power", "10%:90%:9", "--speed", "300mm/min:3000mm/min:5",
                "-o", "card.gcode", "--pick", "3,2", "--save-profile", "mydiode")
    assert r.code == 0, r.err
    assert "cell 3,2: power 20%, speed 1650 mm/min" in r.out
    profs = Profiles([tmp_path / "mydiode.toml"])
    fill = profs.get("processes", "mydiode")["fill"]
    assert (fill["power"], fill["speed"]) == ("20%", "1650mm/min")
    from shapely.geometry import box

    from zmfab.gcode.laser_job import plan_geometry

    job = plan_geometry(box(0, 0, 2, 2), "fill", process="mydiode", profiles=profs)
    assert job.meta["power"].startswith("20% (S200") and job.meta["speed"] == "1650 mm/min"
    r = run_cli("testcard", "diw", "--flow", "0.8:1.4:7", "--speed", "200mm/min:800mm/min:4",
                "--pick", "2,4", "--save-profile", "myink")
    assert r.code == 0 and "flow 1.1x, speed 400 mm/min" in r.out
    proc = Profiles([tmp_path / "myink.toml"]).get("processes", "myink")
    assert proc["extrusion_multiplier"] == pytest.approx(1.1) and proc["print_speed"] == "400mm/min"
    r = run_cli("testcard", "laser", "--pick", "9,9")
    assert r.code == 2 and r.err.startswith("error: --pick:")
    r = run_cli("testcard", "laser", "--save-profile", "x", "-o", "c.gcode")
    assert r.code == 2 and "--pick" in r.err and not (tmp_path / "x.toml").exists()
