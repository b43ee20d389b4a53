"""Laser jobs from geometry, a CAD drawing or a design's stack layer, and the build step.

Settings are resolved in this order, later winning: the process profile's ``[<op>]`` table, the
material profile's ``[laser.<op>]`` table, the layer's own keys, the caller's overrides. Power and
speed never exceed the process profile's ``max_power`` / ``max_speed`` nor the machine's rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from ..profiles import Profiles
from ..regions import union_all
from ..toolpath import laser as L
from ..toolpath.path import Toolpath
from ..toolpath.simplify import resolution_mm
from ..units import parse_bool, parse_choice, parse_fraction, parse_length, parse_speed
from .job import Job

#: setting key -> (kind, help). Kinds: fraction, speed, length, int, float, bool, choice.
SETTINGS: dict[str, tuple[str, str]] = {
    "power": ("fraction", "laser power, % of the machine's maximum (S = power × $30)"),
    "speed": ("speed", "feed while burning, mm/min"),
    "passes": ("int", "how many times the toolpath is repeated"),
    "spot": ("length", "burnt line width, mm (default: the process profile's spot_mm)"),
    "overlap": ("fraction", "overlap of neighbouring lines, fraction of the spot"),
    "interval": ("length", "hatch line spacing, mm (default: spot × (1 - overlap))"),
    "angle": ("angle", "hatch angle, degrees from +x, or auto (0 or 90: fewer hatch lines)"),
    "cross": ("bool", "add a cross-hatch at angle + 90°"),
    "bidirectional": ("bool", "hatch both ways (false: every line the same way)"),
    "overscan": ("length", "hatch extension with the laser off, mm"),
    "outline": ("bool", "trace the fill's outline (false: hatch edge to edge, a strip up to half "
                        "a spot wide may stay unburnt along edges parallel to the hatch)"),
    "kerf": ("length", "cut width, mm"),
    "keep": ("choice", "cut parts (inside) or drop openings (outside)"),
    "tabs": ("int", "uncut bridges per contour"),
    "tab_width": ("length", "bridge length, mm"),
    "z_step": ("length", "Z lowered per pass, mm"),
    "z0": ("float", "Z of the first pass, mm"),
    "air": ("bool", "air assist (M8/M9)"),
    "dynamic": ("bool", "M4 dynamic power (true) or M3 constant (false)"),
    "reach": ("length", "isolate: gaps up to twice this wide are cleared (default: the layout's gap), mm"),
    "within": ("str", "isolate: regions whose area minus the layer is the gap"),
    "optimise": ("bool", "optimise travel order"),
}
_CHOICES = {"keep": ("inside", "outside")}


def coerce_setting(key: str, value: Any) -> Any:
    """One user value (``"40%"``, ``"1200mm/min"``, ``"2"``) converted for setting ``key``."""
    if key not in SETTINGS:
        raise ParameterError(key, f"unknown laser setting (allowed: {', '.join(SETTINGS)})")
    kind = SETTINGS[key][0]
    if kind == "fraction":
        return parse_fraction(value, field=key)
    if kind == "speed":
        return parse_speed(value, field=key)
    if kind == "length":
        return parse_length(value, field=key, minimum=0.0)
    if kind == "int":
        try:
            n = int(str(value).strip())
        except ValueError:
            raise ParameterError(key, f"{value!r} is not a whole number") from None
        lo = 1 if key == "passes" else 0
        if not lo <= n <= 1000:
            raise ParameterError(key, f"{n} is out of range (must be {lo}..1000)")
        return n
    if kind == "angle" and str(value).strip().lower() == "auto":
        return "auto"
    if kind in ("float", "angle"):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ParameterError(key, f"{value!r} is not a number") from None
    if kind == "bool":
        return parse_bool(value, field=key)
    if kind == "choice":
        return parse_choice(value, _CHOICES[key], field=key)
    return value if isinstance(value, (list, tuple)) else str(value)


def check_op(op: str) -> str:
    """``op`` normalised, or a ParameterError naming the operations."""
    text = str(op).strip().lower()
    if text not in L.OPERATIONS:
        raise ParameterError("op", f"{op!r} is not an operation (use one of {', '.join(L.OPERATIONS)}, "
                                   "or diw)")
    return text


def resolve_settings(profiles: Profiles, process: str, op: str, *, material: str | None = None,
                     layer: Mapping[str, Any] | None = None, overrides: Mapping[str, Any] | None = None,
                     machine: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every setting of ``op`` with its source merged and checked against the profiles' limits."""
    op = check_op(op)
    proc = profiles.get("processes", process)
    if proc.get("method", "laser") != "laser":
        raise ParameterError("process", f"{process!r} is not a laser process (method {proc.get('method')!r})")
    raw: dict[str, Any] = {"spot": proc.get("spot_mm", 0.1), "air": proc.get("air_assist", False)}
    raw.update(proc.get(op, {}))
    if material:
        try:
            mat = profiles.get("materials", material)
        except ParameterError:
            mat = {}
        raw.update(mat.get("laser", {}).get(op, {}))
    skip = {"op", "role", "power_max"}
    for source in (layer or {}, overrides or {}):
        raw.update({k: v for k, v in source.items() if k not in skip and v is not None})
    out = {k: coerce_setting(k, v) for k, v in raw.items()}
    out.setdefault("power", 0.0)
    out.setdefault("speed", 1000.0)
    out.setdefault("passes", 1)
    max_power = parse_fraction(proc.get("max_power", "100%"), field="max_power")
    if out["power"] > max_power + 1e-12:
        raise ParameterError("power", f"{out['power'] * 100:g}% is out of range (allowed 0..{max_power * 100:g} % "
                                      f"for process {process})")
    if machine:
        resolution_mm(machine)  # a bad profile value is refused before any planning
    limits = [(parse_speed(proc["max_speed"]), f"process {process}")] if "max_speed" in proc else []
    if machine and "max_rate_mm_min" in machine:
        limits.append((min(float(v) for v in machine["max_rate_mm_min"][:2]), "the machine's max rate"))
    for top, who in limits:
        if out["speed"] > top + 1e-9:
            raise ParameterError("speed", f"{out['speed']:g} mm/min is out of range (allowed up to "
                                          f"{top:g} mm/min for {who})")
    return out


