"""Laser jobs from a DXF/SVG drawing: which layers each operation takes, then the job.

``"*"`` (``--op``) means every layer that holds material; zmfab's outline layers
(:data:`zmfab.imports.layers.OUTLINE_LAYERS`) are burnt only when named. Fills and cuts whose burn
would cross the anode-cathode gap are refused before anything is planned.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from ..imports.layers import electrode_of
from ..profiles import Profiles
from ..regions import union_all
from ..toolpath import laser as L
from ..toolpath.path import Toolpath
from .job import Job
from .laser_checks import burn_extent, refuse_gap_crossing
from .laser_job import (
    check_op,
    laser_job,
    machine_profile,
    names_text,
    plan_toolpath,
    resolve_settings,
)


def plan_drawing(path: str | Path, *, ops: Mapping[str, str], profiles: Profiles | None = None,
                 process: str = "laser-co2", machine: str | None = None,
                 settings: Mapping[str, Any] | None = None, dpi: float | None = None,
                 offset: Any = None, date: str | None = None) -> Job:
    """A job from a DXF/SVG drawing: ``ops`` maps layer names or colours to operations, ``"*"``
    every layer that holds material (zmfab's outline layers, :data:`OUTLINE_LAYERS`, only when
    named); fills run first, then isolation, then cuts (so parts fall out last).

    A fill or cut whose burn would reach across the gap from an anode layer to a cathode layer
    is refused, as is a job that would burn nothing or less than asked. ``settings["within"]``
    (isolate) names the layers whose area minus the isolated shapes is the gap.
    """
    chosen, names, layers = drawing_ops(path, ops, dpi=dpi)
    profs = profiles or Profiles()
    mach = machine or profs.get("processes", process).get("machine", "grbl-diode")
    settings = dict(settings or {})
    within_names = settings.pop("within", None)
    within = _within(within_names, layers, path) if within_names else None
    if within is not None and not chosen["isolate"]:
        raise ParameterError("within", "applies to isolate only (no layer is isolated)")
    resolved = {op: resolve_settings(profs, process, op, overrides=settings,
                                     machine=machine_profile(profs, mach))
                for op in L.OPERATIONS if chosen[op]}
    field = "--op" if "*" in ops else "--layer-op"
    for op in ("fill", "cut"):
        if chosen.get(op):
            refuse_gap_crossing(burn_extent(union_all(chosen[op]), op, resolved[op]), op=op,
                                names=names[op], layers=layers, field=field)
    tp = Toolpath()
    for op, s in resolved.items():
        tp = tp + plan_toolpath(union_all(chosen[op]), op, s, within=within,
                                what=", ".join(names[op]), within_name=names_text(within_names),
                                process=process, profiles=profs,
                                protect={n: g for n, g in layers.items()
                                         if electrode_of(n) and n not in names[op]})
    meta = {"design": Path(path).name, "layer": ",".join(sorted(ops)), "op": ",".join(resolved),
            "process": process}
    return laser_job(tp, profiles=profs, machine=mach, meta=meta,
                     settings=next(iter(resolved.values())), offset=offset, date=date)


def drawing_ops(path: str | Path, ops: Mapping[str, str], *, dpi: float | None = None
                ) -> tuple[dict[str, list[BaseGeometry]], dict[str, list[str]],
                           dict[str, BaseGeometry]]:
    """(geometries by operation, layer or colour names by operation, the drawing's layers by
    name) for ``ops`` (layer name or ``#colour`` -> op, ``"*"``: every material layer)."""
    from ..imports import read_layers
    from ..imports.layers import is_outline, outline_colours

    extra = {"dpi": dpi} if dpi else {}
    by_colour = any(k.startswith("#") for k in ops)
    layers = read_layers(path, by="layer", **extra)
    if by_colour:
        keyed = read_layers(path, by="colour", **extra)
        outlines = outline_colours(list(read_layers(path, by="layer+colour", **extra)))
    else:
        keyed, outlines = layers, {name for name in layers if is_outline(name)}
    keyed = {k: v for k, v in keyed.items() if not v.is_empty}
    if not keyed:
        raise ParameterError(str(path), "no closed shapes found")
    for key in ops:
        if key != "*" and key not in keyed:
            raise ParameterError("--layer-op", f"no layer or colour {key!r} in {path} "
                                               f"(found: {', '.join(sorted(keyed))})")
    chosen: dict[str, list[BaseGeometry]] = {op: [] for op in L.OPERATIONS}
    names: dict[str, list[str]] = {op: [] for op in L.OPERATIONS}
    for name, geom in keyed.items():
        op = ops.get(name) or (ops.get("*") if name not in outlines else None)
        if op:
            chosen[check_op(op)].append(geom)
            names[check_op(op)].append(name)
    if not any(chosen.values()):
        skipped = ", ".join(sorted(k for k in keyed if k in outlines))
        why = (f"; {skipped} are outlines, burnt only when named (e.g. --layer-op "
               f"{sorted(outlines & set(keyed))[0]}=cut)" if skipped else "")
        raise ParameterError("--op", f"no layer of {path} has an operation "
                                     f"(layers: {', '.join(sorted(keyed))}){why}")
    return chosen, names, layers


def _within(names: Any, layers: Mapping[str, BaseGeometry], path: str | Path) -> BaseGeometry:
    """The union of the drawing layers named in ``names`` (``"a,b"`` or a list)."""
    wanted = [n.strip() for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
    missing = [n for n in wanted if n not in layers]
    if missing or not wanted:
        raise ParameterError("within", f"no layer {', '.join(missing) or repr(names)} in {path} "
                                       f"(found: {', '.join(sorted(layers))})")
    return union_all(layers[n] for n in wanted)
