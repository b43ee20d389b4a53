"""Beads along thin curved features: lanes parallel to the middle of a spiral track or a ring,
their flow following the local width.

Straight lanes across a curved track one or two beads wide cut it into slivers; a bead along the
track's middle fills it in one pass. A strip (two long sides joined by two caps, or a ring) has
its middle half way across between its sides (:mod:`.strip_axis`); anything else (junctions,
branches) takes the chordal axis of a Delaunay triangulation of points spaced along the boundary
(the midpoints of the chords across the track, joined), with the short spurs at junctions pruned.
A track ``W`` mm wide gets ``n = round(W / p)`` lanes
parallel to that middle line, joined into one serpentine, each with the flow factor ``W / (n·p)``
(ink per area = layer height).
"""

from __future__ import annotations

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from ..regions import as_multipolygon
from .strip_axis import strip_axis

#: Features narrower than this many bead pitches are laid along their centre line.
THIN_PITCHES = 4.0
#: Boundary sample spacing for the triangulation, in bead pitches. The triangulation costs
#: seconds on a long track (so strips skip it), and 3/4 pitch already breaks a track far from
#: the centre of a Swiss roll into many beads.
SAMPLE_PITCHES = 0.5
#: Strips (:mod:`.strip_axis`): widest width sought (pitches; thin parts are narrower than
#: :data:`THIN_PITCHES`) and longest boundary segment (pitches) before casting rays across.
STRIP_REACH = 1.25 * THIN_PITCHES
STRIP_STEP = 2.0


def split_thin(poly: Polygon, pitch: float) -> tuple[list[Polygon], list[Polygon]]:
    """(thick pieces, thin pieces) of ``poly``: thin is what an opening by two pitches removes.

    Pieces smaller than a quarter of a bead square are dropped from the thin side (corner chips
    of the opening); a bead next to them covers them.
    """
    r = THIN_PITCHES * pitch / 2
    thick = poly.buffer(-r, join_style="mitre").buffer(r, join_style="mitre").intersection(poly)
    thin = poly.difference(thick.buffer(1e-9, join_style="mitre"))
    thick_parts = [p for p in as_multipolygon(thick).geoms if p.area > 1e-9]
    thin_parts = [p for p in as_multipolygon(thin).geoms if p.area > 0.25 * pitch ** 2]
    return thick_parts, thin_parts


def _spurs(lines: list[LineString], limit: float) -> list[LineString]:
    """``lines`` without the short ones hanging off a junction by a free end, or loose."""
    while True:
        ends = np.round(np.array([[ln.coords[0], ln.coords[-1]] for ln in lines]), 6)
        keys, counts = np.unique(ends.reshape(-1, 2), axis=0, return_counts=True)
        degree = {tuple(k): c for k, c in zip(keys.tolist(), counts.tolist(), strict=True)}
        keep = []
        for ln, (a, b) in zip(lines, ends.tolist(), strict=True):
            da, db = degree[tuple(a)], degree[tuple(b)]
            if ln.length < limit and min(da, db) == 1 and (max(da, db) >= 3 or da == db):
                continue
            keep.append(ln)
        if len(keep) == len(lines):
            return lines
        merged = shapely.line_merge(shapely.MultiLineString(keep)) if keep else LineString()
        lines = [g for g in shapely.get_parts(merged) if not g.is_empty]
        if not lines:
            return lines


#: The inside test splits the region into quadrants while a quadrant holds more points than this:
#: a ray from a point crosses every turn of a spiral, so a point-in-polygon test on the whole
#: region costs O(turns); on a quadrant it crosses only the turns in that quadrant.
LEAF_POINTS = 4096


def inside_xy(geom: BaseGeometry, xy: np.ndarray, leaf: int = LEAF_POINTS) -> np.ndarray:
    """Whether each point of ``xy`` (n×2, mm) lies inside ``geom``, tested quadrant by quadrant."""
    out = np.zeros(len(xy), dtype=bool)
    if len(xy) and not geom.is_empty:
        _inside(geom, xy, np.arange(len(xy)), geom.bounds, leaf, out, 12)
    return out


