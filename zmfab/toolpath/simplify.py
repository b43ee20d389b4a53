"""Degenerate moves out: points rounded to the output grid, repeats dropped, segments shorter
than the machine's resolution merged into their neighbours.

A vertex is only dropped when it ends a segment shorter than the resolution and lies within half
the resolution of the polyline that is left (every vertex dropped before it is re-checked against
the new segment too), so no point of the path moves more than ``resolution / 2`` (plus the
rounding to ``decimals``, which the G-code words do anyway). The two ends never move; a closed
polyline may first be entered at a neighbouring vertex within twice the resolution of its entry
(:func:`steady_start`), so that its ends do not pin a segment shorter than the resolution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ParameterError

#: Resolution when the machine profile gives none, mm (GRBL machines: 80-800 steps/mm).
DEFAULT_RESOLUTION_MM = 0.01


def resolution_mm(machine: Mapping[str, Any]) -> float:
    """The machine's smallest useful move, mm: its profile's ``resolution_mm``, else one step of
    the coarser of X and Y (``steps_per_mm``, GRBL ``$100``/``$101``), else 0.01 mm."""
    if machine.get("resolution_mm") is not None:
        value = _number(machine["resolution_mm"], "resolution_mm")
        if not 0 < value <= 1:
            raise ParameterError("resolution_mm", f"{value:g} mm is out of range (0 < mm <= 1)")
        return value
    steps = machine.get("steps_per_mm")
    if steps:
        values = [_number(v, "steps_per_mm")
                  for v in (steps[:2] if isinstance(steps, (list, tuple)) else [steps])]
        if not all(1 <= v <= 1e6 for v in values):
            raise ParameterError("steps_per_mm", f"{values} is out of range (1..1e6 steps/mm)")
        return 1.0 / min(values)
    return DEFAULT_RESOLUTION_MM


def _number(value: Any, field: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ParameterError(field, f"{value!r} is not a number") from None
    if not math.isfinite(out):
        raise ParameterError(field, f"{value!r} is not a finite number")
    return out


def _deviation(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from ``p`` to the segment ``a``-``b``, mm."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    den = dx * dx + dy * dy
    t = 0.0 if den == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / den))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def simplify_points(points: np.ndarray, *, resolution: float = DEFAULT_RESOLUTION_MM,
                    decimals: int | None = None) -> np.ndarray:
    """``points`` (n, 2) mm rounded to ``decimals`` (None: as they are), without repeated points
    and with segments shorter than ``resolution`` mm merged (see the module docstring).

    A polyline shorter than the resolution end to end collapses to its two ends, or to one
    point when they coincide.
    """
    pts = np.asarray(points, dtype=float)[:, :2]
    if decimals is not None:
        pts = np.round(pts, decimals) + 0.0  # + 0.0: no -0
    if len(pts) > 1:
        pts = pts[np.r_[True, np.any(pts[1:] != pts[:-1], axis=1)]]
    if len(pts) <= 2 or resolution <= 0:
        return pts
    seg = np.hypot(*np.diff(pts, axis=0).T)
    if seg.min() >= resolution:
        return pts
    tol = resolution / 2
    xy = [(float(x), float(y)) for x, y in pts]
    kept = [0]
    dropped: list[int] = []
    last = len(xy) - 1
    for i in range(1, last):
        a, p, nxt = xy[kept[-1]], xy[i], xy[i + 1]
        short = (math.hypot(p[0] - a[0], p[1] - a[1]) < resolution
                 or math.hypot(nxt[0] - p[0], nxt[1] - p[1]) < resolution)
        if short and all(_deviation(xy[j], a, nxt) <= tol for j in (*dropped, i)):
            dropped.append(i)
            continue
        kept.append(i)
        dropped = []
    kept.append(last)
    out = pts[kept]
    if len(out) == 2 and not np.any(out[0] != out[1]):
        out = out[:1]
    return out


#: :func:`steady_start` looks this many vertices either way round a ring.
STEADY_REACH = 8


def steady_start(points: np.ndarray, *, resolution: float = DEFAULT_RESOLUTION_MM) -> np.ndarray:
    """A closed polyline ``points`` (first = last) entered at the nearest vertex within twice
    ``resolution`` mm of its entry whose segments either side are both at least ``resolution``
    long (the same ring: only the hop to it changes, by at most that), or as it is when its
    entry's own segments are long enough or no such vertex is near."""
    pts = np.asarray(points, dtype=float)
    ring = pts[:-1]
    m = len(ring)
    if m < 4 or not np.array_equal(pts[0], pts[-1]):
        return pts
    seg = np.hypot(*(np.roll(ring, -1, axis=0) - ring).T)  # seg[i]: vertex i to i + 1
    if seg[0] >= resolution and seg[-1] >= resolution:
        return pts
    for step in range(1, min(STEADY_REACH, m // 2) + 1):
        for k in (step % m, -step % m):
            if (seg[k] >= resolution and seg[k - 1] >= resolution
                    and math.hypot(*(ring[k] - ring[0])) <= 2 * resolution):
                return np.vstack([ring[k:], ring[:k], ring[k:k + 1]])
    return pts
