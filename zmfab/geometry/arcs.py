"""Circles and arcs as polygons whose chords never move an edge into a gap.

An edge that bounds material from the outside (a disc's rim) is inscribed: its vertices lie on the
circle and its chords fall inside by at most the tolerance. An edge that bounds material from the
inside (a ring's hole) is circumscribed: its chords touch the circle from outside, so the hole is
never smaller than asked. Either way the gap to a neighbour grows by at most the tolerance.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Polygon

from .fields import segments_for_arc


def circle_points(radius: float, *, tolerance: float, outside: bool = False,
                  cx: float = 0.0, cy: float = 0.0) -> np.ndarray:
    """(N, 2) vertices of a circle; ``outside`` circumscribes (chords tangent to the circle)."""
    n = segments_for_arc(radius, 2 * math.pi, tolerance)
    theta = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    r = radius / math.cos(math.pi / n) if outside else radius
    return np.column_stack([cx + r * np.cos(theta), cy + r * np.sin(theta)])


def disc(radius: float, *, tolerance: float, outside: bool = False,
         cx: float = 0.0, cy: float = 0.0) -> Polygon:
    """A disc; inscribed by default, circumscribed with ``outside``."""
    return Polygon(circle_points(radius, tolerance=tolerance, outside=outside, cx=cx, cy=cy))


def ring(r_inner: float, r_outer: float, *, tolerance: float) -> Polygon:
    """An annulus whose rim is inscribed and whose hole is circumscribed (never thicker than asked)."""
    outer = circle_points(r_outer, tolerance=tolerance / 2)
    if r_inner <= 0:
        return Polygon(outer)
    inner = circle_points(r_inner, tolerance=tolerance / 2, outside=True)
    return Polygon(outer, [inner[::-1]])
