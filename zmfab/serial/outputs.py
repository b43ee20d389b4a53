"""What a job switched on, as sent to the machine: the lines that switch it off again.

The streamer feeds every line it sends to :meth:`Outputs.track`; the safe stop and the Marlin
pause ask for :meth:`Outputs.off_lines` / :meth:`Outputs.hold_lines` and
:meth:`Outputs.restore_lines`. Lines that may not have run count as on: a stop that switches off
something already off costs nothing; the reverse burns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .jobscan import words

_FMT = "{:.4f}"


def _num(value: float) -> str:
    return _FMT.format(value).rstrip("0").rstrip(".") or "0"


@dataclass
class Outputs:
    """Heaters per tool, bed, fan, M42 pins, spindle/laser and coolant the job has set."""

    hotends: set[int] = field(default_factory=set)
    bed: bool = False
    fan: float | None = None  # last M106 S (0 after M107); None: the job never touched it
    pins: dict[str, float] = field(default_factory=dict)  # M42 P -> last S
    spindle: str | None = None  # "M3 S500" / "M4 S500" while on, None after M5
    coolant: bool = False
    tool: int = 0

    def track(self, text: str) -> None:
        """Note the outputs one sent line sets (cheap for plain motion lines)."""
        if "M" not in text and "T" not in text:
            return
        ws = words(text)
        params = dict(ws)
        for letter, value in ws:
            if letter == "T" and not any(lt == "M" and int(v) in (104, 109) for lt, v in ws):
                self.tool = int(value)
            if letter != "M":
                continue
            m = int(value)
            if m in (104, 109):
                self.hotends.add(int(params.get("T", self.tool)))
            elif m in (140, 190):
                self.bed = True
            elif m == 106:
                self.fan = params.get("S", 255.0)
            elif m == 107:
                self.fan = 0.0
            elif m == 42 and "P" in params:
                self.pins[f"{params['P']:g}"] = params.get("S", 0.0)
            elif m in (3, 4):
                self.spindle = f"M{m} S{_num(params['S'])}" if "S" in params else (
                    f"M{m}" if self.spindle is None else f"M{m}{self.spindle[2:]}")
            elif m in (5, 2, 30):
                self.spindle = None
            elif m in (7, 8):
                self.coolant = True
            elif m == 9:
                self.coolant = False

    def off_lines(self) -> list[str]:
        """Marlin's safe stop after M410: every heater the job set, the fan, every pin it set,
        the spindle/laser (M107 and M5 always: they cost nothing)."""
        out = [f"M104 T{t} S0" for t in sorted(self.hotends)]
        if self.bed:
            out.append("M140 S0")
        out.append("M107")
        out += [f"M42 P{p} S0" for p in sorted(self.pins)]
        out.append("M5")
        return out

    def hold_lines(self) -> list[str]:
        """While a Marlin job is paused: finish the queued moves, then close what flows."""
        out = ["M400"]
        if self.fan:
            out.append("M107")
        out += [f"M42 P{p} S0" for p, v in sorted(self.pins.items()) if v]
        if self.spindle:
            out.append("M5")
        return out

    def restore_lines(self) -> list[str]:
        """Undo :meth:`hold_lines` on continue: the spindle, fan and pins as the job left them."""
        out = []
        if self.spindle:
            out.append(self.spindle)
        if self.fan:
            out.append(f"M106 S{_num(self.fan)}")
        out += [f"M42 P{p} S{_num(v)}" for p, v in sorted(self.pins.items()) if v]
        return out