def _inside(geom: BaseGeometry, xy: np.ndarray, idx: np.ndarray, box: tuple, leaf: int,
            out: np.ndarray, depth: int) -> None:
    if geom.is_empty or not len(idx):
        return
    x0, y0, x1, y1 = box
    if len(idx) <= leaf or depth == 0:
        shapely.prepare(geom)
        out[idx] = shapely.contains_xy(geom, xy[idx, 0], xy[idx, 1])
        return
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    pad = 1e-6 * max(x1 - x0, y1 - y0, 1e-9)
    right, top = xy[idx, 0] >= xm, xy[idx, 1] >= ym
    for rx, ty, sub in ((False, False, (x0, y0, xm, ym)), (True, False, (xm, y0, x1, ym)),
                        (False, True, (x0, ym, xm, y1)), (True, True, (xm, ym, x1, y1))):
        pick = idx[(right == rx) & (top == ty)]
        if len(pick):
            part = shapely.clip_by_rect(geom, sub[0] - pad, sub[1] - pad, sub[2] + pad, sub[3] + pad)
            _inside(part, xy, pick, sub, leaf, out, depth - 1)


def _chordal_axis(thin: BaseGeometry, samples: np.ndarray, min_chord: float
                  ) -> tuple[list[np.ndarray], dict]:
    """Segments of the chordal axis of ``thin`` from a Delaunay triangulation of boundary
    ``samples``, and the local width (mm) at each chord midpoint on the axis."""
    tri = shapely.get_parts(shapely.delaunay_triangles(shapely.multipoints(samples)))
    corners = shapely.get_coordinates(tri).reshape(-1, 4, 2)[:, :3]
    centre = corners.mean(axis=1)
    corners = corners[inside_xy(thin, centre)]
    if not len(corners):
        return [], {}
    flat = np.round(corners.reshape(-1, 2), 9)
    _, ids = np.unique(flat[:, 0] + 1j * flat[:, 1], return_inverse=True)
    ids = ids.reshape(-1, 3)
    pairs = np.sort(np.stack([ids[:, [0, 1]], ids[:, [1, 2]], ids[:, [2, 0]]], axis=1), axis=2)
    key = pairs[..., 0].astype(np.int64) * (ids.max() + 1) + pairs[..., 1]
    uniq, counts = np.unique(key, return_counts=True)
    a = corners
    b = np.roll(corners, -1, axis=1)
    mids = (a + b) / 2
    chords = np.hypot(*(b - a).transpose(2, 0, 1))
    # A chord crosses the feature; a short shared edge hugs the boundary (a fan of slivers).
    internal = (counts[np.searchsorted(uniq, key)] == 2) & (chords >= min_chord)
    n = internal.sum(axis=1)
    two = n == 2
    sleeve = mids[two][internal[two]].reshape(-1, 2, 2)
    # Width at a chord's midpoint: the chord's extent across the axis through it (a skew chord
    # is longer than the track is wide), averaged over the axis segments meeting there.
    vec = (b - a)[two][internal[two]].reshape(-1, 2, 2)
    axis = sleeve[:, 1] - sleeve[:, 0]
    norm = np.hypot(axis[:, 0], axis[:, 1])
    ok = norm > 1e-12
    across = np.abs(vec[..., 0] * axis[:, None, 1] - vec[..., 1] * axis[:, None, 0])
    across = np.where(ok[:, None], across / np.where(ok, norm, 1.0)[:, None],
                      np.hypot(vec[..., 0], vec[..., 1]))
    flat = np.round(sleeve.reshape(-1, 2), 9)
    keys, inv = np.unique(flat[:, 0] + 1j * flat[:, 1], return_inverse=True)
    pts = np.c_[keys.real, keys.imag]
    sums = np.bincount(inv.ravel(), weights=across.ravel(), minlength=len(pts))
    hits = np.bincount(inv.ravel(), minlength=len(pts))
    width = dict(zip(map(tuple, pts.tolist()), (sums / np.maximum(hits, 1)).tolist(), strict=True))
    three = n == 3
    centres = np.repeat(corners[three].mean(axis=1), 3, axis=0)
    fork = np.stack([centres, mids[three].reshape(-1, 2)], axis=1)
    return list(np.concatenate([sleeve, fork])), width


