"""Cutter jobs from the two kinds of source: a drawing's closed shapes, or a design's stack layer.

``zmfab gcode SOURCE --op cut --dialect hpgl`` plans through :func:`cut_from_source`, so a
script gets what the CLI writes. A drawing's shapes (every layer, or those ``--layer-op`` names)
are the openings, bridged on a sheet 5 mm beyond them; a design layer is cut as the build cuts it:
on its substrate, with the registration fiducials and the sheet outline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..profiles import Profiles
from ..regions import union_all
from .cutter import CutPlan, cut_settings, plan_cut


def cut_from_source(source: str | Path, *, layer: str | None = None,
                    layers: list[str] | None = None, profiles: Profiles,
                    machine: str | None = None, settings: dict[str, Any] | None = None,
                    dpi: float | None = None) -> tuple[CutPlan, str]:
    """(plan, name) for a DXF/SVG drawing or a design TOML's layer ``layer``."""
    settings = dict(settings or {})
    suffix = Path(source).suffix.lower()
    if suffix in (".dxf", ".svg"):
        from ..imports import read_layers

        found = read_layers(source, dpi=dpi) if dpi else read_layers(source)
        from ..gcode.diw_job import OUTLINES

        wanted = {k: v for k, v in found.items() if not layers or k in layers}
        if not layers:
            wanted = {k: v for k, v in wanted.items() if k not in OUTLINES} or wanted
        if not wanted:
            raise ParameterError("--layer-op", f"no closed shapes on layers {', '.join(layers or [])} "
                                               f"(layers: {', '.join(found) or 'none'})")
        plan = plan_cut(union_all(wanted.values()), cut_settings(profiles, machine=machine,
                                                                 settings=settings))
        return plan, Path(source).stem
    if suffix != ".toml":
        raise ParameterError("SOURCE", f"cannot cut from {suffix or 'a file without suffix'} "
                                       "(use .dxf, .svg or a design .toml)")
    from ..design import load_design
    from ..drc import design_profile_files
    from ..export.mask import safe_name
    from ..process.stack import pick_layer, resolve_stack

    design = load_design(source)
    profiles = Profiles(design_profile_files(design)) if design_profile_files(design) else profiles
    layout = design.layout()
    chosen = pick_layer(resolve_stack(design, layout, profiles), layer, methods=("cutter",),
                        key=safe_name, ask="name the stack layer to cut")
    return plan_layer_cut(design, layout, chosen, profiles, machine=machine,
                          settings=settings), chosen.name


def plan_layer_cut(design: Any, layout: Any, layer: Any, profiles: Profiles, *,
                   machine: str | None = None, settings: dict[str, Any] | None = None) -> CutPlan:
    """The stencil cut of one stack ``layer``: on the design's substrate, with the masks'
    registration fiducials as openings and bridge warnings naming the electrodes crossed."""
    from ..export.mask import fiducials
    from ..process.stack import resolve_substrate
    from ..regions import ELECTRODE_REGIONS

    own = {**layer.settings, **(settings or {})}
    process = layer.process if layer.method == "cutter" else None
    cut = cut_settings(profiles, machine=machine, settings=own, process=process)
    proc = profiles.get("processes", process or "cutter-stencil")
    substrate = resolve_substrate(design, layout)
    line = max(0.2, 1.5 * float(proc.get("min_line_mm", 0.1) or 0.1))
    marks = fiducials(layout, substrate, line=line)[1]
    electrodes = {r: layout.get(r).intersection(layer.geometry) for r in layer.regions
                  if r in ELECTRODE_REGIONS or r == "interconnect"}
    return plan_cut(layer.geometry, cut, sheet=substrate.polygon(), marks=marks,
                    electrodes={k: v for k, v in electrodes.items() if not v.is_empty})
