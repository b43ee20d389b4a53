"""Scale: time and peak resident memory of whole commands on big work, each in a fresh process.

* ``zmfab build`` of a 10 x 10 panel of 200-finger cells (every stage the design has: layout,
  stack masks, design-rule check, cell estimate, previews, report);
* ``zmfab check`` of a 100 x 100 panel of a 4-finger cell (the 1 m layout limit);
* a 1,000-variant ``zmfab sweep --no-build`` on ``-j 1``, on ``-j 2`` and on a local Dask cluster
  of two workers, with the speed-up of ``-j 2`` next to the most any two processes can gain on
  this machine right now (a pure-Python CPU burn on two processes; about 2 on two idle cores).

Peak RSS is the child process's ``ru_maxrss`` (``os.wait4``: Python, NumPy and GEOS included;
for ``-j 2`` the largest of the parent and its workers).

The check is also timed in this process against two references: the cell checked alone, once
per cell of the panel (a panel of identical cells should cost well under N times its cell), and
the same panel measured copy by copy (``check(per_copy=True)``, the path a panel of differing
cells takes) on a 30 x 30 panel.

    python benchmarks/bench_scale.py [--quick] [--only build,check,sweep]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: The 200-finger cell: fine lines (100 µm), so that a 10 x 10 panel stays inside the 1 m limit
#: of any layout; the build is forced past the screen-printing line/space rules it breaks.
CELL = {"fingers": 200, "anode_width": "100um", "cathode_width": "100um", "gap": "100um",
        "finger_length": "4mm", "bus_width": "500um", "pad_size": "2mm", "margin": "1mm"}
#: The 100 x 100 panel's cell: 4 fingers, about 8 mm square (a 9.5 mm pitch keeps it under 1 m).
SMALL = {"fingers": 4, "anode_width": "250um", "cathode_width": "250um", "gap": "250um",
         "finger_length": "4mm", "bus_width": "500um", "pad_size": "1.5mm", "margin": "0.5mm"}


def design_text(cell: dict) -> str:
    """The shipped screen-printed design with ``cell``'s parameters."""
    text = (ROOT / "patterns" / "zn-mno2-screen-printed.toml").read_text()
    head, _, rest = text.partition("[params]")
    _, _, tail = rest.partition("\n[")
    params = "\n".join(f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}"
                       for k, v in cell.items())
    return f"{head}[params]\n{params}\n\n[{tail}"


def run_case(cmd: list[str]) -> tuple[float, float, str, int]:
    """(wall s, peak RSS MiB, stdout, exit status) of ``cmd`` in a child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, out, os.waitstatus_to_exitcode(status)


def report(label: str, cmd: list[str]) -> float:
    """Run ``cmd``, print its wall time, peak RSS and first line of output; the wall time."""
    wall, rss, out, code = run_case(cmd)
    first = out.strip().splitlines()[0][:80] if out.strip() else ""
    # exit 1 is a check that found violations: the work was done
    flag = "" if code in (0, 1) else f"  FAILED ({code}): {out.strip()[-300:]}"
    print(f"{label:<36} {wall:7.2f} s  peak RSS {rss:6.0f} MiB  | {first}{flag}", flush=True)
    return wall


DASK = """
import sys
from distributed import Client, LocalCluster
from zmfab.design import load_design
from zmfab.sweep import sweep
with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c, \\
        Client(c) as client:
    r = sweep(load_design(sys.argv[1]), sys.argv[3:], sys.argv[2], build=False, scheduler=client)
