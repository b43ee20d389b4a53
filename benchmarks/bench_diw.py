"""Ink-writing (DIW) benchmark: a 200-finger interdigitated cell at 3 layers and a 100-turn
Swiss-roll, both electrodes in two inks (T0/T1) on the shipped syringe machine (its bed
enlarged to 700 mm: the 200-finger cell is 520 mm wide).

Prints, for each job: bead planning time (wall clock and this process's CPU time), G-code time,
the planning / writing ratio (issue 16 goal: <= 5x), lines, beads (continuous paths), print and
travel length, ink per tool against area × layers × layer height, and the largest lane-end trim.

    python benchmarks/bench_diw.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import shapely

import zmfab
from zmfab.gcode.diw_job import machine_from, merged_settings
from zmfab.gcode.marlin_diw import Ink, JobOptions, render_diw
from zmfab.profiles import Profiles
from zmfab.toolpath.beads import plan_beads

BEAD, HEIGHT = 0.4, 0.1


def run(name: str, layout, layers: int, profiles: Profiles) -> None:
    regions = {e: shapely.union(layout[e], layout[f"{e}_pad"]) for e in ("anode", "cathode")}
    t0, c0 = time.perf_counter(), time.process_time()
    toolpaths = {e: plan_beads(g, width=BEAD, height=HEIGHT, layers=layers, settings={"tool": i})
                 for i, (e, g) in enumerate(regions.items())}
    t1, c1 = time.perf_counter(), time.process_time()
    mname, raw = merged_settings(profiles, "marlin-syringe",
                                 {"bed": ["700mm", "700mm", "60mm"], "origin": ["40mm", "20mm"]})
    machine = machine_from(mname, raw)
    inks = [Ink(e, i, tp, material=e) for i, (e, tp) in enumerate(toolpaths.items())]
    job = render_diw(inks, machine, options=JobOptions(extent=layout.bounds))
    t2 = time.perf_counter()
    beads = sum(len(tp) for tp in toolpaths.values())
    print(f"{name}: plan {t1 - t0:.2f} s ({c1 - c0:.2f} s CPU), G-code {t2 - t1:.2f} s, "
          f"{len(job.lines)} lines, "
          f"{beads} beads, print {job.meta['print_mm']:.0f} mm, travel {job.meta['travel_mm']:.0f} mm, "
          f"estimate {job.meta['estimate_s'] / 60:.1f} min")
    print(f"  planning / G-code writing: {(t1 - t0) / (t2 - t1):.1f}x (goal <= 5x)")
    for i, (e, g) in enumerate(regions.items()):
        want = g.area * layers * HEIGHT
        got = job.meta[f"ink_ul_T{i}"] - job.meta[f"purge_ul_T{i}"]
        tp = toolpaths[e]
        raw = 100 * (1 / tp.meta["trim_max"] - 1)
        print(f"  T{i} {e}: ink {got:.2f} µL vs area×layers×h {want:.2f} µL "
              f"({100 * (got / want - 1):+.3f} %); lanes at pitch A/h alone: {raw:+.2f} %, "
              f"trimmed by flow ×{tp.meta['trim_max']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 fingers and 10 turns")
    args = parser.parse_args()
    profiles = Profiles()
    fingers, turns = (20, 10) if args.quick else (200, 100)
    comb = zmfab.layout("interdigitated", fingers=fingers, anode_width="800um",
                        cathode_width="800um", gap="500um", finger_length="8mm", bus_width="800um")
    run(f"interdigitated, {fingers} fingers, 3 layers", comb, 3, profiles)
    t0 = time.perf_counter()
    roll = zmfab.layout("swiss-roll", turns=turns, anode_width="400um", cathode_width="500um",
                        gap="250um")
    print(f"(swiss-roll layout {time.perf_counter() - t0:.2f} s)")
    run(f"swiss-roll, {turns} turns, 1 layer", roll, 1, profiles)


if __name__ == "__main__":
    main()
