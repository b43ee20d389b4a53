"""The fast path of a panel of identical cells gives the findings of checking every copy.

A 3 x 3 panel whose cell breaks a rule of its own (anode lines narrower than screen printing's
minimum line) and whose pitch leaves neighbouring cells too close (0.1 mm streets: the spaces
between cells and the anode of one cell to the cathode of the next break the minimum space and
the gap): the tiled stack and the once-per-cell measurement against the stack built on the
whole panel and every copy measured.
"""

from __future__ import annotations

import pytest
import shapely

from tests.stack.stack_helpers import design_from
from zmfab.drc import CheckContext, check, design_layout
from zmfab.drc.cells import cell_spots, copies, reported
from zmfab.process.stack import resolve_stack
from zmfab.process.tiling import tile, tiling_of
from zmfab.profiles import Profiles
from zmfab.regions import Layout
from zmfab.regions.features import narrow_lines, narrow_spaces

PROFILES = Profiles()
CELL = """
title = "Panel cell"
family = "interdigitated"
[params]
fingers = {fingers}
anode_width = "150um"
cathode_width = "500um"
gap = "400um"
finger_length = "5mm"
bus_width = "800um"
pad_size = "2mm"
margin = "50um"
"""


def untiled(lay: Layout) -> Layout:
    """The same panel without its tiling: every stage works on the whole panel."""
    return Layout(lay.family, lay.regions, lay.params,
                  {k: v for k, v in lay.meta.items() if k != "tiling"})


def findings(fingers: int, array: str = "3x3", pitch: str | None = None,
             wiring: str | None = None):
    d = design_from(CELL.format(fingers=fingers))
    lay = design_layout(d, array=array, pitch=pitch, wiring=wiring)
    fast_layers = resolve_stack(d, lay, PROFILES)
    fast = check(d, lay, fast_layers, PROFILES)
    plain = untiled(lay)
    slow_layers = resolve_stack(d, plain, PROFILES)
    slow = check(d, plain, slow_layers, PROFILES, per_copy=True)
    return fast_layers, slow_layers, fast, slow


@pytest.mark.parametrize("fingers", [2, 4])
def test_fast_panel_check_equals_checking_every_copy(fingers):
    fast_layers, slow_layers, fast, slow = findings(fingers)
    assert [v.to_dict() for v in fast] == [v.to_dict() for v in slow]
    rules = {v.rule for v in fast}
    # the cell's own violation, the between-cell spacing and gap all found
    assert {"min_width", "min_space", "gap"} <= rules
    width = next(v for v in fast if v.rule == "min_width")
    assert width.measured_mm == pytest.approx(0.15, abs=0.01)
    assert "more spots" in width.message
    for a, b in zip(fast_layers, slow_layers, strict=True):
        assert a.name == b.name
        assert len(a.geometry.geoms) == len(b.geometry.geoms)
        assert a.geometry.symmetric_difference(b.geometry).area < 1e-9
        assert a.removed_mm2 == pytest.approx(b.removed_mm2, abs=1e-9)


def test_between_cell_spaces_are_counted_once_per_pair():
    # 2 fingers: one narrow anode finger per cell, so the line rule is measured once per cell
    d = design_from(CELL.format(fingers=2))
    lay = design_layout(d, array="3x3")
    t = tiling_of(lay)
    ink = next(x for x in resolve_stack(d, lay, PROFILES) if x.name == "anode ink")
    assert copies(ink.geometry, t) is not None
    ctx = CheckContext(d, lay, [], PROFILES)
    for finder, limit in ((narrow_lines, 0.2), (narrow_spaces, 0.2)):
        fast = cell_spots(ink.geometry, limit, finder, t)
        slow = finder(ink.geometry, limit)
        # the same widths, as many spots, and the same one reported (the first cell's)
        assert sorted(round(s.width, 6) for s in fast) == sorted(round(s.width, 6) for s in slow)
        assert fast and reported(fast, ctx.cell) == reported(slow, ctx.cell)
    # 3 columns x 3 rows: 6 streets between neighbours in x, each a space below the limit
    assert sum(1 for s in cell_spots(ink.geometry, 0.2, narrow_spaces, t) if s.area == 0) == 6