print(f"{len(r.records)} variants, {len(r.failed)} fail a rule or are impossible")
"""


def timed_check(design: Path, *, array: str | None = None, pitch: str | None = None,
                per_copy: bool = False) -> tuple[float, int]:
    """(seconds, violations) of layout + stack + check of ``design`` in this process; with
    ``per_copy`` the panel is built and measured on the whole (no tiling): the reference."""
    from zmfab.design import load_design
    from zmfab.drc import check, design_layout
    from zmfab.process.stack import resolve_stack
    from zmfab.profiles import Profiles
    from zmfab.regions import Layout

    d, profiles = load_design(design), Profiles()
    t0 = time.perf_counter()
    lay = design_layout(d, array=array, pitch=pitch)
    if per_copy:
        lay = Layout(lay.family, lay.regions, lay.params,
                     {k: v for k, v in lay.meta.items() if k != "tiling"})
    found = check(d, lay, resolve_stack(d, lay, profiles), profiles, per_copy=per_copy)
    return time.perf_counter() - t0, len(found)


def check_references(small: Path, check_array: str, ref_array: str) -> None:
    """The panel check against checking its cell alone once per cell, and the fast path
    against measuring every copy on a smaller panel, all in this process."""
    cell, _ = timed_check(small)
    cell = min(cell, *(timed_check(small)[0] for _ in range(4)))
    cells = int(np.prod([int(v) for v in check_array.lower().split("x")]))
    panel, n = timed_check(small, array=check_array, pitch="9.5mm")
    print(f"  in process: check {check_array} {panel:.2f} s ({n} violations); one cell alone "
          f"{cell * 1000:.1f} ms x {cells} cells = {cell * cells:.2f} s; panel / (cell x N) = "
          f"{panel / (cell * cells):.3f}")
    fast, n_fast = timed_check(small, array=ref_array, pitch="9.5mm")
    slow, n_slow = timed_check(small, array=ref_array, pitch="9.5mm", per_copy=True)
    print(f"  in process: check {ref_array} once per cell {fast:.2f} s, every copy "
          f"{slow:.2f} s ({n_fast} and {n_slow} violations): {slow / fast:.2f}x as fast", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3x3 and 10x10 panels, 100 variants")
    ap.add_argument("--only", default="build,check,sweep",
                    help="comma-separated cases to run (build, check, sweep)")
    args = ap.parse_args()
    only = set(args.only.split(","))
    build_array, check_array, variants = ("3x3", "10x10", 100) if args.quick else \
        ("10x10", "100x100", 1000)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_sweep import headroom, vary_for

    py = sys.executable
    zmfab = [py, "-m", "zmfab"]
    print(f"zmfab scale benchmark, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="zmfab-scale-") as tmp:
        work = Path(tmp)
        design, small = work / "cell200.toml", work / "cell4.toml"
        design.write_text(design_text(CELL))
        small.write_text(design_text(SMALL))
        if "build" in only:
            report(f"build {build_array} panel, 200 fingers", zmfab + [
                "build", str(design), "--array", build_array, "--pitch", "82mm,13mm", "--series",
                "--force", "-q", "-o",
                str(work / "build")])
        if "check" in only:
            report(f"check {check_array} panel, 4 fingers", zmfab + [
                "check", str(small), "--array", check_array, "--pitch", "9.5mm", "-q"])
            check_references(small, check_array, "5x5" if args.quick else "30x30")
        if "sweep" not in only:
            return
        sweep_design = ROOT / "patterns" / "zn-mno2-screen-printed.toml"
        vary = vary_for(variants)
        flags = [a for v in vary for a in ("--vary", v)]
        burn = headroom()
        one = report(f"sweep {variants} --no-build -j 1", zmfab + [
            "sweep", str(sweep_design), *flags, "--no-build", "-j", "1", "-q", "-o",
            str(work / "s1")])
        two = report(f"sweep {variants} --no-build -j 2", zmfab + [
            "sweep", str(sweep_design), *flags, "--no-build", "-j", "2", "-q", "-o",
            str(work / "s2")])
        print(f"  -j 2 runs {one / two:.2f}x as fast as -j 1; a CPU burn on 2 processes runs "
              f"{burn:.2f}x as fast as on 1 right now (the most -j 2 can gain here)")
        try:
            import distributed  # noqa: F401
        except ImportError:
            print("dask: not installed (pip install 'zmfab[dask]')")
            return
        dask = report(f"sweep {variants} --no-build on Dask (2)",
                      [py, "-c", DASK, str(sweep_design), str(work / "sd"), *vary])
        print(f"  Dask LocalCluster(2) runs {one / dask:.2f}x as fast as -j 1 (cluster start "
              "included)")


if __name__ == "__main__":
    main()
