"""Build step of the bench routes: cutter stencils, inkjet bitmaps, stamps and molds, deposits.

Each stack layer whose method is one of :data:`ROUTES` gets the file its machine or bench needs
and a line in ``report.json["routes"]`` (``layer``, ``method``, ``files`` and its figures):

* ``cutter``: ``cut/<layer>.plt`` (HPGL), ``cut/<layer>.svg`` (Silhouette Studio) and
  ``cut/<layer>-preview.svg`` (the cut order);
* ``inkjet``: ``inkjet/<layer>.png`` and ``.tif`` (one pixel per drop, DPI set), ``drops``,
  ``volume_uL``, ``print_layers``;
* ``stamp`` / ``mold``: ``relief/<layer>.stl`` (mm, watertight) and ``relief/<layer>.svg``;
* ``electrodeposit``: ``deposit/<layer>.csv`` (potentiostat steps) and ``.svg``, ``charge_C``,
  ``current_mA``, ``time_s``.

A bad setting stops the build naming ``stack[i] (layer).key``; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import DesignError, ParameterError
from ..export.mask import safe_name
from ..process.stack import Layer


def cutter_route(ctx: Any, layer: Layer, profiles: Any) -> dict[str, Any]:
    """HPGL, Silhouette SVG and preview of a cutter-stencil layer."""
    from ..atomic import write_text
    from ..export.cut_svg import cut_preview_svg, cut_svg
    from ..toolpath.cut_source import plan_layer_cut

    plan = plan_layer_cut(ctx.design, ctx.layout, layer, profiles)
    ctx.warnings.extend(f"{layer.name}: {w}" for w in plan.warnings)
    name = safe_name(layer.name)
    files = [f"cut/{name}.plt", f"cut/{name}.svg", f"cut/{name}-preview.svg"]
    title = f"{ctx.design.title} - {layer.name}"
    write_text(ctx.path(files[0]), "\n".join(plan.hpgl) + "\n")
    write_text(ctx.path(files[1]), cut_svg(plan, title=title))
    write_text(ctx.path(files[2]), cut_preview_svg(plan, title=title))
    return {"files": files, **plan.figures()}


def inkjet_route(ctx: Any, layer: Layer, profiles: Any) -> dict[str, Any]:
    """PNG and TIFF bitmaps (one pixel per drop) and the drop figures of an inkjet layer."""
    from ..atomic import write_bytes
    from ..export.bitmap import png_bytes, tiff_bytes
    from ..process.inkjet import inkjet_settings, plan_inkjet
    from ..process.stack import resolve_substrate

    settings = inkjet_settings(profiles, settings=dict(layer.settings), process=layer.process,
                               material=layer.material)
    # every inkjet layer on the substrate's frame, so their bitmaps register on one another
    plan = plan_inkjet(layer.geometry, settings,
                       bounds=resolve_substrate(ctx.design, ctx.layout).bounds)
    name = safe_name(layer.name)
    files = [f"inkjet/{name}.png", f"inkjet/{name}.tif"]
    write_bytes(ctx.path(files[0]), png_bytes(plan.bitmap, dpi=plan.dpi))
    write_bytes(ctx.path(files[1]), tiff_bytes(plan.bitmap, dpi=plan.dpi))
    ctx.warnings.extend(f"{layer.name}: {w}" for w in plan.warnings)
    return {"files": files, **plan.figures()}


def relief_route(ctx: Any, layer: Layer, profiles: Any) -> dict[str, Any]:
    """A watertight STL (and a top-view picture) of a stamp or mold layer."""
    from ..atomic import write_bytes, write_text
    from ..export.stl import stl_bytes
    from ..process.relief import plan_relief, relief_settings, relief_svg

    settings = relief_settings(profiles, settings=dict(layer.settings), process=layer.process,
                               kind=layer.method)
    plan = plan_relief(layer.geometry, settings)
    name = safe_name(layer.name)
    files = [f"relief/{name}.stl", f"relief/{name}.svg"]
    write_bytes(ctx.path(files[0]), stl_bytes(plan.mesh, title=f"zmfab {layer.method} {layer.name}"))
    write_text(ctx.path(files[1]), relief_svg(plan, title=f"{ctx.design.title} - {layer.name}"))
    return {"files": files, **plan.figures()}


def deposit_route(ctx: Any, layer: Layer, profiles: Any) -> dict[str, Any]:
    """Faraday's-law charge, current and time of an electrodeposited layer, and its step file."""
    from ..analysis.deposit import layer_deposit, steps_csv
    from ..atomic import write_text
    from ..export.deposit_svg import deposit_svg
    from ..regions import union_all

    plan = layer_deposit(layer, profiles)
    name = safe_name(layer.name)
    files = [f"deposit/{name}.csv", f"deposit/{name}.svg"]
    write_text(ctx.path(files[0]), steps_csv(plan))
    kinds = {r.split("_")[0] for r in layer.regions} & {"anode", "cathode"}
    electrode = union_all(ctx.layout.electrode(k) for k in sorted(kinds)) if kinds else layer.geometry
    contact = union_all(ctx.layout.get(f"{k}_pad") for k in sorted(kinds))
    write_text(ctx.path(files[1]), deposit_svg(plan, deposit=layer.geometry, electrode=electrode,
                                               contact=contact, title=f"{ctx.design.title} - {layer.name}"))
    return {"files": files, **plan.to_dict()}


#: method -> the route that plans it.
ROUTES: dict[str, Callable[[Any, Layer, Any], dict[str, Any]]] = {
    "cutter": cutter_route,
    "inkjet": inkjet_route,
    "stamp": relief_route,
    "mold": relief_route,
    "electrodeposit": deposit_route,
}


def routes_step(ctx: Any) -> None:
    """Build step: every route layer's files, and ``report["routes"]``."""
    from ..drc import design_profile_files
    from ..process.stack import resolve_stack
    from ..profiles import Profiles

    profiles = Profiles(design_profile_files(ctx.design) + list(ctx.options.get("profiles", [])))
    layers = ctx.options.get("stack_layers") or resolve_stack(ctx.design, ctx.layout, profiles)
    entries = []
    src = ctx.design.path or "<design>"
    for i, layer in enumerate(layers):
        route = ROUTES.get(layer.method)
        if route is None or layer.geometry.is_empty:
            continue
        try:
            entry = route(ctx, layer, profiles)
        except DesignError:
            raise
        except ParameterError as exc:
            message = str(exc).split(": ", 1)[1]
            field = exc.field.removeprefix(f"{layer.name}.")
            raise DesignError(f"{src}: stack[{i + 1}] ({layer.name}).{field}", message) from None
        entries.append({"layer": layer.name, "method": layer.method, **entry})
    if entries:
        ctx.report["routes"] = entries
