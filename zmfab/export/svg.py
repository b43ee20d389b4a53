"""SVG at true scale: ``width="Wmm" height="Hmm" viewBox="0 0 W H"``, y up, one group per layer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import svgwrite
from shapely.geometry.base import BaseGeometry

from ..atomic import write_text
from ..regions import REGIONS, Layout, as_multipolygon

INKSCAPE_NS = "http://www.inkscape.org/namespaces/inkscape"

#: Region colours (zinc grey-blue anode, manganese-oxide brown cathode).
COLOURS: dict[str, str] = {
    "footprint": "#f4f1ea",
    "active_area": "#dfe8f1",
    "anode": "#7d8fa3",
    "anode_pad": "#5b6e84",
    "cathode": "#6b4a2b",
    "cathode_pad": "#4e3520",
    "keep_out": "#d9534f",
}


class Frame:
    """Maps layout coordinates (mm, y up) to SVG user units (mm, y down) inside ``bounds``."""

    def __init__(self, bounds: tuple[float, float, float, float], pad: float = 0.0) -> None:
        xmin, ymin, xmax, ymax = bounds
        self.xmin, self.ymax = xmin - pad, ymax + pad
        self.width = (xmax - xmin) + 2 * pad
        self.height = (ymax - ymin) + 2 * pad

    def point(self, x: float, y: float) -> tuple[float, float]:
        return x - self.xmin, self.ymax - y

    def path_data(self, geom: BaseGeometry) -> str:
        """SVG path data of every ring of ``geom``'s polygons, each closed."""
        parts: list[str] = []
        for poly in as_multipolygon(geom).geoms:
            for ring in (poly.exterior, *poly.interiors):
                coords = list(ring.coords)[:-1]
                if len(coords) < 3:
                    continue
                pts = " ".join(f"{px:.6f},{py:.6f}" for px, py in (self.point(x, y) for x, y in coords))
                parts.append(f"M{pts}Z")
        return "".join(parts)


def new_drawing(frame: Frame, *, title: str = "") -> svgwrite.Drawing:
    """A drawing sized in mm with a viewBox in mm."""
    dwg = svgwrite.Drawing(size=(f"{frame.width:.6f}mm", f"{frame.height:.6f}mm"), debug=False)
    dwg.viewbox(0, 0, round(frame.width, 6), round(frame.height, 6))
    dwg.attribs["xmlns:inkscape"] = INKSCAPE_NS
    if title:
        dwg.set_desc(title=title)
    return dwg


def add_layer(dwg: svgwrite.Drawing, name: str, geom: BaseGeometry, frame: Frame, *,
              style: str = "fill", colour: str = "#000000", opacity: float = 1.0,
              stroke_width: float = 0.01) -> None:
    """Add ``geom`` as a layer group labelled ``name`` (filled mask or stroked cut lines)."""
    group = dwg.g(id=_xml_id(name))
    group.attribs["inkscape:groupmode"] = "layer"
    group.attribs["inkscape:label"] = name
    data = frame.path_data(geom)
    if data:
        if style == "fill":
            path = dwg.path(d=data, fill=colour, fill_rule="evenodd", stroke="none")
            if opacity < 1.0:
                path["fill-opacity"] = f"{opacity:g}"
        else:
            path = dwg.path(d=data, fill="none", stroke=colour, stroke_width=stroke_width)
        group.add(path)
    dwg.add(group)


def _xml_id(name: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return safe if safe[:1].isalpha() else f"l_{safe}"


def layers_to_svg(layers: Mapping[str, BaseGeometry], *, bounds: tuple[float, float, float, float],
                  style: str = "fill", title: str = "",
                  colours: Mapping[str, str] | None = None) -> str:
    """SVG text of named geometries, one group per name, in the given order."""
    frame = Frame(bounds)
    dwg = new_drawing(frame, title=title)
    palette = {**COLOURS, **(colours or {})}
    for name, geom in layers.items():
        add_layer(dwg, name, geom, frame, style=style, colour=palette.get(name, "#000000"))
    return dwg.tostring()


def layout_to_svg(layout: Layout, *, regions: Iterable[str] | None = None, style: str = "fill") -> str:
    """SVG text of ``layout``: one group per region, framed by the layout's bounds."""
    names = list(regions) if regions is not None else [r for r in REGIONS if r in layout]
    names += [r for r in layout if r not in names and regions is None]
    layers = {name: layout[name] for name in names if name in layout}
    return layers_to_svg(layers, bounds=layout.bounds, style=style,
                         title=str(layout.meta.get("title", layout.family)))


def write_svg(layout: Layout, path: str | Path, *, regions: Iterable[str] | None = None,
              style: str = "fill", **_: object) -> Path:
    """Write ``layout`` as SVG to ``path`` atomically."""
    return write_text(path, layout_to_svg(layout, regions=regions, style=style))
