"""Job files: the one function that turns a path into the G-code lines to stream."""

from __future__ import annotations

from pathlib import Path

from ..errors import ParameterError

JOB_SUFFIXES = (".gcode", ".nc", ".txt", ".ngc", ".gc", ".g")


def load_job(path: str | Path, *, layer: str | None = None, machine: str | None = None,
             profile_files: tuple[str, ...] = ()) -> list[str]:
    """The lines of a job file (G-code: .gcode/.nc/.txt/.ngc/.gc/.g), without line ends.

    Line ``i`` of the list is line ``i+1`` of the file, so ``--from-line`` and error messages
    name file lines. A design file (.toml) is planned first: its stack ``layer`` (or its only
    laser/diw layer) becomes the job, exactly as ``zmfab gcode DESIGN --layer NAME`` writes it.
    """
    p = Path(path)
    if not p.is_file():
        raise ParameterError("job", f"{p}: no such file")
    if p.suffix.lower() == ".toml":
        from ..gcode.sources import job_from_design
        from ..profiles import Profiles

        job, _ = job_from_design(p, layer, profiles=Profiles(list(profile_files)), machine=machine)
        return list(job.lines)
    if p.suffix.lower() not in JOB_SUFFIXES:
        raise ParameterError("job", f"{p}: not a G-code file (expected {', '.join(JOB_SUFFIXES)})")
    try:
        return p.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise ParameterError("job", f"{p}: {exc.strerror}") from exc