def test_a_panel_whose_cells_differ_is_measured_copy_by_copy():
    d = design_from(CELL.format(fingers=2))
    lay = design_layout(d, array="3x3")
    t = tiling_of(lay)
    ink = next(x for x in resolve_stack(d, lay, PROFILES) if x.name == "anode ink")
    parts = list(ink.geometry.geoms)
    parts[4] = shapely.affinity.scale(parts[4], 1.001, 1.0)   # one cell edited
    edited = shapely.MultiPolygon(parts)
    assert copies(edited, t) is None
    fast = cell_spots(edited, 0.2, narrow_lines, t)
    assert [(s.width, s.x, s.y) for s in fast] == [(s.width, s.x, s.y) for s in narrow_lines(edited, 0.2)]


def test_tile_moves_each_copy_by_its_offset():
    square = shapely.box(0, 0, 1, 1)
    out = tile(square, [(0, 0), (2, 0), (0, 3)])
    assert [p.bounds for p in out.geoms] == [(0, 0, 1, 1), (2, 0, 3, 1), (0, 3, 1, 4)]


def test_cells_whose_layer_copies_would_meet_are_shaped_on_the_whole_panel():
    # the electrolyte grows 0.5 mm past the active area: in 0.1 mm streets the copies merge,
    # so that layer is built on the whole panel (and still equals checking every copy)
    fast_layers, slow_layers, fast, slow = findings(2)
    gel = next(x for x in fast_layers if x.name == "gel electrolyte")
    assert len(gel.geometry.geoms) < 9
    assert [v.to_dict() for v in fast] == [v.to_dict() for v in slow]


def test_check_reports_progress_rule_by_rule(tmp_path):
    from tests.cli_helpers import run_cli
    from zmfab.drc import rules

    d = design_from(CELL.format(fingers=2))
    lay = design_layout(d, array="2x2")
    seen = []
    check(d, lay, resolve_stack(d, lay, PROFILES), PROFILES,
          progress=lambda k, n, name: seen.append((k, n, name)))
    assert [k for k, _, _ in seen] == list(range(1, len(rules()) + 1))
    assert seen[-1][1] == len(rules()) and seen[0][2] == next(iter(rules()))
    path = tmp_path / "cell.toml"
    design_from(CELL.format(fingers=2), path)
    result = run_cli("check", str(path), "--array", "2x2", "-q")
    assert result.code == 1 and "min_width" in result.out


def test_wired_panel_fast_path_equals_checking_every_copy():
    # series traces run in the streets: the electrolyte (kept off the traces) is built on the
    # whole panel, the inks and the encapsulation from the cell
    fast_layers, slow_layers, fast, slow = findings(4, pitch="8mm,20mm", wiring="series")
    assert [v.to_dict() for v in fast] == [v.to_dict() for v in slow]
    assert {"min_width"} <= {v.rule for v in fast}
    d = design_from(CELL.format(fingers=4))
    t = tiling_of(design_layout(d, array="3x3", pitch="8mm,20mm", wiring="series"))
    ink = next(x for x in fast_layers if x.name == "anode ink")
    assert copies(ink.geometry, t) is not None
    for a, b in zip(fast_layers, slow_layers, strict=True):
        assert a.geometry.symmetric_difference(b.geometry).area < 1e-9


def test_a_moved_panel_is_no_longer_tiled():
    d = design_from(CELL.format(fingers=2))
    lay = design_layout(d, array="2x2").translated(1.0, 2.0)
    moved = resolve_stack(d, lay, PROFILES)
    plain = resolve_stack(d, untiled(lay), PROFILES)
    for a, b in zip(moved, plain, strict=True):
        assert a.geometry.symmetric_difference(b.geometry).area < 1e-9


SMALL = """
title = "Small cell"
family = "interdigitated"
[params]
fingers = 4
anode_width = "250um"
cathode_width = "250um"
gap = "250um"
finger_length = "4mm"
bus_width = "500um"
pad_size = "{pad}"
margin = "{margin}"
"""


@pytest.mark.parametrize(("pad", "margin", "pitch"), [("1.5mm", "0.5mm", "9.5mm"),
                                                      ("1.5mm", "0.5mm", None),
                                                      ("3mm", "0.7mm", None)])
