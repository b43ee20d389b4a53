"""The shipped design rules: widths, spaces, gap, registration, coverage, open pads, substrate, bed.

Each rule yields at most one violation per layer (or layer pair): the worst spot, with the number
of other offending spots in its message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import shapely
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

from ..regions import as_multipolygon
from ..regions.features import narrow_lines, narrow_spaces
from ..regions.merge import merge
from . import CheckContext, Violation, drc_rule, machine_bed, more_spots, profile_length
from .overlay import TIE, grow, less, meet, near, shrink, worst

#: Inside the active area, the electrolyte may stay this far (mm) off the pads and interconnect:
#: the pad clearance of the default stack (0.5 mm) with room for a wider one.
COVERAGE_PAD_ALLOWANCE = 1.0
#: Differences smaller than this (mm) are round-off.
TOLERANCE = 1e-6


def _place(geom: BaseGeometry) -> tuple[float, float]:
    """Where a piece is, for breaking ties between equal pieces: its lower-left corner (mm)."""
    x0, y0, _, _ = geom.bounds
    return x0, y0


def _reach(geom: BaseGeometry, target: BaseGeometry) -> float:
    """How far ``geom`` reaches from ``target``: the largest distance of its vertices (mm)."""
    pts = shapely.points(shapely.get_coordinates(geom))
    return float(shapely.distance(pts, target).max()) if len(pts) else 0.0


@drc_rule("min_width")
def min_width(ctx: CheckContext) -> Iterator[Violation]:
    """Every printed line at least the process's minimum line width."""
    for layer in ctx.layers:
        limit = ctx.length(layer, "min_line_mm", "min_feature_mm", "min_width_mm")
        if not limit:
            continue
        yield from ctx.narrow_feature("min_width", layer, narrow_lines, limit, limit,
                                      f"line narrower than {layer.process} prints")


@drc_rule("min_space")
def min_space(ctx: CheckContext) -> Iterator[Violation]:
    """Every space inside one layer at least the process's minimum space."""
    for layer in ctx.layers:
        limit = ctx.length(layer, "min_space_mm", "min_gap_mm")
        if not limit:
            continue
        yield from ctx.narrow_feature("min_space", layer, narrow_spaces, limit, limit,
                                      f"space smaller than {layer.process} keeps open")


def _closest(a: BaseGeometry, b: BaseGeometry, within: float,
             cell: Callable[[float, float], int] | None = None) -> tuple[float, tuple[float, float]] | None:
    """Smallest distance between parts of ``a`` and ``b`` closer than ``within``, and its midpoint
    (equal distances: the first ``cell``, then the lowest, leftmost midpoint)."""
    parts_a = shapely.get_parts(as_multipolygon(a))
    parts_b = shapely.get_parts(as_multipolygon(b))
    if len(parts_a) == 0 or len(parts_b) == 0:
        return None
    _, ib, side = near(parts_a, parts_b, within)
    if len(ib) == 0:
        return None
    dists = shapely.distance(side, parts_b[ib])
    tied = np.flatnonzero(dists <= dists.min() + TIE)
    lines = shapely.shortest_line(side[tied], parts_b[ib[tied]])
    mids = shapely.get_coordinates(shapely.line_interpolate_point(lines, 0.5, normalized=True))
    k = worst(range(len(tied)), lambda i: -dists[tied[i]], lambda i: tuple(mids[i]), cell)
    return float(dists[tied[k]]), (float(mids[k][0]), float(mids[k][1]))


@drc_rule("gap")
def gap(ctx: CheckContext) -> Iterator[Violation]:
    """Anode and cathode layers apart by at least the larger minimum space plus registration."""
    for anode in ctx.by_role("anode"):
        for cathode in ctx.by_role("cathode"):
            space = max(ctx.length(anode, "min_space_mm", "min_gap_mm", default=0.0) or 0.0,
                        ctx.length(cathode, "min_space_mm", "min_gap_mm", default=0.0) or 0.0)
            allowed = space + max(ctx.registration(anode), ctx.registration(cathode))
            found = _closest(anode.geometry, cathode.geometry, allowed - TOLERANCE, ctx.cell)
            if found is not None:
                d, where = found
                yield Violation("gap", f"{anode.name}/{cathode.name}", d, allowed, where,
                                "anode-cathode gap below the process's space plus registration "
                                "(a misprint shorts the cell)")


