"""Marlin's reports against a Marlin machine profile: each firmware limit that would change a job.

Marlin keeps its limits in firmware and EEPROM and reports them on request: ``M503`` lists the
settings (``M203`` the maximum feed rate of each axis, mm/s) and ``M211`` the software endstops
(moves beyond them are clamped, without an error). A job planned for the profile's
``max_feed`` and ``bed`` changes on a Marlin whose limits are lower: its moves are slowed (the
print takes longer; a pneumatic dispenser, whose flow does not follow the speed, lays a wider
bead) or flattened against the endstop. The cold-extrusion and tool-offset settings need no
check: a DIW job sets them itself (``M302 P1``, ``M218``).

Pure functions: :func:`parse_reports` reads the lines, :func:`compare_marlin` lists the
differences and :func:`write_word` says how one is written (``M500`` then stores it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ParameterError
from ..units import parse_length, parse_speed
from .settings import SettingDiff

#: The reports :func:`parse_reports` reads, in the order they are asked for.
REPORTS = ("M503", "M211")
#: Stores what was written in EEPROM.
SAVE = "M500"

_M203 = re.compile(r"^(?:echo:)?\s*M203\s+(.*)$", re.IGNORECASE)
_WORD = re.compile(r"([XYZE])\s*(-?\d+(?:\.\d*)?)", re.IGNORECASE)
_SOFT = re.compile(r"Soft endstops:\s*(on|off)\b(.*)$", re.IGNORECASE)
_SOFT_MAX = re.compile(r"Max:\s*X\s*(-?[\d.]+)\s+Y\s*(-?[\d.]+)\s+Z\s*(-?[\d.]+)", re.IGNORECASE)

_FEED_EFFECT = ("the job's speed: moves faster than it are slowed (a longer job; a pneumatic "
                "dispenser lays a wider bead)")
_BED_EFFECT = ("the job's shape: moves past it are clamped to it without an error; it is set in "
               "the firmware (X/Y/Z_MAX_POS), not over the port")


def parse_reports(lines: Iterable[str]) -> dict[str, float]:
    """``M203 X``.. (mm/s) from M503's report, ``soft endstops`` (1 on, 0 off) and
    ``soft max X``.. (mm) from M211's; keys missing where the report lacks them."""
    out: dict[str, float] = {}
    for line in lines:
        text = line.strip()
        m = _M203.match(text)
        if m:
            for axis, value in _WORD.findall(m.group(1)):
                out[f"M203 {axis.upper()}"] = float(value)
            continue
        s = _SOFT.search(text)
        if s:
            out["soft endstops"] = 1.0 if s.group(1).lower() == "on" else 0.0
            top = _SOFT_MAX.search(s.group(2))
            if top:
                for axis, value in zip("XYZ", top.groups(), strict=True):
                    out[f"soft max {axis}"] = float(value)
    return out


def marlin_limits(machine: Mapping[str, Any]) -> dict[str, float]:
    """The least each limit must be for a job of the Marlin ``machine`` profile: ``M203 X``/``Y``
    its ``max_feed`` (mm/s), ``soft max X``/``Y``/``Z`` its ``bed`` (mm)."""
    if str(machine.get("dialect", "grbl")).lower() != "marlin":
        raise ParameterError("machine", f"{machine.get('name', '?')!r} is not a Marlin machine")
    out: dict[str, float] = {}
    if "max_feed" in machine:
        feed = parse_speed(machine["max_feed"], field="max_feed") / 60.0
        out["M203 X"] = out["M203 Y"] = feed
    for axis, size in zip("XYZ", list(machine.get("bed", []))[:3], strict=False):
        out[f"soft max {axis}"] = parse_length(size, field="bed")
    return out


def compare_marlin(actual: Mapping[str, float], machine: Mapping[str, Any], *,
                   rel: float = 1e-6) -> list[SettingDiff]:
    """Every limit of the profile the controller has lower (or does not report). With its soft
    endstops off, or built without them (no ``M211`` report), Marlin clamps nothing: the bed is
    not compared then."""
    diffs = []
    for key, want in marlin_limits(machine).items():
        bed = key.startswith("soft max")
        if bed and not actual.get("soft endstops"):
            continue
        have = actual.get(key)
        if have is not None and have >= want * (1 - rel):
            continue
        axis = key[-1]
        meaning = (f"{axis} soft endstop (mm)" if bed else f"{axis} maximum feed rate (mm/s)")
        diffs.append(SettingDiff(key, have, want, meaning, _BED_EFFECT if bed else _FEED_EFFECT,
                                 writable=not bed))
    return diffs


def write_word(key: str) -> str:
    """The start of the line that writes ``key`` (a writable key of :func:`compare_marlin`),
    its value to follow: ``M203 X``."""
    if not key.startswith("M203 "):
        raise ParameterError("settings", f"{key} cannot be written over the port")
    return key