def test_window_measure_of_the_encapsulation_equals_buffering_it_whole(pad, margin, pitch):
    from zmfab.process.windows import morphology_change

    d = design_from(SMALL.format(pad=pad, margin=margin))
    lay = design_layout(d, array="5x4", pitch=pitch)
    enc = next(x for x in resolve_stack(d, lay, PROFILES) if x.name == "encapsulation").geometry
    assert len(enc.geoms) == 1 and len(enc.geoms[0].interiors) == 40
    style = {"join_style": "mitre", "mitre_limit": 5.0}
    changes = []
    for dist in (0.1, 0.3, 1.0):
        for closing in (False, True):
            got = morphology_change(enc, *tiling_of(lay).grid(), dist, closing=closing)
            dd = dist if closing else -dist
            whole = enc.buffer(dd, **style).buffer(-dd, **style).symmetric_difference(enc).area
            assert got == pytest.approx(whole, abs=1e-6)
            changes.append(whole)
    assert max(changes) > 1.0   # some of these openings do cut the encapsulation


def test_narrow_encapsulation_between_cells_is_cleaned_as_on_the_whole_panel():
    # 0.25 mm margins less the 0.2 mm pad clearance: slivers of encapsulation between the pad
    # holes of abutting cells, narrower than screen printing's line: the stack cleans them off
    d = design_from(SMALL.format(pad="1.5mm", margin="0.25mm"))
    lay = design_layout(d, array="4x3")
    fast_layers = resolve_stack(d, lay, PROFILES)
    fast = check(d, lay, fast_layers, PROFILES)
    plain = untiled(lay)
    slow_layers = resolve_stack(d, plain, PROFILES)
    slow = check(d, plain, slow_layers, PROFILES, per_copy=True)
    assert [v.to_dict() for v in fast] == [v.to_dict() for v in slow]
    a, b = (next(x for x in layers if x.name == "encapsulation") for layers in (fast_layers, slow_layers))
    assert a.removed_mm2 > 0.01 and a.removed_mm2 == pytest.approx(b.removed_mm2, abs=1e-9)
    assert a.geometry.symmetric_difference(b.geometry).area < 1e-9
    for layer in fast_layers:
        for finder in (narrow_lines, narrow_spaces):
            fast_spots = cell_spots(layer.geometry, 0.2, finder, tiling_of(lay))
            assert len(fast_spots) == len(finder(layer.geometry, 0.2))


def test_a_polygon_with_a_hole_per_pad_is_met_through_its_holes():
    from zmfab.drc.overlay import MANY_HOLES, meet, near, shrink
    from zmfab.regions.merge import merge

    d = design_from(SMALL.format(pad="1.5mm", margin="0.5mm"))
    lay = design_layout(d, array="9x4", pitch="9.5mm")
    enc = next(x for x in resolve_stack(d, lay, PROFILES) if x.name == "encapsulation").geometry
    assert len(enc.geoms[0].interiors) >= MANY_HOLES
    pads = merge([lay["anode_pad"], lay["cathode_pad"]])
    # a few pads grown past their hole, so that some meet the encapsulation
    items = shapely.get_parts(pads)
    items[:3] = shapely.buffer(items[:3], 0.3, join_style="mitre")
    a = shapely.get_parts(enc)
    assert meet(enc, shapely.MultiPolygon(list(items))).area == pytest.approx(
        enc.intersection(shapely.MultiPolygon(list(items))).area, abs=1e-9)
    for within in (0.1, 0.25):
        ia, ib, side = near(a, items, within)
        ja, jb = shapely.STRtree(items).query(a, predicate="dwithin", distance=within)
        assert sorted(ib.tolist()) == sorted(jb.tolist())
        direct = dict(zip(jb.tolist(), shapely.distance(a[ja], items[jb]), strict=True))
        for j, dist in zip(ib.tolist(), shapely.distance(side, items[ib]), strict=True):
            assert dist == pytest.approx(direct[j], abs=1e-12)
    for tol in (0.03, 0.1):
        whole = enc.buffer(-tol, join_style="mitre")
        assert shrink(enc, tol).symmetric_difference(whole).area < 1e-9
