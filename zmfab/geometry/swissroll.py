"""Swiss-roll electrodes: two interleaved spiral tracks wound around each other at a constant gap.

Why the involute of a circle and not an Archimedean spiral: the normal distance between successive
turns of an Archimedean spiral r = bθ is about 2πb·cos ψ (ψ the angle between the curve and its
circle, tan ψ = 1/θ), which shrinks toward the centre, so a layout drawn with one would have a gap
narrower than asked near its start. The involute of a circle of radius ``a`` has every normal
tangent to that base circle, and along each such tangent line its successive turns sit exactly
``2πa`` apart: with ``2πa = pitch = anode_width + cathode_width + 2*gap`` every band keeps its
width and every gap is exactly ``gap``, from the first turn out. Far from the centre it is the
Archimedean spiral r ≈ aθ.

Coordinates: a point of contact angle φ and string length s is
``P = a(cos φ, sin φ) + s(sin φ, -cos φ)``; an edge of offset ``c`` is the curve ``s = aφ - c``
(its radius of curvature is s, its centre of curvature the base point). The anode band is
``c ∈ [0, anode_width]``, the cathode band ``c ∈ [anode_width + gap, pitch - gap]``; ``c + pitch``
is the same curve one turn further in. A track is its outer edge forward and its inner edge back,
closed by caps along the tangent line, square to the track.

Chords never eat into a gap: the outer edge of a band is inscribed (vertices on the curve, chords
inside the band) and the inner edge is circumscribed (segments of the tangent lines at the samples,
meeting between them, which lie on the curve's outer, convex side, so again inside the band), each
within ``tolerance / 2`` of the curve.

Both tracks start where their inner edge reaches ``inner_radius``. Too near the base circle the two
starts face each other across the centre closer than the gap, or a start cap has the other track
curling round tightly behind it; the parameters check the first turns as drawn and name the
smallest radius that works. The cathode ends half a turn after the anode, so each track's last half
turn has free space outside it, and the two leads leave along the end caps' tangent lines in
opposite directions (anode south, cathode north), each beyond a line that every point of the other
electrode stays at least ``gap`` inside of.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon

from ..errors import ParameterError, require
from ..regions import Layout, margin_box
from . import arcs
from . import fields as F
from .budget import Work
from .registry import generator

#: Largest angle step along an edge, rad (keeps tiny-radius starts from being drawn too coarsely).
MAX_STEP = 0.1
#: Angle per chunk within which the step is uniform, rad.
CHUNK = math.pi / 2
#: Floating-point slack when comparing a measured clearance with the gap, mm (a picometre: far
#: below anything made, far above the rounding of coordinates hundreds of mm out).
GAP_SLACK = 1e-9


@dataclass(frozen=True)
class SwissRollParams:
    """Parameters of a Swiss-roll layout; lengths in mm."""

    turns: int = F.integer(5, "turns of the anode spiral (the cathode runs half a turn further)", min=1, max=100000)
    anode_width: float = F.length(0.3, "anode track width, mm")
    cathode_width: float = F.length(0.3, "cathode track width, mm")
    gap: float = F.length(0.2, "track-to-track gap, mm")
    inner_radius: float = F.length(1.0, "radius where both tracks' inner edges start, mm (above pitch/2π)")
    bus_width: float = F.length(0.5, "width of the straight leads to the pads, mm")
    pad_size: float = F.length(2.0, "square contact pad side, mm")
    lead_length: float | None = F.length(None, "outermost turn to the pads, mm (default: max(1 mm, 2 x gap))",
                                         optional=True)
    margin: float = F.margin()
    tolerance: float = F.tolerance()

    def __post_init__(self) -> None:
        require(self.turns >= 1, "turns", f"{self.turns} is out of range (allowed 1..100000)")
        a = base_radius(self)
        require(self.inner_radius > a, "inner-radius",
                f"{self.inner_radius:g} mm is out of range (allowed above {a:g} mm: the involute's base "
                f"circle, pitch/2π, where its curvature radius reaches zero)")
        lead = resolved_lead(self)
        require(lead > 0, "lead-length", f"{lead:g} mm is out of range (must be > 0 mm)")
        require(self.pad_size >= self.bus_width, "pad-size",
                f"{self.pad_size:g} mm is out of range (allowed {self.bus_width:g} mm and up: the lead, "
                f"bus-width wide, ends on the pad's side)")
        narrowest = min(self.gap, self.anode_width, self.cathode_width)
        require(self.tolerance <= narrowest / 4, "tolerance",
                f"{self.tolerance:g} mm is out of range (allowed 1e-05..{narrowest / 4:g} mm, "
                f"a quarter of the narrowest feature)")
        if start_clearance(self) < self.gap - GAP_SLACK:
            raise ParameterError("inner-radius", (
                f"{self.inner_radius:g} mm is out of range (allowed {min_inner_radius(self):g} mm and up "
                f"for this pitch and gap: nearer the centre the tracks' starts come closer than the gap)"))


def pitch(p: SwissRollParams) -> float:
    """Radial period of the roll, mm: anode + cathode + two gaps."""
    return p.anode_width + p.cathode_width + 2 * p.gap


def base_radius(p: SwissRollParams) -> float:
    """Radius of the involute's base circle, mm (pitch / 2π)."""
    return pitch(p) / (2 * math.pi)


