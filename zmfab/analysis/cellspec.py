"""Read a design's ``[cell]`` table (falling back on its stack layers) into a :class:`CellSpec`.

::

    [cell]
    anode_material = "zn"
    cathode_material = "mno2"
    anode_loading = "10mg/cm2"        # active mass per electrode area ...
    cathode_thickness = "20um"        # ... or a thickness times the density
    cathode_density = "2.5g/cm3"      # default: the material profile's density
    cathode_active_fraction = 0.7     # active share of a thickness-derived mass (default 1)
    voltage = "1.35V"                 # override the material potentials / capacitor window
    target_np = 2.0                   # N/P the anode loading is sized for
    c_rate = 1.0                      # rate of the areal power (zmfab.analysis.power), 1/h

A key missing here is looked up in the stack: the layer whose role is ``anode`` (``cathode``)
gives ``material`` and its ``loading`` or ``thickness`` setting.
"""

from __future__ import annotations

from typing import Any

from ..errors import DesignError, ParameterError, ZmfabError
from ..regions import Layout
from ..units import parse_length
from .electrochem import CellSpec, Electrode
from .materials import (
    AREAL_CAPACITANCE_UNITS,
    DENSITY_UNITS,
    LOADING_UNITS,
    VOLTAGE_UNITS,
    material,
    parse_quantity,
)

ROLE_KEYS = ("material", "loading", "thickness", "density", "active_fraction", "areal_capacitance")
CELL_KEYS: tuple[str, ...] = tuple(f"{r}_{k}" for r in ("anode", "cathode") for k in ROLE_KEYS) + (
    "voltage", "target_np", "c_rate")


def cell_spec(design: Any, layout: Layout, profiles: Any) -> CellSpec:
    """The cell of ``design`` on ``layout``; errors name ``[cell]`` keys and their lines."""
    table = {} if design is None else design.sections.get("cell", {})
    if not isinstance(table, dict):
        raise design.error("cell", "must be a table [cell]")
    for key in table:
        if key not in CELL_KEYS:
            raise _err(design, key, f"unknown key (allowed: {', '.join(CELL_KEYS)})")
    cache: list[list[Any]] = []

    def layers() -> list[Any]:
        if not cache:
            cache.append(_stack_layers(design, layout, profiles))
        return cache[0]

    try:
        anode = _electrode("anode", table, layers, layout, profiles)
        cathode = _electrode("cathode", table, layers, layout, profiles)
        voltage = None if "voltage" not in table else parse_quantity(
            table["voltage"], VOLTAGE_UNITS, field="voltage", default_unit="V")
        target = float(table.get("target_np", 2.0))
        if not target > 0:
            raise ParameterError("target_np", f"{target:g} is out of range (must be > 0)")
    except DesignError:
        raise
    except ParameterError as exc:
        raise _err(design, exc.field, str(exc).split(": ", 1)[1]) from None
    except (TypeError, ValueError) as exc:
        raise _err(design, "target_np", f"not a number ({exc})") from None
    devices, wiring, panel_area = _panel(design, layout)
    footprint = layout.get("footprint").area or _hull_area(layout)
    return CellSpec(anode=anode, cathode=cathode, footprint_mm2=footprint, voltage_v=voltage,
                    target_np=target, devices=devices, wiring=wiring, panel_footprint_mm2=panel_area)


def _err(design: Any, key: str, message: str) -> DesignError:
    if design is None:
        return DesignError(f"cell.{key}", message)
    return design.error(key, message, "cell")


