"""Self-rolled (3-D) Swiss-roll devices: turns and diameter from a strip, and the flat strip.

A strained bilayer strip of thickness ``t`` released from its sacrificial layer rolls up round a
core of radius ``r0`` (Qu et al.'s Swiss-roll micro-battery). Its core-side face follows the
Archimedean spiral ``r(θ) = r0 + b·θ`` with ``b = t / 2π`` (each turn lies on the last), so after
``N`` turns the length of that face is exactly

    L = ∫₀^{2πN} √(r² + b²) dθ = (b/2)·[u·√(1 + u²) + asinh u] from u₀ = r0/b to u₁ = u₀ + 2πN,

which for ``t ≪ r0`` is ``π·N·(2·r0 + N·t)`` (the radial term b² dropped; relative error about
(b/r)²/2, well under 10⁻⁶ for micro-rolls). The mid-surface of the strip is longer by ``π·N·t``.
The roll's outer diameter is ``2·(r0 + (N + 1)·t)``: its envelope at the free end, where the last
turn's outer face stands one thickness above the turn beneath. All lengths in mm.
"""

from __future__ import annotations

import math
from typing import Any

from shapely.geometry import box

from ..errors import ParameterError, require
from ..regions import Layout


def roll_length(turns: float, *, thickness: float, core_radius: float) -> float:
    """Exact length (mm) of the strip's core-side face after ``turns`` turns."""
    require(turns >= 0, "turns", f"{turns:g} is out of range (must be >= 0)")
    _check(thickness, core_radius)
    b = thickness / (2.0 * math.pi)
    u0 = core_radius / b
    u1 = u0 + 2.0 * math.pi * turns
    return 0.5 * b * (_primitive(u1) - _primitive(u0))


def roll_length_approx(turns: float, *, thickness: float, core_radius: float) -> float:
    """π·N·(2·r0 + N·t): the length with the spiral's radial term dropped (mm)."""
    return math.pi * turns * (2.0 * core_radius + turns * thickness)


def turns_for_length(length: float, *, thickness: float, core_radius: float) -> float:
    """Turns ``N`` (fractional) a strip ``length`` mm long makes (the inverse of :func:`roll_length`)."""
    require(length > 0, "length", f"{length:g} mm is out of range (must be > 0 mm)")
    _check(thickness, core_radius)
    # the quadratic of the approximation is an excellent start; Newton polishes it
    n = (-2.0 * core_radius + math.sqrt(4.0 * core_radius**2 + 4.0 * thickness * length / math.pi)) \
        / (2.0 * thickness)
    b = thickness / (2.0 * math.pi)
    for _ in range(50):
        f = roll_length(n, thickness=thickness, core_radius=core_radius) - length
        r = core_radius + thickness * n
        dfdn = 2.0 * math.pi * math.sqrt(r * r + b * b)
        step = f / dfdn
        n -= step
        if abs(step) < 1e-13 * max(1.0, n):
            break
    return n


def outer_diameter(turns: float, *, thickness: float, core_radius: float) -> float:
    """Envelope diameter (mm) of a roll of ``turns`` turns: 2·(r0 + (N + 1)·t)."""
    return 2.0 * (core_radius + (turns + 1.0) * thickness)


def solve_roll(*, thickness: float, core_radius: float, length: float | None = None,
               turns: float | None = None, diameter: float | None = None,
               width: float | None = None) -> dict[str, Any]:
    """Given one of strip ``length``, ``turns`` or outer ``diameter`` (mm), the other two and more.

    ``width`` (the strip's width, the roll's height) adds the roll's footprint lying down and
    standing up (mm²).
    """
    given = [k for k, v in (("length", length), ("turns", turns), ("diameter", diameter)) if v is not None]
    if len(given) != 1:
        raise ParameterError("--length", "give exactly one of --length, --turns or --diameter")
    _check(thickness, core_radius)
    if length is not None:
        n = turns_for_length(length, thickness=thickness, core_radius=core_radius)
    elif turns is not None:
        require(turns > 0, "turns", f"{turns:g} is out of range (must be > 0)")
        n = turns
    else:
        assert diameter is not None
        smallest = outer_diameter(0.0, thickness=thickness, core_radius=core_radius)
        require(diameter > smallest, "diameter",
                f"{diameter:g} mm is out of range (must be > {smallest:g} mm, the core plus one layer)")
        n = (diameter / 2.0 - core_radius) / thickness - 1.0
    total = roll_length(n, thickness=thickness, core_radius=core_radius)
    d = outer_diameter(n, thickness=thickness, core_radius=core_radius)
    out: dict[str, Any] = {
        "length_mm": total,
        "length_approx_mm": roll_length_approx(n, thickness=thickness, core_radius=core_radius),
        "mid_surface_length_mm": total + math.pi * n * thickness,
        "turns": n,
        "outer_diameter_mm": d,
        "core_radius_mm": core_radius,
        "thickness_mm": thickness,
    }
    if width is not None:
        out["width_mm"] = width
        out["footprint_lying_mm2"] = d * width
        out["footprint_standing_mm2"] = math.pi * d * d / 4.0
    return out


def strip_layout(length: float, width: float, *, gap: float = 0.1, margin: float = 0.5,
                 pad: float = 1.0, rim: float = 0.05) -> Layout:
    """The flat strip that rolls into the device: bilayer strip, two collector tracks, pads.

    The strip (``active_area``, ``length`` x ``width`` mm) lies along x; it is released from
    ``x = 0`` (the free end, which rolls first) towards the anchored end at ``x = length``, where
    the anode and cathode pads (``pad`` mm long) stay on the substrate. The anode track runs along
    the lower half and the cathode along the upper, ``gap`` mm apart and ``rim`` mm inside the
    strip edges, so each turn carries both electrodes side by side. ``footprint`` is the
    sacrificial layer: the strip and pads grown by ``margin`` mm.
    """
    for name, value in (("length", length), ("width", width), ("gap", gap), ("pad", pad)):
        require(value > 0, name, f"{value:g} mm is out of range (must be > 0 mm)")
    track = (width - gap - 2.0 * rim) / 2.0
    require(track > 0, "gap", f"{gap:g} mm leaves no room for two tracks in a {width:g} mm strip "
                              f"(allowed < {width - 2 * rim:g} mm)")
    y_a = (rim, rim + track)
    y_c = (width - rim - track, width - rim)
    regions = {
        "footprint": box(-margin, -margin, length + pad + margin, width + margin),
        "active_area": box(0.0, 0.0, length, width),
        "anode": box(rim, y_a[0], length, y_a[1]),
        "anode_pad": box(length, y_a[0], length + pad, y_a[1]),
        "cathode": box(rim, y_c[0], length, y_c[1]),
        "cathode_pad": box(length, y_c[0], length + pad, y_c[1]),
    }
    params = {"length": length, "width": width, "gap": gap, "margin": margin, "pad": pad, "rim": rim}
    meta = {"title": "self-rolled Swiss-roll strip (flat)", "free_end": "x = 0",
            "roll_axis": "y"}
    return Layout("swiss-roll-strip", regions, params=params, meta=meta).normalised()


def _primitive(u: float) -> float:
    return u * math.sqrt(1.0 + u * u) + math.asinh(u)


def _check(thickness: float, core_radius: float) -> None:
    require(thickness > 0, "thickness", f"{thickness:g} mm is out of range (must be > 0 mm)")
    require(core_radius > 0, "core-radius", f"{core_radius:g} mm is out of range (must be > 0 mm)")
