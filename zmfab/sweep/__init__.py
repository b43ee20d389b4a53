"""Parameter sweeps: many variants of one design, built or measured, in parallel, resumable.

::

    from zmfab.design import load_design
    from zmfab.sweep import sweep

    result = sweep(load_design("patterns/zn-mno2-screen-printed.toml"),
                   vary={"gap": "100um:500um:50um", "fingers": "4,8,16"},
                   outdir="out/gap-sweep", jobs=2, build=False)
    for r in result.rows:
        print(r["name"], r["status"], r["min_gap_mm"])

Each variant gets a folder named after its values (``gap=0.1mm_fingers=4``) holding
``variant.json`` (its content hash and results) and, when built, every file ``zmfab build``
writes. Running the same sweep again skips variants whose hash is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..design import Design
from .runner import Progress, SweepResult, plan, run
from .spec import DEFAULT_MAX_VARIANTS, Axis, Variant, expand, parse_axes, parse_vary
from .summary import default_colour, planned_columns, plot, resolve_column, table, write_summary
from .worker import variant_design, with_panel


def vary_tokens(vary: Mapping[str, Any] | Sequence[str]) -> list[str]:
    """``{"gap": "0.1:0.5:0.05", "fingers": [4, 8]}`` (or CLI tokens) as ``NAME=...`` tokens."""
    if isinstance(vary, Mapping):
        out = []
        for name, values in vary.items():
            text = values if isinstance(values, str) else ",".join(str(v) for v in values)
            out.append(f"{name}={text}")
        return out
    return list(vary)


def sweep(design: Design, vary: Mapping[str, Any] | Sequence[str], outdir: str | Path, *,
          zip_axes: bool = False, build: bool = True, jobs: int | None = None,
          scheduler: Any = None, simulate: bool = False, resume: bool = True,
          options: dict[str, Any] | None = None, progress: Progress | None = None,
          max_variants: int = DEFAULT_MAX_VARIANTS, columns: Sequence[str] = ()) -> SweepResult:
    """Run every variant of ``design`` over ``vary`` into ``outdir`` and write its summary.

    ``vary`` maps parameter names (or ``family``) to ``"START:STOP:STEP"`` ranges or value lists;
    ``zip_axes`` pairs values instead of taking the cartesian product. ``build=False`` measures
    layouts without writing files. ``jobs`` processes (None: every core) or a Dask ``scheduler``
    (address, Client or cluster). ``options``: ``{"build": {...}, "profiles": [...]}``.
    More than ``max_variants`` variants is refused up front; ``columns`` (e.g. what a plot will
    draw) must be columns the summary will have, checked before any variant runs.
    """
    out = Path(outdir)
    axes = parse_axes(vary_tokens(vary), design.family)
    variants = expand(axes, zip_axes=zip_axes, max_variants=max_variants)
    tasks = plan(design, variants, out, build=build, options=options, simulate=simulate)
    if columns:
        expected = planned_columns(design, axes, tasks[0].stages if tasks else ())
        for name in columns:
            resolve_column(name, expected)
    result = run(tasks, out, jobs=jobs, scheduler=scheduler, progress=progress, resume=resume)
    meta = {"zmfab_version": __version__, "design": str(design.path) if design.path else None,
            "title": design.title, "family": design.family,
            "vary": [a.token for a in axes], "zip": zip_axes, "build": build,
            "stages": result.stages}
    write_summary(out, result.records, meta=meta)
    result.rows = table(result.records)[1]
    result.units = {a.name: "mm" for a in axes if a.kind == "length"}
    result.varied = [a.name for a in axes]
    return result


__all__ = [
    "Axis",
    "SweepResult",
    "Variant",
    "default_colour",
    "expand",
    "parse_axes",
    "parse_vary",
    "plan",
    "plot",
    "run",
    "sweep",
    "table",
    "variant_design",
    "with_panel",
    "write_summary",
]
