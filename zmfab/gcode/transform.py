"""A rigid transform (rotation about the work origin, then an offset) applied to G-code text.

Every XY target is rewritten with both X and Y (a rotated move along X also moves Y); relative
moves (``G91``) and arc centre offsets (``I``/``J``, ``G91.1``) are rotated as vectors, absolute
arc centres (``G90.1``) as points, ``R`` arcs are rewritten with their centre as ``I``/``J`` (a
half circle given by ``R`` would not survive rounding), and arc direction is kept (a rotation
keeps orientation). Hatch lines are plain moves, so their angle turns with the job; the
header records the transform, with the bounds and fiducials moved. Lines that name machine
coordinates (``G53``), homing (``G28``/``G30``) and the park moves after the job's final ``M5``
are left alone. A job that sets coordinates (``G92 X/Y``, ``G10``) is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ParameterError
from ..units import parse_length

_WORD = re.compile(r"([A-Za-z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")
_HEADER = re.compile(r"^\s*;\s*([A-Za-z_][\w .-]*?)\s*:\s*(.*?)\s*$")
DECIMALS = 4


@dataclass(frozen=True)
class Rigid:
    """``p' = R(angle) p + (dx, dy)``: degrees counter-clockwise about the work origin, mm."""

    angle_deg: float = 0.0
    dx: float = 0.0
    dy: float = 0.0

    def _cs(self) -> tuple[float, float]:
        a = math.radians(self.angle_deg)
        return math.cos(a), math.sin(a)

    def point(self, x: float, y: float) -> tuple[float, float]:
        """A position, mm."""
        c, s = self._cs()
        return (c * x - s * y + self.dx, s * x + c * y + self.dy)

    def vector(self, x: float, y: float) -> tuple[float, float]:
        """A displacement (relative move, arc offset), mm: rotated only."""
        c, s = self._cs()
        return (c * x - s * y, s * x + c * y)

    def inverse(self) -> Rigid:
        c, s = self._cs()
        return Rigid(-self.angle_deg, -(c * self.dx + s * self.dy), -(-s * self.dx + c * self.dy))

    def describe(self) -> str:
        return (f"rotate {self.angle_deg:.4f} deg about the origin, then offset "
                f"{self.dx:.4f},{self.dy:.4f} mm")

    def option(self) -> str:
        """The ``--transform`` text that gives this transform back."""
        return f"{self.angle_deg:.5f}deg,{self.dx:.4f}mm,{self.dy:.4f}mm"


