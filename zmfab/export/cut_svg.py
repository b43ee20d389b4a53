"""SVG of a cutter job: the cut file Silhouette Studio opens, and a picture of the cut order.

The cut file is the sheet at true size (``width="Wmm"``, viewBox in mm), one stroked closed path
per contour in cutting order (inner openings first, the sheet outline last), uncompensated:
Studio applies its own blade handling. The preview colours each contour by its place in the
order (blue first, red last), draws knife-up travels dashed and fills the openings grey.
"""

from __future__ import annotations

import numpy as np

from ..toolpath.cutter import CutPlan
from .svg import Frame, add_layer, new_drawing


def _frame(plan: CutPlan) -> Frame:
    x0, y0, x1, y1 = plan.sheet.bounds
    ox, oy = plan.settings.origin
    return Frame((ox, oy, ox + (x1 - x0), oy + (y1 - y0)))


def _d(frame: Frame, pts: np.ndarray, *, closed: bool = True) -> str:
    coords = " ".join(f"{px:.4f},{py:.4f}" for px, py in (frame.point(x, y) for x, y in pts))
    return f"M{coords}" + ("Z" if closed else "")


def cut_svg(plan: CutPlan, *, title: str = "") -> str:
    """SVG text of ``plan``'s contours for Silhouette Studio (hairline red cut lines, mm)."""
    frame = _frame(plan)
    dwg = new_drawing(frame, title=title)
    group = dwg.g(id="cut")
    group.attribs["inkscape:groupmode"] = "layer"
    group.attribs["inkscape:label"] = "cut"
    for i, c in enumerate(plan.contours, start=1):
        group.add(dwg.path(d=_d(frame, c.points), id=f"cut-{i:04d}", fill="none",
                           stroke="#ff0000", stroke_width=0.05))
    dwg.add(group)
    return dwg.tostring()


def cut_preview_svg(plan: CutPlan, *, title: str = "") -> str:
    """A picture of ``plan``: openings filled, contours coloured by cut order, travels dashed."""
    from shapely import affinity

    frame = _frame(plan)
    dwg = new_drawing(frame, title=title)
    sx0, sy0 = plan.sheet.bounds[:2]
    ox, oy = plan.settings.origin
    openings = affinity.translate(plan.openings, ox - sx0, oy - sy0)
    add_layer(dwg, "openings", openings, frame, colour="#d0d0d0")
    n = max(len(plan.contours) - 1, 1)
    order = dwg.g(id="order")
    order.attribs["inkscape:groupmode"] = "layer"
    order.attribs["inkscape:label"] = "cut order"
    for i, c in enumerate(plan.contours):
        t = i / n
        colour = f"#{int(255 * t):02x}30{int(255 * (1 - t)):02x}"
        order.add(dwg.path(d=_d(frame, c.points), fill="none", stroke=colour, stroke_width=0.08))
    dwg.add(order)
    travel = dwg.g(id="travel")
    pos = np.asarray(plan.settings.origin)
    for p in plan.paths:
        travel.add(dwg.path(d=_d(frame, np.vstack([pos, p[0]]), closed=False), fill="none",
                            stroke="#888888", stroke_width=0.05, stroke_dasharray="0.4,0.3"))
        pos = p[-1]
    dwg.add(travel)
    return dwg.tostring()
