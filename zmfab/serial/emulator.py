"""In-process machine emulators on a modelled serial link, with fault injection.

A :class:`Device` is a discrete-event model: bytes the host writes reach it one by one at the
link's byte rate (10 bits a byte), it processes lines in modelled time, and its replies travel back
the same way. Time is whatever the shared clock says; with a :class:`VirtualClock` a test streams a
20,000-line job in a second of CPU. ``serve_pty`` puts a device on a pseudo-terminal in real time.

URL form: ``sim://grbl?baud=115200&latency=0.001&proc=0.0002&fault=drop:0.01&seed=1``
(``mute=1``: a device that never answers; ``reopen=0``: the port cannot be reopened).
Faults: ``drop:P`` / ``corrupt:P`` (per host byte), ``error:LINE[:CODE]``, ``alarm:LINE``,
``disconnect:LINE``, ``slow:SECONDS`` (per line), ``busy:LINE:SECONDS``; on the way back
``lostok:LINE`` / ``badok:LINE`` (that line's ok never arrives / arrives as a lone ``o``),
``badstatus:N`` (the Nth status report garbled); ``reset:LINE`` (the controller resets itself,
banner and all), ``freeze:LINE`` (GRBL: motion stops for good, the state stays Run).
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from ..errors import DeviceError
from .clock import Clock, LinkClosed, MonotonicClock, VirtualClock
from .device import Device, Faults, Link, parse_faults

__all__ = ["Device", "Faults", "Link", "SimTransport", "make_device", "open_sim", "parse_faults", "serve_pty"]



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
