"""``zmfab gcode``, ``zmfab estimate``, ``zmfab preview``: thin commands over zmfab.gcode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import ParameterError
from .params import DPI, FRACTION, SPEED


def _pairs(items: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ParameterError(option, f"{item!r} must be KEY=VALUE")
        key, value = item.split("=", 1)
        out[key.strip().replace("-", "_") if option == "--set" else key.strip()] = value.strip()
    return out


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="G-code file [default: SOURCE name (+ layer) .gcode]")
@click.option("--op", default=None,
              help="fill | isolate | cut | diw for every layer of a drawing that holds material "
                   "(outline layers such as footprint or active_area only by --layer-op)")
@click.option("--layer", "layer_name", default=None, help="stack layer of a design file")
@click.option("--layer-op", "layer_ops", multiple=True, metavar="LAYER=OP",
              help="operation for one drawing layer or colour (repeatable), e.g. anode=fill")
@click.option("--process", default=None, help="laser process profile [default: laser-co2]")
@click.option("--machine", default=None, help="machine profile [default: the process's machine]")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="a profile file merged over the shipped profiles (repeatable)")
@click.option("--power", type=FRACTION, default=None, help="laser power, e.g. 40%")
@click.option("--speed", type=SPEED, default=None, help="burn speed, e.g. 1200mm/min")
@click.option("--passes", type=click.IntRange(1, 1000), default=None, help="passes")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="any other setting (repeatable): kerf=150um, overscan=2mm, angle=90, tabs=2...")
@click.option("--dpi", type=DPI, default=None, help="SVG pixels per inch when the file gives no size")
@click.option("--max-lines", type=click.IntRange(1, 10**9), default=None, metavar="N",
              help="refuse fills estimated above N hatch lines [default: 1000000]")
@click.option("--offset", default=None, metavar="X,Y", help="bed position of the design's origin, e.g. 10mm,10mm")
@click.option("--date", default=None, help="date written in the header (for reproducible files)")
@click.option("--dialect", type=click.Choice(["gcode", "hpgl"]), default="gcode",
              help="gcode (GRBL laser, Marlin DIW) or hpgl: a drag-knife cutter's .plt (--op cut)")
@click.option("--transform", "transform", default=None, metavar="ANGLE,DX,DY",
              help="rotate (degrees, about the origin) then offset the job, e.g. the one "
                   "zmfab align prints: 0.25deg,0.12mm,-0.05mm")
def gcode(source: str, output: str | None, op: str | None, layer_name: str | None,
          layer_ops: tuple[str, ...], process: str | None, machine: str | None,
          profiles: tuple[str, ...], power: float | None, speed: float | None, passes: int | None,
          sets: tuple[str, ...], dpi: float | None, max_lines: int | None, offset: str | None,
          date: str | None, dialect: str = "gcode", transform: str | None = None) -> None:
    """G-code for a DXF/SVG drawing (--op / --layer-op) or a design's stack layer (--layer);
    with --dialect hpgl, a cutter's HPGL (or, with -o x.svg, its Silhouette Studio SVG)."""
    from ..gcode.transform import parse_transform, transform_lines
    from ..profiles import Profiles

    rigid = parse_transform(transform) if transform else None  # refused before planning
    if rigid is not None and dialect != "gcode":
        raise ParameterError("--transform", "applies to G-code jobs (--dialect gcode)")
    profs = Profiles(list(profiles))
    settings: dict[str, Any] = _pairs(sets, "--set")
    if dialect == "hpgl":
        from .cut_cmd import write_cut

        write_cut(source, output=output, op=op, layer_name=layer_name, layer_ops=layer_ops,
                  profiles=profs, machine=machine, settings=settings, speed=speed, passes=passes,
                  power=power, dpi=dpi, offset=offset, process=process)
        return
    offset = settings.pop("offset", None) if offset is None else offset
    date = settings.pop("date", None) if date is None else date
    for key, value in (("power", power), ("speed", speed), ("passes", passes)):
        if value is not None:
            settings[key] = value
    from ..gcode.sources import job_from_design, job_from_drawing
    from ..process.stack import slug

    suffix = Path(source).suffix.lower()
    if suffix in (".dxf", ".svg"):
        job = job_from_drawing(source, op=op, layer_ops=_pairs(layer_ops, "--layer-op"),
                               profiles=profs, process=process, machine=machine, settings=settings,
                               dpi=dpi, offset=offset, date=date, max_lines=max_lines)
        stem = Path(source).stem
    elif suffix == ".toml":
        job, name = job_from_design(source, layer_name, profiles=profs, op=op, machine=machine,
                                    settings=settings, offset=offset, date=date)
        stem = f"{Path(source).stem}-{slug(name)}"
    else:
        raise ParameterError("SOURCE", f"cannot plan from {suffix or 'a file without suffix'} "
                                       "(use .dxf, .svg or a design .toml)")
    target = Path(output) if output else Path(f"{stem}.gcode")
    if rigid is not None:
        job.lines = transform_lines(job.lines, rigid)
        job.meta["transform"] = rigid.describe()
    job.write(target)
    est = job.meta.get("estimate") or {}
    text = f"{target}: {job.commands} lines"
    if est:
        text += (f", {est['time_s']:.1f} s, burn {est.get('burn_mm', 0):.1f} mm"
                 if job.dialect == "grbl" else f", {est['time_s']:.1f} s")
    click.echo(text)


