"""DIW jobs: profiles and settings resolved, beads planned, Marlin G-code written.

Settings merge in this order, later winning: the process profile (``diw``), the machine profile,
the material profile's ``[diw]`` table, then ``settings`` (a design's ``[diw]`` table, a
``[[stack]]`` layer's keys, ``--set KEY=VALUE``). Values may carry units (``"400um"``,
``"8mm/s"``, ``"150ms"``).
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import MultiPolygon

from ..errors import ParameterError
from ..profiles import Profiles, deep_merge
from ..regions import as_multipolygon, union_all
from ..toolpath.beads import check_bead, plan_beads
from ..units import parse_bool, parse_duration, parse_length, parse_speed
from .diw_checks import refuse_bridging_beads, refuse_off_bed
from .job import Job
from .marlin_diw import Ink, JobOptions, Machine, machine_shift, render_diw

DEFAULT_MACHINE = "marlin-syringe"
FLOW_DRIVERS: tuple[str, ...] = ("volumetric", "pneumatic")
ALTERNATES: tuple[str, ...] = ("auto", "cross", "reverse")

#: Settings keys that apply to the whole job, not to one ink.
JOB_KEYS: tuple[str, ...] = ("purge", "purge_length", "purge_offset", "pause_between_inks",
                             "fiducial_check", "origin")


def _number(value: Any, field: str, *, minimum: float = 0.0, exclusive: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(field, f"{value!r} is not a number") from None
    if number < minimum or (exclusive and number == minimum):
        op = ">" if exclusive else ">="
        raise ParameterError(field, f"{value!r} is out of range (must be {op} {minimum:g})")
    return number


def _pair(value: Any, field: str) -> tuple[float, float]:
    items = value.split(",") if isinstance(value, str) else list(value)
    if len(items) != 2:
        raise ParameterError(field, f"{value!r} must be two lengths x,y")
    return (parse_length(items[0], field=field), parse_length(items[1], field=field))


def merged_settings(profiles: Profiles, machine: str | None, settings: dict[str, Any],
                    *, material: str | None = None) -> tuple[str, dict[str, Any]]:
    """(machine name, raw settings): process, machine, material [diw] and ``settings`` merged."""
    name = str(settings.get("machine") or machine or DEFAULT_MACHINE)
    process = profiles.get("processes", str(settings.get("process") or "diw"))
    mach = profiles.get("machines", name)
    if mach.get("dialect", "marlin") != "marlin" or "diw" not in mach.get("methods", ["diw"]):
        raise ParameterError("machine", f"{name!r} is not a Marlin DIW machine "
                             f"(use one of {', '.join(diw_machines(profiles))})")
    raw = deep_merge(process, mach)
    mat = material or settings.get("material")
    if mat and mat in profiles.names("materials"):
        raw = deep_merge(raw, profiles.get("materials", str(mat)).get("diw", {}))
    raw = deep_merge(raw, {k: v for k, v in settings.items() if v is not None})
    if raw.get("offset") is not None:
        raw["origin"] = raw.pop("offset")
    return name, raw


def diw_machines(profiles: Profiles) -> list[str]:
    """Names of the machine profiles that can run DIW jobs."""
    return [n for n in profiles.names("machines")
            if "diw" in profiles.get("machines", n).get("methods", [])]


def machine_from(name: str, raw: dict[str, Any]) -> Machine:
    """A :class:`Machine` from merged raw settings (errors name the key and range)."""
    driver = str(raw.get("flow_driver", "volumetric")).lower()
    if driver not in FLOW_DRIVERS:
        raise ParameterError("flow_driver", f"{driver!r} is not allowed (use {' or '.join(FLOW_DRIVERS)})")
    bed = raw.get("bed", ["200mm", "200mm", "60mm"])
    if len(bed) != 3:
        raise ParameterError("bed", f"{bed!r} must be three lengths x, y, z")
    tools = int(_number(raw.get("tools", 1), "tools", minimum=1))
    offsets = [_pair(o, "tool_offsets") for o in raw.get("tool_offsets", [])]
    offsets += [(0.0, 0.0)] * (tools - len(offsets))
    mode = str(raw.get("tool_offset_mode", "firmware"))
    if mode not in ("firmware", "coordinates"):
        raise ParameterError("tool_offset_mode", f"{mode!r} is not allowed (use firmware or coordinates)")
    valve_on: tuple[str, ...] = ()
    valve_off: tuple[str, ...] = ()
    diameter = 0.0
    if driver == "volumetric":
        diameter = parse_length(raw.get("syringe_diameter", "8.66mm"), field="syringe_diameter",
                                positive=True)
    else:
        valve = str(raw.get("valve", "m42")).lower()
        valves = raw.get("valves", {})
        if valve not in valves:
            raise ParameterError("valve", f"{valve!r} is not a valve output (use one of {', '.join(valves)})")
        pin = raw.get("valve_pin", 4)
        valve_on = tuple(c.format(pin=pin) for c in valves[valve]["on"])
        valve_off = tuple(c.format(pin=pin) for c in valves[valve]["off"])
    pressure = raw.get("pressure_kpa")
    return Machine(
        name=name, flow_driver=driver,
        bed=tuple(parse_length(v, field="bed", positive=True) for v in bed),  # type: ignore[arg-type]
        origin=_pair(raw.get("origin", ["30mm", "30mm"]), "origin"),
        tools=tools, tool_offsets=tuple(offsets[:tools]), tool_offset_mode=mode,
        codes=dict(raw.get("gcode", {})), syringe_diameter=diameter,
        pressure_kpa=None if pressure is None else _number(pressure, "pressure_kpa"),
        cold_extrusion=parse_bool(raw.get("cold_extrusion", True), field="cold_extrusion"),
        home=parse_bool(raw.get("home", True), field="home"),
        max_feed=parse_speed(raw.get("max_feed", "100mm/s"), field="max_feed"),
        valve_on=valve_on, valve_off=valve_off,
    )


def bead_width_from(raw: dict[str, Any]) -> float:
    """A layer's bead width (mm) from its settings."""
    return parse_length(raw.get("bead_width", "400um"), field="bead_width", positive=True)


