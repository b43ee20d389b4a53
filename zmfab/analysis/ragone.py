"""Ragone chart: areal energy against areal power, published devices and this design.

The review's Table 1 (micro-batteries, circles) and Table 2 (micro-supercapacitors, squares) with
both areal figures published are drawn with their reference numbers; this design is a star at its
stated C-rate on the line of its estimate over every rate (:func:`zmfab.analysis.power.ragone_curve`).
matplotlib runs headless (Agg); PNG, SVG or PDF by the file's suffix, or SVG text for a page.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import write_bytes
from ..errors import ParameterError
from .published import Device, published_devices

FORMATS = (".png", ".svg", ".pdf")
_COLOURS = {"battery": "#1f77b4", "capacitor": "#d62728"}
#: matplotlib's text layout (mathtext) is not thread-safe: sweeps build variants on threads.
_LOCK = threading.Lock()


def ragone_figure(design: dict[str, Any] | None = None, *, curve: np.ndarray | None = None,
                  label: str = "this design", devices: tuple[Device, ...] | None = None) -> Any:
    """A matplotlib Figure. ``design`` holds ``areal_power_mw_cm2`` and
    ``areal_energy_at_rate_mwh_cm2`` (and ``c_rate``); ``curve`` rows are (mW/cm², mWh/cm²)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    devices = published_devices() if devices is None else devices
    fig = Figure(figsize=(6.4, 4.6))
    ax = fig.add_subplot(1, 1, 1)
    shown = [d for d in devices if d.on_ragone]
    for kind, marker, name in (("battery", "o", "micro-batteries (review Table 1)"),
                               ("capacitor", "s", "micro-supercapacitors (review Table 2)")):
        group = [d for d in shown if d.kind == kind]
        if not group:
            continue
        ax.scatter([d.power_mw_cm2 for d in group], [d.energy_mwh_cm2 for d in group], marker=marker,
                   s=28, color=_COLOURS[kind], alpha=0.8, label=name, zorder=3)
        for d in group:
            ax.annotate(f"[{d.ref}]", (d.power_mw_cm2, d.energy_mwh_cm2), xytext=(3, 3),
                        textcoords="offset points", fontsize=6.5, color=_COLOURS[kind])
    if curve is not None and len(curve):
        ax.plot(curve[:, 0], curve[:, 1], color="#2ca02c", lw=1.2, zorder=2,
                label=f"{label}: estimate over C-rates")
    if design is not None and design.get("areal_power_mw_cm2"):
        rate = design.get("c_rate")
        ax.scatter([design["areal_power_mw_cm2"]], [design["areal_energy_at_rate_mwh_cm2"]],
                   marker="*", s=160, color="#2ca02c", edgecolor="black", zorder=4,
                   label=f"{label} at {rate:g}C" if rate else label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("areal power (mW/cm²)")
    ax.set_ylabel("areal energy (mWh/cm²)")
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", alpha=0.1)
    missing = len(devices) - len(shown)
    ax.set_title("Ragone chart, per cm² of footprint" + (f" ({missing} listed devices lack an areal "
                                                         "energy or power)" if missing else ""),
                 fontsize=9)
    ax.legend(fontsize=7, loc="best", framealpha=0.85)
    fig.tight_layout()
    return fig


def ragone_bytes(fmt: str = "png", **kwargs: Any) -> bytes:
    """The chart as PNG, SVG or PDF bytes (same arguments as :func:`ragone_figure`)."""
    import matplotlib

    buf = io.BytesIO()
    with _LOCK, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "zmfab"}):
        fig = ragone_figure(**kwargs)
        fig.savefig(buf, format=fmt, dpi=150, metadata={"Date": None} if fmt in ("svg", "pdf") else None)
    return buf.getvalue()


def ragone_svg(**kwargs: Any) -> str:
    """The chart as an ``<svg>`` element for an HTML page (no XML prolog, no DOCTYPE)."""
    text = ragone_bytes("svg", **kwargs).decode("utf-8")
    return text[text.index("<svg"):]


def write_ragone(path: str | Path, **kwargs: Any) -> Path:
    """Write the chart to ``path`` (.png, .svg or .pdf)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise ParameterError("--plot", f"{target.name}: use a .png, .svg or .pdf file")
    return write_bytes(target, ragone_bytes(suffix[1:], **kwargs))
