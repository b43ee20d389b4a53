"""Bench-route benchmark: inkjet rasterisation and the cutter's weeding order.

Prints, as ratios against a reference run in the same process:

* the scanline rasteriser (``zmfab.toolpath.raster``) against ``shapely.contains_xy`` on every
  pixel centre (same drops, checked), for a 60-finger comb at 20 µm;
* knife travel of the weeding order (inner before outer, nearest ready next) against cutting
  the same contours depth by depth in drawing order (also inner before outer).

    python benchmarks/bench_routes.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely
from shapely.geometry import Point

import zmfab
from zmfab.toolpath.dragknife import contours, weeding_order
from zmfab.toolpath.raster import rasterize


def travel(items, start=(0.0, 0.0)) -> float:
    pos = np.asarray(start)
    total = 0.0
    for c in items:
        total += float(np.hypot(*(c.points[0] - pos)))
        pos = c.points[0]
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    fingers = 20 if args.quick else 60
    lay = zmfab.layout("interdigitated", fingers=fingers, gap="200um")
    geom = lay.electrode("anode").union(lay.electrode("cathode"))
    pitch = 0.02

    t0 = time.perf_counter()
    r = rasterize(geom, pitch)
    t_scan = time.perf_counter() - t0
    rows, cols = r.grid.shape
    t0 = time.perf_counter()
    xs, ys = np.meshgrid(r.x0 + (np.arange(cols) + 0.5) * pitch,
                         r.y0 + (np.arange(rows)[::-1] + 0.5) * pitch)
    shapely.prepare(geom)
    ref = shapely.contains_xy(geom, xs, ys)
    t_ref = time.perf_counter() - t0
    same = int((ref != r.grid).sum())
    print(f"raster {cols} x {rows} px, {r.count} drops: scanline {t_scan:.3f} s, contains_xy "
          f"{t_ref:.3f} s, speed-up x{t_ref / t_scan:.1f}, pixels differing {same}")

    rings = []
    rng = np.random.default_rng(1)
    for x, y in rng.uniform(0, 200, size=(40 if args.quick else 150, 2)):
        rings.append(Point(x, y).buffer(3).difference(Point(x, y).buffer(2)))
        rings.append(Point(x, y).buffer(1))
    items = contours(shapely.union_all(rings))
    naive = sorted(items, key=lambda c: -c.depth)
    t0 = time.perf_counter()
    ordered = weeding_order(items)
    t_order = time.perf_counter() - t0
    print(f"weeding order of {len(items)} contours in {t_order:.3f} s: travel {travel(ordered):.0f} mm "
          f"vs {travel(naive):.0f} mm depth by depth, ratio {travel(ordered) / travel(naive):.2f}")


if __name__ == "__main__":
    main()
