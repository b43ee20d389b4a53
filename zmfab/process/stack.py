"""The process stack: the layers printed, cut or cast, in order, each from named regions.

A design lists its layers as ``[[stack]]`` tables::

    [[stack]]
    name = "anode ink"
    method = "screen"            # laser | screen | stencil | diw | photolithography | cast | spray
                                 # | cutter | inkjet | stamp | mold | electrodeposit
    process = "screen-print"     # process profile (default: by method)
    material = "zn"              # material profile name
    regions = ["anode", "anode_pad"]
    margin = "0um"               # + grows, - shrinks the regions (mm after parsing)
    exclude = ["anode_pad"]      # regions kept free of this layer ...
    clearance = "500um"          # ... by this distance
    inside = "encapsulation"     # a layer this one must sit inside (registration rule)
    clean = true                 # with exclude: drop slivers below the process's min line
    loading = "5mg/cm2"          # any other key is a free setting (power, thickness, layers...)

A design without ``[[stack]]`` gets its family's default stack (:func:`default_stack`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import MultiPolygon

from ..errors import DesignError, ParameterError
from ..regions import Layout, as_multipolygon, union_all
from ..regions.merge import merge
from ..units import parse_length

#: Every method a layer may use.
METHODS: tuple[str, ...] = ("laser", "screen", "stencil", "diw", "photolithography", "cast", "spray",
                             "cutter", "inkjet", "stamp", "mold", "electrodeposit")

#: The process profile a method uses when a layer names none.
DEFAULT_PROCESS: dict[str, str] = {
    "laser": "laser-co2",
    "screen": "screen-print",
    "stencil": "stencil",
    "diw": "diw",
    "photolithography": "photolithography",
    "cast": "cast",
    "spray": "spray",
    "cutter": "cutter-stencil",
    "inkjet": "inkjet",
    "stamp": "stamp",
    "mold": "mold",
    "electrodeposit": "electrodeposit",
}

#: Methods that may run without a process profile (no feature-size rules then).
PROFILE_OPTIONAL: frozenset[str] = frozenset({"cast", "spray"})

#: Methods whose layers need a mask or a stencil file.
MASKED_METHODS: frozenset[str] = frozenset({"screen", "stencil", "photolithography"})

#: Keys of a stack entry with a meaning of their own; every other key goes to ``settings``.
KNOWN_KEYS: tuple[str, ...] = ("name", "method", "process", "material", "regions", "margin",
                               "exclude", "clearance", "inside")

#: Layers whose material is an electrolyte or an encapsulant (pads must stay open of them).
ELECTROLYTE_MATERIALS: frozenset[str] = frozenset({"pva-gel", "gel", "electrolyte", "hydrogel"})
COVER_ROLES: tuple[str, ...] = ("electrolyte", "encapsulation")


@dataclass
class Layer:
    """One step of the stack: what is deposited or cut where (geometry in mm, layout frame)."""

    name: str
    method: str
    process: str
    material: str | None
    regions: list[str]
    margin: float = 0.0
    geometry: MultiPolygon = field(default_factory=MultiPolygon)
    settings: dict[str, Any] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    clearance: float = 0.0
    inside: str | None = None
    #: Area (mm²) of slivers below the process's minimum line dropped after cutting round
    #: ``exclude`` regions (``clean = false`` keeps them, for the check to report).
    removed_mm2: float = 0.0

    @property
    def role(self) -> str:
        """``electrolyte``, ``encapsulation``, ``anode``, ``cathode``, ``interconnect`` or ``other``."""
        text = f"{self.name} {self.material or ''}".lower()
        if self.settings.get("role"):
            return str(self.settings["role"])
        if "electrolyte" in text or (self.material or "") in ELECTROLYTE_MATERIALS:
            return "electrolyte"
        if "encapsul" in text:
            return "encapsulation"
        kinds = {r.split("_")[0] for r in self.regions}
        if kinds == {"anode"}:
            return "anode"
        if kinds == {"cathode"}:
            return "cathode"
        if kinds == {"interconnect"}:
            return "interconnect"
        return "other"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for reports (no geometry, but its area in mm²)."""
        return {
            "name": self.name, "method": self.method, "process": self.process,
            "material": self.material, "regions": list(self.regions), "margin_mm": self.margin,
            "exclude": list(self.exclude), "clearance_mm": self.clearance, "inside": self.inside,
            "area_mm2": round(self.geometry.area, 6), "removed_mm2": round(self.removed_mm2, 6),
            "settings": dict(self.settings),
        }


