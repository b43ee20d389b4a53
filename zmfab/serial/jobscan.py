"""Read what a job needs from its G-code: bounds, laser use, and the modal state before a line.

Pure functions over lists of strings; used to refuse jobs that do not fit the machine and to
build the preamble that resumes a job at ``--from-line N``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from ..errors import ParameterError

_COMMENT = re.compile(r"\([^)]*\)|;.*$")
_WORD = re.compile(r"([A-Za-z])\s*([+-]?(?:\d+\.?\d*|\.\d+))")
_MOTION = {0, 1, 2, 3}


def clean_line(raw: str, *, compact: bool = False) -> str:
    """Strip comments and surrounding blanks; ``compact`` also drops inner blanks and upper-cases
    (what GRBL does on receipt, so fewer bytes travel)."""
    text = _COMMENT.sub("", raw).strip()
    if compact:
        text = "".join(text.split()).upper()
    return text


def words(line: str) -> list[tuple[str, float]]:
    """The ``(LETTER, value)`` words of a cleaned line, in order."""
    return [(m.group(1).upper(), float(m.group(2))) for m in _WORD.finditer(line)]


@dataclass(frozen=True)
class Modal:
    """Modal state of a machine after some lines: what a resume must restore."""

    inches: bool = False
    relative: bool = False
    motion: int = 0
    feed: float | None = None
    spindle: int = 5  # 3, 4 or 5 (M3/M4/M5)
    power: float = 0.0
    extrude_relative: bool | None = None  # Marlin M83 (True) / M82 (False)
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)  # mm, absolute
    seen_xyz: tuple[bool, bool, bool] = (False, False, False)


@dataclass
class JobInfo:
    """Facts about a job: bounds in mm (None when the job has no moves) and laser use."""

    lines: int = 0
    bounds: tuple[tuple[float, float], ...] | None = None
    lasers: bool = False  # a G1/G2/G3 motion with M3/M4 and S > 0
    max_power: float = 0.0
    motion_lines: int = 0


def step(state: Modal, line: str) -> tuple[Modal, bool]:
    """Apply one cleaned line to ``state``; return the new state and whether it moved."""
    ws = words(line)
    s = state
    axes: dict[str, float] = {}
    for letter, value in ws:
        if letter == "G":
            g = round(value, 1)
            if g in (20, 21):
                s = replace(s, inches=(g == 20))
            elif g in (90, 91):
                s = replace(s, relative=(g == 91))
            elif g in _MOTION:
                s = replace(s, motion=int(g))
        elif letter == "M":
            m = int(value)
            if m in (3, 4, 5):
                s = replace(s, spindle=m)
            elif m in (82, 83):
                s = replace(s, extrude_relative=(m == 83))
            elif m in (2, 30):
                s = replace(s, spindle=5)
        elif letter == "F":
            s = replace(s, feed=value)
        elif letter == "S":
            s = replace(s, power=value)
        elif letter in "XYZ":
            axes[letter] = value
    if not axes or any(letter == "G" and round(v) in (10, 28, 30, 53, 92) for letter, v in ws):
        return s, False
    scale = 25.4 if s.inches else 1.0
    pos = list(s.position)
    seen = list(s.seen_xyz)
    for i, letter in enumerate("XYZ"):
        if letter in axes:
            v = axes[letter] * scale
            pos[i] = pos[i] + v if s.relative else v
            seen[i] = True
    return replace(s, position=(pos[0], pos[1], pos[2]), seen_xyz=(seen[0], seen[1], seen[2])), True


def scan(lines: list[str]) -> JobInfo:
    """Bounds (mm, of every move end point and arc circle) and laser use of a job."""
    info = JobInfo(lines=len(lines))
    lo = [math.inf] * 3
    hi = [-math.inf] * 3
    state = Modal()
    for raw in lines:
        line = clean_line(raw)
        if not line:
            continue
        before = state
        state, moved = step(state, line)
        if not moved:
            continue
        info.motion_lines += 1
        pts = [state.position]
        if state.motion in (2, 3):
            ws = dict(words(line))
            scale = 25.4 if state.inches else 1.0
            if "I" in ws or "J" in ws:  # conservative: the arc's whole circle
                cx = before.position[0] + ws.get("I", 0.0) * scale
                cy = before.position[1] + ws.get("J", 0.0) * scale
                r = math.hypot(ws.get("I", 0.0), ws.get("J", 0.0)) * scale
                pts += [(cx - r, cy - r, state.position[2]), (cx + r, cy + r, state.position[2])]
        for p in pts:
            for i in range(3):
                if state.seen_xyz[i] or p[i] != 0.0:
                    lo[i], hi[i] = min(lo[i], p[i]), max(hi[i], p[i])
        if state.motion in (1, 2, 3) and state.spindle in (3, 4) and state.power > 0:
            info.lasers = True
            info.max_power = max(info.max_power, state.power)
    if info.motion_lines:
        info.bounds = tuple((lo[i], hi[i]) if lo[i] <= hi[i] else (0.0, 0.0) for i in range(3))
    return info


def state_before(lines: list[str], from_line: int) -> Modal:
    """Modal state after file lines ``1 .. from_line-1`` (1-based line numbers)."""
    if from_line < 1 or from_line > len(lines):
        raise ParameterError("--from-line", f"{from_line} is outside the job (1..{len(lines)})")
    state = Modal()
    for raw in lines[: from_line - 1]:
        line = clean_line(raw)
        if line:
            state, _ = step(state, line)
    return state


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def resume_preamble(lines: list[str], from_line: int, *, dialect: str = "grbl",
                    restore_power: bool = False) -> list[str]:
    """Lines that restore the modal state before ``from_line`` and move there with the laser off.

    Order: units, absolute mode, laser off (M5 S0), G0 to the start point, then distance mode,
    feed, extruder mode (Marlin) and the power mode with S0; the job's next S word sets power.
    ``restore_power`` (only safe with GRBL laser mode, where S fires during G1/G2/G3 alone) also
    restores the last S value.
    """
    st = state_before(lines, from_line)
    out = ["G21", "G90", "M5 S0" if dialect == "grbl" else "M5"]
    target = " ".join(f"{a}{_num(v)}" for a, v, seen in zip("XYZ", st.position, st.seen_xyz, strict=True)
                      if seen)
    if target:
        out.append(f"G0 {target}")
    if st.inches:
        out.append("G20")
    if st.relative:
        out.append("G91")
    if st.feed is not None:
        out.append(f"F{_num(st.feed)}" if dialect == "grbl" else f"G1 F{_num(st.feed)}")
    if dialect == "marlin" and st.extrude_relative is not None:
        out.append("M83" if st.extrude_relative else "M82")
    if st.spindle in (3, 4):
        out.append(f"M{st.spindle} S0")
        if restore_power and st.power > 0:
            out.append(f"S{_num(st.power)}")
    return out
