"""Panels: N x M copies of a device on one substrate, optionally wired in series or in parallel.

Traces run on a Manhattan grid: each pad leaves its device vertically (up when it sits in the
device's upper half) to a track in the street between rows, tracks meet in the channels between
columns, and the return from the end of one row to the start of the next runs along the middle
track of the street. Devices are wired in raster order (left to right, bottom row first): in
series the cathode pad of one cell goes to the anode pad of the next (n cells of Zn//MnO2 at
1.2-1.8 V each give n times the voltage); in parallel one bus joins all anodes (left channel)
and one all cathodes (right channel). A routing whose traces would touch is refused with the
pitch it needs.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, box
from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from ..regions import Layout, union_all
from ..regions.merge import merge
from ..units import parse_length
from .tiling import Tiling, tile

WIRINGS: tuple[str, ...] = ("none", "series", "parallel")
MAX_COUNT = 100
_ARRAY = re.compile(r"^\s*(\d+)\s*[xX×*]\s*(\d+)\s*$")


def parse_array(text: str, *, field: str = "--array") -> tuple[int, int]:
    """``"4x3"`` -> (4, 3): columns x rows, each 1..100."""
    m = _ARRAY.match(str(text))
    if not m:
        raise ParameterError(field, f"{text!r} is not COLUMNSxROWS (e.g. 4x3; each 1..{MAX_COUNT})")
    nx, ny = int(m.group(1)), int(m.group(2))
    for n in (nx, ny):
        if not 1 <= n <= MAX_COUNT:
            raise ParameterError(field, f"{text!r} is out of range (columns and rows 1..{MAX_COUNT})")
    return nx, ny


def parse_pitch(value: Any, *, field: str = "--pitch") -> tuple[float, float]:
    """``"15mm"`` -> (15, 15); ``"15mm,12mm"`` or ``["15mm", "12mm"]`` -> (15, 12); each > 0."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"\s*[,;]\s*", str(value).strip())
    if len(items) not in (1, 2):
        raise ParameterError(field, f"{value!r} is not PITCH or PITCH_X,PITCH_Y (lengths > 0)")
    pitches = [parse_length(v, field=field, positive=True) for v in items]
    return (pitches[0], pitches[-1])


def panel(layout: Layout, nx: int, ny: int, pitch_x: float, pitch_y: float, *,
          wiring: str = "none", trace_width: float = 0.4, clearance: float | None = None) -> Layout:
    """``nx`` x ``ny`` copies of ``layout`` at ``pitch_x``, ``pitch_y`` mm, wired as ``wiring``.

    Regions of all devices are merged; traces form the region ``interconnect`` (``trace_width``
    mm wide, ``clearance`` mm from anything they must not touch, default ``trace_width``).
    ``meta`` gets ``devices`` (column, row, dx, dy), ``nets`` and ``cell_active_areas``.
    """
    for name, n in (("columns", nx), ("rows", ny)):
        if not isinstance(n, int) or not 1 <= n <= MAX_COUNT:
            raise ParameterError("--array", f"{name} {n!r} out of range (1..{MAX_COUNT})")
    if wiring not in WIRINGS:
        raise ParameterError("--wiring", f"{wiring!r} is not allowed (use one of {', '.join(WIRINGS)})")
    if trace_width <= 0:
        raise ParameterError("trace_width", f"{trace_width:g} mm is out of range (must be > 0 mm)")
    fx0, fy0, fx1, fy1 = layout.get("footprint").bounds if "footprint" in layout else layout.bounds
    w, h = fx1 - fx0, fy1 - fy0
    for axis, pitch, size in (("x", pitch_x, w), ("y", pitch_y, h)):
        if not pitch >= size - 1e-9:
            raise ParameterError("--pitch", f"{pitch:g} mm in {axis} is smaller than the device "
                                            f"(allowed >= {size:g} mm, its footprint)")
    offsets = [(c, r, c * pitch_x, r * pitch_y) for r in range(ny) for c in range(nx)]
    shifts = np.array([(dx, dy) for _, _, dx, dy in offsets], dtype=float)
    nets: list[dict[str, Any]] = []
    regions: dict[str, BaseGeometry] = {}
    if wiring != "none" and nx * ny > 1:
        router = _Router(layout, nx, ny, pitch_x, pitch_y, trace_width,
                         trace_width if clearance is None else clearance)
        nets = router.series() if wiring == "series" else router.parallel()
        regions["interconnect"] = merge(n["geometry"] for n in nets)
    xs = [fx0, fx1 + (nx - 1) * pitch_x]
    ys = [fy0, fy1 + (ny - 1) * pitch_y]
    if "interconnect" in regions:
        ix0, iy0, ix1, iy1 = regions["interconnect"].bounds
        pad = trace_width
        xs += [ix0 - pad, ix1 + pad]
        ys += [iy0 - pad, iy1 + pad]
    sx, sy = -min(xs), -min(ys)
    shifts += (sx, sy)

    def move(g: BaseGeometry) -> BaseGeometry:
        return affinity.translate(g, sx, sy)

    regions = {**{name: merge([tile(geom, shifts)]) for name, geom in layout.regions.items()},
               **{name: move(g) for name, g in regions.items()},
               "footprint": box(0.0, 0.0, max(xs) + sx, max(ys) + sy)}
    cells = list(tile(layout.get("active_area"), shifts).geoms)
    for net in nets:
        net["geometry"], net["touches"] = move(net["geometry"]), move(net["touches"])
        net["path"] = [[(x + sx, y + sy) for x, y in line] for line in net["path"]]
    meta = {**layout.meta, "devices": [[c, r, dx + sx, dy + sy] for c, r, dx, dy in offsets],
            "nets": nets, "wiring": wiring, "cell_active_areas": cells,
            "panel": {"columns": nx, "rows": ny, "cells": nx * ny, "pitch_mm": [pitch_x, pitch_y],
                      "wiring": wiring, "trace_width_mm": trace_width,
                      "cells_in_series": nx * ny if wiring == "series" else 1,
                      "cells_in_parallel": nx * ny if wiring == "parallel" else 1}}
    meta["tiling"] = Tiling(layout, shifts, nx, ny, (pitch_x, pitch_y), dict(regions))
    params = {**layout.params, "panel": meta["panel"]}
    return Layout(layout.family, regions, params, meta)


