"""``zmfab check DESIGN``: the design-rule check of a design's stack (exit 1 on violations)."""

from __future__ import annotations

import json

import click


@click.command()
@click.argument("design", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True,
              help="print the violations as a JSON list (rule, layer, measured_mm, allowed_mm, where)")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="a profile file merged over the shipped profiles (repeatable)")
@click.option("--machine", default=None, help="machine profile whose bed every layer must fit")
@click.option("--array", default=None, metavar="NxM", help="check a panel of N x M devices (e.g. 4x3)")
@click.option("--pitch", default=None, metavar="LENGTH[,LENGTH]", help="panel pitch (x[,y]), e.g. 15mm")
@click.option("--wiring", type=click.Choice(["none", "series", "parallel"], case_sensitive=False),
              default=None, help="panel wiring")
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
@click.pass_context
def check(ctx: click.Context, design: str, as_json: bool, profiles: tuple[str, ...],
          machine: str | None, array: str | None, pitch: str | None, wiring: str | None,
          quiet: bool = False) -> None:
    """Check a design's layers against their processes, the substrate and the machine.

    Exit status: 0 when every rule passes, 1 with violations, 2 when the input cannot be read.
    """
    from ..design import load_design
    from ..drc import check as run_check
    from ..drc import design_layout, design_profile_files, rules
    from ..process.stack import resolve_stack
    from ..profiles import Profiles
    from .progress import Bar

    d = load_design(design)
    profs = Profiles(design_profile_files(d) + list(profiles))
    # stages: the layout, the stack, then each rule (a 100 x 100 panel takes a while)
    total = 2 + len(rules())
    bar = Bar(quiet=quiet, unit="stages")
    try:
        bar(0, total, "layout")
        layout = design_layout(d, array=array, pitch=pitch, wiring=wiring)
        bar(1, total, "stack")
        layers = resolve_stack(d, layout, profs)
        bar(2, total, "rules")
        violations = run_check(d, layout, layers, profs, machine=machine,
                               progress=lambda k, n, name: bar(2 + k, 2 + n, name))
    finally:
        bar.close()
    if as_json:
        click.echo(json.dumps([v.to_dict() for v in violations], indent=2))
    else:
        names = ", ".join(f"{lay.name} ({lay.method})" for lay in layers)
        if violations:
            click.echo(f"{d.title}: {len(violations)} design-rule violation"
                       f"{'s' if len(violations) != 1 else ''} in layers {names}")
            for v in violations:
                click.echo(f"  {v}")
        else:
            click.echo(f"{d.title}: passed ({len(layers)} layers: {names})")
    if violations:
        ctx.exit(1)