def default_stack(family: str, *, regions: set[str] | None = None,
                  current_collector: bool = False) -> list[dict[str, Any]]:
    """The stack entries a design of ``family`` gets when it lists none.

    Screen-printed anode and cathode inks, a gel electrolyte pasted through a stencil over the
    active area grown by 0.5 mm (never the pads), and a screen-printed encapsulant over the
    footprint minus the pads. ``regions`` (the layout's region names) adds a silver interconnect
    layer first when a panel has one; ``current_collector`` adds a carbon collector under both.
    """
    names = regions or set()
    entries: list[dict[str, Any]] = []
    if "interconnect" in names:
        entries.append({"name": "interconnect", "method": "screen", "material": "silver",
                        "regions": ["interconnect"]})
    if current_collector:
        entries.append({"name": "current collector", "method": "screen", "material": "carbon-ink",
                        "regions": ["anode", "anode_pad", "cathode", "cathode_pad"]})
    cathode_material = "activated-carbon" if family == "concentric" else "mno2"
    entries += [
        {"name": "anode ink", "method": "screen", "material": "zn", "regions": ["anode", "anode_pad"]},
        {"name": "cathode ink", "method": "screen", "material": cathode_material,
         "regions": ["cathode", "cathode_pad"]},
        {"name": "gel electrolyte", "method": "stencil", "material": "pva-gel",
         "regions": ["active_area"], "margin": "500um",
         "exclude": ["anode_pad", "cathode_pad", "interconnect"], "clearance": "500um",
         "inside": "encapsulation"},
        {"name": "encapsulation", "method": "screen", "material": "pdms", "regions": ["footprint"],
         "exclude": ["anode_pad", "cathode_pad"], "clearance": "200um"},
    ]
    return entries


def resolve_stack(design: Any, layout: Layout, profiles: Any) -> list[Layer]:
    """The layers of ``design`` (or of the family default when ``design`` is None or has none).

    Errors name the stack entry and key (``file:line: stack[2].method``) with the allowed values.
    """
    raw = None if design is None else design.sections.get("stack")
    if raw is None:
        entries = default_stack(layout.family, regions=set(layout.regions))
        return [_layer(e, i, layout, profiles, None) for i, e in enumerate(entries)]
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise design.error("stack", "must be an array of tables [[stack]]")
    layers = [_layer(e, i, layout, profiles, design) for i, e in enumerate(raw)]
    if "interconnect" in layout and not any("interconnect" in lay.regions for lay in layers):
        entry = default_stack(layout.family, regions={"interconnect"})[0]
        layers.insert(0, _layer(entry, 0, layout, profiles, None))
    names = [lay.name for lay in layers]
    for i, lay in enumerate(layers):
        if names.count(lay.name) > 1:
            raise _error(design, i, "name", f"{lay.name!r} is used by more than one layer")
        if lay.inside is not None and lay.inside not in names:
            raise _error(design, i, "inside", f"{lay.inside!r} is not a layer (layers: {', '.join(names)})")
    return layers


def layer_geometry(layout: Layout, regions: list[str], *, margin: float = 0.0,
                   exclude: list[str] | tuple[str, ...] = (), clearance: float = 0.0) -> MultiPolygon:
    """Union of ``regions`` grown by ``margin`` mm, minus ``exclude`` regions grown by ``clearance``."""
    geom = merge(layout.get(r) for r in regions)
    if margin and not geom.is_empty:
        geom = geom.buffer(margin, join_style="mitre", mitre_limit=2.0)
    holes = merge(layout.get(r) for r in exclude)
    if not holes.is_empty and not geom.is_empty:
        if clearance > 0:
            holes = holes.buffer(clearance, join_style="mitre", mitre_limit=2.0)
        geom = geom.difference(holes)
    parts = [p for p in as_multipolygon(geom).geoms if p.area > 1e-9]
    return MultiPolygon(parts)


