"""Picture of an electrodeposition: the plated area on its electrode, the pad the working
electrode's clip holds, and the figures (charge, current, time) under it, at true scale in mm."""

from __future__ import annotations

from shapely.geometry.base import BaseGeometry

from ..analysis.deposit import DepositPlan
from ..regions import union_all
from .svg import Frame, add_layer, new_drawing

#: Height (mm) of the band below the drawing that holds the figures.
LEGEND = 6.0


def deposit_svg(plan: DepositPlan, *, deposit: BaseGeometry, electrode: BaseGeometry,
                contact: BaseGeometry, title: str = "") -> str:
    """SVG text: electrode grey, contact pad hatched blue, deposit coloured by polarity."""
    x0, y0, x1, y1 = union_all([deposit, electrode, contact]).bounds
    frame = Frame((x0 - 1.0, y0 - 1.0 - LEGEND, x1 + 1.0, y1 + 1.0))
    dwg = new_drawing(frame, title=title)
    add_layer(dwg, "electrode", electrode, frame, colour="#c8c8c8")
    add_layer(dwg, "contact", contact, frame, colour="#3b6fb6", opacity=0.6)
    add_layer(dwg, "deposit", deposit, frame,
              colour="#7d8fa3" if plan.polarity == "cathodic" else "#6b4a2b")
    size = min(1.2, max(0.4, (x1 - x0) / 40))
    lines = [f"{plan.layer}: {plan.material} {plan.mode} ({plan.polarity})",
             f"{plan.loading_mg_cm2:g} mg/cm² x {plan.area_cm2:.4g} cm² = {plan.mass_mg:.4g} mg",
             f"Q = {plan.charge_c:.4g} C   I = {plan.current_ma:.4g} mA   t = {plan.time_s:.0f} s"]
    for i, text in enumerate(lines):
        x, y = frame.point(x0, y0 - 1.0 - (i + 1) * size * 1.5)
        dwg.add(dwg.text(text, insert=(x, y), font_size=size, font_family="sans-serif"))
    return dwg.tostring()
