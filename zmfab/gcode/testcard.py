"""Calibration cards: a laser grid of power x speed, a DIW grid of flow x speed, each cell
labelled, and the user profile that keeps the cell the user picked.

Cells are numbered column, row from the top left (columns: speeds, rows: powers or flows), the
way ``--pick C,R`` names them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import box

from ..errors import ParameterError
from ..export.outline_text import ADVANCE, ALIASES, CAP_HEIGHT, GLYPHS, outline_text, text_width
from ..profiles import Profiles
from ..toolpath.path import Polyline, Toolpath
from ..units import parse_fraction, parse_speed
from .job import Job

GAP_MM = 1.5


@dataclass(frozen=True)
class Cell:
    """One card cell: 1-based column and row, and its settings (power 0..1 or flow factor, mm/min)."""

    column: int
    row: int
    value: float
    speed: float


def parse_steps(text: str, *, kind: str, field: str) -> list[float]:
    """``A:B:N`` (N evenly spaced values from A to B) or a single value; ``kind`` is ``power``
    (fractions), ``speed`` (mm/min) or ``flow`` (plain factors)."""
    parts = str(text).split(":")
    if len(parts) not in (1, 3):
        raise ParameterError(field, f"{text!r} must be FROM:TO:STEPS (e.g. 10%:90%:9) or one value")

    def one(v: str) -> float:
        if kind == "power":
            return parse_fraction(v, field=field)
        if kind == "speed":
            return parse_speed(v, field=field)
        try:
            x = float(v)
        except ValueError:
            raise ParameterError(field, f"{v!r} is not a number") from None
        if not 0 < x <= 5:
            raise ParameterError(field, f"{x:g} is out of range (a flow factor 0..5)")
        return x

    if len(parts) == 1:
        return [one(parts[0])]
    try:
        n = int(parts[2])
    except ValueError:
        raise ParameterError(field, f"{parts[2]!r} is not a whole number of steps") from None
    if not 1 <= n <= 20:
        raise ParameterError(field, f"{n} steps is out of range (1..20)")
    lo, hi = one(parts[0]), one(parts[1])
    return [lo] if n == 1 else [float(v) for v in np.linspace(lo, hi, n)]


def cells(values: list[float], speeds: list[float]) -> list[Cell]:
    """The grid: columns are speeds, rows are ``values``, both 1-based."""
    return [Cell(c + 1, r + 1, v, s) for r, v in enumerate(values) for c, s in enumerate(speeds)]


def pick(grid: list[Cell], text: str) -> Cell:
    """The cell ``C,R`` of ``grid``."""
    try:
        c, r = (int(v) for v in str(text).split(","))
    except ValueError:
        raise ParameterError("--pick", f"{text!r} must be COLUMN,ROW (e.g. 3,2)") from None
    cols = max(cell.column for cell in grid)
    rows = max(cell.row for cell in grid)
    if not (1 <= c <= cols and 1 <= r <= rows):
        raise ParameterError("--pick", f"{c},{r} is out of range (columns 1..{cols}, rows 1..{rows})")
    return next(cell for cell in grid if cell.column == c and cell.row == r)


def _fits(width: float, height: float, origin: tuple[float, float], bed: tuple[float, float] | None,
          machine: str) -> None:
    if bed is None:
        return
    if origin[0] + width > bed[0] + 1e-9 or origin[1] + height > bed[1] + 1e-9:
        raise ParameterError("testcard", f"the card is {width:.1f} x {height:.1f} mm at "
                             f"{origin[0]:g},{origin[1]:g} and does not fit the {bed[0]:g} x "
                             f"{bed[1]:g} mm bed of {machine}: use fewer steps")


# ----- laser ---------------------------------------------------------------------------------
def laser_card(*, powers: list[float], speeds: list[float], op: str = "fill",
               process: str = "laser-diode", machine: str | None = None,
               profiles: Profiles | None = None, date: str | None = None) -> tuple[Job, list[Cell]]:
    """A GRBL job: one square (``op="fill"``) or line (``"line"``) per power x speed, labelled
    in outlined text (power, speed) burnt at the process's fill settings; laser off at the end."""
    from ..toolpath import laser as L
    from .estimate import bed_size
    from .laser_job import laser_job, machine_profile, resolve_settings

    if op not in ("fill", "line"):
        raise ParameterError("--op", f"{op!r} is not fill or line")
    profs = profiles or Profiles()
    mach = machine or profs.get("processes", process).get("machine", "grbl-diode")
    mprof = machine_profile(profs, mach)
    base_op = "fill" if op == "fill" else "isolate"
    for p in (min(powers), max(powers)):
        for v in (min(speeds), max(speeds)):
            resolve_settings(profs, process, base_op, overrides={"power": p, "speed": v},
                             machine=mprof)
    label_s = resolve_settings(profs, process, "fill", machine=mprof)
    spot = float(label_s.get("spot", 0.1))
    side = max(3.0, 25 * spot)
    h = max(1.0, 12 * spot)
    texts = [(f"{p * 100:g}%", f"{v:g}") for p in powers for v in speeds]
    label_w = max(text_width(t, h) for pair in texts for t in pair)
    pitch_x = max(side, label_w) + GAP_MM
    pitch_y = side + 2 * 1.6 * h + GAP_MM
    grid = cells(powers, speeds)
    width, height = len(speeds) * pitch_x - GAP_MM, len(powers) * pitch_y - GAP_MM
    origin = tuple(float(v) for v in mprof.get("origin_mm", (0.0, 0.0)))
    _fits(width, height, origin, bed_size(mprof), mach)  # before planning a single line
    paths: list[Polyline] = []
    label = {"power": label_s["power"], "speed": label_s["speed"], "kind": "label"}
    for cell in grid:
        x0 = (cell.column - 1) * pitch_x
        top = height - (cell.row - 1) * pitch_y
        sq = box(x0, top - side, x0 + side, top)
        burn = {"power": cell.value, "speed": cell.speed, "kind": "cell"}
        if op == "fill":
            interval = spot * (1 - float(label_s.get("overlap", 0.1)))
            paths += L.fill(sq, spot=spot, interval=interval, settings=burn,
                            overscan=float(label_s.get("overscan", 0.0)), optimise=False).paths
        else:
            y = top - side / 2
            paths.append(Polyline(np.array([[x0, y], [x0 + side, y]]), burn))
        for k, text in enumerate((f"{cell.value * 100:g}%", f"{cell.speed:g}")):
            base = top - side - (k + 1) * 1.6 * h + 0.3 * h
            glyphs = outline_text(text, height=h, x=x0, y=base)
            for poly in glyphs.geoms:
                for ring in (poly.exterior, *poly.interiors):
                    paths.append(Polyline(np.asarray(ring.coords), label, closed=True))
    tp = Toolpath(paths, {"op": f"testcard {op}"})
    meta = {"design": f"laser test card ({op}): power {_span(powers, '%')} x speed "
                      f"{_span(speeds, ' mm/min')}",
            "layer": f"{len(speeds)} columns (speed) x {len(powers)} rows (power), cell C,R from "
                     "top left", "op": f"testcard {op}", "process": process,
            "power": f"per cell; labels {label_s['power'] * 100:g}%",
            "speed": f"per cell; labels {label_s['speed']:g} mm/min"}
    job = laser_job(tp, profiles=profs, machine=mach, meta=meta, settings=label_s, offset=origin,
                    date=date)
    job.meta["cells"] = [dataclasses.asdict(c) for c in grid]
    return job, grid


