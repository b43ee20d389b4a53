"""The process stack: family defaults, [[stack]] parsing, errors naming entry and line."""

from __future__ import annotations

import pytest
from shapely.geometry import box

import zmfab
from tests.stack.stack_helpers import design_from, screen_design
from zmfab.errors import DesignError
from zmfab.process.stack import (
    METHODS,
    default_stack,
    layer_geometry,
    resolve_stack,
    resolve_substrate,
    slug,
)
from zmfab.profiles import Profiles
from zmfab.regions import Layout

PROFILES = Profiles()


def _family_layouts():
    out = [("interdigitated", zmfab.layout("interdigitated"))]
    for fam in ("concentric", "swiss-roll"):
        try:
            out.append((fam, zmfab.layout(fam)))
        except (ImportError, ModuleNotFoundError, zmfab.ZmfabError):
            continue
    return out


@pytest.mark.parametrize(("family", "lay"), _family_layouts(), ids=lambda v: v if isinstance(v, str) else "")
def test_default_stack_keeps_pads_open_and_covers_the_active_area(family, lay):
    layers = resolve_stack(None, lay, PROFILES)
    names = [x.name for x in layers]
    assert names == ["anode ink", "cathode ink", "gel electrolyte", "encapsulation"]
    pads = lay.get("anode_pad").union(lay.get("cathode_pad"))
    by = {x.name: x for x in layers}
    for cover in ("gel electrolyte", "encapsulation"):
        assert by[cover].geometry.intersection(pads).area < 1e-9, cover
        assert by[cover].geometry.distance(pads) >= by[cover].clearance - 1e-6
    assert by["anode ink"].geometry.symmetric_difference(lay.electrode("anode")).area < 1e-6
    assert by["cathode ink"].geometry.symmetric_difference(lay.electrode("cathode")).area < 1e-6
    assert by["gel electrolyte"].role == "electrolyte" and by["encapsulation"].role == "encapsulation"
    assert by["anode ink"].role == "anode" and by["cathode ink"].role == "cathode"
    assert by["gel electrolyte"].inside == "encapsulation"


def test_default_stack_adds_interconnect_and_collector():
    entries = default_stack("interdigitated", regions={"interconnect"}, current_collector=True)
    assert [e["name"] for e in entries[:2]] == ["interconnect", "current collector"]
    assert entries[0]["material"] == "silver"


def test_margin_grows_a_rectangle_by_the_closed_form():
    lay = Layout("t", {"anode": box(0, 0, 4, 2), "anode_pad": box(10, 10, 11, 11)})
    grown = layer_geometry(lay, ["anode"], margin=0.5)
    assert grown.area == pytest.approx(5 * 3)
    shrunk = layer_geometry(lay, ["anode"], margin=-0.25)
    assert shrunk.area == pytest.approx(3.5 * 1.5)
    cut = layer_geometry(lay, ["anode"], margin=0.5, exclude=["anode_pad"], clearance=8.0)
    assert cut.area == pytest.approx(15 - 2.5 * 0.5)  # the pad's square clearance takes a corner


STACK = """
[[stack]]
name = "collector"
method = "screen"
material = "silver"
regions = ["anode", "anode_pad", "cathode", "cathode_pad"]
thickness = "10um"
loading = "5mg/cm2"

[[stack]]
name = "zn"
method = "stencil"
material = "zn"
regions = ["anode"]
margin = "-50um"
inside = "collector"
"""


def test_design_stack_parses_lengths_defaults_and_free_settings():
    d = design_from(screen_design(extra=STACK))
    layers = resolve_stack(d, d.layout(), PROFILES)
    assert [x.name for x in layers] == ["collector", "zn"]
    assert layers[0].process == "screen-print" and layers[1].process == "stencil"
    assert layers[1].margin == pytest.approx(-0.05)
    assert layers[0].settings == {"thickness": "10um", "loading": "5mg/cm2"}
    assert layers[1].inside == "collector"
    assert layers[1].geometry.within(layers[0].geometry)


@pytest.mark.parametrize(("entry", "key", "words"), [
    ('method = "flexo"\nregions = ["anode"]', "method", ["flexo", "screen", "stencil", "inkjet"]),
    ('method = "screen"\nprocess = "gravure"\nregions = ["anode"]', "process", ["gravure", "screen-print"]),
    ('method = "screen"\nregions = ["anodes"]', "regions", ["anodes", "anode_pad"]),
    ('method = "screen"', "regions", ["missing"]),
    ('method = "screen"\nregions = ["anode"]\nmargin = "3 furlongs"', "margin", ["furlongs"]),
    ('method = "stencil"\nprocess = "screen-print"\nregions = ["anode"]', "method", ["screen"]),
    ('method = "screen"\nregions = ["anode"]\ninside = "nothing"', "inside", ["nothing"]),
])
def test_bad_stack_entries_name_the_entry_key_and_line(entry, key, words):
    text = screen_design(extra='\n[[stack]]\nname = "a"\nmethod = "screen"\nregions = ["cathode"]\n'
                               f'\n[[stack]]\nname = "b"\n{entry}\n')
    d = design_from(text)
    with pytest.raises(DesignError) as info:
        resolve_stack(d, d.layout(), PROFILES)
    message = str(info.value)
    assert f"stack[2].{key}" in message
    line = int(message.split(":")[1])
    assert "[[stack]]" in text.splitlines()[line - 1] or key in text.splitlines()[line - 1]
    for word in words:
        assert word in message


def test_methods_cover_the_contract():
    assert set(METHODS) == {"laser", "screen", "stencil", "diw", "photolithography", "cast", "spray",
                            "cutter", "inkjet", "stamp", "mold", "electrodeposit"}


def test_substrate_defaults_to_footprint_plus_border_and_reads_the_table():
    d = design_from(screen_design())
    lay = d.layout()
    sub = resolve_substrate(d, lay)
    fx0, fy0, fx1, fy1 = lay["footprint"].bounds
    assert sub.bounds == pytest.approx((fx0 - 5, fy0 - 5, fx1 + 5, fy1 + 5))
    d2 = design_from(screen_design(extra='[substrate]\nwidth = "40mm"\nheight = "30mm"\nmaterial = "polyimide"\n'))
    sub2 = resolve_substrate(d2, lay)
    assert (sub2.width, sub2.height, sub2.material) == (40, 30, "polyimide")
    assert (sub2.xmin + sub2.width / 2) == pytest.approx((fx0 + fx1) / 2)
    d3 = design_from(screen_design(extra='[substrate]\nwidth = "-4mm"\n'))
    with pytest.raises(DesignError, match="substrate.width"):
        resolve_substrate(d3, lay)
    d4 = design_from(screen_design(extra='[substrate]\ncolour = "red"\n'))
    with pytest.raises(DesignError, match="unknown key"):
        resolve_substrate(d4, lay)


@pytest.mark.parametrize("name, expected", [("Zn (anode)", "zn-anode"),
                                            ("MnO2 / CNT cathode", "mno2-cnt-cathode"),
                                            ("  gel_electrolyte ", "gel_electrolyte"),
                                            ("()", "layer")])
def test_slug_is_one_file_name_form_of_a_layer_name(name, expected):
    assert slug(name) == expected