@drc_rule("registration")
def registration(ctx: CheckContext) -> Iterator[Violation]:
    """A layer that must sit inside another keeps the registration tolerance from its edge."""
    for layer in ctx.layers:
        parent = ctx.layer(layer.inside) if layer.inside else None
        if parent is None or layer.geometry.is_empty:
            continue
        tol = max(ctx.registration(layer), ctx.registration(parent))
        inner = shrink(parent.geometry, tol) if tol else parent.geometry
        bad = [p for p in as_multipolygon(layer.geometry.difference(inner)).geoms
               if not p.buffer(-TOLERANCE * 10, join_style="mitre").is_empty]
        if not bad:
            continue
        spot = worst(bad, lambda p: p.area, _place, ctx.cell)
        x0, y0, x1, y1 = spot.bounds
        window = box(x0, y0, x1, y1).buffer(4 * tol + 0.1)
        edge = parent.geometry.boundary.intersection(window)
        outside = layer.geometry.intersection(window).difference(parent.geometry)
        if not outside.is_empty and outside.area > TOLERANCE:
            measured = -_reach(outside, parent.geometry)
            line = shapely.shortest_line(outside.representative_point(), edge)
        else:
            mine = layer.geometry.boundary.intersection(window)
            measured = mine.distance(edge) if not (mine.is_empty or edge.is_empty) else 0.0
            line = shapely.shortest_line(mine, edge) if not (mine.is_empty or edge.is_empty) else None
        where = spot.representative_point() if line is None else line.interpolate(0.5, normalized=True)
        yield Violation("registration", layer.name, measured, tol, (where.x, where.y),
                        f"must sit inside {parent.name} by the registration tolerance{more_spots(len(bad))}")


def _pads(ctx: CheckContext) -> BaseGeometry:
    if "pads" not in ctx.cache:
        ctx.cache["pads"] = merge([ctx.layout.get("anode_pad"), ctx.layout.get("cathode_pad")])
    return ctx.cache["pads"]


@drc_rule("electrolyte_coverage")
def electrolyte_coverage(ctx: CheckContext) -> Iterator[Violation]:
    """The electrolyte layers cover the active area (except next to the pads and interconnect)."""
    electrolytes = ctx.by_role("electrolyte")
    active = ctx.layout.get("active_area")
    if not electrolytes or active.is_empty:
        return
    cover = merge(lay.geometry for lay in electrolytes)
    keep_off = merge([_pads(ctx), ctx.layout.get("interconnect")])
    required = less(active, grow(keep_off, COVERAGE_PAD_ALLOWANCE)) if not keep_off.is_empty else active
    missing = [p for p in less(required, cover).geoms
               if not p.buffer(-TOLERANCE * 10, join_style="mitre").is_empty]
    if not missing:
        return
    far = (lambda p: _reach(p, cover)) if not cover.is_empty else (lambda p: p.area)
    spot = worst(missing, far, _place, ctx.cell)
    short = _reach(spot, cover) if not cover.is_empty else spot.length / 4
    pt = spot.representative_point()
    name = "/".join(lay.name for lay in electrolytes)
    yield Violation("electrolyte_coverage", name, short, 0.0, (pt.x, pt.y),
                    f"{sum(p.area for p in missing):.4g} mm² of the active area has no electrolyte")


@drc_rule("pads_open")
def pads_open(ctx: CheckContext) -> Iterator[Violation]:
    """No electrolyte or encapsulation over a pad: each keeps its registration tolerance off them."""
    pads = _pads(ctx)
    if pads.is_empty:
        return
    for layer in ctx.layers:
        if layer.role not in ("electrolyte", "encapsulation") or layer.geometry.is_empty:
            continue
        tol = ctx.registration(layer)
        over = meet(layer.geometry, pads)
        if over.area > TOLERANCE:
            pt = worst(over.geoms, lambda p: p.area, _place, ctx.cell).representative_point()
            depth = max(p.exterior.distance(pt) for p in as_multipolygon(over).geoms if p.contains(pt)) \
                if any(p.contains(pt) for p in as_multipolygon(over).geoms) else 0.0
            yield Violation("pads_open", layer.name, -depth, tol, (pt.x, pt.y),
                            f"{over.area:.4g} mm² of pad covered: the contact would be sealed")
            continue
        found = _closest(layer.geometry, pads, tol - TOLERANCE, ctx.cell) if tol > 0 else None
        if found is not None:
            d, where = found
            yield Violation("pads_open", layer.name, d, tol, where,
                            "closer to a pad than the registration tolerance")


def _outside(geom: BaseGeometry, outline: BaseGeometry,
             cell: Callable[[float, float], int] | None = None) -> tuple[float, Point] | None:
    """(how far ``geom`` sticks out of ``outline`` in mm, where) or None when it is inside."""
    out = geom.difference(outline)
    if out.is_empty or out.area <= TOLERANCE:
        return None
    spot = worst(as_multipolygon(out).geoms, lambda p: p.area, _place, cell)
    return _reach(spot, outline), spot.representative_point()


@drc_rule("substrate")
def substrate(ctx: CheckContext) -> Iterator[Violation]:
    """Every layer on the substrate."""
    outline = ctx.substrate.polygon()
    for layer in ctx.layers:
        found = _outside(layer.geometry, outline, ctx.cell)
        if found is not None:
            far, pt = found
            yield Violation("substrate", layer.name, -far, 0.0, (pt.x, pt.y),
                            f"reaches {far:.4g} mm past the {ctx.substrate.width:g} x "
                            f"{ctx.substrate.height:g} mm substrate")


