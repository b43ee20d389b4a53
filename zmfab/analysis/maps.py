"""Pictures of a solved film: potential and |current density| maps, true scale, as PNG.

Each map has a colour bar with its unit, the electrodes filled grey and outlined, a scale bar in
mm and the figures that matter (resistance, uniformity) in the title. matplotlib runs headless
(Agg); nothing is shown on screen.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from ..atomic import write_bytes
from ..regions import as_multipolygon
from .field import FieldResult
from .grid import FILM

MAPS = ("potential", "current")


def nice_length(span_mm: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10ⁿ mm) near a fifth of ``span_mm``."""
    target = max(span_mm / 5.0, 1e-6)
    exp = math.floor(math.log10(target))
    for step in (5.0, 2.0, 1.0):
        if step * 10**exp <= target:
            return step * 10**exp
    return 10**exp


def render_map(result: FieldResult, *, which: str = "potential", dpi: int = 150) -> bytes:
    """PNG bytes of the ``"potential"`` (V) or ``"current"`` (|j|, A/m²) map of ``result``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    s = result.summary
    film = (result.state == FILM) & ~np.isnan(result.potential)
    if result.inside is not None:  # film nodes just outside the domain serve the solve only
        film &= result.inside
    if which == "potential":
        data = np.where(film, result.potential, np.nan)
        cmap, label, vmax = "viridis", "film potential (V)", result.settings.voltage_v
        vmin, extend = 0.0, "neither"
        title = "Electrolyte potential"
    elif which == "current":
        data = np.where(film, result.current_density(), np.nan)
        cmap, label = "inferno", f"|j| in the film (A/m²) at {s['voltage_v']:g} V"
        finite = data[np.isfinite(data)]
        vmin, vmax = 0.0, float(np.percentile(finite, 99.0)) if finite.size else 1.0
        extend = "max"
        title = "Ionic current density"
    else:
        raise ValueError(f"unknown map {which!r} (use one of {', '.join(MAPS)})")
    x0, x1, y0, y1 = result.grid.extent
    width, height = x1 - x0, y1 - y0
    aspect = height / width if width else 1.0
    window = _zoom_window(result, film)
    fig_w, map_w = (11.0, 5.6) if window else (7.5, 6.0)
    fig = Figure(figsize=(fig_w, max(3.5, min(9.0, map_w * aspect + 1.4))), dpi=dpi,
                 layout="constrained")
    if window:
        grid = fig.add_gridspec(1, 2, width_ratios=[3, 2])
        ax, zoom = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    else:
        ax, zoom = fig.add_subplot(1, 1, 1), None
    style = {"cmap": cmap, "vmin": vmin, "vmax": vmax}
    image = _draw(ax, result, data, (x0, x1, y0, y1), style)
    if zoom is not None and window:
        _draw(zoom, result, data, window, style)
        from matplotlib.patches import Rectangle

        zx0, zx1, zy0, zy1 = window
        ax.add_patch(Rectangle((zx0, zy0), zx1 - zx0, zy1 - zy0, fill=False, edgecolor="#1f77b4",
                               linewidth=1.2))
        zoom.set_title(f"zoom ×{width / (zx1 - zx0):.0f} (blue box)", fontsize=9)
    cbar = fig.colorbar(image, ax=[ax, zoom] if zoom is not None else ax, extend=extend, shrink=0.9)
    cbar.set_label(label)
    ax.set_title(f"{title}\nR = {_ohms(s['resistance_ohm'])}, edge CV = {s['uniformity_cv']:.3f}, "
                 f"σ = {s['conductivity_s_m']:g} S/m, h = {s['thickness_mm'] * 1000:g} µm",
                 fontsize=10)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def write_maps(result: FieldResult, directory: str | Path, *, prefix: str = "field",
               dpi: int = 150) -> list[Path]:
    """Write ``<prefix>-potential.png`` and ``<prefix>-current.png`` into ``directory``."""
    out = Path(directory)
    return [write_bytes(out / f"{prefix}-{which}.png", render_map(result, which=which, dpi=dpi))
            for which in MAPS]


def _draw(ax: Any, result: FieldResult, data: np.ndarray, window: tuple[float, float, float, float],
          style: dict[str, Any]) -> Any:
    """The map, electrodes, domain outline and a scale bar on ``ax``, showing ``window`` (mm)."""
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    ax.set_facecolor("#f4f1ea")
    image = ax.imshow(data, origin="lower", extent=result.grid.extent, interpolation="nearest", **style)
    _outline(ax, result.anode, "#5b6e84", "anode")
    _outline(ax, result.cathode, "#6b4a2b", "cathode")
    _outline(ax, result.domain, None, None)
    x0, x1, y0, y1 = window
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    bar = nice_length(x1 - x0)
    ax.add_artist(AnchoredSizeBar(ax.transData, bar, f"{bar:g} mm", "lower right", pad=0.4,
                                  color="black", frameon=True, size_vertical=(y1 - y0) / 150))
    return image


def _zoom_window(result: FieldResult, film: np.ndarray) -> tuple[float, float, float, float] | None:
    """A square window about 14 gaps wide round the current hot spot, when the gap is too narrow
    to see on the whole map (under 2.5 % of its size); else None."""
    x0, x1, y0, y1 = result.grid.extent
    gap = result.summary["gap_mm"]
    if not gap or gap > 0.025 * max(x1 - x0, y1 - y0):
        return None
    current = np.where(film, result.current_density(), np.nan)
    if not np.isfinite(current).any():
        return None
    j, i = np.unravel_index(np.nanargmax(current), current.shape)
    cx = x0 + (i + 0.5) * result.grid.dx
    cy = y0 + (j + 0.5) * result.grid.dy
    half = 7.0 * gap
    cx = min(max(cx, x0 + half), x1 - half)
    cy = min(max(cy, y0 + half), y1 - half)
    return (cx - half, cx + half, cy - half, cy + half)


def _outline(ax: Any, geom: BaseGeometry, colour: str | None, label: str | None) -> None:
    """Fill ``geom`` in ``colour`` (or just outline it) on ``ax``."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    first = True
    for poly in as_multipolygon(geom).geoms:
        rings = [poly.exterior, *poly.interiors]
        verts, codes = [], []
        for ring in rings:
            xy = np.asarray(ring.coords)
            verts.extend(xy.tolist())
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
        patch = PathPatch(MplPath(verts, codes), facecolor=colour or "none",
                          edgecolor="black" if colour else "#888888",
                          linewidth=0.4 if colour else 0.6, linestyle="-" if colour else "--",
                          label=label if first else None, alpha=0.9 if colour else 1.0)
        ax.add_artist(patch)  # not add_patch: the limits are set, and autoscaling walks every vertex
        patch.set_clip_path(ax.patch)
        first = False


def _ohms(value: float) -> str:
    for unit, scale in (("MΩ", 1e6), ("kΩ", 1e3), ("Ω", 1.0), ("mΩ", 1e-3)):
        if value >= scale:
            return f"{value / scale:.4g} {unit}"
    return f"{value:.3g} Ω"
