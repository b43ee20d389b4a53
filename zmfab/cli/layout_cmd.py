"""``zmfab layout FAMILY`` and ``zmfab info FILE``: one layout, its metrics, its export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..geometry.budget import limits
from ..geometry.registry import FAMILY_MODULES, field_spec, generate, get_generator
from .params import DPI, MAX_VERTICES_OPTION


def emit_metrics(metrics: dict[str, Any], as_json: bool) -> None:
    """Print metrics as JSON or as a short table with units."""
    from ..regions.metrics import format_table

    click.echo(json.dumps(metrics, indent=2) if as_json else format_table(metrics))


def _option_for(f: Any) -> click.Option:
    meta = f.metadata
    flag = "--" + f.name.replace("_", "-")
    kind = meta.get("kind")
    help_text = meta.get("help", "")
    if f.default is not None:
        help_text += f" [default: {f.default:g}]" if isinstance(f.default, float) else f" [default: {f.default}]"
    if kind == "choice":
        return click.Option([flag], type=click.Choice(meta["choices"], case_sensitive=False), default=None,
                            help=help_text)
    if kind == "bool":
        return click.Option([flag + "/--no-" + flag[2:]], default=None, help=help_text)
    metavar = "LENGTH" if kind == "length" else "N"
    return click.Option([flag], type=str, default=None, metavar=metavar, help=help_text)


def _family_command(name: str) -> click.Command:
    gen = get_generator(name)
    params = [_option_for(f) for f in field_spec(gen.params_type)]
    params += [
        click.Option(["-o", "--output"], type=click.Path(dir_okay=False), default=None,
                     help="write the layout to FILE (.svg, .dxf or .gds by suffix)"),
        click.Option(["--dxf-version"], default="R2010", show_default=True,
                     help="DXF version (R12 writes POLYLINE for older CAM)"),
        click.Option(["--json", "as_json"], is_flag=True, help="print the metrics as JSON"),
        click.Option(["--array"], default=None, metavar="NxM", help="a panel of N x M devices (e.g. 4x3)"),
        click.Option(["--pitch"], default=None, metavar="LENGTH[,LENGTH]",
                     help="panel pitch x[,y] (default: the device footprint)"),
        click.Option(["--wiring"], type=click.Choice(["none", "series", "parallel"], case_sensitive=False),
                     default=None, help="panel wiring (series: cathode pad to the next anode pad)"),
        MAX_VERTICES_OPTION,
        click.Option(["-q", "--quiet"], is_flag=True, help="no progress bar"),
    ]

    def run(output: str | None, dxf_version: str, as_json: bool, array: str | None = None,
            pitch: str | None = None, wiring: str | None = None, max_vertices: int | None = None,
            quiet: bool = False, **values: Any) -> None:
        from .progress import Bar

        chosen = {"--" + k.replace("_", "-"): v for k, v in values.items() if v is not None}
        bar = Bar(quiet=quiet, unit="stages")
        stages = 3 if output else 2
        try:
            with limits(max_vertices=max_vertices):
                bar(0, stages, "generate")
                lay = generate(name, **chosen)
                if array or pitch or wiring:
                    from ..build.budget import check_panel_work
                    from ..process.panel import panel_from_design

                    if not array:
                        raise click.UsageError("--pitch and --wiring need --array NxM")
                    check_panel_work(None, lay, array=array, pitch=pitch)
                    lay = panel_from_design(None, lay, array=array, pitch=pitch, wiring=wiring)
            if output:
                from ..export import export_layout

                bar(1, stages, "export")
                export_layout(lay, output, dxf_version=dxf_version)
            from ..regions.metrics import measure

            bar(stages - 1, stages, "metrics")
            metrics = measure(lay)
            bar(stages, stages)
        finally:
            bar.close()
        emit_metrics(metrics, as_json)
        if output and not as_json:
            click.echo(f"wrote {output}")

    return click.Command(name, params=params, callback=run, help=gen.summary, short_help=gen.summary)


class FamilyGroup(click.Group):
    """Subcommands built from the generator registry."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(FAMILY_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name.replace("_", "-").lower() not in FAMILY_MODULES and name.lower() != "swissroll":
            return None
        return _family_command(get_generator(name).name)


@click.group(cls=FamilyGroup)
def layout() -> None:
    """Generate an electrode layout: zmfab layout FAMILY [options] [-o FILE] [--json]."""


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the metrics as JSON")
@click.option("--dpi", type=DPI, default=None, help="SVG pixels per inch (only for SVGs without a size)")
@click.pass_context
def info(ctx: click.Context, file: str, as_json: bool, dpi: float | None) -> None:
    """Print the metrics of a design (.toml) or of a DXF/SVG whose layers are named after regions.

    Exit status: 0, or 1 when anode and cathode touch or overlap (a short, reported with where).
    """
    from ..regions.metrics import describe_short, find_short, measure

    path = Path(file)
    if not path.exists():
        raise click.BadParameter(f"{file}: no such file", param_hint="FILE")
    if path.suffix.lower() == ".toml":
        from ..design import load_design

        lay = load_design(path).layout()
    else:
        from ..imports import layout_from_drawing

        lay = layout_from_drawing(path, **({"dpi": dpi} if dpi else {}))
    metrics = measure(lay)
    short = find_short(lay)
    if as_json:
        emit_metrics({**metrics, "short": short}, True)
    else:
        emit_metrics(metrics, False)
        if short:
            click.echo(describe_short(short))
    if short:
        ctx.exit(1)
