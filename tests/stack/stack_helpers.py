"""Shared helpers of the stack/DRC/mask/panel tests: designs written from TOML text."""

from __future__ import annotations

from pathlib import Path

from zmfab.design import Design, parse_design
from zmfab.toml import tomllib

PATTERNS = Path(__file__).resolve().parents[2] / "patterns"

SCREEN_DESIGN = """
title = "Test cell"
family = "interdigitated"
[params]
fingers = 4
anode_width = "500um"
cathode_width = "500um"
gap = "{gap}"
finger_length = "5mm"
bus_width = "800um"
pad_size = "2mm"
margin = "2mm"
"""


def design_from(text: str, path: Path | None = None) -> Design:
    """A Design parsed from TOML ``text`` (written to ``path`` when given, for CLI tests)."""
    if path is not None:
        path.write_text(text)
    return parse_design(tomllib.loads(text), text=text, path=path)


def screen_design(gap: str = "400um", extra: str = "") -> str:
    """TOML text of a small screen-printable interdigitated cell plus ``extra`` tables."""
    return SCREEN_DESIGN.format(gap=gap) + extra
