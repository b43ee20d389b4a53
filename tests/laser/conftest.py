"""Helpers for the laser tests: GRBL job checks and rasterised coverage."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from zmfab.gcode.parse import grbl_problems, parse_gcode
from zmfab.profiles import Profiles

_WORD = re.compile(r"([A-Z])([-+]?[\d.]+)")


def check_grbl_job(text: str, machine: dict) -> None:
    """Every promise a GRBL laser job makes, checked line by line."""
    assert grbl_problems(text) == []
    assert all(len(line) <= 80 for line in text.splitlines())
    s_max = float(machine["s_max"])
    bed = machine["bed_mm"]
    s, on, motion = 0.0, False, "G0"
    for line in text.splitlines():
        body = line.split(";", 1)[0].strip().upper()
        if not body:
            continue
        words = _WORD.findall(body)
        vals = {k: float(v) for k, v in words if k not in "GM"}
        for k, v in words:
            if k == "G" and float(v) in (0, 1, 2, 3):
                motion = f"G{int(float(v))}"
            if k == "M" and float(v) in (3, 4):
                on = True
            if k == "M" and float(v) == 5:
                on = False
        if "S" in vals:
            s = vals["S"]
            assert 0 <= s <= s_max, line
        if motion == "G0" and ("X" in vals or "Y" in vals):
            assert s == 0 or not on, f"laser on during a rapid: {line}"
        if "X" in vals:
            assert 0 <= vals["X"] <= bed[0], line
        if "Y" in vals:
            assert 0 <= vals["Y"] <= bed[1], line
    assert s == 0 and not on, "laser left on at the end"


def burnt_area(text: str, spot: float, offset=(0.0, 0.0)):
    """The area the job's burning moves ablate (round spot), back in layout mm."""
    prog = parse_gcode(text)
    segs = [((m.x0 - offset[0], m.y0 - offset[1]), (m.x1 - offset[0], m.y1 - offset[1]))
            for m in prog.moves if m.laser and m.length > 0]
    if not segs:
        return shapely.MultiPolygon()
    return shapely.union_all(shapely.buffer(shapely.linestrings(segs), spot / 2))


def raster(geom, bounds, res: float) -> np.ndarray:
    """Boolean image of ``geom`` on a grid of pixel centres ``res`` mm apart over ``bounds``."""
    xmin, ymin, xmax, ymax = bounds
    xs = np.arange(xmin + res / 2, xmax, res)
    ys = np.arange(ymin + res / 2, ymax, res)
    gx, gy = np.meshgrid(xs, ys)
    return shapely.contains_xy(geom, gx, gy)


@pytest.fixture
def grbl_check():
    return check_grbl_job


@pytest.fixture
def burnt():
    return burnt_area


@pytest.fixture
def rasterise():
    return raster


@pytest.fixture(scope="session")
def profiles() -> Profiles:
    return Profiles()
