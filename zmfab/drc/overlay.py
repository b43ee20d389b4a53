"""Overlays of many-part geometry done part by part, for the rules that see whole panels.

GEOS buffers, subtracts and intersects a MultiPolygon as one overlay of every part with every
other; a panel's layer has ten thousand parts of which each meets a handful. The same point sets
come from treating each part alone and meeting only the parts an STRtree pairs it with:
``(∪ a_i) \\ B = ∪ (a_i \\ B_i)`` where ``B_i`` are the parts of ``B`` that intersect ``a_i``,
``(∪ a_i) ∩ B = ∪ (a_i ∩ B_i)``, and the buffer of a union is the union of the buffers
(:func:`zmfab.regions.merge.merge` unites the grown parts that overlap).

:func:`worst` is the one tie-break every rule uses to pick the spot it reports: the largest
figure, equal figures (within :data:`TIE` mm) broken by the first cell of a panel (raster
order), then the lowest, then leftmost, place. A panel of identical cells then names the same
copy (the first) however its parts happen to be ordered or where, along a long thin piece, its
spot happens to fall.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from ..regions import as_multipolygon
from ..regions.merge import merge

#: Figures (mm or mm²) this close count as equal when choosing the spot to report.
TIE = 1e-9
#: A polygon with this many holes or more is met through its holes (:func:`in_holes`).
MANY_HOLES = 64
#: Places this close (mm) in y count as one row when breaking a tie.
ROW = 1e-6

T = TypeVar("T")


def parts(geom: BaseGeometry) -> np.ndarray:
    """The polygons of ``geom`` as an array."""
    return np.asarray(shapely.get_parts(as_multipolygon(geom)), dtype=object)


def grow(geom: BaseGeometry, distance: float, **style) -> MultiPolygon:
    """``geom`` buffered by ``distance`` mm (> 0), part by part, overlapping results united."""
    p = parts(geom)
    if len(p) == 0:
        return MultiPolygon()
    return merge(shapely.buffer(p, distance, **style))


def in_holes(part: BaseGeometry, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(for each of ``items`` the hole of ``part`` whose inside holds it, or -1; the holes'
    rings). An item inside a hole does not meet the part, and its distance to the part is its
    distance to that ring: a polygon with a hole per pad is met through its holes, not
    overlaid whole. Parts with fewer than :data:`MANY_HOLES` holes: all -1."""
    count = int(shapely.get_num_interior_rings(part))
    owner = np.full(len(items), -1)
    if count < MANY_HOLES or len(items) == 0:
        return owner, np.zeros(0, dtype=object)
    rings = shapely.get_interior_ring(part, np.arange(count))
    holes = shapely.polygons(rings)
    ii, ih = shapely.STRtree(holes).query(items, predicate="within")
    ok = shapely.contains_properly(holes[ih], items[ii])
    owner[ii[ok]] = ih[ok]
    return owner, rings


def shrink(geom: BaseGeometry, distance: float) -> MultiPolygon:
    """``geom`` buffered by ``-distance`` mm (mitred), part by part. A part with many holes is
    its outline shrunk with each hole grown on its own, when the grown holes stay apart and
    inside the shrunk outline (what GEOS's buffer of the whole part gives); else buffered whole."""
    style = {"join_style": "mitre"}
    out = []
    for part in parts(geom):
        count = int(shapely.get_num_interior_rings(part))
        done = None
        if count >= MANY_HOLES:
            shell = shapely.buffer(shapely.polygons(shapely.get_exterior_ring(part)), -distance, **style)
            holes = shapely.buffer(shapely.polygons(shapely.get_interior_ring(part, np.arange(count))),
                                   distance, **style)
            a, b = shapely.STRtree(holes).query(holes, predicate="intersects")
            if (shell.geom_type == "Polygon" and not shell.interiors and (a == b).all()
                    and shapely.contains_properly(shell, holes).all()):
                done = shapely.orient_polygons(shapely.polygons(
                    shell.exterior, holes=list(shapely.get_exterior_ring(holes))), exterior_cw=True)
        if done is None:
            done = shapely.buffer(part, -distance, **style)
        out.extend(as_multipolygon(done).geoms)
    return MultiPolygon([p for p in out if not p.is_empty])


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    big = shapely.get_num_interior_rings(a) >= MANY_HOLES
    small = np.flatnonzero(~big)
    ib, ia = shapely.STRtree(b).query(a[small], predicate="intersects")[::-1]
    ia = small[ia]
    for i in np.flatnonzero(big):
        owner, _ = in_holes(a[i], b)
        rest = np.flatnonzero(owner < 0)
        shapely.prepare(a[i])
        hit = rest[shapely.intersects(a[i], b[rest])]
        ia, ib = np.concatenate([ia, np.full(len(hit), i)]), np.concatenate([ib, hit])
    order = np.argsort(ia, kind="stable")
    return ia[order], ib[order]


