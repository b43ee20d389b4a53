"""A drawing's laser job, sized before it is planned: the bed, and the hatch lines a fill needs.

Hatching a large fill takes a minute; whether the drawing fits the machine's bed and how many
hatch lines it needs are known from its bounds and the fill interval, so a job that cannot run
is refused first, naming the limit and the option that changes it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError

#: Hatch lines a fill may need by default (each is about two G-code lines); ``--max-lines`` raises it.
DEFAULT_MAX_HATCH_LINES = 1_000_000
def hatch_lines(geom: BaseGeometry, *, interval: float, angle: Any = "auto", cross: bool = False,
                passes: int = 1) -> int:
    """Hatch lines (upper estimate) a fill of ``geom`` at ``interval`` mm needs, all passes."""
    if interval <= 0:
        raise ParameterError("interval", f"{interval:g} mm is out of range (must be > 0)")
    parts = getattr(geom, "geoms", [geom])
    total = 0.0
    for part in parts:
        x0, y0, x1, y1 = part.bounds
        w, h = x1 - x0, y1 - y0
        if angle == "auto":
            across = min(w, h)
        else:
            a = math.radians(float(angle))
            across = abs(w * math.sin(a)) + abs(h * math.cos(a))
        total += across / interval + 1
        if cross:
            total += max(w, h) / interval + 1
    return int(math.ceil(total)) * max(1, int(passes))


def check_drawing_job(chosen: Mapping[str, list[BaseGeometry]], *, machine: Mapping[str, Any],
                      machine_name: str, fill_settings: Mapping[str, Any] | None,
                      offset: tuple[float, float] | None, max_lines: int | None = None) -> None:
    """Refuse a drawing job whose burned layers (``chosen``: op -> geometries) leave the bed, or
    whose fills exceed the hatch-line budget."""
    from shapely import total_bounds

    from .grbl_laser import check_bounds

    burned = [g for geoms in chosen.values() for g in geoms if not g.is_empty]
    if not burned:
        return
    off = offset if offset is not None else tuple(float(v) for v in machine.get("origin_mm", (0.0, 0.0)))
    x0, y0, x1, y1 = (float(v) for v in total_bounds(burned))
    check_bounds((x0 + off[0], y0 + off[1], x1 + off[0], y1 + off[1]), machine, name=machine_name)
    fills = [g for g in chosen.get("fill", []) if not g.is_empty]
    if not fills or fill_settings is None:
        return
    s = fill_settings
    interval = float(s.get("interval") or float(s.get("spot", 0.1)) * (1.0 - float(s.get("overlap", 0.0))))
    lines = sum(hatch_lines(g, interval=interval, angle=s.get("angle", "auto"), cross=bool(s.get("cross")),
                            passes=int(s.get("passes", 1))) for g in fills)
    budget = DEFAULT_MAX_HATCH_LINES if max_lines is None else max_lines
    if lines > budget:
        raise ParameterError("--op", (
            f"filling this drawing needs about {lines:.3g} hatch lines at a {interval:g} mm interval, "
            f"above the budget of {budget:.3g} (raise it with --max-lines N, or --set interval=...)"))
