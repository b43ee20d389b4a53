"""Travel ordering never lengthens the travel; SVG/DXF drawings come in at true scale."""

from __future__ import annotations

import math

import ezdxf
import numpy as np
import pytest
from shapely.geometry import box

import zmfab
from zmfab.imports import read_layers
from zmfab.imports.svg import parse_transform, path_rings
from zmfab.toolpath.order import nearest_neighbour, order_groups, order_paths, two_opt
from zmfab.toolpath.path import Polyline, Toolpath, travel_length


def random_segments(n: int, seed: int = 3) -> list[Polyline]:
    rng = np.random.default_rng(seed)
    return [Polyline(rng.random((2, 2)) * 50) for _ in range(n)]


def test_nn_then_two_opt_shortens_and_keeps_every_path():
    paths = random_segments(400)
    nn = nearest_neighbour(paths)
    opt = two_opt(nn)
    assert travel_length(opt) <= travel_length(nn) + 1e-9 < travel_length(paths)
    key = lambda p: tuple(sorted(map(tuple, np.round(p.points, 9))))  # noqa: E731
    assert sorted(map(key, opt)) == sorted(map(key, paths))
    assert travel_length(order_paths(paths)) <= travel_length(opt) + 1e-9


def test_two_opt_reverses_paths_and_respects_fixed_ones():
    a = Polyline([[0, 0], [10, 0]])
    b = Polyline([[10, 1], [0, 1]], {"reversible": False})
    c = Polyline([[0, 2], [10, 2]])
    out = order_paths([a, c, b])
    assert travel_length(out) == pytest.approx(2.0)
    assert all(p.points[0, 0] == 10 for p in out if p.settings.get("reversible") is False)


def test_closed_paths_are_entered_at_the_nearest_vertex():
    ring = Polyline([[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]], closed=True)
    out = nearest_neighbour([ring], origin=(6.1, 6.1))
    assert tuple(out[0].start) == (6, 6) and tuple(out[0].end) == (6, 6)


def test_groups_keep_their_order():
    inner = [Polyline([[0, 0], [1, 0]])]
    outer = [Polyline([[100, 0], [101, 0]])]
    out = order_groups([inner, outer], origin=(100, 0))
    assert out[0] is inner[0] or out[0].points[0, 0] in (0, 1)


def test_toolpath_helpers():
    tp = Toolpath([Polyline([[0, 0], [1, 0]], lead_in=0.5, lead_out=0.5)])
    assert tp.bounds() == (-0.5, 0.0, 1.5, 0.0)
    assert tp.work_length() == 1.0 and tp.lead_length() == 1.0
    assert tp.with_settings(power=0.5).paths[0].settings["power"] == 0.5


SVG = """<svg xmlns="http://www.w3.org/2000/svg"
 xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" {size} viewBox="{vb}">
 <g inkscape:label="anode" transform="translate(10,5) rotate(90)">
  <rect x="0" y="0" width="20" height="10" fill="#f00"/>
 </g>
 <g inkscape:label="cathode">
  <circle cx="60" cy="60" r="10" stroke="blue" fill="none"/>
  <path d="M80 10 a5 5 0 1 0 10 0 a5 5 0 1 0 -10 0 Z" fill="rgb(0,0,255)"/>
  <path d="m 40 80 c 0 -10 20 -10 20 0 s -20 10 -20 0 z" fill="#00ff00"/>
 </g>
 <path d="M0 0 L 5 0 L 5 5 Z" fill="black"/>
</svg>"""


def test_svg_curves_transforms_and_true_scale(tmp_path):
    path = tmp_path / "d.svg"
    path.write_text(SVG.format(size='width="50mm" height="50mm"', vb="0 0 100 100"))
    layers = read_layers(path)
    assert set(layers) == {"anode", "cathode", "default"}
    assert layers["anode"].area == pytest.approx(20 * 10 / 4, rel=1e-6)  # 0.5 mm per unit
    xmin, ymin, xmax, ymax = layers["anode"].bounds
    assert (xmin, xmax) == pytest.approx((0.0, 5.0))  # rotated 90° then moved 10 units right
    assert (ymin, ymax) == pytest.approx((37.5, 47.5))  # user y 5..25, flipped about y = 100
    circles = math.pi * (10 * 0.5) ** 2 + math.pi * (5 * 0.5) ** 2
    assert layers["cathode"].area == pytest.approx(circles + _blob_area(), rel=2e-3)
    by_colour = read_layers(path, by="colour")
    assert set(by_colour) == {"#ff0000", "#0000ff", "#00ff00", "#000000"}


def _blob_area() -> float:
    from shapely.geometry import Polygon

    ring = path_rings("m 40 80 c 0 -10 20 -10 20 0 s -20 10 -20 0 z", tolerance=1e-4)[0]
    return Polygon(ring).area * 0.25


def test_svg_dpi_only_when_needed(tmp_path):
    path = tmp_path / "px.svg"
    path.write_text(SVG.format(size='width="100" height="100"', vb="0 0 100 100"))
    with pytest.raises(zmfab.ParameterError, match="--dpi"):
        read_layers(path)
    layers = read_layers(path, dpi=25.4)
    assert layers["anode"].area == pytest.approx(200.0)
    offset = tmp_path / "vb.svg"
    offset.write_text(SVG.format(size='width="50mm" height="50mm"', vb="-20 0 100 100"))
    assert read_layers(offset)["anode"].bounds[0] == pytest.approx(10.0)


def test_svg_transform_parser():
    m = parse_transform("translate(1,2) scale(2) rotate(90) skewX(0)")
    assert np.allclose(m @ [1, 0, 1], [1, 4, 1])
    with pytest.raises(zmfab.DesignError, match="malformed path"):
        path_rings("M 0 0 C 1 2")


def test_dxf_layers_and_colours(tmp_path):
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 5  # cm
    msp = doc.modelspace()
    doc.layers.add("anode", color=1)
    msp.add_lwpolyline([(0, 0), (1, 0), (1, 1), (0, 1)], close=True, dxfattribs={"layer": "anode"})
    msp.add_circle((5, 5), 1, dxfattribs={"layer": "outline", "color": 5})
    path = tmp_path / "d.dxf"
    doc.saveas(path)
    layers = read_layers(path)
    assert layers["anode"].area == pytest.approx(100.0)
    assert layers["outline"].area == pytest.approx(math.pi * 100, rel=1e-3)
    assert set(read_layers(path, by="colour")) == {"#ff0000", "#0000ff"}
    assert layers["anode"].geoms[0].normalize().equals(box(0, 0, 10, 10).normalize())