def near(a: np.ndarray, b: np.ndarray, within: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i, j) of parts ``a[i]``, ``b[j]`` at most ``within`` mm apart, and for each the
    geometry standing for ``a[i]`` in measuring them (the part, or the ring of its hole that
    holds ``b[j]``: the same distance and nearest points)."""
    big = shapely.get_num_interior_rings(a) >= MANY_HOLES
    small = np.flatnonzero(~big)
    ib, ia = shapely.STRtree(b).query(a[small], predicate="dwithin", distance=within)[::-1]
    ia = small[ia]
    side = list(a[ia])
    for i in np.flatnonzero(big):
        owner, rings = in_holes(a[i], b)
        inside = np.flatnonzero(owner >= 0)
        close = inside[shapely.dwithin(rings[owner[inside]], b[inside], within)]
        rest = np.flatnonzero(owner < 0)
        shapely.prepare(a[i])
        rest = rest[shapely.dwithin(a[i], b[rest], within)]
        ia = np.concatenate([ia, np.full(len(close) + len(rest), i)])
        ib = np.concatenate([ib, close, rest])
        side += list(rings[owner[close]]) + [a[i]] * len(rest)
    return ia.astype(int), ib.astype(int), np.asarray(side, dtype=object)


def _grouped(a: np.ndarray, b: np.ndarray, op: Callable) -> list[tuple[int, BaseGeometry]]:
    ia, ib = _pairs(a, b)
    out = []
    for i in np.unique(ia):
        sel = ib[np.searchsorted(ia, i):np.searchsorted(ia, i, "right")]
        other = b[sel[0]] if len(sel) == 1 else shapely.union_all(b[sel])
        out.append((int(i), op(a[i], other)))
    return out


def less(a: BaseGeometry, b: BaseGeometry) -> MultiPolygon:
    """``a`` minus ``b``, part by part."""
    pa, pb = parts(a), parts(b)
    cut = dict(_grouped(pa, pb, shapely.difference))
    out = [p for i, g in enumerate(pa) for p in (as_multipolygon(cut[i]).geoms if i in cut else [g])]
    return MultiPolygon([p for p in out if not p.is_empty])


def meet(a: BaseGeometry, b: BaseGeometry) -> MultiPolygon:
    """``a`` intersected with ``b``, part by part (polygonal part only)."""
    pa, pb = parts(a), parts(b)
    out = [p for _, g in _grouped(pa, pb, shapely.intersection) for p in as_multipolygon(g).geoms]
    return MultiPolygon([p for p in out if not p.is_empty])


def worst(items: Sequence[T], figure: Callable[[T], float],
          where: Callable[[T], tuple[float, float]],
          cell: Callable[[float, float], int] | None = None) -> T:
    """The item of largest ``figure``; among equal ones (within :data:`TIE`) the one in the
    first ``cell(x, y)`` (a panel's cell in raster order), there the one whose ``where`` (x, y)
    is lowest, then leftmost."""
    values = [figure(item) for item in items]
    top = max(values)
    tied = [item for item, v in zip(items, values, strict=True) if v >= top - TIE]
    if len(tied) == 1:
        return tied[0]
    places = [where(item) for item in tied]
    if cell is not None:
        index = [cell(x, y) for x, y in places]
        first = min(index)
        tied = [t for t, i in zip(tied, index, strict=True) if i == first]
        places = [p for p, i in zip(places, index, strict=True) if i == first]
    low = min(y for _, y in places)
    row = [(x, k) for k, (x, y) in enumerate(places) if y <= low + ROW]
    return tied[min(row)[1]]
