"""Clocks shared by the streamer, the transports and the emulators, and the lost-link error.

:class:`MonotonicClock` for real ports; :class:`VirtualClock` for emulators, whose time only
moves when the reader waits.
"""

from __future__ import annotations

import time
from typing import Protocol

from ..errors import DeviceError


class LinkClosed(DeviceError):
    """The link went away (cable pulled, emulator disconnected, socket closed)."""


class Clock(Protocol):
    """Seconds since some origin."""

    def now(self) -> float: ...


class MonotonicClock:
    """The wall clock (``time.monotonic``)."""

    def now(self) -> float:
        return time.monotonic()


class VirtualClock:
    """A clock that only moves when told; emulators and tests share one."""

    def __init__(self, start: float = 0.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance_to(self, t: float) -> None:
        """Move forward to ``t`` (never backwards)."""
        if t > self.t:
            self.t = t
