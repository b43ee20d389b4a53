"""Exports read back: areas per region within 0.1 %, units, entity kinds, layers."""

import re
import xml.etree.ElementTree as ET

import ezdxf
import pytest

import zmfab
from zmfab.errors import ParameterError
from zmfab.export import export_layout
from zmfab.geometry.registry import families
from zmfab.imports import read_layers

SMALL = {
    "interdigitated": {"fingers": 4, "pad_side": "same", "corner_radius": "50um"},
    "concentric": {},
    "swiss-roll": {},
}


@pytest.fixture(params=families())
def layout(request):
    return zmfab.layout(request.param, **SMALL.get(request.param, {}))


def assert_areas_match(layout, layers):
    for name, geom in layout.regions.items():
        assert name in layers, name
        assert layers[name].area == pytest.approx(geom.area, rel=1e-3), name


@pytest.mark.parametrize("version", ["R2010", "R12"])
def test_dxf_round_trip(layout, tmp_path, version):
    path = export_layout(layout, tmp_path / "x.dxf", dxf_version=version)
    doc = ezdxf.readfile(path)
    auditor = doc.audit()
    assert not auditor.errors and not auditor.fixes
    if version != "R12":  # R12 predates $INSUNITS: its coordinates are plain mm
        assert doc.header["$INSUNITS"] == 4
    kinds = {e.dxftype() for e in doc.modelspace()}
    assert kinds == ({"LWPOLYLINE"} if version == "R2010" else {"POLYLINE"})
    assert all(e.closed if version == "R2010" else e.is_closed for e in doc.modelspace())
    assert all(e.dxf.layer != "0" for e in doc.modelspace())
    assert_areas_match(layout, read_layers(path))


def test_dxf_holes_are_separate_closed_polylines(tmp_path):
    lay = zmfab.layout("interdigitated", fingers=2)
    from shapely.geometry import Point

    lay.regions["keep_out"] = Point(0, 0).buffer(3).difference(Point(0, 0).buffer(1))
    path = export_layout(lay, tmp_path / "h.dxf")
    rings = [e for e in ezdxf.readfile(path).modelspace() if e.dxf.layer == "keep_out"]
    assert len(rings) == 2
    assert read_layers(path)["keep_out"].area == pytest.approx(lay["keep_out"].area, rel=1e-3)


def test_svg_round_trip_true_scale(layout, tmp_path):
    path = export_layout(layout, tmp_path / "x.svg")
    root = ET.parse(path).getroot()
    xmin, ymin, xmax, ymax = layout.bounds
    assert root.get("width") == f"{xmax - xmin:.6f}mm"
    assert float(re.split(r"[\s,]+", root.get("viewBox"))[2]) == pytest.approx(xmax - xmin, abs=1e-6)
    labels = [g.get("{http://www.inkscape.org/namespaces/inkscape}label")
              for g in root.iter("{http://www.w3.org/2000/svg}g")]
    assert set(layout.regions) <= set(labels)
    layers = read_layers(path)
    assert_areas_match(layout, layers)
    # right way up: the anode pad's centre keeps its y coordinate
    got = layers["anode_pad"].centroid
    want = layout["anode_pad"].centroid
    assert (got.x, got.y) == pytest.approx((want.x - xmin, want.y - ymin), abs=1e-5)


def test_unknown_suffix_writes_nothing(tmp_path):
    with pytest.raises(ParameterError, match="unknown format"):
        export_layout(zmfab.layout("interdigitated"), tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    import zmfab.export.svg as svg

    def boom(*a, **k):
        raise RuntimeError("disk full")

    target = tmp_path / "x.svg"
    target.write_text("old")
    monkeypatch.setattr(svg, "layout_to_svg", boom)
    with pytest.raises(RuntimeError):
        export_layout(zmfab.layout("interdigitated"), target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.svg"]
