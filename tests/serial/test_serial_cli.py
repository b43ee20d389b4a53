"""The ``stream``, ``ports`` and ``emulate`` commands, through ``zmfab.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zmfab.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "patterns" / "jobs" / "demo-grbl.gcode"
DEMO_MARLIN = ROOT / "patterns" / "jobs" / "demo-marlin.gcode"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_stream_demo_to_grbl_emulator(capsys, tmp_path):
    log = tmp_path / "job.jsonl"
    code, out, err = run(capsys, "stream", str(DEMO), "--port", "sim://grbl", "--log", str(log),
                         "--estimate", "35s")
    assert code == 0, err
    assert out.startswith("streamed 76 of 76 lines")
    records = [json.loads(x) for x in log.read_text().splitlines()]
    kinds = {r["event"] for r in records}
    assert {"sent", "ack", "status", "done"} <= kinds
    assert all("t" in r and "wall" in r for r in records)
    sent = [r for r in records if r["event"] == "sent"]
    assert sent[0]["line"] == 4 and sent[0]["text"] == "G21G90"


def test_stream_demo_to_marlin_emulator_with_faults(capsys):
    code, out, err = run(capsys, "stream", str(DEMO_MARLIN), "--port",
                         "sim://marlin?baud=115200&fault=corrupt:0.01&seed=4", "--quiet")
    assert code == 0, err
    assert "streamed 40 of 40 lines" in out and "resend" in out


def test_dry_run(capsys):
    code, out, _ = run(capsys, "stream", str(DEMO), "--port", "sim://grbl", "--dry-run")
    assert code == 0 and out.startswith("checked 76 of 76")


@pytest.mark.parametrize(("argv", "expected"), [
    (["missing.gcode", "--port", "sim://grbl"], "error: job: missing.gcode: no such file"),
    ([str(DEMO), "--port", "bogus://x"], "error: port bogus://x: cannot open: invalid URL"),
    ([str(DEMO), "--port", "/dev/zmfab-no-such-port"], "error: port /dev/zmfab-no-such-port: cannot open"),
    ([str(DEMO), "--port", "sim://grbl?mute=1", "--connect-timeout", "1"],
     "error: port sim://grbl?mute=1: no GRBL banner within 1s"),
    ([str(DEMO), "--port", "sim://marlin?mute=1", "--firmware", "marlin"],
     "error: port sim://marlin?mute=1: no answer from Marlin"),
    ([str(DEMO), "--port", "sim://grbl?fault=alarm:30", "--on-error", "stop"], "error: line 39: ALARM:2"),
    ([str(DEMO), "--port", "sim://grbl?fault=error:12", "--on-error", "stop"], "error: line 17 (G1X2.000Y14.000S650): error:20"),
    ([str(DEMO), "--port", "sim://grbl?laser=0"], "error: port sim://grbl?laser=0: job fires the laser"),
    ([str(DEMO), "--port", "sim://grbl", "--from-line", "9999"], "error: --from-line: 9999 is outside"),
    ([str(DEMO), "--port", "sim://grbl?fault=nonsense:1"], "error: fault: cannot read fault"),
])
def test_bad_input_is_one_error_line_and_exit_2(capsys, argv, expected):
    code, out, err = run(capsys, "stream", *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(expected), lines[0]


def test_error_with_ask_and_no_terminal_aborts_safely(capsys):
    code, out, err = run(capsys, "stream", str(DEMO), "--port", "sim://grbl?fault=error:12")
    assert code == 2
    assert "safe stop sent (feed hold + soft reset)" in err.strip().splitlines()[-1]


def test_resume_via_cli(capsys):
    code, out, err = run(capsys, "stream", str(DEMO), "--port", "sim://grbl", "--from-line", "50")
    assert code == 0, err
    assert "lines" in out


def test_ports_lists_or_says_none(capsys):
    code, out, _ = run(capsys, "ports")
    assert code == 0 and out.strip()


def test_emulate_console(capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("$$\nG21 G90\nM4 S100\n"))
    code, out, err = run(capsys, "emulate", "grbl")
    assert code == 0
    assert "Grbl 1.1h ['$' for help]" in out and "$130=300" in out and "ok" in out
    assert "laser ON" in err


def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in ("stream", "ports", "emulate"):
        assert name in out


def test_machine_profile_adds_valve_off_codes_to_the_safe_stop(capsys, tmp_path):
    log = tmp_path / "abort.jsonl"
    code, out, err = run(capsys, "stream", str(DEMO_MARLIN), "--port", "sim://marlin?fault=alarm:20",
                         "--machine", "marlin-pneumatic", "--log", str(log))
    assert code == 2
    assert "safe stop sent (M410 M107 M5 M42 P4 S0); last line known to have run: " in err


def test_unknown_machine_profile(capsys):
    code, _, err = run(capsys, "stream", str(DEMO), "--port", "sim://grbl", "--machine", "nope")
    assert code == 2 and err.startswith("error: machine: unknown profile 'nope'")
