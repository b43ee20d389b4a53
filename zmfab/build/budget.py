"""A panel's cost before it is built: its size against 1 m and the machine's bed, its vertices.

Merging 100 x 100 copies of a device takes minutes; its size and vertex count are known from the
array, the pitch and one device, so a panel that cannot be made is refused at once, naming the
limit and the option that changes it.
"""

from __future__ import annotations

import math
from typing import Any

import shapely

from ..errors import ParameterError
from ..geometry.budget import VERTICES_OPTION, max_vertices
from ..regions import Layout
from ..units import MAX_LENGTH_MM


def panel_size(design: Any, layout: Layout, *, array: str | None = None,
               pitch: Any = None) -> tuple[int, int, float, float, float, float] | None:
    """(columns, rows, pitch x, pitch y, width, height) in mm of the panel asked for, or None.

    ``array``/``pitch`` are the CLI values; otherwise ``[panel]`` of ``design`` gives them, as
    :func:`zmfab.process.panel.panel_from_design` reads them (which reports malformed values).
    """
    from ..process.panel import parse_array, parse_pitch

    table = {} if design is None else design.sections.get("panel", {})
    table = table if isinstance(table, dict) else {}
    raw_array = array if array is not None else table.get("array")
    if raw_array is None:
        return None
    try:
        nx, ny = parse_array(raw_array, field="--array" if array is not None else "array")
        raw_pitch = pitch if pitch is not None else table.get("pitch")
        x0, y0, x1, y1 = layout.get("footprint").bounds if "footprint" in layout else layout.bounds
        w, h = x1 - x0, y1 - y0
        px, py = (w, h) if raw_pitch is None else parse_pitch(
            raw_pitch, field="--pitch" if pitch is not None else "pitch")
    except ParameterError:
        return None  # panel_from_design reports it, in the design's words
    return nx, ny, px, py, w + (nx - 1) * px, h + (ny - 1) * py


def check_panel_work(design: Any, layout: Layout, *, array: str | None = None, pitch: Any = None,
                     bed: tuple[float, float] | None = None, machine: str | None = None) -> None:
    """Refuse a panel beyond 1 m, beyond ``bed`` (mm, of ``machine``) or beyond the vertex budget."""
    size = panel_size(design, layout, array=array, pitch=pitch)
    if size is None:
        return
    nx, ny, px, py, width, height = size
    field = "--array" if array is not None else "array"
    shown = f"a {nx} x {ny} panel at {px:g} x {py:g} mm pitch is {width:.4g} x {height:.4g} mm"
    if bed is not None and (width > bed[0] + 1e-9 or height > bed[1] + 1e-9):
        fit_x = _fits(bed[0], width - (nx - 1) * px, px)
        fit_y = _fits(bed[1], height - (ny - 1) * py, py)
        hint = (f"at most {fit_x} x {fit_y} fit at this pitch" if fit_x and fit_y
                else "not even one device fits")
        raise ParameterError(field, f"{shown}, larger than the {bed[0]:g} x {bed[1]:g} mm bed of "
                                    f"{machine or 'the machine'} ({hint})")
    if max(width, height) > MAX_LENGTH_MM:
        raise ParameterError(field, f"{shown}, above the {MAX_LENGTH_MM:g} mm (1 m) limit of any layout")
    device = sum(int(shapely.get_num_coordinates(g)) for g in layout.regions.values())
    vertices = device * nx * ny
    if vertices > max_vertices():
        raise ParameterError(field, (
            f"{shown} holding about {vertices:.3g} vertices, above the budget of {max_vertices():.3g} "
            f"(raise it with {VERTICES_OPTION} N)"))


def _fits(bed: float, device: float, pitch: float) -> int:
    """Devices of size ``device`` at ``pitch`` that fit in ``bed`` (mm) along one axis."""
    if device > bed + 1e-9:
        return 0
    return 1 + math.floor((bed - device) / pitch + 1e-9) if pitch > 0 else 1