class _Router:
    """Manhattan traces in the streets (between rows) and channels (between columns)."""

    def __init__(self, layout: Layout, nx: int, ny: int, px: float, py: float, width: float,
                 clearance: float) -> None:
        self.layout, self.nx, self.ny, self.px, self.py = layout, nx, ny, px, py
        self.width, self.clearance = width, clearance
        ext = union_all([layout.electrode("anode"), layout.electrode("cathode")])
        self.ex0, self.ey0, self.ex1, self.ey1 = ext.bounds
        self.gap_x = px - (self.ex1 - self.ex0)
        self.gap_y = py - (self.ey1 - self.ey0)
        self.exit = {which: self._exit(which) for which in ("anode", "cathode")}
        self.slots: dict[int, set[str]] = {}
        self._electrodes: dict[str, BaseGeometry] = {}

    def _exit(self, which: str) -> tuple[float, float, str]:
        pad = self.layout.get(f"{which}_pad")
        if pad.is_empty:
            raise ParameterError("--wiring", f"the layout has no {which}_pad to wire")
        c = pad.centroid
        direction = "up" if c.y >= (self.ey0 + self.ey1) / 2 else "down"
        edge = self.ey1 if direction == "up" else self.ey0
        start = pad.bounds[3] if direction == "up" else pad.bounds[1]
        other = self.layout.electrode("cathode" if which == "anode" else "anode")
        ray = LineString([(c.x, start), (c.x, edge)])
        if abs(edge - start) > 1e-9 and ray.distance(other) < self.width / 2 + self.clearance:
            raise ParameterError("--wiring", f"the {which} pad cannot reach the {direction} edge of the "
                                             "device without crossing the other electrode")
        return c.x, c.y, direction

    def _street(self, row: int, which: str) -> tuple[int, str]:
        """(street index, slot) a pad of ``which`` in ``row`` exits to; street s is below row s."""
        direction = self.exit[which][2]
        return (row + 1, "lower") if direction == "up" else (row, "upper")

    def _track_y(self, street: int, slot: str) -> float:
        used = [s for s in ("lower", "middle", "upper") if s in self.slots.get(street, set())]
        lo = self.ey1 + (street - 1) * self.py
        i = used.index(slot)
        return lo + self.gap_y * (i + 1) / (len(used) + 1)

    def _channel_x(self, index: int) -> float:
        return self.ex1 + (index - 1) * self.px + self.gap_x / 2

    def _pad(self, which: str, col: int, row: int) -> tuple[float, float]:
        x, y, _ = self.exit[which]
        return x + col * self.px, y + row * self.py

    def series(self) -> list[dict[str, Any]]:
        order = [(c, r) for r in range(self.ny) for c in range(self.nx)]
        plans = []
        for k in range(len(order) - 1):
            (_, ra), (_, rb) = order[k], order[k + 1]
            sa, sb = self._street(ra, "cathode"), self._street(rb, "anode")
            turn = rb != ra
            for s, slot in (sa, sb):
                self.slots.setdefault(s, set()).add(slot)
            if turn:
                self.slots.setdefault(ra + 1, set()).add("middle")
            plans.append((order[k], order[k + 1], sa, sb, turn))
        nets = []
        for a, b, sa, sb, turn in plans:
            ax, ay = self._pad("cathode", *a)
            bx, by = self._pad("anode", *b)
            ya, yb = self._track_y(*sa), self._track_y(*sb)
            if turn:
                xr, xl = self._channel_x(self.nx), self._channel_x(0)
                ym = self._track_y(a[1] + 1, "middle")
                pts = [(ax, ay), (ax, ya), (xr, ya), (xr, ym), (xl, ym), (xl, yb), (bx, yb), (bx, by)]
            elif sa == sb:
                pts = [(ax, ay), (ax, ya), (bx, ya), (bx, by)]
            else:
                xc = self._channel_x(b[0])
                pts = [(ax, ay), (ax, ya), (xc, ya), (xc, yb), (bx, yb), (bx, by)]
            touches = union_all([self._device("cathode", *a), self._device("anode", *b)])
            net = self._net(f"{_name(a)}-{_name(b)}", pts, touches)
            net["cells"] = [("cathode", *a), ("anode", *b)]
            nets.append(net)
        self._validate(nets)
        return nets

    def parallel(self) -> list[dict[str, Any]]:
        for which in ("anode", "cathode"):
            for r in range(self.ny):
                s, slot = self._street(r, which)
                self.slots.setdefault(s, set()).add(slot)
        nets = []
        for which, bus_x in (("anode", self._channel_x(0)), ("cathode", self._channel_x(self.nx))):
            lines, ys = [], []
            for r in range(self.ny):
                y = self._track_y(*self._street(r, which))
                ys.append(y)
                xs = [self._pad(which, c, r)[0] for c in range(self.nx)]
                far = max(xs) if which == "anode" else min(xs)
                lines.append([(bus_x, y), (far, y)])
                lines += [[self._pad(which, c, r), (x, y)] for c, x in enumerate(xs)]
            if len(ys) > 1:
                lines.append([(bus_x, min(ys)), (bus_x, max(ys))])
            geom = union_all(_trace(p, self.width) for p in lines)
            cells = [(which, c, r) for r in range(self.ny) for c in range(self.nx)]
            touches = merge(self._device(*cell) for cell in cells)
            nets.append({"name": f"{which} bus", "geometry": geom, "touches": touches, "path": lines,
                         "cells": cells})
        self._validate(nets)
        return nets

    def _device(self, which: str, col: int, row: int) -> BaseGeometry:
        if which not in self._electrodes:
            self._electrodes[which] = self.layout.electrode(which)
        return affinity.translate(self._electrodes[which], col * self.px, row * self.py)

    def _net(self, name: str, pts: list[tuple[float, float]], touches: BaseGeometry) -> dict[str, Any]:
        clean = [p for i, p in enumerate(pts) if i == 0 or (abs(p[0] - pts[i - 1][0]) > 1e-9 or
                                                           abs(p[1] - pts[i - 1][1]) > 1e-9)]
        return {"name": name, "geometry": _trace(clean, self.width), "touches": touches,
                "path": [clean]}

    def _validate(self, nets: list[dict[str, Any]]) -> None:
        """Refuse traces closer than the clearance to each other or to electrodes they don't join."""
        cells = [(w, c, r) for w in ("anode", "cathode") for r in range(self.ny) for c in range(self.nx)]
        parts = [self._device(*cell) for cell in cells]
        tree = shapely.STRtree(parts)
        limit = self.clearance - 1e-9
        for net in nets:
            allowed = set(net["cells"])
            for k in tree.query(net["geometry"], predicate="dwithin", distance=limit):
                if cells[k] not in allowed and net["geometry"].distance(parts[k]) < limit:
                    raise ParameterError("--pitch", f"trace {net['name']} comes closer than "
                                                    f"{self.clearance:g} mm to an electrode it does not "
                                                    f"join; use a pitch of at least {self._needed_pitch()}")
        geoms = [n["geometry"] for n in nets]
        a, b = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=limit)
        if any(i < j for i, j in zip(a, b, strict=True)):
            raise ParameterError("--pitch", f"traces of the {len(nets)}-net wiring come closer than "
                                            f"{self.clearance:g} mm; use a pitch of at least "
                                            f"{self._needed_pitch()}")

    def _needed_pitch(self) -> str:
        tracks = max((len(s) for s in self.slots.values()), default=1)
        street = tracks * self.width + (tracks + 1) * self.clearance
        channel = self.width + 2 * self.clearance
        if self.gap_x >= channel and self.gap_y >= street:
            return ("any pitch: these pad positions need traces that cross (wire in series, or put "
                    "the pads on opposite sides)")
        return (f"{self.ex1 - self.ex0 + channel:.3g},{self.ey1 - self.ey0 + street:.3g} mm "
                f"(x,y) for {self.width:g} mm traces")