def parse_transform(text: str, *, field: str = "--transform") -> Rigid:
    """``ANGLE[deg],DX,DY`` (lengths with units, bare numbers in mm) -> :class:`Rigid`."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 3 or not all(parts):
        raise ParameterError(field, f"{text!r} must be ANGLE,DX,DY (e.g. 0.25deg,0.12mm,-0.05mm)")
    angle = parts[0].lower().removesuffix("deg").removesuffix("°").strip()
    try:
        deg = float(angle)
    except ValueError:
        raise ParameterError(field, f"{parts[0]!r} is not an angle in degrees") from None
    if not -180.0 <= deg <= 180.0:
        raise ParameterError(field, f"{deg:g} deg is out of range (must be -180..180)")
    return Rigid(deg, parse_length(parts[1], field=field, positive=False),
                 parse_length(parts[2], field=field, positive=False))


def _fmt(v: float, decimals: int = DECIMALS) -> str:
    text = f"{v:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _split(raw: str) -> tuple[str, str]:
    """(code, comment) of a line; the comment keeps its ``;`` or parentheses."""
    idx = [i for i in (raw.find(";"), raw.find("(")) if i >= 0]
    cut = min(idx) if idx else len(raw)
    return raw[:cut], raw[cut:]


def _park_start(lines: list[str]) -> int:
    """Index after the job's last ``M5`` (the footer's park moves start there), else the end."""
    for i in range(len(lines) - 1, -1, -1):
        code, _ = _split(lines[i])
        if any(w[0].upper() == "M" and float(w[1]) == 5 for w in _WORD.findall(code)):
            return i + 1
    return len(lines)


def transform_lines(lines: list[str], t: Rigid) -> list[str]:
    """``lines`` with every XY position moved by ``t`` (see the module docstring)."""
    meta_end = _header_end(lines)
    for raw in lines[:meta_end]:
        m = _HEADER.match(raw)
        if m and m.group(1).strip().lower() == "transform":
            raise ParameterError("--transform", f"the job is already transformed ({m.group(2)}); "
                                               "transform the original job")
    park = _park_start(lines)
    out = list(lines[:meta_end])
    state = {"abs": True, "arc_abs": False, "inch": False, "motion": 0}
    pos: list[float | None] = [0.0, 0.0]
    for n, raw in enumerate(lines[meta_end:], start=meta_end + 1):
        out.append(_line(raw, t, state, pos, n, parked=n - 1 >= park))
    return _with_header(out, meta_end, t)


def _line(raw: str, t: Rigid, state: dict, pos: list[float | None], n: int, *,
          parked: bool) -> str:
    code, comment = _split(raw)
    if not code.strip() or code.strip().startswith(("$", "%")):
        return raw
    words = [(w.upper(), v) for w, v in _WORD.findall(code)]
    gs = [float(v) for w, v in words if w == "G"]
    vals = {w: float(v) for w, v in words if w not in "GM"}
    for g in gs:
        if g in (0, 1, 2, 3):
            state["motion"] = int(g)
        elif g in (90, 91):
            state["abs"] = g == 90
        elif g in (20, 21):
            state["inch"] = g == 20
        elif g == 90.1:
            state["arc_abs"] = True
        elif g == 91.1:
            state["arc_abs"] = False
    if (92 in gs or 10 in gs) and ("X" in vals or "Y" in vals):
        raise ParameterError("--transform", f"line {n}: {code.strip()!r} sets coordinates; a job "
                                            "that does cannot be transformed")
    if any(g in (28, 30) for g in gs):
        pos[0] = pos[1] = None  # homed: where it is now is the machine's business
        return raw
    has_xy = "X" in vals or "Y" in vals
    if 53 in gs or not has_xy or parked:
        if has_xy and state["abs"] and 53 not in gs:
            pos[0] = vals.get("X", pos[0])
            pos[1] = vals.get("Y", pos[1])
        return raw
    scale = 25.4 if state["inch"] else 1.0
    tt = Rigid(t.angle_deg, t.dx / scale, t.dy / scale)
    new: dict[str, float] = {}
    start = (pos[0], pos[1])
    if state["abs"]:
        x, y = vals.get("X", pos[0]), vals.get("Y", pos[1])
        if x is None or y is None:
            raise ParameterError("--transform", f"line {n}: {code.strip()!r} moves one axis from an "
                                                "unknown position (after homing)")
        new["X"], new["Y"] = tt.point(x, y)
        pos[0], pos[1] = x, y
    else:
        new["X"], new["Y"] = tt.vector(vals.get("X", 0.0), vals.get("Y", 0.0))
        if pos[0] is not None and pos[1] is not None:
            pos[0], pos[1] = pos[0] + vals.get("X", 0.0), pos[1] + vals.get("Y", 0.0)
    arc = state["motion"] in (2, 3) and ("I" in vals or "J" in vals)
    if arc:
        i, j = vals.get("I", 0.0), vals.get("J", 0.0)
        new["I"], new["J"] = tt.point(i, j) if state["arc_abs"] else tt.vector(i, j)
    elif state["motion"] in (2, 3) and "R" in vals:
        if state["abs"]:
            if start[0] is None or start[1] is None:
                raise ParameterError("--transform", f"line {n}: an R arc from an unknown position")
            chord = (x - start[0], y - start[1])
        else:
            chord = (vals.get("X", 0.0), vals.get("Y", 0.0))
        ci, cj = _r_centre(chord, vals["R"], ccw=state["motion"] == 3)
        new["I"], new["J"] = tt.vector(ci, cj)
        if state["arc_abs"]:
            new["I"], new["J"] = tt.point(start[0] + ci, start[1] + cj)
        new["R"] = float("nan")  # dropped
    return _rewrite(code, new, decimals=DECIMALS + (1 if state["inch"] else 0)) + comment


def _r_centre(chord: tuple[float, float], r: float, *, ccw: bool) -> tuple[float, float]:
    """The centre of an ``R`` arc relative to its start (``R < 0``: the arc over 180°)."""
    dx, dy = chord
    d = math.hypot(dx, dy)
    if d < 1e-12:
        raise ParameterError("--transform", "an R arc that ends where it starts has no centre")
    h = math.sqrt(max(0.0, r * r - d * d / 4))
    sign = (1.0 if ccw else -1.0) * (1.0 if r > 0 else -1.0)
    return (dx / 2 - sign * h * dy / d, dy / 2 + sign * h * dx / d)


def _rewrite(code: str, new: dict[str, float], *, decimals: int = DECIMALS) -> str:
    """``code`` with its X/Y (and I/J) words replaced by ``new``, placed where X (I) stood;
    ``R`` in ``new`` drops the R word (the centre went into I/J)."""
    parts: list[str] = []
    placed: set[str] = set()
    compact = " " not in code.strip()
    for m in _WORD.finditer(code):
        letter = m.group(1).upper()
        if letter == "R" and "R" in new:
            letter = "I"
        group = "XY" if letter in "XY" else "IJ" if letter in "IJ" else None
        if group and letter in new:
            if group not in placed:
                placed.add(group)
                parts.extend(f"{a}{_fmt(new[a], decimals)}" for a in group)
            continue
        parts.append(m.group(0).replace(" ", ""))
    for group in ("XY", "IJ"):
        if group[0] in new and group not in placed:
            parts.extend(f"{a}{_fmt(new[a], decimals)}" for a in group)
    return ("" if compact else " ").join(parts)


def _header_end(lines: list[str]) -> int:
    """Index of the first line after the leading comment block."""
    for i, raw in enumerate(lines):
        text = raw.strip()
        if text and not text.startswith((";", "(")):
            return i
    return len(lines)


def _points(text: str) -> list[tuple[float, float]]:
    pts = []
    for item in text.split():
        x, _, y = item.partition(",")
        pts.append((float(x), float(y)))
    return pts


def _with_header(out: list[str], end: int, t: Rigid) -> list[str]:
    """The header records the transform; fiducials and bounds move with the job."""
    head = []
    for raw in out[:end]:
        m = _HEADER.match(raw)
        key = m.group(1).strip().lower() if m else ""
        if key == "fiducials_mm":
            moved = [t.point(x, y) for x, y in _points(m.group(2))]
            raw = f"; fiducials_mm: {' '.join(f'{x:.4f},{y:.4f}' for x, y in moved)}"
        elif key == "bounds_mm":
            raw = _bounds_line(m.group(2), t)
        head.append(raw)
    head.append(f"; transform: {t.describe()}")
    return head + out[end:]


def _bounds_line(text: str, t: Rigid) -> str:
    sep = "," if "," in text else " "
    try:
        x0, y0, x1, y1 = (float(v) for v in text.replace(",", " ").split()[:4])
    except ValueError:
        return f"; bounds_mm: {text}"
    corners = [t.point(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return "; bounds_mm: " + sep.join(f"{v:.3f}" for v in (min(xs), min(ys), max(xs), max(ys)))


def transform_points(points: Iterable[tuple[float, float]], t: Rigid) -> list[tuple[float, float]]:
    """Positions moved by ``t``."""
    return [t.point(x, y) for x, y in points]
