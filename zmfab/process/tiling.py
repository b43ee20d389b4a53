"""A panel as copies of one cell: vectorised translation, and stack layers built once per cell.

:func:`zmfab.process.panel.panel` records a :class:`Tiling` in the panel's ``meta["tiling"]``:
the cell layout and where each copy sits. A stack layer made only of the cell's own regions is
then shaped once, on the cell, and translated to every copy (:func:`tiled_layer`), instead of
buffering, cutting and opening a 10,000-part MultiPolygon.

Why that is the same geometry. Write ``G`` for the cell's regions grown by the layer's margin,
``H`` for its excluded regions grown by the clearance, ``T_k`` for the translation to copy ``k``.
The panel's regions are the copies of the cell's, so the panel layer is
``(∪_k T_k G) \\ (∪_j T_j H)``. When the bounding box of ``G ∪ H`` is narrower than the pitch in
every direction the panel repeats in, ``T_k G`` and ``T_j H`` lie in disjoint boxes for
``j != k``; hence the layer is ``∪_k T_k (G \\ H)``, and its copies never touch (so no part is
one piece across two cells). The cleaning that follows (an opening by the process's minimum
line, intersected with the layer) acts on each connected part alone: a disc inside a union of
disjoint closed sets lies inside one of them, so it too commutes with the copies. The check of
the box is made on the cell's actual grown geometry; a layer that uses a panel-wide region
(the panel footprint, the interconnect) or whose copies could meet is built on the whole panel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from ..regions import Layout, as_multipolygon
from ..regions.merge import merge

#: Regions of a panel that are the panel's own, not copies of the cell's.
PANEL_REGIONS: frozenset[str] = frozenset({"footprint", "interconnect"})
#: An opening that moves less area than this (mm²) leaves a layer as it is.
CLEAN_NOISE = 1e-7
#: Copies closer than this (mm) count as touching.
SEPARATION = 1e-6


@dataclass(frozen=True)
class Tiling:
    """The cell a panel repeats and where: ``offsets[k]`` (mm) moves the cell onto copy ``k``
    (raster order: left to right, bottom row first), ``columns`` x ``rows`` at ``pitch`` (mm)."""

    cell: Layout
    offsets: np.ndarray
    columns: int
    rows: int
    pitch: tuple[float, float]
    #: The panel's region objects when it was made: a panel whose regions were since replaced
    #: (moved, edited) no longer matches and is built region by region.
    regions: dict[str, BaseGeometry] = field(default_factory=dict)

    def matches(self, layout: Layout, names: Sequence[str]) -> bool:
        """Whether ``layout``'s regions ``names`` are still the copies this tiling made."""
        return all(layout.regions.get(n) is self.regions.get(n) for n in names
                   if n in layout.regions or n in self.regions)

    def grid(self) -> tuple[np.ndarray, tuple[float, float], tuple[float, float]]:
        """(offsets, pitch, the corner of the cell's box in its frame), all mm."""
        cell = self.cell
        x0, y0 = (cell.get("footprint") if "footprint" in cell else shapely.box(*cell.bounds)).bounds[:2]
        return self.offsets, self.pitch, (x0, y0)

    def fits(self, bounds: tuple[float, float, float, float]) -> bool:
        """Whether geometry within ``bounds`` (cell frame, mm) stays clear of its own copies."""
        x0, y0, x1, y1 = bounds
        px, py = self.pitch
        return ((self.columns == 1 or x1 - x0 < px - SEPARATION) and
                (self.rows == 1 or y1 - y0 < py - SEPARATION))


def tile(geom: BaseGeometry, offsets: np.ndarray) -> MultiPolygon:
    """Copies of ``geom``'s polygons moved by each of ``offsets`` (n x 2, mm), copy by copy."""
    parts = shapely.get_parts(as_multipolygon(geom))
    offsets = np.asarray(offsets, dtype=float).reshape(-1, 2)
    if len(parts) == 0 or len(offsets) == 0:
        return MultiPolygon()
    copies = np.tile(parts, len(offsets))
    counts = shapely.get_num_coordinates(copies)
    shift = np.repeat(np.repeat(offsets, len(parts), axis=0), counts, axis=0)
    moved = shapely.transform(copies, lambda xy: xy + shift)
    return shapely.multipolygons(moved)


