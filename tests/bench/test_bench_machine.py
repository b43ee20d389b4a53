"""zmfab machine: the bytes each bench command puts on the wire, and what the machine then does."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import run_cli
from zmfab.errors import DeviceError, ParameterError


def test_grbl_commands_on_the_wire(bench):
    m, rec, dev = bench("sim://grbl?homing=1")
    st = m.status()
    assert rec.take() == [b"?"]
    assert st.state == "Alarm" and "homing" in st.alarm_meaning and st.firmware == "1.1h.20190830"
    with pytest.raises(DeviceError, match="error:9.*unlock"):
        m.jog(1.0)
    rec.take()
    m.home()
    assert rec.take()[0] == b"$H\n" and dev.homed == 1 and dev.state == "Idle"
    st = m.jog(1.0, -2.0, feed=1200)
    assert rec.take()[0] == b"$J=G21 G91 X1 Y-2 F1200\n"
    assert dev.mpos[:2] == [1.0, -2.0] and st.mpos[:2] == (1.0, -2.0)
    st = m.set_origin()
    assert rec.take()[0] == b"G10 L20 P1 X0 Y0\n"
    assert dev.wco[:2] == [1.0, -2.0] and st.wpos[:2] == (0.0, 0.0)
    st = m.goto(3.0, 4.5, feed=2000)
    assert rec.take()[0] == b"$J=G21 G90 X3 Y4.5 F2000\n"
    assert st.wpos[:2] == (3.0, 4.5) and st.mpos[:2] == (4.0, 2.5)
    m.cancel_jog()
    m.status()  # the emulator handles the byte when the link is next read
    assert rec.take()[0] == b"\x85" and dev.realtime[-1][1] == "jog_cancel"
    st = m.reset()
    assert rec.take()[0] == b"\x18" and dev.resets == 1
    assert st.wpos[:2] == (3.0, 4.5)  # a soft reset keeps position and work offset
    m2, rec2, dev2 = bench("sim://grbl?homing=1")
    m2.unlock()
    assert rec2.take()[0] == b"$X\n" and dev2.state == "Idle"


def test_jog_cancel_stops_a_moving_jog_where_it_is(bench):
    m, rec, dev = bench("sim://grbl?motion=1")
    m.jog(100.0, feed=600, wait=False)  # 10 s of travel
    m.link.wait_for(lambda r: False, 1.0)
    assert m.status().state == "Jog"
    m.cancel_jog()
    st = m.wait_idle()
    assert st.state == "Idle" and 5.0 < st.mpos[0] < 20.0 and not dev.planner


def test_marlin_commands_on_the_wire(bench):
    m, rec, dev = bench("sim://marlin")
    assert m.version.startswith("Marlin 2.1")
    m.home()
    assert rec.take()[0] == b"G28\n" and dev.homed == 1
    st = m.jog(1.0, -2.0, feed=1200)
    assert rec.take()[:3] == [b"G91\n", b"G0 X1 Y-2 F1200\n", b"G90\n"]
    assert st.wpos[:2] == (1.0, -2.0)
    st = m.set_origin()
    assert rec.take()[0] == b"G92 X0 Y0\n" and st.wpos[:2] == (0.0, 0.0)
    st = m.goto(3.0, 4.0)
    assert rec.take()[:3] == [b"G90\n", b"G0 X3 Y4 F3000\n", b"M400\n"]
    assert st.wpos[:2] == (3.0, 4.0) and dev.mpos[:2] == [4.0, 2.0]
    with pytest.raises(ParameterError, match="GRBL only"):
        m.unlock()


def test_cli_commands_log_their_bytes(tmp_path):
    log = tmp_path / "log.jsonl"
    r = run_cli("machine", "jog", "--dx", "1mm", "--dy", "-2mm", "--port", "sim://grbl",
                "--log", str(log))
    assert r.code == 0, r.err
    assert "work:    X 1.000 Y -2.000" in r.out
    sent = [json.loads(line)["text"] for line in log.read_text().splitlines()
            if json.loads(line)["event"] == "sent"]
    assert "$J=G21 G91 X1 Y-2 F1000" in sent
    r = run_cli("machine", "status", "--port", "sim://grbl?homing=1", "--json")
    data = json.loads(r.out)
    assert data["state"] == "Alarm" and data["firmware"] == "1.1h.20190830"
    r = run_cli("machine", "goto", "10mm,5mm", "--port", "sim://marlin")
    assert r.code == 0 and "work:    X 10.000 Y 5.000" in r.out


def test_cli_bad_input_is_one_line(tmp_path):
    r = run_cli("machine", "goto", "10mm", "--port", "sim://grbl")
    assert r.code == 2 and r.err.startswith("error: X,Y:") and r.err.count("\n") == 1
    r = run_cli("machine", "jog", "--dx", "1mm", "--feed", "0mm/min", "--port", "sim://grbl")
    assert r.code == 2 and "--feed" in r.err
    r = run_cli("machine", "home", "--port", "sim://grbl")  # homing not enabled ($22=0)
    assert r.code == 2 and "error:5" in r.err


def test_settings_compare_and_apply(tmp_path):
    r = run_cli("machine", "settings", "--port", "sim://grbl", "--machine", "grbl-diode", "--json")
    diffs = {d["key"]: d for d in json.loads(r.out)}
    assert set(diffs) == {112, 120, 121, 122, 130, 131}
    assert diffs[130]["machine"] == 300 and diffs[130]["profile"] == 400
    r = run_cli("machine", "settings", "--port", "sim://grbl", "--machine", "grbl-uv")
    assert "$30=1000 (profile 255)" in r.out and "power scale" in r.out
    r = run_cli("machine", "settings", "--port", "sim://grbl", "--machine", "grbl-diode", "--apply")
    assert r.code == 2 and "nothing written" in r.err  # no terminal to confirm on
    r = run_cli("machine", "settings", "--port", "sim://marlin", "--machine", "grbl-uv")
    assert r.code == 2 and r.err == ("error: --machine: grbl-uv is a grbl profile but the "
                                     "controller runs marlin\n")


def test_settings_apply_writes_and_verifies(bench):
    from zmfab.profiles import Profiles
    from zmfab.serial.settings import compare_settings

    m, rec, dev = bench("sim://grbl?laser=0")
    prof = {**Profiles().get("machines", "grbl-uv"), "name": "grbl-uv"}
    diffs = compare_settings(m.read_settings(), prof)
    assert {d.key for d in diffs} >= {30, 32}
    rec.take()
    for d in diffs:
        m.write_setting(d.key, d.profile)
    assert b"$32=1\n" in rec.take() and dev.settings[30] == 255 and dev.settings[32] == 1
    assert compare_settings(m.read_settings(), prof) == []


def test_readme_at_the_machine_session_runs(tmp_path, monkeypatch):
    """README's bench session, rehearsed on the emulator (interactive jog left out)."""
    import re
    import shlex
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    text = (root / "README.md").read_text()
    block = re.search(r"## At the machine.*?```sh\n(.*?)\n```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "patterns").symlink_to(root / "patterns")
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.startswith("zmfab ")]
    assert len(commands) == 9
    for command in commands:
        if command.startswith("zmfab machine jog --port"):
            continue  # interactive: see test_bench_pty
        port = "sim://grbl?homing=1" if "machine home" in command else "sim://grbl"
        r = run_cli(*shlex.split(command.replace("$PORT", port))[1:])
        assert r.code == 0, (command, r.err)


