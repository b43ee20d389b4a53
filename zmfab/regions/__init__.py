"""The one geometry container every stage shares: a device's regions by name, in millimetres."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

#: Region names in drawing order (lowest first).
REGIONS: tuple[str, ...] = (
    "footprint",
    "active_area",
    "anode",
    "anode_pad",
    "cathode",
    "cathode_pad",
    "keep_out",
)

#: Regions that are conductive electrode material.
ELECTRODE_REGIONS: tuple[str, ...] = ("anode", "anode_pad", "cathode", "cathode_pad")


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Return ``geom``'s polygonal part as a MultiPolygon (empty if it has none)."""
    if geom.is_empty:
        return MultiPolygon()
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys: list[Polygon] = []
    for part in getattr(geom, "geoms", []):
        polys.extend(as_multipolygon(part).geoms)
    return MultiPolygon(polys)


@dataclass
class Layout:
    """The 2-D geometry of one device.

    ``regions`` maps a region name (see :data:`REGIONS`) to Shapely (Multi)Polygons in mm, with the
    origin at the footprint's lower-left corner. ``params`` are the generator's resolved
    parameters (lengths in mm); ``meta`` holds anything else (title, notes).
    """

    family: str
    regions: dict[str, BaseGeometry]
    params: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> BaseGeometry:
        return self.regions[name]

    def __contains__(self, name: str) -> bool:
        return name in self.regions

    def __iter__(self) -> Iterator[str]:
        return iter(self.regions)

    def get(self, name: str) -> BaseGeometry:
        """Region ``name``, or an empty geometry."""
        return self.regions.get(name, MultiPolygon())

    def electrode(self, which: str) -> BaseGeometry:
        """The whole ``"anode"`` or ``"cathode"``: the electrode united with its pad."""
        return shapely.union(self.get(which), self.get(f"{which}_pad"))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of every region, in mm."""
        return union_all(self.regions.values()).bounds

    def translated(self, dx: float, dy: float) -> Layout:
        """A copy moved by (dx, dy) mm."""
        from shapely import affinity

        moved = {k: affinity.translate(g, dx, dy) for k, g in self.regions.items()}
        return Layout(self.family, moved, dict(self.params), dict(self.meta))

    def normalised(self) -> Layout:
        """A copy whose footprint's lower-left corner is the origin."""
        ref = self.regions.get("footprint") or union_all(self.regions.values())
        xmin, ymin, _, _ = ref.bounds
        return self.translated(-xmin, -ymin)


def margin_box(geoms: Iterable[BaseGeometry], margin: float) -> Polygon:
    """The bounding box of ``geoms`` grown by ``margin`` mm on every side (a footprint)."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(list(geoms))
    return box(xmin - margin, ymin - margin, xmax + margin, ymax + margin)


def union_all(geoms: Iterable[BaseGeometry]) -> BaseGeometry:
    """Union of ``geoms`` (empty MultiPolygon for none)."""
    items = [g for g in geoms if not g.is_empty]
    if not items:
        return MultiPolygon()
    return shapely.union_all(items)
