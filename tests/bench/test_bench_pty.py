"""Wall-clock bench tests: interactive jogging by keystrokes through a pty, and bench commands
to an emulator served on a pty (a real serial device path)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time

import pytest

from tests.pty_device import PtyDevice
from zmfab.serial.control import Machine
from zmfab.serial.emulator import Link

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


class Screen:
    """Everything a pty's master side has printed; ``wait`` blocks until ``text`` has appeared
    ``count`` times in all of it (so output read early is never lost)."""

    def __init__(self, fd: int) -> None:
        self.fd, self.out = fd, b""

    @property
    def text(self) -> str:
        return self.out.decode(errors="replace")

    def wait(self, text: str, count: int = 1, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while self.out.count(text.encode()) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} (x{count}) never came; got {self.text!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the program ended before {text!r}; got {self.text!r}")
                self.out += chunk
        return self.text


def test_interactive_jog_by_keystrokes(tmp_path):
    master, slave = os.openpty()
    log = tmp_path / "jog.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "zmfab", "machine", "jog", "--port", "sim://grbl",
                             "--log", str(log)], stdin=slave, stdout=slave, stderr=slave,
                            close_fds=True, cwd=os.getcwd())
    os.close(slave)
    try:
        screen = Screen(master)
        screen.wait("step 1 mm\r\n")  # help and the first status: cbreak mode is on
        keys = ["\x1b[C", "+", "\x1b[A", "-", "-", "\x1b[D", "\x1b[5~", "\x1b[6~", "o", "q"]
        for n, key in enumerate(keys, start=3):  # help, status, then one line per key
            os.write(master, key.encode())
            screen.wait("\n", n)
        seen = screen.wait("stopped")
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    sent = [json.loads(line)["text"] for line in log.read_text().splitlines()
            if json.loads(line)["event"] == "sent" and json.loads(line)["text"] != "0x3F"]
    assert sent[sent.index("$I") + 1:] == [
        "$J=G21 G91 X1 F1000", "$J=G21 G91 Y10 F1000", "$J=G21 G91 X-0.1 F1000",
        "$J=G21 G91 Z0.1 F1000", "$J=G21 G91 Z-0.1 F1000", "G10 L20 P1 X0 Y0", "0x85"]
    assert "step 10 mm" in seen and "step 0.1 mm" in seen
    assert "X 0.900 Y 10.000" in seen and "(machine 0.900, 10.000)" in seen
    assert "work origin set here" in seen and "X 0.000 Y 0.000" in seen.split("origin")[-1]


def test_bench_commands_to_an_emulator_on_a_pty():
    with PtyDevice("grbl", link=Link(), homing="1") as pty:
        with Machine.open(pty.path[0], connect_timeout=0.5) as m:
            assert m.status().state == "Alarm"
            m.home()
            st = m.jog(2.0, 1.5, feed=3000)
            assert st.mpos[:2] == (2.0, 1.5)
            assert m.set_origin().wpos[:2] == (0.0, 0.0)
    device = pty.device
    assert device.homed == 1 and device.wco[:2] == [2.0, 1.5] and not device.laser_on
