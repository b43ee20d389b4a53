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
(fingers joined through the bus) is one or a few long serpentines (:mod:`.bead_fill`). Thin
curved parts (spiral tracks, rings) get one bead along their centre line instead
(:mod:`.bead_lines`). Each bead segment carries a flow factor (slab pitch / nominal pitch, or
local width / pitch, times a per-polygon trim for the lane ends) so the ink laid equals ``S·h``
per layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from ..regions import as_multipolygon
from .bead_fill import TRAVEL_TURNS, fill_frames, join_chains
from .bead_lines import centre_lines, split_thin
from .bead_slabs import rectilinear
from .path import Polyline, Toolpath

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
        """Turns plus travels (a travel counts as :data:`TRAVEL_TURNS` turns)."""
        return self.lanes + TRAVEL_TURNS * len(self.chains)


def fill_pair(poly: Polygon, *, pitch: float, angle: float) -> tuple[Fill, Fill | None]:
    """Serpentine lanes filling ``poly`` at ``pitch`` mm, swept in a frame turned by ``angle``
    degrees (0: slabs across x, lanes along y where that takes fewer turns), and the same with
    the other direction in every piece (None unless the turned shape is rectilinear)."""
    frame = affinity.rotate(poly, -angle, origin=(0, 0)) if angle else poly
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    rot = np.array([[c, s], [-s, c]])

    def wrap(chains: list, flows: list, lanes: int, turned: float) -> Fill:
        out = [np.asarray(ch) @ rot if angle else np.asarray(ch) for ch in chains]
        return Fill(out, [np.asarray(f) for f in flows], turned, lanes)

    plain, flipped = fill_frames(frame, pitch)
    return (wrap(*plain, angle),
            None if flipped is None else wrap(*flipped, (angle + 90.0) % 180.0))


def candidate_angles(poly: Polygon) -> list[float]:
    """Lane directions worth trying (degrees): the axes, and the long side of a skewed shape."""
    angles = [0.0, 90.0]
    if not rectilinear(poly):
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


def _best(poly: Polygon, pitch: float, angle: float | None, alternate: str) -> tuple[Fill, Fill]:
    """The fill with the fewest turns, and the one for odd layers (crossed or the same)."""
    tries = [angle % 180.0] if angle is not None else candidate_angles(poly)
    pairs = {a: fill_pair(poly, pitch=pitch, angle=a) for a in tries}
    fills = sorted((pairs[a][0] for a in tries), key=lambda f: f.cost)
    first = second = fills[0]
    if alternate != "reverse":
        other = pairs[first.angle][1]
        if other is None:  # not rectilinear in this frame: the lanes turned by 90° instead
            turned = (first.angle + 90.0) % 180.0
            other = (pairs[turned] if turned in pairs
                     else fill_pair(poly, pitch=pitch, angle=turned))[0]
        if alternate == "cross" or other.cost <= CROSS_RATIO * first.cost:
            second = other
    return first, second


def _plan_polygon(poly: Polygon, pitch: float, angle: float | None,
                  alternate: str) -> tuple[Fill, Fill]:
    """Even- and odd-layer fills of one polygon: lanes, plus centre lines for thin curved parts."""
    if rectilinear(poly):
        return _best(poly, pitch, angle, alternate)
    thick, thin = split_thin(poly, pitch)
    if not thin:
        return _best(poly, pitch, angle, alternate)
    lines, line_flows = centre_lines(MultiPolygon(thin), pitch=pitch, whole=poly)
    grown = poly.buffer(pitch / 4, join_style="mitre")
    shapely.prepare(grown)
    pairs = [_best(piece, pitch, angle, alternate) for piece in thick]
    out = []
    for side in (0, 1):
        chains = [list(map(tuple, c)) for c in lines]
        flows = [list(f) for f in line_flows]
        for pair in pairs:
            chains += [list(map(tuple, c)) for c in pair[side].chains]
            flows += [list(f) for f in pair[side].flows]
        chains, flows = join_chains(chains, flows, grown, reach=2 * pitch)
        out.append(Fill([np.asarray(c) for c in chains], [np.asarray(f) for f in flows],
                        pairs[0][side].angle if pairs else 0.0,
                        len(lines) + sum(p[side].lanes for p in pairs)))
    return out[0], out[1]


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
    plans = [(poly, *_plan_polygon(poly, pitch, angle, alternate)) for poly in polys]
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