def _electrode(role: str, table: dict[str, Any], layers: Any, layout: Layout,
               profiles: Any) -> Electrode:
    complete = f"{role}_material" in table and any(
        f"{role}_{k}" in table for k in ("loading", "thickness", "areal_capacitance"))
    found = [] if complete else layers()
    layer = next((lay for lay in found if getattr(lay, "role", None) == role), None)
    settings = dict(layer.settings) if layer is not None else {}
    name = table.get(f"{role}_material") or (layer.material if layer is not None else None)
    if not name:
        raise ParameterError(f"{role}_material", f"missing (e.g. {role}_material = "
                             f"\"{'zn' if role == 'anode' else 'mno2'}\")")
    mat = material(profiles, str(name), field=f"{role}_material")
    area = layout.get(role).area or layout.electrode(role).area
    if area <= 0:
        raise ParameterError(f"{role}_material", f"the layout has no {role} region")
    density = mat.density_g_cm3
    if f"{role}_density" in table or "density" in settings:
        raw = table.get(f"{role}_density", settings.get("density"))
        density = parse_quantity(raw, DENSITY_UNITS, field=f"{role}_density", default_unit="g/cm3")
    fraction = float(table.get(f"{role}_active_fraction", settings.get("active_fraction", 1.0)))
    if not 0 < fraction <= 1:
        raise ParameterError(f"{role}_active_fraction", f"{fraction:g} is out of range (0 < f <= 1)")
    loading, source = _loading(role, table, settings, density, fraction, layer)
    areal_c = None
    if f"{role}_areal_capacitance" in table:
        if not mat.capacitive:
            raise ParameterError(f"{role}_areal_capacitance",
                                 f"{mat.name} is a battery material (give a loading instead)")
        areal_c = parse_quantity(table[f"{role}_areal_capacitance"], AREAL_CAPACITANCE_UNITS,
                                 field=f"{role}_areal_capacitance", default_unit="mF/cm2")
        source = source or f"cell.{role}_areal_capacitance"
    if loading is None and areal_c is None:
        raise ParameterError(f"{role}_loading", f"missing (give {role}_loading = \"5mg/cm2\", or "
                                                f"{role}_thickness with a density)")
    return Electrode(role=role, material=mat, area_mm2=area, loading_mg_cm2=loading,
                     areal_capacitance_mf_cm2=areal_c, loading_from=source, density_g_cm3=density)


def _loading(role: str, table: dict[str, Any], settings: dict[str, Any], density: float | None,
             fraction: float, layer: Any) -> tuple[float | None, str]:
    """(mg/cm², where it came from): [cell] loading, [cell] thickness, then the stack layer's."""
    where = f"stack layer {layer.name!r}" if layer is not None else ""
    for source, values, label in (("cell", table, f"{role}_"), (where, settings, "")):
        if f"{label}loading" in values:
            value = parse_quantity(values[f"{label}loading"], LOADING_UNITS,
                                   field=f"{role}_loading", default_unit="mg/cm2")
            return value, f"{source}.{label}loading" if source == "cell" else f"{source} loading"
        if f"{label}thickness" in values:
            t_mm = parse_length(values[f"{label}thickness"], field=f"{role}_thickness", positive=True)
            if not density:
                raise ParameterError(f"{role}_density", "missing: a thickness needs a density "
                                                        "(e.g. 2.5g/cm3) or a material that has one")
            loading = t_mm / 10.0 * density * 1000.0 * fraction
            text = f"{t_mm * 1000:g} µm × {density:g} g/cm³" + (f" × {fraction:g}" if fraction != 1 else "")
            return loading, f"{source}: {text}"
    return None, ""


def _stack_layers(design: Any, layout: Layout, profiles: Any) -> list[Any]:
    """The design's stack layers (its family's default stack if it lists none), or none without a
    design or the stack module, or when the default stack does not fit the layout."""
    if design is None:
        return []
    try:
        from ..process.stack import resolve_stack
    except ImportError:  # pragma: no cover - the stack module is another issue's
        return []
    if "stack" in design.sections:
        return list(resolve_stack(design, layout, profiles))
    try:
        return list(resolve_stack(design, layout, profiles))
    except ZmfabError:
        return []


def _panel(design: Any, layout: Layout) -> tuple[int, str, float | None]:
    """(devices, wiring, panel footprint mm² or None) from ``[panel]``."""
    table = {} if design is None else design.sections.get("panel", {})
    if not isinstance(table, dict) or "array" not in table:
        return 1, "none", None
    from ..process.panel import parse_array, parse_pitch

    try:
        nx, ny = parse_array(table["array"], field="array")
        wiring = str(table.get("wiring", "none")).strip().lower()
        if wiring not in ("none", "series", "parallel"):
            raise ParameterError("wiring", f"{wiring!r} is not allowed (use one of none, series, parallel)")
        if "pitch" in table:
            px, py = parse_pitch(table["pitch"], field="pitch")
        else:
            x0, y0, x1, y1 = layout.get("footprint").bounds if "footprint" in layout else layout.bounds
            px, py = x1 - x0, y1 - y0
    except ParameterError as exc:
        raise design.error(exc.field, str(exc).split(": ", 1)[1], "panel") from None
    return nx * ny, wiring, nx * ny * px * py


def _hull_area(layout: Layout) -> float:
    return layout.electrode("anode").union(layout.electrode("cathode")).convex_hull.area
