"""``zmfab build``: every output of a design, written into a folder, nothing half written.

The build runs a list of steps in order (:data:`STEPS`, ``"module:function"``). Each step takes
the :class:`BuildContext`, writes files into ``ctx.staging`` and adds what it measured to
``ctx.report``. Only when every step succeeded are the files moved into the output folder.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..design import Design
from ..regions import Layout

#: Build steps in order; later issues append theirs.
STEPS: list[str] = [
    "zmfab.build:layout_step",
    "zmfab.build.stack:stack_step",
    "zmfab.gcode.laser_job:laser_step",
    "zmfab.gcode.diw_job:diw_step",
    "zmfab.analysis.build_step:cell_step",
    "zmfab.build.routes:routes_step",
    "zmfab.analysis.power:power_step",
    "zmfab.build.runsheet:runsheet_step",  # last: it reads the whole report
]


@dataclass
class BuildContext:
    """What a build step sees: the design, its layout, a staging folder and the report so far."""

    design: Design
    layout: Layout
    staging: Path
    options: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def path(self, name: str) -> Path:
        """A file ``name`` in the staging folder, recorded as an output."""
        self.files.append(name)
        target = self.staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


def layout_step(ctx: BuildContext) -> None:
    """layout.svg, layout.dxf, preview.svg and the layout's metrics."""
    from ..export.dxf import write_dxf
    from ..export.preview import write_preview
    from ..export.svg import write_svg
    from ..regions.metrics import measure

    write_svg(ctx.layout, ctx.path("layout.svg"))
    write_dxf(ctx.layout, ctx.path("layout.dxf"), dxf_version=ctx.options.get("dxf_version", "R2010"))
    write_preview(ctx.layout, ctx.path("preview.svg"))
    ctx.report["metrics"] = measure(ctx.layout)


def build(design: Design, outdir: str | Path, *, progress: Any = None,
          **options: Any) -> BuildContext:
    """Run every build step for ``design`` and move the outputs into ``outdir``.

    ``progress(done, total, label)``, when given, is called before each step and at the end.

    The layout (and panel) are made and checked against their budgets before anything touches
    the disk; ``options["max_vertices"]`` raises the vertex budget.
    """
    from ..geometry.budget import limits

    with limits(max_vertices=options.get("max_vertices")):
        layout = _layout(design, options)  # CLI panel values checked here, errors naming --array...
        return _build(design, layout, Path(outdir), options, progress)


def _build(design: Design, layout: Layout, out: Path, options: dict[str, Any],
           progress: Any = None) -> BuildContext:
    created = not out.exists()
    # named before it exists, so a signal at any instant (even inside mkdir) leaves nothing behind
    staging = out / f".zmfab-build-{uuid.uuid4().hex[:12]}"
    ok = False
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        design = design.with_panel(array=options.get("array"), pitch=options.get("pitch"),
                                   wiring=options.get("wiring"))
        ctx = BuildContext(design=design, layout=layout, staging=staging, options=options)
        ctx.report.update({
            "zmfab_version": __version__,
            "design": str(design.path) if design.path else None,
            "title": design.title,
            "family": design.family,
            "params": ctx.layout.params,
        })
        for k, step in enumerate(STEPS):
            module, func = step.split(":")
            if progress:
                progress(k, len(STEPS), func.removesuffix("_step"))
            getattr(importlib.import_module(module), func)(ctx)
        if progress:
            progress(len(STEPS), len(STEPS), "files")
        ctx.files = list(dict.fromkeys([*ctx.files, "report.json"]))
        ctx.report["files"] = sorted(ctx.files)
        ctx.report["warnings"] = ctx.warnings
        (staging / "report.json").write_text(json.dumps(ctx.report, indent=2, default=_jsonable) + "\n")
        for name in ctx.files:
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
        ok = True
        return ctx
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not ok and out.is_dir() and not any(out.iterdir()):
            out.rmdir()


def _layout(design: Design, options: dict[str, Any]) -> Layout:
    """The design's layout, as a panel when ``[panel]`` or the array/pitch/wiring options ask.

    The panel's size (against 1 m and the machine's bed) and vertices are checked before it is
    built.
    """
    from ..process.panel import panel_from_design
    from .budget import check_panel_work

    device = design.layout()
    bed, machine = _machine_bed(design, options)
    check_panel_work(design, device, array=options.get("array"), pitch=options.get("pitch"),
                     bed=bed, machine=machine)
    return panel_from_design(design, device, array=options.get("array"),
                             pitch=options.get("pitch"), wiring=options.get("wiring"))


def _machine_bed(design: Design, options: dict[str, Any]) -> tuple[tuple[float, float] | None, str | None]:
    """The bed (mm) of the machine the build is checked against (``--machine`` or the design's)."""
    from ..drc import design_machine, design_profile_files, machine_bed
    from ..profiles import Profiles

    name = options.get("machine") or design_machine(design)
    if not name:
        return None, None
    profiles = Profiles(design_profile_files(design) + list(options.get("profiles") or []))
    return machine_bed(profiles.get("machines", name), f"machines.{name}"), name


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return str(value)
