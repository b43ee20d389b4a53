"""The window-by-window second buffer (zmfab.regions.windowed) against the global one."""

from __future__ import annotations

import pytest
import shapely
from shapely import affinity
from shapely.geometry import Point, box

import zmfab
from zmfab.regions import features, windowed
from zmfab.regions.features import narrow_lines, narrow_spaces


def _both(monkeypatch, finder, geom, limit):
    """(the global buffer's spots, the windowed one's) for the same call."""
    with monkeypatch.context() as m:
        m.setattr(features, "FRAGMENTED", 10 ** 9)
        reference = finder(geom, limit)
    with monkeypatch.context() as m:
        m.setattr(features, "FRAGMENTED", -1)
        m.setattr(windowed, "PER_WINDOW", 4)
        fast = finder(geom, limit)
    return reference, fast


def _same(reference, fast):
    """Same spots; equally wide ones (to round-off) in either order."""
    def order(spots):
        return sorted(spots, key=lambda s: (round(s.width, 9), round(s.x, 6), round(s.y, 6)))
    assert len(fast) == len(reference)
    for r, f in zip(order(reference), order(fast), strict=True):
        assert f.width == pytest.approx(r.width, abs=1e-6)
        assert f.area == pytest.approx(r.area, rel=1e-6, abs=1e-9)
        assert (f.x, f.y) == pytest.approx((r.x, r.y), abs=1e-3)


@pytest.fixture(scope="module")
def roll():
    lay = zmfab.layout("swiss-roll", turns=25, anode_width="400um", cathode_width="500um",
                       gap="300um")
    return shapely.union(lay["anode"], lay.regions.get("anode_pad", shapely.Polygon()))


def test_a_strip_a_hair_inside_the_limit(monkeypatch, roll):
    # the arcs' chords make the 0.4 mm strip 0.3996 wide: the erosion falls into slivers
    assert windowed.fragments(shapely.buffer(roll, -0.2 + 2e-6, **features._MITRE)) \
        > features.FRAGMENTED
    reference, fast = _both(monkeypatch, narrow_lines, roll, 0.4 - 1e-6)
    assert reference and reference[0].width < 0.4
    _same(reference, fast)


@pytest.mark.parametrize("space", [1.1002, 1.1006])
def test_a_spiral_gap_a_hair_inside_the_limit(monkeypatch, roll, space):
    # the gap between the anode's turns is 1.1 mm drawn: its dilation keeps many tiny holes
    # (the middle of the roll, cut open by the box: the reference takes under a second there)
    x0, y0, x1, y1 = roll.bounds
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, 0.075 * (x1 - x0)
    middle = shapely.clip_by_rect(roll, cx - half, cy - half, cx + half, cy + half)
    dilated = shapely.buffer(middle, space / 2 - 1e-6, **features._MITRE)
    assert windowed.fragments(dilated) > features.FRAGMENTED
    reference, fast = _both(monkeypatch, narrow_spaces, middle, space)
    assert reference
    _same(reference, fast)


SHAPES = {
    "bar": (box(0, 0, 5, 0.15).union(box(5, -1, 7, 1)), 0.2),
    "neck": (box(0, 0, 1, 1).union(box(1, 0.45, 1.05, 0.55)).union(box(1.05, 0, 2, 1)), 0.2),
    "nub": (box(0, 0, 1, 1).union(box(1, 0.45, 1.05, 0.55)), 0.2),
    "comb": (shapely.union_all([box(k * 0.5, 0, k * 0.5 + 0.35, 3) for k in range(6)]
                               + [box(0, 3, 2.85, 3.5)]), 0.2),
    "ring": (Point(0, 0).buffer(1.0).difference(Point(0.05, 0).buffer(0.85)), 0.2),
    "tilted": (affinity.rotate(box(0, 0, 0.199, 5).union(box(0.3, 0, 2, 5)), 30), 0.2),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("finder", [narrow_lines, narrow_spaces])
def test_ordinary_shapes(monkeypatch, name, finder):
    geom, limit = SHAPES[name]
    _same(*_both(monkeypatch, finder, geom, limit))
