"""Interdigitated electrodes: two combs whose fingers interleave across a constant gap."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.polygon import orient

from ..errors import ParameterError, require
from ..regions import Layout, margin_box
from . import fields as F
from .budget import Work
from .registry import generator


@dataclass(frozen=True)
class InterdigitatedParams:
    """Parameters of an interdigitated layout; lengths in mm."""

    fingers: int = F.integer(8, "fingers per electrode", min=1, max=100000)
    anode_fingers: int | None = F.integer(None, "anode fingers (default: --fingers)", min=1, max=100000, optional=True)
    cathode_fingers: int | None = F.integer(None, "cathode fingers (default: --fingers)", min=1, max=100000, optional=True)
    anode_width: float = F.length(0.3, "anode finger width, mm")
    cathode_width: float = F.length(0.3, "cathode finger width, mm")
    gap: float = F.length(0.2, "finger-to-finger gap, mm")
    tip_gap: float | None = F.length(None, "finger end to the opposite bus, mm (default: gap)", optional=True)
    finger_length: float = F.length(5.0, "finger length from its bus, mm")
    bus_width: float = F.length(0.5, "bus width, mm")
    pad_size: float = F.length(2.0, "square contact pad side, mm")
    pad_side: str = F.choice("opposite", "pads on opposite sides or the same side", ("opposite", "same"))
    corner_radius: float = F.length(0.0, "radius on outer corners, mm (0 = sharp)", min=0.0, exclusive_min=False)
    margin: float = F.margin()
    tolerance: float = F.tolerance()

    def __post_init__(self) -> None:
        n_a = self.anode_fingers or self.fingers
        n_c = self.cathode_fingers or self.fingers
        require(abs(n_a - n_c) <= 1, "cathode-fingers",
                f"{n_c} must be within one of the anode's {n_a} fingers (allowed {n_a - 1}..{n_a + 1})")
        tip = self.gap if self.tip_gap is None else self.tip_gap
        if self.finger_length <= tip:
            # blame what was changed: a long gap (the tip gap defaults to it) or a short finger
            defaults = {f.name: f.default for f in dataclasses.fields(self)}
            short_finger = self.finger_length != defaults["finger_length"] and (
                self.tip_gap is not None or self.gap == defaults["gap"])
            if short_finger:
                raise ParameterError("finger-length", (
                    f"{self.finger_length:g} mm is out of range (must be > the tip gap {tip:g} mm, "
                    "each finger ending one tip gap from the opposite bus, so that the fingers interleave)"))
            field = "gap" if self.tip_gap is None else "tip-gap"
            raise ParameterError(field, (
                f"{tip:g} mm is out of range (must be < the finger length {self.finger_length:g} mm: "
                "each finger ends one tip gap from the opposite bus, so the fingers would not interleave"
                + ("; or set --tip-gap)" if self.tip_gap is None else ")")))
        r = self.corner_radius
        narrowest = min(self.anode_width, self.cathode_width, self.bus_width)
        require(r <= narrowest / 2, "corner-radius",
                f"{r:g} mm is out of range (allowed 0..{narrowest / 2:g} mm, half the narrowest feature)")


def work(p: InterdigitatedParams) -> Work:
    """Footprint size (mm) and vertex count of ``p``, from closed forms (nothing drawn)."""
    n_a = p.anode_fingers or p.fingers
    n_c = p.cathode_fingers or p.fingers
    tip = p.gap if p.tip_gap is None else p.tip_gap
    width = n_a * p.anode_width + n_c * p.cathode_width + (n_a + n_c - 1) * p.gap
    if p.pad_side == "same":
        width += p.gap + max(p.bus_width, p.pad_size)
    height = 2 * p.bus_width + p.finger_length + tip + 2 * p.pad_size
    per_corner = F.segments_for_arc(p.corner_radius, math.pi / 2, p.tolerance) if p.corner_radius > 0 else 1
    vertices = (n_a + n_c + 4) * 4 * per_corner + 32
    return Work(width + 2 * p.margin, height + 2 * p.margin, vertices,
                {"width": "fingers", "height": "finger-length", "vertices": "fingers"})


def _comb(xs: list[tuple[float, float]], y_bus: tuple[float, float], y_fingers: tuple[float, float],
          x_span: tuple[float, float]) -> Polygon:
    """A bus with fingers on one side, drawn as one outline (a union of n boxes costs O(n²))."""
    up = y_fingers[1] > y_bus[1] - 1e-12
    base, tip, back = (y_bus[1], y_fingers[1], y_bus[0]) if up else (y_bus[0], y_fingers[0], y_bus[1])
    points = [(x_span[0], back), (x_span[1], back), (x_span[1], base)]
    for x0, x1 in sorted(xs, reverse=True):
        points += [(x1, base), (x1, tip), (x0, tip), (x0, base)]
    points.append((x_span[0], base))
    return orient(Polygon(_corners(points)))


def _corners(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A closed axis-parallel outline without repeated points or straight-through vertices."""
    ring = [pt for i, pt in enumerate(points) if pt != points[i - 1]]
    out = []
    for i, (x, y) in enumerate(ring):
        (xp, yp), (xn, yn) = ring[i - 1], ring[(i + 1) % len(ring)]
        if not ((xp == x == xn) or (yp == y == yn)):
            out.append((x, y))
    return out


