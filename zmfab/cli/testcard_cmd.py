"""``zmfab testcard laser|diw``: calibration cards, and the picked cell as a user profile."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ParameterError


def _save(profile: dict, name: str, comment: str) -> Path:
    from ..atomic import write_text
    from ..export.profile_toml import dump_toml

    path = Path(name if name.endswith(".toml") else f"{name}.toml")
    write_text(path, dump_toml(profile, comment=comment))
    return path


def _finish(job, grid, *, output: Path | None, pick_text: str | None, save: str | None,
            kind: str, base: str, op: str, profs, what: str) -> None:
    from ..gcode.testcard import pick, picked_profile

    if save and not pick_text:
        raise ParameterError("--save-profile", "name the cell to keep with --pick C,R")
    if output:
        job.write(output)
        est = job.meta.get("estimate") or {}
        click.echo(f"{output}: {len(grid)} cells, {len(job.lines)} lines"
                   + (f", {est['time_s']:.0f} s" if est.get("time_s") else ""))
    if pick_text:
        cell = pick(grid, pick_text)
        value = f"power {cell.value * 100:g}%" if kind == "laser" else f"flow {cell.value:g}x"
        click.echo(f"cell {cell.column},{cell.row}: {value}, speed {cell.speed:g} mm/min")
        if save:
            name = Path(save).stem
            prof = picked_profile(cell, kind=kind, base=base, name=name, op=op, profiles=profs)
            path = _save(prof, save, f"zmfab testcard {kind} ({what}): cell {cell.column},"
                                     f"{cell.row}: {value}, speed {cell.speed:g} mm/min")
            click.echo(f"{path}: process {name}; use it with --profile {path} --process {name}"
                       if kind == "laser" else
                       f"{path}: process {name}; use it with --profile {path} and "
                       f"[[stack]] process = \"{name}\" (or --set process={name})")


@click.group("testcard")
def testcard() -> None:
    """Calibration cards: laser power x speed, DIW flow x speed."""


@testcard.command("laser")
@click.option("--power", "power_steps", default="10%:90%:9", show_default=True,
              help="FROM:TO:STEPS of laser power (rows).")
@click.option("--speed", "speed_steps", default="300mm/min:3000mm/min:5", show_default=True,
              help="FROM:TO:STEPS of burn speed (columns).")
@click.option("--op", type=click.Choice(["fill", "line"]), default="fill", show_default=True,
              help="A filled square or a single line per cell.")
@click.option("--process", default="laser-diode", show_default=True, help="Laser process profile.")
@click.option("--machine", default=None, help="Machine profile [default: the process's].")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="A profile file merged over the shipped profiles (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="G-code file of the card.")
@click.option("--pick", "pick_text", default=None, metavar="C,R", help="The best cell (column,row).")
@click.option("--save-profile", "save", default=None, metavar="NAME",
              help="Write process NAME (NAME.toml) with the picked cell's power and speed.")
@click.option("--date", default=None, help="Date written in the header.")
def laser(power_steps: str, speed_steps: str, op: str, process: str, machine: str | None,
          profiles: tuple[str, ...], output: Path | None, pick_text: str | None,
          save: str | None, date: str | None) -> None:
    """A grid of squares (or lines), one per power x speed, each labelled; laser off at the end."""
    from ..gcode.testcard import laser_card, parse_steps
    from ..profiles import Profiles

    if not output and not pick_text:
        raise ParameterError("-o", "give -o card.gcode, or --pick C,R to read a card")
    powers = parse_steps(power_steps, kind="power", field="--power")
    speeds = parse_steps(speed_steps, kind="speed", field="--speed")
    profs = Profiles(list(profiles))
    job, grid = laser_card(powers=powers, speeds=speeds, op=op, process=process, machine=machine,
                           profiles=profs, date=date)
    _finish(job, grid, output=output, pick_text=pick_text, save=save, kind="laser", base=process,
            op=op, profs=profs, what=f"{op}, power {power_steps}, speed {speed_steps}")


@testcard.command("diw")
@click.option("--flow", "flow_steps", default="0.8:1.4:7", show_default=True,
              help="FROM:TO:STEPS of the flow factor (rows).")
@click.option("--speed", "speed_steps", default="200mm/min:800mm/min:4", show_default=True,
              help="FROM:TO:STEPS of print speed (columns).")
@click.option("--machine", default="marlin-syringe", show_default=True, help="DIW machine profile.")
@click.option("--material", default=None, help="Ink material (its [diw] bead settings).")
@click.option("--process", default="diw", show_default=True, help="The process the profile copies.")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="A profile file merged over the shipped profiles (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="G-code file of the card.")
@click.option("--pick", "pick_text", default=None, metavar="C,R", help="The best cell (column,row).")
@click.option("--save-profile", "save", default=None, metavar="NAME",
              help="Write process NAME (NAME.toml) with the picked flow factor and speed.")
def diw(flow_steps: str, speed_steps: str, machine: str, material: str | None, process: str,
        profiles: tuple[str, ...], output: Path | None, pick_text: str | None,
        save: str | None) -> None:
    """Labelled bead lines, one per flow factor x print speed (Marlin)."""
    from ..gcode.testcard import diw_card, parse_steps
    from ..profiles import Profiles

    if not output and not pick_text:
        raise ParameterError("-o", "give -o card.gcode, or --pick C,R to read a card")
    flows = parse_steps(flow_steps, kind="flow", field="--flow")
    speeds = parse_steps(speed_steps, kind="speed", field="--speed")
    profs = Profiles(list(profiles))
    job, grid = diw_card(flows=flows, speeds=speeds, machine=machine, profiles=profs,
                         material=material)
    _finish(job, grid, output=output, pick_text=pick_text, save=save, kind="diw", base=process,
            op="diw", profs=profs, what=f"flow {flow_steps}, speed {speed_steps}")
