"""Toolpath data: ordered polylines, each with its own settings, before any G-code dialect.

Coordinates are millimetres (x, y), in the layout's frame. A :class:`Polyline` is drawn with the
tool working (laser burning, ink flowing); moves between polylines are travels. ``lead_in`` and
``lead_out`` (mm) extend a polyline along its first and last segments with the tool *off* but
moving at the polyline's speed: laser overscan, or a DIW approach move. Settings are a plain dict;
the keys each planner and writer uses are documented there (laser: ``power`` 0..1, ``speed``
mm/min, ``pass`` index, ``z`` mm; DIW: ``tool``, ``flow``, ``layer``...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np


def _as_points(points: Any) -> np.ndarray:
    arr = np.asarray(points, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2 or len(arr) < 1:
        raise ValueError(f"a polyline needs an (n, 2) array of points, got shape {arr.shape}")
    return np.ascontiguousarray(arr[:, :2])


@dataclass(frozen=True, eq=False)
class Polyline:
    """One continuous working move: ``points`` (n, 2) mm, drawn in order, with ``settings``.

    ``closed`` means the last point equals the first (a contour); a closed polyline may be entered
    at any vertex (see :meth:`rotated`). ``lead_in``/``lead_out`` are tool-off extensions in mm.
    """

    points: np.ndarray
    settings: Mapping[str, Any] = field(default_factory=dict)
    closed: bool = False
    lead_in: float = 0.0
    lead_out: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", _as_points(self.points))

    @property
    def start(self) -> np.ndarray:
        """Where the tool arrives (lead-in start), mm."""
        return self._lead(self.points[0], self.points[1] if len(self.points) > 1 else None, self.lead_in)

    @property
    def end(self) -> np.ndarray:
        """Where the tool leaves (lead-out end), mm."""
        return self._lead(self.points[-1], self.points[-2] if len(self.points) > 1 else None,
                          self.lead_out)

    @staticmethod
    def _lead(tip: np.ndarray, inner: np.ndarray | None, length: float) -> np.ndarray:
        if length <= 0 or inner is None:
            return tip
        d = tip - inner
        norm = float(np.hypot(d[0], d[1]))
        return tip if norm == 0 else tip + d / norm * length

    @property
    def length(self) -> float:
        """Working length (tool on), mm."""
        if len(self.points) < 2:
            return 0.0
        return float(np.hypot(*np.diff(self.points, axis=0).T).sum())

    def reversed(self) -> Polyline:
        """The same polyline drawn the other way (leads swap ends)."""
        return self.with_points(self.points[::-1].copy(), lead_in=self.lead_out,
                                lead_out=self.lead_in)

    def with_points(self, points: np.ndarray, *, lead_in: float | None = None,
                    lead_out: float | None = None) -> Polyline:
        """A copy with ``points`` (an (n, 2) float array, taken as it is: no check or copy,
        for the travel order's many re-entered and reversed copies) and, if given, leads."""
        out = object.__new__(Polyline)
        for name, value in (("points", points), ("settings", self.settings),
                            ("closed", self.closed),
                            ("lead_in", self.lead_in if lead_in is None else lead_in),
                            ("lead_out", self.lead_out if lead_out is None else lead_out)):
            object.__setattr__(out, name, value)
        return out

    def rotated(self, index: int) -> Polyline:
        """A closed polyline entered at vertex ``index`` instead of 0."""
        if not self.closed or index % (len(self.points) - 1) == 0:
            return self
        m = len(self.points) - 1
        k = index % m
        return self.with_points(np.concatenate((self.points[k:m], self.points[:k + 1])))

    def with_settings(self, **changes: Any) -> Polyline:
        """A copy whose settings have ``changes`` merged in."""
        return replace(self, settings={**self.settings, **changes})

    def translated(self, dx: float, dy: float) -> Polyline:
        """A copy moved by (dx, dy) mm."""
        return replace(self, points=self.points + np.array([dx, dy]))


@dataclass
class Toolpath:
    """Polylines in the order they will be made, plus ``meta`` (operation, region, spot...)."""

    paths: list[Polyline] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Polyline]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __add__(self, other: Toolpath) -> Toolpath:
        return Toolpath([*self.paths, *other.paths], {**self.meta, **other.meta})

    @property
    def is_empty(self) -> bool:
        return not self.paths

    def bounds(self, *, leads: bool = True) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) mm of every point (with lead-in/out ends if ``leads``)."""
        if not self.paths:
            return (0.0, 0.0, 0.0, 0.0)
        parts = [p.points for p in self.paths]
        if leads:
            parts += [np.vstack([p.start, p.end]) for p in self.paths]
        allp = np.vstack(parts)
        return (float(allp[:, 0].min()), float(allp[:, 1].min()),
                float(allp[:, 0].max()), float(allp[:, 1].max()))

    def work_length(self) -> float:
        """Total tool-on length, mm."""
        return sum(p.length for p in self.paths)

    def lead_length(self) -> float:
        """Total tool-off lead-in/out length, mm."""
        return sum(p.lead_in + p.lead_out for p in self.paths if len(p.points) > 1)

    def travel_length(self, *, origin: tuple[float, float] | None = (0.0, 0.0)) -> float:
        """Straight travel between polylines (from ``origin`` if given, not back), mm."""
        return travel_length(self.paths, origin=origin)

    def map(self, func: Callable[[Polyline], Polyline]) -> Toolpath:
        """A new toolpath with ``func`` applied to every polyline."""
        return Toolpath([func(p) for p in self.paths], dict(self.meta))

    def with_settings(self, **changes: Any) -> Toolpath:
        """Every polyline's settings updated with ``changes``."""
        return self.map(lambda p: p.with_settings(**changes))

    def filter(self, pred: Callable[[Polyline], bool]) -> Toolpath:
        """Only the polylines for which ``pred`` is true."""
        return Toolpath([p for p in self.paths if pred(p)], dict(self.meta))


def travel_length(paths: Iterable[Polyline], *, origin: tuple[float, float] | None = (0.0, 0.0)) -> float:
    """Sum of the straight hops from each polyline's end to the next one's start, mm."""
    total = 0.0
    here = None if origin is None else np.asarray(origin, dtype=float)
    for p in paths:
        if here is not None:
            total += float(np.hypot(*(p.start - here)))
        here = p.end
    return total


def polylines_from_coords(coords: Iterable[Any], **settings: Any) -> list[Polyline]:
    """Polylines from sequences of (x, y) points; closed when first == last."""
    out = []
    for c in coords:
        arr = _as_points(c)
        closed = len(arr) > 2 and bool(np.allclose(arr[0], arr[-1]))
        out.append(Polyline(arr, dict(settings), closed=closed))
    return out
