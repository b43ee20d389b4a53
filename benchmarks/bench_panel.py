"""Time and peak memory to panel, check and export a 10 x 10 panel of a 200-finger device.

Run: python benchmarks/bench_panel.py [--wiring series|parallel|none] [--array 10x10]

Each stage is timed on its own (panel, stack, design-rule check, masks as SVG + DXF), then the
whole ``zmfab build --force`` (every build step, files moved into place). Peak memory is the
tracemalloc peak of the Python heap (Shapely/GEOS memory is not traced) in a second run, since
tracing slows the first down.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from zmfab.design import parse_design
from zmfab.drc import check
from zmfab.export.mask import stack_masks, write_mask
from zmfab.process.panel import panel_from_design
from zmfab.process.stack import resolve_stack, resolve_substrate
from zmfab.profiles import Profiles

#: The 200-finger cell of ``bench_scale.py``: 100 µm lines keep a 10 x 10 panel inside the 1 m
#: limit of any layout (250 µm lines made it 2 m wide, which the build refuses).
DEVICE = {"fingers": 200, "anode_width": "100um", "cathode_width": "100um", "gap": "100um",
          "finger_length": "4mm", "bus_width": "500um", "pad_size": "2mm", "margin": "1mm"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--array", default="10x10")
    ap.add_argument("--wiring", default="series", choices=["none", "series", "parallel"])
    args = ap.parse_args()
    params = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in DEVICE.items())
    text = (f'title = "Bench panel"\nfamily = "interdigitated"\n[params]\n{params}\n'
            f'[panel]\narray = "{args.array}"\npitch = "82mm,13mm"\nwiring = "{args.wiring}"\n')
    design = parse_design(__import__("tomllib").loads(text), text=text)
    profiles = Profiles()
    run(design, profiles, args)
    tracemalloc.start()
    run(design, profiles, args, quiet=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak Python memory {peak / 2**20:.1f} MiB (tracemalloc, whole run); "
          f"max RSS {rss:.0f} MiB (Python + GEOS)")


def run(design, profiles: Profiles, args: argparse.Namespace, *, quiet: bool = False) -> None:
    """One timed run of every stage."""
    times: dict[str, float] = {}
    t = time.perf_counter()
    device = design.layout()
    times["device"] = time.perf_counter() - t
    t = time.perf_counter()
    lay = panel_from_design(design, device)
    times["panel"] = time.perf_counter() - t
    t = time.perf_counter()
    layers = resolve_stack(design, lay, profiles)
    times["stack"] = time.perf_counter() - t
    t = time.perf_counter()
    violations = check(design, lay, layers, profiles)
    times["check"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        arts = stack_masks(layers, layout=lay, substrate=resolve_substrate(design, lay),
                           profiles=profiles, title=design.title)
        for art in arts:
            write_mask(art, Path(tmp) / "masks")
        times["masks"] = time.perf_counter() - t
        from zmfab.build import build

        t = time.perf_counter()
        ctx = build(design, Path(tmp) / "out", force=True)
        times["build"] = time.perf_counter() - t
    if quiet:
        return
    vertices = sum(len(p.exterior.coords) + sum(len(i.coords) for i in p.interiors)
                   for g in lay.regions.values() for p in getattr(g, "geoms", [g]))
    print(f"panel {args.array} of {DEVICE['fingers']}-finger devices, wiring {args.wiring}: "
          f"{len(lay.meta['devices'])} devices, {vertices:,d} vertices, {len(layers)} layers, "
          f"{len(arts)} masks, {len(ctx.files) + 1} files")
    rules = sorted({v.rule for v in violations})
    print(f"  {len(violations)} violations ({', '.join(rules) or 'none'})")
    print("  " + "  ".join(f"{k} {v:.2f} s" for k, v in times.items()))
    print(f"  panel+stack+check+masks {sum(times[k] for k in ('panel', 'stack', 'check', 'masks')):.2f} s")


if __name__ == "__main__":
    main()
