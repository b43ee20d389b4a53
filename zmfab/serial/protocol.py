"""What the streamer and the dialects share: replies, queued items, events and the link."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .transport import Clock, Transport


@dataclass(frozen=True)
class Item:
    """One line to send: its 1-based job line number (0 for lines zmfab adds) and its text."""

    line: int
    text: str


@dataclass(frozen=True)
class Reply:
    """A classified response line. ``kind``: ok, error, alarm, status, resend, busy, banner,
    echo, message, ignore; ``fatal`` errors stop the job whatever the policy."""

    kind: str
    raw: str
    code: int | None = None
    meaning: str = ""
    fatal: bool = False
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Event:
    """A structured streamer event (see :mod:`zmfab.serial.streamer` for the kinds)."""

    kind: str
    t: float
    line: int | None = None
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": round(self.t, 6), "wall": time.time(), "event": self.kind}
        if self.line is not None:
            out["line"] = self.line
        if self.text:
            out["text"] = self.text
        out.update(self.data)
        return out


class Link:
    """A transport plus its clock and the event sink; every byte in or out is reported."""

    def __init__(self, transport: Transport, clock: Clock, emit: Callable[[Event], None]) -> None:
        self.transport, self.clock, self._emit = transport, clock, emit
        self.last_rx = clock.now()

    @property
    def name(self) -> str:
        return self.transport.name

    def now(self) -> float:
        return self.clock.now()

    def event(self, kind: str, line: int | None = None, text: str = "",
              data: dict[str, Any] | None = None) -> None:
        self._emit(Event(kind, self.clock.now(), line, text, data or {}))

    def write(self, data: bytes) -> None:
        self.transport.write(data)

    def read(self, timeout: float) -> str | None:
        reply = self.transport.read_line(timeout)
        if reply is not None:
            self.last_rx = self.clock.now()
        return reply

    def wait_for(self, accept: Callable[[str], bool], timeout: float) -> tuple[str | None, list[str]]:
        """Read until ``accept(line)``; return that line (None on timeout) and the lines before it."""
        deadline = self.clock.now() + timeout
        seen: list[str] = []
        while True:
            left = deadline - self.clock.now()
            if left <= 0:
                return None, seen
            reply = self.read(left)
            if reply is None:
                return None, seen
            if accept(reply):
                return reply, seen
            seen.append(reply)