def resolved_lead(p: SwissRollParams) -> float:
    """Distance from the outermost turn to the pads, mm."""
    return max(1.0, 2 * p.gap) if p.lead_length is None else p.lead_length


def bands(p: SwissRollParams) -> dict[str, tuple[float, float]]:
    """Offsets (outer edge c, inner edge c) of each track, mm."""
    return _bands(p.anode_width, p.cathode_width, p.gap)


def angle_ranges(p: SwissRollParams) -> dict[str, tuple[float, float]]:
    """(start, end) contact angle of each track, rad."""
    return _ranges(base_radius(p), bands(p), p.inner_radius, p.turns)


def start_clearance(p: SwissRollParams) -> float:
    """Smallest distance (mm) between the tracks' first turns, drawn as the generator draws them.

    Everywhere else the two tracks meet as parallel involutes exactly ``gap`` apart; only near the
    start do they face each other across the centre (and a start cap faces the other track curling
    round behind it), which needs a large enough ``inner_radius``.
    """
    return _start_clearance(p.anode_width, p.cathode_width, p.gap, p.inner_radius, p.tolerance, p.turns)


def min_inner_radius(p: SwissRollParams) -> float:
    """Smallest ``inner_radius`` (mm, rounded up to 0.1 µm) whose start keeps the gap, other fields as in ``p``."""
    args = (p.anode_width, p.cathode_width, p.gap)

    def clear(radius: float) -> bool:
        return _start_clearance(*args, radius, p.tolerance, p.turns) >= p.gap - GAP_SLACK

    lo = base_radius(p)
    hi = 2 * lo
    for _ in range(60):
        if clear(hi):
            break
        lo, hi = hi, 2 * hi
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if clear(mid) else (mid, hi)
    return math.ceil(hi * 1e4) / 1e4


def _bands(wa: float, wc: float, g: float) -> dict[str, tuple[float, float]]:
    return {"anode": (0.0, wa), "cathode": (wa + g, wa + g + wc)}


def _ranges(a: float, offsets: dict[str, tuple[float, float]], inner_radius: float,
            turns: int) -> dict[str, tuple[float, float]]:
    s0 = math.sqrt(inner_radius**2 - a**2)
    start = {name: (s0 + c_in) / a for name, (_, c_in) in offsets.items()}
    end = start["anode"] + 2 * math.pi * turns
    return {"anode": (start["anode"], end), "cathode": (start["cathode"], end + math.pi)}


def _start_clearance(wa: float, wc: float, g: float, inner_radius: float, tolerance: float,
                     turns: int) -> float:
    a = (wa + wc + 2 * g) / (2 * math.pi)
    offsets = _bands(wa, wc, g)
    ranges = _ranges(a, offsets, inner_radius, turns)
    # One turn of each holds both stretches that face the centre (the anode's up to where the
    # cathode starts inside it, the cathode's up to where the anode's second turn starts inside it)
    # and both start caps; any end cap this cut adds meets the other track as parallel edges.
    first = [track(a, band=offsets[name], angles=(phi0, min(phi1, phi0 + 2 * math.pi)), tolerance=tolerance)
             for name, (phi0, phi1) in ranges.items()]
    return float(first[0].distance(first[1]))


