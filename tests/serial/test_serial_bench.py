"""The benchmark's claim, on a shorter job: character counting uses >= 90 % of the link."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_stream.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_stream", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_character_counting_reaches_90_percent_of_the_link():
    bench = _bench()
    lines = bench.job(3000)
    capacity = bench.BAUD / 10 / (sum(len(x) + 1 for x in lines) / len(lines))
    url = f"sim://grbl?baud={bench.BAUD}&latency=0.001&proc=0.0005"
    elapsed, fill = bench.zmfab_sender(url, lines)
    plain, _ = bench.plain_sender(url, lines)
    assert len(lines) / elapsed >= 0.9 * capacity
    assert plain > 2 * elapsed  # send-and-wait pays the round trip on every line
    assert fill <= 128
