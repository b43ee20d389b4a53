"""``zmfab deposit``: Faraday's-law charge, current and time of a design's electrodeposited layers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


@click.command()
@click.argument("design", type=click.Path(exists=True, dir_okay=False))
@click.option("--layer", "layer_name", default=None, help="one electrodeposit layer [default: every one]")
@click.option("--mode", type=click.Choice(["galvanostatic", "potentiostatic"]), default=None,
              help="override the layer's mode")
@click.option("--current-density", default=None, help="e.g. 5mA/cm2 (galvanostatic set point)")
@click.option("--time", "time_", default=None, help="deposition time instead of a current density, e.g. 20min")
@click.option("--potential", default=None, help="potentiostatic set point, e.g. -1.2V (vs the reference)")
@click.option("--loading", default=None, help="override the layer's loading, e.g. 2mg/cm2")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="write the potentiostat step CSV here (one layer)")
@click.option("--json", "as_json", is_flag=True, help="print the figures as JSON")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="a profile file merged over the shipped profiles (repeatable)")
def deposit(design: str, layer_name: str | None, mode: str | None, current_density: str | None,
            time_: str | None, potential: str | None, loading: str | None, output: str | None,
            as_json: bool, profiles: tuple[str, ...]) -> None:
    """Charge (C), current (mA) and time (s) to electrodeposit each layer's loading."""
    from ..analysis.deposit import design_deposits, format_plan, steps_csv
    from ..design import load_design
    from ..drc import design_profile_files
    from ..errors import ParameterError
    from ..profiles import Profiles

    d = load_design(design)
    profs = Profiles(design_profile_files(d) + list(profiles))
    settings: dict[str, Any] = {"mode": mode, "current_density": current_density, "time": time_,
                                "potential": potential, "loading": loading}
    settings = {k: v for k, v in settings.items() if v is not None}
    if output is not None and layer_name is None:
        names = [p.layer for p in design_deposits(d, profs)]
        if len(names) > 1:
            raise ParameterError("--output", f"name one --layer for the step file (layers: {', '.join(names)})")
    plans = design_deposits(d, profs, layer=layer_name, settings=settings)
    if output is not None:
        from ..atomic import write_text

        write_text(Path(output), steps_csv(plans[0]))
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in plans], indent=2))
    else:
        click.echo("\n".join(format_plan(p) for p in plans))
    if output is not None and not as_json:
        click.echo(f"{output}: steps for {plans[0].layer}")
