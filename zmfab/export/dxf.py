"""DXF in mm (``$INSUNITS = 4``): a layer per region, closed polylines, holes as their own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import ezdxf
import numpy as np
from ezdxf.document import Drawing
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from ..atomic import write_text, write_with
from ..errors import ParameterError
from ..regions import REGIONS, Layout, as_multipolygon

VERSIONS: dict[str, str] = {"R12": "R12", "R2000": "R2000", "R2004": "R2004", "R2007": "R2007",
                            "R2010": "R2010", "R2013": "R2013", "R2018": "R2018"}

#: AutoCAD colour index per region.
ACI: dict[str, int] = {"footprint": 8, "active_area": 9, "anode": 5, "anode_pad": 5,
                       "cathode": 1, "cathode_pad": 1, "keep_out": 2}


def _version(version: str) -> str:
    key = version.upper()
    if key not in VERSIONS:
        raise ParameterError("--dxf-version", f"{version!r} is not supported (use {', '.join(VERSIONS)})")
    return VERSIONS[key]


def layers_to_dxf(layers: Mapping[str, BaseGeometry], *, version: str = "R2010",
                  colours: Mapping[str, int] | None = None) -> Drawing:
    """A DXF document with one layer per name; every ring a closed (LW)POLYLINE, none on layer 0."""
    doc = ezdxf.new(_version(version), setup=False)
    doc.header["$INSUNITS"] = 4
    doc.header["$MEASUREMENT"] = 1
    msp = doc.modelspace()
    legacy = doc.dxfversion == "AC1009"
    palette = {**ACI, **(colours or {})}
    for name, geom in layers.items():
        layer_name = name if name != "0" else "layer_0"
        if layer_name not in doc.layers:
            doc.layers.add(layer_name, color=palette.get(name, 7))
        attribs = {"layer": layer_name}
        for poly in as_multipolygon(geom).geoms:
            for ring in (poly.exterior, *poly.interiors):
                xy = np.round(np.asarray(ring.coords)[:-1, :2], 6)
                if len(xy) < 3:
                    continue
                if legacy:
                    msp.add_polyline2d(xy.tolist(), close=True, dxfattribs=attribs)
                else:
                    _add_lwpolyline(msp, xy, attribs)
    return doc


def _add_lwpolyline(msp, xy: np.ndarray, attribs: dict) -> None:
    """A closed LWPOLYLINE from an (N, 2) array.

    ezdxf appends vertices one at a time (quadratic in N); setting the packed vertex array
    (x, y, start width, end width, bulge) directly is linear.
    """
    entity = msp.add_lwpolyline([], close=True, dxfattribs=attribs)
    packed = np.zeros((len(xy), 5), dtype=np.float64)
    packed[:, :2] = xy
    entity.lwpoints.values = packed


def _region_layers(layout: Layout, regions: Iterable[str] | None) -> dict[str, BaseGeometry]:
    names = list(regions) if regions is not None else [r for r in REGIONS if r in layout]
    names += [r for r in layout if r not in names and regions is None]
    return {n: layout[n] for n in names if n in layout}


def layout_to_dxf(layout: Layout, *, version: str = "R2010",
                  regions: Iterable[str] | None = None) -> Drawing:
    """A DXF document of ``layout``, one layer per region."""
    return layers_to_dxf(_region_layers(layout, regions), version=version)


def layers_to_dxf_text(layers: Mapping[str, BaseGeometry], *, version: str = "R2010",
                       colours: Mapping[str, int] | None = None,
                       header_vars: Mapping[str, str] | None = None) -> str:
    """DXF text of named geometries, as :func:`layers_to_dxf` draws them, fast.

    For R2000 and later the closed LWPOLYLINEs are formatted here and placed in the ENTITIES
    section of an otherwise ezdxf-made document (header, tables, layers): ezdxf writes one tag
    object per vertex, which takes minutes for layouts with a million vertices. R12 (POLYLINE
    with VERTEX entities) goes through ezdxf. ``header_vars`` become custom header properties.
    """
    import io

    def finish(doc: Drawing) -> Drawing:
        for key, value in (header_vars or {}).items():
            doc.header.custom_vars.append(key, value)
        return doc

    stream = io.StringIO()
    if _version(version) == "R12":
        finish(layers_to_dxf(layers, version=version, colours=colours)).write(stream)
        return stream.getvalue()
    doc = finish(layers_to_dxf({n: MultiPolygon() for n in layers}, version=version, colours=colours))
    owner = doc.modelspace().block_record_handle
    handles = doc.entitydb.handles
    first = int(str(handles), 16)
    chunks: list[str] = []
    count = 0
    for name, geom in layers.items():
        layer = name if name != "0" else "layer_0"
        for poly in as_multipolygon(geom).geoms:
            for ring in (poly.exterior, *poly.interiors):
                pts = list(ring.coords)[:-1]
                if len(pts) < 3:
                    continue
                chunks.append(f"  0\nLWPOLYLINE\n  5\n{first + count:X}\n330\n{owner}\n100\nAcDbEntity\n"
                              f"  8\n{layer}\n100\nAcDbPolyline\n 90\n{len(pts)}\n 70\n1\n")
                chunks.append("".join(f" 10\n{x:.6f}\n 20\n{y:.6f}\n" for x, y, *_ in pts))
                count += 1
    handles.reset(f"{first + count:X}")
    doc.write(stream)
    text = stream.getvalue()
    marker = "\n  2\nENTITIES\n"
    start = text.index(marker) + len(marker)
    end = text.index("  0\nENDSEC\n", start)
    return text[:end] + "".join(chunks) + text[end:]


def save_dxf(doc: Drawing, path: str | Path) -> Path:
    """Save ``doc`` to ``path`` atomically."""
    return write_with(path, lambda tmp: doc.saveas(tmp))


def write_dxf(layout: Layout, path: str | Path, *, dxf_version: str = "R2010",
              regions: Iterable[str] | None = None, **_: object) -> Path:
    """Write ``layout`` as DXF to ``path`` atomically."""
    return write_text(path, layers_to_dxf_text(_region_layers(layout, regions), version=dxf_version))
