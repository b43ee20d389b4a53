"""Masks and stencils: bridges hold every island, masks read back the same, labels need no font."""

from __future__ import annotations

import ezdxf
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import Point, Polygon, box

import zmfab
from tests.stack.stack_helpers import PATTERNS, design_from, screen_design
from zmfab.design import load_design
from zmfab.export.mask import mask_artwork, mask_dxf, mask_svg, stack_masks, write_mask
from zmfab.export.outline_text import GLYPHS, outline_text, text_width
from zmfab.imports import read_layers
from zmfab.process.bridges import bridge_stencil, find_islands
from zmfab.process.stack import resolve_stack, resolve_substrate
from zmfab.profiles import Profiles
from zmfab.regions import Layout, as_multipolygon

PROFILES = Profiles()
BRIDGE = PROFILES.get("processes", "stencil")["bridge_width_mm"]
SHEET = box(-30, -30, 30, 30)


def assert_held(plan, width):
    """One piece of film, every bridge at least ``width`` wide and landing on film with its whole
    width at both ends."""
    film = plan.material()
    assert film.geom_type == "Polygon", f"{len(as_multipolygon(film).geoms)} pieces of film"
    for b in plan.bridges:
        ends = as_multipolygon(b.polygon.difference(plan.cut))
        assert len(ends.geoms) >= 2 and all(e.area >= 0.9 * width * width / 2 for e in ends.geoms)
    for b in plan.bridges:
        rect = b.polygon.minimum_rotated_rectangle
        xs, ys = rect.exterior.coords.xy
        sides = sorted(Point(xs[i], ys[i]).distance(Point(xs[i + 1], ys[i + 1])) for i in range(2))
        assert sides[0] >= width - 1e-9


def test_a_ring_gets_one_bridge_across_its_narrowest_part_and_a_warning():
    # outer circle shifted right: the ring is 1 mm wide on the left, 3 mm on the right
    ring = Point(1, 0).buffer(5, quad_segs=64).difference(Point(0, 0).buffer(3, quad_segs=64))
    assert len(find_islands(ring, SHEET)) == 1
    plan = bridge_stencil(ring, SHEET, width=BRIDGE, electrodes={"cathode": ring})
    assert plan.islands == 1 and len(plan.bridges) == 1
    assert_held(plan, BRIDGE)
    b = plan.bridges[0]
    assert b.x == pytest.approx(-3.5, abs=0.05) and b.y == pytest.approx(0, abs=BRIDGE)
    assert b.length == pytest.approx(1.0, abs=0.01)
    assert b.crosses == ("cathode",) and not b.splits
    assert "crosses the cathode" in plan.warnings[0] and f"({b.x:.3f}, {b.y:.3f})" in plan.warnings[0]
    assert plan.apertures.area == pytest.approx(ring.area - ring.intersection(b.polygon).area)


def test_two_bridges_on_a_ring_split_it_and_say_so():
    ring = Point(0, 0).buffer(5).difference(Point(0, 0).buffer(4))
    plan = bridge_stencil(ring, SHEET, width=BRIDGE, per_island=2, electrodes={"anode": ring})
    assert len(plan.bridges) == 2
    a, b = plan.bridges
    assert Point(a.x, a.y).distance(Point(b.x, b.y)) > 5  # spread round the ring
    assert plan.bridges[-1].splits and "cuts the electrode in two" in plan.warnings[-1]
    assert_held(plan, BRIDGE)


def test_nested_concentric_rings_are_all_held():
    rings = shapely.union_all([Point(0, 0).buffer(r + 1).difference(Point(0, 0).buffer(r))
                               for r in (1, 3, 5, 7)])
    plan = bridge_stencil(rings, SHEET, width=BRIDGE)
    assert plan.islands == 4 and len(plan.bridges) == 4
    assert_held(plan, BRIDGE)
    assert all(b.length == pytest.approx(1.0, abs=0.01) for b in plan.bridges)


def test_a_concentric_layout_stencil_is_held():
    """A stencil for the encapsulant of a concentric cell: the film over each pad is an island."""
    try:
        zmfab.layout("concentric")
    except (ImportError, zmfab.ZmfabError):
        pytest.skip("concentric generator not available")
    d = design_from('title = "c"\nfamily = "concentric"\n[params]\nrings = 3\nmargin = "2mm"\n'
                    '[[stack]]\nname = "encapsulation"\nmethod = "stencil"\nmaterial = "pdms"\n'
                    'regions = ["footprint"]\nexclude = ["anode_pad", "cathode_pad"]\nclearance = "300um"\n')
    lay = d.layout()
    layers = resolve_stack(d, lay, PROFILES)
    art = mask_artwork(layers[0], layout=lay, substrate=resolve_substrate(d, lay), profiles=PROFILES)
    plan = art.plan
    assert plan.islands == 2 and len(plan.bridges) == 2
    assert_held(plan, BRIDGE)
    for b, pad in zip(sorted(plan.bridges, key=lambda b: b.y),
                      sorted([lay["anode_pad"], lay["cathode_pad"]], key=lambda p: p.centroid.y), strict=True):
        assert b.polygon.distance(pad) < 0.3 + 1e-6  # each pad's film is tied back
        assert b.length == pytest.approx(2.0 - 0.3, abs=0.01)  # across the 2 mm margin, not the cell


