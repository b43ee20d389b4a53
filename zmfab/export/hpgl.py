"""HPGL for cutters and plotters: write knife paths as ``PU``/``PD`` moves, and read them back.

Coordinates are integer plotter units (40 per mm: 0.025 mm), absolute, x right and y up from the
sheet's lower-left corner. The header and footer are data from the machine profile's ``[hpgl]``
table (``IN``, ``SP{pen}``, ``VS{speed}`` in cm/s, ``FS{force}``), so a cutter with other
habits needs a profile, not code. HPGL has no comments: the job's figures live in report.json.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError

UNITS_PER_MM = 40
DEFAULT_HEADER: tuple[str, ...] = ("IN", "SP{pen}", "VS{speed}", "FS{force}")
DEFAULT_FOOTER: tuple[str, ...] = ("PU", "SP0")


def to_units(points: np.ndarray, *, units_per_mm: float = UNITS_PER_MM) -> np.ndarray:
    """Points in mm -> integer plotter units (rounded to the nearest)."""
    return np.rint(np.asarray(points, dtype=float) * units_per_mm).astype(np.int64)


def hpgl_lines(paths: Iterable[np.ndarray], *, speed_cm_s: float, force: int, pen: int = 1,
               units_per_mm: float = UNITS_PER_MM, header: Sequence[str] = DEFAULT_HEADER,
               footer: Sequence[str] = DEFAULT_FOOTER, max_points: int = 32) -> list[str]:
    """HPGL commands (each ending ``;``) cutting every polyline of ``paths`` (mm) in order."""
    if max_points < 1:
        raise ParameterError("hpgl.max_points_per_line", f"{max_points} is out of range (>= 1)")
    values = {"pen": pen, "speed": _fmt_speed(speed_cm_s), "force": int(force)}
    try:
        lines = [cmd.format(**values) + ";" for cmd in header]
    except KeyError as exc:
        raise ParameterError("hpgl.header", f"unknown placeholder {exc} (use pen, speed, force)") from None
    for path in paths:
        units = to_units(path, units_per_mm=units_per_mm)
        keep = np.ones(len(units), dtype=bool)
        keep[1:] = np.any(np.diff(units, axis=0) != 0, axis=1)
        units = units[keep]
        if len(units) < 2:
            continue
        lines.append(f"PU{units[0][0]},{units[0][1]};")
        rest = units[1:]
        for i in range(0, len(rest), max_points):
            chunk = rest[i:i + max_points]
            lines.append("PD" + ",".join(f"{x},{y}" for x, y in chunk) + ";")
    lines += [cmd.format(**values) + ";" for cmd in footer]
    return lines


def _fmt_speed(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass
class HpglProgram:
    """What an HPGL file does: the pen-down polylines (mm), travels, and the settings it gave."""

    cuts: list[np.ndarray] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    #: every move in order, mm: (x0, y0, x1, y1, knife down); the first from (0, 0), where
    #: ``IN`` puts the pen
    moves: list[tuple[float, float, float, float, bool]] = field(default_factory=list)

    @property
    def travel_mm(self) -> float:
        """Total pen-up length (mm), from (0, 0)."""
        return float(sum(math.hypot(x1 - x0, y1 - y0)
                         for x0, y0, x1, y1, down in self.moves if not down))

    @property
    def cut_mm(self) -> float:
        """Total pen-down length (mm)."""
        return float(sum(np.hypot(*np.diff(c, axis=0).T).sum() for c in self.cuts))


_COMMAND = re.compile(r"^([A-Z]{2})(.*)$", re.S)


def read_hpgl(text: str, *, units_per_mm: float = UNITS_PER_MM) -> HpglProgram:
    """Parse ``text`` (absolute PU/PD/PA, IN, SP, VS, FS) into an :class:`HpglProgram` in mm."""
    prog = HpglProgram()
    pos = np.zeros(2)
    down = False
    current: list[np.ndarray] = []

    def flush() -> None:
        if len(current) >= 2:
            prog.cuts.append(np.asarray(current) / units_per_mm)
        current.clear()

    for raw in text.replace("\n", "").split(";"):
        cmd = raw.strip()
        if not cmd:
            continue
        m = _COMMAND.match(cmd)
        if not m:
            raise ParameterError("hpgl", f"cannot read command {cmd[:20]!r}")
        name, args = m.group(1), m.group(2).strip()
        prog.commands.append(name)
        numbers = [float(v) for v in args.split(",")] if args else []
        if name in ("VS", "FS", "SP") and numbers:
            prog.settings[name] = numbers[0]
        elif name == "IN":
            down = False
        elif name in ("PU", "PD", "PA"):
            if name == "PU" and down:
                flush()
            if name != "PA":
                down = name == "PD"
            if len(numbers) % 2:
                raise ParameterError("hpgl", f"{name} needs x,y pairs, got {args!r}")
            for x, y in zip(numbers[0::2], numbers[1::2], strict=True):
                new = np.array([x, y])
                if down:
                    if not current:
                        current.append(pos.copy())
                    current.append(new)
                if (new != pos).any():
                    prog.moves.append((float(pos[0]) / units_per_mm, float(pos[1]) / units_per_mm,
                                       x / units_per_mm, y / units_per_mm, down))
                pos = new
    flush()
    return prog
