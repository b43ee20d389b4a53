"""Pictures of a parsed G-code job: SVG (svgwrite) or PNG (matplotlib, the ``sim``/``test`` extra).

Laser jobs: burns coloured by power (pale yellow to dark red) at the spot width, travels dashed
grey, the bed outline, a scale bar. Cutter jobs (HPGL): knife cuts as thin dark lines.
Ink-writing jobs: beads at the header's ``bead_width_mm``, coloured by tool, darker for higher
layers (Z).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..atomic import write_text
from ..errors import ParameterError
from ..export.preview import nice_scale
from ..export.svg import Frame, new_drawing
from .estimate import bed_size
from .parse import Move, Program

TOOL_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
TRAVEL = "#9a9a9a"
#: Stroke kinds in drawing order (travels below, burns on top).
KINDS = ("travel", "print", "cut", "burn")
#: Knife cuts (HPGL), drawn thin: a drag knife cuts a line, not a kerf.
CUT = "#1d3557"


def _power_colour(frac: float) -> str:
    f = min(max(frac, 0.0), 1.0)
    r = int(255 - 115 * f)
    g = int(220 * (1 - f) ** 1.2)
    b = int(90 * (1 - f))
    return f"#{r:02x}{g:02x}{b:02x}"


def _shade(colour: str, k: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    k = min(max(k, 0.0), 0.7)
    return "#" + "".join(f"{int(c * (1 - k)):02x}" for c in (r, g, b))


def strokes(prog: Program, machine: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Runs of consecutive moves sharing a style: ``points``, ``kind`` (burn/print/cut/travel),
    ``colour``, ``width`` mm."""
    meta = prog.meta
    s_max = float((machine or {}).get("s_max", 0) or meta.get("s_max", 0) or 0)
    if not s_max:
        s_max = max((m.power for m in prog.moves if m.laser), default=1.0) or 1.0
    spot = _num(meta.get("spot_mm"), 0.1)
    bead = _num(meta.get("bead_width_mm"), 0.4)
    zs = sorted({round(m.z1, 4) for m in prog.moves if m.printing})
    runs: list[dict[str, Any]] = []
    for m in prog.moves:
        if m.x0 == m.x1 and m.y0 == m.y1:
            continue
        if m.laser:
            style = ("burn", _power_colour(m.power / s_max), spot)
        elif m.cut:
            style = ("cut", CUT, 0.0)
        elif m.printing:
            layer = zs.index(round(m.z1, 4)) if zs else 0
            base = TOOL_COLOURS[m.tool % len(TOOL_COLOURS)]
            style = ("print", _shade(base, 0.5 * layer / max(len(zs) - 1, 1)), bead)
        else:
            style = ("travel", TRAVEL, 0.0)
        last = runs[-1] if runs else None
        if (last and (last["kind"], last["colour"], last["width"]) == style
                and last["points"][-1] == (m.x0, m.y0)):
            last["points"].append((m.x1, m.y1))
        else:
            runs.append({"kind": style[0], "colour": style[1], "width": style[2],
                         "points": [(m.x0, m.y0), (m.x1, m.y1)]})
    return runs


def _num(value: Any, default: float) -> float:
    try:
        return float(str(value).split()[0])
    except (TypeError, ValueError, IndexError):
        return default


def _extent(prog: Program, machine: Mapping[str, Any] | None, *, full_bed: bool = False
            ) -> tuple[tuple[float, float, float, float], tuple[float, float] | None]:
    """The drawn box: the job (the whole bed if ``full_bed``); and the bed size, if known."""
    bed = bed_size(machine)
    if bed is None and prog.meta.get("bed_mm"):
        parts = prog.meta["bed_mm"].replace(",", " ").split()
        bed = (float(parts[0]), float(parts[1]))
    # The work (burns, beads) and the travels between them; not the hop from where the machine
    # happened to be, nor the final parking move, which would shrink a small job to a dot.
    work = [k for k, m in enumerate(prog.moves) if m.laser or m.printing or m.cut]
    lo, hi = (work[0], work[-1]) if work else (0, len(prog.moves) - 1)
    moving = [m for m in prog.moves[lo:hi + 1] if (m.x0, m.y0) != (m.x1, m.y1)]
    if moving:
        xs = [v for m in moving for v in (m.x0, m.x1)]
        ys = [v for m in moving for v in (m.y0, m.y1)]
        box = (min(xs), min(ys), max(xs), max(ys))
    else:
        box = (0.0, 0.0, 1.0, 1.0)
    if bed and full_bed:
        box = (min(box[0], 0.0), min(box[1], 0.0), max(box[2], bed[0]), max(box[3], bed[1]))
    return box, bed


