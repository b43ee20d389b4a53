"""Framing: trace where a job will work (its bounding box or convex hull) before it burns.

The frame runs with the laser off, or at the machine profile's ``frame_power`` (a visible low
power dot, never above it), at its ``frame_speed``, and ends where it started. On Marlin (DIW)
it is a plain travel with the valve and pumps untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ParameterError
from ..units import parse_fraction, parse_speed
from .parse import parse_gcode

DEFAULT_FRAME_SPEED = 3000.0  # mm/min


def job_outline(lines: list[str], *, hull: bool = False) -> list[tuple[float, float]]:
    """The closed outline (first point repeated last, counter-clockwise, from the lower left)
    of the job's working moves (burns or printed beads), mm."""
    from shapely.geometry import MultiPoint, box

    prog = parse_gcode("\n".join(lines))
    pts = [(p[0], p[1]) for m in prog.moves if (m.laser or m.printing) and m.length > 0
           for p in ((m.x0, m.y0), (m.x1, m.y1))]
    if not pts:
        raise ParameterError("job", "the job burns or prints nothing: there is nothing to frame")
    cloud = MultiPoint(pts)
    shape = cloud.convex_hull if hull else box(*cloud.bounds)
    if shape.geom_type != "Polygon":  # a single line or point: frame its bounding box
        x0, y0, x1, y1 = cloud.bounds
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)] if x1 > x0 or y1 > y0 else [
            (x0, y0)]
    ring = list(shape.exterior.coords)[:-1]
    if not shape.exterior.is_ccw:
        ring.reverse()
    k = min(range(len(ring)), key=lambda i: (ring[i][1], ring[i][0]))
    ring = ring[k:] + ring[:k]
    return [(float(x), float(y)) for x, y in ring + ring[:1]]


def frame_settings(machine: Mapping[str, Any], *, power: float | None = None,
                   speed: float | None = None) -> tuple[float, float]:
    """(power 0..1, speed mm/min) of the frame: the profile's ``frame_power``/``frame_speed``
    unless asked lower; above ``frame_power`` (or the machine's rate) is refused."""
    limit = parse_fraction(machine.get("frame_power", 0.0), field="frame_power")
    if power is None:
        power = limit
    if power > limit + 1e-12:
        name = machine.get("name", "the machine")
        raise ParameterError("--power", f"{power * 100:g}% is out of range (allowed 0..{limit * 100:g} % "
                             f"by frame_power of {name}; framing never burns)")
    top = parse_speed(machine.get("frame_speed", DEFAULT_FRAME_SPEED), field="frame_speed")
    speed = top if speed is None else speed
    rates = machine.get("max_rate_mm_min")
    if rates:
        cap = min(float(v) for v in list(rates)[:2])
        if speed > cap + 1e-9:
            raise ParameterError("--speed", f"{speed:g} mm/min is out of range (allowed up to "
                                            f"{cap:g} mm/min, the machine's max rate)")
    if speed <= 0:
        raise ParameterError("--speed", f"{speed:g} mm/min is out of range (must be > 0)")
    return power, speed


def frame_lines(outline: list[tuple[float, float]], machine: Mapping[str, Any], *,
                power: float | None = None, speed: float | None = None,
                what: str = "bounding box") -> list[str]:
    """G-code tracing ``outline`` (mm, closed) and ending at its start."""
    dialect = str(machine.get("dialect", "grbl")).lower()
    p, f = frame_settings(machine, power=power, speed=speed)
    fmt = lambda v: (f"{v:.3f}".rstrip("0").rstrip(".") or "0")  # noqa: E731
    xy = lambda pt: f"X{fmt(pt[0])} Y{fmt(pt[1])}"  # noqa: E731
    head = [f"; dialect: {dialect}", f"; zmfab frame: {what}, {len(outline) - 1} corners",
            f"; frame_power: {p * 100:g}%", f"; frame_speed: {f:g} mm/min"]
    if dialect == "marlin":
        body = ["G21", "G90", f"G0 {xy(outline[0])} F{f:.0f}"]
        body += [f"G0 {xy(pt)}" for pt in outline[1:]]
        return head + body + ["M400"]
    s = min(float(machine.get("s_max", 1000)), p * float(machine.get("s_max", 1000)))
    body = ["G21 G90 G94", "M5 S0", f"G0 {xy(outline[0])}"]
    if s > 0:  # constant power (M3): the dot looks the same at the corners
        body.append(f"M3 S{s:.0f}")
    body.append(f"G1 {xy(outline[1] if len(outline) > 1 else outline[0])} F{f:.0f}"
                + ("" if s > 0 else " S0"))
    body += [f"G1 {xy(pt)}" for pt in outline[2:]]
    return head + body + ["M5 S0"]
