"""``zmfab cell``, ``simulate``, ``compare`` and ``roll``: device estimates and the film field."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import click

from ..errors import ParameterError, ZmfabError
from ..units import MAX_LENGTH_MM
from .params import DPI, LENGTH, NumberType

#: Most turns ``roll --turns`` accepts (the strip is also held to 1 m).
MAX_ROLL_TURNS = 10000.0

_PROFILE = click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
                        help="a profile file merged over the shipped profiles (repeatable)")
_DOMAINS = click.Choice(["auto", "active_area", "footprint", "hull"], case_sensitive=False)
_SOLVERS = click.Choice(["auto", "direct", "cg", "amg"], case_sensitive=False)


def require_sim() -> None:
    """Refuse in one line, naming the ``sim`` extra, when scipy or matplotlib is missing."""
    missing = []
    for module in ("scipy", "matplotlib"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise ZmfabError(f"this command needs the sim extra ({', '.join(missing)} missing): "
                         f"pip install 'zmfab[sim]'")


def _profiles(files: tuple[str, ...], design: Any = None) -> Any:
    from ..profiles import Profiles

    extra: list[str] = []
    if design is not None:
        value = design.sections.get("profiles", [])
        items = [value] if isinstance(value, str) else list(value or [])
        base = design.path.parent if design.path else Path(".")
        extra = [str(base / str(item)) for item in items]
    return Profiles(list(files) + extra)


def _design(path: str) -> Any:
    from ..design import load_design

    if Path(path).suffix.lower() != ".toml":
        raise click.BadParameter(f"{path}: expected a design file (.toml)", param_hint="DESIGN")
    return load_design(path)


def _source(path: str, dpi: float | None) -> tuple[Any, Any]:
    """(design or None, layout) of a design file or a DXF/SVG drawing."""
    if not Path(path).exists():
        raise click.BadParameter(f"{path}: no such file", param_hint="FILE")
    if Path(path).suffix.lower() == ".toml":
        d = _design(path)
        return d, d.layout()
    from ..imports import layout_from_drawing

    return None, layout_from_drawing(path, **({"dpi": dpi} if dpi else {}))


def _num(value: Any, fmt: str = ".4g", unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:{fmt}}{(' ' + unit) if unit else ''}"


@click.command()
@click.argument("design", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the estimate as JSON")
@click.option("--target-np", type=NumberType(0.0, 100.0, exclusive_min=True), default=None,
              help="N/P ratio to size the anode for [default: 2]")
@click.option("--c-rate", default=None, metavar="RATE",
              help="C-rate of the areal power (1C empties the cell in an hour) [default: [cell] c_rate, else 1]")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="draw the Ragone chart with the review's published devices (.png, .svg, .pdf)")
@_PROFILE
def cell(design: str, as_json: bool, target_np: float | None, c_rate: str | None, plot: str | None,
         profiles: tuple[str, ...]) -> None:
    """Capacity, energy, N/P of a design from its [cell] table (or its stack's loadings).

    With the sim extra (scipy) also the areal power at a C-rate, from the cell's resistance: the
    electrolyte film's (field solver) plus each electrode's with its collector (sheet resistance).
    """
    from dataclasses import replace

    from ..analysis.cellspec import cell_spec
    from ..analysis.electrochem import estimate
    from ..errors import ParameterError

    rate = None
    if c_rate is not None:
        from ..analysis.power import check_c_rate

        rate = check_c_rate(c_rate, field="--c-rate")
    if plot is not None:
        from ..analysis.ragone import FORMATS

        if Path(plot).suffix.lower() not in FORMATS:
            raise ParameterError("--plot", f"{Path(plot).name}: use a .png, .svg or .pdf file")
    if plot is not None or rate is not None:
        require_sim()
    d = _design(design)
    profs = _profiles(profiles, d)
    spec = cell_spec(d, d.layout(), profs)
    if target_np is not None:
        if not target_np > 0:
            raise ParameterError("--target-np", f"{target_np:g} is out of range (must be > 0)")
        spec = replace(spec, target_np=target_np)
    est = estimate(spec)
    if _has_sim():
        from ..analysis.power import add_power

        try:
            est = add_power(est, d, d.layout(), profs, c_rate=rate)
        except ParameterError as exc:
            raise ParameterError("--c-rate" if exc.field == "c_rate" and rate is not None else exc.field,
                                 str(exc).split(": ", 1)[1]) from None
    else:
        est["areal_power_mw_cm2"] = None
        est["power_skipped"] = "needs the sim extra (scipy): pip install 'zmfab[sim]'"
    if plot is not None:
        from ..analysis.power import ragone_curve
        from ..analysis.ragone import write_ragone

        write_ragone(plot, design=est, curve=ragone_curve(est, est["resistance_ohm"]))
    if as_json:
        click.echo(json.dumps(_jsonable(est), indent=2))
        return
    _print_cell(d, est)
    if plot is not None:
        click.echo(f"  wrote {plot}")


def _has_sim() -> bool:
    try:
        import scipy  # noqa: F401
    except ImportError:
        return False
    return True


def _print_cell(d: Any, est: dict[str, Any]) -> None:
    """The text report of ``zmfab cell``."""
    click.echo(f"{d.title}: {est['device_type']}, {est['devices']} device"
               f"{'s' if est['devices'] > 1 else ''}{', ' + est['wiring'] if est['devices'] > 1 else ''}")
    for role in ("anode", "cathode"):
        e = est[role]
        load = f"{_num(e['loading_mg_cm2'], '.4g', 'mg/cm²')} ({e['loading_from']})"
        click.echo(f"  {role:<8} {e['material']:<16} {e['loaded_area_mm2']:.4g} mm² (pad excluded) × {load} "
                   f"= {_num(e['mass_mg'], '.4g', 'mg')} -> {e['charge_mah']:.4g} mAh")
    rows = [
        ("capacity", _num(est["capacity_mah"], ".4g", "mAh")),
        ("voltage", (f"{est['voltage_min_v']:.3g}..{est['voltage_v']:.3g} V" if est.get("voltage_min_v")
                     else _num(est["voltage_v"], ".3g", "V"))),
        ("energy", _num(est["energy_mwh"], ".4g", "mWh")),
        ("areal capacity", _num(est["areal_capacity_mah_cm2"], ".4g", "mAh/cm² of footprint")),
        ("areal energy", _num(est["areal_energy_mwh_cm2"], ".4g", "mWh/cm² of footprint")),
        ("N/P", f"{_num(est['np_ratio'], '.3g')} ({est['limiting']} limits)"),
        (f"anode for N/P {est['target_np']:g}",
         f"{_num(est['anode_loading_for_target_mg_cm2'], '.4g', 'mg/cm²')}"
         + (f" (≈ {est['anode_thickness_for_target_um']:.3g} µm)" if est["anode_thickness_for_target_um"] else "")),
    ]
    if "capacitance_mf" in est:
        rows.insert(0, ("capacitance", f"{est['capacitance_mf']:.4g} mF "
                                       f"({est['areal_capacitance_mf_cm2']:.4g} mF/cm²)"))
    if est.get("areal_power_mw_cm2") is not None:
        r = est["resistance"]
        rows += [
            ("resistance", f"{est['resistance_ohm']:.4g} Ω{' per device' if est['devices'] > 1 else ''} (film {r['ionic_ohm']:.4g}, anode "
                           f"{r['anode_ohm']:.3g}, cathode {r['cathode_ohm']:.3g})"),
            (f"at {est['c_rate']:g}C", f"{est['current_ma']:.4g} mA, {est['voltage_under_load_v']:.3g} V "
                                       f"under load, {est['power_mw']:.4g} mW"),
            ("areal power", f"{est['areal_power_mw_cm2']:.4g} mW/cm² of footprint "
                            f"(max {_num(est['areal_power_max_mw_cm2'], '.4g')} at a matched load)"),
        ]
    for label, text in rows:
        click.echo(f"  {label:<18} {text}")
    for note in (est.get("resistance") or {}).get("notes", []):
        click.echo(f"  note: {note}")
    if est.get("power_skipped"):
        click.echo(f"  areal power: {est['power_skipped']}")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--conductivity", default=None, metavar="S/m", help="film ionic conductivity (10mS/cm, 1S/m; bare = S/m)")
@click.option("--thickness", default=None, metavar="LENGTH", help="film thickness [default: the electrolyte's, 100um]")
@click.option("--electrolyte", default=None, help="electrolyte material profile [default: pva-gel]")
@click.option("--cells", default=None, help="grid cells over the domain [default: 250000, more for small gaps]")
@click.option("--resolution", default=None, metavar="LENGTH", help="grid cell size instead of --cells")
@click.option("--voltage", default=None, metavar="V", help="voltage applied across the film [default: 1V]")
@click.option("--domain", type=_DOMAINS, default=None, help="film domain [default: active_area, else hull]")
@click.option("--solver", type=_SOLVERS, default=None, help="linear solver [default: amg if pyamg, else direct]")
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False), default=None,
              help="folder for field.json and the PNG maps [default: out/<name>]")
@click.option("--no-maps", is_flag=True, help="do not draw the PNG maps")
@click.option("--json", "as_json", is_flag=True, help="print the figures as JSON")
@click.option("--dpi", type=DPI, default=None, help="SVG pixels per inch (SVGs without a size)")
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
@_PROFILE
def simulate(file: str, conductivity: str | None, thickness: str | None, electrolyte: str | None,
             cells: str | None, resolution: str | None, voltage: str | None, domain: str | None,
             solver: str | None, outdir: str | None, no_maps: bool, as_json: bool, dpi: float | None,
             profiles: tuple[str, ...], quiet: bool = False) -> None:
    """Solve the thin electrolyte film of a design or a DXF/SVG (layers anode, cathode).

    Prints the ionic resistance between the electrodes and how evenly current leaves their edges;
    writes field.json and the potential and current-density maps.
    """
    started = time.perf_counter()
    require_sim()
    from ..analysis.field import solve_field
    from ..analysis.simspec import field_settings
    from ..atomic import write_text

    d, lay = _source(file, dpi)
    settings = field_settings(d, _profiles(profiles, d), conductivity=conductivity,
                              thickness=thickness, electrolyte=electrolyte, cells=cells,
                              resolution=resolution, voltage=voltage, domain=domain, solver=solver)
    from .progress import Bar

    bar = Bar(quiet=quiet, unit="stages")
    stages = 1 if no_maps else 2
    try:
        solving = time.perf_counter()
        bar(0, stages, "solve")
        result = solve_field(lay, settings=settings)
        s = result.summary
        target = Path(outdir) if outdir else Path("out") / Path(file).stem
        written = [write_text(target / "field.json", json.dumps(_jsonable(s), indent=2) + "\n")]
        drawing = time.perf_counter()
        if not no_maps:
            from ..analysis.maps import write_maps

            bar(1, stages, "maps")
            written += write_maps(result, target)
        bar(stages, stages)
    finally:
        bar.close()
    done = time.perf_counter()
    if as_json:
        click.echo(json.dumps(_jsonable(s), indent=2))
        return
    title = d.title if d is not None else Path(file).name
    click.echo(f"{title}: film σ = {s['conductivity_s_m']:g} S/m, h = {s['thickness_mm'] * 1000:g} µm, "
               f"{s['cells']} cells ({s['cells_per_gap']:.3g} per gap), domain {s['domain']}")
    rows = [
        ("ionic resistance", f"{s['resistance_ohm']:.5g} Ω"),
        ("equivalent length", f"{s['equivalent_length_mm']:.4g} mm of straight electrodes at the "
                              f"{s['gap_mm'] * 1000:.4g} µm gap"),
        ("edge current CV", f"{s['uniformity_cv']:.3g} (anode {s['anode_edge']['uniformity_cv']:.3g}, "
                            f"cathode {s['cathode_edge']['uniformity_cv']:.3g})"),
        ("edge j min/max", f"{s['min_max_ratio']:.3g}"),
        ("mean edge j", f"{s['edge_j_mean_a_m2']:.4g} A/m² at {s['voltage_v']:g} V"),
        ("solve", f"{s['assemble_s'] + s['solve_s']:.3g} s ({s['solver']}, {s['unknowns']} unknowns)"),
        ("time", f"{done - started:.3g} s in all: design {solving - started:.2g} s, grid links "
                 f"{s['assemble_s']:.2g} s, solve {s['solve_s']:.2g} s, edge profile "
                 f"{s['post_s']:.2g} s, maps {done - drawing:.2g} s"),
    ]
    for label, text in rows:
        click.echo(f"  {label:<18} {text}")
    for path in written:
        click.echo(f"  wrote {path}")


@click.command()
@click.argument("designs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--gap", type=LENGTH, default=None, help="set every design's gap to LENGTH")
@click.option("--cells", default=None, help="grid cells per field solve [default: 250000]")
@click.option("--conductivity", default=None, metavar="S/m", help="film ionic conductivity")
@click.option("--thickness", default=None, metavar="LENGTH", help="film thickness")
@click.option("--json", "as_json", is_flag=True, help="print the comparison as JSON")
@_PROFILE
def compare(designs: tuple[str, ...], gap: float | None, cells: str | None, conductivity: str | None,
            thickness: str | None, as_json: bool, profiles: tuple[str, ...]) -> None:
    """Compare designs side by side: areas, facing length, resistance, uniformity, capacity.

    Per-footprint rows (conductance and capacity per cm²) make families of different footprints
    comparable; --gap sets one gap for all.
    """
    require_sim()
    from ..analysis.compare import compare_designs, format_comparison

    loaded = [_design(p) for p in designs]
    rows = compare_designs(loaded, gap=gap, profiles=lambda d: _profiles(profiles, d),
                           conductivity=conductivity, thickness=thickness, cells=cells)
    if as_json:
        click.echo(json.dumps(_jsonable(rows), indent=2))
        return
    click.echo(format_comparison(rows))


@click.command()
@click.option("--thickness", type=LENGTH, required=True, help="bilayer (strip) thickness, e.g. 2um")
@click.option("--core-radius", type=LENGTH, required=True, help="radius of the first turn, e.g. 50um")
@click.option("--length", type=LENGTH, default=None, help="strip length: gives turns and diameter")
@click.option("--turns", type=NumberType(0.0, MAX_ROLL_TURNS, exclusive_min=True), default=None,
              help="turns: gives strip length and diameter")
@click.option("--diameter", type=LENGTH, default=None, help="outer diameter: gives turns and length")
@click.option("--width", type=LENGTH, default=1.0, show_default=True, help="strip width (roll height), mm")
@click.option("--gap", type=LENGTH, default=0.1, show_default=True, help="gap between the two collector tracks")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="write the flat strip pattern (.svg or .dxf)")
@click.option("--json", "as_json", is_flag=True, help="print the figures as JSON")
def roll(thickness: float, core_radius: float, length: float | None, turns: float | None,
         diameter: float | None, width: float, gap: float, output: str | None, as_json: bool) -> None:
    """Self-rolled Swiss-roll: turns and outer diameter from a strip, or the strip for a roll."""
    from ..analysis.rolled import solve_roll, strip_layout

    r = solve_roll(thickness=thickness, core_radius=core_radius, length=length, turns=turns,
                   diameter=diameter, width=width)
    if not r["length_mm"] <= MAX_LENGTH_MM:
        given = "--turns" if turns is not None else "--diameter" if diameter is not None else "--length"
        raise ParameterError(given, f"the strip would be {r['length_mm']:.6g} mm long, above the "
                                    f"{MAX_LENGTH_MM:g} mm (1 m) limit of any layout")
    if output:
        from ..export import export_layout

        export_layout(strip_layout(r["length_mm"], width, gap=gap), output)
    if as_json:
        click.echo(json.dumps(r, indent=2))
        return
    click.echo(f"strip {r['length_mm']:.5g} mm × {width:g} mm, {thickness * 1000:g} µm thick, "
               f"core radius {core_radius * 1000:g} µm")
    click.echo(f"  turns              {r['turns']:.4g}")
    click.echo(f"  outer diameter     {r['outer_diameter_mm'] * 1000:.4g} µm")
    click.echo(f"  π·N·(2r0 + N·t)    {r['length_approx_mm']:.6g} mm (exact {r['length_mm']:.6g} mm)")
    click.echo(f"  footprint          {r['footprint_lying_mm2']:.4g} mm² lying, "
               f"{r['footprint_standing_mm2']:.4g} mm² standing")
    if output:
        click.echo(f"  wrote {output}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
