"""Build step: ``runsheet.html``, the build as a list of steps a lab takes to the bench.

One self-contained page (pictures inline as SVG, no external files) that prints on A4: the design
and its source, each stack layer in order with its method, machine, process, the settings used and
where each came from, its mask or job file with a picture, the material quantities, the alignment
step and a checkbox; then the design-rule result, the cell estimate with the Ragone chart, and the
warnings. Everything comes from the build's report and the files the earlier steps staged; the
page is laid out by :mod:`zmfab.build.runsheet_html`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .settings_sources import layer_tiers, settings_with_sources

FILE = "runsheet.html"

#: Unit of a quantity key by its suffix (``charge_C``, ``volume_uL``, ``time_s`` ...), longest first.
UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_mm2", "mm²"), ("_ul", "µL"), ("_uL", "µL"), ("_mg", "mg"), ("_mA", "mA"), ("_ma", "mA"),
    ("_mAh", "mAh"), ("_mah", "mAh"), ("_C", "C"), ("_s", "s"), ("_mm", "mm"), ("_V", "V"),
    ("_v", "V"), ("_ml", "mL"), ("_mL", "mL"), ("_g", "g"),
)
#: Counted quantities without a unit.
COUNTS = ("drops", "lines", "layers", "passes", "pauses", "shots", "pulses", "cycles")
#: Report keys of a layer or job that are not material quantities.
NOT_QUANTITIES = frozenset({"margin_mm", "clearance_mm", "area_mm2", "removed_mm2", "moves",
                            "uncovered_mm2", "bounds_mm", "tool"})


def runsheet_step(ctx: Any) -> None:
    """Write ``runsheet.html`` from ``ctx.report`` and the staged masks and jobs (runs last)."""
    from ..atomic import write_text
    from .runsheet_html import render

    data = sheet_data(ctx.report, design=ctx.design, layout=ctx.layout, staging=ctx.staging,
                      layers=ctx.options.get("stack_layers"), warnings=ctx.warnings,
                      profiles=_profiles(ctx),
                      files=sorted({*ctx.files, FILE, "report.json"}))
    write_text(ctx.path(FILE), render(data))
    ctx.report["runsheet"] = {"file": FILE, "steps": len(data["steps"]),
                              "chart": data["chart"] is not None}


def sheet_data(report: dict[str, Any], *, design: Any = None, layout: Any = None,
               staging: Path | None = None, layers: list[Any] | None = None,
               warnings: list[str] | None = None, profiles: Any = None,
               files: list[str] | None = None) -> dict[str, Any]:
    """Plain data of the run sheet (text and inline SVG), from a build report and its files."""
    by_name = {lay.name: lay for lay in layers or []}
    jobs = [j for j in report.get("jobs", []) if isinstance(j, dict)]
    masks = {m.get("layer"): m for m in report.get("masks", []) if isinstance(m, dict)}
    routes = {r.get("layer"): r for r in report.get("routes", []) if isinstance(r, dict)}
    marks = _fiducials(report, layout, design)
    steps = []
    for n, entry in enumerate(report.get("stack", []), start=1):
        own = [j for j in jobs if j.get("layer") == entry.get("name")]
        lay = by_name.get(entry.get("name"))
        header = _job_header(staging, own[0]["file"]) if own and staging else {}
        machine = (own[0].get("machine") if own else None) or _process_machine(profiles, entry)
        op = (own[0].get("op") if own else None) or header.get("op") or entry.get("settings", {}).get("op")
        tiers = layer_tiers(entry, design=design, profiles=profiles, op=op, machine=machine)
        used = [j["file"] for j in own if j.get("file")]
        mask = masks.get(entry.get("name"))
        if mask is not None:
            used = [f"masks/{_safe(entry['name'])}.svg", f"masks/{_safe(entry['name'])}.dxf"] + used
        route = routes.get(entry.get("name"))
        if route is not None:  # cutter, inkjet, stamp/mold, electrodeposit: its files and figures
            used += [f for f in route.get("files", []) if f not in used]
        picture, caption = _route_picture(route, staging) if route else (None, "")
        if picture is None:
            picture, caption = _picture(entry, own, mask, lay, staging, layout, report)
        steps.append({
            "n": n, "name": entry.get("name"), "method": entry.get("method"),
            "process": entry.get("process"), "material": entry.get("material"),
            "machine": machine or "by hand / bench tool", "op": op,
            "regions": list(entry.get("regions", [])), "area_mm2": entry.get("area_mm2"),
            "settings": settings_with_sources(tiers),
            "written": [(k, v) for k, v in header.items() if k in _WRITTEN],
            "files": used, "picture": picture, "picture_caption": caption,
            "quantities": quantities(entry, own + ([route] if route else []), report.get("cell"), role=getattr(lay, "role", None),
                                     profiles=profiles),
            "alignment": _alignment(entry, own, mask, header, marks, first=n == 1),
        })
    combined = [j for j in jobs if "," in str(j.get("layer", ""))]
    chart, chart_note = _chart(report.get("cell"))
    return {
        "title": report.get("title") or "", "design": report.get("design"),
        "source": getattr(design, "sections", {}).get("source") if design is not None else None,
        "family": report.get("family"), "version": report.get("zmfab_version"),
        "params": report.get("params", {}), "metrics": report.get("metrics", {}),
        "substrate": report.get("substrate", {}), "panel": report.get("panel"),
        "drc": report.get("drc"), "steps": steps, "combined_jobs": combined,
        "cell": report.get("cell"), "cell_rows": cell_rows(report.get("cell")),
        "chart": chart, "chart_note": chart_note, "published": _published(),
        "warnings": list(warnings if warnings is not None else report.get("warnings", [])),
        "files": list(files) if files is not None else sorted(report.get("files", [])),
    }


#: G-code header keys printed as "written to the job".
_WRITTEN = ("power", "speed", "passes", "spot_mm", "bead_width_mm", "layer_height_mm", "layers",
            "syringe_diameter_mm", "extrusion_multiplier", "flow_driver", "origin_mm", "offset_mm",
            "requires", "tools")


def quantities(entry: dict[str, Any], jobs: list[dict[str, Any]], cell: Any, *,
               role: str | None = None, profiles: Any = None) -> list[tuple[str, str]]:
    """(label, text) of the material quantities of a layer: every quantity its jobs or its report
    entry carry (ink µL, charge C, time s, drops ... by key suffix), the active mass of the cell
    estimate's electrode and, for a film without a job, its deposited volume (area × thickness)."""
    out: list[tuple[str, str]] = []
    sources = [entry, entry.get("quantities") or {}] + [j for j in jobs]
    for src in sources:
        for key, value in src.items():
            out += _quantity(key, value)
    if isinstance(cell, dict) and role in ("anode", "cathode") and isinstance(cell.get(role), dict):
        e = cell[role]
        if e.get("mass_mg") is not None and e.get("material") == entry.get("material"):
            out.append(("active mass (cell estimate)", f"{e['mass_mg']:.4g} mg at "
                                                       f"{e.get('loading_mg_cm2') or 0:.4g} mg/cm²"))
    if not jobs and entry.get("method") != "laser":
        t_mm, where = _film_thickness(entry, profiles, role)
        if t_mm and entry.get("area_mm2"):
            out.append(("deposited volume", f"≈ {entry['area_mm2'] * t_mm:.4g} µL "
                                            f"({entry['area_mm2']:.4g} mm² × {t_mm * 1000:g} µm, {where})"))
    seen: set[tuple[str, str]] = set()
    return [q for q in out if not (q in seen or seen.add(q))]


