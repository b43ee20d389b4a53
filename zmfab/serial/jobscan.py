"""Read what a job needs from its G-code: bounds, laser use, and the modal state before a line.

Pure functions over lists of strings; used to refuse jobs that do not fit the machine and to
build the preamble that resumes a job at ``--from-line N``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

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


_PARAM_S = {42, 104, 106, 109, 140, 190}  # M codes whose S word is theirs, not spindle power


@dataclass(frozen=True)
class Modal:
    """Modal state of a machine after some lines: what a resume must restore.

    ``None`` marks a setting the job never gave (the machine keeps its own). Marlin semantics for
    the extruder: G90/G91 set E's mode too, M82/M83 set E alone; ``e`` is E's logical position.
    """

    inches: bool = False
    relative: bool = False
    motion: int = 0
    feed: float | None = None
    spindle: int = 5  # 3, 4 or 5 (M3/M4/M5)
    power: float = 0.0
    extrude_relative: bool | None = None  # Marlin M83 (True) / M82 (False)
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)  # mm, absolute
    seen_xyz: tuple[bool, bool, bool] = (False, False, False)
    plane: int | None = None  # 17, 18, 19
    arc_absolute: bool = False  # G90.1 (GRBL's default and only useful mode is G91.1)
    inverse_feed: bool = False  # G93
    wcs: int | None = None  # 54..59
    mist: bool = False  # M7
    flood: bool = False  # M8
    tool: int | None = None
    e: float = 0.0
    e_relative: bool = False
    e_seen: bool = False
    hotends: tuple[tuple[int, float], ...] = ()  # (tool, degC) the job set, by tool
    bed: float | None = None
    fan: float | None = None  # M106 S (0..255); 0 after M107
    pins: tuple[tuple[str, float], ...] = ()  # M42 P -> S the job set


@dataclass
class JobInfo:
    """Facts about a job: bounds in mm (None when the job has no moves) and laser use."""

    lines: int = 0
    bounds: tuple[tuple[float, float], ...] | None = None
    lasers: bool = False  # a G1/G2/G3 motion with M3/M4 and S > 0
    max_power: float = 0.0
    motion_lines: int = 0
    uses_z: bool = False


def _set(pairs: tuple, key: object, value: float) -> tuple:
    return tuple(sorted({**dict(pairs), key: value}.items()))


def step(state: Modal, line: str) -> tuple[Modal, bool]:
    """Apply one cleaned line to ``state``; return the new state and whether it moved."""
    ws = words(line)
    c: dict = {}  # the changes, applied once (a dataclass replace per word is slow)

    def get(key: str):
        return c[key] if key in c else getattr(state, key)

    axes: dict[str, float] = {}
    mcodes = {int(v) for letter, v in ws if letter == "M"}
    params = dict(ws)
    s_is_param = bool(mcodes & _PARAM_S)
    for letter, value in ws:
        if letter == "G":
            g = round(value, 1)
            if g in (20, 21):
                c["inches"] = g == 20
            elif g in (90, 91):
                c["relative"] = c["e_relative"] = g == 91
            elif g in (90.1, 91.1):
                c["arc_absolute"] = g == 90.1
            elif g in (93, 94):
                c["inverse_feed"] = g == 93
            elif g in (17, 18, 19):
                c["plane"] = int(g)
            elif g in (54, 55, 56, 57, 58, 59):
                c["wcs"] = int(g)
            elif g in _MOTION:
                c["motion"] = int(g)
        elif letter == "M":
            m = int(value)
            if m in (3, 4, 5):
                c["spindle"] = m
            elif m in (82, 83):
                c["extrude_relative"] = c["e_relative"] = m == 83
            elif m in (2, 30):
                c.update(spindle=5, mist=False, flood=False)
            elif m in (7, 8):
                c["mist" if m == 7 else "flood"] = True
            elif m == 9:
                c.update(mist=False, flood=False)
            elif m in (104, 109):
                tool = int(params.get("T", get("tool") or 0))
                c["hotends"] = _set(get("hotends"), tool, params.get("S", 0.0))
            elif m in (140, 190):
                c["bed"] = params.get("S", 0.0)
            elif m == 106:
                c["fan"] = params.get("S", 255.0)
            elif m == 107:
                c["fan"] = 0.0
            elif m == 42 and "P" in params:
                c["pins"] = _set(get("pins"), f"{params['P']:g}", params.get("S", 0.0))
        elif letter == "T" and not (mcodes & {104, 109}):
            c["tool"] = int(value)
        elif letter == "F":
            c["feed"] = value
        elif letter == "S" and not s_is_param:
            c["power"] = value
        elif letter in "XYZ":
            axes[letter] = value
        elif letter == "E":
            if any(lt == "G" and round(v) == 92 for lt, v in ws):
                c.update(e=value, e_seen=True)
            else:
                c.update(e=get("e") + value if get("e_relative") else value, e_seen=True)
    moved = bool(axes) and not any(letter == "G" and round(v) in (10, 28, 30, 53, 92)
                                   for letter, v in ws)
    if moved:
        scale = 25.4 if get("inches") else 1.0
        pos = list(state.position)
        seen = list(state.seen_xyz)
        relative = get("relative")
        for i, letter in enumerate("XYZ"):
            if letter in axes:
                v = axes[letter] * scale
                pos[i] = pos[i] + v if relative else v
                seen[i] = True
        c["position"] = (pos[0], pos[1], pos[2])
        c["seen_xyz"] = (seen[0], seen[1], seen[2])
    if not c:
        return state, moved
    new = object.__new__(Modal)  # dataclasses.replace re-runs __init__: too slow per line
    new.__dict__.update(state.__dict__)
    new.__dict__.update(c)
    return new, moved


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
        info.uses_z = info.uses_z or state.seen_xyz[2]
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


def move_times(lines: list[str], *, rapid: tuple[float, float, float] = (6000.0, 6000.0, 500.0)
               ) -> list[float]:
    """Seconds each line's motion should take at its feed (mm/min; ``rapid`` per axis for G0).

    An upper-bound-minded estimate for stall detection: arcs count their whole circle, dwells
    their P (seconds), homing (``$H``, G28) is unbounded (``inf``); acceleration is left to the
    caller's margin. Lines are job lines as given (comments allowed); non-motion lines take 0.
    """
    out = []
    state = Modal()
    for raw in lines:
        line = clean_line(raw)
        if not line:
            out.append(0.0)
            continue
        if line.upper().startswith("$H") or re.search(r"G0*28(?!\.)", line.upper()):
            out.append(math.inf)
            state, _ = step(state, line)
            continue
        before = state
        state, moved = step(state, line)
        ws = dict(words(line))
        if not moved:
            dwell = "G" in ws and any(round(v) == 4 for lt, v in words(line) if lt == "G")
            out.append(ws.get("P", 0.0) + ws.get("S", 0.0) if dwell else 0.0)
            continue
        d = [abs(a - b) for a, b in zip(state.position, before.position, strict=True)]
        if state.motion == 0:
            out.append(max(di / r * 60.0 for di, r in zip(d, rapid, strict=True)))
            continue
        dist = math.hypot(*d)
        if state.motion in (2, 3):
            scale = 25.4 if state.inches else 1.0
            r = math.hypot(ws.get("I", 0.0), ws.get("J", 0.0)) * scale or ws.get("R", 0.0) * scale
            dist = max(dist, 2 * math.pi * r)
        feed = (state.feed or 0.0) * (25.4 if state.inches else 1.0)
        out.append(dist / feed * 60.0 if feed > 0 and not state.inverse_feed else (
            60.0 / state.feed if state.inverse_feed and state.feed else math.inf))
    return out
