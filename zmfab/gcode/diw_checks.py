"""Refusals for ink-writing jobs planned from a drawing (no design, so no design-rule check):
beads of one electrode's ink that would spread onto the other electrode's ink."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from .marlin_diw import Ink


def printed_parts(ink: Ink) -> list[BaseGeometry]:
    """Where ``ink`` ends up (mm), piece by piece: its region and each bead, as wide as its bead
    width."""
    width = float(ink.toolpath.meta["bead_width_mm"])
    lines = [LineString(p.points) for p in ink.toolpath.paths if len(p.points) > 1]
    parts = list(shapely.buffer(lines, width / 2)) if lines else []
    region = ink.toolpath.meta.get("region")
    if region is not None:
        parts.append(region)
    return parts


def printed_area(ink: Ink) -> BaseGeometry:
    """Where ``ink`` ends up (mm): the union of its :func:`printed_parts`."""
    return shapely.union_all(printed_parts(ink))


def _touch(a: list[BaseGeometry], b: list[BaseGeometry]) -> bool:
    """Whether any piece of ``a`` meets any piece of ``b`` (their unions meet): a spatial index
    and pairwise tests, no union of thousands of bead outlines."""
    if not a or not b:
        return False
    return bool(shapely.STRtree(b).query(a, predicate="intersects").size)


def refuse_bridging_beads(inks: Sequence[Ink], kind: Callable[[str], str]) -> None:
    """Raise when the printed area of one electrode's inks (``kind(name)``: anode, cathode...)
    touches another electrode's: the beads are wider than a feature and would short the gap."""
    by_kind: dict[str, list[Ink]] = {}
    for ink in inks:
        by_kind.setdefault(kind(ink.name), []).append(ink)
    if len(by_kind) < 2:
        return
    parts = {k: [p for i in group for p in printed_parts(i)] for k, group in by_kind.items()}
    names = list(parts)
    for a_i, a in enumerate(names):
        for b in names[a_i + 1:]:
            if not _touch(parts[a], parts[b]):
                continue
            meet = shapely.union_all(parts[a]).intersection(shapely.union_all(parts[b]))
            if meet.is_empty:
                continue
            pt = meet.representative_point()
            widths = {i.name: float(i.toolpath.meta["bead_width_mm"]) for i in by_kind[a] + by_kind[b]}
            regions = [i.toolpath.meta.get("region") for i in by_kind[a] + by_kind[b]]
            gap = (float(shapely.union_all([r for r in regions[:len(by_kind[a])] if r is not None])
                         .distance(shapely.union_all([r for r in regions[len(by_kind[a]):]
                                                      if r is not None])))
                   if all(r is not None for r in regions) else None)
            bead = max(widths.values())
            gap_text = f"the {gap:.4g} mm gap" if gap is not None else "the gap"
            raise ParameterError(
                "bead_width",
                f"the {bead:g} mm beads of {', '.join(i.name for i in by_kind[a])} and "
                f"{', '.join(i.name for i in by_kind[b])} would spread across {gap_text} and join "
                f"the {a} to the {b} near x {pt.x:.3f}, y {pt.y:.3f} mm (a feature is narrower "
                f"than its bead); use a narrower nozzle (--set bead_width=...) or draw wider features")


def refuse_off_bed(regions: Sequence[tuple[str, BaseGeometry, tuple[float, float]]],
                   bed: tuple[float, float, float], machine: str) -> None:
    """Refuse, before any bead is planned, a job whose ink regions leave the bed.

    ``regions``: (layer, geometry in the design frame mm, design -> machine shift mm). Lanes run
    to a region's edges, so a region off the bed is ink planned off the bed. The check on the
    commanded moves after writing (``marlin_diw``) stays, for purge lines, fiducials and Z.
    """
    for layer, geom, (dx, dy) in regions:
        if geom.is_empty:
            continue
        x0, y0, x1, y1 = geom.bounds
        lo_x, lo_y, hi_x, hi_y = x0 + dx, y0 + dy, x1 + dx, y1 + dy
        if min(lo_x, lo_y) < 0 or hi_x > bed[0] or hi_y > bed[1]:
            raise ParameterError("origin", f"layer {layer} spans X {lo_x:.4g}..{hi_x:.4g} Y "
                                 f"{lo_y:.4g}..{hi_y:.4g} mm, outside the {machine} bed "
                                 f"(0..{bed[0]:g}, 0..{bed[1]:g} mm)")
