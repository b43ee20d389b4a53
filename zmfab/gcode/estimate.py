"""Job time and length estimates with a trapezoidal motion model (not distance / feed).

Each straight move accelerates at the machine's acceleration up to its feed (rapids: the axes'
maximum rates), cruises and decelerates, all limited per axis by the profile. Corners use GRBL's
junction-deviation rule: the speed through a corner of angle θ between moves is
``v² = a · δ · sin(θ/2) / (1 - sin(θ/2))`` (δ = ``junction_deviation_mm``, GRBL ``$11``), so
straight-on moves keep their speed, right angles slow down and reversals stop. Then one backward
and one forward pass make every move's entry and exit speeds reachable, as GRBL's planner does
(with an unbounded look-ahead). Dwells and pauses stop the machine; a pause counts as 0 s.

Profile keys read (GRBL profiles / Marlin profiles): ``max_rate_mm_min`` [x, y, z] or
``max_feed`` (a speed); ``acceleration_mm_s2`` [x, y, z] or ``acceleration`` (default
1000 mm/s²); ``junction_deviation_mm`` (default 0.01); ``bed_mm`` or ``bed``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..units import parse_length, parse_speed
from .parse import Move, Program

DEFAULT_ACCEL = 1000.0       # mm/s²
DEFAULT_RATE = 6000.0        # mm/min
DEFAULT_JUNCTION = 0.01      # mm


@dataclass(frozen=True)
class Limits:
    """Per-axis maximum rates (mm/s), accelerations (mm/s²) and the junction deviation (mm)."""

    rate: tuple[float, float, float] = (DEFAULT_RATE / 60,) * 3
    accel: tuple[float, float, float] = (DEFAULT_ACCEL,) * 3
    junction: float = DEFAULT_JUNCTION


def _triple(value: Any, convert) -> tuple[float, float, float]:
    if isinstance(value, (list, tuple)):
        items = [convert(v) for v in value] + [convert(value[-1])] * 3
        return (items[0], items[1], items[2])
    v = convert(value)
    return (v, v, v)


def machine_limits(profile: Mapping[str, Any] | None) -> Limits:
    """The motion limits a machine profile states (defaults where it is silent)."""
    p = profile or {}
    if "max_rate_mm_min" in p:
        rate = _triple(p["max_rate_mm_min"], lambda v: float(v) / 60.0)
    elif "max_feed" in p:
        rate = _triple(p["max_feed"], lambda v: parse_speed(v, field="max_feed") / 60.0)
    else:
        rate = (DEFAULT_RATE / 60.0,) * 3
    if "acceleration_mm_s2" in p:
        accel = _triple(p["acceleration_mm_s2"], float)
    elif "acceleration" in p:
        accel = _triple(p["acceleration"], lambda v: float(str(v).split("mm")[0]))
    else:
        accel = (DEFAULT_ACCEL,) * 3
    return Limits(rate, accel, float(p.get("junction_deviation_mm", DEFAULT_JUNCTION)))


def bed_size(profile: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """(width, depth) of the bed in mm, from ``bed_mm`` or ``bed``, or None."""
    p = profile or {}
    if "bed_mm" in p:
        return float(p["bed_mm"][0]), float(p["bed_mm"][1])
    if "bed" in p:
        return (parse_length(p["bed"][0], field="bed"), parse_length(p["bed"][1], field="bed"))
    return None


def block_times(moves: Sequence[Move], limits: Limits) -> np.ndarray:
    """Seconds each move takes (dwells included) under the trapezoidal model."""
    n = len(moves)
    if n == 0:
        return np.zeros(0)
    d = np.array([[m.x1 - m.x0, m.y1 - m.y0, m.z1 - m.z0] for m in moves])
    length = np.sqrt((d ** 2).sum(axis=1))
    rate = np.array(limits.rate)
    acc = np.array(limits.accel)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(length[:, None] > 0, d / np.where(length > 0, length, 1.0)[:, None], 0.0)
        au = np.abs(u)
        cap = np.where(au > 1e-12, rate / np.where(au > 1e-12, au, 1.0), np.inf).min(axis=1)
        a = np.where(au > 1e-12, acc / np.where(au > 1e-12, au, 1.0), np.inf).min(axis=1)
    feed = np.array([m.feed for m in moves]) / 60.0
    rapid = np.array([m.rapid for m in moves])
    v_nom = np.where(rapid | (feed <= 0), cap, np.minimum(feed, cap))
    a = np.where(np.isfinite(a), a, acc.min())
    stop = np.array([m.dwell > 0 or m.pause for m in moves]) | (length <= 1e-12)
    # Junction speeds (entry of move k from move k-1).
    v_j = np.zeros(n)
    if n > 1:
        cos_t = -(u[:-1] * u[1:]).sum(axis=1)
        sin_h = np.sqrt(np.clip(0.5 * (1.0 - cos_t), 0.0, 1.0))
        a_j = np.minimum(a[:-1], a[1:])
        with np.errstate(divide="ignore", invalid="ignore"):
            vj = np.sqrt(np.where(sin_h < 1 - 1e-9, a_j * limits.junction * sin_h / (1 - sin_h), np.inf))
        vj = np.minimum(vj, np.minimum(v_nom[:-1], v_nom[1:]))
        vj[stop[:-1] | stop[1:]] = 0.0
        v_j[1:] = vj
    entry = v_j.copy()
    exit_ = np.append(v_j[1:], 0.0)
    lens, accs = length.tolist(), a.tolist()
    ent, ext = entry.tolist(), exit_.tolist()
    for k in range(n - 1, -1, -1):  # backward: can stop (or reach the next entry) in time
        lim = math.sqrt(ext[k] ** 2 + 2 * accs[k] * lens[k])
        if ent[k] > lim:
            ent[k] = lim
        if k > 0:
            ext[k - 1] = min(ext[k - 1], ent[k])
    for k in range(n):  # forward: can reach the exit speed from the entry speed
        lim = math.sqrt(ent[k] ** 2 + 2 * accs[k] * lens[k])
        if ext[k] > lim:
            ext[k] = lim
        if k + 1 < n:
            ent[k + 1] = min(ent[k + 1], ext[k])
    v0, v1 = np.array(ent), np.array(ext)
    vn = np.maximum(v_nom, np.maximum(v0, v1))
    with np.errstate(divide="ignore", invalid="ignore"):
        da = (vn ** 2 - v0 ** 2) / (2 * a)
        dd = (vn ** 2 - v1 ** 2) / (2 * a)
        cruise = length - da - dd
        t_trap = (vn - v0) / a + (vn - v1) / a + np.where(vn > 0, cruise / vn, 0.0)
        vp = np.sqrt(np.maximum((2 * a * length + v0 ** 2 + v1 ** 2) / 2, 0.0))
        t_tri = (vp - v0) / a + (vp - v1) / a
    t = np.where(cruise >= 0, t_trap, t_tri)
    t = np.where(length > 1e-12, t, 0.0)
    # Moves of the E axis alone (retract, prime) at their feed.
    e_only = np.array([(ln <= 1e-12) and m.extrude != 0 for ln, m in zip(length, moves, strict=True)])
    if e_only.any():
        ef = np.where(feed > 0, feed, 1.0)
        t = t + np.where(e_only, np.abs([m.extrude for m in moves]) / ef, 0.0)
    t = t + np.array([m.dwell for m in moves])
    return np.nan_to_num(t, nan=0.0, posinf=0.0)


def cutter_times(moves: Sequence[Move]) -> np.ndarray:
    """Seconds each move of a drag-knife cutter takes: its length at its feed (knife up or
    down, the HPGL ``VS`` speed; the cutters' own acceleration is not stated anywhere)."""
    length = np.array([math.hypot(m.x1 - m.x0, m.y1 - m.y0) for m in moves])
    feed = np.array([m.feed for m in moves]) / 60.0
    return np.where(feed > 0, length / np.where(feed > 0, feed, 1.0), 0.0)


def estimate(moves: Program | Sequence[Move], machine_profile: Mapping[str, Any] | None = None,
             *, meta: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Time (s), burn/print/travel lengths (mm), XY bounds (mm) and line count of a job.

    ``moves`` is a parsed :class:`Program` (its header feeds the DIW ink estimate) or a list of
    moves; an HPGL program (:mod:`.hpgl_program`) is timed by :func:`cutter_times` and its
    knife-down length reported as ``cut_mm``. For DIW jobs ``ink_ul`` = {"T0": µL, ...}: with
    a header ``syringe_diameter_mm`` the positive E of printing moves times the plunger area;
    with ``flow_ul_per_s`` the time the valve is open times that flow.
    """
    prog = moves if isinstance(moves, Program) else None
    items = list(prog.moves if prog else moves)
    head = dict(meta or (prog.meta if prog else {}))
    if prog is not None and prog.dialect == "hpgl":
        t = cutter_times(items)
    else:
        t = block_times(items, machine_limits(machine_profile))
    burn = print_ = cut = travel = 0.0
    xs: list[float] = []
    ys: list[float] = []
    for i, m in enumerate(items):
        ln = math.hypot(m.x1 - m.x0, m.y1 - m.y0)
        if ln > 0 or m.z1 != m.z0:  # the position before the first move is unknown: not counted
            xs += [m.x0, m.x1] if i else [m.x1]
            ys += [m.y0, m.y1] if i else [m.y1]
        if m.laser:
            burn += ln
        elif m.cut:
            cut += ln
        elif m.printing:
            print_ += ln
        else:
            travel += ln
    out: dict[str, Any] = {
        "time_s": round(float(t.sum()), 3),
        "burn_mm": round(burn, 3),
        "print_mm": round(print_, 3),
        "travel_mm": round(travel, 3),
        "bounds_mm": ([round(min(xs), 4), round(min(ys), 4), round(max(xs), 4), round(max(ys), 4)]
                      if xs else [0.0, 0.0, 0.0, 0.0]),
        "lines": prog.lines if prog else len(items),
        "moves": len(items),
        "pauses": sum(1 for m in items if m.pause),
        "dwell_s": round(sum(m.dwell for m in items), 3),
    }
    if cut:
        out["cut_mm"] = round(cut, 3)
    ink = _ink(items, t, head)
    if ink is not None:
        out["ink_ul"] = ink
    return out


def _ink(items: Sequence[Move], t: np.ndarray, head: Mapping[str, str]) -> dict[str, float] | None:
    if "syringe_diameter_mm" in head:
        d = float(str(head["syringe_diameter_mm"]).split()[0])
        area = math.pi * (d / 2) ** 2
        ink: dict[str, float] = {}
        for m in items:  # positive E of printing moves (E-only primes and purges excluded)
            if m.extrude > 0 and m.printing:
                ink[f"T{m.tool}"] = ink.get(f"T{m.tool}", 0.0) + m.extrude * area
        return {k: round(v, 4) for k, v in sorted(ink.items())}
    if "flow_ul_per_s" in head:
        flow = float(str(head["flow_ul_per_s"]).split()[0])
        ink = {}
        for m, dt in zip(items, t.tolist(), strict=True):
            if m.valve:
                ink[f"T{m.tool}"] = ink.get(f"T{m.tool}", 0.0) + dt * flow
        return {k: round(v, 4) for k, v in sorted(ink.items())}
    return None


def format_estimate(est: Mapping[str, Any]) -> str:
    """Human-readable lines of an estimate."""
    b = est["bounds_mm"]
    t = est["time_s"]
    lines = [
        f"time      {int(t // 3600)}:{int(t % 3600 // 60):02d}:{t % 60:05.2f} ({t:.1f} s)",
        f"burn      {est['burn_mm']:.1f} mm" if est.get("burn_mm") else None,
        f"print     {est['print_mm']:.1f} mm" if est.get("print_mm") else None,
        f"cut       {est['cut_mm']:.1f} mm" if est.get("cut_mm") else None,
        f"travel    {est['travel_mm']:.1f} mm",
        f"bounds    x {b[0]:g}..{b[2]:g} mm, y {b[1]:g}..{b[3]:g} mm",
        f"lines     {est['lines']}",
    ]
    for tool, ul in (est.get("ink_ul") or {}).items():
        lines.append(f"ink {tool}    {ul:.3f} µL")
    return "\n".join(x for x in lines if x)
