"""Slabs of a shape for the scanline fill (lane frame: lanes along y), and its cross-sections.

A rectilinear shape is cut at the x of its vertices; slivers under half a pitch join the most
alike neighbour. Between two cuts with no vertex in between, the cross-section along y is
constant, so when every edge runs exactly along x or y the cross-sections come from the
horizontal edges alone and a slab's cell is a row of rectangles: no polygon overlay, which
costs the size of the whole shape for every slab. Other slabs are cut by GEOS.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Polygon

from ..regions import as_multipolygon

Intervals = list[tuple[float, float]]


@dataclass(frozen=True)
class Piece:
    """A piece of a slab: the axis-aligned rectangle ``bounds`` (mm) when ``poly`` is None."""

    bounds: tuple[float, float, float, float]
    poly: Polygon | None = None

    @property
    def box(self) -> bool:
        return self.poly is None

    def turned(self) -> Piece:
        """The piece turned by -90° about the origin ((x, y) -> (y, -x), exactly)."""
        if self.poly is None:  # as affinity.rotate computes it, signed zeros included
            x0, y0, x1, y1 = self.bounds
            return Piece((y0 + 0.0, 0.0 - x1, y1 + 0.0, 0.0 - x0))
        return piece_of(affinity.rotate(self.poly, -90, origin=(0, 0)))

    def contains_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether each point lies strictly inside the piece."""
        if self.poly is None:
            x0, y0, x1, y1 = self.bounds
            return (x > x0) & (x < x1) & (y > y0) & (y < y1)
        return shapely.contains_xy(self.poly, x, y)


def rectilinear(poly: Polygon, tol: float = 1e-6) -> bool:
    """Whether every edge of ``poly`` (holes included) runs along x or y."""
    xy, ring = shapely.get_coordinates(shapely.get_rings(poly), return_index=True)
    d = np.abs(np.diff(xy, axis=0))
    edge = ring[1:] == ring[:-1]
    return bool(np.all(((d[:, 0] < tol) | (d[:, 1] < tol))[edge]))


def is_box(poly: Polygon) -> bool:
    """Whether ``poly`` is an axis-aligned rectangle (collinear vertices allowed)."""
    if poly.interiors:
        return False
    xmin, ymin, xmax, ymax = poly.bounds
    full = (xmax - xmin) * (ymax - ymin)
    return abs(poly.area - full) <= 1e-9 * max(full, 1e-12) and rectilinear(poly)


def piece_of(poly: Polygon) -> Piece:
    """``poly`` as a :class:`Piece` (a bare rectangle when it is one)."""
    bounds = tuple(float(v) for v in poly.bounds)
    return Piece(bounds) if is_box(poly) else Piece(bounds, poly)  # type: ignore[arg-type]


def horizontal_edges(poly: Polygon) -> np.ndarray | None:
    """(x_low, x_high, y) of each horizontal edge (mm) when every edge runs exactly along x or
    y, else None."""
    xy, ring = shapely.get_coordinates(shapely.get_rings(poly), return_index=True)
    same = ring[1:] == ring[:-1]
    p0, p1 = xy[:-1][same], xy[1:][same]
    vertical = p0[:, 0] == p1[:, 0]
    if not np.all(vertical | (p0[:, 1] == p1[:, 1])):
        return None
    h = ~vertical
    return np.c_[np.minimum(p0[h, 0], p1[h, 0]), np.maximum(p0[h, 0], p1[h, 0]), p0[h, 1]]


def sections(edges: np.ndarray, xs: np.ndarray) -> list[Intervals] | None:
    """Per x, the sorted (y0, y1) intervals where the line x = const crosses the shape whose
    horizontal ``edges`` are given (even-odd rule; touching intervals merged); None when an x
    lies on a vertex's x (the line would run along an edge)."""
    found = _sections(edges, xs)
    return None if found is None else [[(y0, y1) for y0, y1, _ in ivs] for ivs in found]


def _sections(edges: np.ndarray, xs: np.ndarray) -> list[list[tuple[float, float, int]]] | None:
    """:func:`sections`, each interval with the ring order of the first edge that bounds it."""
    xs = np.asarray(xs, dtype=float)
    ends = np.unique(edges[:, :2])
    near = np.searchsorted(ends, xs)
    for side in (near - 1, near):
        ok = (side >= 0) & (side < len(ends))
        if np.any(np.abs(ends[side[ok]] - xs[ok]) < 1e-9):
            return None
    order = np.argsort(xs, kind="stable")
    sx = xs[order]
    i0 = np.searchsorted(sx, edges[:, 0], side="right")
    i1 = np.searchsorted(sx, edges[:, 1], side="left")
    counts = np.maximum(i1 - i0, 0)
    e = np.repeat(np.arange(len(edges)), counts)
    start = np.cumsum(counts) - counts
    k = order[i0[e] + np.arange(len(e)) - start[e]]
    y = edges[e, 2]
    s = np.lexsort((y, k))
    k, y, e = k[s], y[s], e[s]
    if np.any(np.bincount(k, minlength=len(xs)) % 2):
        return None
    first = np.minimum(e[0::2], e[1::2])
    out: list[list[tuple[float, float, int]]] = [[] for _ in xs]
    for i, y0, y1, f in zip(k[0::2].tolist(), y[0::2].tolist(), y[1::2].tolist(), first.tolist(),
                            strict=True):
        ivs = out[i]
        if ivs and y0 - ivs[-1][1] < 1e-9:
            ivs[-1] = (ivs[-1][0], max(ivs[-1][1], y1), min(ivs[-1][2], f))
        else:
            ivs.append((y0, y1, f))
    return out


