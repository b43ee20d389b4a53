"""Marlin G-code for ink writing: beads to moves, with flow from a syringe pump or a valve.

Two flow drivers (the machine profile's ``flow_driver``):

* ``volumetric``: a syringe pump on the E axis, relative E (M83) in mm of plunger travel. A move
  of length ``L`` with flow factor ``f`` pushes ``E = A·f·L·m / (π D² / 4)`` for bead section
  ``A``, extrusion multiplier ``m`` and barrel diameter ``D``; beads start with an un-retract and
  end with a suck-back, both E-only moves.
* ``pneumatic``: a dispenser whose valve opens and closes by profile codes (``M42 P<pin> S255`` /
  ``S0`` or ``M106``/``M107``, each after ``M400``). The regulator sets the flow ``Q`` (µL/s);
  the feed of each move is ``F = 60·Q / (A·f·m)`` so the bead has the planned section.

Travels lift by ``z_hop`` and never carry E or an open valve. Every code comes from the profile's
``gcode`` table (dialect facts as data); this module only arranges them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..toolpath.beads import bead_section
from ..toolpath.path import Toolpath
from .job import Job


@dataclass(frozen=True)
class Machine:
    """A DIW machine, resolved: lengths mm, feeds mm/min, times s."""

    name: str
    flow_driver: str
    bed: tuple[float, float, float]
    origin: tuple[float, float]
    tools: int
    tool_offsets: tuple[tuple[float, float], ...]
    tool_offset_mode: str
    codes: dict[str, Any]
    syringe_diameter: float = 0.0
    pressure_kpa: float | None = None
    cold_extrusion: bool = True
    home: bool = True
    max_feed: float = 6000.0
    valve_on: tuple[str, ...] = ()
    valve_off: tuple[str, ...] = ()

    @property
    def plunger_area(self) -> float:
        """Barrel cross-section, mm² (E of 1 mm pushes this many µL)."""
        return math.pi * (self.syringe_diameter / 2) ** 2


@dataclass(frozen=True)
class Ink:
    """One printed stack layer: its beads and how to lay them (lengths mm, feeds mm/min, s)."""

    name: str
    tool: int
    toolpath: Toolpath
    material: str | None = None
    print_speed: float = 480.0
    travel_speed: float = 2400.0
    z_speed: float = 300.0
    z_hop: float = 1.0
    retract: float = 0.05
    retract_speed: float = 120.0
    preflow: float = 0.15
    postflow: float = 0.1
    extrusion_multiplier: float = 1.0
    flow_ul_per_s: float | None = None


@dataclass(frozen=True)
class JobOptions:
    """Job-wide choices: purge line, pauses, fiducials (design frame, mm) and header extras."""

    purge: bool = True
    purge_length: float = 15.0
    purge_offset: float = 3.0
    pause_between_inks: bool = True
    pause_first: bool = False
    fiducials: tuple[tuple[float, float], ...] = ()
    fiducial_check: bool = False
    extent: tuple[float, float, float, float] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


class _Writer:
    """Lines plus the running state that the estimate needs (position, time, ink)."""

    def __init__(self, machine: Machine) -> None:
        self.m = machine
        self.codes = machine.codes
        self.lines: list[str] = []
        self.x = self.y = None
        self.z: float | None = None
        self.feed: float | None = None
        self.time = 0.0
        self.print_mm = 0.0
        self.travel_mm = 0.0
        self.ink: dict[int, float] = {}
        self.purge_ink: dict[int, float] = {}
        self.points: list[tuple[float, float]] = []
        self.zmax = 0.0
        self.e_exact = self.e_sent = 0.0
        xy, zd, ed = (int(self.codes.get(k, d)) for k, d in
                      (("xy_decimals", 3), ("z_decimals", 3), ("e_decimals", 5)))
        self.fxy, self.fz, self.fe = f"{{:.{xy}f}}", f"{{:.{zd}f}}", f"{{:.{ed}f}}"

    def num(self, fmt: str, v: float) -> str:
        text = fmt.format(v)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    def e_word(self, e: float) -> str:
        """E rounded so that the running total stays exact (the rounding error is carried)."""
        self.e_exact += e
        step = self.num(self.fe, self.e_exact - self.e_sent)
        self.e_sent += float(step)
        return step

    def code(self, key: str, **values: Any) -> None:
        item = self.codes[key]
        for line in [item] if isinstance(item, str) else item:
            self.lines.append(line.format(**values))

    def comment(self, text: str) -> None:
        self.lines.append(f"; {text}")

    def dwell(self, seconds: float) -> None:
        if seconds > 0:
            self.code("dwell", ms=round(seconds * 1000))
            self.time += seconds

    def lift_to(self, z: float, speed: float) -> None:
        if self.z is not None and abs(z - self.z) < 1e-9:
            return
        dz = abs(z - (self.z if self.z is not None else z))
        self.lines.append(f"G0 Z{self.num(self.fz, z)} F{self.num('{:.1f}', speed)}")
        self.time += dz / speed * 60
        self.z, self.feed = z, speed
        self.zmax = max(self.zmax, z)

    def travel(self, x: float, y: float, speed: float) -> None:
        if self.x is not None and math.hypot(x - self.x, y - self.y) < 1e-9:
            return
        if self.x is not None:
            d = math.hypot(x - self.x, y - self.y)
            self.travel_mm += d
            self.time += d / speed * 60
        self.lines.append(f"G0 X{self.num(self.fxy, x)} Y{self.num(self.fxy, y)} "
                          f"F{self.num('{:.1f}', speed)}")
        self.x, self.y, self.feed = x, y, speed
        self.points.append((x, y))

    def move_e(self, e: float, speed: float) -> None:
        self.lines.append(f"G1 E{self.e_word(e)} F{self.num('{:.1f}', speed)}")
        self.time += abs(e) / speed * 60
        self.feed = speed

    def draw(self, x: float, y: float, speed: float, e: float | None) -> None:
        d = math.hypot(x - self.x, y - self.y)
        parts = [f"G1 X{self.num(self.fxy, x)} Y{self.num(self.fxy, y)}"]
        if e is not None:
            parts.append(f"E{self.e_word(e)}")
        if self.feed is None or abs(speed - self.feed) > 1e-6:
            parts.append(f"F{self.num('{:.1f}', speed)}")
            self.feed = speed
        self.lines.append(" ".join(parts))
        self.time += d / speed * 60
        self.print_mm += d
        self.x, self.y = x, y
        self.points.append((x, y))


def _bead(w: _Writer, pts: np.ndarray, flows: np.ndarray, *, section: float, ink: Ink,
          z: float, purge: bool = False) -> None:
    """One continuous bead: approach, flow on, moves, flow off, lift."""
    m = w.m
    mult = ink.extrusion_multiplier
    w.lift_to(z + ink.z_hop, ink.z_speed)
    w.travel(pts[0][0], pts[0][1], ink.travel_speed)
    w.lift_to(z, ink.z_speed)
    volumetric = m.flow_driver == "volumetric"
    if volumetric:
        if ink.retract > 0:
            w.move_e(ink.retract, ink.retract_speed)
    else:
        for line in m.valve_on:
            w.lines.append(line)
    w.dwell(ink.preflow)
    laid = 0.0 if volumetric else ink.flow_ul_per_s * ink.preflow
    for (x0, y0), (x1, y1), f in zip(pts[:-1], pts[1:], flows, strict=True):
        length = math.hypot(x1 - x0, y1 - y0)
        if length < 1e-9:
            continue
        volume = section * f * mult * length
        laid += volume
        if volumetric:
            w.draw(x1, y1, ink.print_speed, volume / m.plunger_area)
        else:
            speed = 60.0 * ink.flow_ul_per_s / (section * f * mult)
            if speed > m.max_feed:
                raise ParameterError("flow_ul_per_s", f"{ink.flow_ul_per_s:g} µL/s needs "
                                     f"{speed / 60:.4g} mm/s for a {section:.4g} mm² bead "
                                     f"(machine max {m.max_feed / 60:g} mm/s): lower the flow")
            w.draw(x1, y1, speed, None)
    if not volumetric:
        for line in m.valve_off:
            w.lines.append(line)
    w.dwell(ink.postflow)
    if volumetric and ink.retract > 0:
        w.move_e(-ink.retract, ink.retract_speed)
    book = w.purge_ink if purge else w.ink
    book[ink.tool] = book.get(ink.tool, 0.0) + laid
    w.lift_to(z + ink.z_hop, ink.z_speed)


def machine_shift(m: Machine, tool: int) -> np.ndarray:
    """Design frame -> commanded coordinates for ``tool`` (origin, and offsets in coordinates mode)."""
    shift = np.asarray(m.origin, dtype=float)
    if m.tool_offset_mode == "coordinates":
        shift = shift - np.asarray(m.tool_offsets[tool], dtype=float)
    return shift


def _purge(w: _Writer, ink: Ink, opts: JobOptions, index: int, z0: float) -> None:
    """A straight prime line below (or above) the printed extent, outside the footprint."""
    xmin, ymin, xmax, ymax = opts.extent or ink.toolpath.bounds()
    first = ink.toolpath.paths[0].settings if ink.toolpath.paths else {}
    width = float(first.get("width", 0.4))
    height = float(first.get("height", 0.1))
    shift = machine_shift(w.m, ink.tool)
    step = opts.purge_offset + index * 2 * width
    y = ymin - step
    if y + shift[1] < width:
        y = ymax + step
    length = min(opts.purge_length, max(xmax - xmin, 5.0))
    pts = np.array([[xmin, y], [xmin + length, y]]) + shift
    w.comment(f"purge line, tool {ink.tool}")
    _bead(w, pts, np.ones(1), section=bead_section(width, height), ink=ink, z=z0 + height,
          purge=True)


def render_diw(inks: list[Ink], machine: Machine, *, options: JobOptions | None = None,
               profile: dict[str, Any] | None = None) -> Job:
    """A Marlin job laying ``inks`` in order; header holds the estimate and flow facts.

    The header's time, print and travel lengths are ``zmfab estimate``'s (the trapezoidal model
    with the machine ``profile``'s limits, over the job's own lines): one computation, one figure.
    """
    opts = options or JobOptions()
    m = machine
    w = _Writer(m)
    w.code("preamble")
    if m.cold_extrusion and m.flow_driver == "volumetric":
        w.code("cold_extrusion")
    used = sorted({ink.tool for ink in inks})
    if m.tool_offset_mode == "firmware":
        for t in used:
            if t > 0:
                dx, dy = m.tool_offsets[t]
                w.code("tool_offset", tool=t, x=w.num(w.fxy, dx), y=w.num(w.fxy, dy))
    if m.home:
        w.code("home")
    zsafe = min(m.bed[2], max((ink.z_hop for ink in inks), default=1.0) + 5.0)
    w.lift_to(zsafe, inks[0].z_speed if inks else 300.0)
    if opts.fiducial_check and opts.fiducials:
        for i, (fx, fy) in enumerate(opts.fiducials):
            x, y = np.asarray((fx, fy)) + np.asarray(m.origin)
            w.travel(float(x), float(y), inks[0].travel_speed)
            w.code("pause", message=f"Check fiducial {i + 1} at X{w.num(w.fxy, x)} Y{w.num(w.fxy, y)}")
    tool = None
    purged: set[int] = set()
    for index, ink in enumerate(inks):
        w.comment(f"ink {index + 1}: {ink.name} ({ink.material or 'ink'}), tool {ink.tool}")
        w.code("message", message=f"{ink.name}"[:40])
        if ink.tool != tool:
            if tool is not None or m.tools > 1:
                w.lift_to(zsafe, ink.z_speed)
                w.code("tool", tool=ink.tool)
            tool = ink.tool
        needs_pause = (index > 0 and m.tools == 1) or (index == 0 and opts.pause_first)
        if needs_pause and opts.pause_between_inks:
            w.code("wait")
            w.code("pause", message=f"Load {ink.material or ink.name} syringe")
        z0 = ink.toolpath.meta.get("z0", 0.0)
        if opts.purge and (ink.tool not in purged or m.tools == 1):
            _purge(w, ink, opts, len(purged), z0)
            purged.add(ink.tool)
        shift = machine_shift(m, ink.tool)
        layer = None
        for path in ink.toolpath:
            s = path.settings
            if s.get("layer") != layer:
                layer = s.get("layer")
                w.comment(f"layer {layer} z {s['z']:.4g}")
            _bead(w, path.points + shift, np.asarray(s["segment_flow"]),
                  section=bead_section(s["width"], s["height"]), ink=ink, z=float(s["z"]))
    w.lift_to(zsafe, inks[0].z_speed if inks else 300.0)
    w.code("footer")
    _check_bed(w, m)
    _estimate_into(w, profile)
    meta = _meta(w, inks, m, opts)
    job = Job(_header(w, inks, m, opts) + w.lines, "marlin", meta)
    job.meta["warnings"] = list(opts.warnings)
    job.meta["estimate"] = {"time_s": meta["estimate_s"], "print_mm": meta["print_mm"],
                            "travel_mm": meta["travel_mm"]}
    return job


def _estimate_into(w: _Writer, profile: dict[str, Any] | None) -> None:
    """Replace the writer's running time and lengths by the estimate of its lines."""
    from .estimate import estimate
    from .parse import parse_gcode

    est = estimate(parse_gcode("\n".join(w.lines), dialect="marlin"), profile)
    w.time, w.print_mm, w.travel_mm = est["time_s"], est["print_mm"], est["travel_mm"]


