"""A tour of zmfab's Python API: generate, modify, combine, export, estimate, sweep, build.

    python examples/api_tour.py [OUTDIR]      (default: out/api-tour)

Everything the CLI does is a function call on plain data, so batch work it does not foresee is a
short script like this one. Stages that another part of zmfab provides (panels, the cell
estimate) are used when installed and skipped with a note otherwise.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import zmfab
from zmfab.build import build
from zmfab.design import load_design
from zmfab.export import export_layout
from zmfab.sweep import sweep, variant_design

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "patterns" / "zn-mno2-screen-printed.toml"


def optional(module: str):
    """The module, or None when this installation lacks it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        print(f"   ({module} is not installed: skipped)")
        return None


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)

    print("1. generate a layout from parameters (lengths take units, bare numbers are mm)")
    comb = zmfab.layout("interdigitated", fingers=6, gap="300um", finger_length="4mm")
    m = zmfab.measure(comb)
    print(f"   gap {m['min_gap_mm'] * 1000:.0f} µm, fill factor {m['fill_factor']:.2f}, "
          f"footprint {m['footprint_area_mm2']:.1f} mm²")

    print("2. modify a design file's layout: override a parameter, move the result")
    design = load_design(DESIGN)
    tight = design.layout(gap="250um").translated(1.0, 1.0)
    print(f"   {design.title!r} at 250 µm: bounds {[round(v, 2) for v in tight.bounds]} mm")

    print("3. combine: four devices on one substrate, wired in series")
    board = tight
    panel_mod = optional("zmfab.process.panel")
    if panel_mod is not None:
        x0, y0, x1, y1 = tight["footprint"].bounds
        board = panel_mod.panel(tight.normalised(), 2, 2, x1 - x0 + 3.0, y1 - y0 + 3.0,
                                wiring="series")
        print(f"   panel of {len(board.meta.get('devices', []))} devices, "
              f"{board['footprint'].area:.0f} mm² of footprint")

    print("4. export masks for CAD and the mask shop")
    for name in ("board.svg", "board.dxf"):
        print(f"   wrote {export_layout(board, out / name)}")

    print("5. estimate the cell")
    echem = optional("zmfab.analysis.electrochem")
    if echem is not None:
        from zmfab.analysis.cellspec import cell_spec
        from zmfab.profiles import Profiles

        cell = echem.estimate(cell_spec(design, design.layout(gap="250um"), Profiles()))
        print(f"   {cell['device_type']}: {cell['capacity_mah']:.3g} mAh, {cell['energy_mwh']:.3g} mWh "
              f"at {cell['voltage_v']:.2f} V, N/P {cell['np_ratio']:.2f}")

    print("6. sweep: gap x fingers, metrics, design rules and cell estimate (no files), two cores")
    result = sweep(design, {"gap": "250um:500um:50um", "fingers": [4, 6, 8]}, out / "sweep",
                   build=False, jobs=2)
    print(f"   {len(result.rows)} variants, {result.ran} run, {result.skipped} already done, "
          f"{len(result.failed)} not ok -> {out / 'sweep' / 'summary.csv'}")

    print("7. pick what the CLI cannot: the passing variant with the most facing edge per mm²")
    passing = [r for r in result.rows if r["status"] == "ok"] or result.rows
    best = max(passing, key=lambda r: r["facing_length_mm"] / r["footprint_area_mm2"])
    print(f"   {best['name']}: {best['facing_length_mm']:.1f} mm facing in "
          f"{best['footprint_area_mm2']:.0f} mm²"
          + (f", {best['capacity_mah']:.3g} mAh" if best.get("capacity_mah") else ""))

    print("8. build it like `zmfab build`: every output in one folder")
    values = {k: best[k] for k in ("gap", "fingers")}
    ctx = build(variant_design(design, values), out / "best", force=True)
    print(f"   {len(ctx.report['files'])} files in {out / 'best'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out") / "api-tour")