def _quantity(key: str, value: Any) -> list[tuple[str, str]]:
    if key in NOT_QUANTITIES or isinstance(value, bool):
        return []
    if isinstance(value, dict):
        unit = _unit(key)
        if unit is None:
            return []
        base = _label(key)
        return [(f"{base} {k}", _fmt(v, unit)) for k, v in value.items() if isinstance(v, (int, float))]
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value == 0:
        return []  # nothing to prepare (no pauses, no printed path of a laser job)
    if key in COUNTS:
        return [(key, f"{value:g}")]
    unit = _unit(key)
    if unit is None:
        return []
    return [(_label(key), _fmt(value, unit))]


def _unit(key: str) -> str | None:
    for suffix, unit in UNIT_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return unit
    return None


def _label(key: str) -> str:
    for suffix, _ in UNIT_SUFFIXES:
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    return {"estimate": "time", "ink": "ink", "burn": "burnt path", "print": "printed path",
            "travel": "travel"}.get(key, key.replace("_", " "))


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        minutes, seconds = divmod(float(value), 60.0)
        return f"{value:.4g} s" if minutes < 1 else f"{int(minutes)} min {seconds:.0f} s"
    return f"{value:.4g} {unit}"


def _film_thickness(entry: dict[str, Any], profiles: Any, role: str | None) -> tuple[float | None, str]:
    from ..units import parse_length

    settings = entry.get("settings", {})
    if "thickness" in settings:
        return parse_length(settings["thickness"], field="thickness", positive=True), "layer thickness"
    if profiles is None:
        return None, ""
    if role == "electrolyte" and entry.get("material") in profiles.names("materials"):
        t = profiles.get("materials", entry["material"]).get("thickness_mm")
        if t:
            return float(t), f"material {entry['material']} thickness"
    if entry.get("process") in profiles.names("processes"):
        proc = profiles.get("processes", entry["process"])
        for key in ("wet_thickness_mm", "sheet_thickness_mm"):
            if key in proc:
                return float(proc[key]), f"process {entry['process']} {key.removesuffix('_mm').replace('_', ' ')}"
    return None, ""


