"""Streaming throughput against the GRBL emulator at 115200 baud: virtual clock and real time.

Virtual clock: streams a 20,000-line job of short segments and prints lines/s as a fraction of
the link's capacity (bytes/s / bytes per line) for zmfab's character-counting streamer next to a
plain send-and-wait-for-ok sender on the same emulator. Link models: an ideal wire; a USB serial
adapter (1 ms each way) with GRBL taking 0.5 ms to parse and plan a line; and the same with 2 ms a
line, where the controller, not the link, is the limit.

Real time (``--pty-lines``, 0 to skip): ``zmfab emulate grbl --pty --baud 115200`` in its own
process, a 5,000-line job streamed over the pseudo-terminal by zmfab, by ``zmfab stream``
(the command, in its own process, with ``--log``), by a minimal character-counting client (pyserial, GRBL's stream.py protocol) and by a send-and-wait client,
each run ``--runs`` times on a fresh emulator; prints the median % of the link's 11,520 B/s and
the ratio of zmfab's rate to the send-and-wait client's.

    python benchmarks/bench_stream.py [--lines 20000] [--pty-lines 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from zmfab.serial.streamer import Streamer, make_dialect
from zmfab.serial.transport import open_transport

BAUD = 115200


def job(n: int) -> list[str]:
    """``n`` short laser segments zig-zagging over a 100 x 100 mm field."""
    lines = []
    for i in range(n):
        x = (i * 0.37) % 100
        y = (i // 270) * 0.37 % 100
        lines.append(f"G1X{x:.2f}Y{y:.2f}S500" if i % 2 else f"G1X{x:.2f}Y{y:.2f}")
    return ["G21G90", "M4S0", "F6000"] + lines + ["M5"]


def plain_sender(url: str, lines: list[str]) -> tuple[float, int]:
    """Send a line, wait for its ok, repeat (GRBL's simple_stream.py protocol)."""
    transport, clock = open_transport(url)
    while not (transport.read_line(5.0) or "").startswith("Grbl "):
        pass
    t0 = clock.now()
    for line in lines:
        transport.write(line.encode() + b"\n")
        while True:
            reply = transport.read_line(5.0)
            if reply is None:
                raise RuntimeError("plain sender: no reply")
            if reply == "ok" or reply.startswith("error:"):
                break
    assert transport.device.executed == lines
    return clock.now() - t0, transport.device.max_fill


def zmfab_sender(url: str, lines: list[str]) -> tuple[float, int]:
    """zmfab's Streamer (character counting), timed from the first job byte to the last ok."""
    transport, clock = open_transport(url)
    seconds, result = timed_stream(transport, clock, lines)
    assert result.acked == len(lines)
    assert transport.device.executed == lines and transport.device.overflows == 0
    return seconds, transport.device.max_fill


def timed_stream(transport, clock, lines: list[str]) -> tuple[float, object]:
    """(seconds from the first job byte sent to the last ok, the result) of zmfab's Streamer
    (character counting) sending ``lines``."""
    times = {"first": None, "last": 0.0}

    def on_event(e) -> None:
        if e.kind == "sent" and times["first"] is None:
            times["first"] = e.t
        elif e.kind == "ack":
            times["last"] = e.t

    result = Streamer(transport, dialect=make_dialect("grbl"), clock=clock, on_event=on_event,
                      progress_every=1.0).run(lines)
    return times["last"] - times["first"], result


class PtyEmulator:
    """``zmfab emulate grbl --pty --baud 115200`` in a child process; ``path`` is its pty."""

    def __enter__(self) -> PtyEmulator:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from zmfab.cli import main; main()", "emulate", "grbl",
             "--pty", "--baud", str(BAUD)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.path = self.proc.stdout.readline().strip()
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(5)


def pty_zmfab(path: str, lines: list[str]) -> float:
    """zmfab's Streamer over the pty: wall seconds from the first job byte to the last ok."""
    transport, clock = open_transport(path)
    try:
        seconds, result = timed_stream(transport, clock, lines)
    finally:
        transport.close()
    assert result.accepted == len(lines), result
    return seconds


def pty_cli(path: str, lines: list[str]) -> float:
    """``zmfab stream JOB --port PTY --log LOG --quiet`` in its own process (as an operator runs
    it): seconds from the first job line sent to the last ok, from its log."""
    import json
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        job_path, log = Path(tmp) / "job.gcode", Path(tmp) / "job.jsonl"
        job_path.write_text("\n".join(lines) + "\n")
        subprocess.run([sys.executable, "-c", "from zmfab.cli import main; main()", "stream",
                        str(job_path), "--port", path, "--log", str(log), "--quiet",
                        "--estimate", "10s"], check=True, capture_output=True)
        records = [json.loads(x) for x in log.read_text().splitlines()]
    first = next(r["t"] for r in records if r["event"] == "sent")
    last = max(r["t"] for r in records if r["event"] == "ack")
    return last - first


def _grbl_port(path: str):
    import serial

    port = serial.serial_for_url(path, baudrate=BAUD, timeout=2.0)
    port.write(b"?")
    while not port.readline().startswith(b"<"):
        pass
    return port


def pty_counting_client(path: str, lines: list[str]) -> float:
    """A 40-line character-counting client (GRBL's stream.py protocol) over the pty."""
    port = _grbl_port(path)
    sizes: list[int] = []
    t0 = time.perf_counter()
    done = 0
    for line in lines:
        data = line.encode() + b"\n"
        sizes.append(len(data))
        while sum(sizes) > 127:
            port.readline()
            sizes.pop(0)
            done += 1
        port.write(data)
    while done < len(lines):
        port.readline()
        done += 1
    elapsed = time.perf_counter() - t0
    port.close()
    return elapsed


def pty_plain(path: str, lines: list[str]) -> float:
    """Send a line, wait for its ok, repeat, over the pty."""
    port = _grbl_port(path)
    t0 = time.perf_counter()
    for line in lines:
        port.write(line.encode() + b"\n")
        if not port.readline().startswith((b"ok", b"error")):
            raise RuntimeError("plain client: unexpected reply")
    elapsed = time.perf_counter() - t0
    port.close()
    return elapsed


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the CLI run, not the emulator,
    which is still running when this is read)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def real_time(n: int, runs: int) -> None:
    """Median % of link over ``runs`` fresh emulators for each client, and zmfab's ratio."""
    lines = job(n)
    nbytes = sum(len(x) + 1 for x in lines)
    link = BAUD / 10
    print(f"\nreal time: zmfab emulate grbl --pty --baud {BAUD}, {len(lines)} lines, "
          f"{nbytes} bytes, {runs} run(s) each (median)")
    rates = {}
    cpu_ms = {}
    for name, client in (("zmfab streamer", pty_zmfab), ("zmfab stream (CLI, --log)", pty_cli),
                         ("40-line char-counting client", pty_counting_client),
                         ("send-and-wait client", pty_plain)):
        samples, cpu = [], []
        for _ in range(runs):
            with PtyEmulator() as emu:
                c0 = _cpu()
                samples.append(nbytes / client(emu.path, lines))
                cpu.append(_cpu() - c0)
        rates[name] = statistics.median(samples)
        cpu_ms[name] = 1000 * statistics.median(cpu) / len(lines)
        spread = f"{100 * min(samples) / link:.0f}-{100 * max(samples) / link:.0f} %"
        print(f"  {name:<30} {rates[name]:7.0f} B/s  {100 * rates[name] / link:5.1f} % of link  "
              f"(runs {spread}); sender CPU {cpu_ms[name]:.3f} ms/line")
    print(f"  zmfab / send-and-wait: {rates['zmfab streamer'] / rates['send-and-wait client']:.2f}x;"
          f" zmfab / char-counting client: "
          f"{rates['zmfab streamer'] / rates['40-line char-counting client']:.2f}x; sender CPU "
          f"zmfab / char-counting client: "
          f"{cpu_ms['zmfab streamer'] / cpu_ms['40-line char-counting client']:.2f}x")


