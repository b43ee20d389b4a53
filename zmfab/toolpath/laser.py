"""Laser toolpaths: fill (hatch), isolate (clear a gap), cut (kerf-compensated outlines).

Pure functions from Shapely geometry (mm) to :class:`Toolpath`; no G-code here. Polyline
settings written: ``power`` (0..1 of the machine's maximum), ``speed`` (mm/min), ``pass``
(0-based), ``z`` (mm or ``None``), ``air`` (bool), ``kind`` (``hatch``, ``outline``, ``contour``,
``cut``). ``spot`` is the burnt line width in mm: a polyline burns ``spot/2`` either side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from ..errors import ParameterError
from ..regions import as_multipolygon
from ..regions.segments import outline
from .order import order_groups, order_paths
from .path import Polyline, Toolpath
from .slivers import OFFSET_THIN, THIN, sliver_strokes

#: Operations the laser planners know.
OPERATIONS: tuple[str, ...] = ("fill", "isolate", "cut")


@dataclass(frozen=True)
class Passes:
    """How often to repeat a toolpath: ``count`` passes, lowering Z by ``z_step`` mm each time
    from ``z0`` (``None``: no Z moves)."""

    count: int = 1
    z_step: float = 0.0
    z0: float | None = None


def _rings(geom: BaseGeometry) -> list[np.ndarray]:
    out = []
    for poly in as_multipolygon(geom).geoms:
        for ring in (poly.exterior, *poly.interiors):
            pts = np.asarray(ring.coords)
            if len(pts) >= 4:
                out.append(pts)
    return out


def hatch_segments(region: BaseGeometry, *, interval: float, angle: float = 0.0,
                   phase: float = 0.5, method: str = "scanline") -> tuple[np.ndarray, np.ndarray]:
    """Straight hatch segments of ``region``, row by row: an (n, 2, 2) array (mm) and each
    segment's row number.

    Lines run at ``angle`` degrees from +x, ``interval`` mm apart, the first ``phase × interval``
    above the region's lowest point (in the rotated frame). Holes are respected. ``method``
    ``"scanline"`` crosses every polygon edge with the rows in NumPy (even-odd pairs);
    ``"shapely"`` intersects the line set with the polygon in one vectorised Shapely call: same
    result, but some 100× slower on a 200-finger comb.
    """
    if interval <= 0:
        raise ParameterError("interval", f"{interval:g} mm is out of range (must be > 0)")
    mp = as_multipolygon(region)
    none = (np.zeros((0, 2, 2)), np.zeros(0, dtype=np.int64))
    if mp.is_empty:
        return none
    rot = as_multipolygon(affinity.rotate(mp, -angle, origin=(0, 0)))
    xmin, ymin, xmax, ymax = rot.bounds
    y_first = ymin + phase * interval
    n_rows = int(np.ceil((ymax - y_first) / interval)) if ymax > y_first else 0
    if n_rows <= 0:
        return none
    if method == "shapely":
        seg, row = _hatch_shapely(rot, y_first, interval, n_rows, xmin, xmax)
    else:
        seg, row = _hatch_scanline(rot, y_first, interval, n_rows)
    if len(seg) == 0:
        return none
    order = np.lexsort((seg[:, 0, 0], row))
    seg, row = seg[order], row[order]
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    rotm = np.array([[c, s], [-s, c]])
    return seg @ rotm, row


def _hatch_scanline(rot: MultiPolygon, y_first: float, interval: float, n_rows: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    edges = np.vstack([np.hstack([c[:-1], c[1:]]) for c in _rings(rot)])
    xa, ya, xb, yb = edges.T
    lo, hi = np.minimum(ya, yb), np.maximum(ya, yb)
    k0 = np.maximum(np.ceil((lo - y_first) / interval), 0).astype(np.int64)
    k1 = np.minimum(np.ceil((hi - y_first) / interval) - 1, n_rows - 1).astype(np.int64)
    counts = np.where(hi > lo, np.maximum(k1 - k0 + 1, 0), 0)
    if counts.sum() == 0:
        return np.zeros((0, 2, 2)), np.zeros(0, dtype=np.int64)
    e = np.repeat(np.arange(len(edges)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    row = k0[e] + (np.arange(len(e)) - starts)
    y = y_first + row * interval
    x = xa[e] + (y - ya[e]) / (yb[e] - ya[e]) * (xb[e] - xa[e])
    order = np.lexsort((x, row))
    x, row, y = x[order], row[order], y[order]
    first = np.r_[True, row[1:] != row[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(row)), 0))
    pos = np.arange(len(row)) - group_start
    nxt_same = np.r_[row[1:] == row[:-1], False]
    starts_mask = (pos % 2 == 0) & nxt_same
    i = np.nonzero(starts_mask)[0]
    x0, x1, r, yy = x[i], x[i + 1], row[i], y[i]
    keep = x1 - x0 > 1e-9
    seg = np.stack([np.stack([x0, yy], 1), np.stack([x1, yy], 1)], 1)[keep]
    return seg, r[keep]


def _hatch_shapely(rot: MultiPolygon, y_first: float, interval: float, n_rows: int,
                   xmin: float, xmax: float) -> tuple[np.ndarray, np.ndarray]:
    ys = y_first + interval * np.arange(n_rows)
    coords = np.stack([np.stack([np.full_like(ys, xmin - 1.0), ys], 1),
                       np.stack([np.full_like(ys, xmax + 1.0), ys], 1)], 1)
    inter = shapely.intersection(shapely.linestrings(coords), rot)
    parts, row = shapely.get_parts(inter, return_index=True)
    keep = (shapely.get_type_id(parts) == 1) & (shapely.length(parts) > 1e-9)
    parts, row = parts[keep], row[keep]
    if len(parts) == 0:
        return np.zeros((0, 2, 2)), np.zeros(0, dtype=np.int64)
    p0 = shapely.get_coordinates(shapely.get_point(parts, 0))
    p1 = shapely.get_coordinates(shapely.get_point(parts, -1))
    seg = np.stack([p0, p1], 1)
    swap = seg[:, 0, 0] > seg[:, 1, 0]
    seg[swap] = seg[swap][:, ::-1]
    return seg, row


def fill(region: BaseGeometry, *, spot: float, interval: float | None = None, angle: float = 0.0,
         cross: bool = False, bidirectional: bool = True, overscan: float = 0.0,
         outline: bool = True, inset: float | None = None, settings: dict[str, Any] | None = None,
         origin: tuple[float, float] = (0.0, 0.0), optimise: bool = True) -> Toolpath:
    """Engrave ``region`` (mm): hatch lines ``interval`` mm apart (default ``0.9 × spot``) at
    ``angle`` degrees (and at ``angle + 90`` if ``cross``), extended ``overscan`` mm each side with
    the laser off, plus an ``outline`` pass.

    With an outline, hatch lines and outline run ``inset`` (default ``spot/2``) inside the edge, so
    the burn stays inside the region and still reaches its edge; without one, lines run edge to
    edge (``inset`` 0) and their round ends overshoot by at most ``spot/2``.
    """
    _positive(spot, "spot")
    step = 0.9 * spot if interval is None else interval
    if step > spot + 1e-12:
        raise ParameterError("interval", f"{step:g} mm is out of range (must be <= the spot, "
                                         f"{spot:g} mm, or the fill leaves stripes)")
    base = dict(settings or {})
    inset = (spot / 2 if outline else 0.0) if inset is None else inset
    area = as_multipolygon(region)
    inner = area if inset <= 0 else as_multipolygon(area.buffer(-inset, join_style="mitre"))
    hatch: list[Polyline] = []
    for a in ([angle, angle + 90.0] if cross else [angle]):
        segs, rows = hatch_segments(inner, interval=step, angle=a)
        for seg, r in zip(segs, rows.tolist(), strict=True):
            pts = seg[::-1] if bidirectional and r % 2 else seg
            hatch.append(Polyline(pts, {**base, "kind": "hatch", "reversible": bidirectional},
                                  lead_in=overscan, lead_out=overscan))
    if outline:
        ring = inner if inset > 0 else area
        hatch += [Polyline(r, {**base, "kind": "outline"}, closed=True) for r in _rings(ring)]
    paths = order_paths(hatch, origin=origin, optimise=optimise)
    left = area.difference(_burnt(paths, spot)) if paths else area
    return Toolpath(paths, {"op": "fill", "spot_mm": spot, "interval_mm": step, "angle_deg": angle,
                            "cross": cross, "overscan_mm": overscan,
                            "uncovered_mm2": float(left.area), "missed": missed_parts(left, spot)})


def missed_parts(left: BaseGeometry, spot: float) -> list[dict[str, float]]:
    """The unburnt pieces of ``left`` (mm) larger than a spot-sized square (a round spot's
    misses in a sharp corner are smaller), largest first: where (x, y), area (mm²) and
    about how wide (twice area over perimeter, mm)."""
    pieces = shapely.get_parts(as_multipolygon(left))
    pieces = pieces[shapely.area(pieces) > spot * spot] if len(pieces) else pieces
    out = []
    for piece in sorted(pieces, key=lambda g: -g.area):
        pt = piece.representative_point()
        out.append({"x": pt.x, "y": pt.y, "area_mm2": piece.area,
                    "width_mm": 2 * piece.area / max(piece.length, 1e-12)})
    return out


def auto_angle(region: BaseGeometry, *, interval: float) -> float:
    """0 or 90 degrees, whichever cuts ``region`` into fewer hatch segments (fewer overscans
    and accelerations: along the fingers of a comb rather than across them)."""
    counts = [len(hatch_segments(region, interval=interval, angle=a)[0]) for a in (0.0, 90.0)]
    return 90.0 if counts[1] < counts[0] else 0.0


def gap_region(keep: BaseGeometry, *, within: BaseGeometry | None = None,
               reach: float | None = None) -> MultiPolygon:
    """The gap to ablate between the pieces of ``keep`` (mm): ``within`` minus ``keep`` when given
    (e.g. the active area), else the closing of ``keep`` by ``reach`` minus ``keep``."""
    mp = as_multipolygon(keep)
    if within is not None:
        return as_multipolygon(shapely.difference(within, mp))
    parts = list(mp.geoms)
    if reach is None:
        if len(parts) < 2:
            raise ParameterError("reach", "one shape has no gap to isolate; give --set "
                                          "within=LAYER (a region around it whose rest is the "
                                          "gap) or --set reach=LENGTH")
        reach = 1.01 * min(parts[i].distance(parts[j]) for i in range(len(parts))
                           for j in range(i + 1, len(parts)))
    closed = mp.buffer(reach, join_style="mitre").buffer(-reach, join_style="mitre")
    return as_multipolygon(closed.difference(mp))


def isolate(gap: BaseGeometry, *, spot: float, overlap: float = 0.25,
            settings: dict[str, Any] | None = None, origin: tuple[float, float] = (0.0, 0.0),
            optimise: bool = True, keep: BaseGeometry | None = None) -> Toolpath:
    """Clear the whole ``gap`` (mm) with contour-parallel passes ``spot × (1 - overlap)`` apart.

    The first contour runs ``spot/2`` inside the gap's edge (so nothing outside it burns); the
    last, if a sliver is left in the middle, burns it in one stroke down its middle
    (:mod:`.slivers`; its outline where one stroke would not cover it). Parts of the gap
    narrower than the spot cannot be cleared without burning outside it:
    ``meta["uncovered_mm2"]`` says how much, and, given the shapes to ``keep``,
    ``meta["joined"]`` lists where an unburnt piece still joins two of them (x, y and the gap's
    width there, mm).
    """
    _positive(spot, "spot")
    if not 0.0 <= overlap < 1.0:
        raise ParameterError("overlap", f"{overlap:g} is out of range (must be 0..<1)")
    step = spot * (1.0 - overlap)
    thin = min(THIN, OFFSET_THIN * overlap)  # offsets burnt by one stroke (.slivers)
    area = as_multipolygon(gap)
    base = dict(settings or {})
    contours: list[Polyline] = []
    off = spot / 2
    while True:
        inner = area.buffer(-off, join_style="round")
        if inner.is_empty or inner.area < 1e-12:
            break
        contours += [Polyline(pts, {**base, "kind": "contour"}, closed=closed)
                     for piece in as_multipolygon(inner).geoms
                     for pts, closed in sliver_strokes(piece, spot, thin=thin, partial=True)]
        off += step
    burnt = _burnt(contours, spot)
    left = area.difference(burnt) if contours else area
    # Slivers left between the last contours are narrower than the spot: trace their outlines
    # (only where the spot fits: spot/2 from the gap's edge).
    reachable = area.buffer(-spot / 2 + 1e-9)
    pieces = shapely.get_parts(left)
    pieces = pieces[shapely.area(pieces) > (spot / 10) ** 2]  # not buffer round-off crumbs
    shapely.prepare(reachable)
    hit = pieces[shapely.intersects(reachable, pieces)] if len(pieces) else pieces
    residual = shapely.union_all(shapely.intersection(hit, reachable)) if len(hit) else MultiPolygon()
    residual = as_multipolygon(residual.buffer(-1e-6).buffer(1e-6))
    extra = [Polyline(pts, {**base, "kind": "contour"}, closed=closed)
             for piece in residual.geoms for pts, closed in sliver_strokes(piece, spot)
             if not closed or shapely.polygons(pts).area > 1e-9]
    uncovered = left.difference(_burnt(extra, spot)) if extra else left
    paths = order_paths(contours + extra, origin=origin, optimise=optimise)
    joined = joined_at(uncovered, keep, spot=spot) if keep is not None else []
    return Toolpath(paths, {"op": "isolate", "spot_mm": spot, "step_mm": step,
                            "gap_mm2": float(area.area), "uncovered_mm2": float(uncovered.area),
                            "joined": joined})


def joined_at(left: BaseGeometry, keep: BaseGeometry, *, spot: float) -> list[dict[str, float]]:
    """Where an unburnt piece of ``left`` touches two pieces of ``keep`` (so they stay joined):
    x, y of the piece and the gap's width there (the distance between the two pieces within a
    spot of it), mm; narrowest first."""
    pieces = shapely.get_parts(as_multipolygon(left))
    parts = shapely.get_parts(as_multipolygon(shapely.union_all(shapely.get_parts(keep))))
    if len(pieces) == 0 or len(parts) < 2:
        return []
    # a piece of the gap lies outside the parts, so it touches one where it comes within 1e-6
    # of that part's outline: the outlines' segments go in the tree and each piece asks for
    # those near it (each test is one segment against one small piece; testing every piece
    # against a whole prepared spiral took 6 s on a 100-turn roll's 136,000 crumbs)
    segs, owner = _edges(parts)
    which, hit = shapely.STRtree(segs).query(pieces, predicate="dwithin", distance=1e-6)
    pair = np.unique(which * len(parts) + owner[hit])  # (piece, part) touching, once each
    which, hit = pair // len(parts), pair % len(parts)
    out = []
    for k in np.nonzero(np.bincount(which, minlength=len(pieces)) >= 2)[0]:
        touching = parts[hit[which == k]]
        near = shapely.intersection(touching, pieces[k].buffer(spot))
        width = min(float(shapely.distance(near[i], near[j])) for i in range(len(near))
                    for j in range(i + 1, len(near)))
        pt = pieces[k].representative_point()
        out.append({"x": pt.x, "y": pt.y, "width_mm": width})
    return sorted(out, key=lambda d: d["width_mm"])


def _edges(polys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every segment of the outlines (outer and hole rings) of ``polys`` as a two-point
    linestring, and the index of the polygon it bounds."""
    rings = [outline(p) for p in polys]
    ends = np.concatenate([np.stack([np.c_[o.x0, o.y0], np.c_[o.x1, o.y1]], axis=1)
                           for o in rings])
    return shapely.linestrings(ends), np.repeat(np.arange(len(rings)), [len(o) for o in rings])


