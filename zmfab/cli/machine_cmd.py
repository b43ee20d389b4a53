"""``zmfab machine ...``: bench commands over zmfab.serial.control (status, home, jog, settings)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click

from ..errors import ParameterError
from ..serial.protocol import Event
from .params import SPEED, LengthType

LENGTH_ANY = LengthType(positive=False)
PORT_HELP = ("Port, as for zmfab stream: /dev/ttyUSB0, COM3, socket://host:port, a pty, or an "
             "emulator sim://grbl, sim://marlin (options: ?homing=1&motion=1)")


def port_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--port, --baud, --firmware, --log, --connect-timeout, --timeout."""
    for opt in reversed([
        click.option("--port", "-p", required=True, help=PORT_HELP),
        click.option("--baud", default=115200, show_default=True, help="Baud rate for real ports."),
        click.option("--firmware", type=click.Choice(["auto", "grbl", "marlin"]), default="auto",
                     show_default=True, help="Protocol; auto = marlin for sim://marlin, else grbl."),
        click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write one JSON object per line sent and per response."),
        click.option("--connect-timeout", default=2.5, show_default=True,
                     help="Seconds to wait for the banner."),
        click.option("--timeout", default=10.0, show_default=True,
                     help="Seconds to wait for each answer."),
    ]):
        func = opt(func)
    return func


class _Log:
    """Streamer and machine events as JSON lines (the same log as ``zmfab stream``)."""

    def __init__(self, handle: IO[str] | None) -> None:
        self.handle = handle

    def __call__(self, event: Event) -> None:
        if self.handle is not None and event.kind != "progress":
            self.handle.write(json.dumps(event.to_json()) + "\n")


@contextmanager
def open_machine(port: str, *, baud: int, firmware: str, log_path: Path | None,
                 connect_timeout: float, timeout: float) -> Iterator[Any]:
    """A connected :class:`~zmfab.serial.control.Machine`, closed (and the log too) on exit."""
    from ..serial.control import Machine

    log = open(log_path, "w", encoding="utf-8") if log_path else None  # noqa: SIM115
    try:
        with Machine.open(port, firmware=firmware, baud=baud, on_event=_Log(log),
                          connect_timeout=connect_timeout, timeout=timeout) as m:
            yield m
    finally:
        if log:
            log.close()


def print_status(st: Any, *, as_json: bool = False) -> None:
    if as_json:
        click.echo(json.dumps(st.to_dict()))
        return
    click.echo(f"state: {st.state}" + (f" (ALARM:{st.alarm})" if st.alarm else ""))
    if st.alarm_meaning:
        click.echo(f"alarm: {st.alarm_meaning}")
    click.echo("machine: X {:.3f} Y {:.3f} Z {:.3f}".format(*st.mpos))
    click.echo("work:    X {:.3f} Y {:.3f} Z {:.3f}".format(*st.wpos))
    if st.firmware:
        click.echo(f"firmware: {st.firmware}")


@click.group("machine")
def machine() -> None:
    """Bench commands: status, home, unlock, reset, origin, goto, jog, settings."""


def _simple(name: str, doc: str, action: Callable[[Any], Any]) -> click.Command:
    @port_options
    @click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
    def cmd(port: str, baud: int, firmware: str, log_path: Path | None, connect_timeout: float,
            timeout: float, as_json: bool) -> None:
        with open_machine(port, baud=baud, firmware=firmware, log_path=log_path,
                          connect_timeout=connect_timeout, timeout=timeout) as m:
            print_status(action(m), as_json=as_json)

    cmd.__doc__ = doc
    return machine.command(name)(cmd)


_simple("status", "State, machine and work position, alarm and its meaning, firmware version.",
        lambda m: m.status())
_simple("home", "Home the axes (GRBL $H, Marlin G28).", lambda m: m.home())
_simple("unlock", "Clear GRBL's alarm lock ($X) without homing.", lambda m: m.unlock())
_simple("reset", "Soft reset (GRBL ctrl-X; Marlin: reopen the port, which resets the board).",
        lambda m: m.reset())


@machine.command("origin")
@port_options
@click.option("--z", "with_z", is_flag=True, help="Zero Z here too.")
def origin(port: str, baud: int, firmware: str, log_path: Path | None, connect_timeout: float,
           timeout: float, with_z: bool) -> None:
    """Set the work origin at the current position (GRBL G10 L20 P1 X0 Y0, Marlin G92 X0 Y0)."""
    with open_machine(port, baud=baud, firmware=firmware, log_path=log_path,
                      connect_timeout=connect_timeout, timeout=timeout) as m:
        print_status(m.set_origin(z=with_z))


def parse_point(text: str, field: str) -> tuple[float, float]:
    """``X,Y`` lengths (units allowed) -> mm."""
    from ..units import parse_length

    parts = [p for p in text.replace(" ", "").split(",") if p]
    if len(parts) != 2:
        raise ParameterError(field, f"{text!r} must be two lengths X,Y (e.g. 10mm,5mm)")
    return (parse_length(parts[0], field=field, positive=False),
            parse_length(parts[1], field=field, positive=False))


@machine.command("goto")
@click.argument("point", metavar="X,Y")
@port_options
@click.option("--feed", type=SPEED, default=3000.0, show_default=True, help="Feed, e.g. 3000mm/min.")
def goto(point: str, port: str, baud: int, firmware: str, log_path: Path | None,
         connect_timeout: float, timeout: float, feed: float) -> None:
    """Move to work position X,Y with the laser off (GRBL: a $J= jog)."""
    x, y = parse_point(point, "X,Y")
    with open_machine(port, baud=baud, firmware=firmware, log_path=log_path,
                      connect_timeout=connect_timeout, timeout=timeout) as m:
        print_status(m.goto(x, y, feed=feed))