def tool_from(raw: dict[str, Any], machine: Machine) -> int:
    """The tool (nozzle) index a layer's settings ask for, checked against the machine."""
    tool_raw = raw.get("tool", 0)
    if isinstance(tool_raw, bool) or not str(tool_raw).strip().isdigit() \
            or int(tool_raw) >= machine.tools:
        raise ParameterError("tool", f"{tool_raw!r} is out of range (machine {machine.name} has "
                             f"tools 0..{machine.tools - 1})")
    return int(tool_raw)


def ink_from(name: str, geometry: MultiPolygon, raw: dict[str, Any], machine: Machine) -> Ink:
    """Plan the beads of one stack layer and wrap them with how to lay them."""
    width = bead_width_from(raw)
    height = parse_length(raw.get("layer_height", "100um"), field="layer_height", positive=True)
    check_bead(width, height)
    if raw.get("thickness") is not None:
        thickness = parse_length(raw["thickness"], field="thickness", positive=True)
        layers = max(1, round(thickness / height))
    else:
        layers = raw.get("layers", 1)
        if isinstance(layers, bool) or not str(layers).strip().lstrip("-").isdigit() or int(layers) < 1:
            raise ParameterError("layers", f"{layers!r} is out of range (a whole number >= 1)")
        layers = int(layers)
    tool = tool_from(raw, machine)
    alternate = str(raw.get("alternate", "auto"))
    if alternate not in ALTERNATES:
        raise ParameterError("alternate", f"{alternate!r} is not allowed (use {', '.join(ALTERNATES)})")
    angle = raw.get("angle")
    angle = None if angle in (None, "auto") else _number(angle, "angle", minimum=-360)
    z0 = parse_length(raw.get("z_offset", 0.0), field="z_offset", minimum=0.0)
    flow = None
    if machine.flow_driver == "pneumatic":
        flow = _number(raw.get("flow_ul_per_s", 0.25), "flow_ul_per_s", exclusive=True)
    material = raw.get("material")
    toolpath = plan_beads(geometry, width=width, height=height, layers=layers, z0=z0, angle=angle,
                          alternate=alternate, settings={"tool": tool, "ink": name})
    toolpath.meta["z0"] = z0
    toolpath.meta["region"] = geometry
    toolpath.meta["max_flow_error"] = _number(raw.get("max_flow_error", 0.3), "max_flow_error")
    return Ink(
        name=name, tool=tool, toolpath=toolpath,
        material=None if material is None else str(material),
        print_speed=parse_speed(raw.get("print_speed", "8mm/s"), field="print_speed"),
        travel_speed=parse_speed(raw.get("travel_speed", "40mm/s"), field="travel_speed"),
        z_speed=parse_speed(raw.get("z_speed", "5mm/s"), field="z_speed"),
        z_hop=parse_length(raw.get("z_hop", "1mm"), field="z_hop", minimum=0.0),
        retract=parse_length(raw.get("retract", 0.0), field="retract", minimum=0.0),
        retract_speed=parse_speed(raw.get("retract_speed", "2mm/s"), field="retract_speed"),
        preflow=parse_duration(raw.get("preflow", 0.0), field="preflow"),
        postflow=parse_duration(raw.get("postflow", 0.0), field="postflow"),
        extrusion_multiplier=_number(raw.get("extrusion_multiplier", 1.0), "extrusion_multiplier",
                                     exclusive=True),
        flow_ul_per_s=flow,
    )


