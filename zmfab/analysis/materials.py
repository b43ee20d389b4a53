"""Material facts the estimates need, read from material profiles, and the quantities users type.

A material profile (``profiles/materials/<name>.toml``) may give
``specific_capacity_mah_g`` and ``potential_v`` (vs Zn²⁺/Zn) for a battery material,
``specific_capacitance_f_g`` and ``voltage_window_v`` for a capacitive one, ``density_g_cm3``,
``conductivity_s_m`` (electronic) or ``ionic_conductivity_s_m`` (electrolytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError

#: unit -> mg/cm² per unit.
LOADING_UNITS: dict[str, float] = {"mg/cm2": 1.0, "mg/cm²": 1.0, "mg/mm2": 100.0, "mg/mm²": 100.0,
                                   "g/m2": 0.1, "g/m²": 0.1, "ug/cm2": 1e-3, "µg/cm2": 1e-3,
                                   "g/cm2": 1000.0}
#: unit -> g/cm³ per unit.
DENSITY_UNITS: dict[str, float] = {"g/cm3": 1.0, "g/cm³": 1.0, "g/cc": 1.0, "kg/m3": 1e-3,
                                   "kg/m³": 1e-3, "mg/cm3": 1e-3}
#: unit -> mF/cm² per unit.
AREAL_CAPACITANCE_UNITS: dict[str, float] = {"mf/cm2": 1.0, "mf/cm²": 1.0, "f/cm2": 1000.0,
                                             "f/cm²": 1000.0, "uf/cm2": 1e-3, "µf/cm2": 1e-3,
                                             "f/m2": 0.1}
#: unit -> S/m per unit.
CONDUCTIVITY_UNITS: dict[str, float] = {"s/m": 1.0, "ms/cm": 0.1, "s/cm": 100.0, "ms/m": 1e-3}
VOLTAGE_UNITS: dict[str, float] = {"v": 1.0, "mv": 1e-3}

_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(\S*)\s*$")


def parse_quantity(value: Any, units: dict[str, float], *, field: str, default_unit: str,
                   positive: bool = True) -> float:
    """``value`` (number in ``default_unit`` or ``"5mg/cm2"``) in the table's base unit."""
    if isinstance(value, bool):
        raise ParameterError(field, f"expected a number with a unit, got {value!r}")
    if isinstance(value, (int, float)):
        number, unit = float(value), ""
    else:
        m = _QUANTITY.match(str(value))
        if not m:
            raise ParameterError(field, f"cannot read {value!r} as a number with a unit "
                                        f"(e.g. 5{default_unit})")
        number, unit = float(m.group(1)), m.group(2)
    key = unit.lower() if unit else default_unit.lower()
    table = {k.lower(): v for k, v in units.items()}
    if key not in table:
        raise ParameterError(field, f"unknown unit {unit!r} (use one of {', '.join(units)})")
    if positive and not number > 0:
        raise ParameterError(field, f"{value!r} is out of range (must be > 0 {default_unit})")
    if not positive and number < 0:
        raise ParameterError(field, f"{value!r} is out of range (must be >= 0 {default_unit})")
    return number * table[key]


@dataclass(frozen=True)
class Material:
    """An electrode material's facts (per gram of active material)."""

    name: str
    title: str
    role: str
    specific_capacity_mah_g: float | None = None
    potential_v: float | None = None
    specific_capacitance_f_g: float | None = None
    voltage_window_v: float | None = None
    voltage_min_v: float | None = None   # ends of the window vs Zn²⁺/Zn (a hybrid's cell voltages)
    voltage_max_v: float | None = None
    density_g_cm3: float | None = None
    source: str = ""

    @property
    def capacitive(self) -> bool:
        """True for a double-layer / pseudocapacitive material (capacitance, not capacity)."""
        return self.specific_capacity_mah_g is None and self.specific_capacitance_f_g is not None


def material(profiles: Any, name: str, *, field: str) -> Material:
    """The active material ``name`` from ``profiles``; unknown or non-active names are refused."""
    key = str(name).strip().lower()
    known = profiles.names("materials")
    if key not in known:
        raise ParameterError(field, f"unknown material {name!r} (known: {', '.join(known)})")
    data = profiles.get("materials", key)
    active = [n for n in known if _is_active(profiles.get("materials", n))]
    if not _is_active(data):
        raise ParameterError(field, f"{name!r} is not an electrode material (no specific capacity or "
                                    f"capacitance; use one of {', '.join(active)})")

    def num(k: str) -> float | None:
        v = data.get(k)
        return None if v is None else float(v)

    return Material(name=key, title=str(data.get("name", key)), role=str(data.get("role", "")),
                    specific_capacity_mah_g=num("specific_capacity_mah_g"),
                    potential_v=num("potential_v"),
                    specific_capacitance_f_g=num("specific_capacitance_f_g"),
                    voltage_window_v=num("voltage_window_v"), voltage_min_v=num("voltage_min_v"),
                    voltage_max_v=num("voltage_max_v"), density_g_cm3=num("density_g_cm3"),
                    source=str(data.get("source", "")))


def electrolyte_conductivity(profiles: Any, name: str, *, field: str = "electrolyte") -> tuple[float, float | None]:
    """(ionic conductivity S/m, film thickness mm or None) of electrolyte material ``name``."""
    key = str(name).strip().lower()
    known = profiles.names("materials")
    if key not in known:
        raise ParameterError(field, f"unknown material {name!r} (known: {', '.join(known)})")
    data = profiles.get("materials", key)
    if "ionic_conductivity_s_m" not in data:
        ions = [n for n in known if "ionic_conductivity_s_m" in profiles.get("materials", n)]
        raise ParameterError(field, f"{name!r} has no ionic_conductivity_s_m (electrolytes: {', '.join(ions)})")
    thickness = data.get("thickness_mm")
    return float(data["ionic_conductivity_s_m"]), None if thickness is None else float(thickness)


def _is_active(data: dict[str, Any]) -> bool:
    return "specific_capacity_mah_g" in data or "specific_capacitance_f_g" in data
