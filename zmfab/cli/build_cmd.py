"""``zmfab build DESIGN -o DIR``: every output of a design in one folder."""

from __future__ import annotations

import click

from .params import max_vertices_option
from .progress import Bar


@click.command()
@click.argument("design", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False), default=None,
              help="output folder [default: out/<design name>]")
@click.option("--dxf-version", default="R2010", show_default=True, help="DXF version of the exports")
@click.option("--force", is_flag=True, help="write fabrication files even when the design-rule check fails")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="a profile file merged over the shipped profiles (repeatable)")
@click.option("--array", default=None, metavar="NxM", help="build a panel of N x M devices (e.g. 4x3)")
@click.option("--pitch", default=None, metavar="LENGTH[,LENGTH]",
              help="panel pitch x[,y] (default: the device footprint)")
@click.option("--series", "wiring", flag_value="series", default=None,
              help="wire the panel's cells in series (cathode pad to the next anode pad)")
@click.option("--wiring", "wiring", type=click.Choice(["none", "series", "parallel"], case_sensitive=False),
              default=None, help="panel wiring")
@click.option("--machine", default=None, help="machine profile whose bed every layer must fit")
@max_vertices_option
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
def build(design: str, outdir: str | None, dxf_version: str, force: bool, profiles: tuple[str, ...],
          array: str | None = None, pitch: str | None = None, wiring: str | None = None,
          machine: str | None = None, max_vertices: int | None = None, quiet: bool = False) -> None:
    """Build a design file: layout SVG/DXF, preview, report (and every later stage's files).

    The design-rule check runs first: when it fails the build stops with one error line
    (exit 2) and writes nothing, unless --force (then the violations go into report.json).
    Masks and stencils land in masks/<layer>.svg and .dxf.
    """
    from pathlib import Path

    from ..build import build as run_build
    from ..design import load_design

    d = load_design(design)
    target = Path(outdir) if outdir else Path("out") / Path(design).stem
    bar = Bar(quiet=quiet, unit="steps")
    try:
        ctx = run_build(d, target, dxf_version=dxf_version, force=force, profiles=list(profiles),
                        array=array, pitch=pitch, wiring=wiring, machine=machine,
                        max_vertices=max_vertices, progress=bar)
    finally:
        bar.close()
    for warning in ctx.warnings:
        click.echo(f"warning: {warning}", err=True)
    m = ctx.report.get("metrics", {})
    click.echo(f"{d.title}: {len(ctx.files)} files in {target}/")
    if m:
        click.echo(f"  electrodes {m['anode_area_mm2']:.4g} + {m['cathode_area_mm2']:.4g} mm², "
                   f"gap {m['min_gap_mm'] * 1000:.4g} µm, footprint {m['footprint_area_mm2']:.4g} mm²")
    drc = ctx.report.get("drc")
    if drc is not None:
        click.echo("  design-rule check: " + ("passed" if drc.get("passed")
                                              else f"{drc.get('count', 0)} violations (forced)"))
    cell = ctx.report.get("cell")
    if cell and "capacity_mah" in cell:
        extra = (f", {cell['capacitance_mf']:.3g} mF" if "capacitance_mf" in cell else "")
        click.echo(f"  cell: {cell['capacity_mah']:.3g} mAh, {cell['areal_capacity_mah_cm2']:.3g} mAh/cm², "
                   f"{cell['voltage_v']:.3g} V{extra}")
    for job in ctx.report.get("jobs", []) or []:
        seconds = job.get("time_s", job.get("estimate_s")) if isinstance(job, dict) else None
        if seconds is not None and "file" in job:
            click.echo(f"  {job['file']}: {job.get('lines', '?')} lines, {seconds / 60:.1f} min estimated")
    for name in sorted(ctx.files):
        click.echo(f"  {name}")
