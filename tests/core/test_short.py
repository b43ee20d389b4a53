"""A short circuit is a finding (issue 14, item 6): touching or overlapping electrodes, with where."""

from __future__ import annotations

from shapely.geometry import box

import zmfab
from zmfab.regions import Layout
from zmfab.regions.metrics import describe_short, find_short


def _layout(cathode_x0: float) -> Layout:
    return Layout("drawing", {"anode": box(0, 0, 2, 1), "cathode": box(cathode_x0, 0, 4, 1)})


def test_overlap_touch_and_clear():
    over = find_short(_layout(1.5))
    assert over["kind"] == "overlap" and over["overlap_area_mm2"] == 0.5
    assert over["bounds_mm"] == [1.5, 0.0, 2.0, 1.0]
    assert "overlap (0.5 mm²)" in describe_short(over)
    touch = find_short(_layout(2.0))
    assert touch["kind"] == "touch" and touch["where_mm"][0] == 2.0
    assert find_short(_layout(2.1)) is None


def test_generated_layouts_never_short():
    for family in ("interdigitated", "concentric", "swiss-roll"):
        assert find_short(zmfab.layout(family)) is None