def test_text_stencil_islands_are_its_counters_and_all_held():
    text = outline_text("ABOD 0489 PQR", height=4, x=-25, y=0)
    holes = sum(len(p.interiors) for p in text.geoms)
    assert holes >= 10
    plan = bridge_stencil(text, SHEET, width=BRIDGE)
    assert plan.islands == holes and len(plan.bridges) == holes
    assert_held(plan, BRIDGE)


def test_no_islands_no_bridges():
    plan = bridge_stencil(box(0, 0, 5, 5), SHEET, width=BRIDGE)
    assert plan.islands == 0 and plan.bridges == [] and plan.apertures.area == 25


def test_outlined_text_is_geometry_only():
    assert set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") <= set(GLYPHS)
    t = outline_text("Zn MnO2", height=2.0, x=1.0, y=1.0)
    assert t.is_valid and t.area > 0
    x0, y0, x1, y1 = t.bounds
    assert x1 - x0 == pytest.approx(text_width("Zn MnO2", 2.0), rel=1e-3)
    assert y1 - y0 == pytest.approx(2.0 + 2.0 / 7, rel=1e-3)
    mirrored = outline_text("Zn MnO2", height=2.0, x=1.0, y=1.0, mirror=True)
    assert mirrored.symmetric_difference(affinity.scale(t, -1, 1, origin=t.envelope.centroid)).area < 1e-9


@pytest.fixture(scope="module")
def pattern_masks():
    d = load_design(PATTERNS / "zn-mno2-screen-printed.toml")
    lay = d.layout()
    layers = resolve_stack(d, lay, PROFILES)
    arts = stack_masks(layers, layout=lay, substrate=resolve_substrate(d, lay), profiles=PROFILES,
                       title=d.title)
    return lay, layers, arts


@pytest.mark.parametrize("version", ["R2010", "R12"])
def test_masks_round_trip_with_same_areas_and_fiducials(tmp_path, pattern_masks, version):
    _, layers, arts = pattern_masks
    assert [a.layer for a in arts] == [x.name for x in layers]
    centres = None
    for art in arts:
        svg, dxf = write_mask(art, tmp_path, dxf_version=version)
        for path in (svg, dxf):
            # an SVG's origin is its frame's lower-left corner; the DXF keeps layout coordinates
            dx, dy = art.frame.bounds[:2] if path.suffix == ".svg" else (0.0, 0.0)
            back = {k.lower(): affinity.translate(v, dx, dy) for k, v in read_layers(path).items()}
            assert back[art.name].area == pytest.approx(art.features.area, rel=1e-6)
            assert back[art.name].symmetric_difference(art.features).area < 1e-6
            marks = sorted((round(p.centroid.x, 4), round(p.centroid.y, 4))
                           for p in as_multipolygon(back["fiducials"]).geoms)
            assert len(marks) == 4
            centres = centres or marks
            assert marks == centres
            assert back["label"].area > 0
        assert "<text" not in svg.read_text()


def test_fiducials_sit_outside_the_footprint_and_on_the_substrate(pattern_masks):
    lay, _, arts = pattern_masks
    d = load_design(PATTERNS / "zn-mno2-screen-printed.toml")
    sub = resolve_substrate(d, lay).polygon()
    for art in arts:
        assert art.fiducials.within(sub)
        assert art.fiducials.distance(lay["footprint"]) > 0.5
        assert not art.label.intersects(sub)
        assert art.label.within(art.frame)


def test_mask_dxf_follows_mask_shop_habits(pattern_masks):
    _, _, arts = pattern_masks
    for version, kind in (("R2010", "LWPOLYLINE"), ("R12", "POLYLINE")):
        doc = mask_dxf(arts[0], version=version)
        entities = list(doc.modelspace())
        assert entities and {e.dxftype() for e in entities} == {kind}
        assert all(e.closed if kind == "LWPOLYLINE" else e.is_closed for e in entities)
        assert all(e.dxf.layer != "0" for e in entities)
        for e in entities:
            pts = [tuple(p)[:2] for p in (e.get_points("xy") if kind == "LWPOLYLINE" else e.points())]
            assert Polygon(pts).area > 1e-9
    assert {layer.dxf.name for layer in mask_dxf(arts[0]).layers} >= {"anode_ink", "FIDUCIALS", "LABEL", "FRAME"}
    assert ezdxf.__version__


