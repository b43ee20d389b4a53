"""Beads along thin curved tracks: one continuous bead along each Swiss-roll spiral, as long as
the spiral's centre line and on it."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

import zmfab
from zmfab.geometry import swissroll
from zmfab.toolpath.beads import plan_beads

W, H = 0.4, 0.1
ROLL = {"anode_width": 0.4, "cathode_width": 0.5, "gap": 0.25}


def _centre_length(p: swissroll.SwissRollParams, electrode: str) -> float:
    """Length (mm) of the middle of ``electrode``'s spiral track: the involute s = aφ - c has
    |dP/dφ| = s, so its length is a(φ1² - φ0²)/2 - c(φ1 - φ0)."""
    a = swissroll.base_radius(p)
    c = sum(swissroll.bands(p)[electrode]) / 2
    f0, f1 = swissroll.angle_ranges(p)[electrode]
    return a * (f1 ** 2 - f0 ** 2) / 2 - c * (f1 - f0)


# A small roll, and two turns far out, where the generator's chords are longest (sampling the
# boundary every 3/4 pitch split this one's centre line into 17 beads with zigzags).
@pytest.mark.parametrize("extra", [{"turns": 10}, {"turns": 2, "inner_radius": 140.0}])
def test_each_swiss_roll_spiral_is_one_bead_along_its_centre_line(extra):
    params = {**ROLL, **extra}
    lay = zmfab.layout("swiss-roll", **params)
    p = swissroll.SwissRollParams(**params)
    for electrode in ("anode", "cathode"):
        region = shapely.union(lay[electrode], lay[f"{electrode}_pad"])
        tp = plan_beads(region, width=W, height=H, layers=1)
        # one bead along the spiral and its lead, one serpentine on the pad
        assert len(tp) == 2, (electrode, len(tp))
        bead = max(tp, key=lambda q: LineString(q.points).length)
        length = LineString(bead.points).length
        spiral = _centre_length(p, electrode)
        assert spiral <= length <= spiral + swissroll.resolved_lead(p) + p.bus_width, (electrode, length, spiral)
        # on the middle of the track: half the track width from its edges (the ends and the
        # turn into the lead aside)
        width = {"anode": p.anode_width, "cathode": p.cathode_width}[electrode]
        clear = shapely.distance(shapely.points(bead.points), region.boundary)
        assert np.quantile(clear, 0.98) <= width / 2 + 0.01
        assert np.quantile(clear, 0.02) >= 0.45 * width, (electrode, np.quantile(clear, 0.02))
