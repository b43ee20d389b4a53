"""Refuse laser jobs that would do something other than what was asked.

Two kinds of check, both raising :class:`ParameterError` with the reason and what would do it:

* before planning, :func:`refuse_gap_crossing`: a fill or cut of a drawing's layers whose burn
  would reach from the anode to the cathode across the gap between them;
* after planning, :func:`check_planned`: a job that burns nothing, an isolation that leaves the
  shapes either side of a gap joined, a fill that leaves parts narrower than the spot unburnt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from ..imports.layers import electrode_of
from ..regions import as_multipolygon, union_all
from ..toolpath.path import Toolpath

#: Two shapes closer than this (mm) touch.
TOUCH_MM = 1e-6


def burn_extent(region: BaseGeometry, op: str, settings: Mapping[str, Any]) -> BaseGeometry:
    """Where ``op`` with resolved ``settings`` will burn on ``region`` (mm), without planning it:
    a fill burns the region (and half a spot beyond without an outline), a cut a kerf-wide band
    along the kerf-offset outline."""
    spot = float(settings.get("spot", 0.1))
    mp = as_multipolygon(region)
    if op == "fill":
        return mp if settings.get("outline", True) else mp.buffer(spot / 2)
    kerf = float(settings.get("kerf", spot))
    off = kerf / 2 if settings.get("keep", "inside") == "inside" else -kerf / 2
    path = mp.buffer(off) if off else mp
    return path.boundary.buffer(max(kerf, 2 * TOUCH_MM) / 2)


def refuse_gap_crossing(burn: BaseGeometry, *, op: str, names: list[str],
                        layers: Mapping[str, BaseGeometry], field: str) -> None:
    """Raise when one connected piece of ``burn`` (mm) touches both an anode and a cathode layer
    of ``layers`` (a drawing's layers by name): the burn would cross the gap between them."""
    sides = {kind: [n for n in layers if electrode_of(n) == kind] for kind in ("anode", "cathode")}
    if not sides["anode"] or not sides["cathode"]:
        return
    anode = union_all(layers[n] for n in sides["anode"])
    cathode = union_all(layers[n] for n in sides["cathode"])
    if anode.is_empty or cathode.is_empty:
        return
    pieces = shapely.get_parts(as_multipolygon(burn))
    if len(pieces) == 0:
        return
    both = (shapely.intersects(pieces, anode.buffer(TOUCH_MM))
            & shapely.intersects(pieces, cathode.buffer(TOUCH_MM)))
    if not both.any():
        return
    where = pieces[np.nonzero(both)[0][0]].intersection(anode.buffer(TOUCH_MM)).representative_point()
    gap = float(anode.distance(cathode))
    across = (f"across the {gap:.4g} mm gap between" if gap > TOUCH_MM else
              "where they touch (the drawing is shorted) between")
    raise ParameterError(field, f"{op} of {', '.join(names)} would burn {across} the anode "
                                f"({', '.join(sides['anode'])}) and cathode "
                                f"({', '.join(sides['cathode'])}) layers, near x {where.x:.3f}, "
                                f"y {where.y:.3f} mm; leave those layers out, or clear the gap "
                                "with isolate")


def fitting_processes(profiles: Any, width: float, *, current: str | None = None) -> str:
    """``--process NAME (spot mm)`` for the laser processes whose spot is under ``width`` mm,
    widest spot first; '' when there is none."""
    fits = []
    for name in profiles.names("processes"):
        proc = profiles.get("processes", name)
        spot = proc.get("spot_mm")
        if proc.get("method") == "laser" and name != current and spot and float(spot) < width:
            fits.append((float(spot), name))
    fits.sort(reverse=True)
    return " or ".join(f"--process {name} ({spot:g} mm spot)" for spot, name in fits)


def _remedy(width: float, spot: float, profiles: Any, process: str | None) -> str:
    hint = fitting_processes(profiles, width, current=process) if profiles is not None else ""
    text = f"a spot under {width:.3g} mm does it: "
    text += f"{hint}, or " if hint else ""
    return text + f"--set spot=... if your optics burn a line narrower than {spot:g} mm"


def check_planned(tp: Toolpath, op: str, settings: Mapping[str, Any], *, what: str = "",
                  process: str | None = None, profiles: Any = None) -> None:
    """Raise when the planned ``tp`` of ``op`` burns nothing or less than asked. ``what`` names
    the layers (for the message), ``process`` and ``profiles`` give the processes that would do."""
    spot = float(settings.get("spot", 0.1))
    of = f"{op} of {what}" if what else op
    on = f" of {process}" if process else ""
    if op == "isolate":
        joined = tp.meta.get("joined") or []
        if joined:
            first = joined[0]
            many = f"at {len(joined)} places, the narrowest near" if len(joined) > 1 else "near"
            raise ParameterError("spot", f"{of} leaves the gap uncleared {many} x "
                                         f"{first['x']:.3f}, y {first['y']:.3f} mm, where it is "
                                         f"{first['width_mm']:.3g} mm wide, narrower than the "
                                         f"{spot:g} mm spot{on}: the shapes either side stay "
                                         f"joined; {_remedy(first['width_mm'], spot, profiles, process)}")
    if op == "fill":
        _check_fill(tp, of=of, on=on, spot=spot, outline=bool(settings.get("outline", True)),
                    profiles=profiles, process=process)
    if tp.work_length() <= 0:
        raise ParameterError("op", f"{of} burns nothing (no toolpath is left to burn)")


def _check_fill(tp: Toolpath, *, of: str, on: str, spot: float, outline: bool, profiles: Any,
                process: str | None) -> None:
    missed = tp.meta.get("missed") or []
    if not outline:
        # Edge to edge, a strip up to half a spot wide along an edge parallel to the hatch stays
        # unburnt by design (the last line may be up to one interval inside it).
        missed = [m for m in missed if m["width_mm"] > spot / 2]
    if not missed:
        return
    first, total = missed[0], sum(m["area_mm2"] for m in missed)
    width = max(m["width_mm"] for m in missed)
    nothing = tp.work_length() == 0
    lead = (f"leaves {total:.3g} mm² in {len(missed)} places unburnt (the largest near x "
            f"{first['x']:.3f}, y {first['y']:.3f} mm), about {width:.3g} mm wide")
    if not outline:
        lead = "burns nothing" if nothing else lead
        raise ParameterError("interval", f"{of} {lead}: the hatch lines miss it; --set "
                                         "outline=true, or a smaller interval or another angle")
    lead = "burns nothing: all of it is" if nothing else lead + ":"
    raise ParameterError("spot", f"{of} {lead} narrower than the {spot:g} mm spot{on}; "
                                 f"{_remedy(width, spot, profiles, process)}, or --set "
                                 "outline=false (hatch edge to edge, straying up to half the spot "
                                 "outside)")


def refuse_burning_layers(gap: BaseGeometry, protect: Mapping[str, BaseGeometry], *,
                          what: str = "", field: str = "reach") -> None:
    """Raise when an isolation's ``gap`` (mm) covers part of a layer of ``protect`` (electrode
    layers not being isolated): it would burn them away. ``field``: reach or within."""
    hit = [n for n, g in protect.items() if shapely.intersection(gap, g).area > TOUCH_MM]
    if hit:
        smaller = "a smaller within" if field == "within" else "a shorter reach"
        raise ParameterError(field, f"isolate of {what or 'the shapes'} would burn away "
                                    f"{', '.join(hit)} (inside its gap); isolate those layers "
                                    f"too (--layer-op {hit[0]}=isolate) or give {smaller}")


def refuse_no_gap(geometry: BaseGeometry, gap: BaseGeometry, *, reach: float | None,
                  within: str | None) -> None:
    """Raise when an isolation's ``gap`` (mm²) is empty, saying why: the ``reach`` was too short
    for the shapes' spacing, or ``within`` lies inside the shapes."""
    if not gap.is_empty and gap.area > 1e-12:
        return
    if within:
        raise ParameterError("within", f"{within} minus the shapes to keep is empty: nothing to "
                                       "isolate (name a layer that surrounds them)")
    parts = shapely.get_parts(as_multipolygon(union_all([geometry])))
    apart = ""
    if len(parts) > 1:
        tree = shapely.STRtree(parts)
        _, dist = tree.query_nearest(parts, exclusive=True, return_distance=True)
        nearest = float(np.min(dist))
        apart = (f"; the nearest shapes are {nearest:.4g} mm apart, a reach of at least "
                 f"{nearest / 2 * 1.01:.4g} mm bridges them")
    raise ParameterError("reach", f"isolate finds no gap: a reach of {reach or 0:g} mm bridges "
                                  f"gaps up to {2 * (reach or 0):g} mm{apart} (--set reach=..., or "
                                  "--set within=LAYER, a layer around the shapes)")
