"""What the GRBL emulator does at the bench: ``$J=`` jogs, the 0x85 jog cancel, ``G10 L2/L20``
work offsets, and a substrate placed on the bed with a known rotation and offset.

A mixin of :class:`~zmfab.serial.grbl_emu.GrblDevice`: it uses that class's planner, parser and
position fields (``planner``, ``head_end``, ``mpos``, ``pos``, ``modal``, ``wco``, ``substrate``).
"""

from __future__ import annotations

import math
from typing import Any

from .jobscan import words


class BenchCommands:
    """Jogging, work offsets and the substrate model of the GRBL emulator."""

    planner: Any
    head_end: float | None
    mpos: list[float]
    pos: list[float]
    modal: dict[str, Any]
    wco: list[float]
    substrate: tuple[float, ...]
    settings: dict[int, float]
    state: str
    jogging: bool
    motion: bool
    t: float
    _wco_due: int

    def _jog(self, text: str) -> str | None:
        """``$J=[G90|G91] X.. Y.. Z.. F..``: a move that leaves the parser state untouched."""
        if self.state not in ("Idle",) or (self.planner and not self.jogging):
            return "error:8" if self.state != "Alarm" else "error:9"
        ws = words(text)
        if not ws or any(letter in "MS" for letter, _ in ws) or "F" not in {k for k, _ in ws}:
            return "error:16"
        saved = dict(self.modal)
        err, target, moved = self._parse("G1" + text)
        self.modal = saved
        if err:
            return f"error:{err}"
        if self.settings[20] and not self._within(target):
            return "error:15"
        if not moved:
            return "ok"
        feed = next(v for k, v in ws if k == "F")
        self.jogging = True
        self.pos = list(target)
        dist = math.dist(self.mpos if not self.planner else self.planner[-1][1], target)
        duration = dist / feed * 60.0 if self.motion and feed else 0.0
        if duration <= 0 and not self.planner:
            self.mpos, self.jogging = list(target), False
            return "ok"
        # the third field: how many executed lines are done when this block ends (all of them)
        self.planner.append((duration, (target[0], target[1], target[2]), len(self.executed)))
        if self.head_end is None:
            self._start_head()
        return "ok"

    def _jog_cancel(self) -> None:
        """0x85: stop a jog where it is and flush the rest (nothing else is touched)."""
        if not self.jogging:
            return
        if self.planner and self.head_end is not None:
            duration, target = self.planner[0][:2]
            done = 1.0 - max(0.0, self.head_end - self.t) / duration if duration else 1.0
            self.mpos = [a + (b - a) * done for a, b in zip(self.mpos, target, strict=True)]
        self.planner.clear()
        self.head_end, self.jogging = None, False
        self.pos = list(self.mpos)

    def _work_offset(self, text: str) -> bool:
        """``G10 L20 P1 X.. Y..`` (this position is the given work coordinate) or ``G10 L2 P1``
        (the work origin is at the given machine coordinates); True when ``text`` was one."""
        ws = dict(words(text))
        if ws.get("G") != 10 or ws.get("P", 1) != 1 or ws.get("L") not in (2, 20):
            return False
        for i, a in enumerate("XYZ"):
            if a in ws:
                self.wco[i] = self.mpos[i] - ws[a] if ws["L"] == 20 else ws[a]
        self._wco_due = 0
        return True

    def on_substrate(self, x: float, y: float) -> tuple[float, float]:
        """Machine ``(x, y)`` mm in the frame of the placed substrate (see ``substrate=``)."""
        dx, dy, deg = self.substrate
        c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
        u, v = x - dx, y - dy
        return (c * u + s * v, -s * u + c * v)

    def substrate_to_machine(self, x: float, y: float) -> tuple[float, float]:
        """Where the substrate's point ``(x, y)`` mm lies on the machine."""
        dx, dy, deg = self.substrate
        c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
        return (c * x - s * y + dx, s * x + c * y + dy)
