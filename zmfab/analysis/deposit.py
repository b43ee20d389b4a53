"""Electrodeposition by Faraday's law: the charge, current and time that grow a layer's loading.

For a deposit of ``loading`` mg/cm² over the electrode area A, the mass is m = loading × A and
the charge Q = m n F / (M η) (n electrons per formula unit, M its molar mass, η the current
efficiency). Galvanostatic: I = j A at the current density j, t = Q / I. Potentiostatic: the
potential is held until the charge Q has passed; the time is estimated at the same mean current
density. Settings merge process profile (``electrodeposit``) < material ``[electrodeposit]`` <
the layer's keys; every figure is computed once here and read by the report, the CLI and the
step file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError
from .materials import LOADING_UNITS, VOLTAGE_UNITS, parse_quantity

#: Faraday constant (C/mol), CODATA 2018 exact value.
FARADAY = 96485.33212
MODES: tuple[str, ...] = ("galvanostatic", "potentiostatic")
POLARITIES: tuple[str, ...] = ("cathodic", "anodic")
#: unit -> mA/cm² per unit.
CURRENT_DENSITY_UNITS: dict[str, float] = {"mA/cm2": 1.0, "mA/cm²": 1.0, "A/cm2": 1000.0,
                                           "uA/cm2": 1e-3, "µA/cm2": 1e-3, "A/m2": 0.1,
                                           "A/m²": 0.1, "mA/mm2": 100.0}
#: The potentiostatic step's time limit is this many times the estimated time (a safety stop
#: should the current run lower than expected); the charge limit ends the step.
TIME_CAP_FACTOR = 2.0
#: Open-circuit rest before the deposition step (s), logged by the step file.
REST_S = 10.0


@dataclass(frozen=True)
class DepositPlan:
    """The deposition of one layer: what, where, how much and how (SI-ish units in the names)."""

    layer: str
    material: str
    mode: str
    polarity: str
    area_cm2: float
    loading_mg_cm2: float
    electrons: float
    molar_mass_g_mol: float
    current_efficiency: float
    current_density_ma_cm2: float
    potential_v: float | None
    reference: str

    @property
    def mass_mg(self) -> float:
        """Deposited mass (mg)."""
        return self.loading_mg_cm2 * self.area_cm2

    @property
    def charge_c(self) -> float:
        """Charge to pass (C), efficiency included: Q = m n F / (M η)."""
        return (self.mass_mg / 1000.0) * self.electrons * FARADAY / (
            self.molar_mass_g_mol * self.current_efficiency)

    @property
    def current_ma(self) -> float:
        """Current magnitude (mA): the set point (galvanostatic) or the expected mean (potentiostatic)."""
        return self.current_density_ma_cm2 * self.area_cm2

    @property
    def time_s(self) -> float:
        """Deposition time (s) at :attr:`current_ma`."""
        return self.charge_c / (self.current_ma / 1000.0)

    @property
    def sign(self) -> int:
        """IUPAC sign of the current: anodic positive, cathodic negative."""
        return 1 if self.polarity == "anodic" else -1

    def to_dict(self) -> dict[str, Any]:
        """Plain data for report.json and ``zmfab deposit --json``."""
        return {
            "layer": self.layer, "material": self.material, "mode": self.mode,
            "polarity": self.polarity, "area_cm2": round(self.area_cm2, 6),
            "loading_mg_cm2": self.loading_mg_cm2, "mass_mg": round(self.mass_mg, 6),
            "electrons": self.electrons, "molar_mass_g_mol": self.molar_mass_g_mol,
            "current_efficiency": self.current_efficiency,
            "current_density_mA_cm2": self.current_density_ma_cm2,
            "charge_C": round(self.charge_c, 6), "current_mA": round(self.current_ma, 6),
            "time_s": round(self.time_s, 3),
            "potential_V": self.potential_v, "reference": self.reference,
        }


def deposit_settings(profiles: Any, material: str | None, settings: dict[str, Any],
                     *, process: str = "electrodeposit") -> dict[str, Any]:
    """Process profile, the material's ``[electrodeposit]`` table and ``settings``, later winning."""
    raw: dict[str, Any] = {}
    if profiles is not None and process in profiles.names("processes"):
        raw.update(profiles.get("processes", process))
    if material:
        known = profiles.names("materials") if profiles is not None else []
        if material not in known:
            raise ParameterError("material", f"unknown material {material!r} (known: {', '.join(known)})")
        table = profiles.get("materials", material).get("electrodeposit")
        if not isinstance(table, dict):
            able = [n for n in known if isinstance(profiles.get("materials", n).get("electrodeposit"), dict)]
            raise ParameterError("material", f"{material!r} has no [electrodeposit] table "
                                             f"(electrodeposited materials: {', '.join(able)})")
        raw.update(table)
    given = {k: v for k, v in settings.items() if v is not None}
    if "time" in given and "current_density" in given:
        raise ParameterError("time", "give current_density or time, not both (the loading fixes "
                                     "the charge, so either sets the other)")
    if "time" in given:
        raw.pop("current_density", None)
    raw.update(given)
    return raw


