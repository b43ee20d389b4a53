"""Masks and stencils: one artwork per printed layer, as its process needs it.

Every artwork shares the same frame and the same registration fiducials (crosses or discs midway
between the footprint and the substrate edge), and carries the design title and layer name as
outlined text below the substrate. A film mask is drawn positive (printed areas opaque) or
negative (a dark field, printed areas clear), right-reading or mirrored; a stencil is the cut
outline of its apertures, with bridges added so no island of film falls out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from ..atomic import write_text
from ..errors import ParameterError
from ..process.bridges import StencilPlan, bridge_stencil
from ..process.stack import MASKED_METHODS, Layer, Substrate
from ..regions import ELECTRODE_REGIONS, Layout, as_multipolygon, union_all
from .outline_text import outline_text, text_width

POLARITIES = ("positive", "negative")
FIDUCIAL_STYLES = ("cross", "circle")
#: Frame margin around the substrate (mm) and the band below it that holds the label.
FRAME_MARGIN = 3.0
LABEL_HEIGHT = 1.5
FIDUCIAL_ARM = 1.0


@dataclass(frozen=True)
class MaskSpec:
    """How a layer's mask is drawn: polarity, mirrored or not, fiducial style, film or stencil."""

    polarity: str = "positive"
    mirror: bool = False
    emulsion: str = "down"
    fiducial: str = "cross"
    kind: str = "film"


