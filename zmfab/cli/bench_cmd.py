"""``zmfab frame`` and ``zmfab align``, and the ``stream --frame/--align`` helpers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import ParameterError
from .machine_cmd import open_machine, port_options, run_keys
from .params import FRACTION, LENGTH, SPEED


def machine_for(lines: list[str], name: str | None, files: tuple[str, ...] = ()) -> dict[str, Any]:
    """The machine profile named, else the job header's ``machine:``, else grbl-diode (GRBL
    jobs) or marlin-syringe (Marlin jobs)."""
    from ..gcode.parse import header_meta
    from ..profiles import Profiles

    meta = header_meta(lines)
    profs = Profiles(list(files))
    wanted = name or meta.get("machine")
    if not wanted or (not name and wanted not in profs.names("machines")):
        wanted = "marlin-syringe" if meta.get("dialect", "grbl") == "marlin" else "grbl-diode"
    return {**profs.get("machines", wanted), "name": wanted}


def frame_job_lines(lines: list[str], machine: dict[str, Any], *, hull: bool = False,
                    power: float | None = None, speed: float | None = None) -> list[str]:
    """The frame of ``lines`` for ``machine`` (see :mod:`zmfab.gcode.frame`)."""
    from ..gcode.frame import frame_lines, job_outline

    outline = job_outline(lines, hull=hull)
    return frame_lines(outline, machine, power=power, speed=speed,
                       what="convex hull" if hull else "bounding box")


@click.command("frame")
@click.argument("job", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--layer", help="Stack layer when JOB is a design (.toml).")
@click.option("--hull", is_flag=True, help="Trace the convex hull instead of the bounding box.")
@click.option("--machine", "machine_name", help="Machine profile [default: the job header's].")
@click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
              help="A profile file merged over the shipped profiles (repeatable).")
@click.option("--power", type=FRACTION, default=None,
              help="Frame power [default and maximum: the profile's frame_power].")
@click.option("--speed", type=SPEED, default=None, help="Frame speed [default: frame_speed].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the frame as G-code instead of running it.")
@click.option("--port", "-p", default=None, help="Port to run the frame on (see zmfab stream).")
@click.option("--baud", default=115200, show_default=True)
@click.option("--firmware", type=click.Choice(["auto", "grbl", "marlin"]), default="auto",
              show_default=True)
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--connect-timeout", default=2.5, show_default=True)
@click.option("--timeout", default=10.0, show_default=True)
def frame(job: Path, layer: str | None, hull: bool, machine_name: str | None,
          profiles: tuple[str, ...], power: float | None, speed: float | None,
          output: Path | None, port: str | None, baud: int, firmware: str, log_path: Path | None,
          connect_timeout: float, timeout: float) -> None:
    """Trace a JOB's (or design layer's) bounding box or hull, laser off or at frame power."""
    from ..atomic import write_text
    from ..serial.jobfile import load_job

    if not port and not output:
        raise ParameterError("--port", "give --port URL to run the frame, or -o FILE to write it")
    lines = load_job(job, layer=layer, machine=machine_name, profile_files=profiles)
    mach = machine_for(lines, machine_name, profiles)
    frame_g = frame_job_lines(lines, mach, hull=hull, power=power, speed=speed)
    if output:
        write_text(output, "\n".join(frame_g) + "\n")
        click.echo(f"{output}: {len(frame_g)} lines")
    if port:
        if firmware == "auto":
            firmware = str(mach.get("dialect", "grbl")).lower()
        with open_machine(port, baud=baud, firmware=firmware, log_path=log_path,
                          connect_timeout=connect_timeout, timeout=timeout) as m:
            res = m.run(frame_g)
            st = m.wait_idle()
        click.echo(f"framed ({'hull' if hull else 'box'}) in {res.elapsed:.2f} s; back at "
                   f"X {st.wpos[0]:.3f} Y {st.wpos[1]:.3f}")


def frame_before_stream(transport: Any, clock: Any, dialect: Any, lines: list[str], *,
                        sink: Any, machine: str | None, yes: bool) -> None:
    """``stream --frame``: run the frame on the open link, then ask before the job burns; the
    job then streams on the same connection (no second handshake)."""
    from ..serial.control import Machine, resume_connection

    mach = machine_for(lines, machine)
    frame_g = frame_job_lines(lines, mach)
    m = Machine(transport, firmware=dialect.name, clock=clock, on_event=sink,
                connect_timeout=getattr(dialect, "banner_timeout", 2.5))
    m.connect()
    m.run(frame_g)
    m.wait_idle()
    click.echo("framed the job's bounding box", err=True)
    if not yes:
        if not sys.stdin.isatty():
            raise ParameterError("--frame", "cannot ask before burning without a terminal "
                                            "(add --yes to stream after the frame)")
        if not click.confirm("frame done: run the job?", default=False, err=True):
            raise ParameterError("--frame", "not confirmed: the job was not started")
    resume_connection(dialect)


def aligned_lines(lines: list[str], measured: str, *, fiducials: str = "1,3",
                  tolerance: float | None = None) -> tuple[list[str], Any]:
    """``lines`` moved onto the fiducials measured at ``X1,Y1,X2,Y2`` (``stream --align``)."""
    from ..gcode.transform import transform_lines
    from ..process.registration import check_scale, fit_rigid, parse_points

    design, tol, source = _design_fiducials(lines, fiducials, tolerance)
    reg = fit_rigid(design, parse_points(measured))
    check_scale(reg, tol, source=source)
    return transform_lines(lines, reg.transform), reg


def _which(text: str) -> tuple[int, int]:
    try:
        a, b = (int(v) for v in text.split(","))
    except ValueError:
        raise ParameterError("--fiducials", f"{text!r} must be two fiducial numbers, e.g. 1,3") from None
    return a, b


def _design_fiducials(lines: list[str], fiducials: str, tolerance: float | None
                      ) -> tuple[tuple[Any, Any], float | None, str]:
    from ..gcode.parse import header_meta
    from ..process.registration import job_fiducials, pick_fiducials, process_tolerance
    from ..profiles import Profiles

    meta = header_meta(lines)
    design = pick_fiducials(job_fiducials(meta), _which(fiducials))
    if tolerance is not None:
        return design, tolerance, " (--tolerance)"
    if meta.get("registration_mm"):
        return design, float(meta["registration_mm"].split()[0]), " (job header)"
    tol = process_tolerance(Profiles(), meta.get("process"))
    return design, tol, f" of process {meta.get('process')}" if tol else ""


@click.command("align")
@click.argument("job", type=click.Path(dir_okay=False, path_type=Path))
@port_options
@click.option("--measured", default=None, metavar="X1,Y1,X2,Y2",
              help="Go to these work positions and read them back, instead of jogging.")
@click.option("--fiducials", default="1,3", show_default=True,
              help="Which two of the job's fiducials (1 lower left .. 4 upper left).")
@click.option("--layer", help="Stack layer when JOB is a design (.toml).")
@click.option("--machine", "machine_name", help="Machine profile (a design's job).")
@click.option("--tolerance", type=LENGTH, default=None,
              help="Largest scale error [default: the job's registration_mm].")
@click.option("--feed", type=SPEED, default=3000.0, show_default=True, help="Feed of the moves.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the aligned job here.")
@click.option("--json", "as_json", is_flag=True, help="Print the registration as JSON.")
def align(job: Path, port: str, baud: int, firmware: str, log_path: Path | None,
          connect_timeout: float, timeout: float, measured: str | None, fiducials: str,
          layer: str | None, machine_name: str | None, tolerance: float | None, feed: float,
          output: Path | None, as_json: bool) -> None:
    """Measure two fiducials on the substrate and compute the job's rotation and offset."""
    from ..atomic import write_text
    from ..gcode.transform import transform_lines
    from ..process.registration import check_scale, fit_rigid, parse_points
    from ..serial.jobfile import load_job

    lines = load_job(job, layer=layer, machine=machine_name)
    design, tol, source = _design_fiducials(lines, fiducials, tolerance)
    targets = parse_points(measured) if measured else None
    with open_machine(port, baud=baud, firmware=firmware, log_path=log_path,
                      connect_timeout=connect_timeout, timeout=timeout) as m:
        got = []
        for i, d in enumerate(design):
            if targets is not None:
                st = m.goto(*targets[i], feed=feed)
            else:
                got.append(_mark(m, i, d, feed))
                continue
            got.append((st.wpos[0], st.wpos[1]))
    reg = fit_rigid(design, got)
    measured_text = ",".join(f"{v:.4f}" for p in got for v in p)
    if as_json:
        click.echo(json.dumps({**reg.to_dict(), "tolerance_um": None if tol is None else tol * 1000}))
    else:
        t = reg.transform
        click.echo(f"fiducials {fiducials}: design {_pt(design[0])} {_pt(design[1])}, measured "
                   f"{_pt(got[0])} {_pt(got[1])}")
        click.echo(f"rotation {t.angle_deg:+.4f} deg, offset {t.dx:+.4f},{t.dy:+.4f} mm")
        click.echo(f"misalignment {reg.misalignment_um:.1f} µm without the transform; residual "
                   f"{reg.residual_um:.1f} µm")
        tol_text = f" (tolerance {tol * 1000:g} µm{source})" if tol else " (no tolerance known)"
        click.echo(f"scale error {reg.scale_error_um:+.1f} µm{tol_text}")
    check_scale(reg, tol, source=source)
    if output:
        write_text(output, "\n".join(transform_lines(lines, reg.transform)) + "\n")
        click.echo(f"{output}: aligned job written")
    if not as_json:
        click.echo(f"stream it with: zmfab stream {job} --align {measured_text}"
                   + (f" --fiducials {fiducials}" if fiducials != "1,3" else ""))
        click.echo(f"or write it with: zmfab gcode ... --transform {reg.transform.option()}")


def _mark(m: Any, index: int, design: tuple[float, float], feed: float) -> tuple[float, float]:
    """Go to where fiducial ``index`` should be, then jog onto it; Enter marks it."""
    from ..serial.jog import JogSession

    click.echo(f"fiducial {index + 1}: going to its design position {_pt(design)}; jog onto the "
               "mark, then press Enter")
    m.goto(*design, feed=feed)
    session = JogSession(m, step_index=1)
    run_keys(session, stop_after_marks=1)
    if not session.marks:
        raise ParameterError("align", f"stopped before fiducial {index + 1} was marked")
    st = session.marks[-1]
    return (st.wpos[0], st.wpos[1])


def _pt(p: tuple[float, float]) -> str:
    return f"({p[0]:.4f}, {p[1]:.4f})"
