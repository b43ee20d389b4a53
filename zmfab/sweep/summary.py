"""The sweep's table: one row per variant from its record, written as CSV and JSON, and plotted.

Columns: ``index, name, status, reason, family``, then the swept parameters (lengths in mm), the
layout metrics, the design-rule result (``drc_ok, drc_violations, drc_rules``), the cell
estimate (``capacity_mah`` ...) and ``resistance_ohm`` where those ran. Timings are left out so
that the same sweep gives the same table, whatever ran it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..atomic import write_text
from ..errors import ParameterError, ZmfabError

LEADING = ("index", "name", "status", "reason", "family")
#: More colour groups than this get no legend.
MAX_LEGEND = 12


def row(record: dict[str, Any]) -> dict[str, Any]:
    """One table row (plain values) from a variant record."""
    out: dict[str, Any] = {k: record.get(k, "") for k in LEADING}
    out["family"] = record.get("family") or record.get("values", {}).get("family", "")
    out.update({k: v for k, v in record.get("values", {}).items() if k != "family"})
    out.update({k: v for k, v in (record.get("metrics") or {}).items() if k != "family"})
    drc = record.get("drc")
    if drc is not None:
        out.update(drc_ok=drc.get("ok"), drc_violations=drc.get("violations"),
                   drc_rules=";".join(drc.get("rules", [])))
    out.update(record.get("cell") or {})
    if record.get("resistance_ohm") is not None:
        out["resistance_ohm"] = record["resistance_ohm"]
    return out


def table(records: Sequence[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows) of ``records``; columns are the union of keys, in first-seen order."""
    rows = [row(r) for r in records]
    columns: dict[str, None] = {}
    for r in rows:
        columns.update(dict.fromkeys(r))
    return list(columns), rows


def to_csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """The table as CSV text (lists joined by spaces, missing cells empty)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _cell(r.get(k)) for k in columns})
    return buf.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return value


def write_summary(outdir: Path, records: Sequence[dict[str, Any]], *,
                  meta: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``summary.csv`` and ``summary.json`` into ``outdir`` (atomically)."""
    columns, rows = table(records)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    doc = {**(meta or {}), "counts": counts, "columns": columns, "variants": rows}
    csv_path = write_text(outdir / "summary.csv", to_csv(columns, rows))
    json_path = write_text(outdir / "summary.json", json.dumps(doc, indent=2, default=str) + "\n")
    return csv_path, json_path


def planned_columns(design: Any, axes: Sequence[Any], stages: Sequence[str]) -> list[str]:
    """The columns a sweep of ``design`` over ``axes`` running ``stages`` will have, before it runs."""
    from ..regions.metrics import METRIC_UNITS
    from .stages import CELL_COLUMNS

    columns = [*LEADING, *(a.name for a in axes if a.name != "family"), *METRIC_UNITS]
    if "drc" in stages:
        columns += ["drc_ok", "drc_violations", "drc_rules"]
    if "capacity" in stages and "cell" in design.sections:
        columns += list(CELL_COLUMNS)
    if "resistance" in stages:
        columns.append("resistance_ohm")
    return list(dict.fromkeys(columns))


def resolve_column(name: str, columns: Sequence[str]) -> str:
    """The column ``name`` means: exact, or with a unit suffix (``min_gap`` -> ``min_gap_mm``)."""
    for candidate in (name, f"{name}_mm", f"{name}_mm2", f"{name}_mah", f"{name}_ohm"):
        if candidate in columns:
            return candidate
    raise ParameterError("--plot", f"no column {name!r} in the summary (columns: {', '.join(columns)})")


SUFFIX_UNITS = {"_mm2": "mm²", "_mm": "mm", "_mah": "mAh", "_ohm": "Ω", "_mwh": "mWh", "_v": "V"}


def axis_label(column: str, units: dict[str, str] | None = None) -> str:
    """``gap (mm)``: the column with its unit, from ``units`` or its suffix."""
    unit = (units or {}).get(column) or next(
        (u for suffix, u in SUFFIX_UNITS.items() if column.lower().endswith(suffix)), "")
    return f"{column} ({unit})" if unit else column


def default_colour(rows: list[dict[str, Any]], varied: Sequence[str], x: str) -> str:
    """``family`` when the rows hold several, else the first swept parameter that is not ``x``."""
    if len({r.get("family") for r in rows}) > 1:
        return "family"
    return next((v for v in varied if v not in ("family", x)), "family")


def plot(rows: list[dict[str, Any]], columns: Sequence[str], x: str, y: str, path: Path, *,
         units: dict[str, str] | None = None, colour_by: str = "family") -> Path:
    """Draw ``y`` against ``x`` into ``path`` (.png/.svg/.pdf): a colour per value of
    ``colour_by``, variants that pass the design rules filled, those that fail them hollow."""
    xcol, ycol = resolve_column(x, columns), resolve_column(y, columns)
    ccol = resolve_column(colour_by, columns)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ZmfabError("--plot needs matplotlib: pip install 'zmfab[sim]'") from None
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ParameterError("--plot-file", f"{path.name}: use a .png, .svg or .pdf name")
    groups: dict[Any, list[tuple[float, float, bool]]] = {}
    for r in rows:
        xv, yv = _number(r.get(xcol)), _number(r.get(ycol))
        if xv is not None and yv is not None and r.get("status") in ("ok", "drc_fail"):
            groups.setdefault(r.get(ccol), []).append((xv, yv, r["status"] == "ok"))
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=120)
    for i, key in enumerate(sorted(groups, key=_sort_key)):
        points, colour = sorted(groups[key]), f"C{i % 10}"
        name = str(key) if ccol == "family" else f"{ccol} = {key}"
        ax.plot([p[0] for p in points], [p[1] for p in points], "-", lw=0.8, alpha=0.3,
                color=colour)
        for passed in (True, False):
            pts = [p for p in points if p[2] is passed]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "o", ms=5, alpha=0.85,
                        color=colour, mfc=colour if passed else "none",
                        label=name if passed else f"{name} (fails a rule)")
    ax.set_xlabel(axis_label(xcol, units))
    ax.set_ylabel(axis_label(ycol, units))
    ax.grid(True, alpha=0.3)
    if len(groups) <= MAX_LEGEND:
        ax.set_title(f"{ycol} against {xcol}")
        if groups:
            ax.legend(fontsize="small")
    else:  # a legend of dozens of entries hides the plot
        ax.set_title(f"{ycol} against {xcol}, a colour per {ccol}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    from ..atomic import write_with

    write_with(path, lambda tmp: fig.savefig(tmp, format=path.suffix[1:].lower()))
    plt.close(fig)
    return path


def _sort_key(value: Any) -> tuple[int, Any]:
    number = _number(value)
    return (0, number) if number is not None else (1, str(value))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
