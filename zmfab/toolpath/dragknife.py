"""Drag-knife cutting: contours in weeding order, and the blade-offset compensated knife path.

A drag knife's tip trails the holder's axis by the blade offset ``d``: the cutter moves the axis,
and the tip follows like a towed caster, so an uncompensated corner is cut round. The
compensated axis path runs each straight cut ``d`` ahead of the tip's line (the segment shifted
forward along its own direction) and, at a corner turning more than ``swivel`` degrees, swings
the axis on an arc of radius ``d`` about the corner, so the tip pivots on the corner point. Each
closed contour is cut ``overcut`` mm past its start so the film parts where the cut began.

Weeding order: a contour is cut only after every contour inside it (inner before outer), so
the sheet is still held when its small openings are cut; among the contours ready, the nearest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from ..regions import as_multipolygon

#: Swivel arcs are drawn with a point every this many degrees.
ARC_STEP_DEG = 10.0
_EPS = 1e-9


@dataclass(frozen=True)
class Contour:
    """One closed cut: its points (mm, not repeated at the end), nesting depth, and kind."""

    points: np.ndarray
    depth: int
    hole: bool = False

    @property
    def length(self) -> float:
        """Perimeter (mm)."""
        closed = np.vstack([self.points, self.points[:1]])
        return float(np.hypot(*np.diff(closed, axis=0).T).sum())


def contours(geom: BaseGeometry) -> list[Contour]:
    """Every ring of ``geom``'s polygons as a contour (exteriors counter-clockwise, holes
    clockwise), with its depth: how many other contours enclose it."""
    rings: list[tuple[np.ndarray, bool]] = []
    for poly in as_multipolygon(geom).geoms:
        poly = orient(poly, 1.0)
        rings.append((np.asarray(poly.exterior.coords)[:-1, :2], False))
        rings.extend((np.asarray(r.coords)[:-1, :2], True) for r in poly.interiors)
    rings = [(pts, hole) for pts, hole in rings if len(pts) >= 3]
    if not rings:
        return []
    polys = np.array([Polygon(pts) for pts, _ in rings], dtype=object)
    tree = shapely.STRtree(polys)
    outer, inner = tree.query(polys, predicate="contains_properly")
    depth = np.bincount(inner[outer != inner], minlength=len(rings))
    return [Contour(pts, int(depth[i]), hole) for i, (pts, hole) in enumerate(rings)]


def weeding_order(items: list[Contour], *, start: tuple[float, float] = (0.0, 0.0)) -> list[Contour]:
    """``items`` ordered so each contour follows every contour inside it, nearest ready first;
    each contour is rotated to begin at its point nearest the knife."""
    if not items:
        return []
    polys = np.array([Polygon(c.points) for c in items], dtype=object)
    tree = shapely.STRtree(polys)
    outer, inner = tree.query(polys, predicate="contains_properly")
    waiting = np.zeros(len(items), dtype=int)
    np.add.at(waiting, outer[outer != inner], 1)
    parents: dict[int, list[int]] = {}
    for o, i in zip(outer, inner, strict=True):
        if o != i:
            parents.setdefault(int(i), []).append(int(o))
    done = np.zeros(len(items), dtype=bool)
    pos = np.asarray(start, dtype=float)
    out: list[Contour] = []
    for _ in range(len(items)):
        ready = np.flatnonzero((waiting == 0) & ~done)
        best, best_d, best_k = -1, math.inf, 0
        for idx in ready:
            d = np.hypot(*(items[idx].points - pos).T)
            k = int(d.argmin())
            if d[k] < best_d:
                best, best_d, best_k = int(idx), float(d[k]), k
        done[best] = True
        for p in parents.get(best, []):
            waiting[p] -= 1
        c = items[best]
        pts = np.roll(c.points, -best_k, axis=0)
        out.append(Contour(pts, c.depth, c.hole))
        pos = pts[0]
    return out


def _closed_with_overcut(points: np.ndarray, overcut: float) -> np.ndarray:
    """The contour closed back to its start, then continued ``overcut`` mm along itself."""
    closed = np.vstack([points, points[:1]])
    if overcut <= 0:
        return closed
    extra = [points[0]]
    left = overcut
    n = len(points)
    for i in range(n):
        a, b = points[i % n], points[(i + 1) % n]
        seg = float(np.hypot(*(b - a)))
        if seg >= left - _EPS:
            extra.append(a + (b - a) * (left / seg))
            break
        extra.append(b)
        left -= seg
    return np.vstack([closed, np.asarray(extra[1:])])


def _dedupe(path: np.ndarray) -> np.ndarray:
    keep = np.ones(len(path), dtype=bool)
    keep[1:] = np.hypot(*np.diff(path, axis=0).T) > _EPS
    return path[keep]


def knife_path(points: np.ndarray, *, offset: float, overcut: float = 0.0,
               swivel: float = 10.0) -> np.ndarray:
    """The axis path (N x 2, mm) whose trailing tip cuts the closed contour ``points``.

    ``offset``: blade offset (mm; 0 = no compensation); ``overcut``: mm cut past the start;
    ``swivel``: corners turning more than this (degrees) get a swivel arc about the corner.
    """
    tip = _dedupe(_closed_with_overcut(np.asarray(points, dtype=float), overcut))
    if offset <= 0 or len(tip) < 2:
        return tip
    seg = np.diff(tip, axis=0)
    unit = seg / np.hypot(*seg.T)[:, None]
    out = [tip[0] + offset * unit[0]]
    for k in range(len(seg)):
        end = tip[k + 1] + offset * unit[k]
        out.append(end)
        if k + 1 < len(seg):
            a0 = math.atan2(unit[k][1], unit[k][0])
            turn = math.atan2(unit[k + 1][1], unit[k + 1][0]) - a0
            turn = (turn + math.pi) % (2 * math.pi) - math.pi
            if abs(math.degrees(turn)) > swivel:
                steps = max(1, math.ceil(abs(math.degrees(turn)) / ARC_STEP_DEG))
                for s in range(1, steps + 1):
                    ang = a0 + turn * s / steps
                    out.append(tip[k + 1] + offset * np.array([math.cos(ang), math.sin(ang)]))
            else:
                out.append(tip[k + 1] + offset * unit[k + 1])
    return _dedupe(np.asarray(out))


def trailing_tip(axis: np.ndarray, *, offset: float, step: float = 0.002,
                 start: np.ndarray | None = None) -> np.ndarray:
    """Where a tip trailing ``offset`` mm behind ``axis`` goes (the towed-caster model), sampled
    every ``step`` mm of axis travel. ``start``: the tip's first position (default: ``offset``
    behind the axis along its first move). Used to check the compensation."""
    axis = np.asarray(axis, dtype=float)
    if offset <= 0:
        return axis.copy()
    first = axis[1] - axis[0]
    tip = start if start is not None else axis[0] - offset * first / np.hypot(*first)
    trace = [tip.copy()]
    for a, b in zip(axis[:-1], axis[1:], strict=True):
        n = max(1, math.ceil(float(np.hypot(*(b - a))) / step))
        for t in np.linspace(0, 1, n + 1)[1:]:
            p = a + (b - a) * t
            v = p - tip
            dist = float(np.hypot(*v))
            if dist > _EPS:
                tip = p - v * (offset / dist)
            trace.append(tip.copy())
    return np.asarray(trace)