def _span(values: list[float], unit: str) -> str:
    scale = 100.0 if unit == "%" else 1.0
    lo, hi = values[0] * scale, values[-1] * scale
    return f"{lo:g}{unit}" if len(values) == 1 else f"{lo:g}..{hi:g}{unit} ({len(values)})"


# ----- DIW -----------------------------------------------------------------------------------
def stroke_text(text: str, *, height: float, x: float, y: float) -> list[np.ndarray]:
    """``text`` as single strokes (centre lines, mm) of the built-in font: what a bead can draw."""
    unit = height / CAP_HEIGHT
    out = []
    for i, char in enumerate(text):
        if char == " ":
            continue
        for line in GLYPHS.get(ALIASES.get(char, char.upper()), GLYPHS["?"]):
            pts = np.array([((px + i * ADVANCE) * unit + x, py * unit + y) for px, py in line])
            if len(pts) > 1:
                out.append(pts)
    return out


def diw_card(*, flows: list[float], speeds: list[float], machine: str = "marlin-syringe",
             profiles: Profiles | None = None, material: str | None = None
             ) -> tuple[Job, list[Cell]]:
    """A Marlin job: one bead line per flow factor (rows) and print speed (columns), rows and
    columns labelled in single-stroke beads at flow 1 and the first speed."""
    from .diw_job import ink_from, machine_from, merged_settings
    from .marlin_diw import JobOptions, render_diw

    profs = profiles or Profiles()
    name, raw = merged_settings(profs, machine, {"material": material} if material else {})
    mach = machine_from(name, raw)
    if mach.flow_driver == "pneumatic" and len(speeds) > 1:
        raise ParameterError("--speed", f"{name} is a pneumatic dispenser: its speed follows from "
                             "the flow (flow_ul_per_s), so give one --speed and vary --flow")
    for v in speeds:
        if v > mach.max_feed + 1e-9:
            raise ParameterError("--speed", f"{v:g} mm/min is out of range (allowed up to "
                                            f"{mach.max_feed:g} mm/min on {name})")
    base = ink_from("card", box(0, 0, 1, 1), raw, mach)
    width = float(base.toolpath.meta["bead_width_mm"])
    bead_h = float(base.toolpath.meta["layer_height_mm"])
    z = base.toolpath.meta.get("z0", 0.0) + bead_h
    length = max(10.0, 20 * width)
    h = max(2.0, 5 * width)  # label cap height: strokes a bead wide stay apart
    row_pitch = max(6 * width, 1.5 * h)
    label_w = max(text_width(f"{f:g}X", h) for f in flows)
    col_pitch = max(length, text_width(f"{max(speeds):g}", h)) + 3.0
    left = label_w + 3.0
    top = len(flows) * row_pitch
    height = top + h + 2.0
    total_w = left + len(speeds) * col_pitch - 3.0
    _fits(total_w, height, mach.origin, mach.bed[:2], name)
    grid = cells(flows, speeds)

    def bead(pts: np.ndarray, flow: float) -> Polyline:
        return Polyline(pts, {"layer": 0, "z": z, "flow": flow,
                              "segment_flow": tuple([flow] * (len(pts) - 1)),
                              "width": width, "height": bead_h, "tool": base.tool})

    rows_y = [top - (r + 0.5) * row_pitch for r in range(len(flows))]
    labels = [bead(s, 1.0) for f, y in zip(flows, rows_y, strict=True)
              for s in stroke_text(f"{f:g}X", height=h, x=0.0, y=y - h / 2)]
    labels += [bead(s, 1.0) for c, v in enumerate(speeds)
               for s in stroke_text(f"{v:g}", height=h, x=left + c * col_pitch, y=top + 1.0)]
    meta = dict(base.toolpath.meta)
    ink = base.material or "test ink"
    inks = [dataclasses.replace(base, name="labels", toolpath=Toolpath(labels, meta),
                                print_speed=speeds[0], material=ink)]
    for c, v in enumerate(speeds):
        x0 = left + c * col_pitch
        lines = [bead(np.array([[x0, y], [x0 + length, y]]), f)
                 for f, y in zip(flows, rows_y, strict=True)]
        inks.append(dataclasses.replace(base, name=f"speed {v:g} mm/min",
                                        toolpath=Toolpath(lines, meta), print_speed=v,
                                        material=ink))
    opts = JobOptions(purge=True, pause_between_inks=False, extent=(0.0, 0.0, total_w, height),
                      meta={"design": f"DIW test card: flow {_span(flows, 'x')} x speed "
                                      f"{_span(speeds, ' mm/min')}",
                            "cells": f"{len(speeds)} columns (speed) x {len(flows)} rows (flow), "
                                     "C,R from top left"})
    job = render_diw(inks, mach, options=opts)
    job.meta["cells"] = [dataclasses.asdict(c) for c in grid]
    return job, grid


# ----- the picked cell as a user profile -----------------------------------------------------
def picked_profile(cell: Cell, *, kind: str, base: str, name: str, op: str = "fill",
                   profiles: Profiles | None = None) -> dict[str, Any]:
    """``{"processes": {name: ...}}``: process ``base`` with the picked cell's settings."""
    profs = profiles or Profiles()
    proc = profs.get("processes", base)
    if kind == "laser":
        table = "fill" if op == "fill" else "isolate"
        proc.setdefault(table, {})
        proc[table]["power"] = f"{cell.value * 100:.4g}%"
        proc[table]["speed"] = f"{cell.speed:.6g}mm/min"
    else:
        proc["extrusion_multiplier"] = round(float(proc.get("extrusion_multiplier", 1.0)) * cell.value, 6)
        proc["print_speed"] = f"{cell.speed:.6g}mm/min"
    proc["description"] = (f"{proc.get('description', base)} (test card cell {cell.column},{cell.row})")
    return {"processes": {name: proc}}