def _bed_outline(ctx: CheckContext, name: str) -> tuple[BaseGeometry, tuple[float, float]] | None:
    """The bed of machine ``name`` in the layout frame, and its size (mm).

    The substrate's lower-left corner sits at ``[substrate] bed_position`` on the bed; without
    one, a machine with ``origin_mm`` places the layout's (0, 0) there, else at the bed's corner.
    """
    machine = ctx.profiles.get("machines", name)
    size = machine_bed(machine, f"machines.{name}")
    if size is None:
        return None
    table = ctx.design.sections.get("substrate", {}) if ctx.design is not None else {}
    origin = machine.get("origin_mm")
    if "bed_position" not in table and isinstance(origin, list) and len(origin) == 2:
        x0, y0 = -float(origin[0]), -float(origin[1])
    else:
        bx, by = ctx.substrate.bed_position
        x0, y0 = ctx.substrate.xmin - bx, ctx.substrate.ymin - by
    return box(x0, y0, x0 + size[0], y0 + size[1]), size


@drc_rule("bed")
def bed(ctx: CheckContext) -> Iterator[Violation]:
    """Every layer on its machine's bed: the checked machine, else its process's own machine."""
    machines = ctx.profiles.names("machines") if ctx.profiles is not None else []
    for layer in ctx.layers:
        name = ctx.machine_name or ctx.process(layer).get("machine")
        if not name or name not in machines:
            continue
        found_bed = _bed_outline(ctx, str(name))
        if found_bed is None:
            continue
        outline, size = found_bed
        found = _outside(layer.geometry, outline, ctx.cell)
        if found is not None:
            far, pt = found
            yield Violation("bed", layer.name, -far, 0.0, (pt.x, pt.y),
                            f"outside the {size[0]:g} x {size[1]:g} mm bed of {name}")


@drc_rule("print_area")
def print_area(ctx: CheckContext) -> Iterator[Violation]:
    """The substrate fits the printable area of each layer's screen, stencil or mask."""
    sub = ctx.substrate
    for layer in ctx.layers:
        area = ctx.process(layer).get("print_area_mm")
        if not isinstance(area, list) or len(area) != 2:
            continue
        w = profile_length({"w": area[0]}, "w") or 0.0
        h = profile_length({"h": area[1]}, "h") or 0.0
        for size, limit, axis in ((sub.width, w, "width"), (sub.height, h, "height")):
            if size > limit + TOLERANCE:
                x1, y1 = sub.bounds[2], sub.bounds[3]
                yield Violation("print_area", layer.name, size, limit, (x1, y1),
                                f"substrate {axis} exceeds the printable area of {layer.process}")
                break


@drc_rule("interconnect")
def interconnect(ctx: CheckContext) -> Iterator[Violation]:
    """Panel traces keep the interconnect layer's minimum space from electrodes they must not touch."""
    nets = ctx.layout.meta.get("nets") or []
    layer = next((lay for lay in ctx.layers if "interconnect" in lay.regions), None)
    if not nets or layer is None:
        return
    space = ctx.length(layer, "min_space_mm", "min_gap_mm", default=0.0) or 0.0
    parts = [p for r in ("anode", "anode_pad", "cathode", "cathode_pad")
             for p in as_multipolygon(ctx.layout.get(r)).geoms]
    if not parts:
        return
    tree = shapely.STRtree(parts)
    limit = max(space, TOLERANCE) - TOLERANCE
    worst: tuple[float, tuple[float, float], str] | None = None
    for net in nets:
        for k in tree.query(net["geometry"], predicate="dwithin", distance=limit):
            # a part is a whole region of one device: it is either one the net joins or foreign
            if net["touches"].contains(parts[k].representative_point()):
                continue
            foreign = parts[k]
            d = net["geometry"].distance(foreign)
            if d < limit and (worst is None or d < worst[0]):
                mid = shapely.shortest_line(net["geometry"], foreign).interpolate(0.5, normalized=True)
                worst = (d, (mid.x, mid.y), net["name"])
    if worst is not None:
        yield Violation("interconnect", layer.name, worst[0], space, worst[1],
                        f"trace {worst[2]} runs too close to an electrode it does not connect")


@drc_rule("electrolyte_isolation")
def electrolyte_isolation(ctx: CheckContext) -> Iterator[Violation]:
    """In a series panel each cell has its own electrolyte (a shared one short-circuits ionically)."""
    cells = ctx.layout.meta.get("cell_active_areas") or []
    if ctx.layout.meta.get("wiring") != "series" or len(cells) < 2:
        return
    tree = shapely.STRtree(cells)
    for layer in ctx.by_role("electrolyte"):
        for piece in as_multipolygon(layer.geometry).geoms:
            hits = tree.query(piece, predicate="intersects")
            if len(hits) > 1:
                pt = piece.representative_point()
                yield Violation("electrolyte_isolation", layer.name, 0.0, 0.0, (pt.x, pt.y),
                                f"one electrolyte piece spans {len(hits)} series cells")
                break

