"""Design rules of the bench routes: inkjet drops, relief aspect of stamps and molds, deposit contact.

* inkjet: a line narrower than one spread dot prints a dot wide (or, below the drop spacing,
  loses rows); a space narrower than a dot is bridged by the spread of the drops on both sides
  (drop centres sit inside the drawn edge, so each side spreads at most half a dot past it); and
  dots smaller than the spacing x √2 leave holes on the diagonal instead of closing into a film.
* stamp / mold: a raised resin line (a mold's wall between wells) narrower than relief /
  ``max_aspect`` tears off or bends when the stamp is lifted.
* electrodeposit: metal grows only where current reaches, so every piece of a deposit must sit
  on an electrode that is one piece with a pad (the working-electrode contact).
Cutter layers are held to their process's minimum line and space by the shipped rules.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from ..regions import as_multipolygon, union_all
from ..regions.features import narrow_lines, narrow_spaces
from . import CheckContext, Violation, drc_rule

TOLERANCE = 1e-6


def _layers(ctx: CheckContext, *methods: str):
    return [lay for lay in ctx.layers if lay.method in methods and not lay.geometry.is_empty]


def _inkjet(ctx: CheckContext, layer):
    from ..process.inkjet import inkjet_settings

    return inkjet_settings(ctx.profiles, settings=dict(layer.settings), process=layer.process,
                           material=layer.material)


@drc_rule("inkjet_line")
def inkjet_line(ctx: CheckContext) -> Iterator[Violation]:
    """Every inkjet line at least one spread dot (and one drop spacing) wide."""
    for layer in _layers(ctx, "inkjet"):
        s = _inkjet(ctx, layer)
        limit = max(s.dot_diameter, s.drop_spacing)
        yield from ctx.narrow_feature("inkjet_line", layer, narrow_lines, limit - TOLERANCE, limit,
                                      f"line narrower than a {s.dot_diameter * 1000:.4g} µm dot: "
                                      "it prints a dot wide")


@drc_rule("inkjet_space")
def inkjet_space(ctx: CheckContext) -> Iterator[Violation]:
    """Every space of an inkjet layer, and the gap between two inkjet layers, wider than a dot."""
    from . import process_rules

    layers = _layers(ctx, "inkjet")
    for layer in layers:
        s = _inkjet(ctx, layer)
        yield from ctx.narrow_feature("inkjet_space", layer, narrow_spaces,
                                      s.dot_diameter - TOLERANCE, s.dot_diameter,
                                      "space the spread drops bridge")
    for i, a in enumerate(layers):
        for b in layers[i + 1:]:
            if {a.role, b.role} != {"anode", "cathode"}:
                continue
            allowed = max(_inkjet(ctx, a).dot_diameter, _inkjet(ctx, b).dot_diameter) + \
                max(ctx.registration(a), ctx.registration(b))
            found = process_rules._closest(a.geometry, b.geometry, allowed - TOLERANCE,
                                           ctx.cell)
            if found is not None:
                d, where = found
                yield Violation("inkjet_space", f"{a.name}/{b.name}", d, allowed, where,
                                "anode-cathode gap below a dot plus registration: the inks touch")


@drc_rule("inkjet_coverage")
def inkjet_coverage(ctx: CheckContext) -> Iterator[Violation]:
    """Dots big enough to close the film: dot diameter at least drop spacing x √2."""
    for layer in _layers(ctx, "inkjet"):
        s = _inkjet(ctx, layer)
        need = s.drop_spacing * math.sqrt(2)
        if s.dot_diameter < need - TOLERANCE:
            pt = layer.geometry.representative_point()
            yield Violation("inkjet_coverage", layer.name, s.dot_diameter, need, (pt.x, pt.y),
                            f"{s.dot_diameter * 1000:.4g} µm dots at {s.drop_spacing * 1000:.4g} µm "
                            "spacing leave holes on the diagonal (print closer or spread more)")


@drc_rule("relief_aspect")
def relief_aspect(ctx: CheckContext) -> Iterator[Violation]:
    """Stamp lines and mold walls at least relief / max_aspect wide."""
    from ..process.relief import relief_settings

    for layer in _layers(ctx, "stamp", "mold"):
        s = relief_settings(ctx.profiles, settings=dict(layer.settings), process=layer.process,
                            kind=layer.method)
        limit = s.relief / s.max_aspect
        finder = narrow_lines if layer.method == "stamp" else narrow_spaces
        what = "raised line" if layer.method == "stamp" else "wall between wells"
        yield from ctx.narrow_feature("relief_aspect", layer, finder, limit - TOLERANCE, limit,
                                      f"{what} taller than {s.max_aspect:g}x its width (relief "
                                      f"{s.relief:g} mm)")


@drc_rule("deposit_contact")
def deposit_contact(ctx: CheckContext) -> Iterator[Violation]:
    """Every piece of an electrodeposit layer on an electrode that reaches a pad."""
    layers = _layers(ctx, "electrodeposit")
    if not layers:
        return
    layout = ctx.layout
    wired = []
    for which in ("anode", "cathode"):
        pad = layout.get(f"{which}_pad")
        if pad.is_empty:
            continue
        wired += [p for p in as_multipolygon(layout.electrode(which)).geoms if p.intersects(pad)]
    if "interconnect" in layout:
        wired.append(layout.get("interconnect"))
    contact = union_all(wired)
    for layer in layers:
        loose = [p for p in as_multipolygon(layer.geometry).geoms
                 if contact.is_empty or p.intersection(contact).area <= TOLERANCE]
        if loose:
            worst = max(loose, key=lambda p: p.area)
            pt = worst.representative_point()
            far = 0.0 if contact.is_empty else worst.distance(contact)
            yield Violation("deposit_contact", layer.name, far, 0.0, (pt.x, pt.y),
                            f"{len(loose)} piece(s) not on an electrode wired to a pad: no current "
                            "reaches them, nothing deposits")
