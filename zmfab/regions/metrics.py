"""The figures that matter for a micro-device, measured on a Layout."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import shapely
from shapely.geometry import GeometryCollection
from shapely.geometry.base import BaseGeometry

from . import Layout
from .clip import overlap_area
from .distance import Proximity, min_distance
from .facing import facing_length
from .segments import Outline, joined, outline

#: Anode edge within this multiple of the minimum gap from the cathode counts as facing it.
FACING_FACTOR = 1.5
#: Parts with this many vertices have their area inside the active area summed along the
#: outlines (:func:`~.clip.overlap_area`) rather than by a GEOS overlay, which grows faster
#: than the vertex count on long concentric rings.
OUTLINE_AREA_FROM = 20000


def measure(layout: Layout) -> dict[str, Any]:
    """Areas (mm²), fill factor, minimum gap, facing length (mm) and bounds of ``layout``.

    ``fill_factor`` is the electrode area inside the active area divided by the active area.
    ``facing_length_mm`` is the length of anode edge (pad included) lying within
    ``FACING_FACTOR`` times the minimum gap of the cathode: the edge ions cross from (by the
    distance itself, not a buffer polygon's approximation of it).
    """
    anode, cathode = _Electrode(layout, "anode"), _Electrode(layout, "cathode")
    active = layout.get("active_area")
    active_area = active.area
    apart = not (anode.whole.is_empty or cathode.whole.is_empty)
    # one search for the gap and the facing edge: the segment pairs near the gap, a margin out
    near = Proximity(anode.outline, cathode.outline, extra=FACING_FACTOR) if apart else None
    min_gap = min_distance(anode.whole, cathode.whole, near=near) if apart else 0.0
    inside = _inside(anode, cathode, active, apart=min_gap > 0) if active_area else 0.0
    facing = _facing(anode, cathode, near, min_gap * FACING_FACTOR) if min_gap > 0 else 0.0
    xmin, ymin, xmax, ymax = shapely.total_bounds([g for g in layout.regions.values()
                                                    if not g.is_empty])
    return {
        "family": layout.family,
        "footprint_area_mm2": round(layout.get("footprint").area, 6),
        "anode_area_mm2": round(anode.area, 6),
        "cathode_area_mm2": round(cathode.area, 6),
        "anode_pad_area_mm2": round(layout.get("anode_pad").area, 6),
        "cathode_pad_area_mm2": round(layout.get("cathode_pad").area, 6),
        "active_area_mm2": round(active_area, 6),
        "fill_factor": round(inside / active_area, 6) if active_area else 0.0,
        "min_gap_mm": round(min_gap, 9),
        "facing_length_mm": round(facing, 4),
        "bounds_mm": [round(v, 6) for v in (xmin, ymin, xmax, ymax)],
    }


class _Electrode:
    """An electrode as its body and pad, united only when they overlap: a body that merely touches
    its pad (as the generators make them) is measured part by part, without a costly union."""

    def __init__(self, layout: Layout, which: str) -> None:
        self.body, self.pad = layout.get(which), layout.get(f"{which}_pad")
        self.parts = [g for g in (self.body, self.pad) if not g.is_empty]
        #: where body and pad touch (a line), counted in both outlines but in neither's union
        self.seam: BaseGeometry = _meeting(*self.parts) if len(self.parts) == 2 \
            else GeometryCollection()
        if self.seam.area > 0:  # overlapping parts: the union
            self.parts, self.seam = [shapely.union(self.body, self.pad)], GeometryCollection()
        #: every polygon of the parts, for the distance and the buffer (no union either)
        self.whole = GeometryCollection(list(shapely.get_parts(self.parts))) \
            if len(self.parts) > 1 else (self.parts[0] if self.parts else GeometryCollection())
        self.area = sum(g.area for g in self.parts)

    @cached_property
    def part_outlines(self) -> list[Outline]:
        """Every ring of each part as segments."""
        return [outline(g) for g in self.parts]

    @cached_property
    def outline(self) -> Outline:
        """Every ring of :attr:`whole` as segments (the parts' outlines one after the other)."""
        return joined(self.part_outlines) if self.parts else outline(self.whole)


def _meeting(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    """``a ∩ b``, the larger first clipped to a box around the smaller (a margin of the smaller's
    size, so the clip's own edges stay clear of it): a pad against a long comb without an
    overlay of the whole comb."""
    small, big = (a, b) if shapely.get_num_coordinates(a) <= shapely.get_num_coordinates(b) else (b, a)
    x0, y0, x1, y1 = small.bounds
    m = max(x1 - x0, y1 - y0, 1e-6)
    piece = shapely.clip_by_rect(big, x0 - m, y0 - m, x1 + m, y1 + m)
    if not piece.is_valid:  # the fast clip may leave invalid rings: the plain overlay
        piece = big
    return shapely.intersection(piece, small) if small is b else shapely.intersection(small, piece)


def _facing(anode: _Electrode, cathode: _Electrode, near: Proximity | None,
            reach: float) -> float:
    """Length (mm) of the anode's outline within ``reach`` mm of the cathode (exactly:
    :func:`~.facing.facing_length`), the seam counted in both parts' outlines taken off twice.
    The electrodes are apart, so the distance to the cathode is the distance to its outline."""
    pairs = near.pairs if near is not None and near.reach >= reach else None
    length = facing_length(anode.outline, cathode.outline, reach, pairs=pairs)
    if not anode.seam.is_empty:
        length -= 2 * facing_length(outline(anode.seam), cathode.outline, reach)
    return length


def _inside(anode: _Electrode, cathode: _Electrode, active: BaseGeometry, *,
            apart: bool) -> float:
    """Electrode area (mm²) inside ``active``: each part's share on its own when the electrodes
    are ``apart`` (no union of large electrodes), whole where ``active`` covers it."""
    if not apart:
        return shapely.union_all([*anode.parts, *cathode.parts]).intersection(active).area
    total = 0.0
    shapely.prepare(active)
    for electrode in (anode, cathode):
        for part, edges in zip(electrode.parts, electrode.part_outlines, strict=True):
            total += _inside_part(part, edges, active)
    return total


def _inside_part(part: BaseGeometry, edges: Outline, active: BaseGeometry) -> float:
    """Area (mm²) of ``part`` (outline ``edges``) inside the prepared ``active``."""
    if active.covers(part):
        return part.area
    if len(edges) >= OUTLINE_AREA_FROM:
        return overlap_area(part, active, outline_a=edges)
    return shapely.intersection(part, active).area


METRIC_UNITS: dict[str, str] = {
    "footprint_area_mm2": "mm²",
    "anode_area_mm2": "mm²",
    "cathode_area_mm2": "mm²",
    "anode_pad_area_mm2": "mm²",
    "cathode_pad_area_mm2": "mm²",
    "active_area_mm2": "mm²",
    "fill_factor": "",
    "min_gap_mm": "mm",
    "facing_length_mm": "mm",
    "bounds_mm": "mm",
}


def format_table(metrics: dict[str, Any]) -> str:
    """The metrics as a short two-column table with units."""
    rows = []
    for key, value in metrics.items():
        unit = METRIC_UNITS.get(key, "")
        label = key.removesuffix("_mm2").removesuffix("_mm").replace("_", " ")
        if isinstance(value, list):
            text = "[" + ", ".join(f"{v:.4g}" for v in value) + "]"
        elif isinstance(value, float):
            text = f"{value:.6g}"
        else:
            text = str(value)
        rows.append((label, f"{text} {unit}".strip()))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{label:<{width}}  {text}" for label, text in rows)


def find_short(layout: Layout) -> dict[str, Any] | None:
    """Where anode and cathode (pads included) touch or overlap: a short circuit, or None.

    Returns ``kind`` (``"overlap"`` with area, or ``"touch"``), ``overlap_area_mm2`` and
    ``where_mm``, a point of the contact (mm), and its ``bounds_mm``.
    """
    anode, cathode = layout.electrode("anode"), layout.electrode("cathode")
    if anode.is_empty or cathode.is_empty or not anode.intersects(cathode):
        return None
    contact = anode.intersection(cathode)
    area = contact.area
    point = contact.representative_point() if not contact.is_empty else anode.boundary.intersection(
        cathode.boundary).representative_point()
    return {
        "kind": "overlap" if area > 0 else "touch",
        "overlap_area_mm2": round(area, 6),
        "where_mm": [round(point.x, 6), round(point.y, 6)],
        "bounds_mm": [round(v, 6) for v in contact.bounds] if not contact.is_empty else [],
    }


def describe_short(short: dict[str, Any]) -> str:
    """One line for people: ``short: anode and cathode overlap (2.5 mm²) at (3, 4) mm``."""
    x, y = short["where_mm"]
    what = (f"overlap ({short['overlap_area_mm2']:.4g} mm²)" if short["kind"] == "overlap" else "touch")
    return f"short: anode and cathode {what} at ({x:.4g}, {y:.4g}) mm"