@generator("interdigitated", work=work)
def interdigitated(p: InterdigitatedParams) -> Layout:
    """Interdigitated (comb) electrodes: fingers of anode and cathode interleaved across a gap."""
    n_a = p.anode_fingers or p.fingers
    n_c = p.cathode_fingers or p.fingers
    tip_gap = p.gap if p.tip_gap is None else p.tip_gap
    first = "anode" if n_a >= n_c else "cathode"
    order = []
    counts = {"anode": n_a, "cathode": n_c}
    current = first
    while counts["anode"] + counts["cathode"] > 0:
        order.append(current)
        counts[current] -= 1
        other = "cathode" if current == "anode" else "anode"
        current = other if counts[other] > 0 else current

    widths = {"anode": p.anode_width, "cathode": p.cathode_width}
    xs: dict[str, list[tuple[float, float]]] = {"anode": [], "cathode": []}
    x = 0.0
    for i, name in enumerate(order):
        if i:
            x += p.gap
        xs[name].append((x, x + widths[name]))
        x += widths[name]
    width = x
    bw = p.bus_width
    height = 2 * bw + p.finger_length + tip_gap

    anode = _comb(xs["anode"], (0.0, bw), (bw, bw + p.finger_length), (0.0, width))
    cathode_span = (0.0, width + (p.gap + bw if p.pad_side == "same" else 0.0))
    cathode = _comb(xs["cathode"], (height - bw, height), (height - bw - p.finger_length, height - bw),
                    cathode_span)
    pad = p.pad_size
    if p.pad_side == "opposite":
        anode_pad = box(0.0, -pad, pad, 0.0)
        cathode_pad = box(width - pad, height, width, height + pad)
    else:
        lead = box(width + p.gap, -pad, width + p.gap + bw, height)
        cathode = shapely.union(cathode, lead)
        x0 = min(0.0, width - pad)
        anode_pad = box(x0, -pad, x0 + pad, 0.0)
        cathode_pad = box(width + p.gap, -pad, width + p.gap + pad, 0.0)

    if p.corner_radius > 0:
        quad = max(2, math.ceil(F.segments_for_arc(p.corner_radius, math.pi / 2, p.tolerance)))
        anode = _round(anode, p.corner_radius, quad)
        cathode = _round(cathode, p.corner_radius, quad)
        anode_pad = _round(anode_pad, p.corner_radius, quad)
        cathode_pad = _round(cathode_pad, p.corner_radius, quad)

    active = box(0.0, 0.0, width, height)
    footprint = margin_box([anode, cathode, anode_pad, cathode_pad], p.margin)
    layout = Layout(
        "interdigitated",
        {
            "footprint": footprint,
            "active_area": active,
            "anode": anode,
            "anode_pad": anode_pad,
            "cathode": cathode,
            "cathode_pad": cathode_pad,
        },
        params={**p.__dict__, "anode_fingers": n_a, "cathode_fingers": n_c, "tip_gap": tip_gap},
    )
    return layout.normalised()


def _round(poly: Polygon | MultiPolygon, radius: float, quad: int) -> Polygon | MultiPolygon:
    """Round convex corners by a morphological opening (material only ever removed)."""
    opened = poly.buffer(-radius, quad_segs=quad).buffer(radius, quad_segs=quad)
    return opened.intersection(poly)
