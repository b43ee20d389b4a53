"""Union of many mostly separate polygons (panels of devices), fast.

GEOS's cascaded union overlays everything with everything it meets in its tree; when most parts
are apart (a hundred devices, each an electrode and its pad), uniting only the parts that touch
is several times faster and gives the same geometry.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from . import as_multipolygon


def merge(geoms: Iterable[BaseGeometry]) -> MultiPolygon:
    """The union of ``geoms`` as a MultiPolygon; parts that touch or overlap are united."""
    parts = [p for g in geoms if not g.is_empty for p in as_multipolygon(g).geoms if not p.is_empty]
    if not parts:
        return MultiPolygon()
    if len(parts) == 1:
        return MultiPolygon(parts)
    arr = np.asarray(parts, dtype=object)
    a, b = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    parent = list(range(len(parts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(a.tolist(), b.tolist(), strict=True):
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(len(parts)):
        groups.setdefault(find(i), []).append(i)
    out = []
    for members in groups.values():
        if len(members) == 1:
            out.append(parts[members[0]])
        else:
            out.extend(as_multipolygon(shapely.union_all(arr[members])).geoms)
    return MultiPolygon(out)