def plan_toolpath(geometry: BaseGeometry, op: str, settings: Mapping[str, Any], *,
                  within: BaseGeometry | None = None, what: str = "", within_name: str | None = None,
                  process: str | None = None, profiles: Profiles | None = None,
                  protect: Mapping[str, BaseGeometry] | None = None) -> Toolpath:
    """The toolpath of ``op`` on ``geometry`` (mm) with resolved ``settings``, passes included.

    Refused (ParameterError) when it would burn nothing or less than asked: see
    :mod:`zmfab.gcode.laser_checks`; ``what`` names the layers in the message, ``within_name``
    the ``within`` region, ``process`` and ``profiles`` find the processes that would do it.
    An isolation whose gap would take in a layer of ``protect`` (name -> geometry) is refused.
    """
    from .laser_checks import check_planned, refuse_burning_layers, refuse_no_gap

    op = check_op(op)
    s = dict(settings)
    spot = float(s.get("spot", 0.1))
    burn = {"power": s["power"], "speed": s["speed"], "air": s.get("air", False)}
    optimise = s.get("optimise", True)
    if op == "fill":
        interval = s.get("interval") or spot * (1 - s.get("overlap", 0.1))
        angle = s.get("angle", 0.0)
        if angle == "auto":
            angle = L.auto_angle(geometry, interval=interval)
        tp = L.fill(geometry, spot=spot, interval=interval, angle=angle,
                    cross=s.get("cross", False), bidirectional=s.get("bidirectional", True),
                    overscan=s.get("overscan", 0.0), outline=s.get("outline", True),
                    settings=burn, optimise=optimise)
    elif op == "isolate":
        gap = L.gap_region(geometry, within=within, reach=s.get("reach"))
        refuse_no_gap(geometry, gap, reach=s.get("reach"),
                      within=(within_name or "the within region") if within is not None else None)
        refuse_burning_layers(gap, protect or {}, what=what,
                              field="within" if within is not None else "reach")
        tp = L.isolate(gap, spot=spot, overlap=s.get("overlap", 0.25), settings=burn,
                       optimise=optimise, keep=geometry)
    else:
        tp = L.cut(geometry, kerf=s.get("kerf", spot), keep=s.get("keep", "inside"),
                   tabs=s.get("tabs", 0), tab_width=s.get("tab_width", 0.5), settings=burn,
                   optimise=optimise)
    check_planned(tp, op, s, what=what, process=process, profiles=profiles)
    z_step = s.get("z_step", 0.0)
    z0 = s.get("z0", 0.0 if z_step else None)
    paths = L.repeat_passes(tp.paths, L.Passes(s["passes"], z_step, z0))
    meta = {**tp.meta, "passes": s["passes"], "power": s["power"], "speed": s["speed"]}
    return Toolpath(paths, meta)


