"""Design rules of ink writing: features a bead can fill, and gaps its spread keeps open.

A DIW layer's bead width comes from its stack settings (``bead_width``) or its process profile;
the bead spread is ``spread`` × bead width (the ink slumps past the nozzle's track). A feature
narrower than a bead cannot be printed at its size (the bead overflows it or is drawn thin);
a gap narrower than the spread, inside one layer or between two DIW layers, is bridged by ink.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import shapely

from ..process.stack import Layer
from ..regions import as_multipolygon
from ..regions.features import narrow_lines, narrow_spaces
from ..units import parse_length
from . import CheckContext, Violation, drc_rule

#: Differences smaller than this (mm) are round-off.
TOLERANCE = 1e-6


def bead_width(ctx: CheckContext, layer: Layer) -> float:
    """The layer's bead width in mm (its settings, else its process, else 0.4 mm)."""
    value: Any = layer.settings.get("bead_width", ctx.process(layer).get("bead_width", 0.4))
    return parse_length(value, field=f"{layer.name}.bead_width", positive=True)


def bead_spread(ctx: CheckContext, layer: Layer) -> float:
    """How wide (mm) the layer's bead lies once the ink has slumped."""
    factor = layer.settings.get("spread", ctx.process(layer).get("spread", 1.0))
    return float(factor) * bead_width(ctx, layer)


def _diw(ctx: CheckContext) -> list[Layer]:
    return [lay for lay in ctx.layers if lay.method == "diw" and not lay.geometry.is_empty]


@drc_rule("diw_bead_width")
def diw_bead_width(ctx: CheckContext) -> Iterator[Violation]:
    """Every DIW feature at least one bead wide."""
    for layer in _diw(ctx):
        w = bead_width(ctx, layer)
        yield from ctx.narrow_feature("diw_bead_width", layer, narrow_lines, w - TOLERANCE, w,
                                      f"feature narrower than the {w * 1000:.4g} µm bead: it is "
                                      "printed as one thinned bead")


@drc_rule("diw_bead_spread")
def diw_bead_spread(ctx: CheckContext) -> Iterator[Violation]:
    """Gaps inside a DIW layer, and between DIW layers, at least the bead spread."""
    layers = _diw(ctx)
    for layer in layers:
        spread = bead_spread(ctx, layer)
        yield from ctx.narrow_feature("diw_bead_spread", layer, narrow_spaces, spread - TOLERANCE,
                                      spread, "gap narrower than the bead spread: ink bridges it")
    for i, a in enumerate(layers):
        for b in layers[i + 1:]:
            if a.material is not None and a.material == b.material:
                continue
            spread = max(bead_spread(ctx, a), bead_spread(ctx, b))
            ga, gb = as_multipolygon(a.geometry), as_multipolygon(b.geometry)
            d = float(ga.distance(gb))
            if d < spread - TOLERANCE and not ga.intersects(gb):
                line = shapely.shortest_line(ga, gb)
                mid = line.interpolate(0.5, normalized=True)
                yield Violation("diw_bead_spread", f"{a.name}/{b.name}", d, spread, (mid.x, mid.y),
                                "gap between two inks narrower than the bead spread: they touch")