def preview_svg(prog: Program, *, machine: Mapping[str, Any] | None = None, title: str = "",
                full_bed: bool = False) -> str:
    """SVG text of the job (the whole bed if ``full_bed``), the bed's outline clipped to it."""
    box, bed = _extent(prog, machine, full_bed=full_bed)
    span = max(box[2] - box[0], box[3] - box[1], 1e-3)
    text_h = 0.03 * span
    frame = Frame((box[0], box[1] - 2.5 * text_h, box[2], box[3] + 1.5 * text_h), 0.04 * span)
    dwg = new_drawing(frame, title=title)
    dwg.add(dwg.rect((0, 0), (frame.width, frame.height), fill="white"))
    if bed:
        x, y = frame.point(0, bed[1])
        dwg.add(dwg.rect((x, y), (bed[0], bed[1]), fill="#fafafa", stroke="#444444",
                         stroke_width=span / 600))
    thin = span / 1500
    runs = strokes(prog, machine)
    for kind in KINDS:
        group = dwg.g(id=kind)
        for run in (r for r in runs if r["kind"] == kind):
            pts = [frame.point(x, y) for x, y in run["points"]]
            if kind == "travel":
                line = dwg.polyline(pts, fill="none", stroke=TRAVEL, stroke_width=thin,
                                    stroke_dasharray=f"{4 * thin:.5f},{3 * thin:.5f}")
            else:
                line = dwg.polyline(pts, fill="none", stroke=run["colour"],
                                    stroke_width=max(run["width"], 2 * thin if kind == "cut" else thin),
                                    stroke_linecap="round", stroke_linejoin="round")
            group.add(line)
        dwg.add(group)
    font = {"font_size": f"{text_h:.4f}", "font_family": "sans-serif"}
    bar = nice_scale(box[2] - box[0])
    bx, by = frame.point(box[0], box[1] - 1.5 * text_h)
    dwg.add(dwg.rect((bx, by), (bar, text_h / 3), fill="black"))
    label = f"{bar:g} mm" if bar >= 1 else f"{bar * 1000:g} µm"
    dwg.add(dwg.text(label, insert=(bx + bar + 0.3 * text_h, by + text_h / 3), **font))
    if title:
        tx, ty = frame.point(box[0], box[3] + 0.5 * text_h)
        dwg.add(dwg.text(title, insert=(tx, ty), **font))
    return dwg.tostring()


def write_png(prog: Program, path: str | Path, *, machine: Mapping[str, Any] | None = None,
              title: str = "", dpi: int = 150, full_bed: bool = False) -> Path:
    """Draw the job with matplotlib into a PNG at ``path``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.collections import LineCollection
    except ImportError:
        raise ParameterError("--output", "PNG previews need matplotlib: pip install 'zmfab[sim]' "
                                         "(or the test extra), or write .svg") from None
    from ..atomic import atomic_path

    box, bed = _extent(prog, machine, full_bed=full_bed)
    fig, ax = plt.subplots(figsize=(8, 8 * max(box[3] - box[1], 1e-3) / max(box[2] - box[0], 1e-3)
                                    if box[2] > box[0] else 8))
    if bed:
        ax.add_patch(plt.Rectangle((0, 0), bed[0], bed[1], fill=False, ec="#444444", lw=0.8))
    span = max(box[2] - box[0], box[3] - box[1], 1e-3)
    pts_per_mm = 8 * 72 / span
    every = strokes(prog, machine)
    for kind in KINDS:
        runs = [r for r in every if r["kind"] == kind]
        if not runs:
            continue
        lc = LineCollection([r["points"] for r in runs], colors=[r["colour"] for r in runs],
                            linewidths=[max(r["width"] * pts_per_mm, 0.3) for r in runs],
                            linestyles="dashed" if kind == "travel" else "solid",
                            capstyle="round")
        ax.add_collection(lc)
    bar = nice_scale(box[2] - box[0])
    ax.plot([box[0], box[0] + bar], [box[1] - 0.03 * span] * 2, color="black", lw=2)
    ax.text(box[0] + bar * 1.05, box[1] - 0.03 * span, f"{bar:g} mm", va="center", fontsize=8)
    ax.set_xlim(box[0] - 0.05 * span, box[2] + 0.05 * span)
    ax.set_ylim(box[1] - 0.08 * span, box[3] + 0.05 * span)
    ax.set_aspect("equal")
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    if title:
        ax.set_title(title, fontsize=9)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    plt.close(fig)
    return Path(path)


def write_preview(prog: Program, path: str | Path, *, machine: Mapping[str, Any] | None = None,
                  title: str = "", full_bed: bool = False) -> Path:
    """Write an SVG or PNG preview, by the suffix of ``path``."""
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        return write_png(prog, path, machine=machine, title=title, full_bed=full_bed)
    if suffix != ".svg":
        raise ParameterError("--output", f"cannot draw {suffix or 'a file without suffix'} "
                                         "(use .svg or .png)")
    return write_text(path, preview_svg(prog, machine=machine, title=title, full_bed=full_bed))


__all__ = ["Move", "preview_svg", "strokes", "write_png", "write_preview"]
