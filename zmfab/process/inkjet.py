"""Inkjet layers: the drops of a layer on the printer's grid, the ink they take, the passes needed.

Settings merge in this order, later winning: the process profile (``inkjet``), the machine
profile (``dimatix-dmp2850``), the material's ``[inkjet]`` table, then the layer's keys. One
pixel of the bitmap is one drop at the drop spacing; one printed layer lays a dry film
``drop volume x solids fraction / spacing²`` thick, so a ``thickness`` asks for
``ceil(thickness / that)`` layers (or give ``layers``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from ..profiles import Profiles, deep_merge
from ..toolpath.raster import Raster, rasterize
from ..units import parse_length

DEFAULT_PROCESS = "inkjet"
DEFAULT_MACHINE = "dimatix-dmp2850"


@dataclass(frozen=True)
class InkjetSettings:
    """Drop spacing and dot diameter (mm), drop volume (pL), solids fraction, thickness or layers."""

    machine: str
    drop_spacing: float
    drop_volume_pl: float
    dot_diameter: float
    solids_fraction: float
    thickness: float | None = None
    layers: int | None = None
    layer_thickness: float | None = None

    @property
    def dpi(self) -> float:
        """Pixels per inch of the bitmap: one per drop spacing (20 µm -> 1270)."""
        return 25.4 / self.drop_spacing

    @property
    def film_per_layer(self) -> float:
        """Dry film one printed layer lays (mm): the layer's own figure, else V x solids / s²."""
        if self.layer_thickness is not None:
            return self.layer_thickness
        return self.drop_volume_pl * 1e-6 * self.solids_fraction / self.drop_spacing ** 2


def inkjet_settings(profiles: Profiles, *, settings: dict[str, Any] | None = None,
                    process: str | None = None, machine: str | None = None,
                    material: str | None = None) -> InkjetSettings:
    """Merged :class:`InkjetSettings`; errors name the key and its range."""
    settings = {k: v for k, v in (settings or {}).items() if v is not None}
    proc = profiles.get("processes", str(process or DEFAULT_PROCESS))
    name = str(settings.get("machine") or machine or proc.get("machine") or DEFAULT_MACHINE)
    mach = profiles.get("machines", name)
    if "inkjet" not in mach.get("methods", []):
        able = [n for n in profiles.names("machines")
                if "inkjet" in profiles.get("machines", n).get("methods", [])]
        raise ParameterError("machine", f"{name!r} is not an inkjet printer (use one of {', '.join(able)})")
    raw = deep_merge(proc, mach)
    mat = settings.get("material") or material
    if mat and mat in profiles.names("materials"):
        raw = deep_merge(raw, profiles.get("materials", str(mat)).get("inkjet", {}))
    raw = deep_merge(raw, settings)
    spacing = parse_length(raw.get("drop_spacing", "20um"), field="drop_spacing",
                           minimum=0.001, maximum=1.0)
    volume = _positive(raw.get("drop_volume_pl", 10.0), "drop_volume_pl")
    dot = parse_length(raw.get("dot_diameter", 2 * spacing), field="dot_diameter", positive=True)
    solids = _positive(raw.get("solids_fraction", 0.04), "solids_fraction")
    if solids > 1:
        raise ParameterError("solids_fraction", f"{solids:g} is out of range (0 < f <= 1)")
    thickness = layers = layer_t = None
    if raw.get("layer_thickness") is not None:
        layer_t = parse_length(raw["layer_thickness"], field="layer_thickness", positive=True)
    if raw.get("thickness") is not None and settings.get("layers") is None:
        thickness = parse_length(raw["thickness"], field="thickness", positive=True)
    else:
        value = raw.get("layers", 1)
        if isinstance(value, bool) or not str(value).strip().isdigit() or not 1 <= int(value) <= 1000:
            raise ParameterError("layers", f"{value!r} is out of range (a whole number 1..1000)")
        layers = int(value)
    return InkjetSettings(name, spacing, volume, dot, solids, thickness, layers, layer_t)


def _positive(value: Any, key: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(key, f"{value!r} is not a number") from None
    if isinstance(value, bool) or not number > 0:
        raise ParameterError(key, f"{value!r} is out of range (must be > 0)")
    return number


@dataclass
class InkjetPlan:
    """The layer's drops (one raster, printed ``print_layers`` times) and what they add up to."""

    raster: Raster
    settings: InkjetSettings
    area_mm2: float
    warnings: list[str] = field(default_factory=list)

    @property
    def bitmap(self):
        return self.raster.grid

    @property
    def dpi(self) -> float:
        return self.settings.dpi

    @property
    def drops_per_layer(self) -> int:
        return self.raster.count

    @property
    def print_layers(self) -> int:
        """Layers printed: the ones given, or enough for the thickness asked."""
        s = self.settings
        if s.thickness is None:
            return int(s.layers or 1)
        return max(1, math.ceil(s.thickness / s.film_per_layer - 1e-9))

    @property
    def drops(self) -> int:
        """Drops of every printed layer."""
        return self.drops_per_layer * self.print_layers

    @property
    def volume_ul(self) -> float:
        """Ink jetted (µL) = drops x drop volume."""
        return self.drops * self.settings.drop_volume_pl * 1e-6

    @property
    def thickness_mm(self) -> float:
        """Dry thickness printed (mm)."""
        return self.print_layers * self.settings.film_per_layer

    def figures(self) -> dict[str, Any]:
        """Plain data for report.json."""
        s = self.settings
        rows, cols = self.raster.grid.shape
        return {"machine": s.machine, "drop_spacing_um": round(s.drop_spacing * 1000, 6),
                "dpi": round(s.dpi, 4), "bitmap_px": [cols, rows],
                "origin_mm": [round(self.raster.x0, 6), round(self.raster.y0, 6)],
                "drop_volume_pL": s.drop_volume_pl, "drops_per_layer": self.drops_per_layer,
                "print_layers": self.print_layers, "drops": self.drops,
                "volume_uL": round(self.volume_ul, 6),
                "layer_thickness_um": round(s.film_per_layer * 1000, 4),
                "thickness_um": round(self.thickness_mm * 1000, 4),
                "area_mm2": round(self.area_mm2, 6),
                "printed_area_mm2": round(self.drops_per_layer * s.drop_spacing ** 2, 6)}


def plan_inkjet(geom: BaseGeometry, settings: InkjetSettings, *,
                bounds: tuple[float, float, float, float] | None = None) -> InkjetPlan:
    """Rasterise ``geom`` (mm) at the drop spacing over ``bounds`` (default: its own)."""
    if geom.is_empty:
        raise ParameterError("regions", "the layer has no area to print")
    raster = rasterize(geom, settings.drop_spacing, bounds=bounds)
    plan = InkjetPlan(raster, settings, geom.area)
    if raster.count == 0:
        raise ParameterError("drop_spacing", f"no drop centre falls inside the layer at "
                                             f"{settings.drop_spacing * 1000:g} µm")
    return plan