def centreline_length(a: float, *, c: float, angles: tuple[float, float]) -> float:
    """Length of the involute edge s = aφ - c between contact angles ``angles``, mm."""
    phi0, phi1 = angles
    return ((a * phi1 - c) ** 2 - (a * phi0 - c) ** 2) / (2 * a)


def edge_angles(a: float, *, c_outer: float, angles: tuple[float, float], tolerance: float) -> np.ndarray:
    """Contact angles (rad) sampling a track so chords and tangent corners stay within ``tolerance``.

    The samples come from one grid fixed in φ (chunks of :data:`CHUNK` from φ = 0, each with a
    uniform step set by the largest curvature radius in it, the outer edge's at the chunk's end),
    cut to ``angles``: a track's first turns are drawn identically however long it is. A step Δ
    keeps a tangent corner within ρ(1/cos(Δ/2) - 1) of the curve, and a chord within less.
    """
    phi0, phi1 = angles
    edges, counts = _chunk_counts(a, c_outer=c_outer, angles=angles, tolerance=tolerance)
    chunk = np.repeat(np.arange(len(counts)), counts)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    local = np.arange(int(counts.sum())) - offsets[chunk]
    h = (CHUNK / counts)[chunk]
    phis = edges[:-1][chunk] + local * h
    keep = (phis > phi0 + 1e-3 * h) & (phis < phi1 - 1e-3 * h)
    return np.concatenate([[phi0], phis[keep], [phi1]])


