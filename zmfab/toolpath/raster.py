"""Rasterise polygons onto a grid of drops: a pixel is set when its centre lies inside.

The grid's pixel pitch is the printer's drop spacing; row 0 is the top row (image order), and
the grid covers ``bounds`` (default: the geometry's) rounded out to whole pixels. A scanline
fill with the even-odd rule: per row, the crossings of every ring edge with the row's centre
line, counted left of each pixel centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from ..regions import as_multipolygon

#: Largest grid (pixels) rasterised before refusing: 400 Mpx, a 400 x 400 mm plate at 20 µm.
MAX_PIXELS = 400_000_000


@dataclass(frozen=True)
class Raster:
    """A boolean grid (rows x cols, top row first), its pitch (mm) and lower-left corner (mm)."""

    grid: np.ndarray
    pitch: float
    x0: float
    y0: float

    @property
    def count(self) -> int:
        """Set pixels."""
        return int(self.grid.sum())

    def centres(self) -> np.ndarray:
        """(N, 2) centres (mm) of the set pixels."""
        rows, cols = np.nonzero(self.grid)
        height = self.grid.shape[0]
        return np.column_stack([self.x0 + (cols + 0.5) * self.pitch,
                                self.y0 + (height - rows - 0.5) * self.pitch])


def _edges(geom: BaseGeometry) -> np.ndarray:
    segs = []
    for poly in as_multipolygon(geom).geoms:
        for ring in (poly.exterior, *poly.interiors):
            c = np.asarray(ring.coords)[:, :2]
            segs.append(np.hstack([c[:-1], c[1:]]))
    return np.vstack(segs) if segs else np.zeros((0, 4))


def rasterize(geom: BaseGeometry, pitch: float, *,
              bounds: tuple[float, float, float, float] | None = None) -> Raster:
    """The drops of ``geom`` on a ``pitch`` mm grid over ``bounds`` (mm)."""
    if not pitch > 0:
        raise ParameterError("drop_spacing", f"{pitch!r} is out of range (must be > 0 mm)")
    x0, y0, x1, y1 = bounds if bounds is not None else geom.bounds
    cols = max(1, math.ceil((x1 - x0) / pitch - 1e-9))
    rows = max(1, math.ceil((y1 - y0) / pitch - 1e-9))
    if rows * cols > MAX_PIXELS:
        raise ParameterError("drop_spacing", f"{pitch * 1000:g} µm gives a {cols} x {rows} bitmap "
                                             f"(at most {MAX_PIXELS:,} pixels)")
    grid = np.zeros((rows, cols), dtype=bool)
    edges = _edges(geom)
    if len(edges):
        ax, ay, bx, by = edges.T
        lo, hi = np.minimum(ay, by), np.maximum(ay, by)
        xs = x0 + (np.arange(cols) + 0.5) * pitch
        first = max(0, int((lo.min() - y0) / pitch) - 1)
        last = min(rows, int((hi.max() - y0) / pitch) + 2)
        for i in range(first, last):
            y = y0 + (i + 0.5) * pitch
            m = (ay <= y) != (by <= y)
            if not m.any():
                continue
            xi = ax[m] + (y - ay[m]) * (bx[m] - ax[m]) / (by[m] - ay[m])
            xi.sort()
            grid[rows - 1 - i] = np.searchsorted(xi, xs) % 2 == 1
    return Raster(grid, pitch, x0, y0)