def centre_lines(thin: BaseGeometry, *, pitch: float, whole: BaseGeometry | None = None
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Chains (points, mm) along the middle of ``thin`` and each segment's flow factor.

    A piece of ``thin`` that is a strip (two long sides, or a ring) takes the middle of its two
    sides, run to its caps (:func:`.strip_axis.strip_axis`). The rest take the chordal axis: ``whole`` (default
    ``thin``), the region the feature belongs to, has its boundary sampled every half pitch
    (:data:`SAMPLE_PITCHES`) near them and triangulated (Delaunay); in each triangle inside
    ``thin`` the midpoints of its two chords (edges shared with other inside triangles) are
    joined, and the chords give the local width.
    """
    axes: list[tuple[np.ndarray, np.ndarray, bool]] = []  # (points, widths, runs to the ends)
    rest: list[Polygon] = []
    for piece in as_multipolygon(thin).geoms:
        found = strip_axis(piece, reach=STRIP_REACH * pitch, step=STRIP_STEP * pitch,
                           tolerance=pitch / 20)
        if found is None:
            rest.append(piece)
        else:
            axes.append((*found, True))
    if rest:
        region = whole if whole is not None else thin
        if axes:  # triangulate only near what is left
            thin = shapely.MultiPolygon(rest)
            region = region.intersection(thin.buffer(THIN_PITCHES * pitch, join_style="mitre"))
        axes += [(*line, False) for line in _chordal_lines(thin, region, pitch)]
    chains, flows = [], []
    cap = THIN_PITCHES * pitch
    for pts, w, to_ends in axes:
        if len(pts) < 2:
            continue
        if np.isnan(w).all():
            w[:] = pitch
        w = np.where(np.isnan(w), np.nanmean(w), np.minimum(w, cap))
        chain, flow = lanes_along(pts, w, pitch, to_ends=to_ends)
        chains.append(chain)
        flows.append(flow)
    return chains, flows


def _chordal_lines(thin: BaseGeometry, region: BaseGeometry, pitch: float
                   ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Lines (points, mm) of the chordal axis of ``thin`` from ``region``'s boundary sampled
    every :data:`SAMPLE_PITCHES` pitch, spurs pruned, simplified within a twentieth of the pitch;
    and the local width at each point (NaN where unknown)."""
    samples = shapely.get_coordinates(shapely.segmentize(region.boundary, SAMPLE_PITCHES * pitch))
    samples = np.unique(np.round(samples, 9), axis=0)
    if len(samples) < 3:
        return []
    shapely.prepare(thin)
    segments, width = _chordal_axis(thin, samples, pitch / 2)
    if not segments:
        return []
    merged = shapely.line_merge(shapely.multilinestrings(segments))
    out = []
    for ln in _spurs([g for g in shapely.get_parts(merged) if not g.is_empty], pitch):
        pts = shapely.get_coordinates(shapely.simplify(ln, pitch / 20, preserve_topology=False))
        w = np.array([width.get(q, np.nan) for q in map(tuple, np.round(pts, 9).tolist())])
        out.append((pts, w))
    return out


def lanes_along(axis: np.ndarray, width: np.ndarray, pitch: float, *, to_ends: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
    """One serpentine of ``n = round(W / p)`` lanes parallel to ``axis`` (points, mm) filling a
    track ``width`` mm wide at each point; and each segment's flow factor.

    Lane ``i`` runs at ``(i + 1/2 - n/2)·w/n`` from the axis (``w`` the local width), every other
    one backwards, each joined to the next by a short printed hop. An open track's lanes stop half
    a lane pitch short of its ends; a single bead too when the axis runs to the track's ends
    (``to_ends``: the round end of the bead then meets a square cap).
    """
    n = max(1, int(round(float(np.median(width)) / pitch)))
    closed = len(axis) > 2 and np.allclose(axis[0], axis[-1])
    if not closed and (n > 1 or to_ends):
        line = LineString(axis)
        cut = float(np.median(width)) / n / 2
        if line.length > 4 * cut:
            along = np.r_[0.0, np.cumsum(np.hypot(*np.diff(axis, axis=0).T))]
            part = shapely.ops.substring(line, cut, line.length - cut)
            new = np.asarray(part.coords)
            at = np.r_[0.0, np.cumsum(np.hypot(*np.diff(new, axis=0).T))] + cut
            width = np.interp(at, along, width)
            axis = new
    if n == 1:
        return axis, (width[:-1] + width[1:]) / 2 / pitch
    tangent = np.gradient(axis, axis=0)
    if closed:
        tangent[0] = tangent[-1] = axis[1] - axis[-2]
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    normal = np.c_[-tangent[:, 1], tangent[:, 0]] / np.where(norm > 0, norm, 1.0)[:, None]
    seg_w = (width[:-1] + width[1:]) / 2 / n / pitch
    points, flows = [], []
    for i in range(n):
        lane = axis + normal * ((i + 0.5 - n / 2) * width / n)[:, None]
        lane_flow = seg_w
        if i % 2:
            lane, lane_flow = lane[::-1], lane_flow[::-1]
        if points:
            flows.append([float(flows[-1][-1])])
        points.append(lane)
        flows.append(lane_flow)
    return np.vstack(points), np.concatenate(flows)