def cut(shapes: BaseGeometry, *, kerf: float, keep: str = "inside", tabs: int = 0,
        tab_width: float = 0.5, settings: dict[str, Any] | None = None,
        origin: tuple[float, float] = (0.0, 0.0), optimise: bool = True) -> Toolpath:
    """Cut the outlines of ``shapes`` (mm), offset by half the ``kerf`` to the waste side.

    ``keep="inside"``: the shapes are parts (outer rings grow, holes shrink by ``kerf/2``);
    ``keep="outside"``: the shapes are openings to drop out (a stencil's apertures shrink).
    Inner contours are cut before the ones around them. ``tabs`` leaves that many uncut bridges
    ``tab_width`` mm wide on each outermost contour (parts) or on every opening.
    """
    if kerf < 0:
        raise ParameterError("kerf", f"{kerf:g} mm is out of range (must be >= 0)")
    if keep not in ("inside", "outside"):
        raise ParameterError("keep", f"{keep!r} is not allowed (use inside or outside)")
    mp = as_multipolygon(shapes)
    off = kerf / 2 if keep == "inside" else -kerf / 2
    path_geom = as_multipolygon(mp.buffer(off, join_style="round")) if off else mp
    base = dict(settings or {})
    rings = _rings(path_geom)
    depth = _nesting_depth(rings)
    max_depth = max(depth, default=0)
    groups: list[list[Polyline]] = [[] for _ in range(max_depth + 1)]
    for ring, d in zip(rings, depth, strict=True):
        tabbed = tabs > 0 and (keep == "outside" or d == 0)
        pieces = _with_tabs(ring, tabs, tab_width) if tabbed else [ring]
        for pts in pieces:
            closed = len(pieces) == 1
            groups[max_depth - d].append(Polyline(pts, {**base, "kind": "cut", "depth": d},
                                                  closed=closed))
    paths = order_groups(groups, origin=origin, optimise=optimise)
    return Toolpath(paths, {"op": "cut", "kerf_mm": kerf, "keep": keep, "tabs": tabs})