# Marlin 2.1's own report lines (M503 abridged, M211), and an older Marlin's M503 without echo:
M503 = ["echo:; Steps per unit:", "echo:  M92 X80.00 Y80.00 Z400.00 E100.00",
        "echo:; Max feedrates (units/s):", "echo:  M203 X80.00 Y250.50 Z5.00 E25.00",
        "echo:  M201 X3000.00 Y3000.00 Z100.00 E10000.00"]
M211 = "echo:Soft endstops: ON  Min:  X0.00 Y0.00 Z0.00   Max:  X150.00 Y200.00 Z60.00"


def test_marlin_reports_are_read_and_compared_with_the_profile():
    from zmfab.profiles import Profiles
    from zmfab.serial.marlin_settings import compare_marlin, parse_reports, write_word

    got = parse_reports([*M503, M211])
    assert got == {"M203 X": 80.0, "M203 Y": 250.5, "M203 Z": 5.0, "M203 E": 25.0,
                   "soft endstops": 1.0, "soft max X": 150.0, "soft max Y": 200.0,
                   "soft max Z": 60.0}
    assert parse_reports(["  M203 X300.00 Y300.00 Z50.00 E40.00"])["M203 X"] == 300.0
    prof = {**Profiles().get("machines", "marlin-syringe"), "name": "marlin-syringe"}
    diffs = {d.key: d for d in compare_marlin(got, prof)}  # max_feed 100 mm/s, bed 200x200x60
    assert set(diffs) == {"M203 X", "soft max X"}  # Y is faster than asked: no difference
    assert diffs["M203 X"].writable and diffs["M203 X"].profile == pytest.approx(100.0)
    assert not diffs["soft max X"].writable and diffs["soft max X"].label == "soft max X"
    assert write_word("M203 X") == "M203 X"
    with pytest.raises(ParameterError, match="cannot be written"):
        write_word("soft max X")
    off = parse_reports([M211.replace("ON", "OFF")])
    assert {d.key for d in compare_marlin(off, prof)} == {"M203 X", "M203 Y"}  # nothing clamps
    with pytest.raises(ParameterError, match="not a Marlin machine"):
        compare_marlin(got, {**Profiles().get("machines", "grbl-uv"), "name": "grbl-uv"})


