"""Concentric electrodes: a centre disc and rings of alternating electrodes across a constant gap.

The centre electrode (disc plus its rings) is joined by a straight bus running south (-y) from the
centre to its pad; the other electrode's rings are joined by a bus running north (+y) from its
innermost ring to its pad. Each bus passes through openings (corridors ``bus_width + 2*gap`` wide)
cut on its side in the other electrode's rings, so every ring stays one C-shaped piece and every
straight corridor edge sits exactly ``gap`` from the bus. Rims are inscribed and holes circumscribed
(see :mod:`zmfab.geometry.arcs`), so curved edges widen the gap by at most ``tolerance``.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from ..errors import require
from ..regions import Layout, margin_box
from . import arcs
from . import fields as F
from .budget import Work
from .registry import generator

ELECTRODES: tuple[str, ...] = ("anode", "cathode")


@dataclass(frozen=True)
class ConcentricParams:
    """Parameters of a concentric layout; lengths in mm."""

    rings: int = F.integer(3, "rings per electrode, not counting the centre disc", min=1, max=100000)
    anode_rings: int | None = F.integer(None, "anode rings (default: --rings)", min=1, max=100000, optional=True)
    cathode_rings: int | None = F.integer(None, "cathode rings (default: --rings)", min=1, max=100000, optional=True)
    center: str = F.choice("anode", "electrode of the centre disc", ELECTRODES)
    inner_radius: float = F.length(1.0, "centre disc radius, mm")
    anode_width: float = F.length(0.3, "anode ring width, mm")
    cathode_width: float = F.length(0.3, "cathode ring width, mm")
    gap: float = F.length(0.2, "ring-to-ring gap, mm")
    bus_width: float = F.length(0.5, "radial bus width, mm (below 2 x inner radius)")
    pad_size: float = F.length(2.0, "square contact pad side, mm")
    lead_length: float | None = F.length(None, "outermost ring to the pads, mm (default: max(1 mm, 2 x gap))",
                                         optional=True)
    margin: float = F.margin()
    tolerance: float = F.tolerance()

    def __post_init__(self) -> None:
        require(self.rings >= 1, "rings", f"{self.rings} is out of range (allowed 1..100000)")
        counts = ring_counts(self)
        inner = self.center
        outer = _other(inner)
        n_in, n_out = counts[inner], counts[outer]
        require(n_in >= 1, f"{inner}-rings", f"{n_in} is out of range (allowed 1..100000)")
        why = f"rings alternate outward from the {inner} centre disc, so {outer} rings = {inner} rings or one more"
        if getattr(self, f"{outer}_rings") is None and getattr(self, f"{inner}_rings") is not None:
            require(n_in in (n_out - 1, n_out), f"{inner}-rings",
                    f"{n_in} is out of range (allowed {max(1, n_out - 1)}..{n_out}: {why})")
        require(n_out in (n_in, n_in + 1), f"{outer}-rings",
                f"{n_out} is out of range (allowed {n_in}..{n_in + 1}: {why})")
        r0 = self.inner_radius
        require(self.bus_width < 2 * r0, "bus-width",
                f"{self.bus_width:g} mm is out of range (allowed 0..{2 * r0:g} mm exclusive: the bus corridor "
                f"must stay inside the hole of the innermost ring, so bus width < 2 x inner radius)")
        lead = resolved_lead(self)
        require(lead >= self.gap, "lead-length",
                f"{lead:g} mm is out of range (allowed {self.gap:g} mm and up: pads may not come "
                f"closer than the gap to the outermost ring)")
        narrowest = min(self.gap, self.anode_width, self.cathode_width, self.bus_width, r0)
        require(self.tolerance <= narrowest / 4, "tolerance",
                f"{self.tolerance:g} mm is out of range (allowed 1e-05..{narrowest / 4:g} mm, "
                f"a quarter of the narrowest feature)")


def _other(name: str) -> str:
    return "cathode" if name == "anode" else "anode"


def ring_counts(p: ConcentricParams) -> dict[str, int]:
    """Rings per electrode after the ``anode_rings`` / ``cathode_rings`` overrides."""
    return {"anode": p.rings if p.anode_rings is None else p.anode_rings,
            "cathode": p.rings if p.cathode_rings is None else p.cathode_rings}


def resolved_lead(p: ConcentricParams) -> float:
    """Distance from the outermost ring to the pads, mm."""
    return max(1.0, 2 * p.gap) if p.lead_length is None else p.lead_length


def ring_radii(p: ConcentricParams) -> list[tuple[str, float, float]]:
    """(electrode, inner radius, outer radius) of every ring, innermost first, in mm."""
    counts = ring_counts(p)
    widths = {"anode": p.anode_width, "cathode": p.cathode_width}
    current = _other(p.center)
    left = dict(counts)
    out: list[tuple[str, float, float]] = []
    r = p.inner_radius
    while left["anode"] + left["cathode"] > 0:
        r_in = r + p.gap
        r = r_in + widths[current]
        out.append((current, r_in, r))
        left[current] -= 1
        current = _other(current)
    return out


def work(p: ConcentricParams) -> Work:
    """Footprint size (mm) and vertex count of ``p``, from the ring radii (nothing drawn)."""
    import math

    radii = ring_radii(p)
    r_out = radii[-1][2]
    reach = r_out + resolved_lead(p) + p.pad_size
    circle = 2 * math.pi
    vertices = F.segments_for_arc(p.inner_radius, circle, p.tolerance / 2) + 32 + sum(
        F.segments_for_arc(r_in, circle, p.tolerance / 2) + F.segments_for_arc(r_o, circle, p.tolerance / 2)
        for _, r_in, r_o in radii)
    return Work(2 * max(r_out, p.pad_size / 2) + 2 * p.margin, 2 * reach + 2 * p.margin, vertices,
                {"width": "rings", "height": "rings", "vertices": "rings"})


@generator("concentric", work=work)
def concentric(p: ConcentricParams) -> Layout:
    """Concentric electrodes: a centre disc and interleaved rings, each electrode joined by a radial bus."""
    tol = p.tolerance
    inner, outer = p.center, _other(p.center)
    radii = ring_radii(p)
    r_out = radii[-1][2]
    lead = resolved_lead(p)
    reach = r_out + lead
    half_bus = p.bus_width / 2
    half_cut = half_bus + p.gap
    far = reach + 1.0
    cut = {inner: box(-half_cut, -far, half_cut, 0.0),   # opening for the centre's bus, south
           outer: box(-half_cut, 0.0, half_cut, far)}    # opening for the other bus, north
    cut_by = {inner: cut[outer], outer: cut[inner]}

    parts: dict[str, list[Polygon]] = {inner: [arcs.disc(p.inner_radius, tolerance=tol / 2)], outer: []}
    for name, r_in, r_o in radii:
        parts[name].append(arcs.ring(r_in, r_o, tolerance=tol).difference(cut_by[name]))
    hole = arcs.disc(p.inner_radius + p.gap, tolerance=tol / 2, outside=True)
    buses = {inner: box(-half_bus, -reach, half_bus, 0.0),
             outer: box(-half_bus, 0.0, half_bus, reach).difference(hole)}
    # The rings of one electrode are disjoint, so one overlay with the bus joins them (3x faster
    # than union_all over the pieces for 200 rings).
    electrodes = {name: shapely.union(MultiPolygon(parts[name]), buses[name]) for name in ELECTRODES}

    pad = p.pad_size
    pads = {inner: box(-pad / 2, -reach - pad, pad / 2, -reach),
            outer: box(-pad / 2, reach, pad / 2, reach + pad)}
    footprint = margin_box([*electrodes.values(), *pads.values()], p.margin)
    counts = ring_counts(p)
    layout = Layout(
        "concentric",
        {
            "footprint": footprint,
            "active_area": arcs.disc(r_out, tolerance=tol / 2),
            "anode": electrodes["anode"],
            "anode_pad": pads["anode"],
            "cathode": electrodes["cathode"],
            "cathode_pad": pads["cathode"],
        },
        params={**p.__dict__, "anode_rings": counts["anode"], "cathode_rings": counts["cathode"],
                "lead_length": lead},
        meta={"center_mm": (-footprint.bounds[0], -footprint.bounds[1]), "outer_radius_mm": r_out,
              "rings_mm": [(n, ri, ro) for n, ri, ro in radii]},
    )
    return layout.normalised()
