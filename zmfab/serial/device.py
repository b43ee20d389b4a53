"""The emulated device core: a serial link model, fault injection and the discrete-event
:class:`Device` base that the GRBL and Marlin emulators extend.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from ..errors import ParameterError
from .clock import LinkClosed


@dataclass
class Link:
    """A serial link model: ``baud`` (None = instant) and a one-way ``latency`` in seconds."""

    baud: int | None = None
    latency: float = 0.0

    @property
    def byte_time(self) -> float:
        return 10.0 / self.baud if self.baud else 0.0


@dataclass
class Faults:
    """Faults to inject; line numbers count the G-code lines the device has received (1-based;
    ``$`` commands and Marlin's M110 are not counted, a resent line counts again)."""

    drop: float = 0.0
    corrupt: float = 0.0
    error_at: dict[int, int] = field(default_factory=dict)
    alarm_at: int | None = None
    disconnect_at: int | None = None
    slow: float = 0.0
    busy_at: dict[int, float] = field(default_factory=dict)
    ok_lost: set[int] = field(default_factory=set)  # the ok answering line N never arrives
    ok_garbled: set[int] = field(default_factory=set)  # ... arrives mangled (a lone "o")
    reset_at: int | None = None  # the controller resets itself on receiving line N
    freeze_at: int | None = None  # GRBL: motion stops for good at line N's move, state stays Run
    bad_status: set[int] = field(default_factory=set)  # the Nth status report is garbled


FAULT_HELP = ("drop:P, corrupt:P, error:LINE[:CODE], alarm:LINE, disconnect:LINE, slow:S, "
              "busy:LINE:S, lostok:LINE, badok:LINE, reset:LINE, freeze:LINE, badstatus:N")


def parse_faults(specs: list[str]) -> Faults:
    """Read ``kind:arg[:arg]`` fault specs (see the module docstring)."""
    f = Faults()
    for spec in (s for item in specs for s in item.split(",") if s):
        kind, _, rest = spec.partition(":")
        args = rest.split(":") if rest else []
        try:
            if kind in ("drop", "corrupt"):
                setattr(f, kind, float(args[0]))
            elif kind == "error":
                f.error_at[int(args[0])] = int(args[1]) if len(args) > 1 else 20
            elif kind == "alarm":
                f.alarm_at = int(args[0])
            elif kind == "disconnect":
                f.disconnect_at = int(args[0])
            elif kind == "slow":
                f.slow = float(args[0])
            elif kind == "busy":
                f.busy_at[int(args[0])] = float(args[1]) if len(args) > 1 else 3.0
            elif kind in ("lostok", "badok", "badstatus"):
                {"lostok": f.ok_lost, "badok": f.ok_garbled, "badstatus": f.bad_status}[kind].add(
                    int(args[0]))
            elif kind in ("reset", "freeze"):
                setattr(f, f"{kind}_at", int(args[0]))
            else:
                raise ValueError(kind)
        except (ValueError, IndexError) as exc:
            raise ParameterError("fault", f"cannot read fault {spec!r} ({FAULT_HELP})") from exc
    return f


class Device:
    """Base of the emulators: the wire in both directions, faults, and the laser record."""

    def __init__(self, *, link: Link | None = None, faults: Faults | None = None, seed: int = 0,
                 proc: float = 0.0) -> None:
        self.link = link or Link()
        self.faults = faults or Faults()
        self.rng = random.Random(seed)
        self.proc = proc + self.faults.slow
        self.t = 0.0
        self.inbound: deque[tuple[float, int]] = deque()
        self.outbound: deque[tuple[float, int]] = deque()
        self._in_free = 0.0
        self._out_free = 0.0
        self._out_newlines = 0
        self.connected = True
        self.mute = False  # a device that never answers (wrong port, wrong baud)
        self.lines_received = 0
        self.executed: list[str] = []
        self.laser_log: list[tuple[float, bool, float]] = [(0.0, False, 0.0)]
        # (fault kind, received-line number), or (kind, arrival time) for byte faults
        self.injected: list[tuple[str, float]] = []

    # ----- host side -------------------------------------------------------------------------
    def host_write(self, data: bytes, t: float) -> None:
        """Put bytes the host wrote at time ``t`` on the wire, applying byte faults."""
        if not self.connected:
            raise LinkClosed("emulator: link is down")
        bt = self.link.byte_time
        start = max(t + self.link.latency, self._in_free)
        for b in data:
            start += bt
            if self.faults.drop and self.rng.random() < self.faults.drop:
                self.injected.append(("drop", start))
                continue
            if self.faults.corrupt and self.rng.random() < self.faults.corrupt:
                self.injected.append(("corrupt", start))
                b ^= 1 << self.rng.randrange(7)
            self.inbound.append((start, b))
        self._in_free = start

    def host_read(self, t: float) -> bytes:
        """Bytes that reached the host by time ``t``."""
        out = bytearray()
        while self.outbound and self.outbound[0][0] <= t:
            b = self.outbound.popleft()[1]
            if b == 10:
                self._out_newlines -= 1
            out.append(b)
        return bytes(out)

    def next_line_time(self) -> float | None:
        """When the next complete reply line reaches the host, if one is on the wire."""
        if not self._out_newlines:
            return None
        for when, b in self.outbound:
            if b == 10:
                return when
        return None  # pragma: no cover

    # ----- device side -----------------------------------------------------------------------
    def emit(self, text: str) -> None:
        """Send a reply line (``\\r\\n`` terminated) from the device at its current time."""
        if not self.connected or self.mute:
            return
        bt = self.link.byte_time
        start = max(self.t + self.link.latency, self._out_free)
        for b in (text + "\r\n").encode("ascii", "replace"):
            start += bt
            self.outbound.append((start, b))
        self._out_free = start
        self._out_newlines += 1

    def ack(self, line: int, text: str = "ok") -> str | None:
        """The ``ok`` answering received line ``line`` as the host will see it (None: lost)."""
        if line in self.faults.ok_lost:
            self.injected.append(("lostok", line))
            return None
        if line in self.faults.ok_garbled:
            self.injected.append(("badok", line))
            return "o"
        return text

    def boot(self) -> None:
        """Print the firmware's start-up lines (overridden)."""

    def timer(self) -> float | None:
        """The time of the device's next internal event (overridden)."""
        return None

    def on_timer(self) -> None:
        """Handle the internal event due now (overridden)."""

    def on_byte(self, b: int) -> None:
        """Handle one byte arriving from the host (overridden)."""

    def next_event(self) -> float | None:
        times = [x for x in (self.inbound[0][0] if self.inbound else None, self.timer()) if x is not None]
        return min(times) if times else None

    def advance_to(self, t: float, *, until_line: bool = False) -> None:
        """Run the model up to time ``t`` (or until a reply line is on the wire)."""
        while True:
            if until_line and self._out_newlines:
                return
            nxt = self.next_event()
            if nxt is None or nxt > t:
                break
            self.t = max(self.t, nxt)
            if self.inbound and self.inbound[0][0] <= nxt:
                self.on_byte(self.inbound.popleft()[1])
            else:
                self.on_timer()
        self.t = max(self.t, t)

    def disconnect(self) -> None:
        """Cut the link: bytes on the wire are lost; the device keeps what it already received."""
        self.connected = False
        self.inbound.clear()
        self.outbound.clear()
        self._out_newlines = 0

    def reconnect(self) -> None:
        """Restore the link (subclasses model what the firmware does when the port reopens)."""
        self.connected = True
        self._in_free = self._out_free = self.t

    def record_laser(self, on: bool, power: float) -> None:
        if self.laser_log[-1][1:] != (on, power):
            self.laser_log.append((self.t, on, power))

    @property
    def laser_on(self) -> bool:
        """Whether the laser (spindle output) is enabled with non-zero power right now."""
        return self.laser_log[-1][1]