def tiling_of(layout: Layout) -> Tiling | None:
    """The layout's :class:`Tiling`, or None when it is not a panel of identical copies."""
    t = layout.meta.get("tiling")
    return t if isinstance(t, Tiling) else None


def grown(layout: Layout, names: Sequence[str], distance: float) -> BaseGeometry:
    """The union of regions ``names`` grown by ``distance`` mm (mitred, as the stack grows)."""
    geom = merge(layout.get(r) for r in names)
    if distance and not geom.is_empty:
        geom = geom.buffer(distance, join_style="mitre", mitre_limit=2.0)
    return geom


ShapeFunc = Callable[..., tuple[MultiPolygon, float]]


def tiled_layer(layout: Layout, regions: Sequence[str], *, margin: float,
                exclude: Sequence[str], clearance: float, min_line: float | None,
                shape: ShapeFunc,
                clean: Callable[[MultiPolygon, float], MultiPolygon]) -> tuple[MultiPolygon, float] | None:
    """(geometry, area removed by cleaning in mm²) of a panel's layer from its cell's, or None
    when the panel is not tiled or the layer is not a copy of the cell's (see the module).

    ``shape(cell_layout, regions, margin=, exclude=, clearance=, min_line=)`` shapes the cell;
    ``clean(geometry, min_line)`` cleans a panel-wide layer (the stack's own functions).
    """
    t = tiling_of(layout)
    names = [*regions, *exclude]
    if t is None or not t.matches(layout, names):
        return None
    if any(n in PANEL_REGIONS and n in layout.regions for n in exclude):
        return None
    if all(n in PANEL_REGIONS for n in regions):
        return _panel_wide(layout, t, regions, margin=margin, exclude=exclude,
                           clearance=clearance, min_line=min_line, clean=clean)
    if any(n in PANEL_REGIONS and n in layout.regions for n in regions):
        return None
    cell = t.cell
    reach = [g for g in (grown(cell, regions, margin),
                         grown(cell, exclude, clearance if clearance > 0 else 0.0)) if not g.is_empty]
    if reach and not t.fits(tuple(shapely.total_bounds(reach))):
        return None
    geom, removed = shape(cell, list(regions), margin=margin, exclude=list(exclude),
                          clearance=clearance, min_line=min_line)
    return tile(geom, t.offsets), removed * len(t.offsets)



def _panel_wide(layout: Layout, t: Tiling, regions: Sequence[str], *, margin: float,
                exclude: Sequence[str], clearance: float,
                min_line: float | None,
                clean: Callable[[MultiPolygon, float], MultiPolygon]) -> tuple[MultiPolygon, float] | None:
    """A panel-wide layer (e.g. encapsulation over the panel footprint) less each cell's
    excluded regions: the cell's holes, grown once and translated, become interior rings of
    the panel-wide polygons directly. That is the difference itself when every hole lies inside
    its polygon without touching an edge and the copies of the cell's holes stay apart (each
    hole one ring, the cell's holes merged apart); otherwise None. The cleaning (an opening
    across cells) then runs on the whole layer."""
    base = as_multipolygon(grown(layout, regions, margin))
    holes_cell = as_multipolygon(grown(t.cell, exclude, clearance if clearance > 0 else 0.0))
    if base.is_empty or holes_cell.is_empty or not exclude:
        return None
    if any(len(p.interiors) for p in holes_cell.geoms) or not t.fits(holes_cell.bounds):
        return None
    holes = np.asarray(tile(holes_cell, t.offsets).geoms)
    polys = np.asarray(base.geoms)
    owner = np.full(len(holes), -1)
    inside, which = shapely.STRtree(polys).query(holes, predicate="within")
    owner[inside] = which
    if (owner < 0).any() or not shapely.contains_properly(polys[owner], holes).all():
        return None
    rings = shapely.get_exterior_ring(holes)
    made = [shapely.polygons(p.exterior, holes=[*p.interiors, *rings[owner == i]])
            for i, p in enumerate(polys)]
    geom = MultiPolygon([g for g in shapely.orient_polygons(made, exterior_cw=True) if g.area > 1e-9])
    if not min_line:
        return geom, 0.0
    from .windows import morphology_change

    change = morphology_change(geom, *t.grid(), min_line / 2)
    if change is not None and change <= CLEAN_NOISE:
        return geom, 0.0   # the opening leaves it as it is (proven box by box)
    kept = clean(geom, min_line)
    return kept, geom.area - kept.area
