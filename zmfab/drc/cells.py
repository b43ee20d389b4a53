"""The feature rules of a panel of identical cells, measured once per cell.

The line and space rules (``min_width``, ``min_space``, the inkjet, DIW and relief rules) look
for narrow places with :func:`zmfab.regions.features.narrow_lines` and ``narrow_spaces``. Both
work polygon by polygon: the opening or closing, the pieces it leaves and their measurement
belong to one part, and only two things cross parts: the spaces *between* two parts, and the
choice of which :data:`~zmfab.regions.features.MEASURED` candidates get an exact measurement.

So when a layer of a panel is, part for part and in order, copies of the parts of its first
cell moved by the panel's offsets (checked on the coordinates themselves, :func:`copies`), its
spots are those of the first cell, each moved to every copy, plus the spaces between parts of
*different* copies (measured on the panel, as ``narrow_spaces`` measures them). That is the
same list the whole panel gives, as long as every candidate piece of the panel is measured
exactly (pieces per cell x cells <= ``MEASURED``; a clean cell has none): otherwise the panel's
ranking would measure only some copies exactly, and the layer is measured on the whole panel.
The rules then report the spot :func:`zmfab.drc.overlay.worst` picks, so both lists name the
same copy; the count is the whole list's length either way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from ..process.tiling import Tiling
from ..regions import as_multipolygon
from ..regions.features import (
    AT_LIMIT,
    MEASURED,
    NOISE,
    NOISE_FRACTION,
    Spot,
    narrow_lines,
    narrow_spaces,
)

Finder = Callable[[BaseGeometry, float], list[Spot]]
#: Coordinates of two copies this close (mm) after undoing their offsets are the same point.
SAME = 1e-7


def copies(geom: BaseGeometry, tiling: Tiling) -> tuple[MultiPolygon, int] | None:
    """(the first copy's parts, parts per copy) when ``geom``'s parts are, in order, copies of
    its first cell's parts at each of the tiling's offsets; else None."""
    parts = shapely.get_parts(as_multipolygon(geom))
    n = len(tiling.offsets)
    if n < 2 or len(parts) == 0 or len(parts) % n:
        return None
    m = len(parts) // n
    rings = shapely.get_num_interior_rings(parts).reshape(n, m)
    counts = shapely.get_num_coordinates(parts).reshape(n, m)
    if (rings != rings[0]).any() or (counts != counts[0]).any():
        return None
    xy = shapely.get_coordinates(parts).reshape(n, -1, 2)
    rel = xy - (tiling.offsets - tiling.offsets[0])[:, None, :]
    if not np.all(np.abs(rel - rel[0]) <= SAME):
        return None
    return MultiPolygon(list(parts[:m])), m


def cell_spots(geom: BaseGeometry, limit: float, finder: Finder,
               tiling: Tiling | None) -> list[Spot]:
    """``finder(geom, limit)`` (``narrow_lines`` or ``narrow_spaces``), measured once per cell
    when ``geom`` is a tiled panel's layer (see the module); the spots in the finder's order."""
    if tiling is None or finder not in (narrow_lines, narrow_spaces):
        return finder(geom, limit)
    found = copies(geom, tiling)
    if found is None:
        return [] if _unchanged(geom, limit, finder, tiling) else finder(geom, limit)
    first, m = found
    spots = finder(first, limit)
    shifts = tiling.offsets - tiling.offsets[0]
    if sum(1 for s in spots if s.area > 0) * len(shifts) > MEASURED:
        return finder(geom, limit)
    out = [Spot(s.width, s.x + dx, s.y + dy, s.area) for dx, dy in shifts for s in spots]
    if finder is narrow_spaces:
        out += _between(geom, limit, m)
    out.sort(key=lambda s: s.width)
    return out


def _unchanged(geom: BaseGeometry, limit: float, finder: Finder, tiling: Tiling) -> bool:
    """Whether a panel-wide polygon (one part) is left as it is by the finder's opening or
    closing, to less than the area the finder ignores: then it finds nothing there
    (:mod:`zmfab.process.windows` measures that box by box)."""
    from ..process.windows import morphology_change

    probe = limit - 2 * AT_LIMIT
    change = morphology_change(geom, *tiling.grid(), probe / 2, closing=finder is narrow_spaces)
    grain = max(NOISE, NOISE_FRACTION * limit) ** 2 / 2
    return change is not None and change < grain / 2


def _between(geom: BaseGeometry, space: float, m: int) -> list[Spot]:
    """Spaces narrower than ``space`` between parts of different copies (``m`` parts each),
    measured as :func:`~zmfab.regions.features.narrow_spaces` measures spaces between parts."""
    if space <= 0:
        return []
    parts = np.asarray(shapely.get_parts(as_multipolygon(geom)))
    probe = space - 2 * AT_LIMIT
    a, b = shapely.STRtree(parts).query(parts, predicate="dwithin", distance=space)
    keep = (a < b) & (a // m != b // m)
    a, b = a[keep], b[keep]
    out = []
    if len(a):
        for i, j, d in zip(a, b, shapely.distance(parts[a], parts[b]), strict=True):
            if d >= probe or d <= 0:
                continue
            mid = shapely.shortest_line(parts[i], parts[j]).interpolate(0.5, normalized=True)
            out.append(Spot(float(d), mid.x, mid.y, 0.0))
    return out


def reported(spots: list[Spot], cell: Callable[[float, float], int] | None = None) -> Spot:
    """The spot a rule reports: the narrowest; equal ones broken by the first ``cell`` (a
    panel's cell index of a place), then the lowest, then leftmost place."""
    from .overlay import worst

    return worst(spots, lambda s: -s.width, lambda s: (s.x, s.y), cell)
