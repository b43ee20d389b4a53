"""``zmfab stream``, ``zmfab ports`` and ``zmfab emulate``: thin commands over zmfab.serial."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import IO

import click

from ..errors import DeviceError, ParameterError
from ..serial.protocol import Event
from .params import DURATION, NumberType
from .progress import bar_text

#: A serial timeout in seconds: above 0, at most an hour.
TIMEOUT = NumberType(0.0, 3600.0, exclusive_min=True, unit="s")

PORT_HELP = ("pyserial URL: /dev/ttyUSB0, COM3, socket://host:port, loop://, or an emulator "
             "sim://grbl, sim://marlin (options: ?baud=115200&fault=drop:0.01&seed=1)")


class _Progress:
    """Turns streamer events into a one-line progress bar (stderr) and a JSON-lines log."""

    def __init__(self, *, log: IO[str] | None, quiet: bool, simulated: bool) -> None:
        self.log, self.quiet, self.simulated = log, quiet, simulated
        self.tty = sys.stderr.isatty()
        self._last_draw = 0.0
        self.last: dict = {}
        self.safe_stop: str | None = None  # how the machine was stopped, or why it could not be

    def __call__(self, event: Event) -> None:
        if event.kind != "progress" and self.log is not None:
            self.log.write(json.dumps(event.to_json()) + "\n")
        if event.kind == "progress":
            self.last = event.data
            now = time.monotonic()
            if self.tty and not self.quiet and now - self._last_draw > 0.1:
                self._last_draw = now
                click.echo("\r" + self.bar(), nl=False, err=True)
        elif event.kind == "safe_stop":
            self.safe_stop = (f"safe stop sent ({event.text})" if event.data.get("sent")
                              else f"safe stop {event.text}")
        elif event.kind == "preamble":
            _show_preamble(event.line, event.data["lines"])

    def bar(self) -> str:
        d = self.last
        if not d:
            return ""
        return bar_text(d["acked"], d["total"], elapsed=d["elapsed"], eta=d["eta"], unit="lines",
                        percent=d["percent"])


def _show_preamble(from_line: int | None, lines: list[str]) -> None:
    """Print the resume preamble before anything moves."""
    click.echo(f"resume at line {from_line}: {len(lines)}-line preamble sent first:")
    for line in lines:
        click.echo(f"  {line}")


def _ask(reason: str) -> str:
    """Ask the operator; with no terminal to ask on, abort (the safe choice)."""
    if not sys.stdin.isatty():
        return "abort"
    click.echo(f"\npaused: {reason}", err=True)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C here = abort
    try:
        answer = click.prompt("continue or abort?", type=click.Choice(["continue", "abort", "c", "a"]),
                              default="abort", err=True)
    except (click.Abort, EOFError, OSError, KeyboardInterrupt):
        return "abort"
    finally:
        signal.signal(signal.SIGINT, previous)
    return "continue" if answer in ("continue", "c") else "abort"


class _Signals:
    """Signals while streaming. SIGINT (Ctrl-C): the first press asks the streamer to pause
    (feed hold, then ask); a second press before it noticed raises KeyboardInterrupt (abort,
    safe stop). SIGTERM and SIGHUP ask it to stop: the same safe stop, the ``aborted`` record,
    exit status 128 + the signal. Nothing interrupts a safe stop under way."""

    ASKED = ("idle", "connecting", "paused")  # states where the loop is not turning: raise now

    def __init__(self) -> None:
        self.pending = False
        self.streamer = None
        self.previous: dict[int, object] = {}

    def install(self, streamer) -> None:
        self.streamer = streamer
        for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                self.previous[sig] = signal.signal(
                    sig, self.ctrl_c if sig == signal.SIGINT else self.stop)

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def ctrl_c(self, signum: int, frame: object) -> None:
        if self.streamer is not None and self.streamer.state in ("stopping", "aborted", "done"):
            return
        if self.pending:
            raise KeyboardInterrupt
        self.pending = True

    def stop(self, signum: int, frame: object) -> None:
        from ..serial.streamer import StreamInterrupted

        s = self.streamer
        reason = f"stopped by {signal.Signals(signum).name}"
        s.request_stop(reason, signum=signum)
        if s.state in self.ASKED:
            raise StreamInterrupted(reason, signum=signum)

    def __call__(self) -> bool:
        hit, self.pending = self.pending, False
        return hit


def _job_estimate(lines: list[str]) -> float | None:
    """The job's time estimate: its ``; estimate_s:`` header, else zmfab.gcode's estimate."""
    try:
        from ..gcode.estimate import estimate
        from ..gcode.parse import header_meta, parse_gcode

        meta = header_meta(lines)
        if "estimate_s" in meta:
            return float(meta["estimate_s"].split()[0])
        seconds = float(estimate(parse_gcode("\n".join(lines)))["time_s"])
    except Exception:  # noqa: BLE001 - an estimate is a nicety, never a reason to refuse a job
        return None
    return seconds if seconds > 0 else None


def _machine_facts(name: str) -> tuple[str | None, tuple[str, ...]]:
    """A machine profile's dialect and, for Marlin DIW machines, its valve-off lines."""
    from ..profiles import Profiles

    profiles = Profiles()
    raw = profiles.get("machines", name)
    dialect = str(raw.get("dialect", "")).lower() or None
    if dialect != "marlin":
        return dialect, ()  # GRBL's safe stop is a soft reset: laser, air and spindle go off
    from ..gcode.diw_job import machine_from, merged_settings

    mname, merged = merged_settings(profiles, name, {})
    offs = machine_from(mname, merged).valve_off
    return dialect, tuple(c for c in offs if not c.upper().startswith("M400"))


