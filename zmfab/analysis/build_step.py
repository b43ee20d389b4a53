"""Build step: the electrochemical estimate of a design with a ``[cell]`` table, into the report."""

from __future__ import annotations

from typing import Any


def cell_step(ctx: Any) -> None:
    """``report["cell"]``: capacity, energy, N/P... of one device, scaled by ``[panel]``.

    Designs without a ``[cell]`` table are skipped (``report["cell"]`` says why); an invalid table
    stops the build with the key and line at fault.
    """
    if "cell" not in ctx.design.sections:
        ctx.report["cell"] = {"skipped": "no [cell] table (see `zmfab cell --help`)"}
        return
    from ..profiles import Profiles
    from .cellspec import cell_spec
    from .electrochem import estimate

    profiles = Profiles(ctx.options.get("profiles", []))
    # one device's layout: the [panel] scaling is the estimate's own
    ctx.report["cell"] = estimate(cell_spec(ctx.design, ctx.design.layout(), profiles))
