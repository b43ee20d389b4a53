"""An emulator served on a pseudo-terminal in a thread, for a sender in this or another process."""

from __future__ import annotations

import threading

from zmfab.serial.emulator import Link, make_device, serve_pty


class PtyDevice:
    """``with PtyDevice("grbl") as pty:`` serves a device at ``pty.path[0]`` until the block ends."""

    def __init__(self, kind: str, *, link: Link | None = None, **options: str) -> None:
        self.device = make_device(kind, link=link or Link(baud=115200), options=options)
        self.ready, self.stop = threading.Event(), threading.Event()
        self.path: list[str] = []
        self.thread = threading.Thread(target=serve_pty, args=(self.device,), daemon=True, kwargs={
            "on_ready": lambda p: (self.path.append(p), self.ready.set()), "stop": self.stop.is_set})

    def __enter__(self) -> PtyDevice:
        self.thread.start()
        assert self.ready.wait(5.0)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(2.0)
