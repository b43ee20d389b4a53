"""Every registered family, through the registry: invariants and a metrics golden each."""

import pytest

import zmfab
from tests.geometry.invariants import assert_layout_invariants
from zmfab.geometry.registry import families, field_spec, get_generator


@pytest.fixture(params=families())
def family(request):
    return request.param


def test_every_field_has_default_help_and_kind(family):
    gen = get_generator(family)
    for f in field_spec(gen.params_type):
        assert f.metadata.get("help"), f"{family}.{f.name} has no help"
        assert f.metadata.get("kind") in {"length", "int", "choice", "bool"}
        if f.metadata["kind"] == "length" and f.default is not None:
            assert isinstance(f.default, float)


def test_default_layout_invariants(family):
    lay = zmfab.layout(family)
    assert lay.family == family
    for region in ("anode", "cathode", "anode_pad", "cathode_pad", "active_area", "footprint"):
        assert region in lay, region
        assert not lay[region].is_empty
    assert_layout_invariants(lay, gap=lay.params["gap"], tol=lay.params["tolerance"])
    assert lay["footprint"].contains(lay.electrode("anode"))


def test_default_layout_golden(family, golden):
    m = zmfab.measure(zmfab.layout(family))
    golden(f"metrics-{family}", m, rel=1e-6)


def test_family_aliases():
    assert get_generator("SWISS_ROLL").name == "swiss-roll"
    assert get_generator("swissroll").name == "swiss-roll"