def start_up(runs: int) -> None:
    """Wall seconds for a whole 13-line job (open, handshake, stream, finish) by zmfab and by a
    plain pyserial client, on an emulator whose banner an earlier session already read."""
    lines = job(10)
    samples: dict[str, list[float]] = {"zmfab stream (13 lines)": [], "plain pyserial client": []}
    for _ in range(runs):
        for name in samples:
            with PtyEmulator() as emu:
                _grbl_port(emu.path).close()  # the earlier session
                t0 = time.perf_counter()
                if name.startswith("zmfab"):
                    transport, clock = open_transport(emu.path)
                    try:
                        Streamer(transport, dialect=make_dialect("grbl"), clock=clock).run(lines)
                    finally:
                        transport.close()
                else:
                    pty_plain(emu.path, lines)
                samples[name].append(time.perf_counter() - t0)
    zm, plain = (statistics.median(v) for v in samples.values())
    print(f"\nstart-up (median of {runs}): zmfab {zm:.2f} s, plain client {plain:.2f} s, "
          f"overhead {zm - plain:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--pty-lines", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    lines = job(args.lines)
    bytes_per_line = sum(len(x) + 1 for x in lines) / len(lines)
    capacity = BAUD / 10 / bytes_per_line
    print(f"job: {len(lines)} lines, {bytes_per_line:.1f} bytes/line (with newline); "
          f"link {BAUD} baud = {BAUD / 10:.0f} bytes/s = {capacity:.0f} lines/s capacity")
    scenarios = {
        "ideal wire": f"sim://grbl?baud={BAUD}",
        "USB 1 ms + GRBL 0.5 ms/line": f"sim://grbl?baud={BAUD}&latency=0.001&proc=0.0005",
        "USB 1 ms + GRBL 2 ms/line (machine-bound)":
            f"sim://grbl?baud={BAUD}&latency=0.001&proc=0.002",
    }
    for label, url in scenarios.items():
        print(f"\n{label}  ({url})")
        for name, sender in (("character counting (zmfab)", zmfab_sender),
                             ("plain send-and-wait", plain_sender)):
            wall = time.perf_counter()
            elapsed, fill = sender(url, lines)
            wall = time.perf_counter() - wall
            rate = len(lines) / elapsed
            print(f"  {name:<28} {rate:7.0f} lines/s  {100 * rate / capacity:5.1f} % of link  "
                  f"max RX fill {fill:3d}/128 B  ({elapsed:.1f} s modelled, {wall:.1f} s CPU)")
    if args.pty_lines:
        real_time(args.pty_lines, args.runs)
        start_up(args.runs)


if __name__ == "__main__":
    main()
