"""Areal power of a device at a C-rate, from its series resistance.

R = ionic resistance of the electrolyte film (the field solver, :mod:`zmfab.analysis.field`)
+ the in-plane resistance of each electrode with the collector under it (:mod:`.sheet`, sheet
conductance σ·t of every conducting stack film over it, σ from the material profile).

At a C-rate r the current is I = r·Q (Q the capacity, 1C empties it in an hour) and the terminal
voltage V − I·R. A battery then delivers P = I·(V − I·R) and E = Q·(V − I·R); a capacitor
discharged at constant current from V − I·R to 0 delivers E = ½·C·(V − I·R)² at the mean power
P = I·(V − I·R)/2. Areal figures use the estimate's footprint, like its areal energy. For a panel
the resistance, current and load voltage are one device's; power and energy are the panel's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ParameterError
from ..regions import Layout

DEFAULT_C_RATE = 1.0
#: Grid for the power estimate's field solve: coarser than `zmfab simulate` (the cut-cell
#: resistance moves < 0.5 % between 4 and 8 cells per gap on the shipped patterns).
POWER_CELLS = 20_000
POWER_CELLS_PER_GAP = 4.0
NON_FILM_ROLES = ("electrolyte", "encapsulation")
MIN_CONDUCTIVITY_S_M = 1e-3


def check_c_rate(value: Any, *, field: str = "c_rate") -> float:
    """A C-rate (1/h) as a float in 0 < r <= 10000, or a ParameterError naming ``field``."""
    try:
        rate = float(str(value).strip().upper().removesuffix("C"))
    except ValueError:
        raise ParameterError(field, f"{value!r} is not a C-rate (e.g. 1, 0.5C, 10C)") from None
    if not (np.isfinite(rate) and 0 < rate <= 10_000):
        raise ParameterError(field, f"{value!r} is out of range (0 < C-rate <= 10000)")
    return rate


def cell_resistance(design: Any, layout: Layout, profiles: Any, est: dict[str, Any]) -> dict[str, Any]:
    """Series resistance of one device (Ω): ionic, anode and cathode parts, and where each came from."""
    from dataclasses import replace

    from .field import solve_field
    from .simspec import field_settings

    settings = field_settings(design, profiles)
    table = {} if design is None else design.sections.get("simulate", {})
    settings = replace(settings, min_cells_per_gap=POWER_CELLS_PER_GAP,
                       cells=settings.cells if "cells" in table else POWER_CELLS)
    field = solve_field(layout, settings=settings).summary
    out: dict[str, Any] = {
        "ionic_ohm": float(field["resistance_ohm"]),
        "ionic_from": (f"field solve: σ = {settings.conductivity_s_m:g} S/m, "
                       f"h = {settings.thickness_mm * 1000:g} µm, {field['cells']} cells"),
        "notes": [],
    }
    layers = _layers(design, layout, profiles)
    for role in ("anode", "cathode"):
        ohm, films, notes = _electrode(role, layout, layers, profiles, est.get(role) or {}, design)
        out[f"{role}_ohm"] = ohm
        out[f"{role}_films"] = films
        out["notes"] += notes
    out["total_ohm"] = out["ionic_ohm"] + out["anode_ohm"] + out["cathode_ohm"]
    return out


def power_at(est: dict[str, Any], resistance_ohm: float, c_rate: float) -> dict[str, float]:
    """Current (mA), load voltage (V), power (mW), energy (mWh) of one device at ``c_rate``,
    and the same per cm² of the estimate's footprint for all its devices."""
    dev = est.get("per_device") or est
    q_ah = float(dev["capacity_mah"]) / 1000.0
    v = float(dev["voltage_v"])
    current = c_rate * q_ah
    v_load = v - current * resistance_ohm
    limit = v / (resistance_ohm * q_ah) if resistance_ohm > 0 and q_ah > 0 else float("inf")
    if v_load <= 0:
        raise ParameterError("c_rate", f"{c_rate:g}C is out of range: the I·R drop exceeds the cell's "
                                       f"{v:g} V (allowed below {limit:.4g}C for R = {resistance_ohm:.4g} Ω)")
    capacitor = "capacitor" in str(est.get("device_type", ""))
    if capacitor:
        power_w = current * v_load / 2.0
        energy_wh = float(dev["energy_mwh"]) / 1000.0 * (v_load / v) ** 2
    else:
        power_w = current * v_load
        energy_wh = q_ah * v_load
    n = int(est.get("devices", 1))
    area_cm2 = float(est["footprint_mm2"]) / 100.0
    return {
        "c_rate": c_rate,
        "current_ma": current * 1000.0,
        "voltage_under_load_v": v_load,
        "power_mw": power_w * 1000.0 * n,
        "energy_at_rate_mwh": energy_wh * 1000.0 * n,
        "areal_power_mw_cm2": power_w * 1000.0 * n / area_cm2,
        "areal_energy_at_rate_mwh_cm2": energy_wh * 1000.0 * n / area_cm2,
        "max_c_rate": limit,
    }


