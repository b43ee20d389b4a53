"""Time and peak memory to generate and export large layouts, and the CLI's start-up time.

Run: python benchmarks/bench_layout.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import shapely

import zmfab
from zmfab.export import export_layout

CASES = [
    ("interdigitated, 1000 fingers", "interdigitated", {"fingers": 1000, "gap": "100um"}),
    ("concentric, 200 rings", "concentric", {"rings": 200}),
    ("swiss-roll, 200 turns", "swiss-roll", {"turns": 200}),
]


def run(family: str, params: dict, outdir: Path) -> tuple[object, float, float, float]:
    t0 = time.perf_counter()
    lay = zmfab.layout(family, **params)
    t1 = time.perf_counter()
    export_layout(lay, outdir / f"{family}.svg")
    t2 = time.perf_counter()
    export_layout(lay, outdir / f"{family}.dxf")
    t3 = time.perf_counter()
    return lay, t1 - t0, t2 - t1, t3 - t2


def measure(label: str, family: str, params: dict, outdir: Path) -> None:
    lay, gen, svg, dxf = run(family, params, outdir)  # timed without tracemalloc (it slows Python)
    tracemalloc.start()
    run(family, params, outdir)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times = []
    for _ in range(3):  # best of 3, as :func:`_timed_metrics` (the first call warms NumPy up)
        t0 = time.perf_counter()
        m = zmfab.measure(lay)
        times.append(time.perf_counter() - t0)
    t_measure = min(times)
    vertices = sum(len(p.exterior.coords) + sum(len(i.coords) for i in p.interiors)
                   for g in lay.regions.values() for p in getattr(g, "geoms", [g]))
    print(f"{label:30s} generate {gen:5.2f} s  svg {svg:5.2f} s  dxf {dxf:5.2f} s  "
          f"peak {peak / 2**20:6.1f} MiB  vertices {vertices:>8,d}  "
          f"metrics {t_measure:5.3f} s (best of 3; gap {m['min_gap_mm'] * 1000:.3f} µm)")


SCALING = [
    ("concentric", "rings", 20, 200, {}),
    ("interdigitated", "fingers", 100, 1000, {"gap": "100um"}),
]


def _vertices(lay) -> int:
    return sum(int(shapely.get_num_coordinates(g)) for g in lay.regions.values())


def _timed_metrics(family: str, params: dict, repeat: int = 3) -> tuple[float, float, int]:
    """(best generation time s, best metrics time s, vertices) of one layout."""
    gen, met = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        lay = zmfab.layout(family, **params)
        t1 = time.perf_counter()
        zmfab.measure(lay)
        met.append(time.perf_counter() - t1)
        gen.append(t1 - t0)
    return min(gen), min(met), _vertices(lay)


def scaling() -> None:
    """Metrics time against generation time (goal <= 2x at the large size), and how metrics
    time grows with the work (vertices): goal about 1x the work ratio."""
    for family, key, small, large, extra in SCALING:
        g_s, m_s, v_s = _timed_metrics(family, {key: small, **extra})
        g_l, m_l, v_l = _timed_metrics(family, {key: large, **extra})
        print(f"metrics {family:14s} {key} {small:>4d}: {m_s:6.3f} s ({m_s / g_s:4.2f}x generate)  "
              f"{large:>4d}: {m_l:6.3f} s ({m_l / g_l:4.2f}x generate)  "
              f"time x{m_l / m_s:5.1f} for work x{v_l / v_s:5.1f} (vertices {v_s:,d} -> {v_l:,d})")


def startup() -> None:
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zmfab", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    bare = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - t0)
    print(f"zmfab --help: best {min(times) * 1000:.0f} ms (python itself: {min(bare) * 1000:.0f} ms)")


def main() -> None:
    import os

    one, five, _ = os.getloadavg()
    print(f"load average at start: {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            measure(*case, Path(tmp))
    scaling()
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak above is Python's heap (tracemalloc); the process's max RSS (GEOS included): {rss:.0f} MiB")
    startup()


if __name__ == "__main__":
    main()