def options_from(raw: dict[str, Any], *, fiducials: Any = (), extent: Any = None,
                 pause_first: bool = False, meta: dict[str, Any] | None = None,
                 warnings: list[str] | None = None) -> JobOptions:
    """Job-wide options (purge, pauses, fiducials) from merged raw settings."""
    return JobOptions(
        purge=parse_bool(raw.get("purge", True), field="purge"),
        purge_length=parse_length(raw.get("purge_length", "15mm"), field="purge_length", positive=True),
        purge_offset=parse_length(raw.get("purge_offset", "3mm"), field="purge_offset", positive=True),
        pause_between_inks=parse_bool(raw.get("pause_between_inks", True), field="pause_between_inks"),
        pause_first=pause_first,
        fiducials=tuple((float(x), float(y)) for x, y in fiducials),
        fiducial_check=parse_bool(raw.get("fiducial_check", False), field="fiducial_check"),
        extent=extent, meta=dict(meta or {}), warnings=tuple(warnings or ()),
    )


#: Drawing layers that outline a device rather than hold ink (left out when others are given).
OUTLINES: tuple[str, ...] = ("footprint", "active_area", "keep_out")


def _kind(layer: str) -> str:
    """``anode_pad`` -> ``anode``: layers of one electrode share a tool by default."""
    return layer.lower().replace("-", "_").split("_")[0]


def plan_diw(layers: dict[str, MultiPolygon], *, profiles: Profiles, machine: str | None,
             settings: dict[str, Any], refuse_shorts: bool = False) -> Job:
    """One Marlin job laying every layer in ``layers`` (name -> geometry, mm) in order.

    ``settings`` apply to every layer; ``settings["per_layer"][name]`` (optional) overrides them
    for one layer (``tool``, ``material``, ``bead_width``...). Outline layers (:data:`OUTLINES`)
    are left out when ink layers are given; without a ``tool``, each electrode (``anode*``,
    ``cathode*``...) gets the next tool. Layers on different tools of a
    multi-tool machine change tool (T0/T1); on a single-nozzle machine an M0 pause asks for the
    next syringe (``pause_between_inks``). ``refuse_shorts``: refuse beads of one electrode that
    would spread onto another's (for drawings, which have no design-rule check).
    """
    if not layers:
        raise ParameterError("layers", "no geometry to print")
    layers = {k: v for k, v in layers.items() if not as_multipolygon(v).is_empty} or layers
    common = {k: v for k, v in settings.items() if k not in ("per_layer", "fiducials", "extent")}
    per_layer = settings.get("per_layer", {})
    name, raw = merged_settings(profiles, machine, common)
    mach = machine_from(name, raw)
    printed = {k: v for k, v in layers.items() if k not in OUTLINES} or layers
    kinds = list(dict.fromkeys(_kind(k) for k in printed))
    planned = []
    for layer, geom in printed.items():
        own = {**common, **per_layer.get(layer, {})}
        if len(kinds) > 1 and "tool" not in own and mach.tools > 1:
            own["tool"] = min(kinds.index(_kind(layer)), mach.tools - 1)
        _, layer_raw = merged_settings(profiles, machine, own, material=own.get("material"))
        g = as_multipolygon(geom)
        if g.is_empty:
            raise ParameterError(f"layer {layer}", "has no area to print")
        planned.append((layer, g, layer_raw))
    refuse_off_bed([(layer, g, tuple(machine_shift(mach, tool_from(lraw, mach))))
                    for layer, g, lraw in planned], mach.bed, mach.name)
    inks = [ink_from(layer, g, layer_raw, mach) for layer, g, layer_raw in planned]
    if refuse_shorts:  # a drawing has no design-rule check to catch beads wider than a finger
        refuse_bridging_beads(inks, _kind)
    extent = settings.get("extent") or union_all(layers.values()).bounds
    opts = options_from(raw, fiducials=settings.get("fiducials", ()), extent=tuple(extent),
                        pause_first=parse_bool(settings.get("pause_first", False), field="pause_first"),
                        warnings=[w for ink in inks for w in bead_warnings(ink)])
    return render_diw(inks, mach, options=opts, profile=profiles.get("machines", name))


