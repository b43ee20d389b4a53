"""Design-rule check: every layer of the stack against its process, the substrate and the machine.

Rules are functions registered with ``@drc_rule("name")``; each takes a :class:`CheckContext` and
yields :class:`Violation` objects. The rule modules are listed in :data:`RULE_MODULES`; another
stage adds its own rules by appending its module there (e.g. DIW: a feature narrower than a bead).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..errors import ParameterError
from ..process.stack import Layer, Substrate, resolve_substrate
from ..regions import Layout
from ..units import parse_length

#: Modules whose import registers rules (append yours: ``RULE_MODULES += ("my.module",)``).
RULE_MODULES: tuple[str, ...] = ("zmfab.drc.process_rules", "zmfab.drc.diw_rules",
                                 "zmfab.drc.route_rules")


@dataclass
class Violation:
    """One broken rule: which, on which layer, the value measured and allowed (mm), and where."""

    rule: str
    layer: str
    measured_mm: float
    allowed_mm: float
    where: tuple[float, float]
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain data: rule, layer, measured_mm, allowed_mm, where [x, y] (mm), message."""
        return {"rule": self.rule, "layer": self.layer,
                "measured_mm": round(float(self.measured_mm), 6),
                "allowed_mm": round(float(self.allowed_mm), 6),
                "where": [round(float(self.where[0]), 4), round(float(self.where[1]), 4)],
                "message": self.message}

    def __str__(self) -> str:
        x, y = self.where
        return (f"{self.rule}: {self.layer}: measured {self.measured_mm:.4g} mm, allowed "
                f"{self.allowed_mm:.4g} mm at ({x:.3f}, {y:.3f}) mm" +
                (f" — {self.message}" if self.message else ""))


RuleFunc = Callable[["CheckContext"], Iterable[Violation]]
_RULES: dict[str, RuleFunc] = {}


def drc_rule(name: str) -> Callable[[RuleFunc], RuleFunc]:
    """Register ``func(ctx) -> Iterable[Violation]`` as rule ``name``."""

    def register(func: RuleFunc) -> RuleFunc:
        _RULES[name] = func
        return func

    return register


def rules() -> dict[str, RuleFunc]:
    """Every registered rule (importing :data:`RULE_MODULES` first), in registration order."""
    for module in RULE_MODULES:
        importlib.import_module(module)
    return dict(_RULES)


@dataclass
class CheckContext:
    """What a rule sees: the design (or None), its layout, its layers, profiles and machine."""

    design: Any
    layout: Layout
    layers: list[Layer]
    profiles: Any
    machine_name: str | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    #: Measure every copy of a tiled panel instead of one cell (the reference of the fast path).
    per_copy: bool = False

    def cell(self, x: float, y: float) -> int:
        """The raster index of the panel cell whose pitch box holds (x, y) mm (0 off a panel)."""
        table, devices = self.layout.meta.get("panel"), self.layout.meta.get("devices")
        if not table or not devices:
            return 0
        (px, py), (ox, oy) = table["pitch_mm"], devices[0][2:4]
        nx, ny = table["columns"], table["rows"]
        c = min(max(int(math.floor((x - ox) / px)), 0), nx - 1)
        r = min(max(int(math.floor((y - oy) / py)), 0), ny - 1)
        return r * nx + c

    def spots(self, geom: Any, finder: Callable[[Any, float], list[Any]], limit: float) -> list[Any]:
        """``finder(geom, limit)`` (a :mod:`zmfab.regions.features` finder), measured once per
        cell of a tiled panel unless :attr:`per_copy` (:mod:`zmfab.drc.cells` says why that is
        the same list)."""
        from ..process.tiling import tiling_of
        from .cells import cell_spots

        return cell_spots(geom, limit, finder, None if self.per_copy else tiling_of(self.layout))

    def narrow_feature(self, rule: str, layer: Layer, finder: Callable[[Any, float], list[Any]],
                       probe: float, limit: float, text: str) -> list[Violation]:
        """``rule``'s violation (none or one) where ``finder`` finds ``layer`` narrower than
        ``probe`` mm: the :func:`~.cells.reported` spot, its width against ``limit``, and
        ``text`` followed by how many more spots there are."""
        from .cells import reported

        spots = self.spots(layer.geometry, finder, probe)
        if not spots:
            return []
        s = reported(spots, self.cell)
        return [Violation(rule, layer.name, s.width, limit, (s.x, s.y),
                          f"{text}{more_spots(len(spots))}")]

    @cached_property
    def substrate(self) -> Substrate:
        return resolve_substrate(self.design, self.layout)

    @cached_property
    def machine(self) -> dict[str, Any] | None:
        """The machine profile, or None when the check has no machine."""
        if not self.machine_name:
            return None
        return self.profiles.get("machines", self.machine_name)

    def process(self, layer: Layer) -> dict[str, Any]:
        """The layer's process profile ({} when a cast/spray layer has none)."""
        if self.profiles is None or layer.process not in self.profiles.names("processes"):
            return {}
        return self.profiles.get("processes", layer.process)

    def length(self, layer: Layer, *keys: str, default: float | None = None) -> float | None:
        """The first of ``keys`` in the layer's process profile, in mm (numbers are mm)."""
        return profile_length(self.process(layer), *keys, default=default,
                              where=f"processes.{layer.process}")

    def registration(self, layer: Layer) -> float:
        """The process's layer-to-layer registration tolerance (mm, 0 when unknown)."""
        return self.length(layer, "registration_mm", "registration", default=0.0) or 0.0

    def layer(self, name: str) -> Layer | None:
        return next((lay for lay in self.layers if lay.name == name), None)

    def by_role(self, role: str) -> list[Layer]:
        return [lay for lay in self.layers if lay.role == role]


