"""The ``zmfab`` command: a thin layer of click commands over the library.

Commands are imported only when used, so ``zmfab --help`` starts fast; each entry of
:data:`COMMANDS` names its module and a one-line help.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from .. import __version__
from ..errors import ZmfabError

#: command name -> ("module:attribute", one-line help shown by ``zmfab --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "layout": ("zmfab.cli.layout_cmd:layout", "Generate an electrode layout and export it (SVG/DXF)."),
    "info": ("zmfab.cli.layout_cmd:info", "Print the metrics of a design, or of a DXF/SVG drawing."),
    "build": ("zmfab.cli.build_cmd:build", "Build every output of a design file into a folder."),
    "check": ("zmfab.cli.check_cmd:check", "Design-rule check of a design's process stack (exit 1 on violations)."),
    "profiles": ("zmfab.cli.profiles_cmd:profiles", "List the machine, process and material profiles, or show one."),
    "sweep": ("zmfab.cli.sweep_cmd:sweep", "Build or measure many variants of a design (parameter sweep)."),
    "stream": ("zmfab.cli.stream_cmd:stream", "Stream a G-code job to a GRBL laser or Marlin printer."),
    "ports": ("zmfab.cli.stream_cmd:ports", "List serial ports (description, USB VID:PID)."),
    "emulate": ("zmfab.cli.stream_cmd:emulate", "Run a GRBL or Marlin emulator (on a pty with --pty)."),
    "machine": ("zmfab.cli.machine_cmd:machine", "Bench control: status, home, unlock, reset, origin, goto, jog, settings."),
    "frame": ("zmfab.cli.bench_cmd:frame", "Trace a job's bounding box (or hull) on the machine, laser off or at frame power."),
    "align": ("zmfab.cli.bench_cmd:align", "Register a layer: measure two fiducials, compute the rotation and offset."),
    "testcard": ("zmfab.cli.testcard_cmd:testcard", "Calibration cards: laser power x speed, DIW flow x speed; save the pick."),
    "gcode": ("zmfab.cli.gcode_cmd:gcode", "G-code for a DXF/SVG drawing or a design layer (laser, DIW)."),
    "estimate": ("zmfab.cli.gcode_cmd:estimate", "Time, burn/print/cut and travel lengths, bounds of a G-code or HPGL file."),
    "preview": ("zmfab.cli.gcode_cmd:preview", "Draw a G-code or HPGL file (SVG or PNG): burns, beads, cuts, travels."),
    "cell": ("zmfab.cli.analysis_cmd:cell", "Capacity, energy and N/P of a design (from [cell] or its stack)."),
    "simulate": ("zmfab.cli.analysis_cmd:simulate", "Thin-film electrolyte field: resistance, current uniformity, maps."),
    "compare": ("zmfab.cli.analysis_cmd:compare", "Compare designs side by side (areas, resistance, uniformity, capacity)."),
    "deposit": ("zmfab.cli.deposit_cmd:deposit", "Charge, current and time to electrodeposit a design's layers (Faraday's law)."),
    "roll": ("zmfab.cli.analysis_cmd:roll", "Self-rolled Swiss-roll: turns and diameter from a strip, and its flat pattern."),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, attr = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="zmfab")
def cli() -> None:
    """zmfab: plan the fabrication of zinc micro-batteries and micro-supercapacitors.

    Lengths accept units: 300um, 300µm, 0.3mm, 0.03cm, 12mil, 0.01in (a bare number is mm).
    """


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so every ``finally`` runs: staging folders go, lasers go off."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> None:
    """Entry point: library errors and usage errors become one ``error:`` line and exit 2."""
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> None:
    try:
        rv = cli.main(args=argv, prog_name="zmfab", standalone_mode=False)
    except ZmfabError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        if type(exc).__name__.startswith("NoArgsIsHelp"):
            click.echo(exc.format_message())
            sys.exit(0)
        click.echo(f"error: {_one_line(_message(exc))}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Terminated:
        click.echo("error: terminated (SIGTERM); nothing half written", err=True)
        sys.exit(143)
    except (click.Abort, KeyboardInterrupt) as exc:
        if isinstance(exc.__cause__ or exc.__context__, Terminated):  # click turns it into Abort
            click.echo("error: terminated (SIGTERM); nothing half written", err=True)
            sys.exit(143)
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except OSError as exc:
        click.echo(f"error: {exc.filename or ''}: {exc.strerror or exc}".replace(": : ", ": "), err=True)
        sys.exit(2)
    except Exception as exc:  # a bug: say so in one line unless debugging
        if os.environ.get("ZMFAB_DEBUG"):
            raise
        click.echo(f"error: internal error ({type(exc).__name__}: {exc}); set ZMFAB_DEBUG=1 for details",
                   err=True)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)


def _message(exc: click.ClickException) -> str:
    """``--opt: what`` for a bad option value (the library's ``field: what`` form), else click's text."""
    if isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter) \
            and (exc.param is not None or exc.param_hint):
        name = exc.param_hint or (exc.param.opts[0] if exc.param.opts else exc.param.name)  # type: ignore[union-attr]
        if isinstance(name, (list, tuple)):
            name = name[0]
        return f"{str(name).strip(chr(39))}: {exc.message}"
    return exc.format_message()


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
