"""Designs side by side: areas, facing length, film resistance, edge uniformity, capacity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ZmfabError


def compare_row(design: Any, profiles: Any, *, gap: float | None = None,
                **field_overrides: Any) -> dict[str, Any]:
    """One design's figures; ``gap`` (mm) replaces its gap parameter."""
    from ..regions.metrics import measure
    from .field import solve_field
    from .simspec import field_settings

    lay = design.layout(**({"gap": gap} if gap is not None else {}))
    m = measure(lay)
    result = solve_field(lay, settings=field_settings(design, profiles, **field_overrides))
    s = result.summary
    footprint_cm2 = m["footprint_area_mm2"] / 100.0
    row: dict[str, Any] = {
        "name": Path(design.path).stem if design.path else design.title,
        "title": design.title,
        "family": design.family,
        "footprint_mm2": m["footprint_area_mm2"],
        "anode_area_mm2": m["anode_area_mm2"],
        "cathode_area_mm2": m["cathode_area_mm2"],
        "gap_mm": m["min_gap_mm"],
        "facing_length_mm": m["facing_length_mm"],
        "equivalent_length_mm": s["equivalent_length_mm"],
        "resistance_ohm": s["resistance_ohm"],
        "conductance_ms_cm2": 1e3 / s["resistance_ohm"] / footprint_cm2 if footprint_cm2 else None,
        "uniformity_cv": s["uniformity_cv"],
        "min_max_ratio": s["min_max_ratio"],
        "cells": s["cells"],
        "capacity_mah": None,
        "areal_capacity_mah_cm2": None,
        "cell_note": "no [cell] table",
    }
    if "cell" in design.sections:
        from .cellspec import cell_spec
        from .electrochem import estimate

        try:
            est = estimate(cell_spec(design, lay, profiles))
        except ZmfabError as exc:
            row["cell_note"] = str(exc)
        else:
            row.update(capacity_mah=est["capacity_mah"],
                       areal_capacity_mah_cm2=est["areal_capacity_mah_cm2"], cell_note="")
    return row


def compare_designs(designs: list[Any], *, profiles: Callable[[Any], Any], gap: float | None = None,
                    **field_overrides: Any) -> list[dict[str, Any]]:
    """:func:`compare_row` for each design (``profiles(design)`` gives its profiles)."""
    return [compare_row(d, profiles(d), gap=gap, **field_overrides) for d in designs]


#: (label, key, format, unit) of each row of the table.
ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("family", "family", "s", ""),
    ("footprint", "footprint_mm2", ".4g", "mm²"),
    ("anode area", "anode_area_mm2", ".4g", "mm²"),
    ("cathode area", "cathode_area_mm2", ".4g", "mm²"),
    ("gap", "gap_mm", ".4g", "mm"),
    ("facing length", "facing_length_mm", ".4g", "mm"),
    ("equivalent length", "equivalent_length_mm", ".4g", "mm"),
    ("film resistance", "resistance_ohm", ".4g", "Ω"),
    ("conductance/area", "conductance_ms_cm2", ".4g", "mS/cm²"),
    ("edge current CV", "uniformity_cv", ".3f", ""),
    ("edge j min/max", "min_max_ratio", ".3f", ""),
    ("capacity", "capacity_mah", ".4g", "mAh"),
    ("areal capacity", "areal_capacity_mah_cm2", ".4g", "mAh/cm²"),
)


def format_comparison(rows: list[dict[str, Any]]) -> str:
    """The rows as a text table, one column per design, with a note when footprints differ."""
    header = ["", *[r["name"] for r in rows]]
    table = [header]
    for label, key, fmt, unit in ROWS:
        cells = []
        for r in rows:
            value = r.get(key)
            cells.append("—" if value is None else f"{value:{fmt}}")
        table.append([f"{label}{' (' + unit + ')' if unit else ''}", *cells])
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True)))
             for line in table]
    areas = [r["footprint_mm2"] for r in rows if r["footprint_mm2"]]
    if areas and max(areas) > 1.1 * min(areas):
        lines.append("note: footprints differ by more than 10 %; compare the per-cm² rows")
    gaps = [r["gap_mm"] for r in rows]
    if gaps and max(gaps) > 1.02 * min(gaps):
        lines.append("note: gaps differ; use --gap to compare at one gap")
    for r in rows:
        if r["cell_note"] and r["cell_note"] != "no [cell] table":
            lines.append(f"note: {r['name']}: no capacity ({r['cell_note']})")
    return "\n".join(lines)
