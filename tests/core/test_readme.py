"""README's promises stay true: its test command is what CI runs, and it documents every command."""

import re
from pathlib import Path

from zmfab.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]


def readme_test_command() -> str:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- test-command -->\s*```sh\n(.*?)\n```", text, re.S)
    assert block, "README has no test command block"
    return block.group(1).strip()


def test_ci_runs_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_test_command() in ci.splitlines()


def test_readme_references_every_command():
    text = (ROOT / "README.md").read_text()
    for name in COMMANDS:
        assert f"### zmfab {name}" in text, f"README's CLI reference lacks `zmfab {name}` (run tools/make_docs.py)"


def test_patterns_exist_for_every_family():
    text = "\n".join(p.read_text() for p in (ROOT / "patterns").glob("*.toml"))
    for family in ("interdigitated", "concentric", "swiss-roll"):
        assert f'family = "{family}"' in text


def test_readme_first_session_runs(tmp_path, monkeypatch):
    """Every `zmfab` line of README's first session runs as written (outputs in a scratch folder)."""
    import shlex

    from tests.cli_helpers import run_cli

    text = (ROOT / "README.md").read_text()
    block = re.search(r"## A first session\s*```sh\n(.*?)\n```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "patterns").symlink_to(ROOT / "patterns")
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.startswith("zmfab ")]
    assert len(commands) >= 5
    for command in commands:
        r = run_cli(*shlex.split(command)[1:])
        assert r.code == 0, (command, r.err)