def plan_deposit(layer: str, area_mm2: float, raw: dict[str, Any], *,
                 material: str | None = None) -> DepositPlan:
    """The :class:`DepositPlan` of ``layer`` over ``area_mm2`` from merged settings ``raw``.

    Keys: ``loading`` (mg/cm², required), ``electrons``, ``molar_mass_g_mol``,
    ``current_efficiency`` (0..1], ``mode`` (galvanostatic | potentiostatic), ``current_density``
    (mA/cm²) or ``time`` (s, sets the current instead), ``potential_v`` and ``reference``
    (potentiostatic), ``polarity`` (cathodic | anodic).
    """
    if not area_mm2 > 0:
        raise ParameterError(f"{layer}.regions", "the deposit has no area (mm²)")
    if "loading" not in raw:
        raise ParameterError(f"{layer}.loading", 'missing (the deposit per area, e.g. loading = "2mg/cm2")')
    loading = parse_quantity(raw["loading"], LOADING_UNITS, field=f"{layer}.loading",
                             default_unit="mg/cm2")
    electrons = _number(raw, "electrons", layer)
    molar = _number(raw, "molar_mass_g_mol", layer)
    eff = _number(raw, "current_efficiency", layer, default=1.0)
    if eff > 1.0:
        raise ParameterError(f"{layer}.current_efficiency", f"{eff:g} is out of range (0 < η <= 1)")
    mode = _choice(raw.get("mode", "galvanostatic"), MODES, f"{layer}.mode")
    polarity = _choice(raw.get("polarity", "cathodic"), POLARITIES, f"{layer}.polarity")
    area_cm2 = area_mm2 / 100.0
    if raw.get("time") is not None:
        from ..units import parse_duration

        seconds = parse_duration(raw["time"], field=f"{layer}.time")
        if seconds <= 0:
            raise ParameterError(f"{layer}.time", f"{raw['time']!r} is out of range (must be > 0 s)")
        probe = DepositPlan(layer, material or "", mode, polarity, area_cm2, loading, electrons,
                            molar, eff, 1.0, None, "")
        density = probe.charge_c / seconds * 1000.0 / area_cm2
    else:
        if "current_density" not in raw:
            raise ParameterError(f"{layer}.current_density", 'missing (e.g. current_density = "5mA/cm2")')
        density = parse_quantity(raw["current_density"], CURRENT_DENSITY_UNITS,
                                 field=f"{layer}.current_density", default_unit="mA/cm2")
    potential = None
    if mode == "potentiostatic":
        if raw.get("potential_v", raw.get("potential")) is None:
            raise ParameterError(f"{layer}.potential", 'missing for a potentiostatic deposit (e.g. potential = "-1.2V")')
        value = raw.get("potential", raw.get("potential_v"))
        text = str(value).strip()
        negative = text.startswith("-")
        potential = parse_quantity(text.lstrip("+-"), VOLTAGE_UNITS, field=f"{layer}.potential",
                                   default_unit="V", positive=False) * (-1 if negative else 1)
    return DepositPlan(layer, material or "", mode, polarity, area_cm2, loading, electrons, molar,
                       eff, density, potential, str(raw.get("reference", "Ag/AgCl")))


