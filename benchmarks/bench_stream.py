"""Streaming throughput against the GRBL emulator at a modelled 115200 baud (virtual clock).

Streams a 20,000-line job of short segments and prints lines/s as a fraction of the link's
capacity (bytes/s / bytes per line) for zmfab's character-counting streamer next to a plain
send-and-wait-for-ok sender on the same emulator. Link models: an ideal wire; a USB serial
adapter (1 ms each way) with GRBL taking 0.5 ms to parse and plan a line; and the same with 2 ms a
line, where the controller, not the link, is the limit.

    /work/venv/bin/python benchmarks/bench_stream.py [--lines 20000]
"""

from __future__ import annotations

import argparse
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
    times = {"first": None, "last": 0.0}

    def on_event(e) -> None:
        if e.kind == "sent" and times["first"] is None:
            times["first"] = e.t
        elif e.kind == "ack":
            times["last"] = e.t

    streamer = Streamer(transport, dialect=make_dialect("grbl"), clock=clock, on_event=on_event,
                        progress_every=1.0)
    result = streamer.run(lines)
    assert result.acked == len(lines)
    assert transport.device.executed == lines and transport.device.overflows == 0
    return times["last"] - times["first"], transport.device.max_fill


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=20000)
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


if __name__ == "__main__":
    main()
