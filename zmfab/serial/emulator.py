"""In-process machine emulators on a modelled serial link, with fault injection.

A :class:`Device` is a discrete-event model: bytes the host writes reach it one by one at the
link's byte rate (10 bits a byte), it processes lines in modelled time, and its replies travel back
the same way. Time is whatever the shared clock says; with a :class:`VirtualClock` a test streams a
20,000-line job in a second of CPU. ``serve_pty`` puts a device on a pseudo-terminal in real time.

URL form: ``sim://grbl?baud=115200&latency=0.001&proc=0.0002&fault=drop:0.01&seed=1``
(``mute=1``: a device that never answers; ``reopen=0``: the port cannot be reopened).
Faults: ``drop:P`` / ``corrupt:P`` (per host byte), ``error:LINE[:CODE]``, ``alarm:LINE``,
``disconnect:LINE``, ``slow:SECONDS`` (per line), ``busy:LINE:SECONDS``.
"""

from __future__ import annotations

import os
import random
import select
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from ..errors import DeviceError, ParameterError
from .transport import Clock, LinkClosed, MonotonicClock, VirtualClock


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
            else:
                raise ValueError(kind)
        except (ValueError, IndexError) as exc:
            raise ParameterError("fault", f"cannot read fault {spec!r} (drop:P, corrupt:P, error:LINE[:CODE], "
                                 "alarm:LINE, disconnect:LINE, slow:S, busy:LINE:S)") from exc
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


class SimTransport:
    """A :class:`~zmfab.serial.transport.Transport` onto an in-process :class:`Device`."""

    def __init__(self, device: Device, clock: VirtualClock, name: str = "sim") -> None:
        self.device, self.clock, self.name = device, clock, name
        self._buf = bytearray()
        self.allow_reopen = True

    def write(self, data: bytes) -> None:
        self.device.advance_to(self.clock.now())
        if not self.device.connected:
            raise LinkClosed(f"port {self.name}: disconnected")
        self.device.host_write(data, self.clock.now())

    def read_line(self, timeout: float) -> str | None:
        deadline = self.clock.now() + max(0.0, timeout)
        dev = self.device
        while True:
            if not dev.connected and b"\n" not in self._buf:
                raise LinkClosed(f"port {self.name}: disconnected")
            self._buf += dev.host_read(self.clock.now())
            nl = self._buf.find(b"\n")
            if nl >= 0:
                raw = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                return raw.rstrip(b"\r").decode("ascii", "replace")
            when = dev.next_line_time()
            if when is None:
                dev.advance_to(deadline, until_line=True)
                when = dev.next_line_time()
                if when is None:
                    self.clock.advance_to(deadline)
                    if not dev.connected:
                        raise LinkClosed(f"port {self.name}: disconnected")
                    return None
            if when > deadline:
                dev.advance_to(deadline)
                self.clock.advance_to(deadline)
                return None
            self.clock.advance_to(when)
            dev.advance_to(when)

    def reopen(self) -> None:
        """Reopen the port: the emulator models the reset that DTR causes (``reopen=0``: fails)."""
        if not self.allow_reopen:
            raise LinkClosed(f"port {self.name}: device gone")
        self._buf.clear()
        self.device.reconnect()

    def close(self) -> None:
        pass


def make_device(kind: str, *, link: Link | None = None, faults: Faults | None = None, seed: int = 0,
                proc: float = 0.0, options: dict[str, str] | None = None) -> Device:
    """A GRBL or Marlin emulator (``kind`` is ``grbl`` or ``marlin``)."""
    opts = options or {}
    if kind == "grbl":
        from .grbl_emu import GrblDevice

        return GrblDevice(link=link, faults=faults, seed=seed, proc=proc, options=opts)
    if kind == "marlin":
        from .marlin_emu import MarlinDevice

        return MarlinDevice(link=link, faults=faults, seed=seed, proc=proc, options=opts)
    raise DeviceError(f"port sim://{kind}: unknown emulator (use sim://grbl or sim://marlin)")


def device_from_url(url: str) -> Device:
    """Build the device a ``sim://KIND?options`` URL describes."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    one = {k: v[-1] for k, v in query.items()}
    try:
        link = Link(baud=int(one["baud"]) if "baud" in one else None,
                    latency=float(one.get("latency", 0.0)))
        seed = int(one.get("seed", 0))
        proc = float(one.get("proc", 0.0))
    except ValueError as exc:
        raise DeviceError(f"port {url}: bad option ({exc})") from exc
    faults = parse_faults(query.get("fault", []))
    device = make_device(parts.netloc or parts.path.strip("/"), link=link, faults=faults, seed=seed,
                         proc=proc, options=one)
    device.mute = one.get("mute", "0") == "1"
    return device


def open_sim(url: str, *, clock: Clock | None = None) -> tuple[SimTransport, VirtualClock]:
    """Open ``sim://grbl`` / ``sim://marlin`` on a virtual clock (a given VirtualClock is reused)."""
    vclock = clock if isinstance(clock, VirtualClock) else VirtualClock()
    device = device_from_url(url)
    device.t = vclock.now()
    device.boot()
    transport = SimTransport(device, vclock, name=url)
    transport.allow_reopen = urlsplit(url).query.find("reopen=0") < 0
    return transport, vclock


def serve_pty(device: Device, *, on_ready: Callable[[str], None] | None = None,
              stop: Callable[[], bool] | None = None, clock: Clock | None = None) -> None:
    """Run ``device`` in real time on a new pseudo-terminal until ``stop()`` is true.

    ``on_ready(path)`` receives the slave path that a sender opens like a serial port.
    """
    import tty

    clock = clock or MonotonicClock()
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    t0 = clock.now()
    device.t = 0.0
    device.boot()
    if on_ready:
        on_ready(path)
    try:
        while not (stop and stop()):
            now = clock.now() - t0
            nxt = [x for x in (device.next_event(), device.outbound[0][0] if device.outbound else None)
                   if x is not None]
            wait = min([0.05] + [max(0.0, x - now) for x in nxt])
            ready, _, _ = select.select([master], [], [], wait)
            now = clock.now() - t0
            if ready:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    data = b""
                if data:
                    device.advance_to(now)
                    device.host_write(data, now)
            device.advance_to(now)
            out = device.host_read(now)
            if out:
                os.write(master, out)
    finally:
        os.close(master)
        os.close(slave)
