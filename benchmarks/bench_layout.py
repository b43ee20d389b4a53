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
    t0 = time.perf_counter()
    m = zmfab.measure(lay)
    t_measure = time.perf_counter() - t0
    vertices = sum(len(p.exterior.coords) + sum(len(i.coords) for i in p.interiors)
                   for g in lay.regions.values() for p in getattr(g, "geoms", [g]))
    print(f"{label:30s} generate {gen:5.2f} s  svg {svg:5.2f} s  dxf {dxf:5.2f} s  "
          f"peak {peak / 2**20:6.1f} MiB  vertices {vertices:>8,d}  "
          f"metrics {t_measure:5.2f} s (gap {m['min_gap_mm'] * 1000:.3f} µm)")


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
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            measure(*case, Path(tmp))
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak above is Python's heap (tracemalloc); the process's max RSS (GEOS included): {rss:.0f} MiB")
    startup()


if __name__ == "__main__":
    main()