def cell_rows(cell: Any) -> list[tuple[str, str]]:
    """(label, text) of the cell estimate, or a single row saying why there is none."""
    if not isinstance(cell, dict):
        return []
    if "skipped" in cell:
        return [("cell estimate", str(cell["skipped"]))]

    def num(key: str, fmt: str, unit: str) -> str:
        v = cell.get(key)
        return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:{fmt}} {unit}"

    rows = [("device", f"{cell.get('device_type')}, {cell.get('devices', 1)} device(s), "
                       f"wiring {cell.get('wiring', 'none')}")]
    for role in ("anode", "cathode"):
        e = cell.get(role) or {}
        if e:
            mass = "—" if e.get("mass_mg") is None else f"{e['mass_mg']:.4g} mg"
            rows.append((role, f"{e.get('material')}: {e.get('area_mm2', 0):.4g} mm², {mass}, "
                               f"{e.get('charge_mah', 0):.4g} mAh ({e.get('loading_from') or 'given'})"))
    if "capacitance_mf" in cell:
        rows.append(("capacitance", num("capacitance_mf", ".4g", "mF")))
    rows += [("capacity", num("capacity_mah", ".4g", "mAh")), ("voltage", num("voltage_v", ".3g", "V")),
             ("energy", num("energy_mwh", ".4g", "mWh")),
             ("areal energy", num("areal_energy_mwh_cm2", ".4g", "mWh/cm²")),
             ("N/P", f"{num('np_ratio', '.3g', '')}({cell.get('limiting')} limits)")]
    if cell.get("areal_power_mw_cm2") is not None:
        r = cell.get("resistance") or {}
        each = " per device" if cell.get("devices", 1) > 1 else ""
        rows += [("resistance", f"{cell['resistance_ohm']:.4g} Ω{each}: film {r.get('ionic_ohm', 0):.4g} "
                                f"({r.get('ionic_from', '')}), anode {r.get('anode_ohm', 0):.3g}, "
                                f"cathode {r.get('cathode_ohm', 0):.3g}"),
                 (f"at {cell['c_rate']:g}C", f"{cell['current_ma']:.4g} mA, "
                                             f"{cell['voltage_under_load_v']:.3g} V under load{each}, "
                                             f"{cell['power_mw']:.4g} mW in all"),
                 ("areal power", num("areal_power_mw_cm2", ".4g", "mW/cm²"))]
        rows += [("note", n) for n in r.get("notes", [])]
    elif cell.get("power_skipped"):
        rows.append(("areal power", str(cell["power_skipped"])))
    return rows


def _chart(cell: Any) -> tuple[str | None, str]:
    """(inline SVG of the Ragone chart or None, a note)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None, "The Ragone chart needs matplotlib (the sim extra)."
    from ..analysis.ragone import ragone_svg

    if isinstance(cell, dict) and cell.get("areal_power_mw_cm2") is not None:
        from ..analysis.power import ragone_curve

        curve = ragone_curve(cell, cell["resistance_ohm"])
        return _scoped(ragone_svg(design=cell, curve=curve), "ragone"), \
            f"This design at {cell['c_rate']:g}C (star) and over C-rates (line)."
    return _scoped(ragone_svg(), "ragone"), "No areal power for this design (see the cell estimate)."


def _published() -> list[str]:
    """One line per published device on the chart: reference, electrodes, electrolyte, figures."""
    from ..analysis.published import published_devices

    return [f"[{d.ref}] {d.electrodes}, {d.electrolyte}: {d.energy_mwh_cm2:g} mWh/cm², "
            f"{d.power_mw_cm2:g} mW/cm²" + (f" ({d.cited_as})" if d.cited_as else "")
            for d in published_devices() if d.on_ragone]


def _route_picture(route: dict[str, Any], staging: Path | None) -> tuple[str | None, str]:
    """(inline SVG, caption) of a route's own picture (its first SVG file), or (None, "")."""
    for file in route.get("files", []):
        if staging is not None and file.endswith(".svg") and (staging / file).is_file():
            text = (staging / file).read_text(encoding="utf-8")
            return _scoped(text, f"r-{_safe(str(route.get('layer')))}"), f"{file} ({route.get('method')})"
    return None, ""