def intervals(piece: Piece, xs: np.ndarray, ps: np.ndarray) -> list[Intervals]:
    """Per lane, the sorted (y0, y1) intervals of ``piece`` along it.

    For a rectilinear piece an interval is the y extent of each part of it inside the lane's
    strip (x ± slab pitch / 2), so a sliver merged into a slab still gets ink; otherwise it is
    where the line x = const crosses the piece.
    """
    xmin, ymin, xmax, ymax = piece.bounds
    if piece.poly is None:  # every lane inside a rectangle spans it
        return [[(ymin, ymax)] for _ in range(len(xs))]
    return _crossings(piece.poly, xs, ps, rectilinear(piece.poly))


def _crossings(poly: Polygon, xs: np.ndarray, ps: np.ndarray, strips: bool) -> list[Intervals]:
    """:func:`intervals` by GEOS: strips (``strips``) or lines at ``xs`` cut by ``poly``."""
    _, ymin, _, ymax = poly.bounds
    if strips:
        eps = 1e-7
        geoms = shapely.box(xs - ps / 2 + eps, ymin - 1, xs + ps / 2 - eps, ymax + 1)
        wanted = 3
    else:
        pts = np.stack([np.c_[xs, np.full_like(xs, ymin - 1)], np.c_[xs, np.full_like(xs, ymax + 1)]],
                       axis=1)
        geoms = shapely.linestrings(pts)
        wanted = 1
    inter = shapely.intersection(geoms, poly)
    parts, idx = shapely.get_parts(inter, return_index=True)
    out: list[Intervals] = [[] for _ in xs]
    if len(parts):
        keep = shapely.get_type_id(parts) == wanted
        b = shapely.bounds(parts[keep])
        for i, y0, y1 in zip(idx[keep], b[:, 1], b[:, 3], strict=False):
            out[i].append((float(y0), float(y1)))
    for i, ivs in enumerate(out):
        ivs.sort()
        merged: Intervals = []
        for y0, y1 in ivs:
            if merged and y0 - merged[-1][1] < 1e-9:
                merged[-1] = (merged[-1][0], max(merged[-1][1], y1))
            else:
                merged.append((y0, y1))
        out[i] = merged
    return out


def _vertex_xs(poly: Polygon) -> np.ndarray:
    return np.unique(shapely.get_coordinates(shapely.get_rings(poly))[:, 0])


def slab_cuts(poly: Polygon, pitch: float, edges: np.ndarray | None = None) -> list[float]:
    """Slab boundaries (mm): the x of a rectilinear shape's vertices, slivers merged away."""
    if is_box(poly):
        xmin, _, xmax, _ = poly.bounds
        return [xmin, xmax]
    xs = _vertex_xs(poly)
    xs = xs[np.r_[True, np.diff(xs) > 1e-7]]
    return _merge_slabs(poly, list(xs), pitch / 2, edges)


def _merge_slabs(poly: Polygon, cuts: list[float], narrowest: float,
                 edges: np.ndarray | None) -> list[float]:
    """Drop cuts so no slab is narrower than ``narrowest`` mm; a sliver joins the neighbour
    whose cross-section along the lanes is most like its own."""
    cuts = list(cuts)
    widths = np.diff(cuts)
    if len(cuts) <= 2 or widths.min() >= narrowest:
        return cuts
    mids = (np.asarray(cuts[:-1]) + np.asarray(cuts[1:])) / 2
    ivs = sections(edges, mids) if edges is not None else None
    if ivs is None:
        ivs = _crossings(poly, mids, np.zeros_like(mids), False)
    sig = [shapely.union_all([shapely.box(0, y0, 1, y1) for y0, y1 in iv]) for iv in ivs]
    while len(cuts) > 2:
        widths = np.diff(cuts)
        k = int(np.argmin(widths))
        if widths[k] >= narrowest:
            break
        left = sig[k].symmetric_difference(sig[k - 1]).area if k > 0 else np.inf
        right = sig[k].symmetric_difference(sig[k + 1]).area if k + 1 < len(sig) else np.inf
        if left <= right:
            del cuts[k]
            keep = k - 1
        else:
            del cuts[k + 1]
            keep = k + 1
        if widths[keep] < widths[k]:
            sig[keep] = sig[k]
        del sig[k]
    return cuts


def slab_pieces(poly: Polygon, pitch: float) -> Iterator[Piece]:
    """The pieces of a rectilinear ``poly``'s slabs, slab by slab from left to right; pieces
    under 1e-9 mm² are left out. A slab that is a row of rectangles lists them by the first ring
    edge bounding each, the order GEOS's overlay gives them in (the cut path's order), so the
    chains and their joins come out the same either way."""
    edges = horizontal_edges(poly)
    cuts = slab_cuts(poly, pitch, edges)
    _, ymin, _, ymax = poly.bounds
    verts = _vertex_xs(poly)
    a_s, b_s = np.asarray(cuts[:-1]), np.asarray(cuts[1:])
    inner = np.searchsorted(verts, b_s, side="left") - np.searchsorted(verts, a_s, side="right")
    plain = (inner == 0) if edges is not None else np.zeros(len(a_s), dtype=bool)
    rows = _sections(edges, ((a_s + b_s) / 2)[plain]) if plain.any() else []
    if rows is None:
        plain[:] = False
    rows_iter = iter(rows or [])
    for a, b, simple in zip(a_s.tolist(), b_s.tolist(), plain.tolist(), strict=True):
        if simple:
            for y0, y1, _ in sorted(next(rows_iter), key=lambda iv: iv[2]):
                if (b - a) * (y1 - y0) >= 1e-9:
                    yield Piece((a, y0, b, y1))
            continue
        cell = poly.intersection(shapely.box(a, ymin - 1, b, ymax + 1))
        for part in as_multipolygon(cell).geoms:
            if part.area >= 1e-9:
                yield piece_of(part)
