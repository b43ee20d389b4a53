"""The Marlin dialect: ``N<n> <cmd>*<xor>`` framing, ``M110``, ``Resend:``, bounded commands in flight."""

from __future__ import annotations

import re

from ..errors import DeviceError, ParameterError
from .jobscan import JobInfo, clean_line
from .outputs import Outputs
from .protocol import Item, Link, Reply

_OK_N = re.compile(r"^ok\s+N(\d+)", re.IGNORECASE)

_FATAL = ("halted", "kill", "emergency", "stopped")
SAFE_OFF = ("M5", "M107")


def checksum(text: str) -> int:
    """XOR of the bytes of ``text`` (what Marlin compares with the number after ``*``)."""
    cs = 0
    for b in text.encode("ascii"):
        cs ^= b
    return cs


def frame(n: int, cmd: str) -> str:
    """``N<n> <cmd>*<checksum>``."""
    head = f"N{n} {cmd}"
    return f"{head}*{checksum(head)}"


class MarlinDialect:
    """Talks Marlin 2: at most ``bufsize`` commands unacknowledged; resends on request."""

    name = "marlin"
    polls = False

    planner_blocks = 16  # Marlin's BLOCK_BUFFER_SIZE: moves acknowledged but maybe not run

    def __init__(self, *, bufsize: int = 4, start_timeout: float = 2.5, reply_timeout: float = 5.0,
                 off_codes: tuple[str, ...] = (), probe_timeout: float = 0.3) -> None:
        self.bufsize = bufsize
        self.start_timeout, self.reply_timeout = start_timeout, reply_timeout
        self.probe_timeout = probe_timeout
        self.off_codes = tuple(off_codes)
        self.outputs = Outputs()  # what the job switched on; the streamer keeps it current

    def connect(self, link: Link) -> None:
        """``M110 N0`` at once: a running Marlin answers ``ok``. A board that resets when the
        port opens prints ``start`` first and may have lost the line in its bootloader: then
        wait for ``start``, ask again, and let its start-up chatter pass."""
        link.write(b"M110 N0\n")
        ok, seen = link.wait_for(lambda r: r.startswith("ok"), self.probe_timeout)
        if ok is not None:
            return
        if not any(r.strip() == "start" for r in seen):
            link.wait_for(lambda r: r.strip() == "start", self.start_timeout)
        link.write(b"M110 N0\n")
        ok, _ = link.wait_for(lambda r: r.startswith("ok"), self.reply_timeout)
        if ok is None:
            raise DeviceError(f"port {link.name}: no answer from Marlin to M110 within "
                              f"{self.reply_timeout:g}s")
        while link.read(0.2) is not None:  # the first M110's late ok must not credit line 1
            pass

    def rapid(self) -> tuple[float, float, float]:
        return (6000.0, 6000.0, 600.0)

    def probe_line(self) -> bytes:
        """Unnumbered M105: Marlin answers ``ok T:...`` once every line before it has run."""
        return b"M105\n"

    def clean(self, raw: str) -> str:
        return clean_line(raw)

    def check_job(self, items: list[Item], info: JobInfo, *, port: str) -> None:
        for it in items:
            if "*" in it.text:
                raise DeviceError(f"line {it.line}: '*' is reserved for Marlin checksums")

    def frame(self, item: Item, seq: int) -> bytes:
        return (frame(seq, item.text) + "\n").encode("ascii")

    def can_send(self, in_flight: int, in_flight_bytes: int, nbytes: int) -> bool:
        return in_flight < self.bufsize

    def classify(self, raw: str) -> Reply:
        text = raw.strip()
        low = text.lower()
        if low.startswith("ok"):
            m = _OK_N.match(text)
            return Reply("ok", raw, int(m.group(1)) if m else None,
                         data={"probe": True} if "T:" in text else {})
        if low.startswith("resend:") or low.startswith("rs:") or low.startswith("rs "):
            try:
                n = int(text.split(":", 1)[-1].strip().split()[0]) if ":" in text else int(text[2:])
            except (ValueError, IndexError):
                return Reply("message", raw)
            return Reply("resend", raw, n)
        if low.startswith("busy:"):
            return Reply("busy", raw)
        if low.startswith("error:"):
            fatal = any(w in low for w in _FATAL)
            return Reply("error", raw, None, text[6:], fatal=fatal)
        if low.startswith("echo:") and "unknown command" in low:
            quoted = text.split('"')
            return Reply("unknown", raw, meaning="Marlin did not recognise the command "
                         "(not supported by this build, or corrupted on the link)",
                         data={"text": quoted[1] if len(quoted) >= 3 else ""})
        if text.startswith("T:") or " T:" in raw or text.startswith("B:"):
            return Reply("ignore", raw)
        if low == "start":
            return Reply("banner", raw, meaning="Marlin restarted during the job", fatal=True)
        if not text or low.startswith("echo:"):
            return Reply("ignore" if not text else "message", raw)
        return Reply("message", raw)

    def poll(self, link: Link) -> None:  # Marlin has no real-time status byte
        pass

    def hold(self, link: Link) -> None:
        """Pause with nothing in flight: wait for the moves (M400), close the valves and fan the
        job opened, spindle/laser off (unnumbered lines; their oks are read here)."""
        self._oob(link, self.outputs.hold_lines())

    def resume(self, link: Link) -> None:
        """Undo :meth:`hold`: spindle, fan and valves as the job had them."""
        self._oob(link, self.outputs.restore_lines())

    def _oob(self, link: Link, lines: list[str]) -> None:
        if not lines:
            return
        link.write("".join(f"{c}\n" for c in lines).encode("ascii"))
        for c in lines:
            ok, _ = link.wait_for(lambda r: r.lower().startswith("ok"),
                                  3600.0 if c == "M400" else self.reply_timeout)
            if ok is None:
                raise DeviceError(f"port {link.name}: Marlin did not answer {c}")

    def safe_stop(self, link: Link) -> str:
        """Quick stop (M410, handled at once by the emergency parser), then everything the job
        switched on off: each heater it set (M104 T<n> S0, M140 S0), the fan (M107), each M42
        pin it set (S0), the spindle/laser (M5), then the machine profile's off codes.

        Sent unnumbered, which Marlin accepts whatever its line counter says.
        """
        off = self.outputs.off_lines()
        lines = ("M410", *off, *(c for c in self.off_codes if c not in off))
        link.write("".join(f"{c}\n" for c in lines).encode("ascii"))
        # queued commands answer first: read until the link has been quiet for half a second
        deadline = link.now() + self.reply_timeout
        while link.now() < deadline:
            if link.read(min(0.5, deadline - link.now())) is None:
                break
        return " ".join(lines)

    def begin_dry_run(self, link: Link) -> None:
        raise ParameterError("--dry-run", "check mode exists on GRBL only; Marlin has none")

    def end_dry_run(self, link: Link) -> None:  # pragma: no cover - never begun
        pass

    def describe(self, reply: Reply) -> str:
        if reply.kind == "unknown":
            return f"{reply.raw.strip()}: {reply.meaning}"
        return reply.raw.strip()