def ragone_curve(est: dict[str, Any], resistance_ohm: float, *, points: int = 50,
                 lowest: float = 0.1) -> np.ndarray:
    """(areal power mW/cm², areal energy mWh/cm²) rows from ``lowest`` C up to the rate of the
    highest power (a matched load, I = V/2R: half the rate at which the I·R drop eats V)."""
    top = power_at(est, resistance_ohm, 1e-9)["max_c_rate"]
    top = min(top / 2.0, 1e6) if np.isfinite(top) else 1e4
    rates = np.geomspace(min(lowest, top / 10), top, points)
    rows = [power_at(est, resistance_ohm, float(r)) for r in rates]
    return np.array([[r["areal_power_mw_cm2"], r["areal_energy_at_rate_mwh_cm2"]] for r in rows])


def add_power(est: dict[str, Any], design: Any, layout: Layout, profiles: Any, *,
              c_rate: float | None = None) -> dict[str, Any]:
    """``est`` with the power figures at ``c_rate`` (default: [cell] c_rate, else 1C) added."""
    rate = c_rate if c_rate is not None else _design_rate(design)
    res = cell_resistance(design, layout, profiles, est)
    fig = power_at(est, res["total_ohm"], rate)
    out = dict(est)
    out.update(fig)
    out["resistance_ohm"] = res["total_ohm"]
    out["resistance"] = res
    v = float((est.get("per_device") or est)["voltage_v"])
    out["areal_power_max_mw_cm2"] = (v * v / (4 * res["total_ohm"]) * 1000.0 * int(est.get("devices", 1))
                                     / (float(est["footprint_mm2"]) / 100.0)) if res["total_ohm"] > 0 else None
    return out


def _design_rate(design: Any) -> float:
    table = {} if design is None else design.sections.get("cell", {})
    if isinstance(table, dict) and "c_rate" in table:
        try:
            return check_c_rate(table["c_rate"])
        except ParameterError as exc:
            raise design.error("c_rate", str(exc).split(": ", 1)[1], "cell") from None
    return DEFAULT_C_RATE


def _layers(design: Any, layout: Layout, profiles: Any) -> list[Any]:
    from ..errors import ZmfabError
    from ..process.stack import resolve_stack

    try:
        return list(resolve_stack(design, layout, profiles))
    except ZmfabError:
        return []


