"""Drawings have no design-rule check: beads of one electrode that would spread onto the other's
are refused (API and CLI), judged piece by piece exactly as the union of the printed areas."""

from __future__ import annotations

import pytest
import shapely

import zmfab
from tests.cli_helpers import run_cli
from zmfab.errors import ParameterError
from zmfab.gcode.diw_checks import _touch, printed_area, printed_parts
from zmfab.gcode.diw_job import plan_diw
from zmfab.profiles import Profiles


@pytest.fixture(scope="module")
def narrow():
    """300 µm fingers 100 µm apart: a single lane each, spreading (bead - 0.3) / 2 mm a side."""
    lay = zmfab.layout("interdigitated", fingers=5, anode_width="300um", cathode_width="300um",
                       gap="100um", finger_length="3mm")
    return lay, {k: lay[k] for k in ("anode", "cathode", "anode_pad", "cathode_pad")}


def _plan(layers, bead: float):
    return plan_diw(layers, profiles=Profiles(), machine=None, refuse_shorts=True,
                    settings={"bead_width": f"{bead}mm", "layer_height": "0.1mm"})


@pytest.mark.parametrize("bead", [0.3, 0.38])
def test_beads_that_stay_apart_are_planned(narrow, bead):
    assert _plan(narrow[1], bead).lines


@pytest.mark.parametrize("bead", [0.42, 0.5])
def test_beads_that_would_join_the_electrodes_are_refused(narrow, bead):
    with pytest.raises(ParameterError) as err:
        _plan(narrow[1], bead)
    assert err.value.field == "bead_width"
    assert "would spread across the 0.1 mm gap and join the anode to the cathode" in str(err.value)


def test_piecewise_test_agrees_with_the_union_of_printed_areas(narrow, monkeypatch):
    """Every ink of each electrode, across the threshold: pieces meet iff the unions meet."""
    from zmfab.gcode import diw_job

    seen = {}

    def keep(inks, kind):
        seen["inks"] = inks

    monkeypatch.setattr(diw_job, "refuse_bridging_beads", keep)
    for bead in (0.36, 0.39, 0.41, 0.44):
        _plan(narrow[1], bead)
        anode = [i for i in seen["inks"] if i.name.startswith("anode")]
        cathode = [i for i in seen["inks"] if i.name.startswith("cathode")]
        pieces = [p for i in anode for p in printed_parts(i)], [p for i in cathode for p in printed_parts(i)]
        unions = shapely.union_all([printed_area(i) for i in anode]), \
            shapely.union_all([printed_area(i) for i in cathode])
        assert _touch(*pieces) == (not unions[0].intersection(unions[1]).is_empty) == (bead > 0.4)


def test_drawing_with_fingers_narrower_than_the_bead_is_a_one_line_error(tmp_path):
    dxf = tmp_path / "comb.dxf"
    r = run_cli("layout", "interdigitated", "--fingers", "3", "--anode-width", "300um",
                "--cathode-width", "300um", "--gap", "100um", "--finger-length", "3mm", "-o", str(dxf))
    assert r.code == 0, r.err
    target = tmp_path / "comb.gcode"
    r = run_cli("gcode", str(dxf), "--op", "diw", "-o", str(target), "--set", "bead_width=0.5mm")
    assert r.code == 2 and not target.exists()
    line = r.err.strip()
    assert "\n" not in line and line.startswith("error: bead_width:") and "narrower nozzle" in line
    r = run_cli("gcode", str(dxf), "--op", "diw", "-o", str(target), "--set", "bead_width=0.3mm")
    assert r.code == 0, r.err
