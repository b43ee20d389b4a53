"""Stencil islands and bridges: keep the cut sheet in one piece.

A stencil is a sheet with apertures cut out; film enclosed by an aperture (the inside of a ring,
the counter of an ``O``) would fall out. Each such island is tied back by a bridge: a strip of
film ``width`` mm wide across the aperture, placed where it crosses the least aperture (so it
interrupts the least printed length). Islands are joined in order of distance, so an island
may hang on another that is already held.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from ..regions import as_multipolygon, union_all

#: Candidate bridge sites per island: one every half bridge width along its edge, at most this many.
MAX_SITES = 400
_EPS = 1e-7


@dataclass(frozen=True)
class Bridge:
    """A bridge: centre (mm), length across the aperture and width (mm), direction (degrees)."""

    x: float
    y: float
    length: float
    width: float
    angle: float
    polygon: Polygon
    crosses: tuple[str, ...] = ()
    splits: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"x": round(self.x, 4), "y": round(self.y, 4), "length_mm": round(self.length, 4),
                "width_mm": round(self.width, 4), "angle_deg": round(self.angle, 2),
                "crosses": list(self.crosses), "splits": self.splits}


@dataclass
class StencilPlan:
    """Bridged apertures (what is cut out), the apertures before bridging (``cut``), the bridges,
    how many islands there were, warnings."""

    apertures: MultiPolygon
    sheet: Polygon
    cut: MultiPolygon = field(default_factory=MultiPolygon)
    bridges: list[Bridge] = field(default_factory=list)
    islands: int = 0
    warnings: list[str] = field(default_factory=list)

    def material(self) -> BaseGeometry:
        """The stencil film left after cutting (one piece when every island is bridged)."""
        return self.sheet.difference(self.apertures)


def find_islands(apertures: BaseGeometry, sheet: Polygon) -> list[Polygon]:
    """Pieces of film not connected to the sheet's outer edge."""
    pieces = list(as_multipolygon(sheet.difference(apertures)).geoms)
    if len(pieces) <= 1:
        return []
    edge = sheet.exterior
    main = max(pieces, key=lambda p: (p.distance(edge) < _EPS * 10, p.area))
    return [p for p in pieces if p is not main]


def bridge_stencil(apertures: BaseGeometry, sheet: Polygon, *, width: float,
                   per_island: int = 1, electrodes: dict[str, BaseGeometry] | None = None) -> StencilPlan:
    """Bridge every island of ``apertures`` cut from ``sheet`` with bridges ``width`` mm wide.

    ``electrodes`` (name -> printed geometry) flags bridges that interrupt an electrode and those
    that cut one into pieces, as warnings.
    """
    cut = as_multipolygon(apertures)
    islands = find_islands(cut, sheet)
    plan = StencilPlan(apertures=cut, sheet=sheet, cut=cut, islands=len(islands))
    if not islands:
        return plan
    held = union_all([p for p in as_multipolygon(sheet.difference(cut)).geoms
                      if not any(p.equals(i) for i in islands)])
    pending = list(islands)
    while pending:
        dists = [p.distance(held) for p in pending]
        k = int(np.argmin(dists))
        island = pending.pop(k)
        sites = _sites(island, held, cut, width, per_island)
        for a, b in sites:
            poly, length, angle = _bridge_polygon(a, b, width)
            mid = Point((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            plan.bridges.append(Bridge(mid.x, mid.y, length, width, angle, poly))
            held = union_all([held, poly.intersection(sheet)])
        held = union_all([held, island])
    before = len(as_multipolygon(cut).geoms)
    all_bridges = union_all(b.polygon for b in plan.bridges)
    plan.apertures = as_multipolygon(cut.difference(all_bridges))
    remaining = dict(electrodes or {})
    plan.bridges = [_annotate(b, remaining) for b in plan.bridges]
    for i, b in enumerate(plan.bridges, start=1):
        if b.crosses:
            what = " and ".join(b.crosses)
            plan.warnings.append(
                f"bridge {i} at ({b.x:.3f}, {b.y:.3f}) mm crosses the {what}: the print has a "
                f"{b.width:g} mm break there" + ("; it cuts the electrode in two" if b.splits else ""))
    if len(as_multipolygon(plan.apertures).geoms) > before and not plan.warnings:
        plan.warnings.append("bridges split printed areas into more pieces")
    return plan


def _sites(island: Polygon, held: BaseGeometry, cut: BaseGeometry, width: float,
           per_island: int) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Bridge end points (on the island, on held film) that cross the least aperture."""
    ring = island.exterior
    n = int(min(MAX_SITES, max(16, math.ceil(ring.length / (width / 2)))))
    pts = shapely.line_interpolate_point(ring, np.linspace(0, ring.length, n, endpoint=False))
    lines = shapely.shortest_line(pts, held)
    lengths = shapely.length(lines)
    crossed = shapely.length(shapely.intersection(lines, cut))
    order = np.lexsort((lengths, np.round(crossed, 6)))
    chosen: list[int] = []
    spacing = ring.length / (2 * per_island) if per_island > 1 else 0.0
    # a bridge must land on film across its whole width at both ends (not hang off a corner)
    full = 0.9 * width * width / 2
    for attached in (True, False):
        for idx in order:
            if idx in chosen or not all(shapely.distance(pts[idx], pts[j]) >= spacing for j in chosen):
                continue
            if attached:
                coords = list(lines[idx].coords)
                poly = _bridge_polygon(coords[0], coords[-1], width)[0]
                if poly.intersection(island).area < full or poly.intersection(held).area < full:
                    continue
            chosen.append(int(idx))
            if len(chosen) == per_island:
                break
        if len(chosen) == per_island:
            break
    out = []
    for idx in chosen:
        coords = list(lines[idx].coords)
        out.append((coords[0], coords[-1]))
    return out


def _bridge_polygon(a: tuple[float, float], b: tuple[float, float],
                    width: float) -> tuple[Polygon, float, float]:
    """A strip ``width`` wide from ``a`` to ``b``, overlapping the film at both ends by half a width."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    if length < _EPS:
        half = width / 2
        return Polygon([(a[0] - half, a[1] - half), (a[0] + half, a[1] - half),
                        (a[0] + half, a[1] + half), (a[0] - half, a[1] + half)]), 0.0, 0.0
    ux, uy = dx / length, dy / length
    ext = width / 2
    line = LineString([(a[0] - ux * ext, a[1] - uy * ext), (b[0] + ux * ext, b[1] + uy * ext)])
    poly = line.buffer(width / 2, cap_style="flat", join_style="mitre")
    return poly, length, math.degrees(math.atan2(dy, dx))


def _annotate(bridge: Bridge, remaining: dict[str, BaseGeometry]) -> Bridge:
    """Which printed electrodes ``bridge`` interrupts, and whether, after the bridges before it,
    it cuts one into more pieces; ``remaining`` (name -> what is still printed) is updated."""
    crosses = tuple(name for name, geom in remaining.items()
                    if not geom.is_empty and bridge.polygon.intersection(geom).area > 1e-9)
    splits = False
    for name in crosses:
        geom = remaining[name]
        after = geom.difference(bridge.polygon)
        splits = splits or len(as_multipolygon(after).geoms) > len(as_multipolygon(geom).geoms)
        remaining[name] = after
    return Bridge(bridge.x, bridge.y, bridge.length, bridge.width, bridge.angle, bridge.polygon,
                  crosses, splits)