def _nesting_depth(rings: Sequence[np.ndarray]) -> list[int]:
    """How many other rings enclose each ring."""
    polys = [shapely.polygons(r) for r in rings]
    reps = [shapely.points(r[0]) for r in rings]
    out = []
    for i, pt in enumerate(reps):
        out.append(sum(1 for j, poly in enumerate(polys) if j != i and poly.contains(pt)))
    return out


def _with_tabs(ring: np.ndarray, tabs: int, width: float) -> list[np.ndarray]:
    """Open pieces of a closed ring with ``tabs`` gaps ``width`` mm long, evenly spaced."""
    line = shapely.linestrings(ring)
    total = line.length
    if tabs * width >= total:
        raise ParameterError("tabs", f"{tabs} tabs of {width:g} mm do not fit a {total:.3g} mm "
                                     "contour")
    pitch = total / tabs
    pieces = []
    for k in range(tabs):
        start = k * pitch + width / 2
        end = (k + 1) * pitch - width / 2
        seg = substring(line, start, end)
        pieces.append(np.asarray(seg.coords))
    return pieces


def repeat_passes(paths: Sequence[Polyline], passes: Passes) -> list[Polyline]:
    """``passes.count`` copies of ``paths``; odd passes run the tour backwards when every path
    may be reversed (no travel back to the start), each pass at its own ``z``."""
    if passes.count < 1:
        raise ParameterError("passes", f"{passes.count} is out of range (must be >= 1)")
    can_reverse = all(p.settings.get("reversible", True) for p in paths)
    out: list[Polyline] = []
    for k in range(passes.count):
        z = None if passes.z0 is None else passes.z0 - k * passes.z_step
        tour = [p.reversed() for p in reversed(paths)] if (k % 2 and can_reverse) else list(paths)
        out += [p.with_settings(**{"pass": k, "z": z}) for p in tour]
    return out


def _burnt(paths: Sequence[Polyline], spot: float) -> BaseGeometry:
    """The area a round spot ``spot`` mm wide burns along ``paths``."""
    if not paths:
        return MultiPolygon()
    lines = [
        shapely.linestrings(p.points) if len(p.points) > 1 else shapely.points(p.points[0])
        for p in paths]
    return shapely.union_all(shapely.buffer(lines, spot / 2))


def _positive(value: float, field: str) -> None:
    if not value > 0:
        raise ParameterError(field, f"{value:g} mm is out of range (must be > 0)")