def _electrode(role: str, layout: Layout, layers: list[Any], profiles: Any, est_role: dict[str, Any],
               design: Any) -> tuple[float, list[dict[str, Any]], list[str]]:
    """(Ω, films counted, notes) of one electrode."""
    from .sheet import Film, electrode_resistance

    domain, pad = layout.electrode(role), layout.get(f"{role}_pad")
    if pad.is_empty:
        return 0.0, [], [f"{role}: no {role}_pad region, in-plane resistance not counted"]
    films, shown, notes = [], [], []
    for lay in layers:
        if lay.method == "laser" or lay.role in NON_FILM_ROLES or lay.geometry.is_empty:
            continue
        over = lay.geometry.intersection(domain)
        if over.area < 0.05 * domain.area:
            continue
        sigma = _conductivity(profiles, lay.material)
        if sigma is None:
            notes.append(f"{role}: layer {lay.name!r} ({lay.material}) has no conductivity_s_m, "
                         "not counted")
            continue
        if sigma < MIN_CONDUCTIVITY_S_M:
            continue
        t_mm, t_from = _thickness(lay, role, profiles, est_role, design)
        if t_mm is None:
            notes.append(f"{role}: layer {lay.name!r} has no thickness, not counted")
            continue
        g = sigma * t_mm * 1e-3
        films.append(Film(over, g, lay.name))
        shown.append({"layer": lay.name, "material": lay.material, "conductivity_s_m": sigma,
                      "thickness_um": t_mm * 1000.0, "thickness_from": t_from,
                      "sheet_ohm_sq": 1.0 / g})
    if not films:
        if not notes:
            notes.append(f"{role}: no conducting film with a known conductivity and thickness, "
                         "in-plane resistance not counted")
        return 0.0, shown, notes
    r = electrode_resistance(domain, pad, films)
    if r["connected"] < 0.95:
        notes.append(f"{role}: only {r['connected'] * 100:.0f} % of the electrode is joined to its pad "
                     "by a film")
    return r["resistance_ohm"], shown, notes


def _conductivity(profiles: Any, material: str | None) -> float | None:
    if not material or material not in profiles.names("materials"):
        return None
    value = profiles.get("materials", material).get("conductivity_s_m")
    return None if value is None else float(value)


def _thickness(lay: Any, role: str, profiles: Any, est_role: dict[str, Any],
               design: Any) -> tuple[float | None, str]:
    """(dry film thickness mm, where it came from) of a stack layer."""
    from ..units import parse_length

    s = lay.settings
    if "thickness" in s:
        return parse_length(s["thickness"], field="thickness", positive=True), f"layer {lay.name!r} thickness"
    proc: dict[str, Any] = {}
    if lay.process in profiles.names("processes"):
        proc = profiles.get("processes", lay.process)
    if lay.method == "diw":
        height = parse_length(s.get("layer_height", proc.get("layer_height", "100um")),
                              field="layer_height", positive=True)
        n = int(s.get("layers", proc.get("layers", 1)))
        return n * height, f"{n} layers × {height * 1000:g} µm"
    table = {} if design is None else design.sections.get("cell", {})
    if lay.role == role and isinstance(table, dict) and f"{role}_thickness" in table:
        return (parse_length(table[f"{role}_thickness"], field=f"{role}_thickness", positive=True),
                f"cell.{role}_thickness")
    loading = est_role.get("loading_mg_cm2")
    density = _density(profiles, lay.material)
    if lay.role == role and loading and density:
        return loading / density * 1e-2, f"{loading:g} mg/cm² ÷ {density:g} g/cm³"
    for key in ("wet_thickness_mm", "sheet_thickness_mm"):
        if key in proc:
            return float(proc[key]), f"process {lay.process} {key.removesuffix('_mm')}"
    return None, ""


def _density(profiles: Any, material: str | None) -> float | None:
    if not material or material not in profiles.names("materials"):
        return None
    value = profiles.get("materials", material).get("density_g_cm3")
    return None if value is None else float(value)


def power_step(ctx: Any) -> None:
    """Build step: the power figures at the design's C-rate into ``report["cell"]``.

    Needs a cell estimate (a ``[cell]`` table) and scipy (the ``sim`` extra); otherwise, or when
    the rate is past what the cell's resistance allows, ``report["cell"]["power_skipped"]`` says why.
    """
    est = ctx.report.get("cell")
    if not isinstance(est, dict) or "skipped" in est:
        return
    rate = _design_rate(ctx.design)  # a bad [cell] c_rate stops the build, naming its line
    try:
        import scipy  # noqa: F401
    except ImportError:
        est["power_skipped"] = "needs the sim extra (scipy): pip install 'zmfab[sim]'"
        return
    from ..profiles import Profiles

    profiles = Profiles(ctx.options.get("profiles", []))
    try:
        ctx.report["cell"] = add_power(est, ctx.design, ctx.design.layout(), profiles, c_rate=rate)
    except ParameterError as exc:
        est["power_skipped"] = str(exc)
        ctx.warnings.append(f"cell power not estimated: {exc}")
