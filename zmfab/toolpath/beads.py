"""Bead planning for ink writing: fill regions with serpentines of parallel beads, layer by layer.

A bead of width ``w`` laid at layer height ``h`` has a stadium cross-section
``A = (w - h)·h + π(h/2)²`` (mm²). Beads are laid at the pitch ``p = A / h`` (mm), so they
overlap by ``w - p`` and the ink laid per unit area is exactly ``h``: a region of area ``S``
filled ``n`` layers deep takes ``S·n·h`` mm³ (µL) of ink.

The fill works in a frame where the lanes run along y. The region is cut into slabs between the
x of its vertices (rectilinear shapes) or taken whole (curved shapes); each slab of width ``W``
holds ``round(W / p)`` lanes at the slab pitch ``W / n``, so a comb finger gets whole beads and a
finger as narrow as one bead becomes one straight bead. A lane stops half a slab pitch from the
region's edge: the edge of the bead array's equivalent rectangle lands on the region's edge.
Consecutive lanes whose ends meet inside the region are joined by a printed turn, so a comb
(fingers joined through the bus) is a few long serpentines. Each bead segment carries a flow
factor (slab pitch / nominal pitch, times a per-polygon trim for the lane ends) so the ink laid
equals ``S·h`` per layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from ..regions import as_multipolygon
from .path import Polyline, Toolpath

#: A slab piece is laid across the slabs only when that takes this many times fewer turns: lanes
#: along the slabs pass from piece to piece, so the serpentine continues (a comb's bus).
ACROSS_BIAS = 1.5
#: Alternation between layers: "auto" crosses when the other direction costs at most this much more.
CROSS_RATIO = 1.5


def bead_section(width: float, height: float) -> float:
    """Stadium cross-section (mm²) of a bead ``width`` mm wide and ``height`` mm high."""
    return (width - height) * height + math.pi * (height / 2) ** 2


def bead_pitch(width: float, height: float) -> float:
    """Lane spacing (mm) that lays exactly ``height`` mm of ink per unit area: ``A / h``."""
    return bead_section(width, height) / height


def check_bead(width: float, height: float) -> None:
    """Raise :class:`ParameterError` unless ``0 < height <= width``."""
    if not width > 0:
        raise ParameterError("bead_width", f"{width:g} mm is out of range (must be > 0 mm)")
    if not 0 < height <= width:
        raise ParameterError("layer_height", f"{height:g} mm is out of range "
                             f"(must be > 0 and <= bead_width {width:g} mm)")


@dataclass
class Fill:
    """One layer of one polygon: chains of points (mm) and the flow factor of each segment."""

    chains: list[np.ndarray]
    flows: list[np.ndarray]
    angle: float
    lanes: int

    @property
    def cost(self) -> float:
        """Turns plus travels (a travel counts as three turns)."""
        return self.lanes + 3 * len(self.chains)


def _rectilinear(poly: Polygon, tol: float = 1e-6) -> bool:
    for ring in [poly.exterior, *poly.interiors]:
        d = np.abs(np.diff(np.asarray(ring.coords), axis=0))
        if not np.all((d[:, 0] < tol) | (d[:, 1] < tol)):
            return False
    return True


def _slab_cuts(poly: Polygon, pitch: float) -> list[float]:
    """Slab boundaries (mm): the x of a rectilinear shape's vertices, slivers merged away."""
    coords = [np.asarray(r.coords)[:, 0] for r in [poly.exterior, *poly.interiors]]
    xs = np.unique(np.concatenate(coords))
    xs = xs[np.r_[True, np.diff(xs) > 1e-7]]
    return _merge_slabs(poly, list(xs), pitch / 2)


