"""Stamps and molds: a layer's regions as a two-level relief on a base plate, as a closed mesh.

A stamp raises the regions ``relief`` mm above a plate ``base`` mm thick, mirrored (it prints
face down, so the print reads right). A mold is the negative: a plate ``base + relief`` thick
with the regions sunk ``relief`` deep as wells, right-reading (what is cast in it, or pressed
from it, comes out mirrored as a stamp must). The plate reaches ``border`` mm past the regions.
Settings merge process profile (``stamp`` / ``mold``) < machine (``resin-msla``) < the layer's.

The mesh is built from shared rings so that it is closed: the bottom, the plate's low and high
tops (constrained Delaunay triangulations of the polygons, no added vertices), the outer wall,
and a wall along every boundary between the two levels. Volume = plate area x base +
raised area x relief, which the plan checks against the mesh's own volume.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from ..errors import ParameterError, ZmfabError
from ..export.stl import Mesh
from ..profiles import Profiles, deep_merge
from ..regions import as_multipolygon
from ..units import parse_bool, parse_length

KINDS: tuple[str, ...] = ("stamp", "mold")
#: Coordinates closer than this (mm) are one vertex.
_GRID = 1e-7


@dataclass(frozen=True)
class ReliefSettings:
    """Stamp or mold; relief, base and border (mm); mirrored or not; aspect limit; machine."""

    kind: str
    relief: float
    base: float
    border: float
    mirror: bool
    max_aspect: float
    machine: str | None = None


def relief_settings(profiles: Profiles, *, settings: dict[str, Any] | None = None,
                    process: str | None = None, kind: str = "stamp") -> ReliefSettings:
    """Merged :class:`ReliefSettings`; errors name the key and its range."""
    if kind not in KINDS:
        raise ParameterError("method", f"{kind!r} is not a relief (use stamp or mold)")
    settings = {k: v for k, v in (settings or {}).items() if v is not None}
    proc = profiles.get("processes", str(process or kind))
    raw = dict(proc)
    name = settings.get("machine") or proc.get("machine")
    if name:
        mach = profiles.get("machines", str(name))
        if kind not in mach.get("methods", []):
            raise ParameterError("machine", f"{name!r} does not print {kind}s")
        raw = deep_merge(raw, {k: v for k, v in mach.items() if k in ("xy_pixel", "layer_height")})
    raw = deep_merge(raw, settings)
    aspect = float(raw.get("max_aspect", 3.0))
    if not aspect > 0:
        raise ParameterError("max_aspect", f"{aspect:g} is out of range (must be > 0)")
    return ReliefSettings(
        kind=kind,
        relief=parse_length(raw.get("relief", "500um"), field="relief", positive=True, maximum=50.0),
        base=parse_length(raw.get("base", "2mm"), field="base", positive=True, maximum=50.0),
        border=parse_length(raw.get("border", "3mm"), field="border", positive=True, maximum=100.0),
        mirror=parse_bool(raw.get("mirror", kind == "stamp"), field="mirror"),
        max_aspect=aspect, machine=None if name is None else str(name))


@dataclass
class ReliefPlan:
    """The plate, the raised (high) and sunk (low) areas as modelled (mirrored when asked), the mesh."""

    settings: ReliefSettings
    plate: Polygon
    high: MultiPolygon
    low: MultiPolygon
    regions: MultiPolygon
    mesh: Mesh

    @property
    def expected_volume(self) -> float:
        """Plate area x base + high area x relief (mm³)."""
        s = self.settings
        return self.plate.area * s.base + self.high.area * s.relief

    def figures(self) -> dict[str, Any]:
        """Plain data for report.json."""
        s = self.settings
        x0, y0, x1, y1 = self.plate.bounds
        return {"kind": s.kind, "mirrored": s.mirror, "machine": s.machine,
                "plate_mm": [round(x1 - x0, 4), round(y1 - y0, 4)],
                "relief_mm": s.relief, "base_mm": s.base,
                "height_mm": round(s.base + s.relief, 6),
                "region_area_mm2": round(self.regions.area, 6),
                "volume_mm3": round(self.mesh.volume, 4),
                "resin_mL": round(self.mesh.volume / 1000.0, 5),
                "triangles": int(len(self.mesh.faces)), "watertight": self.mesh.watertight}


def plan_relief(geom: BaseGeometry, settings: ReliefSettings) -> ReliefPlan:
    """The stamp or mold of ``geom`` (mm): plate, levels and closed mesh, volume checked."""
    regions = as_multipolygon(geom)
    if regions.is_empty:
        raise ParameterError("regions", "the layer has no area to raise")
    x0, y0, x1, y1 = regions.bounds
    b = settings.border
    plate = box(x0 - b, y0 - b, x1 + b, y1 + b)
    if settings.mirror:
        regions = as_multipolygon(affinity.scale(regions, xfact=-1.0, yfact=1.0,
                                                 origin=((x0 + x1) / 2, 0.0)))
    regions = as_multipolygon(shapely.set_precision(regions, _GRID))
    high = regions if settings.kind == "stamp" else as_multipolygon(plate.difference(regions))
    low = as_multipolygon(plate.difference(high))
    mesh = relief_mesh(plate, high, low, base=settings.base, top=settings.base + settings.relief)
    plan = ReliefPlan(settings, plate, high, low, regions, mesh)
    if not mesh.watertight or abs(mesh.volume - plan.expected_volume) > 1e-6 * max(1.0, plan.expected_volume):
        raise ZmfabError(f"relief mesh check failed ({mesh.open_edges()} open edges, volume "
                         f"{mesh.volume:.6g} vs {plan.expected_volume:.6g} mm³)")
    return plan


class _Builder:
    """Vertices merged on a fine grid, triangles appended with the orientation asked."""

    def __init__(self) -> None:
        self.index: dict[tuple[int, int, int], int] = {}
        self.vertices: list[tuple[float, float, float]] = []
        self.faces: list[tuple[int, int, int]] = []

    def vid(self, x: float, y: float, z: float) -> int:
        key = (round(x / _GRID), round(y / _GRID), round(z / _GRID))
        if key not in self.index:
            self.index[key] = len(self.vertices)
            self.vertices.append((x, y, z))
        return self.index[key]

    def polygon(self, poly: Polygon, z: float, *, up: bool) -> None:
        """Triangulate ``poly`` at height ``z`` (its own vertices only), normals up or down."""
        tris = shapely.get_parts(shapely.constrained_delaunay_triangles(poly))
        for tri in tris:
            c = np.asarray(tri.exterior.coords)[:3, :2]
            area = (c[1, 0] - c[0, 0]) * (c[2, 1] - c[0, 1]) - (c[2, 0] - c[0, 0]) * (c[1, 1] - c[0, 1])
            if abs(area) < 1e-14:
                continue
            if (area > 0) != up:
                c = c[::-1]
            self.faces.append(tuple(self.vid(x, y, z) for x, y in c))  # type: ignore[arg-type]

    def wall(self, ring: np.ndarray, z0: float, z1: float) -> None:
        """A vertical wall under ``ring`` (closed, oriented so the solid is on its left)."""
        for (ax, ay), (bx, by) in zip(ring[:-1], ring[1:], strict=True):
            a0, b0 = self.vid(ax, ay, z0), self.vid(bx, by, z0)
            a1, b1 = self.vid(ax, ay, z1), self.vid(bx, by, z1)
            self.faces += [(a0, b0, b1), (a0, b1, a1)]

    def mesh(self) -> Mesh:
        return Mesh(np.asarray(self.vertices, dtype=float), np.asarray(self.faces, dtype=np.int64))


def relief_mesh(plate: Polygon, high: MultiPolygon, low: MultiPolygon, *, base: float,
                top: float) -> Mesh:
    """The closed mesh of ``plate`` (bottom at z = 0), ``low`` topped at ``base`` and ``high``
    at ``top``; walls along the plate's edge and every high/low boundary."""
    build = _Builder()
    plate = orient(plate, 1.0)
    build.polygon(plate, 0.0, up=False)
    for poly in low.geoms:
        build.polygon(poly, base, up=True)
    for poly in high.geoms:
        build.polygon(poly, top, up=True)
    edge_high = any(p.exterior.equals(plate.exterior) for p in high.geoms)
    build.wall(np.asarray(plate.exterior.coords)[:, :2], 0.0, top if edge_high else base)
    for poly in high.geoms:
        poly = orient(poly, 1.0)
        rings = [poly.exterior, *poly.interiors]
        if edge_high and rings[0].equals(plate.exterior):
            rings = rings[1:]
        for ring in rings:
            build.wall(np.asarray(ring.coords)[:, :2], base, top)
    return build.mesh()


def relief_svg(plan: ReliefPlan, *, title: str = "") -> str:
    """Top view of the relief as printed: plate, raised areas dark, sunk areas light (mm)."""
    from ..export.svg import layers_to_svg

    kind = plan.settings.kind
    names = {"plate": plan.plate, "raised": plan.high, "sunk": plan.low}
    colours = {"plate": "#e8e2d0", "raised": "#3a3a3a", "sunk": "#bdb6a4"}
    label = (f"{title} - {kind}" + (" (mirrored)" if plan.settings.mirror else "") +
             f", relief {plan.settings.relief:g} mm on {plan.settings.base:g} mm")
    return layers_to_svg(names, bounds=plan.plate.bounds, title=label, colours=colours)
