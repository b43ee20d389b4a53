"""GRBL 1.1 laser G-code from a :class:`Toolpath`; every dialect fact comes from the machine
profile's ``[gcode]`` table (codes, decimals, preamble, footer, header keys).

Travels are rapids with the laser off (``S0`` whenever the modal power is not already 0), burns
are ``G1`` at the polyline's ``speed`` (mm/min) and ``power`` (0..1 → ``S`` scaled to ``s_max``,
GRBL ``$30``), overscan leads are ``G1 ... S0``. ``M4`` (dynamic power: GRBL scales the power with
the actual speed in laser mode ``$32=1``) by default, ``M3`` on request.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .. import __version__
from ..errors import ParameterError
from ..toolpath.path import Polyline, Toolpath
from ..toolpath.simplify import resolution_mm, simplify_points, steady_start
from .estimate import bed_size, estimate
from .job import Job
from .parse import parse_gcode


def _fmt(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def check_bounds(bounds: Sequence[float], machine: Mapping[str, Any], *, name: str = "machine"
                 ) -> None:
    """Raise ParameterError naming the axis when ``bounds`` (xmin, ymin, xmax, ymax, mm) leave
    the bed (0..W, 0..H)."""
    bed = bed_size(machine)
    if bed is None:
        return
    for axis, lo, hi, size in (("X", bounds[0], bounds[2], bed[0]), ("Y", bounds[1], bounds[3], bed[1])):
        if lo < -1e-6 or hi > size + 1e-6:
            raise ParameterError(axis, f"the job spans {lo:.3f}..{hi:.3f} mm but the bed of {name} "
                                       f"is 0..{size:g} mm (move it with --offset, or use a larger "
                                       "machine)")


def _power_to_s(power: float, s_max: float) -> float:
    if not 0.0 <= power <= 1.0:
        raise ParameterError("power", f"{power * 100:g}% is out of range (must be 0..100 %)")
    return min(s_max, power * s_max)


def body_lines(paths: Sequence[Polyline], machine: Mapping[str, Any], *, dynamic: bool = True,
               air: bool = False) -> list[str]:
    """Preamble, moves and footer (no header) of ``paths`` already placed in machine mm.

    No move repeats the position it starts from (after rounding to the profile's decimals), and
    segments shorter than the machine's resolution are merged (:mod:`zmfab.toolpath.simplify`);
    a polyline that collapses below the resolution is left out.
    """
    g = machine.get("gcode", {})
    xy, zd = int(g.get("xy_decimals", 3)), int(g.get("z_decimals", 3))
    fd, sd = int(g.get("f_decimals", 0)), int(g.get("s_decimals", 0))
    rapid, linear = g.get("rapid", "G0"), g.get("linear", "G1")
    s_max = float(machine.get("s_max", 1000))
    on = g.get("laser_dynamic", "M4") if dynamic else g.get("laser_constant", "M3")
    air_on, air_off = g.get("air_on", "M8"), g.get("air_off", "M9")
    lines = list(g.get("preamble", ["G21 G90"]))
    if air:
        lines.append(air_on)
    lines.append(f"{on} S0")
    s_modal: str | None = "0"
    f_modal: str | None = None
    z_cur: float | None = None
    here: str | None = None  # the XY words of the position reached
    has_z = bool(machine.get("has_z", False))
    res = resolution_mm(machine)

    def xy_words(pt: np.ndarray) -> str:
        return f"X{_fmt(pt[0], xy)} Y{_fmt(pt[1], xy)}"

    def g1(pt: np.ndarray, s: str, f: str) -> None:
        nonlocal s_modal, f_modal, here
        target = xy_words(pt)
        if target == here:
            return
        here = target
        words = [linear, target]
        if s != s_modal:
            words.append(f"S{s}")
            s_modal = s
        if f != f_modal:
            words.append(f"F{f}")
            f_modal = f
        lines.append(" ".join(words))

    for p in paths:
        pts = simplify_points(p.points, resolution=res, decimals=xy)
        if p.closed:  # entered where its ends pin no segment below the resolution
            steady = steady_start(pts, resolution=res)
            if steady is not pts:
                pts = simplify_points(steady, resolution=res, decimals=xy)
        if len(pts) < 2:
            continue
        p = replace(p, points=pts)
        z = p.settings.get("z")
        if z is not None and (z_cur is None or abs(z - z_cur) > 1e-9):
            if not has_z:
                raise ParameterError("z_step", "this machine has no Z axis (has_z = false)")
            lines.append(f"{rapid} Z{_fmt(z, zd)}" + (" S0" if s_modal != "0" else ""))
            s_modal, z_cur = "0", z
        start = xy_words(p.start)
        if start != here:
            lines.append(f"{rapid} {start}" + (" S0" if s_modal != "0" else ""))
            s_modal, here = "0", start
        f = _fmt(float(p.settings.get("speed", 1000.0)), fd)
        s = _fmt(_power_to_s(float(p.settings.get("power", 0.0)), s_max), sd)
        if p.lead_in > 0:
            g1(pts[0], "0", f)
        for pt in pts[1:]:
            g1(pt, s, f)
        if p.lead_out > 0:
            g1(p.end, "0", f)
    safe = machine.get("safe_position_mm", [0.0, 0.0])
    fill = {"air_off": air_off if air else "", "safe_x": _fmt(safe[0], xy),
            "safe_y": _fmt(safe[1], xy)}
    for tmpl in g.get("footer", ["M5", "S0", "G0 X{safe_x} Y{safe_y}"]):
        line = tmpl.format(**fill).strip()
        if line:
            lines.append(line)
    return lines


def grbl_laser_job(toolpath: Toolpath, machine: Mapping[str, Any], *,
                   meta: Mapping[str, Any] | None = None, offset: Sequence[float] | None = None,
                   dynamic: bool = True, air: bool = False, date: str | None = None) -> Job:
    """The G-code job of ``toolpath`` (layout mm) placed at ``offset`` mm on the bed (default:
    the profile's ``origin_mm``). The bed is checked before anything is formatted.

    ``date`` goes in the header as given (pass one for deterministic output); default: today.
    """
    off = tuple(float(v) for v in (offset if offset is not None else machine.get("origin_mm", (0, 0))))
    placed = toolpath.map(lambda p: p.translated(off[0], off[1]))
    name = str(machine.get("name", meta.get("machine", "machine") if meta else "machine"))
    work = placed.bounds(leads=True)
    if not placed.is_empty:
        check_bounds(work, machine, name=name)
    safe = machine.get("safe_position_mm", [0.0, 0.0])
    check_bounds((safe[0], safe[1], safe[0], safe[1]), machine, name=name)
    body = body_lines(placed.paths, machine, dynamic=dynamic, air=air)
    est = estimate(parse_gcode("\n".join(body), dialect="grbl"), machine)
    info: dict[str, Any] = dict(meta or {})
    info.update({
        "dialect": "grbl",
        "zmfab": f"{__version__} GRBL laser job",
        "machine": name,
        "requires": str(machine.get("gcode", {}).get("requires", "$32=1 (laser mode)")).format(
            s_max=_fmt(float(machine.get("s_max", 1000)), 0)),
        "date": date if date is not None else _dt.date.today().isoformat(),
        "bounds_mm": " ".join(_fmt(v, 3) for v in work),
        "estimate_s": f"{est['time_s']:.1f}",
        "burn_mm": f"{est['burn_mm']:.1f}",
        "travel_mm": f"{est['travel_mm']:.1f}",
        "offset_mm": f"{_fmt(off[0], 3)} {_fmt(off[1], 3)}",
        "laser": "M4 dynamic" if dynamic else "M3 constant",
    })
    bed = bed_size(machine)
    if bed:
        info["bed_mm"] = f"{bed[0]:g} {bed[1]:g}"
    header = header_lines(info, machine)
    job_meta = {**info, "estimate": est, "bounds": list(work), "estimate_s": est["time_s"]}
    return Job(header + body, "grbl", job_meta)


def header_lines(info: Mapping[str, Any], machine: Mapping[str, Any]) -> list[str]:
    """``; key: value`` lines for the profile's header keys (plus ``dialect``), each cut to the
    line limit."""
    g = machine.get("gcode", {})
    limit = int(g.get("line_max", 80))
    mark = g.get("comment", ";")
    keys = ["dialect", *[k for k in g.get("header", ["design", "layer", "date", "bounds_mm",
                                                      "estimate_s"]) if k != "dialect"]]
    out = []
    for key in keys:
        value = info.get(key)
        if value is None or value == "":
            continue
        line = f"{mark} {key}: {value}"
        out.append(line if len(line) <= limit else line[: limit - 3] + "...")
    return out
