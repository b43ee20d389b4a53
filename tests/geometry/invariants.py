"""The invariants every generated layout keeps, checked one way for every family."""

from __future__ import annotations

from shapely.geometry import Polygon

import zmfab


def assert_layout_invariants(lay, *, gap: float, tol: float) -> None:
    """Valid regions; each electrode with its pad one piece; disjoint; gap within [gap, gap + tol]."""
    for name in lay:
        assert lay[name].is_valid, name
    anode, cathode = lay.electrode("anode"), lay.electrode("cathode")
    assert isinstance(anode, Polygon), "anode and its pad must be one piece"
    assert isinstance(cathode, Polygon), "cathode and its pad must be one piece"
    assert not anode.intersects(cathode)
    measured = zmfab.measure(lay)["min_gap_mm"]
    assert gap - 1e-9 <= measured <= gap + tol, (measured, gap, tol)