def machine_profile(profiles: Profiles, name: str) -> dict[str, Any]:
    """Machine profile ``name`` with its name filled in."""
    return {**profiles.get("machines", name), "name": name}


def laser_job(toolpath: Toolpath, *, profiles: Profiles, machine: str, meta: Mapping[str, Any],
              settings: Mapping[str, Any], offset: Any = None, date: str | None = None) -> Job:
    """Format ``toolpath`` as GRBL laser G-code for ``machine``."""
    from .grbl_laser import grbl_laser_job

    prof = machine_profile(profiles, machine)
    if prof.get("dialect", "grbl") != "grbl":
        raise ParameterError("machine", f"{machine!r} is not a GRBL laser machine (dialect "
                                        f"{prof.get('dialect')!r})")
    info = dict(meta)
    s_max = float(prof.get("s_max", 1000))
    info.setdefault("power", f"{settings['power'] * 100:g}% (S{settings['power'] * s_max:.0f}"
                             f" of {s_max:g})")
    info.setdefault("speed", f"{settings['speed']:g} mm/min")
    info.setdefault("passes", settings.get("passes", 1))
    info.setdefault("spot_mm", f"{settings.get('spot', 0.1):g}")
    return grbl_laser_job(toolpath, prof, meta=info, offset=_offset(offset),
                          dynamic=settings.get("dynamic", True), air=settings.get("air", False),
                          date=date)