def test_negative_and_mirrored_masks(pattern_masks):
    lay, layers, arts = pattern_masks
    d = load_design(PATTERNS / "zn-mno2-screen-printed.toml")
    sub = resolve_substrate(d, lay)
    anode = layers[0]
    anode.settings.update({"polarity": "negative", "mirror": True})
    try:
        art = mask_artwork(anode, layout=lay, substrate=sub, profiles=PROFILES, title=d.title)
    finally:
        anode.settings.pop("polarity")
        anode.settings.pop("mirror")
    plain = arts[0]
    cx = (art.frame.bounds[0] + art.frame.bounds[2]) / 2
    flipped = affinity.scale(plain.features, xfact=-1, yfact=1, origin=(cx, 0))
    assert art.features.symmetric_difference(flipped).area < 1e-9
    def rounded(points):
        return sorted((round(x, 6), round(y, 6)) for x, y in points)

    assert rounded(art.fiducial_points) == rounded(plain.fiducial_points)  # symmetric about the frame
    field = art.drawn()["field"]
    clear = art.features.area + art.fiducials.area + art.label.area
    assert field.area == pytest.approx(art.frame.area - clear, rel=1e-9)
    svg = mask_svg(art)
    assert 'inkscape:label="field"' in svg and "mirrored" not in svg  # the words are outlines only


def test_bad_polarity_names_the_layer_key(pattern_masks):
    lay, layers, _ = pattern_masks
    layer = layers[1]
    layer.settings["polarity"] = "sideways"
    try:
        with pytest.raises(zmfab.ParameterError, match="polarity"):
            mask_artwork(layer, layout=lay, substrate=resolve_substrate(None, lay), profiles=PROFILES)
    finally:
        layer.settings.pop("polarity")


def test_a_stencil_electrode_layer_in_a_design_gets_bridges():
    extra = """
[[stack]]
name = "cathode paste"
method = "stencil"
regions = ["cathode", "cathode_pad"]
"""
    d = design_from(screen_design(extra=extra))
    ring = Point(10, 10).buffer(4).difference(Point(10, 10).buffer(3))  # a closed cathode ring
    lay = Layout("test", {"footprint": box(0, 0, 20, 24), "active_area": Point(10, 10).buffer(4),
                          "anode": Point(10, 10).buffer(2), "anode_pad": box(14, 20, 16, 22),
                          "cathode": ring, "cathode_pad": box(4, 20, 6, 22).union(box(4.5, 13, 5.5, 20))})
    layers = resolve_stack(d, lay, PROFILES)
    art = mask_artwork(layers[0], layout=lay, substrate=resolve_substrate(d, lay), profiles=PROFILES)
    assert art.plan is not None and art.plan.islands >= 1
    assert len(art.plan.bridges) == art.plan.islands
    assert art.warnings and "cathode" in art.warnings[0]
    assert art.report()["bridges"][0]["width_mm"] == BRIDGE


@pytest.mark.parametrize("version", ["R2010", "R12"])
def test_written_mask_dxf_passes_an_audit(tmp_path, pattern_masks, version):
    _, _, arts = pattern_masks
    _, path = write_mask(arts[1], tmp_path, dxf_version=version)
    doc = ezdxf.readfile(str(path))
    assert doc.dxfversion == ("AC1009" if version == "R12" else "AC1024")
    auditor = doc.audit()
    assert not auditor.errors
    entities = list(doc.modelspace())
    handles = [e.dxf.handle for e in doc.entitydb.values()]
    assert len(handles) == len(set(handles))
    assert all(e.dxf.layer != "0" for e in entities)
    assert {e.dxf.layer for e in entities} == {"cathode_ink", "FIDUCIALS", "LABEL", "FRAME"}
    if version != "R12":  # (R12 files get their handles when ezdxf loads them)
        assert int(doc.header["$HANDSEED"], 16) > max(int(h, 16) for h in handles)
        assert doc.header["$INSUNITS"] == 4
        assert doc.header.custom_vars.get("ZMFAB_POLARITY") == "positive"


@settings(max_examples=20, deadline=None)
@given(widths=st.lists(st.floats(0.5, 2.0), min_size=1, max_size=4),
       gaps=st.lists(st.floats(0.6, 2.0), min_size=4, max_size=4),
       shift=st.floats(-0.2, 0.2))
def test_any_nest_of_rings_is_held_in_one_piece(widths, gaps, shift):
    r, rings = 0.5, []
    for w, g in zip(widths, gaps, strict=False):
        r += g
        rings.append(Point(shift * len(rings), 0).buffer(r + w).difference(Point(shift * len(rings), 0).buffer(r)))
        r += w + abs(shift) * 4
    cut = shapely.union_all(rings)
    plan = bridge_stencil(cut, SHEET, width=BRIDGE)
    assert plan.islands == len(find_islands(cut, SHEET)) == len(rings)
    assert len(plan.bridges) == plan.islands
    assert_held(plan, BRIDGE)


def test_photolithography_masks_are_negative_and_cast_layers_get_none():
    extra = """
[[stack]]
name = "gold collector"
method = "photolithography"
material = "gold"
regions = ["anode", "anode_pad", "cathode", "cathode_pad"]
[[stack]]
name = "gel electrolyte"
method = "cast"
material = "pva-gel"
regions = ["active_area"]
"""
    d = design_from(screen_design(extra=extra))
    lay = d.layout()
    layers = resolve_stack(d, lay, PROFILES)
    arts = stack_masks(layers, layout=lay, substrate=resolve_substrate(d, lay), profiles=PROFILES)
    assert [a.layer for a in arts] == ["gold collector"]
    assert arts[0].spec.polarity == "negative" and arts[0].spec.kind == "film"
    assert "field" in arts[0].drawn()
