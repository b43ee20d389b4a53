"""Shared helpers for the serial tests: jobs, and a one-call stream against an emulator."""

from __future__ import annotations

import pytest

from zmfab.serial.streamer import Streamer, make_dialect
from zmfab.serial.transport import open_transport


def laser_job(n: int = 300) -> list[str]:
    """A laser job of ``n`` short cutting segments inside a 300 x 200 mm bed."""
    lines = ["G21", "G90", "M4 S0", "F1500"]
    for i in range(n):
        x, y = (i % 50) * 0.4, (i // 50) * 0.4
        lines.append(f"G0 X{x:.2f} Y{y:.2f}" if i % 10 == 0 else f"G1 X{x + 0.2:.2f} Y{y:.2f} S600")
    return lines + ["M5", "G0 X0 Y0"]


def compact(lines: list[str]) -> list[str]:
    return ["".join(line.split()).upper() for line in lines]


def marlin_job(n: int = 200) -> list[str]:
    lines = ["G21", "G90", "M83", "G1 F900", "M3 S0"]
    for i in range(n):
        lines.append(f"G1 X{(i % 40) * 0.5:.2f} Y{(i // 40) * 0.5:.2f} E0.02 S200")
    return lines + ["M5", "M107", "G0 X0 Y0"]


class Run:
    """A finished (or failed) stream: the result or the exception, events, and the device."""

    def __init__(self, url: str, lines: list[str], *, firmware: str = "grbl", **kw) -> None:
        self.transport, self.clock = open_transport(url)
        self.device = self.transport.device
        self.events = []
        run_kw = {k: kw.pop(k) for k in ("from_line", "dry_run", "estimate_s") if k in kw}
        dialect_kw = kw.pop("dialect", {})
        self.streamer = Streamer(self.transport, dialect=make_dialect(firmware, **dialect_kw),
                                 clock=self.clock, on_event=self.events.append, **kw)
        self.result = None
        self.error: BaseException | None = None
        try:
            self.result = self.streamer.run(lines, **run_kw)
        except Exception as exc:  # noqa: BLE001 - tests inspect it
            self.error = exc

    def kinds(self, kind: str) -> list:
        return [e for e in self.events if e.kind == kind]


@pytest.fixture
def stream():
    return Run


class Helpers:
    laser_job = staticmethod(laser_job)
    marlin_job = staticmethod(marlin_job)
    compact = staticmethod(compact)


@pytest.fixture
def h() -> type[Helpers]:
    """Job builders for the tests (conftest is not importable as a module here)."""
    return Helpers