def _chunk_counts(a: float, *, c_outer: float, angles: tuple[float, float],
                  tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """The chunk edges (rad) over ``angles`` and the samples in each chunk (see :func:`edge_angles`)."""
    phi0, phi1 = angles
    k = np.arange(math.floor(phi0 / CHUNK), math.ceil(phi1 / CHUNK) + 1)
    edges = k * CHUNK
    rho = np.maximum(a * edges[1:] - c_outer, 1e-12)
    # 1% under the tolerance pays for a sample dropped next to an end (a step up to 0.1% longer).
    step = np.minimum(2 * np.arccos(rho / (rho + 0.99 * tolerance)), MAX_STEP)
    return edges, np.ceil(CHUNK / step).astype(np.int64)


def work(p: SwissRollParams) -> Work:
    """Footprint size (mm) and vertex count of ``p``: sample counts per chunk, nothing drawn."""
    a = base_radius(p)
    offsets, ranges = bands(p), angle_ranges(p)
    vertices = 64
    for name, (c_outer, _) in offsets.items():
        _, counts = _chunk_counts(a, c_outer=c_outer, angles=ranges[name], tolerance=p.tolerance / 2)
        vertices += 2 * int(counts.sum())
    s_end = a * ranges["cathode"][1]
    r_max = math.hypot(a, s_end)
    # the disc of the roll with the leads and pads beyond it (an upper bound on either side)
    size = 2 * (r_max + resolved_lead(p) + p.pad_size + p.margin)
    return Work(size, size, vertices, {"width": "turns", "height": "turns", "vertices": "turns"})


def involute_points(a: float, *, c: float, phis: np.ndarray, rotation: float = 0.0) -> np.ndarray:
    """(N, 2) points of the edge s = aφ - c at contact angles ``phis``, turned by ``-rotation``."""
    s = a * phis - c
    ang = phis - rotation
    cos, sin = np.cos(ang), np.sin(ang)
    return np.column_stack([a * cos + s * sin, a * sin - s * cos])


def involute_tangent_corners(a: float, *, c: float, phis: np.ndarray, rotation: float = 0.0) -> np.ndarray:
    """Ends and tangent-line intersections of the edge s = aφ - c: a polyline on its outer, convex side.

    The tangent lines at φ and φ + Δ meet ``λ = s tan(Δ/2) + a(Δ - sin Δ)/sin Δ`` along the first
    one from its point of contact (a circle's ``ρ tan(Δ/2)`` plus the growth of s); stepping from
    the sample keeps the corner as precise as the sample, even hundreds of mm out.
    """
    points = involute_points(a, c=c, phis=phis, rotation=rotation)
    s = a * phis[:-1] - c
    delta = np.diff(phis)
    lam = s * np.tan(delta / 2) + a * (delta - np.sin(delta)) / np.sin(delta)
    ang = phis[:-1] - rotation
    corners = points[:-1] + lam[:, None] * np.column_stack([np.cos(ang), np.sin(ang)])
    return np.vstack([points[:1], corners, points[-1:]])


def track(a: float, *, band: tuple[float, float], angles: tuple[float, float], tolerance: float,
          rotation: float = 0.0) -> Polygon:
    """The band ``c_outer ≤ c ≤ c_inner`` (mm) of the involute between contact angles ``angles`` (rad).

    The outer edge is inscribed and the inner edge circumscribed, each within ``tolerance / 2``, so
    the polygon lies inside the exact band.
    """
    c_outer, c_inner = band
    phis = edge_angles(a, c_outer=c_outer, angles=angles, tolerance=tolerance / 2)
    outer = involute_points(a, c=c_outer, phis=phis, rotation=rotation)
    inner = involute_tangent_corners(a, c=c_inner, phis=phis, rotation=rotation)
    return Polygon(np.vstack([outer, inner[::-1]]))


def _frame(a: float, phi: float, rotation: float, xs: list[float], ys: list[float]) -> np.ndarray:
    """Points given along (xs) and across (ys) the tangent line of contact angle ``phi``."""
    ang = phi - rotation
    u = np.array([math.sin(ang), -math.cos(ang)])
    t = np.array([math.cos(ang), math.sin(ang)])
    return np.outer(xs, u) + np.outer(np.add(ys, a), t)


@generator("swiss-roll", work=work)
def swiss_roll(p: SwissRollParams) -> Layout:
    """Swiss-roll electrodes: two involute spiral tracks interleaved at a constant gap."""
    a = base_radius(p)
    offsets = bands(p)
    ranges = angle_ranges(p)
    rotation = ranges["anode"][1]  # turn the roll so the anode's lead points south
    tracks = {name: track(a, band=offsets[name], angles=ranges[name], tolerance=p.tolerance, rotation=rotation)
              for name in offsets}
    r_max = max(float(np.max(np.hypot(*np.asarray(t.exterior.coords).T))) for t in tracks.values())
    reach = r_max + resolved_lead(p)

    electrodes: dict[str, Polygon] = {}
    pads: dict[str, Polygon] = {}
    bw, pad = p.bus_width, p.pad_size
    for name, (_, c_in) in offsets.items():
        phi_end = ranges[name][1]
        s_in = a * phi_end - c_in
        # The lead runs along the end cap's tangent line, flush behind the cap; every point of the
        # other electrode lies at least `gap` inside that line (see the module docstring).
        lead = _frame(a, phi_end, rotation, [s_in, reach, reach, s_in], [0.0, 0.0, -bw, -bw])
        lo, hi = -bw / 2 - pad / 2, -bw / 2 + pad / 2
        corners = _frame(a, phi_end, rotation, [reach, reach + pad, reach + pad, reach], [hi, hi, lo, lo])
        # The pad's inner side also carries the lead's end corners, so the two share an exact edge.
        pads[name] = Polygon(np.vstack([corners, lead[[2, 1]]]))
        electrodes[name] = shapely.union(tracks[name], Polygon(lead))

    footprint = margin_box([*electrodes.values(), *pads.values()], p.margin)
    layout = Layout(
        "swiss-roll",
        {
            "footprint": footprint,
            "active_area": arcs.disc(r_max, tolerance=p.tolerance / 2, outside=True),
            "anode": electrodes["anode"],
            "anode_pad": pads["anode"],
            "cathode": electrodes["cathode"],
            "cathode_pad": pads["cathode"],
        },
        params={**p.__dict__, "lead_length": resolved_lead(p)},
        meta={
            "center_mm": (-footprint.bounds[0], -footprint.bounds[1]),
            "pitch_mm": pitch(p),
            "base_radius_mm": a,
            "outer_radius_mm": r_max,
            "track_length_mm": {
                name: centreline_length(a, c=sum(offsets[name]) / 2, angles=ranges[name]) for name in offsets
            },
        },
    )
    return layout.normalised()
