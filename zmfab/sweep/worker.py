"""Run one variant (in whichever process or Dask worker holds it) and return its record.

A variant's design is the sweep's design with the swept values merged over its parameters.
When ``family`` is swept, the design's own parameters that the new family lacks are dropped
(they describe the design's family); a *swept* parameter the family lacks fails the variant.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..design import Design
from ..errors import DesignRuleError, ZmfabError
from . import stages
from .record import write_record


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one variant.

    ``folder`` receives the build's files (unless ``build`` is false) and, when ``write`` is
    true, the record itself, written by the worker the moment the variant is done.
    """

    index: int
    name: str
    values: dict[str, Any]
    digest: str
    design: Design
    folder: str
    build: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    stages: tuple[str, ...] = ("metrics",)
    write: bool = True


def variant_design(design: Design, values: dict[str, Any]) -> Design:
    """``design`` with ``values`` (and maybe another ``family``) in place of its parameters."""
    from ..geometry.registry import field_spec, get_generator

    family = values.get("family", design.family)
    swept = {k: v for k, v in values.items() if k != "family"}
    base = dict(design.params)
    if family != design.family:
        known = {f.name for f in field_spec(get_generator(family).params_type)}
        base = {k: v for k, v in base.items() if k.replace("-", "_") in known}
    # a swept name replaces the design's value whichever spelling (gap / "tip-gap") it used
    base = {k: v for k, v in base.items() if k.replace("-", "_") not in swept}
    return dataclasses.replace(design, family=family, params={**base, **swept})


def with_panel(design: Design, **panel: Any) -> Design:
    """``design`` with ``panel`` values in its ``[panel]`` (see :meth:`Design.with_panel`)."""
    return design.with_panel(**panel)


def run_variant(task: Task) -> dict[str, Any]:
    """Build or measure one variant; every outcome, failures included, is a record."""
    t0 = time.perf_counter()
    record: dict[str, Any] = {"index": task.index, "name": task.name, "hash": task.digest,
                              "values": task.values, "status": "ok", "reason": ""}
    try:
        _run(task, record)
    except ZmfabError as exc:
        record.update(status="failed", reason=str(exc))
    except Exception as exc:  # a bug in one variant must not stop the others
        record.update(status="error", reason=f"{type(exc).__name__}: {exc}")
    record["elapsed_s"] = round(time.perf_counter() - t0, 4)
    if task.write:
        write_record(Path(task.folder), record)
    return record


def run_chunk(tasks: list[Task]) -> list[dict[str, Any]]:
    """Run ``tasks`` in order (the unit of work sent to a process or a Dask worker)."""
    return [run_variant(t) for t in tasks]


def _run(task: Task, record: dict[str, Any]) -> None:
    from ..geometry.registry import make_params

    design = variant_design(task.design, task.values)
    record["family"] = design.family
    make_params(design.family, design.params)  # impossible parameters fail here, by name
    opts = task.options
    build_opts = opts.get("build", {})
    profiles = list(opts.get("profiles", []))
    device = design.layout()
    layout = None  # what `zmfab build` builds: the device, or its [panel]
    if task.build:
        from ..build import build

        try:
            ctx = build(design, Path(task.folder), **build_opts)
        except DesignRuleError as exc:
            record.update(status="drc_fail", reason=str(exc))
        else:
            layout = ctx.layout
            record["files"] = list(ctx.report.get("files", []))
            if ctx.warnings:
                record["warnings"] = list(ctx.warnings)
    if layout is None:
        layout = _as_built(design, device)
    record["metrics"] = stages.metrics_stage(layout)
    if "drc" in task.stages:
        drc = stages.drc_stage(design, layout, profiles=profiles, machine=build_opts.get("machine"))
        record["drc"] = drc
        if drc is not None and not drc["ok"]:
            more = drc["violations"] - 1
            reason = drc["details"][0].split(" — ")[0] + (f" (+{more} more)" if more else "")
            if task.build and "files" not in record:
                reason += "; not built (--force builds it anyway)"
            record.update(status="drc_fail", reason=reason)
    if "capacity" in task.stages:
        record["cell"] = stages.capacity_stage(design, device, profiles=profiles)
    if "resistance" in task.stages:
        record["resistance_ohm"] = stages.resistance_stage(design, device, profiles=profiles)


def _as_built(design: Design, device: Any) -> Any:
    """The layout ``zmfab build`` would build (a panel when ``[panel]`` asks), without files."""
    try:
        from ..process.panel import panel_from_design
    except ImportError:
        return device
    return panel_from_design(design, device)


def chunks(tasks: Sequence[Task], workers: int, *, most: int = 16) -> list[list[Task]]:
    """Split ``tasks`` into ordered chunks: about 8 per worker, at most ``most`` tasks each."""
    size = max(1, min(most, -(-len(tasks) // (8 * max(1, workers)))))
    return [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]