def shape_layer(layout: Layout, regions: list[str], *, margin: float = 0.0,
                exclude: list[str] | tuple[str, ...] = (), clearance: float = 0.0,
                min_line: float | None = None) -> tuple[MultiPolygon, float]:
    """(geometry, mm² removed) of a layer: :func:`layer_geometry`, then :func:`printable` at
    ``min_line`` mm when given. A panel of copies is shaped once per cell and translated
    (see :mod:`zmfab.process.tiling` for why that is the same geometry)."""
    from .tiling import tiled_layer

    done = tiled_layer(layout, regions, margin=margin, exclude=exclude, clearance=clearance,
                       min_line=min_line, shape=shape_layer, clean=printable)
    if done is not None:
        return done
    geom = layer_geometry(layout, regions, margin=margin, exclude=exclude, clearance=clearance)
    if not min_line:
        return geom, 0.0
    kept = printable(geom, min_line)
    return kept, geom.area - kept.area


def printable(geom: MultiPolygon, min_line: float) -> MultiPolygon:
    """``geom`` without the slivers and tapers narrower than ``min_line`` mm that cutting round
    excluded regions leaves (a morphological opening; mitred joins keep square corners square)."""
    opened = geom.buffer(-min_line / 2, join_style="mitre").buffer(min_line / 2, join_style="mitre")
    return MultiPolygon([p for p in as_multipolygon(opened.intersection(geom)).geoms if p.area > 1e-9])


def _layer(entry: dict[str, Any], index: int, layout: Layout, profiles: Any,
           design: Any) -> Layer:
    def fail(key: str, message: str) -> DesignError:
        return _error(design, index, key, message)

    method = str(entry.get("method", "")).strip().lower()
    if method not in METHODS:
        shown = entry.get("method", "(missing)")
        raise fail("method", f"{shown!r} is not a method (use one of {', '.join(METHODS)})")
    name = str(entry.get("name") or f"layer {index + 1}")
    process = str(entry.get("process") or DEFAULT_PROCESS[method])
    if profiles is not None:
        known = profiles.names("processes")
        if process not in known and not (method in PROFILE_OPTIONAL and "process" not in entry):
            raise fail("process", f"unknown process {process!r} (known: {', '.join(known) or 'none'})")
        if process in known:
            want = profiles.get("processes", process).get("method")
            if want and want != method:
                raise fail("method", f"{method!r} does not match process {process!r} (its method is {want!r})")
    material = entry.get("material")
    regions = _names(entry.get("regions"), "regions", layout, fail, required=True)
    exclude = _names(entry.get("exclude", []), "exclude", layout, fail, required=False)
    try:
        margin = parse_length(entry.get("margin", 0.0), field="margin")
        clearance = parse_length(entry.get("clearance", 0.0), field="clearance", minimum=0.0)
    except ParameterError as exc:
        raise fail(exc.field, str(exc).split(": ", 1)[1]) from None
    inside = entry.get("inside")
    settings = {k: v for k, v in entry.items() if k not in KNOWN_KEYS}
    clean = settings.pop("clean", True)
    min_line = None
    if exclude and clean is not False and profiles is not None and process in profiles.names("processes"):
        value = profiles.get("processes", process).get("min_line_mm")
        if isinstance(value, (int, float)) and value > 0:
            min_line = float(value)
    geom, removed = shape_layer(layout, regions, margin=margin, exclude=exclude,
                                clearance=clearance, min_line=min_line)
    return Layer(name=name, method=method, process=process,
                 material=None if material is None else str(material), regions=regions,
                 margin=margin, geometry=geom, settings=settings, exclude=exclude,
                 clearance=clearance, inside=None if inside is None else str(inside),
                 removed_mm2=removed)


def _names(value: Any, key: str, layout: Layout, fail: Any, *, required: bool) -> list[str]:
    if value is None or value == []:
        if required:
            raise fail(key, f"missing (a list of regions: {', '.join(layout.regions)})")
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise fail(key, "must be a list of region names")
    out = []
    for item in items:
        text = str(item).strip().replace("-", "_").replace(" ", "_")
        if text not in layout.regions and not (key == "exclude" and text == "interconnect"):
            raise fail(key, f"{item!r} is not a region of this layout (use {', '.join(layout.regions)})")
        out.append(text)
    return out


def _error(design: Any, index: int, key: str, message: str) -> DesignError:
    """A DesignError naming ``stack[index].key`` and, when it can be found, its line."""
    label = f"stack[{index + 1}].{key}"
    if design is None:
        return DesignError(label, message)
    path = design.path or "<design>"
    line = _entry_line(design.text, index, key)
    return DesignError(f"{path}:{line}: {label}" if line else f"{path}: {label}", message)


