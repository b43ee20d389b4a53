"""Jobs from the two kinds of source: a drawing made elsewhere, or a design's stack layer.

Both the ``zmfab gcode`` command and the streamer (``zmfab stream DESIGN --layer NAME``) plan
through these functions, so a script gets exactly what the CLI writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..profiles import Profiles
from .job import Job

#: Stack-layer methods that produce G-code.
MACHINE_METHODS = ("laser", "diw")


def plan_diw_layers(layers: dict[str, Any], *, profiles: Profiles, machine: str | None,
                    settings: dict[str, Any], offset: Any = None, refuse_shorts: bool = False) -> Job:
    """A DIW job for named regions (``offset`` places the design's origin on the bed)."""
    from .diw_job import plan_diw

    if offset is not None:
        settings = {**settings, "offset": offset}
    return plan_diw(layers, profiles=profiles, machine=machine, settings=settings,
                    refuse_shorts=refuse_shorts)


def job_from_drawing(source: str | Path, *, op: str | None = None,
                     layer_ops: dict[str, str] | None = None, profiles: Profiles,
                     process: str | None = None, machine: str | None = None,
                     settings: dict[str, Any] | None = None, dpi: float | None = None,
                     offset: Any = None, date: str | None = None, max_lines: int | None = None) -> Job:
    """A laser job (``op`` fill|isolate|cut, or one op per layer) or a DIW job (``op="diw"``).

    A laser job is sized first (the bed, the hatch lines of its fills against ``max_lines``)."""
    ops = dict(layer_ops or {})
    settings = dict(settings or {})
    if op and op.strip().lower() == "diw":
        from ..imports import read_layers

        layers = read_layers(source, dpi=dpi) if dpi else read_layers(source)
        unknown = [k for k in ops if k not in layers]
        if unknown:
            raise ParameterError("--layer-op", f"no layer {unknown[0]!r} in {source} "
                                               f"(found: {', '.join(sorted(layers)) or 'none'})")
        wanted = {k: v for k, v in layers.items() if not ops or k in ops}
        job = plan_diw_layers(wanted, profiles=profiles, machine=machine, settings=settings,
                              offset=offset, refuse_shorts=True)
        refuse_empty(job, source)
        return job
    if op:
        ops.setdefault("*", op)
    if not ops:
        raise ParameterError("--op", "give --op fill|isolate|cut|diw or --layer-op LAYER=OP")
    _precheck_drawing(source, ops, profiles=profiles, process=process or "laser-co2", machine=machine,
                      settings=settings, dpi=dpi, offset=offset, max_lines=max_lines)
    from .laser_drawing import plan_drawing

    job = plan_drawing(source, ops=ops, profiles=profiles, process=process or "laser-co2",
                       machine=machine, settings=settings, dpi=dpi, offset=offset, date=date)
    refuse_empty(job, source)
    return job


def refuse_empty(job: Job, source: str | Path) -> None:
    """Raise when ``job`` burns or prints nothing (its estimate's burn/print length is 0)."""
    est = job.meta.get("estimate") or {}
    key = "burn_mm" if job.dialect == "grbl" else "print_mm"
    done = est.get(key, job.meta.get(key))
    if done is not None and float(done) <= 0:
        verb = "burns" if job.dialect == "grbl" else "prints"
        raise ParameterError("--op", f"the job for {Path(source).name} {verb} nothing "
                                     f"({key} 0: no shape is wide enough for the tool)")


def _precheck_drawing(source: str | Path, ops: dict[str, str], *, profiles: Profiles, process: str,
                      machine: str | None, settings: dict[str, Any], dpi: float | None, offset: Any,
                      max_lines: int | None) -> None:
    """The bed and the hatch budget of a drawing's laser job, before any toolpath is planned.

    The layers are chosen as the planner chooses them (:func:`.laser_drawing.drawing_ops`)."""
    from ..units import parse_length
    from .drawing_budget import check_drawing_job
    from .laser_drawing import drawing_ops
    from .laser_job import machine_profile, resolve_settings

    try:
        chosen, _, _ = drawing_ops(source, ops, dpi=dpi)
    except ParameterError:
        return  # the planner reports it, in its own words
    name = machine or profiles.get("processes", process).get("machine", "grbl-diode")
    prof = machine_profile(profiles, name)
    fill = None
    if chosen.get("fill"):
        overrides = {k: v for k, v in settings.items() if k != "within"}
        fill = resolve_settings(profiles, process, "fill", overrides=overrides, machine=prof)
    off = None
    if offset is not None:
        items = offset.split(",") if isinstance(offset, str) else list(offset)
        if len(items) != 2:
            raise ParameterError("--offset", f"{offset!r} must be two lengths X,Y")
        off = (parse_length(items[0], field="--offset"), parse_length(items[1], field="--offset"))
    check_drawing_job(chosen, machine=prof, machine_name=name, fill_settings=fill, offset=off,
                      max_lines=max_lines)


def job_from_design(source: str | Path, layer_name: str | None = None, *, profiles: Profiles,
                    op: str | None = None, machine: str | None = None,
                    settings: dict[str, Any] | None = None, offset: Any = None,
                    date: str | None = None) -> tuple[Job, str]:
    """(job, layer name) for a design's stack layer; without a name, its only laser/diw layer."""
    from ..design import load_design
    from ..process.stack import pick_layer, resolve_stack, slug
    from .laser_job import plan_layer

    settings = dict(settings or {})
    design = load_design(source)
    layout = design.layout()
    layer = pick_layer(resolve_stack(design, layout, profiles), layer_name,
                       methods=MACHINE_METHODS, key=slug, ask="name a stack layer")
    if layer.method == "diw" or (op and op.strip().lower() == "diw"):
        job = plan_diw_layers({layer.name: layer.geometry}, profiles=profiles, machine=machine,
                              settings={**layer.settings, **settings}, offset=offset)
        refuse_empty(job, source)
        return _registered(job, design, layout, layer, profiles), layer.name
    if layer.method != "laser":
        raise ParameterError("--layer", f"{layer.name!r} is a {layer.method} layer (G-code is made "
                                        "for laser and diw layers)")
    if op:
        layer.settings["op"] = op
    job = plan_layer(design, layout, layer, profiles=profiles, machine=machine, overrides=settings,
                     offset=offset, date=date)
    refuse_empty(job, source)
    return _registered(job, design, layout, layer, profiles), layer.name


def _registered(job: Job, design: Any, layout: Any, layer: Any, profiles: Profiles) -> Job:
    """The job with the masks' fiducials and the process's registration tolerance in its header
    (what ``zmfab align`` and ``stream --align`` read)."""
    from ..process.registration import process_tolerance, with_registration

    return with_registration(job, design, layout,
                             tolerance_mm=process_tolerance(profiles, layer.process))
