"""``zmfab sweep DESIGN --vary NAME=SPEC ... -o DIR``: many variants of one design."""

from __future__ import annotations

import click

from .progress import Bar


@click.command()
@click.argument("design", type=click.Path(dir_okay=False))
@click.option("--vary", "vary", multiple=True, required=True, metavar="NAME=SPEC",
              help="NAME=START:STOP:STEP (stop included) or NAME=v1,v2,... ; NAME is a family "
                   "parameter or 'family'; lengths take units (repeatable)")
@click.option("--zip", "zip_axes", is_flag=True, help="pair the values of every --vary instead of "
              "taking their cartesian product")
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False), default=None,
              help="sweep folder [default: out/<design name>-sweep]")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="worker processes [default: every core]")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="run on a Dask distributed cluster (tcp://host:8786); needs zmfab[dask]")
@click.option("--no-build", "no_build", is_flag=True,
              help="metrics only: measure each layout, write no files but variant.json")
@click.option("--simulate", is_flag=True, help="also estimate the resistance (slower)")
@click.option("--rerun", is_flag=True, help="run every variant again, even those already done")
@click.option("--plot", "plot_axes", nargs=2, default=None, metavar="X Y",
              help="draw column Y against column X, coloured by family (needs zmfab[sim])")
@click.option("--plot-colour", "--plot-color", "plot_colour", default=None, metavar="COLUMN",
              help="colour --plot points by this column [default: family when several, else "
                   "the first other --vary]")
@click.option("--plot-file", default=None, metavar="FILE",
              help="where --plot draws (.png, .svg, .pdf) [default: DIR/X_vs_Y.png]")
@click.option("--dxf-version", default="R2010", show_default=True, help="DXF version of the exports")
@click.option("--force", is_flag=True, help="write fabrication files even when a variant fails the "
              "design-rule check")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="a profile file merged over the shipped profiles (repeatable)")
@click.option("--array", default=None, metavar="NxM",
              help="each variant as a panel of N x M devices (overrides the design's [panel])")
@click.option("--pitch", default=None, metavar="LENGTH[,LENGTH]",
              help="panel pitch x[,y] (default: the device footprint)")
@click.option("--wiring", type=click.Choice(["none", "series", "parallel"], case_sensitive=False),
              default=None, help="panel wiring")
@click.option("--machine", default=None, help="machine profile whose bed every layer must fit")
@click.option("--max-variants", type=click.IntRange(1, 1_000_000), default=None, metavar="N",
              help="refuse sweeps of more than N variants [default: 10000]")
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
def sweep(design: str, vary: tuple[str, ...], zip_axes: bool, outdir: str | None, jobs: int | None,
          scheduler: str | None, no_build: bool, simulate: bool, rerun: bool,
          plot_axes: tuple[str, str] | None, plot_colour: str | None, plot_file: str | None,
          dxf_version: str, force: bool,
          profiles: tuple[str, ...], array: str | None, pitch: str | None, wiring: str | None,
          machine: str | None, max_variants: int | None, quiet: bool) -> None:
    """Build (or measure) every variant of DESIGN over the --vary values into one folder each.

    DIR/summary.csv and DIR/summary.json hold one row per variant: its values, layout metrics,
    design-rule result and, where available, capacity and resistance estimates. Failed variants
    stay in the table with the reason. Running it again skips the variants already done.

    \b
    Examples:
      zmfab sweep idt.toml --vary gap=100um:500um:50um --vary fingers=4,8,16 -o out/s
      zmfab sweep idt.toml --vary family=interdigitated,concentric --no-build \\
          --plot fill_factor min_gap
    """
    from pathlib import Path

    from ..design import load_design
    from ..profiles import Profiles
    from ..sweep import sweep as run_sweep
    from ..sweep import with_panel
    from ..sweep.spec import DEFAULT_MAX_VARIANTS
    from ..sweep.summary import default_colour, plot, table

    d = load_design(design)
    target = Path(outdir) if outdir else Path("out") / f"{Path(design).stem}-sweep"
    if machine:  # an unknown machine is one error now, not one per variant
        Profiles(list(profiles)).get("machines", machine)
    d = with_panel(d, array=array, pitch=pitch, wiring=wiring)
    build_opts = {"dxf_version": dxf_version, "force": force, "profiles": list(profiles)}
    options = {"build": {**build_opts, **({"machine": machine} if machine else {})},
               "profiles": list(profiles)}
    if plot_axes:
        _check_plot(plot_file, target, plot_axes)
    bar = Bar(quiet=quiet, unit="variants", rate=True)
    wanted = [*(plot_axes or ()), *([plot_colour] if plot_axes and plot_colour else [])]
    result = run_sweep(d, vary, target, zip_axes=zip_axes, build=not no_build, jobs=jobs,
                       scheduler=scheduler, simulate=simulate, resume=not rerun, options=options,
                       progress=bar, max_variants=max_variants or DEFAULT_MAX_VARIANTS,
                       columns=wanted)
    counts: dict[str, int] = {}
    for r in result.records:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    rate = result.ran / result.elapsed_s if result.elapsed_s > 0 else 0.0
    click.echo(f"{d.title}: {len(result.records)} variants ({summary}); ran {result.ran} "
               f"({rate:.1f}/s), {result.skipped} already done; stages: {', '.join(result.stages)}")
    if simulate and "resistance" not in result.stages:
        click.echo("warning: --simulate: zmfab.analysis.field is not installed, no resistance "
                   "estimates", err=True)
    for r in result.failed[:10]:
        click.echo(f"  {r['name']}: {r['status']}: {r['reason']}")
    if len(result.failed) > 10:
        click.echo(f"  ... {len(result.failed) - 10} more in summary.csv")
    click.echo(f"  {target / 'summary.csv'}")
    if plot_axes:
        x, y = plot_axes
        columns, rows = table(result.records)
        path = Path(plot_file) if plot_file else target / f"{x}_vs_{y}.png"
        colour = plot_colour or default_colour(rows, result.varied, x)
        click.echo(f"  {plot(rows, columns, x, y, path, units=result.units, colour_by=colour)}")


def _check_plot(plot_file: str | None, target: object, axes: tuple[str, str]) -> None:
    """What --plot needs, checked before the sweep runs: matplotlib and a drawable file name."""
    from pathlib import Path

    from ..errors import ParameterError, ZmfabError

    path = Path(plot_file) if plot_file else Path(f"{axes[0]}_vs_{axes[1]}.png")
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ParameterError("--plot-file", f"{path.name}: use a .png, .svg or .pdf name")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ZmfabError("--plot needs matplotlib: pip install 'zmfab[sim]'") from None
