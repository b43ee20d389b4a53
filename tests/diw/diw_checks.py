"""Checks every DIW job must pass, on G-code read back by ``zmfab.gcode.parse``."""

from __future__ import annotations

import math

import numpy as np
import shapely

from zmfab.gcode.parse import Program, parse_gcode

#: Every command a DIW job may use (all standard Marlin).
MARLIN_WHITELIST = frozenset(
    "G0 G1 G4 G21 G28 G90 G91 G92 M0 M1 M82 M83 M84 M106 M107 M117 M218 M302 M400 M42 "
    "T0 T1 T2 T3".split())


def read(text: str) -> Program:
    return parse_gcode(text)


def plunger_area(prog: Program) -> float:
    return math.pi * (float(prog.meta["syringe_diameter_mm"]) / 2) ** 2


def check_travels(prog: Program) -> None:
    """No E and no open valve on any travel; every XY move with ink is a G1 print move."""
    for m in prog.moves:
        xy = math.hypot(m.x1 - m.x0, m.y1 - m.y0)
        if m.rapid:
            assert m.extrude == 0, f"line {m.line}: extrusion on a travel"
            if m.length > 0:
                assert not m.valve, f"line {m.line}: valve open on a travel"
        if m.extrude != 0 and xy == 0:
            assert m.z1 == m.z0, f"line {m.line}: E with a Z move"
        if xy > 0 and not m.rapid:
            assert m.extrude > 0 or m.valve, f"line {m.line}: a G1 move laying no ink"
        if m.extrude < 0:
            assert xy == 0, f"line {m.line}: retract while moving"


def check_whitelist(text: str) -> set[str]:
    prog = read(text)
    bad = prog.commands - MARLIN_WHITELIST
    assert not bad, f"non-standard commands {bad}"
    for line in text.splitlines():
        assert line == line.strip() and (line.startswith(";") or line[:1] in "GMT"), line
    return prog.commands


def purge_lines(text: str) -> set[int]:
    """Line numbers (1-based) of the purge beads: from a ``; purge`` comment to the next comment."""
    out: set[int] = set()
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(";"):
            inside = line.startswith("; purge")
        elif inside:
            out.add(number)
    return out


def print_lines(prog: Program, *, tool: int | None = None, skip: set[int] = frozenset()):
    """Print moves (ink on, XY length > 0) of ``tool``, leaving out lines in ``skip``."""
    return [m for m in prog.moves if m.printing and (tool is None or m.tool == tool)
            and math.hypot(m.x1 - m.x0, m.y1 - m.y0) > 0 and m.line not in skip]


def ink_volumetric(prog: Program, tool: int, *, skip: set[int] = frozenset()) -> float:
    """Net ink (µL) pushed by E on ``tool`` (primes and suck-backs cancel), lines in ``skip`` left out."""
    return sum(m.extrude for m in prog.moves if m.tool == tool and m.line not in skip) \
        * plunger_area(prog)


def ink_pneumatic(prog: Program, tool: int, flow: float, *, skip: set[int] = frozenset()) -> float:
    """Ink (µL) from the time the valve is open: moves at their feed, plus dwells."""
    total = 0.0
    for m in prog.moves:
        if m.tool != tool or not m.valve or m.line in skip:
            continue
        total += m.dwell + (m.length / m.feed * 60 if m.length > 0 and m.feed > 0 else 0.0)
    return total * flow


def beads(prog: Program, *, tool: int, z: float, height: float, origin: tuple[float, float],
          skip: set[int] = frozenset()) -> shapely.Geometry:
    """The beads laid at nozzle height ``z`` drawn at the width their ink gives them (design mm)."""
    parts = []
    area = plunger_area(prog) if "syringe_diameter_mm" in prog.meta else None
    for m in print_lines(prog, tool=tool, skip=skip):
        if abs(m.z1 - z) > 1e-6:
            continue
        length = math.hypot(m.x1 - m.x0, m.y1 - m.y0)
        if area is not None:
            section = m.extrude * area / length
        else:
            section = float(prog.meta["flow_ul_per_s"]) / (m.feed / 60)
        w = (section - math.pi * height ** 2 / 4) / height + height
        line = shapely.LineString([(m.x0 - origin[0], m.y0 - origin[1]),
                                   (m.x1 - origin[0], m.y1 - origin[1])])
        parts.append(line.buffer(w / 2, quad_segs=4))
    return shapely.union_all(parts)


def raster_cover(region, laid, *, half_bead: float, step: float = 0.02) -> tuple[float, float]:
    """(fraction of ``region`` covered, fraction of ``laid`` outside ``region`` grown by half a bead),
    both by sampling a numpy grid of ``step`` mm."""
    grown = region.buffer(half_bead, join_style="mitre")
    xmin, ymin, xmax, ymax = shapely.union(grown, laid).bounds
    xs = np.arange(xmin + step / 2, xmax, step)
    ys = np.arange(ymin + step / 2, ymax, step)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    in_region = shapely.contains_xy(region, gx, gy)
    in_laid = shapely.contains_xy(laid, gx, gy)
    in_grown = shapely.contains_xy(grown, gx, gy)
    covered = (in_region & in_laid).sum() / max(in_region.sum(), 1)
    outside = (in_laid & ~in_grown).sum() / max(in_laid.sum(), 1)
    return float(covered), float(outside)


def toolpath_beads(tp, layer: int) -> shapely.Geometry:
    """Beads of one layer of a bead toolpath at the width their flow gives them (mm)."""
    from zmfab.toolpath.beads import bead_pitch

    parts = []
    for p in tp:
        s = p.settings
        if s["layer"] != layer:
            continue
        pitch = bead_pitch(s["width"], s["height"])
        for a, b, f in zip(p.points[:-1], p.points[1:], s["segment_flow"], strict=True):
            w = s["width"] + (f - 1) * pitch
            parts.append(shapely.LineString([a, b]).buffer(w / 2, quad_segs=4))
    return shapely.union_all(parts)
