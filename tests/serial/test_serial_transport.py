"""Transports and job files: pyserial URLs (loop://), port listing, load_job, the job scan."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from zmfab.errors import DeviceError, ParameterError
from zmfab.serial import transport as tmod
from zmfab.serial.jobfile import load_job
from zmfab.serial.jobscan import clean_line, scan, state_before
from zmfab.serial.resume import resume_preamble
from zmfab.serial.transport import open_transport


def test_loop_url_assembles_lines_and_times_out_without_waiting():
    tr, _ = open_transport("loop://")
    tr.write(b"hello\r\nwor")
    tr.write(b"ld\n")
    assert tr.read_line(0.5) == "hello"
    assert tr.read_line(0.5) == "world"
    assert tr.read_line(0.0) is None
    tr.reopen()
    tr.close()


def test_bad_urls_are_device_errors():
    with pytest.raises(DeviceError, match="port nope://x: cannot open"):
        open_transport("nope://x")
    with pytest.raises(DeviceError, match="unknown emulator"):
        open_transport("sim://cnc")
    with pytest.raises(DeviceError, match="bad option"):
        open_transport("sim://grbl?baud=fast")


def test_list_ports_formats_vid_pid(monkeypatch):
    fake = [SimpleNamespace(device="/dev/ttyUSB0", description="USB2.0-Serial", vid=0x1A86,
                            pid=0x7523, serial_number=None),
            SimpleNamespace(device="/dev/ttyS0", description="n/a", vid=None, pid=None,
                            serial_number=None)]
    monkeypatch.setattr("serial.tools.list_ports.comports", lambda: fake)
    rows = tmod.list_ports()
    assert rows[1] == {"device": "/dev/ttyUSB0", "description": "USB2.0-Serial",
                       "vid_pid": "1A86:7523", "serial_number": ""}
    assert rows[0]["vid_pid"] == ""


def test_load_job(tmp_path):
    job = tmp_path / "a.nc"
    job.write_text("G21\n\n(comment)\nG0 X1\n")
    assert load_job(job) == ["G21", "", "(comment)", "G0 X1"]
    with pytest.raises(ParameterError, match="no such file"):
        load_job(tmp_path / "missing.gcode")
    (tmp_path / "b.svg").write_text("<svg/>")
    with pytest.raises(ParameterError, match="not a G-code file"):
        load_job(tmp_path / "b.svg")
    (tmp_path / "d.toml").write_text("[design]\n")
    with pytest.raises(ParameterError, match="design"):
        load_job(tmp_path / "d.toml")


def test_clean_line():
    assert clean_line("g1 x1 (note) y2 ; tail") == "g1 x1  y2"
    assert clean_line("g1 x1 (note) y2 ; tail", compact=True) == "G1X1Y2"


def test_scan_bounds_units_and_laser():
    info = scan(["G21 G90", "G0 X10 Y5", "M4 S300", "G1 X20 F1000", "G20", "G1 Y1", "M5"])
    assert info.bounds[0] == (10.0, 20.0)
    assert info.bounds[1] == (5.0, 25.4)
    assert info.lasers and info.max_power == 300
    assert not scan(["G0 X1", "M3 S0", "G1 X2 F100"]).lasers


def test_resume_preamble_restores_modal_state():
    lines = ["G21", "G90", "M4 S0", "F900", "G0 X5 Y5", "G1 X6 S200", "G91", "G1 X1", "G1 Y2"]
    st = state_before(lines, 9)
    assert st.position == (7.0, 5.0, 0.0) and st.relative and st.feed == 900 and st.spindle == 4
    assert resume_preamble(lines, 9) == ["G21", "G90", "M5 S0", "G0 X7 Y5", "G91", "F900", "M4 S0",
                                         "G1"]
    assert resume_preamble(lines, 9, restore_power=True)[-2:] == ["S200", "G1"]
    with pytest.raises(ParameterError, match="--from-line"):
        resume_preamble(lines, 99)