def _offset(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    if len(items) != 2:
        raise ParameterError("offset", f"{value!r} must be two lengths X,Y")
    return (parse_length(items[0], field="offset"), parse_length(items[1], field="offset"))


def plan_geometry(geometry: BaseGeometry, op: str, *, profiles: Profiles | None = None,
                  process: str = "laser-co2", machine: str | None = None,
                  settings: Mapping[str, Any] | None = None, material: str | None = None,
                  within: BaseGeometry | None = None, meta: Mapping[str, Any] | None = None,
                  offset: Any = None, date: str | None = None) -> Job:
    """Python API: one laser operation on ``geometry`` (mm) → a GRBL job."""
    profs = profiles or Profiles()
    mach = machine or profs.get("processes", process).get("machine", "grbl-diode")
    s = resolve_settings(profs, process, op, material=material, overrides=settings,
                         machine=machine_profile(profs, mach))
    tp = plan_toolpath(geometry, op, s, within=within, process=process, profiles=profs)
    info = {"op": op, "process": process, **(meta or {})}
    return laser_job(tp, profiles=profs, machine=mach, meta=info, settings=s, offset=offset, date=date)


def names_text(names: Any) -> str | None:
    """Layer names (a string or a list) as one comma-separated string."""
    if names is None:
        return None
    return names if isinstance(names, str) else ", ".join(names)


def default_op(layer: Any) -> str:
    """A stack layer's operation: its ``op`` key, else isolate for a film holding both
    electrodes, cut for a footprint, fill otherwise."""
    if layer.settings.get("op"):
        return check_op(layer.settings["op"])
    kinds = {r.split("_")[0] for r in layer.regions}
    if {"anode", "cathode"} <= kinds:
        return "isolate"
    if kinds == {"footprint"}:
        return "cut"
    return "fill"


def plan_layer(design: Any, layout: Any, layer: Any, *, profiles: Profiles,
               machine: str | None = None, overrides: Mapping[str, Any] | None = None,
               offset: Any = None, date: str | None = None) -> Job:
    """The laser job of one stack ``layer`` of ``design``."""
    op = default_op(layer)
    mach = machine or layer.settings.get("machine") or (design.sections.get("machine") if design
                                                         else None)
    mach = mach or profiles.get("processes", layer.process).get("machine", "grbl-diode")
    laser_sec = dict(design.sections.get("laser", {})) if design is not None else {}
    offset = offset if offset is not None else laser_sec.pop("offset", None)
    date = date if date is not None else laser_sec.pop("date", None)
    layer_keys = {k: v for k, v in layer.settings.items() if k not in ("op", "machine", "role")}
    merged = {**laser_sec, **layer_keys}
    within, names = None, None
    if op == "isolate":
        names = (overrides or {}).get("within") or merged.pop("within", None)
        merged.pop("within", None)
        if names:
            wanted = [n.strip() for n in (names.split(",") if isinstance(names, str) else names)]
            unknown = [n for n in wanted if n not in layout]
            if unknown:
                raise ParameterError("within", f"no region {', '.join(unknown)} in the layout "
                                               f"(regions: {', '.join(layout)})")
            within = union_all(layout.get(n) for n in wanted)
        elif not merged.get("reach"):
            # The channels between the electrodes: a closing that bridges the widest designed gap
            # (a spiral's active area would also take in the wedges outside its last turn).
            gaps = [float(layout.params[k]) for k in ("gap", "tip_gap")
                    if isinstance(layout.params.get(k), (int, float))]
            if gaps:
                merged["reach"] = 1.01 * max(gaps)
    s = resolve_settings(profiles, layer.process, op, material=layer.material, layer=merged,
                         overrides=overrides, machine=machine_profile(profiles, mach))
    tp = plan_toolpath(layer.geometry, op, s, within=within, what=layer.name,
                       within_name=names_text(names) if within is not None else None,
                       process=layer.process, profiles=profiles)
    title = getattr(design, "title", None) or layout.meta.get("title", layout.family)
    meta = {"design": title, "layer": layer.name, "op": op, "process": layer.process,
            "uncovered_mm2": round(float(tp.meta.get("uncovered_mm2", 0.0)), 6)}
    return laser_job(tp, profiles=profiles, machine=mach, meta=meta, settings=s, offset=offset,
                     date=date)


def laser_step(ctx: Any) -> None:
    """Build step: ``gcode/<layer>.gcode`` for every laser layer, estimates in report["jobs"]."""
    from ..process.registration import process_tolerance, with_registration
    from ..process.stack import resolve_stack, slug

    profiles = Profiles(ctx.options.get("profiles", []))
    layers = resolve_stack(ctx.design, ctx.layout, profiles)
    jobs = ctx.report.setdefault("jobs", [])
    for layer in layers:
        if layer.method != "laser" or layer.geometry.is_empty:
            continue
        job = plan_layer(ctx.design, ctx.layout, layer, profiles=profiles,
                         date=ctx.options.get("date"))
        job = with_registration(job, ctx.design, ctx.layout,  # fiducials for zmfab align
                                tolerance_mm=process_tolerance(profiles, layer.process))
        name = f"gcode/{slug(layer.name)}.gcode"
        job.write(ctx.path(name))
        jobs.append({"layer": layer.name, "method": "laser", "op": job.meta.get("op"),
                     "file": name, "machine": job.meta.get("machine"),
                     "uncovered_mm2": job.meta.get("uncovered_mm2", 0.0), **job.meta["estimate"]})
        missed = float(job.meta.get("uncovered_mm2", 0.0))
        if missed > 0.01:
            ctx.warnings.append(f"laser layer {layer.name!r}: {missed:.3g} mm² of its "
                                f"{job.meta.get('op')} area is narrower than the spot or in sharp "
                                "corners and stays unburnt")
