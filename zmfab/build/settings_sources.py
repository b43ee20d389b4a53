"""Where each setting of a stack layer comes from: the profiles and design tables, in order.

The tiers are those the planners merge, later winning: for a laser layer the process profile
(``spot_mm``, ``air_assist`` and its ``[<op>]`` table), the material's ``[laser.<op>]``, the
design's ``[laser]`` and the layer's own keys; for an ink-writing layer the process profile, the
machine profile, the material's ``[diw]``, the design's ``[diw]`` and the layer; for any other
method the process profile and the layer. The run sheet prints each winning value with its tier.
"""

from __future__ import annotations

from typing import Any

#: Keys of profiles that describe rather than set (never listed as settings).
DESCRIPTIVE = frozenset({"description", "method", "dialect", "name", "source", "role", "title"})
#: Machine-profile keys that belong to an ink-writing recipe (besides any the process also sets);
#: the rest (bed size, homing, tool offsets) are facts of the machine, not settings of a layer.
DIW_MACHINE_RECIPE = frozenset({"flow_driver", "syringe_diameter", "flow_ul_per_s", "pressure_kpa",
                                "nozzle", "extrusion_multiplier", "valve"})
#: Keys of a laser process profile that become settings under another name.
LASER_RENAMES = {"spot_mm": "spot", "air_assist": "air"}


def layer_tiers(layer: dict[str, Any], *, design: Any, profiles: Any, op: str | None = None,
                machine: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(label, scalar settings) of every tier for report stack entry ``layer``, lowest first."""
    method = str(layer.get("method", ""))
    process = str(layer.get("process") or "")
    material = layer.get("material")
    proc = _profile(profiles, "processes", process)
    mat = _profile(profiles, "materials", material)
    sections = getattr(design, "sections", {}) or {}
    tiers: list[tuple[str, dict[str, Any]]] = []
    if method == "laser":
        base = {LASER_RENAMES[k]: v for k, v in proc.items() if k in LASER_RENAMES}
        tiers.append((f"process {process}", base))
        if op:
            tiers.append((f"process {process} [{op}]", _scalars(proc.get(op, {}))))
            tiers.append((f"material {material} [laser.{op}]",
                          _scalars((mat.get("laser") or {}).get(op, {}))))
        tiers.append(("design [laser]", _scalars(sections.get("laser", {}))))
    elif method == "diw":
        tiers.append((f"process {process}", _scalars(proc)))
        if machine:
            mach = _scalars(_profile(profiles, "machines", machine))
            tiers.append((f"machine {machine}",
                          {k: v for k, v in mach.items() if k in proc or k in DIW_MACHINE_RECIPE}))
        tiers.append((f"material {material} [diw]", _scalars(mat.get("diw", {}))))
        tiers.append(("design [diw]", _scalars(sections.get("diw", {}))))
    else:
        tiers.append((f"process {process}", _scalars(proc)))
    tiers.append((f"stack layer {layer.get('name')!r}", _scalars(layer.get("settings", {}))))
    return tiers


def settings_with_sources(tiers: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str, str]]:
    """(key, value as text, source) of every key of ``tiers``, the last tier holding it winning."""
    won: dict[str, tuple[Any, str]] = {}
    for label, values in tiers:
        for key, value in values.items():
            won[key] = (value, label)
    return [(key, _text(value), source) for key, (value, source) in won.items()]


def _profile(profiles: Any, kind: str, name: Any) -> dict[str, Any]:
    if not name or profiles is None or str(name) not in profiles.names(kind):
        return {}
    return profiles.get(kind, str(name))


def _scalars(table: Any) -> dict[str, Any]:
    """The settings of a table: its values that are not sub-tables, less descriptive keys."""
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if not isinstance(v, dict) and k not in DESCRIPTIVE}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)