def steps_csv(plan: DepositPlan) -> str:
    """A step table for a potentiostat's sequence import: a rest, then the deposition.

    Columns: step, mode, setpoint, unit, end_condition, end_value, end_unit, max_time_s.
    Currents and charges are signed by the IUPAC convention (anodic positive); a potentiostatic
    step ends on its charge, with a time cap of :data:`TIME_CAP_FACTOR` × the estimate.
    """
    rows = [["step", "mode", "setpoint", "unit", "end_condition", "end_value", "end_unit", "max_time_s"],
            ["1", "open_circuit", "0", "A", "time", f"{REST_S:g}", "s", f"{REST_S:g}"]]
    charge = plan.sign * plan.charge_c
    if plan.mode == "galvanostatic":
        rows.append(["2", "galvanostatic", f"{plan.sign * plan.current_ma / 1000.0:.6g}", "A",
                     "charge", f"{charge:.6g}", "C", f"{plan.time_s:.3f}"])
    else:
        rows.append(["2", f"potentiostatic vs {plan.reference}", f"{plan.potential_v:.4g}", "V",
                     "charge", f"{charge:.6g}", "C", f"{TIME_CAP_FACTOR * plan.time_s:.3f}"])
    return "\n".join(",".join(r) for r in rows) + "\n"


def format_plan(plan: DepositPlan) -> str:
    """Human-readable lines of ``plan`` (what ``zmfab deposit`` prints)."""
    lines = [f"{plan.layer}: {plan.material or 'deposit'} {plan.polarity}, {plan.mode}",
             f"  area {plan.area_cm2:.4g} cm², loading {plan.loading_mg_cm2:g} mg/cm², "
             f"mass {plan.mass_mg:.4g} mg",
             f"  n = {plan.electrons:g} e⁻, M = {plan.molar_mass_g_mol:g} g/mol, "
             f"efficiency {plan.current_efficiency:.0%}",
             f"  charge {plan.charge_c:.4g} C, current {plan.current_ma:.4g} mA "
             f"({plan.current_density_ma_cm2:.4g} mA/cm²), time {plan.time_s:.1f} s "
             f"({plan.time_s / 60:.1f} min)"]
    if plan.mode == "potentiostatic":
        lines.append(f"  hold {plan.potential_v:+.3g} V vs {plan.reference} until {plan.charge_c:.4g} C "
                     f"(time at the expected current; cap {TIME_CAP_FACTOR:g}x)")
    return "\n".join(lines)


def _number(raw: dict[str, Any], key: str, layer: str, *, default: float | None = None) -> float:
    value = raw.get(key, default)
    if value is None:
        raise ParameterError(f"{layer}.{key}", "missing (set it on the layer or in the material's "
                                               "[electrodeposit] table)")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{layer}.{key}", f"{value!r} is not a number") from None
    if isinstance(value, bool) or not number > 0:
        raise ParameterError(f"{layer}.{key}", f"{value!r} is out of range (must be > 0)")
    return number


def _choice(value: Any, choices: tuple[str, ...], field: str) -> str:
    text = str(value).strip().lower()
    if text not in choices:
        raise ParameterError(field, f"{value!r} is not allowed (use {' or '.join(choices)})")
    return text


def layer_deposit(layer: Any, profiles: Any, *, settings: dict[str, Any] | None = None) -> DepositPlan:
    """The :class:`DepositPlan` of an ``electrodeposit`` stack layer over its geometry's area."""
    own = {**layer.settings, **(settings or {})}
    raw = deposit_settings(profiles, layer.material, own, process=layer.process)
    return plan_deposit(layer.name, layer.geometry.area, raw, material=layer.material)


def design_deposits(design: Any, profiles: Any, *, layer: str | None = None,
                    settings: dict[str, Any] | None = None) -> list[DepositPlan]:
    """Deposit plans of every ``electrodeposit`` layer of ``design`` (or the one named ``layer``)."""
    from ..drc import design_layout
    from ..process.stack import resolve_stack

    layers = resolve_stack(design, design_layout(design), profiles)
    found = [lay for lay in layers if lay.method == "electrodeposit"]
    if layer is not None:
        found = [lay for lay in found if lay.name == layer]
        if not found:
            names = ", ".join(lay.name for lay in layers if lay.method == "electrodeposit") or "none"
            raise ParameterError("--layer", f"{layer!r} is not an electrodeposit layer (those: {names})")
    if not found:
        raise ParameterError("stack", "the design has no electrodeposit layer "
                                      '(a [[stack]] entry with method = "electrodeposit")')
    return [layer_deposit(lay, profiles, settings=settings) for lay in found]
