"""Bench fixtures: a machine on an emulator, with every byte the host writes recorded."""

from __future__ import annotations

import pytest

from zmfab.serial.control import Machine
from zmfab.serial.emulator import open_sim


class Recorder:
    """A transport that keeps every write (the bytes a command puts on the wire)."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.writes = inner, inner.name, []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self.inner.write(data)

    def read_line(self, timeout: float):
        return self.inner.read_line(timeout)

    def reopen(self) -> None:
        self.inner.reopen()

    def close(self) -> None:
        self.inner.close()

    def take(self) -> list[bytes]:
        out, self.writes = self.writes, []
        return out


@pytest.fixture
def bench():
    """``bench(url)`` -> (machine, recorder, device), connected, the handshake's bytes dropped."""
    opened = []

    def make(url: str = "sim://grbl"):
        transport, clock = open_sim(url)
        rec = Recorder(transport)
        firmware = "marlin" if url.startswith("sim://marlin") else "grbl"
        m = Machine(rec, firmware=firmware, clock=clock)
        m.connect()
        rec.take()
        opened.append(m)
        return m, rec, transport.device

    yield make
    for m in opened:
        m.close()