def _job_dialect(lines: list[str]) -> str | None:
    """``grbl``/``marlin`` from a ``; dialect: NAME`` line in the job's leading comments."""
    for raw in lines:
        text = raw.strip()
        if text and not text.startswith((";", "(")):
            return None
        key, _, value = text.lstrip(";( ").partition(":")
        if key.strip().lower() == "dialect" and value.strip().lower() in ("grbl", "marlin"):
            return value.strip().lower()
    return None


@click.command("stream")
@click.argument("job", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--port", "-p", required=True, help=PORT_HELP)
@click.option("--baud", type=click.IntRange(50, 4_000_000), default=115200, show_default=True,
              help="Baud rate for real serial ports (50..4000000).")
@click.option("--firmware", type=click.Choice(["auto", "grbl", "marlin"]), default="auto",
              show_default=True,
              help="Protocol; auto = the job's '; dialect:' header, else marlin for sim://marlin, "
                   "else grbl.")
@click.option("--from-line", type=click.IntRange(min=1), help="Resume at this line of the file.")
@click.option("--dry-run", is_flag=True, help="Check the job in GRBL check mode ($C); nothing moves.")
@click.option("--on-error", type=click.Choice(["ask", "stop"]), default="ask", show_default=True,
              help="On an error or Ctrl-C: pause and ask, or stop at once (safe stop).")
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write one JSON object per line sent and per response.")
@click.option("--estimate", "estimate_s", type=DURATION,
              help="Job time estimate (e.g. 12min) for the ETA; default: zmfab's own estimate.")
@click.option("--mode", type=click.Choice(["count", "simple"]), default="count", show_default=True,
              help="GRBL flow control: character counting or send-and-wait.")
@click.option("--bufsize", type=click.IntRange(1, 128), default=4, show_default=True,
              help="Marlin commands in flight (BUFSIZE).")
@click.option("--off-code", multiple=True, help="Extra Marlin line sent on abort (e.g. 'M42 P4 S0').")
@click.option("--machine", help="Machine profile (e.g. marlin-pneumatic): its dialect, and its valve-"
              "off codes for the Marlin safe stop.")
@click.option("--connect-timeout", type=TIMEOUT, default=2.5, show_default=True,
              help="Seconds to wait for the banner (> 0, up to 3600).")
@click.option("--timeout", type=TIMEOUT, default=10.0, show_default=True,
              help="Seconds without any reply before failing (> 0, up to 3600).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--layer", help="Stack layer to plan and stream when JOB is a design (.toml).")
@click.option("--frame", "frame_first", is_flag=True,
              help="Trace the job's bounding box first (laser off or at frame_power), then ask.")
@click.option("--yes", is_flag=True, help="With --frame: do not ask before the job.")
@click.option("--align", "align_to", metavar="X1,Y1,X2,Y2",
              help="Move the job onto these measured fiducials (see zmfab align).")
@click.option("--fiducials", default="1,3", show_default=True,
              help="With --align: which two of the job's fiducials were measured.")
def stream(job: Path, port: str, baud: int, firmware: str, from_line: int | None, dry_run: bool,
           on_error: str, log_path: Path | None, estimate_s: float | None, mode: str, bufsize: int,
           off_code: tuple[str, ...], machine: str | None, connect_timeout: float, timeout: float,
           quiet: bool, layer: str | None, frame_first: bool = False, yes: bool = False,
           align_to: str | None = None, fiducials: str = "1,3") -> None:
    """Stream a G-code JOB (or a design's laser/diw layer) to a GRBL laser or a Marlin printer."""
    from ..serial import report
    from ..serial.jobfile import load_job
    from ..serial.streamer import StreamAborted, Streamer, make_dialect
    from ..serial.transport import open_transport

    lines = load_job(job, layer=layer, machine=machine)
    if align_to:
        from .bench_cmd import aligned_lines

        lines, reg = aligned_lines(lines, align_to, fiducials=fiducials)
        click.echo(f"aligned: {reg.transform.describe()}", err=True)
    if estimate_s is None:
        estimate_s = _job_estimate(lines)
    profile_dialect, profile_off = _machine_facts(machine) if machine else (None, ())
    off_code = (*profile_off, *off_code)
    if firmware == "auto":
        firmware = (profile_dialect or _job_dialect(lines)
                    or ("marlin" if port.startswith("sim://marlin") else "grbl"))
    if dry_run and firmware == "marlin":
        if not from_line:
            raise ParameterError("--dry-run", "check mode exists on GRBL only; Marlin has none "
                                 "(with --from-line, --dry-run shows the resume preamble)")
        from ..serial.resume import resume_plan

        _show_preamble(from_line, resume_plan(lines, from_line, dialect="marlin").preamble)
        click.echo("dry run: Marlin has no check mode; nothing was sent")
        return
    dialect = make_dialect(firmware, mode=mode, bufsize=bufsize, off_codes=off_code,
                           banner_timeout=connect_timeout, start_timeout=connect_timeout)
    transport, clock = open_transport(port, baud=baud)
    # line-buffered: the record survives a kill, and a tail -f sees each line as it happens
    log = open(log_path, "w", encoding="utf-8", buffering=1) if log_path else None  # noqa: SIM115
    sink = _Progress(log=log, quiet=quiet, simulated=port.startswith("sim://"))
    signals = _Signals()
    streamer = Streamer(transport, dialect=dialect, clock=clock, on_event=sink, on_pause=_ask,
                        on_error=on_error, timeout=timeout, interrupted=signals)
    signals.install(streamer)
    try:
        if frame_first:
            from .bench_cmd import frame_before_stream

            frame_before_stream(transport, clock, dialect, lines, sink=sink, machine=machine, yes=yes)
        result = streamer.run(lines, from_line=from_line, dry_run=dry_run, estimate_s=estimate_s)
    except DeviceError as exc:
        if sink.tty and not quiet:
            click.echo("", err=True)
        tail = f"; {sink.safe_stop}" if sink.safe_stop else ""
        where = f"; {report.stopped(streamer.result)}" if streamer.state == "aborted" else ""
        message = f"{exc}{tail}{where}"
        if isinstance(exc, StreamAborted) and exc.signum:
            click.echo(f"error: {message}", err=True)
            raise SystemExit(128 + exc.signum) from exc
        raise DeviceError(message) from exc
    finally:
        signals.restore()
        transport.close()
        if log:
            log.close()
    if sink.tty and not quiet:
        click.echo("\r" + sink.bar(), err=True)
    if dry_run and result.errors:
        first_line, what = result.errors[0]
        raise DeviceError(f"dry run: {len(result.errors)} line(s) rejected; first: line {first_line}: {what}")
    click.echo(report.finished(result, simulated=sink.simulated))
    if result.errors:
        raise SystemExit(1)  # the job ran, but not all of it


@click.command("ports")
def ports() -> None:
    """List attached serial ports with description and USB VID:PID."""
    from ..serial.transport import list_ports

    rows = list_ports()
    if not rows:
        click.echo("no serial ports found (emulators: --port sim://grbl or sim://marlin)")
        return
    width = max(len(r["device"]) for r in rows)
    for r in rows:
        click.echo(f"{r['device']:<{width}}  {r['vid_pid'] or '-':<9}  {r['description']}")


@click.command("emulate")
@click.argument("firmware", type=click.Choice(["grbl", "marlin"]))
@click.option("--pty", "use_pty", is_flag=True, help="Serve on a pseudo-terminal; prints its path.")
@click.option("--baud", type=click.IntRange(50, 4_000_000), help="Model this baud rate (bytes take 10 bits each).")
@click.option("--fault", multiple=True, help="drop:P corrupt:P error:LINE[:CODE] alarm:LINE "
              "disconnect:LINE slow:S busy:LINE:S lostok:LINE badok:LINE reset:LINE freeze:LINE "
              "badstatus:N")
@click.option("--option", "options", multiple=True, help="Emulator option KEY=VALUE (laser=0, soft=1, "
              "echo=1, motion=1, bf=1, travel=X,Y,Z; Marlin bufsize=4, temp=1, advok=1, feed=MM_S, "
              "endstops=X,Y,Z|off|none, eeprom=0).")
@click.option("--seed", default=0, show_default=True)
def emulate(firmware: str, use_pty: bool, baud: int | None, fault: tuple[str, ...],
            options: tuple[str, ...], seed: int) -> None:
    """Run a GRBL or Marlin emulator on a pty (--pty) or on this terminal (stdin/stdout)."""
    from ..serial.emulator import Link, make_device, parse_faults, serve_pty

    opts = dict(o.split("=", 1) for o in options if "=" in o)
    device = make_device(firmware, link=Link(baud=baud), faults=parse_faults(list(fault)), seed=seed,
                         options=opts)
    signal.signal(signal.SIGTERM, _interrupt)
    if use_pty:
        def ready(path: str) -> None:
            click.echo(path)
            click.echo(f"{firmware} emulator on {path}; connect with: zmfab stream JOB --port {path}"
                       " (Ctrl-C stops)", err=True)
            sys.stdout.flush()

        try:
            serve_pty(device, on_ready=ready)
        except KeyboardInterrupt:
            pass
    else:
        _console(device)
    click.echo(f"executed {len(device.executed)} lines; laser {'ON' if device.laser_on else 'off'}"
               + (f"; max RX fill {device.max_fill} bytes" if hasattr(device, "max_fill") else ""),
               err=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _console(device) -> None:
    """Talk to the emulator line by line on stdin/stdout (real-time bytes: ?, !, ~)."""
    t = 0.0
    device.boot()
    for raw in [*sys.stdin, None]:
        t += 1.0
        if raw is not None:
            device.host_write(raw.rstrip("\n").encode("ascii", "replace") + b"\n", t)
        device.advance_to(t + 1.0)
        out = device.host_read(t + 1.0).decode("ascii", "replace")
        if out:
            click.echo(out.replace("\r\n", "\n"), nl=False)