def bead_warnings(ink: Ink) -> list[str]:
    """Warnings for the job header: a feature of ``ink`` narrower than its bead (the DRC's rule,
    for G-code runs without a design), and a flow trim beyond ``max_flow_error``."""
    from ..drc.cells import reported
    from ..regions.features import narrow_lines

    meta = ink.toolpath.meta
    width = meta["bead_width_mm"]
    region = meta.get("region")
    out = []
    spots = narrow_lines(region, width - 1e-6) if region is not None else []
    if spots:
        s = reported(spots)  # the spot the DRC's diw_bead_width rule names for the same region
        more = f" ({len(spots) - 1} more)" if len(spots) > 1 else ""
        out.append(f"diw_bead_width: {ink.name}: feature {s.width:.4g} mm wide at ({s.x:.3f}, "
                   f"{s.y:.3f}) is narrower than the {width:g} mm bead{more}")
    limit = meta.get("max_flow_error", 0.3)
    worst = max(abs(meta["trim_min"] - 1), abs(meta["trim_max"] - 1))
    if worst > limit:
        out.append(f"diw_flow: {ink.name}: the lanes needed flow x{meta['trim_min']:.3g}.."
                   f"{meta['trim_max']:.3g} to lay area x layer height (allowed 1 ± {limit:g})")
    return out


def _job_figures(job: Job, file: str, layer: str) -> dict[str, Any]:
    keys = ("estimate_s", "print_mm", "travel_mm", "flow_driver", "machine", "layers")
    return {"file": file, "layer": layer, "lines": job.commands,
            **{k: job.meta[k] for k in keys if k in job.meta},
            "ink_ul": {k[7:]: v for k, v in job.meta.items() if k.startswith("ink_ul_")}}


def diw_step(ctx: Any) -> None:
    """Build step: ``gcode/<layer>.gcode`` for every DIW layer, and ``gcode/diw-all.gcode``.

    Each per-layer file is a complete job for one ink, all sharing the same origin (the
    substrate's ``bed_position``, else the machine's ``origin``) and fiducials (the masks'
    registration marks), purging outside the substrate, so a single-nozzle machine prints them one after the other (with
    an M0 for the syringe change when ``pause_between_inks``). On a multi-tool machine the
    combined file lays every DIW layer in stack order, changing tool (T0/T1) between inks.
    """
    from ..errors import DesignError
    from ..process.stack import resolve_stack, slug

    profiles = Profiles(ctx.options.get("profiles") or [])
    layers = [lay for lay in resolve_stack(ctx.design, ctx.layout, profiles) if lay.method == "diw"]
    if not layers:
        return
    from ..export.mask import fiducials
    from ..process.stack import resolve_substrate

    common = dict(ctx.design.sections.get("diw") or {})
    machine = common.pop("machine", None) or _design_machine(ctx.design)
    substrate = resolve_substrate(ctx.design, ctx.layout)
    table = ctx.design.sections.get("substrate") or {}
    if "bed_position" in table and "origin" not in common and "offset" not in common:
        bx, by = substrate.bed_position
        common["origin"] = [bx - substrate.xmin, by - substrate.ymin]
    if substrate.thickness and "z_offset" not in common:
        common["z_offset"] = substrate.thickness
    shared = {**common, "fiducials": fiducials(ctx.layout, substrate)[0],
              "extent": substrate.bounds}
    per_layer = {}
    jobs = ctx.report.setdefault("jobs", [])
    src = ctx.design.path or "<design>"
    name, raw = merged_settings(profiles, machine, common)
    single = machine_from(name, raw).tools == 1
    for i, lay in enumerate(layers):
        own = {**lay.settings, **({"material": lay.material} if lay.material else {})}
        per_layer[lay.name] = own
        pause = single and len(layers) > 1 and parse_bool(raw.get("pause_between_inks", True),
                                                           field="pause_between_inks")
        try:
            job = plan_diw({lay.name: lay.geometry}, profiles=profiles, machine=machine,
                           settings={**shared, **own, "pause_first": pause})
        except DesignError:
            raise
        except ParameterError as exc:
            message = str(exc).split(": ", 1)[1]
            raise DesignError(f"{src}: stack[{i + 1}] ({lay.name}).{exc.field}", message) from None
        file = f"gcode/{slug(lay.name)}.gcode"
        job.meta["design"] = str(src)
        job.write(ctx.path(file))
        jobs.append(_job_figures(job, file, lay.name))
        if "drc" not in ctx.report:
            ctx.warnings.extend(w for w in job.meta["warnings"] if w not in ctx.warnings)
    if len(layers) > 1 and not single:
        job = plan_diw({lay.name: lay.geometry for lay in layers}, profiles=profiles,
                       machine=machine, settings={**shared, "per_layer": per_layer})
        file = "gcode/diw-all.gcode"
        job.write(ctx.path(file))
        jobs.append(_job_figures(job, file, ", ".join(lay.name for lay in layers)))


def _design_machine(design: Any) -> str | None:
    value = design.sections.get("machine")
    if isinstance(value, dict):
        value = value.get("name") or value.get("profile")
    return None if value is None else str(value)
