"""Narrow-line and narrow-space search on Swiss-roll strips a hair inside the limit (issue 16).

A 0.4 mm anode track drawn with chords is 0.3996 mm wide, so an opening at 0.4 mm erodes it
into tens of thousands of slivers (and a closing at the 1.1 mm turn-to-turn gap leaves as many
holes). Prints, per roll: the windowed second buffer's time, the global buffer's time (the
reference, same process, same input; skipped with --quick above 30 turns), their ratio, and
whether both found the same spots.

    python benchmarks/bench_features.py [--quick] [--turns N ...]
"""

from __future__ import annotations

import argparse
import time

import shapely

import zmfab
from zmfab.regions import features
from zmfab.regions.features import narrow_lines, narrow_spaces


def timed(finder, geom, limit: float, *, reference: bool):
    saved = features.FRAGMENTED
    features.FRAGMENTED = 10 ** 12 if reference else saved
    try:
        t0 = time.perf_counter()
        spots = finder(geom, limit)
        return time.perf_counter() - t0, spots
    finally:
        features.FRAGMENTED = saved


def same(a, b) -> bool:
    def key(s):
        return round(s.width, 6), round(s.x, 3), round(s.y, 3)
    return len(a) == len(b) and sorted(map(key, a)) == sorted(map(key, b))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="reference only up to 30 turns")
    ap.add_argument("--turns", type=int, nargs="*", default=[30, 100])
    args = ap.parse_args()
    for turns in args.turns:
        roll = zmfab.layout("swiss-roll", turns=turns, anode_width="400um",
                            cathode_width="500um", gap="300um")
        anode = shapely.union(roll["anode"], roll["anode_pad"])
        for name, finder, limit in (("lines 0.4 mm", narrow_lines, 0.4 - 1e-6),
                                    ("spaces 1.1004 mm", narrow_spaces, 1.1004)):
            fast_s, fast = timed(finder, anode, limit, reference=False)
            line = f"{turns} turns, {name}: windowed {fast_s:.2f} s, {len(fast)} spots"
            if finder is narrow_spaces and turns > 30 or args.quick and turns > 30:
                print(line + " (reference skipped: minutes)")
                continue
            ref_s, ref = timed(finder, anode, limit, reference=True)
            print(f"{line}; global {ref_s:.2f} s; {ref_s / fast_s:.1f}x faster; "
                  f"same spots: {same(ref, fast)}")


if __name__ == "__main__":
    main()
