"""Machine control at the bench: status, homing, unlock, reset, work origin, goto and jogging.

Over the same transports (every port URL, ``sim://`` emulators, pseudo-terminals), dialects and
event log as :class:`~zmfab.serial.streamer.Streamer`. A :class:`Machine` holds one open
connection; :meth:`Machine.run` streams a job (a frame, a test card) through that connection
with the streamer's flow control and safe stop.

GRBL: ``$H``, ``$X``, ctrl-X, ``G10 L20 P1``, ``$J=`` jogs (cancelled by 0x85), ``?`` status.
Marlin: ``G28``, ``G92``, ``G91 G0 .. G90`` jogs, ``M400`` to wait, ``M114``/``M115``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import DeviceError, ParameterError
from . import grbl_codes as codes
from . import marlin_settings
from .protocol import Event, Link
from .streamer import Streamer, StreamResult, make_dialect
from .transport import Clock, Transport, open_transport

_FIELD = re.compile(r"(MPos|WPos|WCO):([-\d.]+),([-\d.]+),([-\d.]+)")
_M114 = re.compile(r"X:\s*([-\d.]+)\s+Y:\s*([-\d.]+)\s+Z:\s*([-\d.]+)")
JOG_CANCEL = b"\x85"
HOMING_LOCK = "homing or unlock required (power-up, reset during motion, or an earlier alarm)"


@dataclass(frozen=True)
class Status:
    """What the controller reports: state, positions (mm), the alarm and the firmware."""

    state: str
    mpos: tuple[float, float, float]
    wpos: tuple[float, float, float]
    wco: tuple[float, float, float]
    firmware: str = ""
    alarm: int | None = None
    alarm_meaning: str = ""
    raw: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "mpos": list(self.mpos), "wpos": list(self.wpos),
                "wco": list(self.wco), "firmware": self.firmware, "alarm": self.alarm,
                "alarm_meaning": self.alarm_meaning}


def _dialect_for(url: str, firmware: str) -> str:
    if firmware in ("grbl", "marlin"):
        return firmware
    if firmware != "auto":
        raise ParameterError("--firmware", f"{firmware!r} is not auto, grbl or marlin")
    return "marlin" if url.startswith("sim://marlin") else "grbl"


#: How long a running controller may take to answer the start-up probe (s).
PROBE_S = 0.3


class Machine:
    """One open connection to a GRBL or Marlin controller, for bench commands and short jobs."""

    def __init__(self, transport: Transport, *, firmware: str, clock: Clock,
                 on_event: Callable[[Event], None] | None = None, connect_timeout: float = 2.5,
                 timeout: float = 10.0) -> None:
        if firmware not in ("grbl", "marlin"):
            raise ParameterError("--firmware", f"{firmware!r} is not grbl or marlin")
        self.firmware, self.clock, self.timeout = firmware, clock, timeout
        self.connect_timeout = connect_timeout
        self._sink = on_event or (lambda e: None)
        self.transport = transport
        self.link = Link(transport, clock, self._sink)
        self.dialect = make_dialect(firmware, banner_timeout=connect_timeout,
                                    start_timeout=connect_timeout, reply_timeout=timeout)
        self.banner = ""
        self.version = ""
        self.alarm: int | None = None
        self.locked = False
        self.wco = (0.0, 0.0, 0.0)

    @classmethod
    def open(cls, url: str, *, firmware: str = "auto", baud: int = 115200,
             on_event: Callable[[Event], None] | None = None, connect_timeout: float = 2.5,
             timeout: float = 10.0) -> Machine:
        """Open ``url`` and connect (the controller may be in alarm: bench commands handle it)."""
        transport, clock = open_transport(url, baud=baud)
        m = cls(transport, firmware=_dialect_for(url, firmware), clock=clock, on_event=on_event,
                connect_timeout=connect_timeout, timeout=timeout)
        try:
            m.connect()
        except BaseException:
            transport.close()
            raise
        return m

    @property
    def name(self) -> str:
        return self.link.name

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Machine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- connection ------------------------------------------------------------------------
    def connect(self) -> None:
        """Probe at once (GRBL ``?``, Marlin ``M110 N0``): a running controller answers and its
        banner came long ago. Only when nothing answers, wait for the banner (GRBL: soft reset
        once if none came; Marlin: ``start`` is optional). Note an alarm lock and read the
        firmware version."""
        if self.firmware == "grbl":
            if not self._grbl_probe():
                self._grbl_banner(reset_if_silent=True)
            lines = self.command("$I")
            ver = next((ln for ln in lines if ln.startswith("[VER:")), "")
            self.version = ver[5:].rstrip("]").rstrip(":")
        else:
            self.link.write(b"M110 N0\n")
            ok, seen = self.link.wait_for(lambda r: r.startswith("ok"), PROBE_S)
            if ok is None and not any(r.strip() == "start" for r in seen):
                self.link.wait_for(lambda r: r.strip() == "start", self.connect_timeout)
            lines = self.command("M115")
            fw = next((ln for ln in lines if "FIRMWARE_NAME:" in ln), "")
            self.version = fw.split("FIRMWARE_NAME:", 1)[-1].split(" SOURCE_CODE_URL")[0].strip()
            self.banner = "Marlin"

    def _grbl_probe(self) -> bool:
        """``?`` with a short wait: True when a running GRBL answered with its status (an alarm
        state leaves the machine locked, as its banner's ``[MSG:'$H'|'$X' to unlock]`` would)."""
        from .grbl import _is_banner, parse_status

        self.link.write(codes.STATUS)
        first, _ = self.link.wait_for(lambda r: r.startswith("<") or _is_banner(r), PROBE_S)
        if first is None or _is_banner(first):
            if first is not None:  # it was booting: take the banner as the start-up would
                self.banner = first
                self.link.event("message", text=first)
                after, _ = self.link.wait_for(lambda r: r.startswith("[MSG:"), 0.05)
                self.locked = bool(after and "unlock" in after)
            return first is not None
        status = parse_status(first) or {}
        self.locked = status.get("state") == "Alarm"
        return True

    def _grbl_banner(self, *, reset_if_silent: bool) -> None:
        from .grbl import _is_banner

        banner, _ = self.link.wait_for(_is_banner, self.connect_timeout)
        if banner is None and reset_if_silent:
            self.link.write(codes.SOFT_RESET)
            banner, _ = self.link.wait_for(_is_banner, self.connect_timeout)
        if banner is None:
            raise DeviceError(f"port {self.name}: no GRBL banner within {self.connect_timeout:g}s"
                              " (wrong port, baud rate, or not a GRBL 1.1 controller?)")
        self.banner = banner
        self.link.event("message", text=banner)
        after, _ = self.link.wait_for(lambda r: r.startswith("[MSG:"), 0.05)
        self.locked = bool(after and "unlock" in after)
        if self.locked:
            self.link.event("message", text=after)

    # ----- lines -----------------------------------------------------------------------------
    def command(self, text: str, *, timeout: float | None = None,
                optional: bool = False) -> list[str] | None:
        """Send one line and wait for its ``ok``; return the lines that came before it.

        ``error:N`` (GRBL), ``Error:`` (Marlin) and alarms raise DeviceError with their meaning;
        so does a command Marlin does not know, unless ``optional``: then its ``ok`` is waited
        for and None returned.
        """
        self.link.write((text + "\n").encode("ascii"))
        self.link.event("sent", 0, text)
        seen: list[str] = []
        unknown = False
        deadline = self.clock.now() + (self.timeout if timeout is None else timeout)
        while True:
            left = deadline - self.clock.now()
            raw = self.link.read(left) if left > 0 else None
            if raw is None:
                raise DeviceError(f"port {self.name}: no answer to {text!r} within "
                                  f"{self.timeout if timeout is None else timeout:g}s")
            r = self.dialect.classify(raw)
            self.link.event("message" if r.kind != "ok" else "ack", 0, raw)
            if r.kind == "ok":
                return None if unknown else seen
            if r.kind == "alarm":
                self.alarm, self.locked = r.code, True
                raise DeviceError(f"{text}: {self.dialect.describe(r)}")
            if r.kind == "error" and (self.firmware == "grbl" or r.fatal):
                hint = ("; home (zmfab machine home) or unlock (zmfab machine unlock) first"
                        if r.code == 9 else "")
                raise DeviceError(f"{text}: {self.dialect.describe(r)}{hint}")
            if r.kind == "unknown" and optional:
                unknown = True  # a command this build lacks: its ok follows
                continue
            if r.kind == "unknown":
                raise DeviceError(f"{text}: {self.dialect.describe(r)}")
            if r.kind == "status":
                continue  # a status answering an earlier '?'
            seen.append(raw)

    def realtime(self, byte: bytes) -> None:
        """Write a GRBL real-time byte (``?``, ``!``, ``~``, ctrl-X, 0x85)."""
        self.link.write(byte)
        self.link.event("sent", 0, f"0x{byte[0]:02X}")

    # ----- status ----------------------------------------------------------------------------
    def status(self) -> Status:
        """State, machine and work positions, the last alarm and the firmware version."""
        if self.firmware == "marlin":
            lines = self.command("M114")
            m = next((_M114.search(ln) for ln in lines if _M114.search(ln)), None)
            if m is None:
                raise DeviceError(f"port {self.name}: M114 gave no position")
            pos = (float(m.group(1)), float(m.group(2)), float(m.group(3)))
            return Status("Idle", pos, pos, (0.0, 0.0, 0.0), self.version, raw=lines[-1])
        self.realtime(codes.STATUS)
        raw, _ = self.link.wait_for(lambda r: r.startswith("<"), self.timeout)
        if raw is None:
            raise DeviceError(f"port {self.name}: no status report within {self.timeout:g}s")
        self.link.event("status", text=raw)
        return self._parse_status(raw)

    def _parse_status(self, raw: str) -> Status:
        body = raw.strip("<>")
        state = body.split("|", 1)[0].split(":", 1)[0]
        fields = {m.group(1): tuple(float(m.group(i)) for i in (2, 3, 4))
                  for m in _FIELD.finditer(body)}
        if "WCO" in fields:
            self.wco = fields["WCO"]
        wco = self.wco
        if "MPos" in fields:
            mpos = fields["MPos"]
            wpos = tuple(a - b for a, b in zip(mpos, wco, strict=True))
        else:
            wpos = fields.get("WPos", (0.0, 0.0, 0.0))
            mpos = tuple(a + b for a, b in zip(wpos, wco, strict=True))
        meaning = ""
        if state == "Alarm":
            meaning = codes.ALARMS.get(self.alarm, HOMING_LOCK) if self.alarm else HOMING_LOCK
        else:
            self.locked = False
        return Status(state, mpos, wpos, wco, self.version, self.alarm if state == "Alarm" else None,
                      meaning, raw)

    def wait_idle(self, *, poll: float = 0.1, timeout: float = 120.0) -> Status:
        """Poll until the controller is idle (GRBL), or ``M400`` returns (Marlin)."""
        if self.firmware == "marlin":
            self.command("M400", timeout=timeout)
            return self.status()
        deadline = self.clock.now() + timeout
        while True:
            st = self.status()
            if st.state in ("Idle", "Alarm", "Check"):
                return st
            if self.clock.now() > deadline:
                raise DeviceError(f"port {self.name}: still {st.state} after {timeout:g}s")
            self.link.wait_for(lambda r: False, poll)

    # ----- bench commands --------------------------------------------------------------------
    def home(self) -> Status:
        """Home the axes (GRBL ``$H``, Marlin ``G28``)."""
        self.command("$H" if self.firmware == "grbl" else "G28", timeout=max(self.timeout, 60.0))
        self.alarm, self.locked = None, False
        return self.wait_idle()

    def unlock(self) -> Status:
        """Clear GRBL's alarm lock (``$X``) without homing: the position may be wrong."""
        if self.firmware != "grbl":
            raise ParameterError("unlock", "GRBL only: Marlin has no alarm lock (after a halt, "
                                           "reset the board: zmfab machine reset)")
        self.command("$X")
        self.alarm, self.locked = None, False
        return self.status()

    def reset(self) -> Status:
        """GRBL: soft reset (ctrl-X, laser off, position kept unless it was moving).
        Marlin: reopen the port, which resets the board (DTR)."""
        if self.firmware == "grbl":
            self.realtime(codes.SOFT_RESET)
            self._grbl_banner(reset_if_silent=False)
            return self.status()
        reopen = getattr(self.transport, "reopen", None)
        if reopen is None:
            raise DeviceError(f"port {self.name}: cannot reopen this port to reset the board")
        reopen()
        self.link.event("reconnected", text=self.name)
        self.link.wait_for(lambda r: r.strip() == "start", self.connect_timeout)
        return self.status()

    def set_origin(self, *, z: bool = False) -> Status:
        """Make the current position the work origin (GRBL ``G10 L20 P1``, Marlin ``G92``)."""
        axes = "X0 Y0" + (" Z0" if z else "")
        self.command(f"G10 L20 P1 {axes}" if self.firmware == "grbl" else f"G92 {axes}")
        return self.status()

    def goto(self, x: float, y: float, *, feed: float = 3000.0) -> Status:
        """Move to work position (x, y) mm with the laser off, and wait until there.

        GRBL: a ``$J=G90`` jog (the beam cannot fire during a jog, and 0x85 cancels it)."""
        _feed(feed)
        if self.firmware == "grbl":
            self.command(f"$J=G21 G90 X{_num(x)} Y{_num(y)} F{_num(feed)}")
        else:
            self.command("G90")
            self.command(f"G0 X{_num(x)} Y{_num(y)} F{_num(feed)}")
        return self.wait_idle()

    def jog(self, dx: float = 0.0, dy: float = 0.0, dz: float = 0.0, *, feed: float = 1000.0,
            wait: bool = True) -> Status | None:
        """Move by (dx, dy, dz) mm (GRBL ``$J=G91``, Marlin ``G91 G0 .. G90``)."""
        _feed(feed)
        moves = " ".join(f"{a}{_num(v)}" for a, v in (("X", dx), ("Y", dy), ("Z", dz)) if v)
        if not moves:
            return self.status() if wait else None
        if self.firmware == "grbl":
            self.command(f"$J=G21 G91 {moves} F{_num(feed)}")
        else:
            self.command("G91")
            try:
                self.command(f"G0 {moves} F{_num(feed)}")
            finally:
                self.command("G90")
        return self.wait_idle() if wait else None

    def cancel_jog(self) -> None:
        """Stop a jog at once: GRBL 0x85 (jog cancel), Marlin ``M410`` (quick stop)."""
        if self.firmware == "grbl":
            self.realtime(JOG_CANCEL)
        else:
            self.command("M410")

    def read_settings(self) -> dict[Any, float]:
        """GRBL's ``$$`` settings (``$N`` -> value), or Marlin's limits from its ``M503`` and
        ``M211`` reports (see :func:`.marlin_settings.parse_reports`)."""
        if self.firmware != "grbl":
            lines = [line for code in marlin_settings.REPORTS
                     for line in self.command(code, optional=code != "M503") or []]
            return marlin_settings.parse_reports(lines)
        return self.dialect.read_settings(self.link)

    def write_setting(self, key: int | str, value: float) -> None:
        """Write ``$key=value`` (GRBL stores it in EEPROM) or Marlin's ``key`` (kept until
        :meth:`save_settings`)."""
        if self.firmware == "grbl":
            self.command(f"${key}={_num(value)}")
        else:
            self.command(f"{marlin_settings.write_word(str(key))}{_num(value)}")

    def save_settings(self) -> bool:
        """Store what was written: Marlin's ``M500`` (GRBL stored each ``$N=`` already). False
        when the build has no EEPROM (``M500`` unknown): the values then hold until a reset."""
        if self.firmware == "grbl":
            return True
        return self.command(marlin_settings.SAVE, optional=True) is not None

    # ----- short jobs ------------------------------------------------------------------------
    def run(self, lines: list[str], *, estimate_s: float | None = None,
            on_pause: Callable[[str], str] | None = None, on_error: str = "stop") -> StreamResult:
        """Stream ``lines`` over this connection with the streamer's flow control, checks and
        safe stop (GRBL reads ``$$`` for the job checks; Marlin's line numbers restart at 0)."""
        if self.locked:
            raise DeviceError(f"port {self.name}: GRBL is in alarm state; home ($H) or unlock "
                              "($X) before running a job")
        dialect = make_dialect(self.firmware, banner_timeout=self.connect_timeout,
                               start_timeout=self.connect_timeout, reply_timeout=self.timeout)
        resume_connection(dialect)
        streamer = Streamer(self.transport, dialect=dialect, clock=self.clock, on_event=self._sink,
                            on_pause=on_pause, on_error=on_error, timeout=self.timeout)
        return streamer.run(lines, estimate_s=estimate_s)


def resume_connection(dialect: Any) -> Any:
    """Make ``dialect``'s handshake suit a connection already open: GRBL reads ``$$`` without
    waiting for a banner; Marlin only restarts its line numbers (``M110 N0``)."""
    def connect(link: Link) -> None:
        if dialect.name == "grbl":
            dialect.settings = dialect.read_settings(link)
            return
        link.write(b"M110 N0\n")
        ok, _ = link.wait_for(lambda r: r.startswith("ok"), dialect.reply_timeout)
        if ok is None:
            raise DeviceError(f"port {link.name}: no answer from Marlin to M110")

    dialect.connect = connect
    return dialect


def _feed(feed: float) -> None:
    if not feed > 0:
        raise ParameterError("--feed", f"{feed:g} mm/min is out of range (must be > 0)")


def _num(v: float) -> str:
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