@machine.command("jog")
@port_options
@click.option("--dx", type=LENGTH_ANY, default=None, help="X distance, e.g. 1mm.")
@click.option("--dy", type=LENGTH_ANY, default=None, help="Y distance, e.g. -2mm.")
@click.option("--dz", type=LENGTH_ANY, default=None, help="Z distance.")
@click.option("--feed", type=SPEED, default=1000.0, show_default=True, help="Jog feed.")
@click.option("--step", type=click.Choice(["0.01", "0.1", "1", "10"]), default="1",
              show_default=True, help="Interactive: first step, mm.")
def jog(port: str, baud: int, firmware: str, log_path: Path | None, connect_timeout: float,
        timeout: float, dx: float | None, dy: float | None, dz: float | None, feed: float,
        step: str) -> None:
    """Jog by --dx/--dy/--dz; without a distance, interactively (arrows, PgUp/PgDn, +/-, o, q)."""
    with open_machine(port, baud=baud, firmware=firmware, log_path=log_path,
                      connect_timeout=connect_timeout, timeout=timeout) as m:
        if any(v is not None for v in (dx, dy, dz)):
            print_status(m.jog(dx or 0.0, dy or 0.0, dz or 0.0, feed=feed))
            return
        from ..serial.jog import STEPS, JogSession

        session = JogSession(m, feed=feed, step_index=STEPS.index(float(step)))
        run_keys(session)


def run_keys(session: Any, *, stop_after_marks: int | None = None) -> None:
    """Read keys from the terminal (cbreak mode) and feed them to ``session`` until it stops."""
    from ..serial.jog import HELP, split_keys

    if not sys.stdin.isatty():
        raise ParameterError("jog", "interactive jogging needs a terminal (or give --dx/--dy/--dz)")
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)  # before the prompt: keys typed after it are read one by one
        click.echo(HELP)
        click.echo(session.describe(session.machine.status()))
        while not session.done:
            data = os.read(fd, 64).decode("ascii", "replace")
            if not data:
                break
            for key in split_keys(data):
                click.echo(session.handle(key))
                if session.done or (stop_after_marks and len(session.marks) >= stop_after_marks):
                    session.done = True
                    break
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if not session.done:
            session.machine.cancel_jog()


@machine.command("settings")
@port_options
@click.option("--machine", "machine_name", required=True, help="Machine profile to compare with.")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="A profile file merged over the shipped profiles (repeatable).")
@click.option("--apply", "apply_", is_flag=True, help="Write the profile's values (asks first).")
@click.option("--yes", is_flag=True, help="With --apply: do not ask.")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
def settings(port: str, baud: int, firmware: str, log_path: Path | None, connect_timeout: float,
             timeout: float, machine_name: str, profiles: tuple[str, ...], apply_: bool,
             yes: bool, as_json: bool) -> None:
    """Read the controller's settings (GRBL's $$, Marlin's M503 and M211), compare them with
    the machine profile, list what would change a job."""
    from ..profiles import Profiles
    from ..serial.marlin_settings import compare_marlin, marlin_limits
    from ..serial.settings import compare_settings, format_diffs, profile_settings

    prof = {**Profiles(list(profiles)).get("machines", machine_name), "name": machine_name}
    marlin = str(prof.get("dialect", "grbl")).lower() == "marlin"
    dialect = "marlin" if marlin else "grbl"
    # refuses a profile of neither dialect (and bad limits in it) before the port is opened
    if marlin:
        marlin_limits(prof)
    else:
        profile_settings(prof)
    compare = compare_marlin if marlin else compare_settings
    if firmware == "auto" and not port.startswith("sim://"):
        firmware = dialect  # a real port talks the profile's dialect
    with open_machine(port, baud=baud, firmware=firmware, log_path=log_path,
                      connect_timeout=connect_timeout, timeout=timeout) as m:
        if m.firmware != dialect:
            raise ParameterError("--machine", f"{machine_name} is a {dialect} profile but the "
                                              f"controller runs {m.firmware}")
        diffs = compare(m.read_settings(), prof)
        if as_json:
            click.echo(json.dumps([d.to_dict() for d in diffs]))
        else:
            for line in format_diffs(diffs, machine=machine_name,
                                     report="M503/M211" if marlin else "$$"):
                click.echo(line)
        fixed = [d for d in diffs if d.writable]
        if not apply_ or not diffs:
            return
        if not fixed:
            raise ParameterError("--apply", "nothing here can be written over the port ("
                                 + ", ".join(d.label for d in diffs) + " are set in the "
                                 "firmware); nothing written")
        if not yes and not (sys.stdin.isatty() and click.confirm(
                f"write {len(fixed)} setting(s) to the controller's EEPROM?", default=False)):
            raise ParameterError("--apply", "not confirmed; nothing written (use --yes in scripts)")
        for d in fixed:
            m.write_setting(d.key, d.profile)
        stored = m.save_settings()
        left = {d.key for d in compare(m.read_settings(), prof)} & {d.key for d in fixed}
        if left:
            raise ParameterError("--apply", f"{len(left)} setting(s) did not take: "
                                 + ", ".join(d.label for d in fixed if d.key in left))
        click.echo(f"wrote {len(fixed)} setting(s): "
                   + " ".join(f"{d.label}={d.profile:g}" for d in fixed)
                   + ("" if stored else " (this build has no EEPROM: they hold until a reset)"))
        rest = [d.label for d in diffs if not d.writable]
        if rest:
            click.echo(f"still differ (set in the firmware, not over the port): {', '.join(rest)}")
