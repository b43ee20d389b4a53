"""Job files: the one function that turns a path into the G-code lines to stream."""

from __future__ import annotations

from pathlib import Path

from ..errors import ParameterError

JOB_SUFFIXES = (".gcode", ".nc", ".txt", ".ngc", ".gc", ".g")


def load_job(path: str | Path) -> list[str]:
    """The lines of a job file (G-code: .gcode/.nc/.txt/.ngc/.gc/.g), without line ends.

    Line ``i`` of the list is line ``i+1`` of the file, so ``--from-line`` and error messages
    name file lines. Design files (.toml) are streamed once ``zmfab.gcode`` offers
    ``job_lines_from_design(path) -> list[str]``; this is the one place to hook it in.
    """
    p = Path(path)
    if not p.is_file():
        raise ParameterError("job", f"{p}: no such file")
    if p.suffix.lower() == ".toml":
        try:
            from ..gcode import job_lines_from_design  # type: ignore[attr-defined]
        except ImportError as exc:
            raise ParameterError("job", f"{p}: streaming a design file is not supported yet; "
                                 "build its G-code (zmfab build) and stream the .gcode") from exc
        return list(job_lines_from_design(p))
    if p.suffix.lower() not in JOB_SUFFIXES:
        raise ParameterError("job", f"{p}: not a G-code file (expected {', '.join(JOB_SUFFIXES)})")
    try:
        return p.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise ParameterError("job", f"{p}: {exc.strerror}") from exc
