"""Property tests of the interdigitated generator: validity, connectivity, gap, closed-form areas."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zmfab
from tests.geometry.invariants import assert_layout_invariants
from zmfab.errors import ParameterError

TOL = 0.001


@st.composite
def idt_params(draw):
    n = draw(st.integers(1, 24))
    return {
        "fingers": n,
        "anode_fingers": n,
        "cathode_fingers": draw(st.sampled_from([max(1, n - 1), n, n + 1])),
        "anode_width": draw(st.floats(0.02, 1.0)),
        "cathode_width": draw(st.floats(0.02, 1.0)),
        "gap": draw(st.floats(0.01, 0.8)),
        "tip_gap": draw(st.one_of(st.none(), st.floats(0.01, 0.8))),
        "finger_length": draw(st.floats(0.85, 10.0)),
        "bus_width": draw(st.floats(0.05, 2.0)),
        "pad_size": draw(st.floats(0.2, 3.0)),
        "pad_side": draw(st.sampled_from(["opposite", "same"])),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(idt_params())
def test_invariants(p):
    lay = zmfab.layout("interdigitated", **{k: v for k, v in p.items() if v is not None})
    spec = min(p["gap"], p["tip_gap"] if p["tip_gap"] is not None else p["gap"])
    assert_layout_invariants(lay, gap=spec, tol=TOL)
    # closed form: fingers plus bus (anode comb only; its pad is a separate region)
    n_a = p["anode_fingers"]
    n_c = p["cathode_fingers"]
    width = n_a * p["anode_width"] + n_c * p["cathode_width"] + (n_a + n_c - 1) * p["gap"]
    expected = n_a * p["anode_width"] * p["finger_length"] + width * p["bus_width"]
    assert lay["anode"].area == pytest.approx(expected, rel=1e-9)
    assert lay["anode_pad"].area == pytest.approx(p["pad_size"] ** 2, rel=1e-9)
    fp = lay["footprint"].bounds
    assert fp[0] == pytest.approx(0) and fp[1] == pytest.approx(0), "origin at the footprint's corner"


@settings(max_examples=15, deadline=None)
@given(st.floats(0.0, 0.05), st.floats(0.1, 0.5))
def test_corner_radius_never_closes_the_gap(radius, gap):
    lay = zmfab.layout("interdigitated", fingers=5, anode_width=0.2, cathode_width=0.15, gap=gap,
                       corner_radius=radius, pad_side="same")
    assert_layout_invariants(lay, gap=gap, tol=TOL)
    sharp = zmfab.layout("interdigitated", fingers=5, anode_width=0.2, cathode_width=0.15, gap=gap,
                         pad_side="same")
    assert lay["anode"].area <= sharp["anode"].area + 1e-12


def test_finger_widths_may_differ_and_counts_by_one():
    lay = zmfab.layout("interdigitated", anode_fingers=5, cathode_fingers=4, anode_width="200um",
                       cathode_width="350um", gap="100um", finger_length="4mm")
    m = zmfab.measure(lay)
    assert m["min_gap_mm"] == pytest.approx(0.1)
    assert lay.params["anode_fingers"] == 5 and lay.params["cathode_fingers"] == 4
    # 8 inner finger pairs facing on both sides of each gap: 8 gaps * 4 mm finger side, plus tips
    assert m["facing_length_mm"] >= 8 * 4.0


@pytest.mark.parametrize(
    "params, field",
    [
        ({"anode_fingers": 5, "cathode_fingers": 3}, "cathode-fingers"),
        ({"gap": "-1mm"}, "gap"),
        ({"gap": 0}, "gap"),
        ({"fingers": 0}, "fingers"),
        ({"corner_radius": "0.2mm", "anode_width": "0.3mm"}, "corner-radius"),
        ({"pad_side": "left"}, "pad_side"),
        ({"tolerance": "1mm"}, "tolerance"),
        ({"frobnicate": 1}, "frobnicate"),
    ],
)
def test_impossible_parameters_are_refused(params, field):
    with pytest.raises(ParameterError) as err:
        zmfab.layout("interdigitated", **params)
    assert err.value.field == field
    assert "range" in str(err.value) or "allowed" in str(err.value) or "use one of" in str(err.value)
