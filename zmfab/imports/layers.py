"""What a drawing's layers hold: electrode material, other material, or zmfab's own outlines.

zmfab writes a device's outline regions (footprint, active area, keep-out) and a mask's furniture
(frame, fiducials, label) on layers of their own. Those trace where things are; they hold no
material, so an operation on "every layer" of a drawing leaves them out unless they are named.
Names are compared case-blind with ``-`` and spaces read as ``_`` (``Keep-Out`` is ``keep_out``).
"""

from __future__ import annotations

import re
from collections.abc import Collection

#: Layers zmfab draws as outlines or mask furniture (singular and plural spellings).
OUTLINE_LAYERS: frozenset[str] = frozenset({
    "footprint", "active_area", "keep_out", "keepout", "frame", "fiducial", "fiducials", "label",
    "labels",
})

#: The two electrodes, by the first word of a layer name (``anode_pad``, ``cathode ink``...).
ELECTRODES: tuple[str, ...] = ("anode", "cathode")


def layer_key(name: str) -> str:
    """``name`` lower-cased, with runs of ``-`` and white space as one ``_``."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def is_outline(name: str) -> bool:
    """True for a layer zmfab draws as an outline (footprint, active_area, frame...)."""
    return layer_key(name) in OUTLINE_LAYERS


def electrode_of(name: str) -> str | None:
    """``"anode"`` or ``"cathode"`` when the layer holds that electrode (``anode``, ``anode_pad``,
    ``cathode_ink``...), else None."""
    first = layer_key(name).split("_")[0]
    return first if first in ELECTRODES else None


def outline_colours(pairs: Collection[tuple[str, str]]) -> set[str]:
    """Colours drawn only on outline layers, from ``(layer, colour)`` pairs."""
    material = {colour for layer, colour in pairs if not is_outline(layer)}
    return {colour for _, colour in pairs} - material