def _entry_line(text: str, index: int, key: str) -> int | None:
    header = re.compile(r"^\s*\[\[\s*stack\s*\]\]")
    other = re.compile(r"^\s*\[")
    assign = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    seen, inside, start = -1, False, None
    for number, line in enumerate(text.splitlines(), start=1):
        if header.match(line):
            seen += 1
            inside = seen == index
            start = number if inside else start
            continue
        if other.match(line):
            inside = False
        if inside and assign.match(line):
            return number
    return start


def slug(name: str) -> str:
    """A file-name-safe form of a layer name: lower case, runs of anything but letters, digits,
    ``-`` and ``_`` one ``-`` ("Zn (anode)" -> "zn-anode")."""
    text = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.strip().lower())
    return "-".join(p for p in text.split("-") if p) or "layer"


def pick_layer(layers: list[Layer], name: str | None, *, methods: tuple[str, ...],
               key: Callable[[str], str], ask: str) -> Layer:
    """The layer called ``name`` (as written, or equal under ``key``, a file-name form), or
    without a name the only layer whose method is one of ``methods``; else ``--layer`` errors
    listing the layers (``ask`` is what to do when there is no single candidate)."""
    names = ", ".join(lay.name for lay in layers)
    if name:
        match = [lay for lay in layers if lay.name == name or key(lay.name) == key(name)]
        if not match:
            raise ParameterError("--layer", f"{name!r} is not a layer (layers: {names})")
    else:
        match = [lay for lay in layers if lay.method in methods]
        if len(match) != 1:
            raise ParameterError("--layer", f"{ask} (layers: {names})")
    return match[0]


#: Border of substrate left around the footprint when a design gives no [substrate] size (mm):
#: room for the registration fiducials.
SUBSTRATE_BORDER = 5.0


@dataclass(frozen=True)
class Substrate:
    """The sheet the device is made on: its outline in the layout frame (mm) and what it is."""

    xmin: float
    ymin: float
    width: float
    height: float
    material: str | None = None
    thickness: float | None = None
    bed_position: tuple[float, float] = (0.0, 0.0)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.xmin, self.ymin, self.xmin + self.width, self.ymin + self.height)

    def polygon(self) -> shapely.Geometry:
        from shapely.geometry import box

        return box(*self.bounds)


def resolve_substrate(design: Any, layout: Layout) -> Substrate:
    """The substrate of ``design``'s ``[substrate]`` table, centred on the footprint.

    Keys: ``width``, ``height`` (default: the footprint plus :data:`SUBSTRATE_BORDER` each side),
    ``material``, ``thickness``, ``origin = [x, y]`` (its lower-left corner in the layout frame,
    default centred), ``bed_position = [x, y]`` (where that corner sits on the machine bed).
    """
    table = {} if design is None else design.sections.get("substrate", {})
    if not isinstance(table, dict):
        raise design.error("substrate", "must be a table [substrate]")
    fx0, fy0, fx1, fy1 = (layout.get("footprint") if "footprint" in layout else
                          union_all(layout.regions.values())).bounds

    def length(key: str, default: float, *, positive: bool = True) -> float:
        if key not in table:
            return default
        try:
            return parse_length(table[key], field=key, positive=positive)
        except ParameterError as exc:
            raise design.error(key, str(exc).split(": ", 1)[1], "substrate") from None

    def pair(key: str, default: tuple[float, float]) -> tuple[float, float]:
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, list) or len(value) != 2:
            raise design.error(key, "must be a pair [x, y] of lengths", "substrate")
        try:
            return (parse_length(value[0], field=key), parse_length(value[1], field=key))
        except ParameterError as exc:
            raise design.error(key, str(exc).split(": ", 1)[1], "substrate") from None

    width = length("width", fx1 - fx0 + 2 * SUBSTRATE_BORDER)
    height = length("height", fy1 - fy0 + 2 * SUBSTRATE_BORDER)
    origin = pair("origin", ((fx0 + fx1 - width) / 2, (fy0 + fy1 - height) / 2))
    thickness = length("thickness", 0.0) if "thickness" in table else None
    known = {"width", "height", "material", "thickness", "origin", "bed_position"}
    for key in table:
        if key not in known:
            raise design.error(key, f"unknown key (allowed: {', '.join(sorted(known))})", "substrate")
    material = table.get("material")
    return Substrate(origin[0], origin[1], width, height,
                     None if material is None else str(material), thickness,
                     pair("bed_position", (0.0, 0.0)))