@click.command()
@click.argument("job", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the estimate as JSON")
@click.option("--machine", default=None, help="machine profile [default: the header's machine]")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="a profile file merged over the shipped profiles (repeatable)")
def estimate(job: str, as_json: bool, machine: str | None, profiles: tuple[str, ...]) -> None:
    """Time (trapezoidal motion), burn/print and travel lengths, bounds of a G-code file (or of
    a cutter's .plt/.hpgl: cut and travel at its VS speed)."""
    from ..gcode.estimate import estimate as run
    from ..gcode.estimate import format_estimate

    prog = _read_job(job)
    prof = _machine(prog.meta, machine, profiles)
    est = run(prog, prof)
    if as_json:
        click.echo(json.dumps(est, indent=2))
    else:
        click.echo(format_estimate(est))


@click.command()
@click.argument("job", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="preview.svg or preview.png [default: JOB name .svg]")
@click.option("--machine", default=None, help="machine profile (its bed) [default: the header's]")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="a profile file merged over the shipped profiles (repeatable)")
@click.option("--full-bed", is_flag=True, help="draw the whole bed, not just the job")
def preview(job: str, output: str | None, machine: str | None, profiles: tuple[str, ...],
            full_bed: bool) -> None:
    """Draw a G-code file: burns coloured by power or beads by tool, travels dashed, the bed
    (or a cutter's .plt/.hpgl: its cuts)."""
    from ..gcode.preview import write_preview

    prog = _read_job(job)
    prof = _machine(prog.meta, machine, profiles)
    target = Path(output) if output else Path(job).with_suffix(".svg")
    write_preview(prog, target, machine=prof, title=Path(job).name, full_bed=full_bed)
    click.echo(f"{target}")


def _read_job(job: str):
    """The parsed job: HPGL by its suffix (.plt, .hpgl), else G-code."""
    from ..gcode.hpgl_program import is_hpgl, read_hpgl_job
    from ..gcode.parse import read_gcode

    return read_hpgl_job(job) if is_hpgl(job) else read_gcode(job)


def _machine(meta: dict[str, str], name: str | None, files: tuple[str, ...]) -> dict[str, Any] | None:
    from ..profiles import Profiles

    profs = Profiles(list(files))
    wanted = name or meta.get("machine")
    if wanted and wanted in profs.names("machines"):
        return {**profs.get("machines", wanted), "name": wanted}
    if name:
        profs.get("machines", name)  # raises, naming the known ones
    return None
