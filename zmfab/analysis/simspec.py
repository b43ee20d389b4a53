"""Field-solve settings from a design's ``[simulate]`` table, with command-line values on top.

::

    [simulate]
    electrolyte = "pva-gel"     # a material with ionic_conductivity_s_m (and thickness_mm)
    conductivity = "10mS/cm"    # overrides the electrolyte's (S/m if bare)
    thickness = "100um"         # film thickness
    cells = 250000              # grid cells over the domain's bounding box ...
    resolution = "20um"         # ... or the cell size
    voltage = "1V"              # applied between anode and cathode
    domain = "active_area"      # auto | active_area | footprint | hull
    solver = "auto"             # auto | direct | cg | amg
"""

from __future__ import annotations

from typing import Any

from ..errors import DesignError, ParameterError
from ..units import MAX_LENGTH_MM, parse_length
from .field import FieldSettings
from .materials import CONDUCTIVITY_UNITS, VOLTAGE_UNITS, electrolyte_conductivity, parse_quantity

SIMULATE_KEYS: tuple[str, ...] = ("electrolyte", "conductivity", "thickness", "cells", "resolution",
                                  "voltage", "domain", "solver")
DEFAULT_ELECTROLYTE = "pva-gel"


def field_settings(design: Any, profiles: Any, **overrides: Any) -> FieldSettings:
    """Settings from ``design``'s ``[simulate]`` (if any) with non-None ``overrides`` on top.

    Errors in the table name its key and line; errors in an override name the option
    (``--conductivity``).
    """
    table = {} if design is None else design.sections.get("simulate", {})
    if not isinstance(table, dict):
        raise design.error("simulate", "must be a table [simulate]")
    for key in table:
        if key not in SIMULATE_KEYS:
            raise _err(design, key, f"unknown key (allowed: {', '.join(SIMULATE_KEYS)})")
    chosen = {k: v for k, v in overrides.items() if v is not None}

    def pick(key: str) -> tuple[Any, str, bool]:
        """(value, field name for errors, from the command line?)."""
        if key in chosen:
            return chosen[key], "--" + key, True
        return table.get(key), key, False

    def parse(key: str, parser: Any) -> Any:
        value, name, cli = pick(key)
        if value is None:
            return None
        try:
            return parser(value, name)
        except ParameterError as exc:
            if cli or design is None:
                raise
            raise _err(design, key, str(exc).split(": ", 1)[1]) from None

    electrolyte = parse("electrolyte", lambda v, f: electrolyte_conductivity(profiles, v, field=f))
    sigma_default, h_default = electrolyte or electrolyte_conductivity(profiles, DEFAULT_ELECTROLYTE)
    sigma = parse("conductivity", lambda v, f: parse_quantity(
        v, CONDUCTIVITY_UNITS, field=f, default_unit="S/m"))
    h = parse("thickness", lambda v, f: parse_length(v, field=f, positive=True, maximum=MAX_LENGTH_MM))
    cells = parse("cells", _cells)
    resolution = parse("resolution", lambda v, f: parse_length(v, field=f, positive=True, maximum=MAX_LENGTH_MM))
    voltage = parse("voltage", lambda v, f: parse_quantity(v, VOLTAGE_UNITS, field=f, default_unit="V"))
    values: dict[str, Any] = {
        "conductivity_s_m": sigma if sigma is not None else sigma_default,
        "thickness_mm": h if h is not None else (h_default or 0.1),
    }
    if cells is not None:
        values["cells"] = cells
    if resolution is not None:
        values["resolution_mm"] = resolution
    if voltage is not None:
        values["voltage_v"] = voltage
    for key in ("domain", "solver"):
        value, name, cli = pick(key)
        if value is not None:
            values[key] = str(value).strip().lower().replace("-", "_") if key == "domain" \
                else str(value).strip().lower()
    try:
        return FieldSettings(**values)
    except ParameterError as exc:
        key = exc.field
        if key in chosen or design is None or key not in table:
            raise ParameterError("--" + key if key in chosen else key, str(exc).split(": ", 1)[1]) from None
        raise _err(design, key, str(exc).split(": ", 1)[1]) from None


def _cells(value: Any, field: str) -> int:
    try:
        number = int(str(value).replace("_", "").strip())
    except ValueError:
        raise ParameterError(field, f"{value!r} is not a whole number (allowed 100..20000000)") from None
    if not 100 <= number <= 20_000_000:
        raise ParameterError(field, f"{number} is out of range (allowed 100..20000000)")
    return number


def _err(design: Any, key: str, message: str) -> DesignError:
    return design.error(key, message, "simulate")
