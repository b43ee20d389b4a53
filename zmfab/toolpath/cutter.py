"""Cutter jobs: a stencil's openings (bridged), in weeding order, as compensated knife paths.

Settings merge in this order, later winning: the process profile (``cutter-stencil``: its keys
and its ``[cut]`` table), the machine profile (``silhouette-cameo``, ``graphtec-ce6000``...),
then ``settings`` (a stack layer's keys or ``--set KEY=VALUE``). Lengths may carry units; the
speed is HPGL's ``VS`` in cm/s and the force the machine's ``FS`` step, each checked against the
machine's range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from ..profiles import Profiles, deep_merge
from ..regions import as_multipolygon, union_all
from ..units import parse_bool, parse_length, parse_speed
from .dragknife import Contour, contours, knife_path, weeding_order

DEFAULT_PROCESS = "cutter-stencil"
DEFAULT_MACHINE = "silhouette-cameo"


@dataclass(frozen=True)
class CutSettings:
    """How the knife cuts: machine, speed (cm/s), force step, blade offset, overcut, swivel."""

    machine: str
    speed_cm_s: float
    force: int
    blade_offset: float
    overcut: float
    swivel: float
    pen: int = 1
    units_per_mm: float = 40.0
    origin: tuple[float, float] = (0.0, 0.0)
    bridges: bool = True
    bridge_width: float = 0.4
    bridges_per_island: int = 1
    outline: bool = True
    passes: int = 1
    header: tuple[str, ...] = ("IN", "SP{pen}", "VS{speed}", "FS{force}")
    footer: tuple[str, ...] = ("PU", "SP0")
    max_points: int = 32


def cutter_machines(profiles: Profiles) -> list[str]:
    """Names of the machine profiles that cut (``methods`` holds ``cutter``)."""
    return [n for n in profiles.names("machines")
            if "cutter" in profiles.get("machines", n).get("methods", [])]


def cut_settings(profiles: Profiles, *, machine: str | None = None,
                 settings: dict[str, Any] | None = None, process: str | None = None) -> CutSettings:
    """Merged :class:`CutSettings`; errors name the key and its allowed range."""
    settings = {k: v for k, v in (settings or {}).items() if v is not None}
    proc_name = str(settings.pop("process", None) or process or DEFAULT_PROCESS)
    proc = profiles.get("processes", proc_name)
    name = str(settings.pop("machine", None) or machine or proc.get("machine") or DEFAULT_MACHINE)
    mach = profiles.get("machines", name)
    if "cutter" not in mach.get("methods", []):
        raise ParameterError("machine", f"{name!r} is not a cutter (use one of "
                                        f"{', '.join(cutter_machines(profiles))})")
    raw = deep_merge({k: v for k, v in proc.items() if not isinstance(v, dict)}, proc.get("cut", {}))
    raw = deep_merge(raw, {k: v for k, v in mach.items() if k != "hpgl"})
    raw = deep_merge(raw, settings)
    lo_v, hi_v = (float(v) for v in mach.get("speed_range_cm_s", [0.1, 100.0]))
    speed = parse_speed(raw.get("speed", "5cm/s"), field="speed") / 600.0
    if not lo_v <= speed <= hi_v:
        raise ParameterError("speed", f"{speed:g} cm/s is out of range ({lo_v:g}..{hi_v:g} cm/s "
                                      f"on {name})")
    lo_f, hi_f = (int(v) for v in mach.get("force_range", [1, 100]))
    force_raw = raw.get("force", 10)
    if isinstance(force_raw, bool) or not str(force_raw).strip().isdigit() or \
            not lo_f <= int(force_raw) <= hi_f:
        raise ParameterError("force", f"{force_raw!r} is out of range (a whole step {lo_f}..{hi_f} "
                                      f"on {name})")
    swivel = float(raw.get("swivel_angle", 10.0))
    if not 0 <= swivel < 180:
        raise ParameterError("swivel_angle", f"{swivel:g} is out of range (0..180 degrees)")
    origin = raw.get("offset", raw.get("origin_mm", [0.0, 0.0]))
    if isinstance(origin, str):
        origin = origin.split(",")
    if len(origin) != 2:
        raise ParameterError("offset", f"{origin!r} must be two lengths x,y")
    hp = mach.get("hpgl", {})
    per = int(raw.get("bridges_per_island", 1))
    passes = raw.get("passes", 1)
    if isinstance(passes, bool) or not str(passes).strip().isdigit() or not 1 <= int(passes) <= 10:
        raise ParameterError("passes", f"{passes!r} is out of range (a whole number 1..10)")
    return CutSettings(
        machine=name, speed_cm_s=speed, force=int(force_raw),
        blade_offset=parse_length(raw.get("blade_offset", 0.0), field="blade_offset", minimum=0.0,
                                  maximum=2.0),
        overcut=parse_length(raw.get("overcut", 0.0), field="overcut", minimum=0.0, maximum=5.0),
        swivel=swivel, pen=int(raw.get("pen", 1)), units_per_mm=float(raw.get("units_per_mm", 40)),
        origin=(parse_length(origin[0], field="offset"), parse_length(origin[1], field="offset")),
        bridges=parse_bool(raw.get("bridges", True), field="bridges"),
        bridge_width=parse_length(raw.get("bridge_width", raw.get("bridge_width_mm", 0.4)),
                                  field="bridge_width", positive=True),
        bridges_per_island=max(1, per),
        outline=parse_bool(raw.get("outline", True), field="outline"), passes=int(passes),
        header=tuple(hp.get("header", CutSettings.header)),
        footer=tuple(hp.get("footer", CutSettings.footer)),
        max_points=int(hp.get("max_points_per_line", 32)),
    )


@dataclass
class CutPlan:
    """Contours in cut order (tip paths, sheet frame: its lower-left corner at ``settings.origin``),
    their knife paths, the bridges and islands of the stencil, warnings."""

    contours: list[Contour]
    paths: list[np.ndarray]
    settings: CutSettings
    openings: MultiPolygon
    sheet: Polygon
    bridges: list[Any] = field(default_factory=list)
    islands: int = 0
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def hpgl(self) -> list[str]:
        """The HPGL lines of this plan (:func:`hpgl_for`), made once: the file and the figures
        read the same lines."""
        return hpgl_for(self)

    def estimate(self) -> dict[str, Any]:
        """:func:`zmfab.gcode.estimate.estimate` of the HPGL this plan writes, read back: the
        same figures ``zmfab estimate`` prints for the file (knife down and up at the ``VS``
        speed, from (0, 0) where ``IN`` puts the pen, lengths as the file rounds them)."""
        from ..gcode.estimate import estimate
        from ..gcode.hpgl_program import program_from_hpgl

        return estimate(program_from_hpgl("\n".join(self.hpgl)))

    def figures(self) -> dict[str, Any]:
        """Plain data for report.json and the CLI (times and lengths: :meth:`estimate`)."""
        s = self.settings
        est = self.estimate()
        return {"machine": s.machine, "contours": len(self.contours),
                "cut_mm": est.get("cut_mm", 0.0), "travel_mm": est["travel_mm"],
                "estimate_s": round(est["time_s"], 1), "speed_cm_s": s.speed_cm_s,
                "force": s.force, "blade_offset_mm": s.blade_offset, "overcut_mm": s.overcut,
                "islands": self.islands, "bridges": len(self.bridges),
                "opening_area_mm2": round(self.openings.area, 6)}


def plan_cut(openings: BaseGeometry, settings: CutSettings, *, sheet: Polygon | None = None,
             marks: BaseGeometry | None = None,
             electrodes: dict[str, BaseGeometry] | None = None) -> CutPlan:
    """The cut of ``openings`` (mm, layout frame) from ``sheet`` (default: their bounds + 5 mm),
    with bridges holding every island, ``marks`` (registration fiducials) cut as openings too,
    and the sheet's outline cut last when ``settings.outline``."""
    from ..process.bridges import bridge_stencil

    geom = as_multipolygon(openings)
    if geom.is_empty:
        raise ParameterError("layer", "has no openings to cut")
    if sheet is None:
        x0, y0, x1, y1 = geom.bounds
        sheet = box(x0 - 5.0, y0 - 5.0, x1 + 5.0, y1 + 5.0)
    bridges: list[Any] = []
    islands = 0
    warnings: list[str] = []
    if settings.bridges:
        plan = bridge_stencil(geom, sheet, width=settings.bridge_width,
                              per_island=settings.bridges_per_island, electrodes=electrodes)
        geom, bridges, islands, warnings = plan.apertures, plan.bridges, plan.islands, plan.warnings
    if marks is not None and not marks.is_empty:
        geom = as_multipolygon(union_all([geom, marks]))
    sx0, sy0 = sheet.bounds[:2]
    ox, oy = settings.origin
    shift = np.array([ox - sx0, oy - sy0])
    items = [Contour(c.points + shift, c.depth, c.hole) for c in contours(geom)]
    if settings.outline:
        ring = np.asarray(sheet.exterior.coords)[:-1, :2] + shift
        items.append(Contour(ring, 0, False))
        items = [Contour(c.points, c.depth + 1, c.hole) if i < len(items) - 1 else c
                 for i, c in enumerate(items)]
    ordered = weeding_order(items, start=settings.origin)
    paths = [knife_path(c.points, offset=settings.blade_offset, overcut=settings.overcut,
                        swivel=settings.swivel) for c in ordered for _ in range(settings.passes)]
    return CutPlan(ordered, paths, settings, geom, sheet, bridges, islands, warnings)


def hpgl_for(plan: CutPlan) -> list[str]:
    """The HPGL lines of ``plan``."""
    from ..export.hpgl import hpgl_lines

    s = plan.settings
    return hpgl_lines(plan.paths, speed_cm_s=s.speed_cm_s, force=s.force, pen=s.pen,
                      units_per_mm=s.units_per_mm, header=s.header, footer=s.footer,
                      max_points=s.max_points)
