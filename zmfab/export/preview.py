"""A picture of what will be fabricated: regions coloured, a legend, a scale bar, the title."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from shapely.geometry.base import BaseGeometry

from ..atomic import write_text
from ..regions import REGIONS, Layout
from .svg import COLOURS, Frame, add_layer, new_drawing

LEGEND_WIDTH_FRACTION = 0.35


def nice_scale(span: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^k mm) near a fifth of ``span``."""
    target = max(span / 5.0, 1e-6)
    base = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * base <= target:
            return step * base
    return base


def preview_svg(layers: Mapping[str, BaseGeometry], *, bounds: tuple[float, float, float, float],
                title: str = "", colours: Mapping[str, str] | None = None,
                opacity: Mapping[str, float] | None = None,
                outlines: Mapping[str, BaseGeometry] | None = None) -> str:
    """SVG text: filled layers (with optional opacity), outlines, legend and scale bar."""
    xmin, ymin, xmax, ymax = bounds
    span = max(xmax - xmin, ymax - ymin, 1e-3)
    pad = 0.08 * span
    text_h = 0.035 * span
    legend_w = LEGEND_WIDTH_FRACTION * span
    frame = Frame((xmin, ymin - 2 * text_h, xmax + legend_w, ymax + 2 * text_h), pad)
    dwg = new_drawing(frame, title=title)
    dwg.add(dwg.rect((0, 0), (frame.width, frame.height), fill="white"))
    palette = {**COLOURS, **(colours or {})}
    alpha = opacity or {}
    for name, geom in layers.items():
        add_layer(dwg, name, geom, frame, colour=palette.get(name, "#888888"), opacity=alpha.get(name, 1.0))
    for name, geom in (outlines or {}).items():
        add_layer(dwg, name, geom, frame, style="stroke", colour=palette.get(name, "#000000"),
                  stroke_width=span / 800)
    ui = dwg.g(id="annotations")
    ui.attribs["inkscape:groupmode"] = "layer"
    ui.attribs["inkscape:label"] = "annotations"
    font = {"font_size": f"{text_h:.4f}", "font_family": "sans-serif"}
    if title:
        tx, ty = frame.point(xmin, ymax + text_h)
        ui.add(dwg.text(title, insert=(tx, ty), **font))
    lx = xmax + 0.1 * legend_w
    for i, name in enumerate(n for n in layers if not layers[n].is_empty):
        x, y = frame.point(lx, ymax - (i + 1) * 1.6 * text_h)
        ui.add(dwg.rect((x, y - text_h), (text_h, text_h), fill=palette.get(name, "#888888"),
                        stroke="black", stroke_width=text_h / 20))
        ui.add(dwg.text(name.replace("_", " "), insert=(x + 1.5 * text_h, y - 0.1 * text_h), **font))
    bar = nice_scale(xmax - xmin)
    bx, by = frame.point(xmin, ymin - 1.2 * text_h)
    ui.add(dwg.rect((bx, by), (bar, text_h / 3), fill="black"))
    label = f"{bar:g} mm" if bar >= 1 else f"{bar * 1000:g} µm"
    ui.add(dwg.text(label, insert=(bx + bar + 0.3 * text_h, by + text_h / 3), **font))
    dwg.add(ui)
    return dwg.tostring()


def layout_preview_svg(layout: Layout) -> str:
    """Preview of a single layout's regions."""
    names = [r for r in REGIONS if r in layout]
    layers = {n: layout[n] for n in names}
    return preview_svg(layers, bounds=layout.bounds, title=str(layout.meta.get("title", layout.family)))


def write_preview(layout: Layout, path: str | Path) -> Path:
    """Write the preview of ``layout`` to ``path`` atomically."""
    return write_text(path, layout_preview_svg(layout))


#: Preview colours of stack layers by role.
ROLE_COLOURS: dict[str, str] = {"anode": "#7d8fa3", "cathode": "#6b4a2b", "electrolyte": "#4fa3d1",
                                "encapsulation": "#d8cf9c", "interconnect": "#b8b8b8",
                                "other": "#9b7fb5"}


def stack_preview_svg(layout: Layout, layers: list, *, fiducials: BaseGeometry | None = None,
                      substrate: BaseGeometry | None = None, opacity: float = 0.55) -> str:
    """Preview of a stack: the layers in order, semi-transparent, over the footprint, with the
    substrate outline, the registration fiducials, a legend and a scale bar."""
    shown: dict[str, BaseGeometry] = {"footprint": layout.get("footprint")}
    colours: dict[str, str] = {}
    alpha: dict[str, float] = {"footprint": 0.6}
    for lay in layers:
        shown[lay.name] = lay.geometry
        colours[lay.name] = ROLE_COLOURS.get(lay.role, ROLE_COLOURS["other"])
        alpha[lay.name] = opacity
    outlines: dict[str, BaseGeometry] = {}
    if substrate is not None:
        outlines["substrate"] = substrate
        colours["substrate"] = "#444444"
    if fiducials is not None and not fiducials.is_empty:
        shown["fiducials"] = fiducials
        colours["fiducials"] = "#000000"
    geoms = [g for g in [*shown.values(), *outlines.values()] if not g.is_empty]
    from ..regions import union_all

    bounds = union_all(geoms).bounds if geoms else layout.bounds
    return preview_svg(shown, bounds=bounds, title=str(layout.meta.get("title", layout.family)),
                       colours=colours, opacity=alpha, outlines=outlines)
