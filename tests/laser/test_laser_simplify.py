"""No degenerate moves (issue 14, item 3): repeated points after rounding are dropped, segments
below the machine's resolution merged within half of it, and GRBL still takes every line."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import zmfab
from tests.cli_helpers import run_cli
from zmfab.gcode.grbl_laser import body_lines
from zmfab.gcode.laser_job import plan_geometry
from zmfab.gcode.parse import grbl_problems, parse_gcode
from zmfab.profiles import Profiles
from zmfab.serial.grbl_emu import GrblDevice
from zmfab.serial.jobscan import clean_line
from zmfab.toolpath.path import Polyline
from zmfab.toolpath.simplify import resolution_mm, simplify_points, steady_start

PATTERN = "patterns/msc-laser-scribed.toml"


def _moves(text):
    return [m for m in parse_gcode(text).moves if not m.dwell and not m.pause]


def _burn_lines(text):
    return shapely.MultiLineString([((m.x0, m.y0), (m.x1, m.y1)) for m in parse_gcode(text).moves
                                    if m.laser and m.length > 0])


def test_repeats_after_rounding_are_dropped_and_micro_arcs_merged():
    t = np.linspace(0, np.pi / 2, 40)
    arc = np.c_[1 + 0.01 * np.cos(t), 1 + 0.01 * np.sin(t)]  # a 10 µm corner radius
    pts = np.vstack([[0, 1.01], arc[::-1], [1.01, 0], [1.01, 0.00001]])
    out = simplify_points(pts, resolution=0.01, decimals=3)
    assert np.all(np.hypot(*np.diff(out, axis=0).T) > 0)
    assert len(out) < 8
    assert (out[0] == [0, 1.01]).all() and (out[-1] == [1.01, 0]).all()
    line = shapely.LineString(out)
    assert max(line.distance(shapely.Point(p)) for p in np.round(pts, 3)) <= 0.005 + 1e-12


def test_a_sharp_spike_below_the_resolution_stays():
    """Merging it would move its tip by more than half the resolution."""
    pts = np.array([[0, 0], [1, 0], [1.0, 0.008], [1.0, 0.0001], [2, 0]])
    out = simplify_points(pts, resolution=0.01, decimals=4)
    assert [1.0, 0.008] in out.tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 0.05), st.floats(0, 0.05)), min_size=2, max_size=40),
       st.sampled_from([0.004, 0.01, 0.02]))
def test_no_point_moves_more_than_half_the_resolution(raw, res):
    pts = np.cumsum(np.asarray(raw), axis=0) * np.array([1, -1]) ** np.arange(len(raw))[:, None]
    rounded = np.round(pts, 4) + 0.0
    out = simplify_points(pts, resolution=res, decimals=4)
    assert (out[0] == rounded[0]).all()
    if len(out) > 1:
        assert (out[-1] == rounded[-1]).all()
        assert np.all(np.any(out[1:] != out[:-1], axis=1))  # no repeated point
        line = shapely.LineString(out)
        assert max(line.distance(shapely.points(rounded))) <= res / 2 + 1e-9
    else:
        assert np.ptp(rounded, axis=0).max() <= res


@pytest.mark.parametrize("machine, want", [
    ({}, 0.01), ({"resolution_mm": 0.002}, 0.002), ({"steps_per_mm": [250, 80, 400]}, 1 / 80),
    ({"steps_per_mm": 100}, 0.01),
])
def test_resolution_comes_from_the_machine_profile(machine, want):
    assert resolution_mm(machine) == pytest.approx(want)


@pytest.mark.parametrize("machine, field", [
    ({"resolution_mm": -1}, "resolution_mm"), ({"resolution_mm": "x"}, "resolution_mm"),
    ({"resolution_mm": float("nan")}, "resolution_mm"), ({"steps_per_mm": [0, 80]}, "steps_per_mm"),
])
def test_a_bad_resolution_is_refused(machine, field):
    with pytest.raises(zmfab.ParameterError, match=field):
        resolution_mm(machine)


def test_a_polyline_below_the_resolution_is_left_out():
    machine = {"gcode": {"xy_decimals": 3}, "s_max": 1000}
    dot = Polyline(np.array([[1, 1], [1.002, 1.001], [1, 1.0001]]), {"power": 0.5, "speed": 600})
    line = Polyline(np.array([[2, 2], [3, 2]]), {"power": 0.5, "speed": 600})
    body = body_lines([dot, line], machine)
    assert not any("X1 Y1" in b for b in body)
    assert sum(b.startswith("G1") for b in body) == 1


@pytest.fixture(scope="module")
def msc_job(tmp_path_factory):
    out = tmp_path_factory.mktemp("msc") / "iso.gcode"
    r = run_cli("gcode", PATTERN, "--layer", "laser isolation", "-o", str(out), "--date", "2026-01-01")
    assert r.code == 0, r.err
    return out


def test_isolation_of_the_shipped_pattern_has_no_degenerate_moves(msc_job):
    """Before: 10,168 of 16,796 moves had zero length after rounding and 16,802 lines."""
    text = msc_job.read_text()
    moves = _moves(text)
    assert not [m for m in moves if m.length == 0]
    short = [m for m in moves if m.length < 0.01]
    assert len(short) < 0.02 * len(moves)
    assert len(text.splitlines()) < 1500
    assert grbl_problems(text) == []


def test_the_burn_stays_within_half_the_resolution_of_the_planned_path(tmp_path):
    """The same isolation written with merging off (resolution 1e-9 mm) and on (0.01 mm)."""
    fine = tmp_path / "fine.toml"
    fine.write_text("[machines.grbl-diode]\nresolution_mm = 1e-9\n")
    lay = zmfab.layout("interdigitated", fingers=4, gap=0.1)
    electrodes = shapely.union_all([lay.electrode("anode"), lay.electrode("cathode")])
    texts = [plan_geometry(electrodes, "isolate", process="laser-diode", profiles=Profiles(files),
                           settings={"spot": 0.06}, date="2026-01-01").text()
             for files in ([str(fine)], [])]
    a, b = (_burn_lines(t) for t in texts)
    assert shapely.hausdorff_distance(a, b, densify=0.05) <= 0.005 + 1e-6
    assert len(_moves(texts[1])) < 0.5 * len(_moves(texts[0]))


def test_grbl_emulator_takes_every_line(msc_job, tmp_path):
    lay = zmfab.layout("interdigitated", fingers=4)
    job = plan_geometry(lay.electrode("anode"), "fill", process="laser-diode", date="2026-01-01")
    small = tmp_path / "fill.gcode"
    job.write(small)
    for path in (msc_job, small):
        dev = GrblDevice()  # its parser: every line "ok", none an error:N
        for line in path.read_text().splitlines():
            body = clean_line(line, compact=True)  # as the streamer sends it
            if body:
                assert dev._execute(body) == "ok", line
        r = run_cli("stream", str(path), "--port", "sim://grbl", "-q")
        assert r.code == 0, r.err


def test_a_ring_is_entered_where_its_ends_pin_no_short_segment():
    # a small ring whose first vertex sits between a 4 um and a 7 um segment (resolution 10 um)
    ring = np.array([[0.0, 0.0], [0.004, 0.0], [0.016, 0.004], [0.024, 0.03], [0.0, 0.03],
                     [-0.007, 0.0], [0.0, 0.0]])
    out = steady_start(ring, resolution=0.01)
    assert np.array_equal(out[0], out[-1]) and len(out) == len(ring)
    seg = np.hypot(*np.diff(out, axis=0).T)
    assert seg[0] >= 0.01 and seg[-1] >= 0.01  # its ends pin long segments
    assert np.hypot(*(out[0] - ring[0])) <= 0.02  # entered next to where it was
    assert shapely.Polygon(out).equals(shapely.Polygon(ring))  # the same ring
    assert steady_start(out, resolution=0.01) is out  # already steady: as it is
    body = body_lines([Polyline(ring, {"power": 0.5, "speed": 600}, closed=True)],
                      {"gcode": {"xy_decimals": 4}, "s_max": 1000, "resolution_mm": 0.01})
    moves = [m for m in parse_gcode("\n".join(body)).moves if m.laser]
    assert moves and min(m.length for m in moves) >= 0.01
