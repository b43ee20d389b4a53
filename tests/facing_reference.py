"""The facing length worked out by GEOS for the tests: the anode outline against a fine polygon
of each cathode segment's capsule (a buffer of a single segment, which GEOS does not simplify,
unlike the buffer of a whole polygon, whose input it thins by a hundredth of the distance)."""

from __future__ import annotations

import numpy as np
import shapely

from zmfab.regions.metrics import FACING_FACTOR


def _segments(geom) -> np.ndarray:
    """Every edge of ``geom``'s rings as a two-point LineString."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    return shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1))


def facing_reference(lay, *, quad_segs: int = 256) -> float:
    """Length (mm) of the anode's outline (pads united) within FACING_FACTOR gaps of the cathode:
    each edge's stretches inside the capsules, as fractions along it, merged edge by edge."""
    anode, cathode = lay.electrode("anode"), lay.electrode("cathode")
    reach = anode.distance(cathode) * FACING_FACTOR
    edges, caps = _segments(anode), shapely.buffer(_segments(cathode), reach, quad_segs=quad_segs)
    ia, ic = shapely.STRtree(caps).query(edges, predicate="intersects")
    pieces = shapely.intersection(edges[ia], caps[ic])
    xy, which = shapely.get_coordinates(pieces, return_index=True)
    # each piece as fractions along its edge: its points projected on the edge
    ends = shapely.get_coordinates(edges).reshape(-1, 2, 2)[ia[which]]
    d = ends[:, 1] - ends[:, 0]
    t = ((xy - ends[:, 0]) * d).sum(axis=1) / (d * d).sum(axis=1)
    t0 = np.full(len(pieces), np.inf)
    t1 = np.full(len(pieces), -np.inf)
    np.minimum.at(t0, which, t)
    np.maximum.at(t1, which, t)
    total = 0.0
    spans = sorted(zip(ia.tolist(), t0.tolist(), t1.tolist(), strict=True))
    edge, end, covered = -1, 0.0, 0.0
    for e, a, b in spans:  # merged edge by edge
        if e != edge:
            total += covered * (shapely.length(edges[edge]) if edge >= 0 else 0.0)
            edge, end, covered = e, 0.0, 0.0
        a, b = max(a, 0.0), min(b, 1.0)
        if b > end:
            covered += b - max(a, end)
            end = b
    return total + (covered * shapely.length(edges[edge]) if edge >= 0 else 0.0)


def metrics_reference(lay) -> dict:
    """The metrics as first written: GEOS unions, intersections and distance on whole regions
    (the facing edge against GEOS's capsule of each cathode segment, 128 sides a quarter
    circle: short of the exact figure by up to ~1e-4 mm; tests/regions/test_facing.py
    holds the fine comparison)."""
    anode, cathode = lay.electrode("anode"), lay.electrode("cathode")
    active = lay.get("active_area")
    inside = shapely.union(anode, cathode).intersection(active).area if active.area else 0.0
    gap = anode.distance(cathode)
    return {"fill": inside / active.area if active.area else 0.0, "gap": gap,
            "facing": facing_reference(lay, quad_segs=128), "bounds": list(lay.bounds)}
