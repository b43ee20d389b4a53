"""The stages a sweep runs on each variant, one small function each.

``metrics`` always runs; ``drc`` when :mod:`zmfab.drc` is installed; ``capacity`` when
:mod:`zmfab.analysis.electrochem` is; ``resistance`` (slower) only when asked for. A stage
returns plain data for the summary table, or None when its module is absent.
"""

from __future__ import annotations

import importlib
import math
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
    """The layout's metrics (:func:`zmfab.regions.metrics.measure`)."""
    from ..regions.metrics import measure

    return measure(layout)


def drc_stage(design: Design, layout: Layout, *, profiles: list[str],
              machine: str | None = None) -> dict[str, Any] | None:
    """``{"ok", "violations", "rules", "details"}`` from :mod:`zmfab.drc` (what ``zmfab check``
    finds on ``layout``, the device or its panel), or None without it."""
    if not _has("zmfab.drc"):
        return None
    drc = importlib.import_module("zmfab.drc")
    _, _, violations = drc.check_design(design, _profiles(_stamped(profiles)), layout=layout,
                                        machine=machine)
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


def capacity_stage(design: Design, device: Layout, *, profiles: list[str]) -> dict[str, Any] | None:
    """The cell estimate of a design with a ``[cell]`` table (capacity_mah, energy_mwh ...).

    None without :mod:`zmfab.analysis.electrochem` or a ``[cell]`` table. ``device`` is one
    device's layout; a ``[panel]`` scales the estimate itself, as ``zmfab build`` does.
    """
    if "cell" not in design.sections or not _has("zmfab.analysis.electrochem"):
        return None
    from ..analysis.cellspec import cell_spec
    from ..analysis.electrochem import estimate

    cell = estimate(cell_spec(design, device, _profiles(_stamped(profiles))))
    return {k: _tidy(v) for k, v in cell.items() if k in CELL_COLUMNS}


def _tidy(value: Any) -> Any:
    """Six significant digits for the table (estimates are not better than that)."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.6g}")
    return value


#: The estimate's figures that enter the summary table (its nested per-electrode data do not).
CELL_COLUMNS = ("device_type", "capacity_mah", "energy_mwh", "voltage_v", "areal_capacity_mah_cm2",
                "areal_energy_mwh_cm2", "np_ratio", "limiting", "capacitance_mf",
                "areal_capacitance_mf_cm2")


def resistance_stage(design: Design, device: Layout, *, profiles: list[str]) -> float | None:
    """The ionic resistance (Ω) of the design's electrolyte film over one device, from
    :mod:`zmfab.analysis.field` with the design's ``[simulate]`` settings; None without it."""
    if not _has("zmfab.analysis.field"):
        return None
    from ..analysis.field import solve_field
    from ..analysis.simspec import field_settings

    settings = field_settings(design, _profiles(_stamped(profiles)))
    return _tidy(float(solve_field(device, settings).summary["resistance_ohm"]))
