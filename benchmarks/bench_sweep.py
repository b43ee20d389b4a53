"""Sweep throughput: a 1,000-variant metrics-only sweep (layouts, metrics, design rules; no files
but each variant's record) with --jobs 1, --jobs 2 and a local Dask cluster of two workers.

    python benchmarks/bench_sweep.py [--variants 1000] [--design patterns/...toml]

Prints variants/s for each executor; every run starts from an empty folder (nothing resumed),
and checks that all three give the same table. The CPU seconds and the load average say how
far other work on the machine limits the parallel figures.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path

from zmfab.design import load_design
from zmfab.sweep import sweep

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DESIGN = ROOT / "patterns" / "zn-mno2-screen-printed.toml"


def vary_for(n: int) -> list[str]:
    """About ``n`` variants: gaps in 5 µm steps from 100 µm times fingers from 2 upwards."""
    fingers = 10 if n >= 10 else 1
    gaps = math.ceil(n / fingers)
    return [f"gap=100um:{100 + 5 * (gaps - 1)}um:5um", f"fingers=2:{1 + fingers}:1"]


def timed(label: str, design, vary: list[str], workdir: Path, **kw) -> tuple[float, list]:
    out = workdir / label.replace(" ", "_")
    c0, t0 = os.times(), time.perf_counter()
    result = sweep(design, vary, out, build=False, **kw)
    dt = time.perf_counter() - t0
    c1 = os.times()
    cpu = sum(c1[i] - c0[i] for i in range(4))  # ours and our reaped workers' (not Dask's)
    n = len(result.records)
    bad = len(result.failed)
    print(f"{label:<22} {n:5d} variants in {dt:6.2f} s  {n / dt:8.1f} variants/s  "
          f"(cpu {cpu:5.1f} s, load {os.getloadavg()[0]:.1f})"
          + (f"  {bad} fail a rule or are impossible" if bad else ""), flush=True)
    return n / dt, result.rows


def _burn(n: int) -> int:
    return sum(i * i for i in range(n))


def headroom(workers: int = 2, n: int = 1_500_000, tasks: int = 8) -> float:
    """Speed-up of a pure-Python CPU burn on ``workers`` processes: the most any sweep can get
    from them on this machine right now (about 2 on two idle cores, about 1 on busy ones)."""
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    for _ in range(tasks):
        _burn(n)
    serial = time.perf_counter() - t0
    with ProcessPoolExecutor(workers) as pool:
        t0 = time.perf_counter()
        list(pool.map(_burn, [n] * tasks))
        parallel = time.perf_counter() - t0
    return serial / parallel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", type=int, default=1000)
    ap.add_argument("--design", type=Path, default=DEFAULT_DESIGN)
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask run")
    args = ap.parse_args()
    design = load_design(args.design)
    vary = vary_for(args.variants)
    print(f"zmfab sweep benchmark: {args.design.name}, --vary {' --vary '.join(vary)}, "
          f"{os.cpu_count()} cores")
    print(f"control: a CPU burn on 2 processes runs {headroom():.2f}x as fast as on 1")
    with tempfile.TemporaryDirectory(prefix="zmfab-bench-") as tmp:
        work = Path(tmp)
        _, serial = timed("--jobs 1", design, vary, work, jobs=1)
        _, two = timed("--jobs 2", design, vary, work, jobs=2)
        assert two == serial, "parallel results differ from serial ones"
        if args.no_dask:
            return
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            print("dask: not installed (pip install 'zmfab[dask]')")
            return
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            client.run(lambda: __import__("zmfab.sweep.worker"))  # warm the workers' imports
            _, on_dask = timed("dask LocalCluster(2)", design, vary, work, scheduler=client)
        assert on_dask == serial, "Dask results differ from serial ones"


if __name__ == "__main__":
    main()