def test_marlin_settings_on_the_wire_apply_and_store(bench):
    from zmfab.profiles import Profiles
    from zmfab.serial.marlin_settings import compare_marlin

    m, rec, dev = bench("sim://marlin?feed=50&endstops=150,200,200")
    prof = {**Profiles().get("machines", "marlin-syringe"), "name": "marlin-syringe"}
    diffs = compare_marlin(m.read_settings(), prof)
    assert rec.take() == [b"M503\n", b"M211\n"]
    assert [d.key for d in diffs] == ["M203 X", "M203 Y", "soft max X"]
    for d in diffs[:2]:
        m.write_setting(d.key, d.profile)
    m.save_settings()
    assert rec.take() == [b"M203 X100\n", b"M203 Y100\n", b"M500\n"]
    assert dev.max_feed["X"] == dev.max_feed["Y"] == 100.0 and dev.saves == 1
    assert [d.key for d in compare_marlin(m.read_settings(), prof)] == ["soft max X"]


def test_marlin_settings_cli():
    port = "sim://marlin?feed=50&endstops=150,200,200"
    r = run_cli("machine", "settings", "--port", "sim://marlin", "--machine", "marlin-syringe")
    assert r.code == 0 and r.out == "M503/M211 matches machine profile marlin-syringe\n"
    r = run_cli("machine", "settings", "--port", port, "--machine", "marlin-syringe", "--json")
    assert [(d["key"], d["writable"]) for d in json.loads(r.out)] == [
        ("M203 X", True), ("M203 Y", True), ("soft max X", False)]
    r = run_cli("machine", "settings", "--port", port, "--machine", "marlin-syringe", "--apply",
                "--yes")
    assert r.code == 0, r.err
    assert "wrote 2 setting(s): M203 X=100 M203 Y=100" in r.out
    assert "still differ (set in the firmware, not over the port): soft max X" in r.out
    r = run_cli("machine", "settings", "--port", "sim://marlin?endstops=off&feed=50", "--machine",
                "marlin-syringe", "--json")
    assert [d["key"] for d in json.loads(r.out)] == ["M203 X", "M203 Y"]  # nothing clamps
    r = run_cli("machine", "settings", "--port", "sim://marlin?endstops=none",
                "--machine", "marlin-syringe")  # a build without M211: nothing clamps either
    assert r.code == 0 and r.out == "M503/M211 matches machine profile marlin-syringe\n"
    r = run_cli("machine", "settings", "--port", "sim://marlin?feed=50&eeprom=0", "--machine",
                "marlin-syringe", "--apply", "--yes")
    assert r.code == 0 and r.out.endswith(
        "wrote 2 setting(s): M203 X=100 M203 Y=100 (this build has no EEPROM: they hold until a "
        "reset)\n"), r.out + r.err
    r = run_cli("machine", "settings", "--port", "sim://marlin?endstops=150,200,200", "--machine",
                "marlin-syringe", "--apply", "--yes")
    assert r.code == 2 and r.err.startswith("error: --apply: nothing here can be written")
    assert r.err.count("\n") == 1 and "Traceback" not in r.err
