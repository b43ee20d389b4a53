"""Turn closed rings into polygons with the even-odd rule (nested rings become holes)."""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely.geometry import MultiPolygon, Polygon

#: How a reader keys its shapes: a layer name or colour, or a (layer, colour) pair.
Key = str | tuple[str, str]


def rings_to_multipolygon(rings: Sequence[Sequence[tuple[float, float]]]) -> MultiPolygon:
    """Even-odd fill of closed rings: a ring inside an odd number of others is a hole."""
    polys = []
    for ring in rings:
        if len(ring) < 3:
            continue
        poly = shapely.make_valid(Polygon(ring))
        if poly.area > 0:
            polys.append(poly)
    if not polys:
        return MultiPolygon()
    result = polys[0]
    for poly in polys[1:]:
        result = result.symmetric_difference(poly)
    from ..regions import as_multipolygon

    return as_multipolygon(result)
