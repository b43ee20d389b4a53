"""Read G-code (GRBL laser or Marlin ink-writing, ours or anyone's) into straight moves.

Tracks G0/G1/G2/G3 (arcs split into chords), G20/G21, G90/G91, G91.1/G90.1 arc centres, G92,
M82/M83 and E, T<n>, G4 dwell, Z, F, S, M3/M4/M5 (laser), M42/M106/M107 (valve), M0/M1 pauses.
The header metadata are the leading comment lines ``; key: value``.

Dwell: GRBL's ``G4 P`` is seconds; Marlin's is milliseconds (``S`` seconds). The dialect comes
from the header (``; dialect: grbl``) or, without one, from the file: a file with ``M3``/``M4``
or ``$`` lines and no ``E`` words is read as GRBL.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Every command and word GRBL 1.1 accepts (its "G-code support" table).
GRBL11_G: frozenset[str] = frozenset(
    "G0 G1 G2 G3 G4 G10 G17 G18 G19 G20 G21 G28 G28.1 G30 G30.1 G38.2 G38.3 G38.4 G38.5 G40 "
    "G43.1 G49 G53 G54 G55 G56 G57 G58 G59 G61 G80 G90 G91 G91.1 G92 G92.1 G93 G94".split())
GRBL11_M: frozenset[str] = frozenset("M0 M1 M2 M30 M3 M4 M5 M7 M8 M9 M56".split())
GRBL11_WORDS: frozenset[str] = frozenset("FIJKLNPRSTXYZ")

_WORD = re.compile(r"([A-Za-z])\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)?")
_META = re.compile(r"^\s*;\s*([A-Za-z_][\w .-]*?)\s*:\s*(.*?)\s*$")
#: A block a strict reader accepts: words (letter + number) only, optionally a line number N and
#: a Marlin checksum ``*NN``; ``M0``/``M1``/``M117``/``M118`` carry free text.
_BLOCK = re.compile(r"^(?:\s*[A-Za-z]\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)+\s*(?:\*\d+\s*)?$")
_TEXT_COMMAND = re.compile(r"^\s*(?:N\d+\s*)?M(?:0|1|117|118)(?![\d.])", re.IGNORECASE)
#: Largest coordinate a strict reader accepts, mm (100 m: far beyond any bed).
MAX_COORDINATE_MM = 1e5
ARC_TOLERANCE_MM = 0.002


@dataclass(slots=True)
class Move:
    """One straight move (mm, mm/min) or a stop (dwell/pause: zero length)."""

    x0: float
    y0: float
    z0: float
    x1: float
    y1: float
    z1: float
    rapid: bool = False
    feed: float = 0.0           # mm/min (0: not set)
    power: float = 0.0          # S word in force
    laser: bool = False         # burning: spindle on, S > 0, not a rapid
    extrude: float = 0.0        # E change, mm (plunger or filament)
    valve: bool = False         # dispenser valve open
    tool: int = 0
    line: int = 0
    dwell: float = 0.0          # s
    pause: bool = False
    cut: bool = False           # a drag knife down (HPGL PD)

    @property
    def length(self) -> float:
        return math.dist((self.x0, self.y0, self.z0), (self.x1, self.y1, self.z1))

    @property
    def printing(self) -> bool:
        """Depositing ink: extruding or valve open on a cutting move."""
        return not self.rapid and (self.extrude > 0 or self.valve) and self.length > 0


@dataclass
class Program:
    """Parsed G-code: ``moves`` in order, header ``meta``, counts and the commands seen."""

    moves: list[Move]
    meta: dict[str, str] = field(default_factory=dict)
    lines: int = 0
    dialect: str = "grbl"
    commands: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    tools: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def read_gcode(path: str | Path, *, strict: bool = True) -> Program:
    """Parse the G-code file at ``path``.

    ``strict`` (the default for files) refuses what is not G-code: binary data, a line that is
    not words, coordinates beyond :data:`MAX_COORDINATE_MM`, and a job without a single move;
    the error names the file and the first bad line.
    """
    from ..errors import ParameterError

    data = Path(path).read_bytes()
    name = Path(path).name
    if strict:
        text = text_of(data, name)
        prog = parse_gcode(text, strict=True, source=name)
        if not prog.moves:
            what = "is empty" if prog.lines == 0 else "holds no moves"
            raise ParameterError(name, f"{what}: not a G-code job (nothing to estimate or draw)")
        return prog
    return parse_gcode(data.decode("utf-8", errors="replace"))


def text_of(data: bytes, name: str, kind: str = "G-code") -> str:
    """``data`` as text, or a ParameterError naming the first line with binary bytes (not
    ``kind`` text)."""
    from ..errors import ParameterError

    bad = data.find(b"\0")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start if bad < 0 else min(bad, exc.start)
        text = ""
    if bad < 0 and any(ord(c) < 32 and c not in "\t\r\n\f\v" for c in text):
        bad = next(i for i, c in enumerate(text) if ord(c) < 32 and c not in "\t\r\n\f\v")
        bad = len(text[:bad].encode("utf-8"))
    if bad >= 0:
        line = data.count(b"\n", 0, bad) + 1
        raise ParameterError(name, f"line {line}: binary data (byte 0x{data[bad]:02x}), not {kind} text")
    return text


def command_body(raw: str) -> str:
    """A line without its comments (``;`` to the end, ``( ... )``): what a machine is sent."""
    return re.sub(r"\([^)]*\)", "", raw.split(";", 1)[0]).strip()


def count_commands(lines: list[str]) -> int:
    """G-code lines of a job: lines with a command, comments and blank lines not counted.

    The one count every report gives (``gcode``, ``build``, ``estimate``, the streamer)."""
    return sum(1 for raw in lines if (body := command_body(raw)) and not body.startswith("%"))


def header_meta(lines: list[str]) -> dict[str, str]:
    """``; key: value`` comment lines before the first command, as a dict."""
    meta: dict[str, str] = {}
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        if not text.startswith(";") and not text.startswith("("):
            break
        m = _META.match(text)
        if m:
            meta[m.group(1).strip().lower().replace(" ", "_")] = m.group(2)
    return meta


def _guess_dialect(text: str, meta: dict[str, str]) -> str:
    if meta.get("dialect"):
        return meta["dialect"].strip().lower()
    body = re.sub(r";[^\n]*|\([^)\n]*\)", "", text)
    if re.search(r"[Ee]\s*[-+]?\d", body) or re.search(r"\bM(?:82|83|104|109|106|107|42)\b", body):
        return "marlin"
    return "grbl"


def parse_gcode(text: str, *, dialect: str | None = None, strict: bool = False,
                source: str = "G-code") -> Program:
    """Parse G-code ``text`` into a :class:`Program` (arcs linearised, units in mm).

    ``strict`` raises ParameterError (field ``source``) at the first line that is not G-code
    words or whose coordinates lie beyond :data:`MAX_COORDINATE_MM`; otherwise such text is
    skipped word by word.
    """
    raw_lines = text.splitlines()
    meta = header_meta(raw_lines)
    prog = Program([], meta, dialect=dialect or _guess_dialect(text, meta))
    st = _State()
    for number, raw in enumerate(raw_lines, start=1):
        body = command_body(raw)
        if not body or body.startswith("%"):
            continue
        prog.lines += 1
        if body.startswith("$"):
            prog.commands.add("$")
            continue
        text_command = _TEXT_COMMAND.match(body) if strict else None
        if text_command:  # M0/M1/M117/M118 carry a message: keep the command, not the text
            body = text_command.group(0).strip()
        words = [(w.upper(), v) for w, v in _WORD.findall(body)]
        if strict:
            _check_block(body, words, number, source)
        _block(st, words, number, prog)
    prog.tools = st.tools_used or {0}
    return prog


def _check_block(body: str, words: list[tuple[str, str]], number: int, source: str) -> None:
    from ..errors import ParameterError

    if not _BLOCK.match(body):
        shown = body if len(body) <= 40 else body[:37] + "..."
        raise ParameterError(source, f"line {number}: {shown!r} is not G-code (a line holds words "
                                     "such as G1 X10 Y5 F600, or a ; comment)")
    for letter, value in words:
        number_value = float(value)
        if not math.isfinite(number_value) or (letter in "XYZIJKR" and abs(number_value) > MAX_COORDINATE_MM):
            raise ParameterError(source, f"line {number}: {letter}{value} is out of range "
                                         f"(coordinates up to {MAX_COORDINATE_MM:g} mm)")
        if letter in "FSEP" and not abs(number_value) <= 1e9:
            raise ParameterError(source, f"line {number}: {letter}{value} is out of range (up to 1e9)")


class _State:
    def __init__(self) -> None:
        self.pos = [0.0, 0.0, 0.0]
        self.e = 0.0
        self.motion = "G0"
        self.scale = 1.0
        self.absolute = True
        self.e_absolute = True
        self.arc_abs = False
        self.feed = 0.0
        self.s = 0.0
        self.spindle = False
        self.valve = False
        self.tool = 0
        self.tools_used: set[int] = set()


def _block(st: _State, words: list[tuple[str, str]], number: int, prog: Program) -> None:
    vals: dict[str, float] = {}
    gcodes: list[str] = []
    mcodes: list[str] = []
    for letter, value in words:
        prog.words.add(letter)
        if letter == "G":
            code = _code("G", value)
            gcodes.append(code)
            prog.commands.add(code)
        elif letter == "M":
            code = _code("M", value)
            mcodes.append(code)
            prog.commands.add(code)
        elif letter == "T":
            st.tool = int(float(value or 0))
            prog.commands.add(f"T{st.tool}")
        elif value:
            vals[letter] = float(value)
    motion_cmd = None
    for g in gcodes:
        if g in ("G0", "G1", "G2", "G3"):
            st.motion = g
            motion_cmd = g
        elif g == "G20":
            st.scale = 25.4
        elif g == "G21":
            st.scale = 1.0
        elif g == "G90":
            st.absolute, st.e_absolute = True, True
        elif g == "G91":
            st.absolute, st.e_absolute = False, False
        elif g == "G91.1":
            st.arc_abs = False
        elif g == "G90.1":
            st.arc_abs = True
        elif g == "G92":
            for i, a in enumerate("XYZ"):
                if a in vals:
                    st.pos[i] = vals[a] * st.scale
            if "E" in vals:
                st.e = vals["E"]
            return
        elif g == "G4":
            p, s = vals.get("P", 0.0), vals.get("S", 0.0)
            secs = s + (p if prog.dialect == "grbl" else p / 1000.0)
            _stop(st, prog, number, dwell=secs)
            return
        elif g in ("G28", "G30"):
            _stop(st, prog, number)
            return
    if "F" in vals:
        st.feed = vals["F"] * st.scale
    if "S" in vals and not any(m in ("M42", "M106") for m in mcodes):
        st.s = vals["S"]
    for m in mcodes:
        if m in ("M3", "M4"):
            st.spindle = True
        elif m == "M5":
            st.spindle = False
        elif m == "M82":
            st.e_absolute = True
        elif m == "M83":
            st.e_absolute = False
        elif m == "M42":
            st.valve = vals.get("S", 0.0) > 0
        elif m == "M106":
            st.valve = vals.get("S", 255.0) > 0
        elif m == "M107":
            st.valve = False
        elif m in ("M0", "M1"):
            _stop(st, prog, number, pause=True)
    if any(g in ("G10", "G28.1", "G30.1", "G43.1") for g in gcodes):
        return
    if any(a in vals for a in "XYZE"):
        _motion(st, vals, number, prog, motion_cmd)


def _code(letter: str, value: str) -> str:
    num = float(value or 0)
    return f"{letter}{int(num)}" if num == int(num) else f"{letter}{num:g}"


def _stop(st: _State, prog: Program, number: int, *, dwell: float = 0.0, pause: bool = False) -> None:
    x, y, z = st.pos
    prog.moves.append(Move(x, y, z, x, y, z, rapid=True, line=number, dwell=dwell, pause=pause,
                           valve=st.valve, tool=st.tool))


def _motion(st: _State, vals: dict[str, float], number: int, prog: Program,
            once: str | None) -> None:
    start = list(st.pos)
    target = list(st.pos)
    for i, a in enumerate("XYZ"):
        if a in vals:
            v = vals[a] * st.scale
            target[i] = v if st.absolute else start[i] + v
    de = 0.0
    if "E" in vals:
        de = vals["E"] - st.e if st.e_absolute else vals["E"]
        st.e = vals["E"] if st.e_absolute else st.e + vals["E"]
    rapid = st.motion == "G0" or once == "G0"
    if de != 0 and not rapid:
        st.tools_used.add(st.tool)
    if st.valve:
        st.tools_used.add(st.tool)
    laser = (not rapid) and st.spindle and st.s > 0
    if st.motion in ("G2", "G3") and any(k in vals for k in "IJR"):
        pts = _arc(start, target, vals, st)
    else:
        pts = [target]
    total = sum(math.dist(a[:2], b[:2]) for a, b in zip([start, *pts[:-1]], pts, strict=True)) or 1.0
    prev = start
    for p in pts:
        share = math.dist(prev[:2], p[:2]) / total if len(pts) > 1 else 1.0
        prog.moves.append(Move(prev[0], prev[1], prev[2], p[0], p[1], p[2], rapid=rapid,
                               feed=st.feed, power=st.s, laser=laser, extrude=de * share,
                               valve=st.valve and not rapid, tool=st.tool, line=number))
        prev = p
    st.pos = list(target)


def _arc(start: list[float], target: list[float], vals: dict[str, float], st: _State
         ) -> list[list[float]]:
    x0, y0 = start[0], start[1]
    x1, y1 = target[0], target[1]
    cw = st.motion == "G2"
    if "R" in vals:
        r = vals["R"] * st.scale
        d = math.dist((x0, y0), (x1, y1))
        if d == 0 or abs(r) < d / 2 - 1e-9:
            return [target]
        h = math.sqrt(max(r * r - d * d / 4, 0.0))
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        ux, uy = (x1 - x0) / d, (y1 - y0) / d
        side = -1 if (cw ^ (r < 0)) else 1
        cx, cy = mx - side * uy * h, my + side * ux * h
    else:
        i, j = vals.get("I", 0.0) * st.scale, vals.get("J", 0.0) * st.scale
        cx, cy = (i, j) if st.arc_abs else (x0 + i, y0 + j)
    r = math.hypot(x0 - cx, y0 - cy)
    a0 = math.atan2(y0 - cy, x0 - cx)
    a1 = math.atan2(y1 - cy, x1 - cx)
    sweep = a1 - a0
    if cw:
        sweep = sweep if sweep < 0 else sweep - 2 * math.pi
        if abs(sweep) < 1e-12:
            sweep = -2 * math.pi
    else:
        sweep = sweep if sweep > 0 else sweep + 2 * math.pi
        if abs(sweep) < 1e-12:
            sweep = 2 * math.pi
    if r < 1e-9:
        return [target]
    step = 2 * math.acos(max(-1.0, 1 - ARC_TOLERANCE_MM / r)) if r > ARC_TOLERANCE_MM else math.pi / 4
    n = max(2, math.ceil(abs(sweep) / max(step, 1e-3)))
    n = min(n, 720)
    pts = []
    for k in range(1, n + 1):
        a = a0 + sweep * k / n
        z = start[2] + (target[2] - start[2]) * k / n
        pts.append([cx + r * math.cos(a), cy + r * math.sin(a), z])
    pts[-1] = list(target)
    return pts


def grbl_problems(text: str, *, line_max: int = 80) -> list[str]:
    """Lines GRBL 1.1 would refuse: too long, or a command/word it does not know."""
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if len(raw) > line_max:
            out.append(f"line {number}: {len(raw)} characters (GRBL takes {line_max})")
        body = re.sub(r"\([^)]*\)", "", raw.split(";", 1)[0]).strip()
        if not body or body.startswith("$"):
            continue
        for letter, value in _WORD.findall(body):
            up = letter.upper()
            if up == "G" and _code("G", value) not in GRBL11_G:
                out.append(f"line {number}: {_code('G', value)} is not a GRBL 1.1 command")
            elif up == "M" and _code("M", value) not in GRBL11_M:
                out.append(f"line {number}: {_code('M', value)} is not a GRBL 1.1 command")
            elif up not in "GM" and up not in GRBL11_WORDS:
                out.append(f"line {number}: word {up} is not GRBL 1.1")
    return out


def describe(prog: Program) -> dict[str, Any]:
    """Counts for a report: lines, moves, commands seen."""
    return {"lines": prog.lines, "moves": len(prog.moves), "dialect": prog.dialect,
            "commands": sorted(prog.commands)}
