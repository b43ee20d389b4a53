"""Exporters: a Layout (or any named polygons) to SVG, DXF and, with the gds extra, GDSII."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..regions import Layout

FORMATS = (".svg", ".dxf", ".gds")


def export_layout(layout: Layout, path: str | Path, **options: Any) -> Path:
    """Write ``layout`` to ``path`` atomically, in the format its suffix names."""
    suffix = Path(path).suffix.lower()
    if suffix == ".svg":
        from .svg import write_svg

        return write_svg(layout, path, **options)
    if suffix == ".dxf":
        from .dxf import write_dxf

        return write_dxf(layout, path, **options)
    if suffix == ".gds":
        from .gds import write_gds  # type: ignore[import-not-found]

        return write_gds(layout, path, **options)
    raise ParameterError("--output", f"unknown format {suffix or '(none)'!r} (use {', '.join(FORMATS)})")
