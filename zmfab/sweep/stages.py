"""The stages a sweep runs on each variant, one small function each.

``metrics`` always runs; ``drc`` when :mod:`zmfab.drc` is installed; ``capacity`` when
:mod:`zmfab.analysis.electrochem` is; ``resistance`` (slower) only when asked for. A stage
returns plain data for the summary table, or None when its module is absent.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

from ..design import Design
from ..regions import Layout

#: stage name -> module it needs (None: always available).
STAGE_MODULES: dict[str, str | None] = {
    "metrics": None,
    "drc": "zmfab.drc",
    "capacity": "zmfab.analysis.electrochem",
    "resistance": "zmfab.analysis.field",
}


def _has(module: str) -> bool:
    """True when ``module`` imports (a stage whose module is absent or broken is skipped)."""
    try:
        importlib.import_module(module)
    except Exception:
        return False
    return True


def available_stages(*, simulate: bool = False) -> list[str]:
    """The stages this installation runs (part of every variant's hash)."""
    wanted = [s for s in STAGE_MODULES if s != "resistance" or simulate]
    return [s for s in wanted if STAGE_MODULES[s] is None or _has(STAGE_MODULES[s] or "")]


def metrics_stage(layout: Layout) -> dict[str, Any]:
    """The layout's metrics (:func:`zmfab.metrics.measure`)."""
    from ..metrics import measure

    return measure(layout)


def drc_stage(design: Design, layout: Layout, *, profiles: list[str]) -> dict[str, Any] | None:
    """``{"ok", "violations", "rules", "details"}`` from :mod:`zmfab.drc`, or None without it."""
    if not _has("zmfab.drc"):
        return None
    drc = importlib.import_module("zmfab.drc")
    _, _, violations = drc.check_design(design, _profiles(_stamped(profiles)), layout=layout)
    return {
        "ok": not violations,
        "violations": len(violations),
        "rules": sorted({str(v.rule) for v in violations}),
        "details": [str(v) for v in violations[:20]],
    }


def _stamped(paths: list[str]) -> tuple[tuple[str, float], ...]:
    """Profile paths with their mtimes: a cache key that notices an edited file."""
    from pathlib import Path

    return tuple((p, Path(p).stat().st_mtime if Path(p).exists() else 0.0) for p in paths)


@lru_cache(maxsize=8)
def _profiles(stamped: tuple[tuple[str, float], ...]) -> Any:
    """The profiles in force, loaded once per process (every variant of a sweep shares them)."""
    from ..profiles import Profiles

    return Profiles([p for p, _ in stamped])


def capacity_stage(design: Design, layout: Layout) -> dict[str, Any] | None:
    """The cell estimate (capacity_mah ...) from :mod:`zmfab.analysis.electrochem`, or None."""
    if not _has("zmfab.analysis.electrochem"):
        return None
    ec = importlib.import_module("zmfab.analysis.electrochem")
    cell = ec.estimate(layout, design.sections.get("cell", {}))
    data = cell if isinstance(cell, dict) else _as_dict(cell)
    return {k: v for k, v in data.items() if isinstance(v, (int, float, str, bool)) or v is None}


def resistance_stage(design: Design, layout: Layout) -> float | None:
    """The thin-film ionic resistance (ohm) from :mod:`zmfab.analysis.field`, or None."""
    if not _has("zmfab.analysis.field"):
        return None
    field = importlib.import_module("zmfab.analysis.field")
    result = field.resistance(layout, design.sections.get("simulate", {}))
    value = result.get("resistance_ohm") if isinstance(result, dict) else getattr(
        result, "resistance_ohm", result)
    return None if value is None else float(value)


def _as_dict(obj: Any) -> dict[str, Any]:
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    return dict(vars(obj))
