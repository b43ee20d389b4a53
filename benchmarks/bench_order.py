"""Travel ordering against vpype's ``linesort`` on the same polylines (the reference).

Cases: fills of 50- and 200-finger combs, a 20-ring concentric fill and isolation and a Swiss-roll
isolation, each planned unordered (``optimise = false``) and then ordered by
:func:`zmfab.toolpath.order.order_paths`, by ``vpype linesort`` and by ``linesort --two-opt``.
Prints travel (mm, between polylines, lead ends included) and ordering time for each, and the
ratios the goals are stated in: travel <= 0.9 x linesort and <= 1.0 x linesort --two-opt, ordering
time <= linesort's. Both sides are measured the same way: travel between polylines only, from
each polyline's end (lead-out included) to the next one's start (vpype's ``pen_up_length`` on
the same points); the hop from the machine origin (0, 0) to the first polyline is printed apart
(vpype's sort does not know the origin and starts at the first polyline given, ours starts from
the origin and counts that hop in what it minimises). The ``from origin`` columns compare the
whole rapid travel of the job, origin hop included, on the same objective: vpype is then given a
zero-length line at the origin first (its sort keeps the first line first).
``bound`` is a lower bound on the travel of any order
(:func:`zmfab.toolpath.order_bound.travel_lower_bound`); a goal below it (``0.9 ls`` under
``bound``) cannot be met by any order of these polylines.
Times are medians of ``--repeat`` runs of each (``linesort --two-opt`` runs once: its time is no
goal). The case marked ``*`` is no goal of the issue, printed for comparison. vpype is a
benchmark-only dependency (``pip install 'zmfab[bench]'``).

    python benchmarks/bench_order.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import shapely

import zmfab
from zmfab.gcode.laser_job import machine_profile, plan_toolpath, resolve_settings
from zmfab.profiles import Profiles
from zmfab.toolpath.order import nearest_neighbour, order_paths
from zmfab.toolpath.order_bound import travel_lower_bound
from zmfab.toolpath.path import Polyline, travel_length


def cases(quick: bool) -> list[tuple[str, object, str, dict]]:
    """(label, geometry, operation, extra settings) of each benchmark case."""
    small, big, rings, turns = (10, 20, 5, 5) if quick else (50, 200, 20, 20)
    out = []
    for n in (small, big):
        lay = zmfab.layout("interdigitated", fingers=n)
        out.append((f"{n}-finger fill", lay.electrode("anode"), "fill", {}))
    ring = zmfab.layout("concentric", rings=rings)
    both = shapely.union_all([ring.electrode("anode"), ring.electrode("cathode")])
    out.append((f"{rings}-ring concentric fill", ring.electrode("anode"), "fill", {}))
    reach = 1.01 * float(ring.params["gap"])
    out.append((f"{rings}-ring concentric isolate", both, "isolate", {"reach": reach}))
    roll = zmfab.layout("swiss-roll", turns=turns)
    both = shapely.union_all([roll.electrode("anode"), roll.electrode("cathode")])
    out.append((f"{turns}-turn swiss-roll isolate", both, "isolate",
                {"reach": 1.01 * float(roll.params["gap"])}))
    # not a goal case: the comb, the commonest cell, isolated (its tour must not sweep a row
    # out and back and jump to the other)
    comb = zmfab.layout("interdigitated", fingers=small)
    both = shapely.union_all([comb.electrode("anode"), comb.electrode("cathode")])
    out.append((f"{small}-finger comb isolate*", both, "isolate",
                {"reach": 1.01 * float(comb.params["gap"])}))
    return out


def raw_paths(geom, op: str, extra: dict) -> list[Polyline]:
    """The planner's polylines, unordered, one pass (fills on the CO2 laser, isolations on the
    UV laser: its fine spot takes several contours per channel)."""
    profiles = Profiles()
    process = "laser-co2" if op == "fill" else "laser-uv"
    mach = profiles.get("processes", process)["machine"]
    s = resolve_settings(profiles, process, op, overrides={"passes": 1, **extra},
                         machine=machine_profile(profiles, mach))
    return plan_toolpath(geom, op, {**s, "optimise": False}).paths


def linesort(paths: list[Polyline], two_opt: bool, from_origin: bool = False
             ) -> tuple[float, float, float]:
    """(travel mm, first hop from the origin mm, seconds) of vpype linesort (closed contours
    kept at their first vertex); ``from_origin``: started from a zero-length line at (0, 0)
    (the travel then includes the hop from it)."""
    import vpype as vp
    import vpype_cli

    lc = vp.LineCollection()
    if from_origin:
        lc.append(np.zeros(2, dtype=complex))
    for p in paths:
        pts = np.vstack([p.start, p.points, p.end])
        lc.append(pts[:, 0] + 1j * pts[:, 1])
    doc = vp.Document()
    doc.add(lc, 1)
    t0 = time.perf_counter()
    out = vpype_cli.execute("linesort --two-opt" if two_opt else "linesort", doc)
    dt = time.perf_counter() - t0
    layer = out.layers[1]
    return float(layer.pen_up_length()[0]), float(abs(layer[0][0])) if len(layer) else 0.0, dt


def timed(func, paths, repeat: int = 1):
    """(result of the last run, median seconds of ``repeat`` runs)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func(paths)
        times.append(time.perf_counter() - t0)
    return out, float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small cases")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each (median)")
    args = ap.parse_args()
    try:
        import vpype
    except ImportError:
        sys.exit("vpype is the reference here: pip install 'zmfab[bench]'")
    print(f"reference: vpype {vpype.__version__} linesort; travel in mm between polylines "
          f"(origin hop apart), time in s (median of {args.repeat}); load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'case':<30} {'paths':>6} {'greedy':>9} {'ours':>9} {'t ours':>7} {'linesort':>9} "
          f"{'t ls':>6} {'2-opt':>9} {'t 2opt':>7}  ours/ls ours/2opt t/t_ls  {'bound':>8} "
          f"{'0.9 ls':>8} | from origin: ours/ls ours/2opt")
    for label, geom, op, extra in cases(args.quick):
        paths = raw_paths(geom, op, extra)
        greedy, _ = timed(nearest_neighbour, paths)
        ours, t_ours = timed(order_paths, paths, args.repeat)
        assert sorted(map(id, (p.settings for p in ours))) == sorted(map(id, (p.settings for p in paths)))
        d_ours, d_greedy = travel_length(ours, origin=None), travel_length(greedy, origin=None)
        runs = [linesort(paths, False) for _ in range(args.repeat)]
        d_ls = runs[0][0]
        t_ls = float(np.median([r[2] for r in runs]))
        d_2, _, t_2 = linesort(paths, True)
        whole = travel_length(ours)
        o_ls, o_2 = linesort(paths, False, True)[0], linesort(paths, True, True)[0]
        bound, _ = travel_lower_bound(paths)
        print(f"{label:<30} {len(paths):>6} {d_greedy:>9.1f} {d_ours:>9.1f} {t_ours:>7.3f} "
              f"{d_ls:>9.1f} {t_ls:>6.3f} {d_2:>9.1f} {t_2:>7.3f}  "
              f"{d_ours / d_ls if d_ls else 0:>7.3f} {d_ours / d_2 if d_2 else 0:>9.3f} "
              f"{t_ours / t_ls if t_ls else 0:>6.2f}  {bound:>8.1f} {0.9 * d_ls:>8.1f} | {whole / o_ls if o_ls else 0:>7.3f} "
              f"{whole / o_2 if o_2 else 0:>9.3f}", flush=True)


if __name__ == "__main__":
    main()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