def more_spots(count: int) -> str:
    """`` (N more spots)`` after the first of ``count`` places a rule found ("" for one)."""
    return f" ({count - 1} more spot{'s' if count > 2 else ''})" if count > 1 else ""


def profile_length(profile: dict[str, Any], *keys: str, default: float | None = None,
                   where: str = "profile") -> float | None:
    """The first of ``keys`` present in ``profile`` as mm (a bare number is mm; strings may carry units)."""
    for key in keys:
        if key in profile:
            value = profile[key]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
            return parse_length(value, field=f"{where}.{key}")
    return default


def machine_bed(machine: dict[str, Any], name: str = "machine") -> tuple[float, float] | None:
    """The (x, y) bed size in mm of a machine profile, whatever spelling it uses."""
    for key in ("bed_mm", "bed_size_mm", "work_area_mm", "bed"):
        value = machine.get(key)
        if isinstance(value, list) and len(value) >= 2:
            return (float(profile_length({"x": value[0]}, "x", where=f"{name}.{key}") or 0.0),
                    float(profile_length({"y": value[1]}, "y", where=f"{name}.{key}") or 0.0))
        if isinstance(value, dict):
            x = profile_length(value, "x_mm", "x", "width_mm", "width", where=f"{name}.{key}")
            y = profile_length(value, "y_mm", "y", "height_mm", "height", where=f"{name}.{key}")
            if x and y:
                return (x, y)
    x = profile_length(machine, "bed_x_mm", "bed_width_mm", "bed_x", "bed_width", "x_max_mm", where=name)
    y = profile_length(machine, "bed_y_mm", "bed_height_mm", "bed_y", "bed_height", "y_max_mm", where=name)
    return (x, y) if x and y else None


def design_machine(design: Any) -> str | None:
    """The machine a design names (``machine = "NAME"`` or ``[machine] name = "NAME"``)."""
    if design is None:
        return None
    value = design.sections.get("machine")
    if isinstance(value, dict):
        value = value.get("name") or value.get("profile")
    return None if value is None else str(value)


def check(design: Any, layout: Layout, layers: list[Layer], profiles: Any, *,
          machine: str | None = None, only: Iterable[str] | None = None, per_copy: bool = False,
          progress: Callable[[int, int, str], None] | None = None) -> list[Violation]:
    """Run every design rule (or the ``only`` ones); return the violations, worst first per rule.

    A tiled panel's line and space rules are measured once per cell (``per_copy`` measures
    every copy: the same findings, slower). ``progress(done, total, rule)`` after each rule.
    """
    ctx = CheckContext(design, layout, layers, profiles, machine or design_machine(design),
                       per_copy=per_copy)
    if ctx.machine_name:
        ctx.machine  # noqa: B018 - an unknown machine fails before any rule runs
    registry = rules()
    names = list(registry) if only is None else list(only)
    for name in names:
        if name not in registry:
            raise ParameterError("rule", f"unknown rule {name!r} (rules: {', '.join(registry)})")
    found: list[Violation] = []
    for k, name in enumerate(names):
        found.extend(registry[name](ctx))
        if progress is not None:
            progress(k + 1, len(names), name)
    return found


def check_design(design: Any, profiles: Any, *, machine: str | None = None,
                 layout: Layout | None = None) -> tuple[Layout, list[Layer], list[Violation]]:
    """Layout, stack and violations of a design in one call (what ``zmfab check`` does)."""
    from ..process.stack import resolve_stack

    lay = layout if layout is not None else design_layout(design)
    layers = resolve_stack(design, lay, profiles)
    return lay, layers, check(design, lay, layers, profiles, machine=machine)


def design_layout(design: Any, *, array: str | None = None, pitch: Any = None,
                  wiring: str | None = None) -> Layout:
    """The design's layout, as a panel when ``[panel]`` or ``array`` asks for one."""
    from ..process.panel import panel_from_design

    return panel_from_design(design, design.layout(), array=array, pitch=pitch, wiring=wiring)


def design_profile_files(design: Any) -> list[str]:
    """Profile files a design names (``profiles = ["my.toml"]``), relative to the design file."""
    from pathlib import Path

    value = design.sections.get("profiles", []) if design is not None else []
    items = [value] if isinstance(value, str) else list(value or [])
    base = design.path.parent if design is not None and design.path else Path(".")
    return [str(base / str(item)) for item in items]


def summary(violations: list[Violation]) -> dict[str, Any]:
    """``{"passed": bool, "count": n, "rules": {rule: n}, "violations": [...]}`` for reports."""
    counts: dict[str, int] = {}
    for v in violations:
        counts[v.rule] = counts.get(v.rule, 0) + 1
    return {"passed": not violations, "count": len(violations), "rules": counts,
            "violations": [v.to_dict() for v in violations]}


def finite(value: float) -> float:
    """``value`` or 0.0 when it is not a finite number (empty geometry distances)."""
    return value if math.isfinite(value) else 0.0