def _check_bed(w: _Writer, m: Machine) -> None:
    if not w.points:
        return
    pts = np.asarray(w.points)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    if lo.min() < 0 or hi[0] > m.bed[0] or hi[1] > m.bed[1] or w.zmax > m.bed[2]:
        raise ParameterError("origin", f"the job spans X {lo[0]:.4g}..{hi[0]:.4g} Y {lo[1]:.4g}.."
                             f"{hi[1]:.4g} Z ..{w.zmax:.4g} mm, outside the {m.name} bed "
                             f"(0..{m.bed[0]:g}, 0..{m.bed[1]:g}, 0..{m.bed[2]:g} mm)")


def _meta(w: _Writer, inks: list[Ink], m: Machine, opts: JobOptions) -> dict[str, Any]:
    pts = np.asarray(w.points) if w.points else np.zeros((1, 2))
    first = inks[0].toolpath.meta if inks else {}
    meta: dict[str, Any] = {
        "dialect": "marlin", "process": "diw", "flow_driver": m.flow_driver, "machine": m.name,
    }
    if m.flow_driver == "volumetric":
        meta["syringe_diameter_mm"] = m.syringe_diameter
    else:
        meta["flow_ul_per_s"] = inks[0].flow_ul_per_s if inks else None
        if m.pressure_kpa is not None:
            meta["pressure_kpa"] = m.pressure_kpa
    meta.update({
        "extrusion_multiplier": inks[0].extrusion_multiplier if inks else 1.0,
        "bead_width_mm": first.get("bead_width_mm"), "layer_height_mm": first.get("layer_height_mm"),
        "layers": first.get("layers"), "tools": ",".join(str(t) for t in sorted({i.tool for i in inks})),
        "tool_offset_mode": m.tool_offset_mode if m.tools > 1 else None,
        "bed_mm": ",".join(f"{v:g}" for v in m.bed), "origin_mm": ",".join(f"{v:g}" for v in m.origin),
        "bounds_mm": ",".join(f"{v:.3f}" for v in (*pts.min(axis=0), *pts.max(axis=0))),
        "estimate_s": round(w.time, 1), "print_mm": round(w.print_mm, 1),
        "travel_mm": round(w.travel_mm, 1),
    })
    for t in sorted(w.ink):
        meta[f"ink_ul_T{t}"] = round(w.ink[t] + w.purge_ink.get(t, 0.0), 4)
        meta[f"purge_ul_T{t}"] = round(w.purge_ink.get(t, 0.0), 4)
    for ink in inks:
        tm = ink.toolpath.meta
        names = [i.material or i.name for i in inks if i.tool == ink.tool]
        meta[f"material_T{ink.tool}"] = ", ".join(dict.fromkeys(names))
        meta[f"bead_width_mm_T{ink.tool}"] = tm.get("bead_width_mm")
        meta[f"layer_height_mm_T{ink.tool}"] = tm.get("layer_height_mm")
        meta[f"layers_T{ink.tool}"] = tm.get("layers")
        if m.flow_driver == "pneumatic":
            meta[f"flow_ul_per_s_T{ink.tool}"] = ink.flow_ul_per_s
        if m.tools > 1:
            meta[f"tool_offset_T{ink.tool}"] = ",".join(f"{v:g}" for v in m.tool_offsets[ink.tool])
    if opts.fiducials:
        meta["fiducials_mm"] = " ".join(f"{x + m.origin[0]:.3f},{y + m.origin[1]:.3f}"
                                        for x, y in opts.fiducials)
    meta["layer_names"] = ", ".join(ink.name for ink in inks)
    meta.update(opts.meta)
    return meta


def _header(w: _Writer, inks: list[Ink], m: Machine, opts: JobOptions) -> list[str]:
    meta = _meta(w, inks, m, opts)
    lines = ["; zmfab ink-writing job (direct ink writing, Marlin)"]
    lines += [f"; {k}: {v}" for k, v in meta.items() if v is not None and k != "warnings"]
    lines += [f"; warning: {text}" for text in opts.warnings]
    return lines