def _trace(points: list[tuple[float, float]], width: float) -> BaseGeometry:
    if len(points) < 2:
        return MultiPolygon()
    return LineString(points).buffer(width / 2, cap_style="square", join_style="mitre")


def _name(cell: tuple[int, int]) -> str:
    return f"c{cell[0] + 1}r{cell[1] + 1}"


def panel_from_design(design: Any, layout: Layout, *, array: str | None = None, pitch: Any = None,
                      wiring: str | None = None, trace_width: Any = None) -> Layout:
    """``layout`` as the panel ``[panel]`` of ``design`` asks for (CLI values override it).

    ``[panel]`` keys: ``array = "4x3"``, ``pitch = "15mm"`` (or ``[x, y]``), ``wiring`` (none,
    series, parallel), ``trace_width`` (default 400 µm). Returns ``layout`` when there is no panel.
    """
    table = {} if design is None else design.sections.get("panel", {})
    if not isinstance(table, dict):
        raise design.error("panel", "must be a table [panel]")
    known = {"array", "pitch", "wiring", "trace_width", "clearance"}
    for key in table:
        if key not in known:
            raise design.error(key, f"unknown key (allowed: {', '.join(sorted(known))})", "panel")
    if array is None and "array" not in table:
        if table:
            raise design.error("panel", 'has no array (e.g. array = "4x3")')
        return layout

    def field(key: str, cli: str, parse, value: Any) -> Any:
        if value is not None:
            return parse(value, field=cli)
        try:
            return parse(table[key], field=key)
        except ParameterError as exc:
            raise design.error(key, str(exc).split(": ", 1)[1], "panel") from None

    nx, ny = field("array", "--array", parse_array, array)
    fx0, fy0, fx1, fy1 = layout.get("footprint").bounds
    if pitch is None and "pitch" not in table:
        px, py = fx1 - fx0, fy1 - fy0
    else:
        px, py = field("pitch", "--pitch", parse_pitch, pitch)
    chosen = (wiring or str(table.get("wiring", "none"))).strip().lower()
    if chosen not in WIRINGS:
        shown = "--wiring" if wiring else "wiring"
        if wiring or design is None:
            raise ParameterError(shown, f"{chosen!r} is not allowed (use one of {', '.join(WIRINGS)})")
        raise design.error("wiring", f"{chosen!r} is not allowed (use one of {', '.join(WIRINGS)})", "panel")
    def length(v: Any, field: str) -> float:
        return parse_length(v, field=field, positive=True)

    tw = 0.4 if trace_width is None and "trace_width" not in table else \
        field("trace_width", "--trace-width", length, trace_width)
    clear = table.get("clearance")
    return panel(layout, nx, ny, px, py, wiring=chosen, trace_width=tw,
                 clearance=None if clear is None else parse_length(clear, field="clearance", positive=True))
