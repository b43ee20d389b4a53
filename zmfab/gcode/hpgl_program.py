"""A cutter's HPGL file as a :class:`~.parse.Program`, so that ``zmfab estimate`` and
``zmfab preview`` read a .plt as they read G-code: knife-down moves are cuts, knife-up moves
travels, every one at the file's ``VS`` speed (a drag-knife cutter travels no faster than it
cuts), starting from (0, 0) where ``IN`` puts the pen. The cutter route's own figures
(:meth:`zmfab.toolpath.cutter.CutPlan.figures`) are this estimate of the file it writes.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ParameterError
from .parse import Move, Program, text_of

#: Suffixes read as HPGL.
HPGL_SUFFIXES = (".plt", ".hpgl")


def is_hpgl(path: str | Path) -> bool:
    """Whether ``path`` names an HPGL file (by its suffix)."""
    return Path(path).suffix.lower() in HPGL_SUFFIXES


def program_from_hpgl(text: str, *, source: str = "HPGL") -> Program:
    """The moves of HPGL ``text``; errors name ``source``."""
    from ..export.hpgl import read_hpgl

    try:
        hp = read_hpgl(text)
    except ParameterError as exc:
        raise ParameterError(source, str(exc).split(": ", 1)[-1]) from None
    if not hp.moves:
        raise ParameterError(source, "holds no moves: not a cutter job (nothing to estimate or draw)")
    speed = hp.settings.get("VS")
    if not speed or speed <= 0:
        raise ParameterError(source, "sets no speed (VS, cm/s): its time cannot be estimated")
    feed = float(speed) * 600.0  # cm/s -> mm/min
    moves = [Move(x0, y0, 0.0, x1, y1, 0.0, feed=feed, cut=down)
             for x0, y0, x1, y1, down in hp.moves]
    meta = {"dialect": "hpgl", "speed_cm_s": f"{float(speed):g}"}
    if "FS" in hp.settings:
        meta["force"] = f"{hp.settings['FS']:g}"
    return Program(moves, meta, lines=len(hp.commands), dialect="hpgl",
                   commands=set(hp.commands))


def read_hpgl_job(path: str | Path) -> Program:
    """The HPGL file at ``path`` (text only; errors name the file)."""
    name = Path(path).name
    return program_from_hpgl(text_of(Path(path).read_bytes(), name, "HPGL"), source=name)
