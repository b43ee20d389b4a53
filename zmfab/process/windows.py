"""How much an opening or closing changes a panel-wide polygon, measured window by window.

A panel-wide layer (the encapsulation over a panel's footprint) is one polygon with a hole per
pad of every cell; GEOS buffers it as one overlay of twenty thousand rings, in time that grows
faster than the cell count. Whether the cleaning opening of the stack, or the opening and
closing of the line and space rules, change it at all can be decided locally instead.

Why. A mitred buffer by ``d`` decides each point from the geometry within ``L·d`` of it (``L``
the mitre limit: edges move by ``d``, mitred corners reach at most ``L·d``), so an opening or a
closing (two buffers) decides each point from the geometry within ``R = 2·L·d``. Cut the plane
into the panel's cell boxes ``B``; for each, ``Q = P ∩ B⁺`` with ``B⁺`` the box grown by more
than ``R`` gives ``open(Q) ∩ B = open(P) ∩ B`` (the new edges of ``Q`` are farther than ``R``
from ``B``). Summed over the boxes, the area of ``open(Q) △ Q`` inside ``B`` is the area of
``open(P) △ P``. The holes are copies of the cell's (checked on their coordinates), so boxes
that see the same holes at the same places and the same piece of the outline give the same
figure: each such kind is measured once and counted as often as it occurs.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from ..regions import as_multipolygon

#: The mitre limit of the buffers measured (Shapely's default, used by the stack and the rules).
MITRE_LIMIT = 5.0


def _holes_tiled(holes: np.ndarray, offsets: np.ndarray) -> int | None:
    """Holes per cell when ``holes`` are, in order, copies of the first cell's; else None."""
    n = len(offsets)
    if n < 2 or len(holes) == 0 or len(holes) % n:
        return None
    m = len(holes) // n
    counts = shapely.get_num_coordinates(holes).reshape(n, m)
    if (counts != counts[0]).any():
        return None
    xy = shapely.get_coordinates(holes).reshape(n, -1, 2)
    rel = xy - (offsets - offsets[0])[:, None, :]
    return m if np.all(np.abs(rel - rel[0]) <= 1e-7) else None


def morphology_change(geom: BaseGeometry, offsets: np.ndarray, pitch: tuple[float, float],
                      origin: tuple[float, float], distance: float, *,
                      closing: bool = False) -> float | None:
    """Area (mm²) of ``open(geom) △ geom`` (``closing``: the closing's), the opening being a
    mitred buffer by ``-distance`` then ``+distance`` mm, for a panel whose copies sit at
    ``offsets`` (n x 2, mm) on a ``pitch`` grid with the cell's box corner at ``origin`` (cell
    frame, mm); None when ``geom`` is not one rectangle less copies of the cell's holes (then
    measure it on the whole)."""
    offsets = np.asarray(offsets, dtype=float)
    polys = shapely.get_parts(as_multipolygon(geom))
    if len(polys) != 1 or distance <= 0:
        return None
    shell = shapely.polygons(shapely.get_exterior_ring(polys[0]))
    sx0, sy0, sx1, sy1 = shell.bounds
    if abs(shell.area - (sx1 - sx0) * (sy1 - sy0)) > 1e-9 * max(shell.area, 1.0):
        return None
    count = shapely.get_num_interior_rings(polys[0])
    holes = shapely.polygons(shapely.get_interior_ring(polys[0], np.arange(count)))
    m = _holes_tiled(np.asarray(holes), offsets)
    if m is None:
        return None
    px, py = pitch
    steps = (offsets - offsets[0]) / (px, py)
    if np.abs(steps - np.rint(steps)).max() > 1e-9:
        return None   # copies off the pitch grid: boxes would not see their holes alike
    reach = 2 * MITRE_LIMIT * distance * 1.01 + 1e-3
    if reach >= min(px, py) * 4:
        return None
    # cell boxes aligned with the copies, covering the rectangle
    gx, gy = offsets[0][0] + origin[0], offsets[0][1] + origin[1]
    cols = range(math.floor((sx0 - gx) / px), math.ceil((sx1 - gx) / px))
    rows = range(math.floor((sy0 - gy) / py), math.ceil((sy1 - gy) / py))
    cells = np.array([(c, r) for r in rows for c in cols], dtype=float)
    lo = np.column_stack([gx + cells[:, 0] * px, gy + cells[:, 1] * py])
    windows = shapely.box(lo[:, 0] - reach, lo[:, 1] - reach, lo[:, 0] + px + reach, lo[:, 1] + py + reach)
    w_idx, h_idx = shapely.STRtree(holes).query(windows, predicate="intersects")
    first = offsets[0]
    copy = h_idx // m
    # a hole's cell position relative to the window's, in whole pitches
    dc = np.rint((offsets[copy, 0] - first[0]) / px - cells[w_idx, 0]).astype(int)
    dr = np.rint((offsets[copy, 1] - first[1]) / py - cells[w_idx, 1]).astype(int)
    seen: dict[tuple, list[int]] = {}
    order = np.argsort(w_idx, kind="stable")
    w_idx, h_idx, dc, dr = w_idx[order], h_idx[order], dc[order], dr[order]
    starts = np.searchsorted(w_idx, np.arange(len(windows)))
    ends = np.searchsorted(w_idx, np.arange(len(windows)), "right")
    for k in range(len(windows)):
        sl = slice(starts[k], ends[k])
        clip = tuple(round(v, 9) for v in (max(sx0, lo[k, 0] - reach) - lo[k, 0],
                                           max(sy0, lo[k, 1] - reach) - lo[k, 1],
                                           min(sx1, lo[k, 0] + px + reach) - lo[k, 0],
                                           min(sy1, lo[k, 1] + py + reach) - lo[k, 1]))
        key = (clip, tuple(sorted(zip(dc[sl].tolist(), dr[sl].tolist(), (h_idx[sl] % m).tolist(),
                                      strict=True))))
        seen.setdefault(key, []).append(k)
    total = 0.0
    style = {"join_style": "mitre", "mitre_limit": MITRE_LIMIT}
    for key, members in seen.items():
        k = members[0]
        x0, y0, x1, y1 = key[0]
        part = box(lo[k, 0] + x0, lo[k, 1] + y0, lo[k, 0] + x1, lo[k, 1] + y1)
        if part.is_empty or x1 <= x0 or y1 <= y0:
            continue
        hit = h_idx[starts[k]:ends[k]]
        q = part.difference(shapely.union_all(holes[hit])) if len(hit) else part
        d = distance if closing else -distance
        done = shapely.buffer(shapely.buffer(q, d, **style), -d, **style)
        inner = box(lo[k, 0], lo[k, 1], lo[k, 0] + px, lo[k, 1] + py)
        total += shapely.symmetric_difference(done, q).intersection(inner).area * len(members)
    return total