@dataclass
class MaskArtwork:
    """One layer's mask: printed areas, fiducials, label and frame in mm (already mirrored)."""

    layer: str
    title: str
    spec: MaskSpec
    features: MultiPolygon
    fiducials: MultiPolygon
    fiducial_points: list[tuple[float, float]]
    label: MultiPolygon
    frame: Polygon
    plan: StencilPlan | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file and CAD-layer name of this layer (``anode ink`` -> ``anode_ink``)."""
        return safe_name(self.layer)

    def drawn(self) -> dict[str, BaseGeometry]:
        """Named geometries as drawn on the film: the dark field too when negative."""
        out: dict[str, BaseGeometry] = {}
        if self.spec.polarity == "negative":
            clear = union_all([self.features, self.fiducials, self.label])
            out["field"] = as_multipolygon(self.frame.difference(clear))
        out[self.name] = self.features
        out["fiducials"] = self.fiducials
        out["label"] = self.label
        out["frame"] = self.frame
        return out

    def report(self) -> dict[str, Any]:
        """Plain data for report.json."""
        data: dict[str, Any] = {
            "layer": self.layer, "kind": self.spec.kind, "polarity": self.spec.polarity,
            "mirror": self.spec.mirror, "emulsion": self.spec.emulsion,
            "fiducials": [[round(x, 4), round(y, 4)] for x, y in self.fiducial_points],
            "printed_area_mm2": round(self.features.area, 6), "frame_mm": [round(v, 4) for v in self.frame.bounds],
        }
        if self.plan is not None:
            data.update({"islands": self.plan.islands, "bridges": [b.to_dict() for b in self.plan.bridges]})
        return data


def safe_name(name: str) -> str:
    """A file/CAD-safe layer name: letters, digits, ``-`` and ``_``."""
    text = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_")
    return text or "layer"


def mask_spec(layer: Layer, profiles: Any) -> MaskSpec:
    """The mask settings of ``layer``: its process profile's ``[mask]``, overridden by the layer's."""
    base: dict[str, Any] = {}
    if profiles is not None and layer.process in profiles.names("processes"):
        base = dict(profiles.get("processes", layer.process).get("mask", {}))
    base.update({k: layer.settings[k] for k in ("polarity", "mirror", "fiducial", "emulsion")
                 if k in layer.settings})
    polarity = str(base.get("polarity", "positive")).lower()
    if polarity not in POLARITIES:
        raise ParameterError(f"stack.{layer.name}.polarity",
                             f"{polarity!r} is not allowed (use one of {', '.join(POLARITIES)})")
    fiducial = str(base.get("fiducial", "cross")).lower()
    if fiducial not in FIDUCIAL_STYLES:
        raise ParameterError(f"stack.{layer.name}.fiducial",
                             f"{fiducial!r} is not allowed (use one of {', '.join(FIDUCIAL_STYLES)})")
    mirror = base.get("mirror", False)
    if not isinstance(mirror, bool):
        raise ParameterError(f"stack.{layer.name}.mirror", f"{mirror!r} is not true or false")
    return MaskSpec(polarity, mirror, str(base.get("emulsion", "down")), fiducial,
                    "stencil" if layer.method == "stencil" else "film")


def fiducials(layout: Layout, substrate: Substrate, *, style: str = "cross",
              line: float = 0.3) -> tuple[list[tuple[float, float]], MultiPolygon]:
    """Four registration marks midway between the footprint's corners and the substrate's edges."""
    ref = layout.get("footprint") if "footprint" in layout else union_all(layout.regions.values())
    fx0, fy0, fx1, fy1 = ref.bounds
    sx0, sy0, sx1, sy1 = substrate.bounds
    xs = ((fx0 + sx0) / 2, (fx1 + sx1) / 2)
    ys = ((fy0 + sy0) / 2, (fy1 + sy1) / 2)
    room = min(fx0 - sx0, sx1 - fx1, fy0 - sy0, sy1 - fy1)
    arm = max(min(FIDUCIAL_ARM, room / 2 * 0.8), 2 * line)
    points = [(xs[0], ys[0]), (xs[1], ys[0]), (xs[1], ys[1]), (xs[0], ys[1])]
    marks = []
    for x, y in points:
        if style == "circle":
            from shapely.geometry import Point

            marks.append(Point(x, y).buffer(arm / 2, quad_segs=16))
        else:
            marks.append(union_all([box(x - arm, y - line / 2, x + arm, y + line / 2),
                                    box(x - line / 2, y - arm, x + line / 2, y + arm)]))
    return points, as_multipolygon(union_all(marks))


def mask_artwork(layer: Layer, *, layout: Layout, substrate: Substrate, profiles: Any,
                 title: str = "", fiducial_line: float | None = None) -> MaskArtwork:
    """The artwork of one printed layer (stencils bridged), in mm, mirrored when the spec says so.

    ``fiducial_line`` (mm) is the stroke of the fiducial marks; :func:`stack_masks` passes the
    same one to every layer so the marks are identical.
    """
    spec = mask_spec(layer, profiles)
    process = profiles.get("processes", layer.process) if (
        profiles is not None and layer.process in profiles.names("processes")) else {}
    min_line = float(process.get("min_line_mm", 0.1) or 0.1)
    line = fiducial_line or max(0.2, 1.5 * min_line)
    points, marks = fiducials(layout, substrate, style=spec.fiducial, line=line)
    sx0, sy0, sx1, sy1 = substrate.bounds
    band = 2 * LABEL_HEIGHT * 1.7 + 1.0
    frame = box(sx0 - FRAME_MARGIN, sy0 - FRAME_MARGIN - band, sx1 + FRAME_MARGIN, sy1 + FRAME_MARGIN)
    fx0, _, fx1, _ = frame.bounds
    lines = [title or layout.meta.get("title", layout.family),
             f"{layer.name} - {layer.method} {spec.polarity}" + (" mirrored" if spec.mirror else "")]
    width = fx1 - fx0 - 2.0
    label_parts = []
    for i, text in enumerate(lines):
        h = min(LABEL_HEIGHT, LABEL_HEIGHT * width / max(text_width(text, LABEL_HEIGHT), 1e-9))
        label_parts.append(outline_text(str(text), height=h, x=(fx0 + fx1) / 2, anchor="middle",
                                        y=sy0 - FRAME_MARGIN / 2 - (i + 1) * LABEL_HEIGHT * 1.7))
    label = as_multipolygon(union_all(label_parts))
    features = layer.geometry
    plan = None
    warnings: list[str] = []
    if layer.method == "stencil":
        bridge_w = float(process.get("bridge_width_mm", max(0.3, min_line)))
        per = int(process.get("bridges_per_island", 1))
        electrodes = {r: layout.get(r).intersection(layer.geometry) for r in layer.regions
                      if r in ELECTRODE_REGIONS or r == "interconnect"}
        plan = bridge_stencil(features, substrate.polygon(), width=bridge_w, per_island=per,
                              electrodes={k: v for k, v in electrodes.items() if not v.is_empty})
        features = plan.apertures
        warnings += [f"{layer.name}: {w}" for w in plan.warnings]
    if spec.mirror:
        cx = (fx0 + fx1) / 2

        def flip(g: BaseGeometry) -> MultiPolygon:
            return as_multipolygon(affinity.scale(g, xfact=-1, yfact=1, origin=(cx, 0)))

        features, marks, label = flip(features), flip(marks), flip(label)
        points = [(2 * cx - x, y) for x, y in points]
    return MaskArtwork(layer.name, str(lines[0]), spec, as_multipolygon(features), marks, points,
                       label, frame, plan, warnings)


def stack_masks(layers: list[Layer], *, layout: Layout, substrate: Substrate, profiles: Any,
                title: str = "") -> list[MaskArtwork]:
    """Artworks of every layer printed through a screen, stencil or photomask."""
    printed = [lay for lay in layers if lay.method in MASKED_METHODS]
    lines = [0.2]
    for lay in printed:
        if profiles is not None and lay.process in profiles.names("processes"):
            lines.append(1.5 * float(profiles.get("processes", lay.process).get("min_line_mm", 0.1) or 0.1))
    return [mask_artwork(lay, layout=layout, substrate=substrate, profiles=profiles, title=title,
                         fiducial_line=max(lines)) for lay in printed]


def mask_svg(art: MaskArtwork) -> str:
    """SVG text of ``art`` at true scale: filled film (black on clear) or stencil cut lines."""
    from .svg import Frame, add_layer, new_drawing

    frame = Frame(art.frame.bounds)
    dwg = new_drawing(frame, title=f"{art.title} - {art.layer}")
    drawn = art.drawn()
    if art.spec.kind == "stencil":
        for name in (art.name, "fiducials"):
            add_layer(dwg, name, drawn[name], frame, style="stroke", colour="#000000", stroke_width=0.02)
        add_layer(dwg, "label", drawn["label"], frame, colour="#888888")
    else:
        clear = "#ffffff" if art.spec.polarity == "negative" else "#000000"
        if "field" in drawn:
            add_layer(dwg, "field", drawn["field"], frame, colour="#000000")
        for name in (art.name, "fiducials", "label"):
            add_layer(dwg, name, drawn[name], frame, colour=clear)
    add_layer(dwg, "frame", drawn["frame"], frame, style="stroke", colour="#000000", stroke_width=0.05)
    return dwg.tostring()


def mask_dxf(art: MaskArtwork, *, version: str = "R2010"):
    """A DXF of ``art`` as mask shops take it: closed polylines, named layers, no zero areas."""
    from .dxf import layers_to_dxf

    names = [art.name, "fiducials", "label", "frame"]
    drawn = art.drawn()
    clean = {name.upper() if name != art.name else name: _no_slivers(drawn[name]) for name in names}
    doc = layers_to_dxf(clean, version=version, colours=MASK_ACI)
    for key, value in _mask_header(art).items():
        doc.header.custom_vars.append(key, value)
    return doc


MASK_ACI = {"FIDUCIALS": 3, "LABEL": 8, "FRAME": 8}


def _mask_header(art: MaskArtwork) -> dict[str, str]:
    return {"ZMFAB_POLARITY": art.spec.polarity, "ZMFAB_MIRROR": "yes" if art.spec.mirror else "no",
            "ZMFAB_KIND": art.spec.kind, "ZMFAB_EMULSION": art.spec.emulsion}


def _no_slivers(geom: BaseGeometry, min_area: float = 1e-8) -> MultiPolygon:
    polys = []
    for p in as_multipolygon(geom).geoms:
        if p.area <= min_area:
            continue
        holes = [h for h in p.interiors if Polygon(h).area > min_area]
        polys.append(Polygon(p.exterior, holes))
    return MultiPolygon(polys)


def mask_dxf_text(art: MaskArtwork, *, version: str = "R2010") -> str:
    """DXF text of ``art``, as :func:`mask_dxf` draws it (fast for large panels)."""
    from .dxf import layers_to_dxf_text

    drawn = art.drawn()
    names = [art.name, "fiducials", "label", "frame"]
    clean = {name.upper() if name != art.name else name: _no_slivers(drawn[name]) for name in names}
    return layers_to_dxf_text(clean, version=version, colours=MASK_ACI,
                              header_vars=_mask_header(art))


def write_mask(art: MaskArtwork, folder: str | Path, *, dxf_version: str = "R2010") -> list[Path]:
    """Write ``<folder>/<layer>.svg`` and ``.dxf`` atomically; return their paths."""
    base = Path(folder)
    svg = write_text(base / f"{art.name}.svg", mask_svg(art))
    dxf = write_text(base / f"{art.name}.dxf", mask_dxf_text(art, version=dxf_version))
    return [svg, dxf]
