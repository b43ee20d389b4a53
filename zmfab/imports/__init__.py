"""Read drawings made elsewhere (DXF, SVG) back into named polygons at true scale, in mm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shapely.geometry import MultiPolygon

from ..errors import ParameterError
from ..regions import REGIONS, Layout


def read_layers(path: str | Path, **options: Any) -> dict[str, MultiPolygon]:
    """Closed shapes of a DXF or SVG file by layer (DXF layer / SVG group label), in mm.

    ``by="colour"`` keys them by colour (``#rrggbb``) instead; ``dpi`` is for SVGs without a size.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".dxf":
        from .dxf import read_dxf_layers

        options.pop("dpi", None)
        return read_dxf_layers(path, **options)
    if suffix == ".svg":
        from .svg import read_svg_layers

        return read_svg_layers(path, **options)
    raise ParameterError("FILE", f"cannot read {suffix or 'a file without suffix'} (use .dxf or .svg)")


def layout_from_drawing(path: str | Path, **options: float) -> Layout:
    """A Layout whose regions are the drawing's layers named after regions (anode, cathode...)."""
    layers = read_layers(path, **options)
    regions = {name: geom for name, geom in layers.items() if name in REGIONS}
    if "anode" not in regions or "cathode" not in regions:
        missing = [name for name in ("anode", "cathode") if name not in regions]
        if Path(path).suffix.lower() == ".dxf":
            from .dxf import open_dxf_layers

            opened = open_dxf_layers(path)
            only_open = [name for name in missing if opened.get(name)]
            if only_open:
                detail = ", ".join(f"{name} ({opened[name]} open)" for name in only_open)
                raise ParameterError(str(path), (
                    f"layers {detail} hold only open polylines or lines, which bound no area: "
                    "close them (LWPOLYLINE closed flag, or PEDIT Close / Join in CAD)"))
        found = ", ".join(sorted(layers)) or "none"
        raise ParameterError(str(path), f"needs closed shapes on layers named 'anode' and 'cathode' "
                                        f"(layers with closed shapes: {found})")
    return Layout("drawing", regions, meta={"source": str(path)})
