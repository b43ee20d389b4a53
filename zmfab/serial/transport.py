"""Byte links to machines: pyserial URLs and in-process emulators, behind one small interface.

A transport writes bytes and reads whole response lines with a timeout (a blocking read, never a
sleep loop). Clocks are injectable: :class:`MonotonicClock` for real ports, :class:`VirtualClock`
for emulators, whose time only moves when the reader waits.
"""

from __future__ import annotations

import select
import time
from typing import Any, Protocol

from ..errors import DeviceError
from .clock import Clock, LinkClosed, MonotonicClock, VirtualClock

__all__ = ["Clock", "LinkClosed", "MonotonicClock", "Transport", "VirtualClock", "open_transport"]


class Transport(Protocol):
    """What the streamer needs from a link."""

    name: str

    def write(self, data: bytes) -> None: ...

    def read_line(self, timeout: float) -> str | None:
        """The next response line without its terminator, or None after ``timeout`` seconds."""
        ...

    def close(self) -> None: ...


class SerialTransport:
    """A pyserial port opened with ``serial.serial_for_url`` (device path, COM3, socket://, loop://)."""

    def __init__(self, port: Any, name: str) -> None:
        self.port = port
        self.name = name
        self._buf = bytearray()
        self._fd = _fileno(port)
        if self._fd is not None:
            port.timeout = 0  # reads never block: select() waits (a timeout change is a tcsetattr)

    def write(self, data: bytes) -> None:
        """Hand the bytes to the driver. No flush (tcdrain): waiting for each line to leave the
        UART would stall the next; pyserial's write loops until the driver has taken them all."""
        import serial

        try:
            self.port.write(data)
        except (serial.SerialException, OSError) as exc:
            raise LinkClosed(f"port {self.name}: write failed: {exc}") from exc

    def read_line(self, timeout: float) -> str | None:
        import serial

        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                raw = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                return raw.rstrip(b"\r").decode("ascii", "replace")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                if self._fd is not None:
                    ready, _, _ = select.select([self._fd], [], [], remaining)
                    if not ready:
                        return None
                    chunk = self.port.read(max(1, self.port.in_waiting))
                    if not chunk:  # readable but empty: the other end went away
                        raise OSError("device reports readiness to read but returned no data")
                else:
                    self.port.timeout = remaining
                    chunk = self.port.read(max(1, self.port.in_waiting))
            except (serial.SerialException, OSError) as exc:
                raise LinkClosed(f"port {self.name}: read failed: {exc}") from exc
            self._buf += chunk

    def reopen(self) -> None:
        """Close and open the port again (toggles DTR: most Arduino controllers reset)."""
        import serial

        try:
            self.port.close()
            self.port.open()
        except (serial.SerialException, OSError) as exc:
            raise LinkClosed(f"port {self.name}: cannot reopen: {exc}") from exc
        self._buf.clear()
        self._fd = _fileno(self.port)
        if self._fd is not None:
            self.port.timeout = 0

    def close(self) -> None:
        try:
            self.port.close()
        except Exception:  # noqa: BLE001 - closing a dead port must not mask the real error
            pass


def _fileno(port: Any) -> int | None:
    """The port's file descriptor when select() can wait on it (POSIX serial ports, ptys)."""
    try:
        fd = port.fileno()
    except (AttributeError, OSError, ValueError, NotImplementedError):
        return None
    return fd if isinstance(fd, int) and fd >= 0 and hasattr(select, "select") else None


def open_transport(url: str, *, baud: int = 115200, clock: Clock | None = None) -> tuple[Transport, Clock]:
    """Open ``url`` and return the transport with the clock to use with it.

    ``sim://grbl`` and ``sim://marlin`` (options in the query) give an in-process emulator on a
    :class:`VirtualClock`; everything else goes to ``serial.serial_for_url``.
    """
    if url.startswith("sim://"):
        from .emulator import open_sim

        return open_sim(url, clock=clock)
    import serial

    try:
        port = serial.serial_for_url(url, baudrate=baud, timeout=0.1, write_timeout=5.0)
    except (ValueError, serial.SerialException, OSError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DeviceError(f"port {url}: cannot open: {text}") from exc
    return SerialTransport(port, url), clock or MonotonicClock()


def list_ports() -> list[dict[str, str]]:
    """Attached serial ports: device, description and USB ``VID:PID`` (empty when not USB)."""
    from serial.tools import list_ports as lp

    rows = []
    for p in sorted(lp.comports(), key=lambda p: p.device):
        vidpid = f"{p.vid:04X}:{p.pid:04X}" if p.vid is not None and p.pid is not None else ""
        rows.append({"device": p.device, "description": p.description or "", "vid_pid": vidpid,
                     "serial_number": p.serial_number or ""})
    return rows
