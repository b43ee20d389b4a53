"""GDSII (the ``gds`` extra, gdstk): one GDS layer per region and per stack layer, units of 1 µm.

GDSII polygons have no holes, so each polygon with holes is written as gdstk's boolean
difference of its outline and its holes, which joins every hole to the outline by a cut line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from ..atomic import write_with
from ..errors import ParameterError
from ..regions import REGIONS, Layout, as_multipolygon

#: GDS layer number of each region (datatype 0).
REGION_LAYERS: dict[str, int] = {"footprint": 1, "active_area": 2, "anode": 10, "anode_pad": 11,
                                 "cathode": 20, "cathode_pad": 21, "interconnect": 30, "keep_out": 90}
#: Stack layers are numbered from here, in stack order.
STACK_LAYER_BASE = 100
#: Database unit and user unit: coordinates in mm are stored in 1 nm steps.
UNIT = 1e-3
PRECISION = 1e-9


def _gdstk() -> Any:
    try:
        import gdstk
    except ImportError:
        raise ParameterError("--output", "GDSII needs the gds extra: pip install 'zmfab[gds]' "
                                         "(gdstk is not installed)") from None
    return gdstk


def layer_numbers(layout: Layout, stack: list[Any] | None = None) -> dict[str, int]:
    """Name -> GDS layer number: regions first (:data:`REGION_LAYERS`), then stack layers."""
    numbers: dict[str, int] = {}
    spare = max(REGION_LAYERS.values()) + 1
    for name in layout.regions:
        if name in REGION_LAYERS:
            numbers[name] = REGION_LAYERS[name]
        else:
            numbers[name] = spare
            spare += 1
    for i, lay in enumerate(stack or []):
        numbers[f"stack:{lay.name}"] = STACK_LAYER_BASE + i
    return numbers


def polygons(gdstk: Any, geom: BaseGeometry, layer: int) -> list[Any]:
    """gdstk polygons (holes joined by cut lines) of ``geom`` on ``layer``, coordinates in mm."""
    out: list[Any] = []
    for poly in as_multipolygon(geom).geoms:
        outer = gdstk.Polygon(list(poly.exterior.coords)[:-1], layer=layer)
        if not poly.interiors:
            out.append(outer)
            continue
        holes = [gdstk.Polygon(list(h.coords)[:-1]) for h in poly.interiors]
        out.extend(gdstk.boolean(outer, holes, "not", precision=1e-6, layer=layer, datatype=0))
    return out


def layers_to_library(layers: Mapping[str, BaseGeometry], numbers: Mapping[str, int], *,
                      cell: str = "ZMFAB") -> Any:
    """A gdstk Library with one cell holding every named geometry on its layer number."""
    gdstk = _gdstk()
    lib = gdstk.Library(unit=UNIT, precision=PRECISION)
    top = lib.new_cell(cell)
    for name, geom in layers.items():
        top.add(*polygons(gdstk, geom, numbers[name]))
    return lib


def write_gds(layout: Layout, path: str | Path, *, stack: list[Any] | None = None,
              **_: object) -> Path:
    """Write ``layout`` (and its ``stack`` layers, when given) as GDSII to ``path`` atomically."""
    numbers = layer_numbers(layout, stack)
    names = [r for r in REGIONS if r in layout] + [r for r in layout.regions if r not in REGIONS]
    layers: dict[str, BaseGeometry] = {n: layout[n] for n in names}
    for lay in stack or []:
        layers[f"stack:{lay.name}"] = lay.geometry
    lib = layers_to_library(layers, numbers, cell=_cell_name(layout))
    return write_with(path, lambda tmp: lib.write_gds(str(tmp), max_points=8190))


def read_gds_layers(path: str | Path) -> dict[int, BaseGeometry]:
    """Polygons of a GDS file by layer number, as Shapely geometry in mm (for checks)."""
    import shapely
    from shapely.geometry import Polygon

    gdstk = _gdstk()
    lib = gdstk.read_gds(str(path), unit=UNIT)
    out: dict[int, list[Any]] = {}
    for cell in lib.top_level():
        for poly in cell.polygons:
            out.setdefault(poly.layer, []).append(shapely.make_valid(Polygon(poly.points)))
    return {k: shapely.union_all(v) for k, v in out.items()}


def _cell_name(layout: Layout) -> str:
    title = str(layout.meta.get("title", layout.family))
    return "".join(c if c.isalnum() else "_" for c in title)[:32] or "ZMFAB"