def _lane_xs(poly: Polygon, pitch: float) -> tuple[np.ndarray, np.ndarray]:
    """Lane x positions and the slab pitch of each (mm), in the lane frame."""
    xmin, _, xmax, _ = poly.bounds
    cuts = _slab_cuts(poly, pitch) if _rectilinear(poly) else [xmin, xmax]
    lane_x, lane_p = [], []
    for a, b in zip(cuts[:-1], cuts[1:], strict=False):
        n = max(1, round((b - a) / pitch))
        ps = (b - a) / n
        lane_x.extend(a + (i + 0.5) * ps for i in range(n))
        lane_p.extend([ps] * n)
    return np.asarray(lane_x), np.asarray(lane_p)


def _signature(poly: Polygon, x: float) -> BaseGeometry:
    """The intervals of ``poly`` along x = const, as boxes of unit width (to compare them)."""
    ivs = _intervals(poly, np.array([x]), np.array([0.0]), False)[0]
    return shapely.union_all([shapely.box(0, y0, 1, y1) for y0, y1 in ivs])


def _merge_slabs(poly: Polygon, cuts: list[float], narrowest: float) -> list[float]:
    """Drop cuts so no slab is narrower than ``narrowest`` mm; a sliver joins the neighbour
    whose cross-section along the lanes is most like its own."""
    cuts = list(cuts)
    sig = [_signature(poly, (a + b) / 2) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
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


def _intervals(poly: Polygon, xs: np.ndarray, ps: np.ndarray,
               strips: bool) -> list[list[tuple[float, float]]]:
    """Per lane, the sorted (y0, y1) intervals of ``poly`` along it.

    With ``strips`` (rectilinear shapes) an interval is the y extent of each piece of ``poly``
    inside the lane's strip (x ± slab pitch / 2), so a sliver merged into a slab still gets ink;
    otherwise it is where the line x = const crosses ``poly``.
    """
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
    out: list[list[tuple[float, float]]] = [[] for _ in xs]
    if len(parts):
        keep = shapely.get_type_id(parts) == wanted
        b = shapely.bounds(parts[keep])
        for i, y0, y1 in zip(idx[keep], b[:, 1], b[:, 3], strict=False):
            out[i].append((float(y0), float(y1)))
    for i, ivs in enumerate(out):
        ivs.sort()
        merged: list[tuple[float, float]] = []
        for y0, y1 in ivs:
            if merged and y0 - merged[-1][1] < 1e-9:
                merged[-1] = (merged[-1][0], max(merged[-1][1], y1))
            else:
                merged.append((y0, y1))
        out[i] = merged
    return out


def _serpentine(poly: Polygon, pitch: float, whole: Polygon, grown: BaseGeometry) -> tuple[list, list, int]:
    """Lanes along y filling ``poly`` (a piece of ``whole``), linked into serpentines where their
    ends meet inside ``grown``: (points, segment flows) per chain, and the lane count. A lane end
    inside ``whole`` (a cut between pieces) is not inset."""
    xs, ps = _lane_xs(poly, pitch)
    lanes = _intervals(poly, xs, ps, _rectilinear(poly))
    chains: list[list[tuple[float, float]]] = []
    flows: list[list[float]] = []
    open_prev: list[int] = []
    cursor = (float(xs[0]) if len(xs) else 0.0, poly.bounds[1])
    count = 0
    for i, ivs in enumerate(lanes):
        x, p = float(xs[i]), float(ps[i])
        open_now: list[int] = []
        for y0, y1 in ivs:
            e = min(p / 2, (y1 - y0) / 4)
            cut0, cut1 = shapely.contains_xy(whole, [x, x], [y0 - 1e-4, y1 + 1e-4])
            a, b = y0 + (0.0 if cut0 else e), y1 - (0.0 if cut1 else e)
            count += 1
            best, best_d, flip = None, pitch, False
            for c in open_prev:
                if c in open_now:
                    continue
                ex, ey = chains[c][-1]
                for end, _other, rev in ((a, b, False), (b, a, True)):
                    d = abs(ey - end)
                    if d <= best_d and shapely.covers(grown, shapely.linestrings([(ex, ey), (x, end)])):
                        best, best_d, flip = c, d, rev
            start, stop = (b, a) if flip else (a, b)
            if best is None:
                if math.hypot(cursor[0] - x, cursor[1] - b) < math.hypot(cursor[0] - x, cursor[1] - a):
                    start, stop = b, a
                chains.append([(x, start), (x, stop)])
                flows.append([p / pitch])
                open_now.append(len(chains) - 1)
            else:
                prev_p = flows[best][-1] * pitch
                chains[best].extend([(x, start), (x, stop)])
                flows[best].extend([(prev_p + p) / 2 / pitch, p / pitch])
                open_now.append(best)
            cursor = (x, stop)
        open_prev = open_now
    return chains, flows, count


def _cost(lanes: int, chains: int) -> float:
    return lanes + 3 * chains


def _fill_frame(poly: Polygon, pitch: float, *, flip: bool = False) -> tuple[list, list, int]:
    """Chains filling ``poly`` in the lane frame, and the lane count.

    A rectilinear shape is cut into slabs (see :func:`_lane_xs`); each piece of a slab is laid
    along y or along x, whichever takes fewer turns (the other one with ``flip``), so a comb's
    fingers run along the fingers and an L's arms along each arm. The chains of all pieces are
    then joined where their ends meet.
    """
    grown = poly.buffer(pitch / 4, join_style="mitre")
    shapely.prepare(grown)
    if not _rectilinear(poly):
        chains, flows, count = _serpentine(poly, pitch, poly, grown)
        if flip:
            raise ValueError("flip needs a rectilinear shape")
    else:
        _, ymin, _, ymax = poly.bounds
        turned = affinity.rotate(poly, -90, origin=(0, 0))
        chains, flows, count = [], [], 0
        cuts = _slab_cuts(poly, pitch)
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            cell = poly.intersection(shapely.box(a, ymin - 1, b, ymax + 1))
            for part in as_multipolygon(cell).geoms:
                if part.area < 1e-9:
                    continue
                along = _serpentine(part, pitch, poly, grown)
                across = _serpentine(affinity.rotate(part, -90, origin=(0, 0)), pitch, turned,
                                     affinity.rotate(grown, -90, origin=(0, 0)))
                across = ([[(-y, x) for x, y in ch] for ch in across[0]], across[1], across[2])
                turn = _cost(across[2], len(across[0])) * ACROSS_BIAS < _cost(along[2], len(along[0]))
                pick = along if turn == flip else across
                chains += pick[0]
                flows += pick[1]
                count += pick[2]
    chains, flows = _join(chains, flows, grown, reach=2 * pitch)
    return chains, flows, count


def _near_pairs(pts: np.ndarray, reach: float) -> list[tuple[float, int, int]]:
    """(distance, i, j) for every pair of points closer than ``reach``, i < j, nearest first."""
    order = np.argsort(pts[:, 0], kind="stable")
    xs = pts[order, 0]
    hi = np.searchsorted(xs, xs + reach, side="right")
    pairs = []
    for a in range(len(order)):
        for b in range(a + 1, hi[a]):
            i, j = int(order[a]), int(order[b])
            d = float(np.hypot(*(pts[i] - pts[j])))
            if d <= reach:
                pairs.append((d, min(i, j), max(i, j)))
    pairs.sort()
    return pairs


def _join(chains: list, flows: list, inside: BaseGeometry, *, reach: float) -> tuple[list, list]:
    """Join chains whose ends lie within ``reach`` mm through ``inside`` by a printed link.

    End ``2k`` is chain ``k``'s start, ``2k + 1`` its end; each end takes at most one link and no
    link closes a loop, so the linked chains form paths.
    """
    n = len(chains)
    if n < 2:
        return chains, flows
    pts = np.array([pt for c in chains for pt in (c[0], c[-1])], dtype=float)
    link = [-1] * (2 * n)
    root = list(range(n))

    def find(k: int) -> int:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    for _, u, v in _near_pairs(pts, reach):
        if link[u] >= 0 or link[v] >= 0 or find(u // 2) == find(v // 2):
            continue
        if not shapely.covers(inside, shapely.linestrings([pts[u], pts[v]])):
            continue
        link[u], link[v] = v, u
        root[find(u // 2)] = find(v // 2)
    out_c, out_f, seen = [], [], [False] * n
    for k in range(n):
        for e in (2 * k, 2 * k + 1):
            if seen[k] or link[e] >= 0:
                continue
            pts_out: list = []
            fl_out: list = []
            end = e
            while True:
                c = end // 2
                seen[c] = True
                forward = end % 2 == 0
                ch = chains[c] if forward else chains[c][::-1]
                fl = list(flows[c]) if forward else list(flows[c])[::-1]
                if fl_out:
                    fl_out.append((fl_out[-1] + fl[0]) / 2)
                pts_out.extend(ch)
                fl_out.extend(fl)
                other = end + 1 if forward else end - 1
                if link[other] < 0:
                    break
                end = link[other]
            out_c.append(pts_out)
            out_f.append(fl_out)
    return out_c, out_f


def fill_polygon(poly: Polygon, *, pitch: float, angle: float, flip: bool = False) -> Fill:
    """Serpentine lanes filling ``poly`` at ``pitch`` mm, swept in a frame turned by ``angle``
    degrees (0: slabs across x, lanes along y where that takes fewer turns; ``flip``: the other
    direction in every piece)."""
    frame = affinity.rotate(poly, -angle, origin=(0, 0)) if angle else poly
    if flip and not _rectilinear(frame):
        return fill_polygon(poly, pitch=pitch, angle=(angle + 90.0) % 180.0)
    chains, flows, lanes = _fill_frame(frame, pitch, flip=flip)
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    rot = np.array([[c, s], [-s, c]])
    out = [np.asarray(ch) @ rot if angle else np.asarray(ch) for ch in chains]
    return Fill(out, [np.asarray(f) for f in flows], (angle + 90.0) % 180.0 if flip else angle, lanes)


def candidate_angles(poly: Polygon) -> list[float]:
    """Lane directions worth trying (degrees): the axes, and the long side of a skewed shape."""
    angles = [0.0, 90.0]
    if not _rectilinear(poly):
        ring = np.asarray(poly.minimum_rotated_rectangle.exterior.coords)
        d = np.diff(ring[:3], axis=0)
        k = int(np.argmax(np.hypot(d[:, 0], d[:, 1])))
        a = round(math.degrees(math.atan2(d[k, 1], d[k, 0])) - 90.0, 6) % 180.0
        for extra in (a, (a + 90.0) % 180.0):
            if min(abs(extra - b) % 180 for b in angles) > 1.0:
                angles.append(extra)
    return angles


def order_chains(fill: Fill, start: tuple[float, float]) -> Fill:
    """Greedy nearest-neighbour order of ``fill``'s chains from ``start``, reversing where shorter."""
    left = list(range(len(fill.chains)))
    here = np.asarray(start, dtype=float)
    chains, flows = [], []
    while left:
        heads = np.array([fill.chains[k][0] for k in left])
        tails = np.array([fill.chains[k][-1] for k in left])
        dh = np.hypot(*(heads - here).T)
        dt = np.hypot(*(tails - here).T)
        j = int(np.argmin(np.minimum(dh, dt)))
        k = left.pop(j)
        ch, fl = fill.chains[k], fill.flows[k]
        if dt[j] < dh[j]:
            ch, fl = ch[::-1], fl[::-1]
        chains.append(ch)
        flows.append(fl)
        here = ch[-1]
    return Fill(chains, flows, fill.angle, fill.lanes)


def _trim(fill: Fill, area: float, pitch: float) -> float:
    """Factor that makes the fill lay ``area`` mm² of pitch-wide strip (ends fall short of it)."""
    laid = sum(float(np.hypot(*np.diff(ch, axis=0).T) @ fl) for ch, fl in zip(fill.chains, fill.flows, strict=False))
    return area / (laid * pitch) if laid > 0 else 1.0


def plan_beads(
    region: BaseGeometry,
    *,
    width: float,
    height: float,
    layers: int = 1,
    z0: float = 0.0,
    angle: float | None = None,
    alternate: str = "auto",
    settings: dict | None = None,
) -> Toolpath:
    """Beads filling ``region`` ``layers`` deep; bead ``width`` and layer ``height`` in mm.

    Layer ``k`` is laid with the nozzle at ``z0 + (k + 1)·height`` mm. ``angle`` fixes the lane
    direction (degrees; default: the one with the fewest turns). ``alternate`` is ``"cross"``
    (odd layers turned 90°), ``"reverse"`` (odd layers laid backwards) or ``"auto"`` (cross when
    that costs at most 1.5× the turns). Each polyline's settings hold ``layer``, ``z``,
    ``flow`` (its mean factor), ``segment_flow`` (one factor per segment: ink per length relative
    to the bead section) and ``width``/``height``, plus ``settings``.
    """
    check_bead(width, height)
    if layers < 1:
        raise ParameterError("layers", f"{layers} is out of range (must be >= 1)")
    if alternate not in ("auto", "cross", "reverse"):
        raise ParameterError("alternate", f"{alternate!r} is not allowed (use auto, cross or reverse)")
    pitch = bead_pitch(width, height)
    polys = sorted(as_multipolygon(region).geoms, key=lambda g: (g.bounds[0], g.bounds[1]))
    plans: list[tuple[Polygon, Fill, Fill]] = []
    for poly in polys:
        tries = [angle % 180.0] if angle is not None else candidate_angles(poly)
        fills = sorted((fill_polygon(poly, pitch=pitch, angle=a) for a in tries), key=lambda f: f.cost)
        first = fills[0]
        second = first
        if alternate != "reverse":
            other = fill_polygon(poly, pitch=pitch, angle=first.angle, flip=True)
            if alternate == "cross" or other.cost <= CROSS_RATIO * first.cost:
                second = other
        plans.append((poly, first, second))
    paths: list[Polyline] = []
    trims: list[float] = []
    here = (polys[0].bounds[0], polys[0].bounds[1]) if polys else (0.0, 0.0)
    extra = dict(settings or {})
    for k in range(layers):
        z = z0 + (k + 1) * height
        layer_paths: list[Polyline] = []
        for poly, even, odd in plans:
            fill = odd if k % 2 else even
            fill = order_chains(fill, here)
            trim = _trim(fill, poly.area, pitch)
            trims.append(trim)
            for ch, fl in zip(fill.chains, fill.flows, strict=False):
                seg = fl * trim
                lens = np.hypot(*np.diff(ch, axis=0).T)
                mean = float(lens @ seg / lens.sum()) if lens.sum() > 0 else float(seg.mean())
                layer_paths.append(Polyline(ch, {**extra, "layer": k, "z": z, "flow": mean,
                                                 "segment_flow": tuple(seg.tolist()),
                                                 "width": width, "height": height,
                                                 "angle": fill.angle}))
            if fill.chains:
                here = tuple(fill.chains[-1][-1])
        paths.extend(layer_paths)
    meta = {
        "bead_width_mm": width, "layer_height_mm": height, "layers": layers, "pitch_mm": pitch,
        "section_mm2": bead_section(width, height), "area_mm2": sum(p.area for p in polys),
        "trim_min": min(trims, default=1.0), "trim_max": max(trims, default=1.0),
        "angles": sorted({f.angle for _, a, b in plans for f in (a, b)}),
    }
    return Toolpath(paths, meta)


def laid_volume(toolpath: Toolpath) -> float:
    """Ink (mm³ = µL) the toolpath lays at the bead section of each polyline, flow factors included."""
    total = 0.0
    for p in toolpath:
        lens = np.hypot(*np.diff(p.points, axis=0).T)
        section = bead_section(p.settings["width"], p.settings["height"])
        total += section * float(lens @ np.asarray(p.settings["segment_flow"]))
    return total
