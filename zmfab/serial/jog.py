"""Interactive jogging as a small state machine: keys in, machine moves and messages out.

The terminal is the CLI's business; this module turns key names into :class:`Machine` calls.
Arrows move X/Y, PgUp/PgDn move Z, ``+``/``-`` change the step (0.01, 0.1, 1, 10 mm), ``o`` sets
the work origin here, Enter marks the position (``zmfab align``), Esc or ``q`` stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .control import Machine, Status

STEPS: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0)

#: escape sequences (xterm normal and application cursor modes) -> key names
SEQUENCES: dict[str, str] = {
    "\x1b[A": "up", "\x1b[B": "down", "\x1b[C": "right", "\x1b[D": "left",
    "\x1bOA": "up", "\x1bOB": "down", "\x1bOC": "right", "\x1bOD": "left",
    "\x1b[5~": "pgup", "\x1b[6~": "pgdn",
}
SINGLE: dict[str, str] = {"+": "faster", "=": "faster", "-": "slower", "_": "slower", "o": "origin",
                          "O": "origin", "q": "quit", "Q": "quit", "\x03": "quit", "\x04": "quit",
                          "\r": "mark", "\n": "mark", " ": "status"}
DIRECTIONS: dict[str, tuple[int, int, int]] = {
    "up": (0, 1, 0), "down": (0, -1, 0), "right": (1, 0, 0), "left": (-1, 0, 0),
    "pgup": (0, 0, 1), "pgdn": (0, 0, -1),
}
HELP = ("arrows: X/Y  PgUp/PgDn: Z  +/-: step  o: origin here  Enter: mark  Esc/q: stop")


def split_keys(data: str) -> list[str]:
    """Key names in a chunk read from a terminal (a lone Esc at the end of a chunk is Esc)."""
    keys: list[str] = []
    i = 0
    while i < len(data):
        if data[i] == "\x1b":
            for seq, name in SEQUENCES.items():
                if data.startswith(seq, i):
                    keys.append(name)
                    i += len(seq)
                    break
            else:
                nxt = data[i + 1] if i + 1 < len(data) else ""
                if nxt in ("[", "O"):  # an unknown sequence: skip it whole
                    j = i + 2
                    while j < len(data) and not (data[j].isalpha() or data[j] == "~"):
                        j += 1
                    i = j + 1
                else:
                    keys.append("esc")
                    i += 1
            continue
        keys.append(SINGLE.get(data[i], "other"))
        i += 1
    return keys


@dataclass
class JogSession:
    """What the keys have done so far: the step, the marks, whether to stop."""

    machine: Machine
    feed: float = 1000.0
    step_index: int = 2
    marks: list[Status] = field(default_factory=list)
    done: bool = False

    @property
    def step(self) -> float:
        return STEPS[self.step_index]

    def handle(self, key: str) -> str:
        """Act on one key name; return the line to show."""
        if key in ("quit", "esc"):
            self.machine.cancel_jog()
            self.done = True
            return self.describe(self.machine.status(), "stopped")
        if key in DIRECTIONS:
            d = DIRECTIONS[key]
            st = self.machine.jog(*(self.step * v for v in d), feed=self.feed)
            return self.describe(st)
        if key in ("faster", "slower"):
            self.step_index = min(len(STEPS) - 1, max(0, self.step_index + (1 if key == "faster" else -1)))
            return f"step {self.step:g} mm"
        if key == "origin":
            return self.describe(self.machine.set_origin(), "work origin set here")
        if key == "mark":
            st = self.machine.status()
            self.marks.append(st)
            return self.describe(st, f"mark {len(self.marks)}")
        if key == "status":
            return self.describe(self.machine.status())
        return HELP

    def describe(self, st: Status | None, note: str = "") -> str:
        if st is None:
            return note
        x, y, z = st.wpos
        mx, my, _ = st.mpos
        text = (f"{st.state}  X {x:.3f} Y {y:.3f} Z {z:.3f}  (machine {mx:.3f}, {my:.3f})  "
                f"step {self.step:g} mm")
        return f"{text}  {note}" if note else text