def _picture(entry: dict[str, Any], jobs: list[dict[str, Any]], mask: Any, lay: Any,
             staging: Path | None, layout: Any, report: dict[str, Any]) -> tuple[str | None, str]:
    """(inline SVG, caption): the mask file, else the job's toolpath, else the layer's outline."""
    name = _safe(str(entry.get("name")))
    if mask is not None and staging is not None and (staging / "masks" / f"{name}.svg").is_file():
        text = (staging / "masks" / f"{name}.svg").read_text(encoding="utf-8")
        return _scoped(text, f"m-{name}"), f"masks/{name}.svg ({mask.get('kind')}, {mask.get('polarity')}" \
                                           f"{', mirrored' if mask.get('mirror') else ''})"
    if jobs and staging is not None and (staging / jobs[0]["file"]).is_file():
        from ..gcode.parse import read_gcode
        from ..gcode.preview import preview_svg

        prog = read_gcode(staging / jobs[0]["file"])
        return _scoped(preview_svg(prog, title=str(entry.get("name"))), f"j-{name}"), \
            f"{jobs[0]['file']} (toolpath, machine frame)"
    if lay is not None and layout is not None:
        from shapely.geometry import box

        from ..export.preview import stack_preview_svg

        sub = (report.get("substrate") or {}).get("bounds_mm")
        text = stack_preview_svg(layout, [lay], substrate=box(*sub) if sub else None)
        return _scoped(text, f"l-{name}"), "where the layer goes (design frame)"
    return None, ""


def _alignment(entry: dict[str, Any], jobs: list[dict[str, Any]], mask: Any, header: dict[str, str],
               marks: list[tuple[float, float]], *, first: bool) -> list[str]:
    """What to line up before this layer, in words."""
    pts = ", ".join(f"({x:g}, {y:g})" for x, y in (mask or {}).get("fiducials", marks))
    out = []
    if first:
        out.append("Fix the substrate; its lower-left corner is the design's frame corner.")
    if mask is not None:
        out.append(f"Register the {mask.get('kind')} on the fiducials at {pts} mm (design frame); "
                   f"emulsion {mask.get('emulsion')}, {'mirrored' if mask.get('mirror') else 'not mirrored'}.")
    elif entry.get("method") == "diw" and jobs:
        where = header.get("origin_mm", "the machine's origin")
        out.append(f"Substrate at bed origin {where} mm; the fiducials sit at bed {header.get('fiducials_mm', pts)}"
                   " mm: check the nozzle over them before printing.")
    elif entry.get("method") == "laser" and jobs:
        offset = header.get("offset_mm", "0 0")
        out.append(f"Design frame offset {offset} mm on the bed; jog the pointer to the fiducials at "
                   f"{pts} mm (+ offset) before firing.")
    else:
        against = "the substrate's corner" if first else "the layer below"
        out.append(f"By eye against {against}, on the fiducials at {pts} mm."
                   if pts else f"By eye against {against}.")
    if entry.get("exclude"):
        out.append(f"Keep {', '.join(entry['exclude'])} clear by {entry.get('clearance_mm', 0) * 1000:g} µm.")
    return out


def _fiducials(report: dict[str, Any], layout: Any, design: Any) -> list[tuple[float, float]]:
    """Registration marks (design frame, mm): the masks', else those the layout's substrate gets."""
    for m in report.get("masks", []):
        if m.get("fiducials"):
            return [tuple(p) for p in m["fiducials"]]
    if layout is None or design is None:
        return []
    from ..export.mask import fiducials
    from ..process.stack import resolve_substrate

    points = fiducials(layout, resolve_substrate(design, layout))[0]
    return [(round(float(x), 4), round(float(y), 4)) for x, y in points]


def _job_header(staging: Path, file: str) -> dict[str, str]:
    from ..gcode.parse import header_meta

    path = staging / file
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", errors="replace") as fh:
        head = [line for _, line in zip(range(80), fh, strict=False)]
    return header_meta(head)


def _process_machine(profiles: Any, entry: dict[str, Any]) -> str | None:
    if profiles is None or entry.get("process") not in profiles.names("processes"):
        return None
    value = profiles.get("processes", entry["process"]).get("machine")
    return None if value is None else str(value)


def _profiles(ctx: Any) -> Any:
    from ..drc import design_profile_files
    from ..profiles import Profiles

    return Profiles(design_profile_files(ctx.design) + list(ctx.options.get("profiles", [])))


def _safe(name: str) -> str:
    from ..export.mask import safe_name

    return safe_name(name)


def _scoped(svg: str, prefix: str) -> str:
    """``svg`` ready to inline: no XML prolog or DOCTYPE, and ids prefixed so that several
    pictures on one page never share an id (matplotlib and svgwrite both name clip paths)."""
    import re

    text = svg[svg.index("<svg"):] if "<svg" in svg else svg
    p = re.sub(r"[^A-Za-z0-9_-]", "_", prefix)
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{p}-{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{p}-{m.group(1)})", text)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{p}-{m.group(1)}"', text)
