"""zmfab: fabrication planner for zinc micro-batteries and micro-supercapacitors.

Scripts use the same API as the CLI::

    import zmfab
    lay = zmfab.layout("interdigitated", fingers=10, gap="150um")
    zmfab.measure(lay)["min_gap_mm"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import DesignError, DesignRuleError, DeviceError, ParameterError, ZmfabError

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .regions import Layout


def layout(family: str, **params: Any) -> Layout:
    """Generate the layout of ``family`` (``interdigitated``, ``concentric``, ``swiss-roll``).

    Lengths may be numbers in mm or strings with units (``"300um"``).
    """
    from .geometry.registry import generate

    return generate(family, **params)


def measure(lay: Layout) -> dict[str, Any]:
    """Metrics of a layout (areas in mm², gap and facing length in mm)."""
    from .regions.metrics import measure as _measure

    return _measure(lay)


__all__ = [
    "DesignError",
    "DesignRuleError",
    "DeviceError",
    "ParameterError",
    "ZmfabError",
    "__version__",
    "layout",
    "measure",
]
