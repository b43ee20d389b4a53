"""The one wall-clock test: the GRBL emulator on a pseudo-terminal, streamed to as a real port."""

from __future__ import annotations

import sys
import threading

import pytest

from zmfab.serial.emulator import Link, make_device, serve_pty
from zmfab.serial.streamer import Streamer, make_dialect
from zmfab.serial.transport import open_transport


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_stream_over_a_pty(h):
    device = make_device("grbl", link=Link())
    ready = threading.Event()
    stop = threading.Event()
    path: list[str] = []

    def on_ready(p: str) -> None:
        path.append(p)
        ready.set()

    server = threading.Thread(target=serve_pty, args=(device,),
                              kwargs={"on_ready": on_ready, "stop": stop.is_set}, daemon=True)
    server.start()
    try:
        assert ready.wait(5.0)
        transport, clock = open_transport(path[0])
        job = h.laser_job(30)
        try:
            result = Streamer(transport, dialect=make_dialect("grbl", banner_timeout=0.5),
                              clock=clock, poll_interval=0.05).run(job)
        finally:
            transport.close()
    finally:
        stop.set()
        server.join(2.0)
    assert result.acked == len(job)
    assert device.executed == h.compact(job)
    assert not device.laser_on
