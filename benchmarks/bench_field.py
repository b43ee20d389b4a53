"""Thin-film field solve: time and peak memory at 250k and 1M grid cells.

Two layouts: the screen-printed interdigitated pattern (electrodes cover most of the grid, so
about a third of the cells are unknowns) and a disc inside a ring (almost every cell is film: the
worst case for the linear solver). Each case runs in a fresh process so that its peak resident
memory (ru_maxrss, which includes Python, numpy, scipy and shapely, ~100 MB idle) is its own.
Time is split into building the cut-cell links (shapely point tests, bisection), the sparse
solve and the post-processing (the edge-current profile; goal: at most half the solve). The disc-in-ring row also prints the resistance error against 2πσh / ln(r2/r1).

    /work/venv/bin/python benchmarks/bench_field.py [--cells 250000 1000000] [--solver direct]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_case(case: str, cells: int, solver: str) -> dict:
    """Solve one case in this process; return timings, size and peak RSS."""
    import resource

    from shapely.geometry import Point

    from zmfab.analysis.field import FieldSettings, solve_field
    from zmfab.design import load_design
    from zmfab.regions import Layout

    idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if case == "interdigitated":
        lay = load_design(ROOT / "patterns" / "zn-mno2-screen-printed.toml").layout()
    elif case == "swiss-roll":
        lay = load_design(ROOT / "patterns" / "swiss-roll-zmb.toml").layout()
    else:
        circle = lambda r: Point(0, 0).buffer(r, quad_segs=512)  # noqa: E731
        lay = Layout("ring", {"anode": circle(1.0), "cathode": circle(2.5).difference(circle(2.0)),
                              "active_area": circle(2.5)})
    t0 = time.perf_counter()
    result = solve_field(lay, settings=FieldSettings(cells=cells, solver=solver, min_cells_per_gap=0))
    wall = time.perf_counter() - t0
    s = result.summary
    out = {"case": case, "cells": s["cells"], "unknowns": s["unknowns"], "solver": s["solver"],
           "links_s": s["assemble_s"], "solve_s": s["solve_s"], "post_s": s["post_s"],
           "total_s": wall,
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "idle_mb": idle,
           "resistance_ohm": s["resistance_ohm"]}
    if case == "ring":
        exact = math.log(2.0) / (2 * math.pi * 1.0 * 0.1e-3)
        out["error"] = s["resistance_ohm"] / exact - 1.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--solver", default="auto", choices=["auto", "direct", "cg", "amg"])
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:  # child process
        print(json.dumps(run_case(args.case, args.cells[0], args.solver)))
        return
    print(f"{'layout':<15} {'cells':>9} {'unknowns':>9} {'solver':>7} {'links s':>8} {'solve s':>8} "
          f"{'post s':>7} {'post/solve':>10} {'total s':>8} {'peak MB':>8}  R error")
    for case in ("interdigitated", "swiss-roll", "ring"):
        for cells in args.cells:
            proc = subprocess.run([sys.executable, __file__, "--case", case, "--cells", str(cells),
                                   "--solver", args.solver], capture_output=True, text=True, check=True)
            r = json.loads(proc.stdout)
            err = f"{r['error'] * 100:+.4f} %" if "error" in r else ""
            print(f"{case:<15} {r['cells']:>9} {r['unknowns']:>9} {r['solver']:>7} {r['links_s']:>8.2f} "
                  f"{r['solve_s']:>8.2f} {r['post_s']:>7.2f} {r['post_s'] / r['solve_s']:>10.2f} "
                  f"{r['total_s']:>8.2f} {r['peak_mb']:>8.0f}  {err}")


if __name__ == "__main__":
    main()
