"""Laser planning benchmark: a 200-finger interdigitated fill, a 100-turn Swiss-roll isolate (CO2)
and a 20-ring concentric and a 20-turn Swiss-roll isolate (UV).

Prints, for each job: planning time (toolpath incl. travel ordering), G-code formatting time,
lines of G-code, travel between paths next to vpype's ``linesort`` and ``linesort --two-opt`` on
the same paths (the reference: ``pip install 'zmfab[bench]'``), and the trapezoidal time
estimate. ``bench_order.py`` compares the ordering alone on more cases.

    python benchmarks/bench_laser.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time

import shapely

import zmfab
from zmfab.gcode.laser_job import laser_job, machine_profile, plan_toolpath, resolve_settings
from zmfab.profiles import Profiles
from zmfab.toolpath import laser as L
from zmfab.toolpath.path import Polyline, travel_length


def linesort_travel(paths: list[Polyline], *, two_opt: bool = False) -> tuple[str, float, float]:
    """(method, travel mm, seconds) of vpype linesort on ``paths`` (endpoints = lead ends)."""
    import vpype as vp
    from bench_order import linesort  # this folder is on the path when run as a script

    travel, _, dt = linesort(paths, two_opt)
    return f"vpype {vp.__version__} linesort" + (" --two-opt" if two_opt else ""), travel, dt


def run(name: str, geom, op: str, *, within=None, process: str = "laser-co2", **extra) -> None:
    profiles = Profiles()
    mach = profiles.get("processes", process)["machine"]
    s = resolve_settings(profiles, process, op, overrides={"passes": 1, **extra},
                         machine=machine_profile(profiles, mach))
    t0, c0 = time.perf_counter(), time.process_time()
    tp = plan_toolpath(geom, op, s, within=within)
    t_plan, c_plan = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    job = laser_job(tp, profiles=profiles, machine=mach, meta={"design": name, "op": op},
                    settings=s, date="2026-01-01")
    t_gcode, c_gcode = time.perf_counter() - t0, time.process_time() - c0
    raw = plan_toolpath(geom, op, {**s, "optimise": False}, within=within)
    method, theirs, t_theirs = linesort_travel(raw.paths)
    method2, theirs2, t_theirs2 = linesort_travel(raw.paths, two_opt=True)
    ours = travel_length(tp.paths, origin=None)
    est = job.meta["estimate"]
    print(f"== {name}: {op} ({process}, {mach})")
    print(f"   paths            {len(tp.paths)}  ({sum(len(p.points) for p in tp.paths)} vertices)")
    print(f"   planning         {t_plan:.2f} s wall, {c_plan:.2f} s CPU (toolpath + ordering)")
    print(f"   G-code           {t_gcode:.2f} s wall, {c_gcode:.2f} s CPU to format + estimate; "
          f"{len(job.lines)} lines")
    print(f"   travel, ours     {ours:.1f} mm (between paths; greedy, hatch bands, 2-opt, "
          f"Or-opt); planner order unsorted: "
          f"{travel_length(raw.paths, origin=None):.1f} mm")
    print(f"   travel, {method:<9} {theirs:.1f} mm ({t_theirs:.2f} s)  -> ours/theirs = "
          f"{ours / theirs if theirs else float('nan'):.3f}")
    print(f"   travel, {method2} {theirs2:.1f} mm ({t_theirs2:.2f} s)  -> ours/theirs = "
          f"{ours / theirs2 if theirs2 else float('nan'):.3f}")
    print(f"   estimate         {est['time_s']:.1f} s = {est['time_s'] / 60:.1f} min; burn "
          f"{est['burn_mm']:.0f} mm, travel {est['travel_mm']:.0f} mm (leads included)")
    print(f"   uncovered        {tp.meta.get('uncovered_mm2', 0):.4f} mm2")
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="20 fingers / 10 turns")
    args = ap.parse_args()
    try:
        import vpype  # noqa: F401
    except ImportError:
        sys.exit("vpype is the reference here: pip install 'zmfab[bench]'")
    fingers, turns = (20, 10) if args.quick else (200, 100)
    ide = zmfab.layout("interdigitated", fingers=fingers)
    run(f"interdigitated, {fingers} fingers", ide.electrode("anode"), "fill")
    try:
        roll = zmfab.layout("swiss-roll", turns=turns)
        label = f"swiss-roll, {turns} turns"
    except (ImportError, zmfab.ZmfabError) as exc:
        print(f"(swiss-roll unavailable: {exc}; using concentric)")
        roll = zmfab.layout("concentric")
        label = "concentric"
    electrodes = shapely.union_all([roll.electrode("anode"), roll.electrode("cathode")])
    # As `zmfab build` does: the gap is the closing that bridges the layout's gap (0.2 mm).
    run(label, electrodes, "isolate", reach=1.01 * float(roll.params["gap"]))
    # The UV laser's fine spot clears a gap with several contours, slivers left in the middle
    small = 5 if args.quick else 20
    for family, key in (("concentric", "rings"), ("swiss-roll", "turns")):
        cell = zmfab.layout(family, **{key: small})
        both = shapely.union_all([cell.electrode("anode"), cell.electrode("cathode")])
        run(f"{family}, {small} {key}", both, "isolate", process="laser-uv",
            reach=1.01 * float(cell.params["gap"]))
    _ = L  # the planners are timed through plan_toolpath


if __name__ == "__main__":
    main()
