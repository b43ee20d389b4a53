"""--vary parsing, variant expansion, names and hashes: pure functions, no disk."""

from __future__ import annotations

import pytest

from zmfab.errors import ParameterError
from zmfab.sweep.record import variant_hash
from zmfab.sweep.spec import expand, parse_axes, variant_name


def axis(token: str, family: str = "interdigitated"):
    return parse_axes([token], family)[0]


def test_length_range_includes_stop_and_has_no_float_noise():
    a = axis("gap=100um:500um:50um")
    assert a.kind == "length"
    assert a.values == (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def test_range_stop_not_on_a_step_is_excluded():
    assert axis("gap=0.1:0.35:0.1").values == (0.1, 0.2, 0.3)


def test_stop_within_relative_tolerance_counts():
    # 0.1 + 2 * 0.1 lands on 0.30000000000000004: still inclusive
    assert axis("gap=0.1:0.3:0.1").values == (0.1, 0.2, 0.3)


def test_int_range_and_lists_with_units():
    assert axis("fingers=2:8:3").values == (2, 5, 8)
    assert axis("fingers=4,8,16").values == (4, 8, 16)
    assert axis("gap=100um,0.2mm,12mil").values == (0.1, 0.2, 0.3048)
    assert axis("pad-side=same,OPPOSITE").values == ("same", "opposite")


def test_descending_range_with_negative_step():
    assert axis("gap=0.3:0.1:-0.1").values == (0.3, 0.2, 0.1)


@pytest.mark.parametrize("token, words", [
    ("gap=100um:50um:10um", "empty range"),
    ("gap", "NAME=START:STOP:STEP"),
    ("=3", "missing parameter name"),
    ("fingers=a,b", "'a' is not a whole number"),
    ("nonsense=1,2", "unknown parameter 'nonsense'"),
    ("gap=1:2", "START:STOP:STEP"),
    ("gap=0.1:0.2:0", "step must not be zero"),
    ("gap=1parsec", "unknown length unit"),
    ("gap=0.1,,0.2", "empty value"),
    ("gap=0.1,0.1", "repeated"),
    ("pad_side=up", "'up' is not allowed"),
    ("pad_side=a:b:c", "takes a list"),
    ("family=nope", "unknown family"),
    ("gap=", "no values"),
])
def test_bad_tokens_name_the_token(token, words):
    with pytest.raises(ParameterError) as info:
        parse_axes([token], "interdigitated")
    message = str(info.value)
    assert message.startswith(f"--vary {token}:")
    assert words in message
    assert "\n" not in message


def test_out_of_range_values_are_left_to_the_variant():
    assert axis("fingers=0,4").values == (0, 4)


def test_product_order_and_names():
    axes = parse_axes(["gap=100um:200um:100um", "fingers=4,8"], "interdigitated")
    vs = expand(axes)
    assert [v.name for v in vs] == ["gap=0.1mm_fingers=4", "gap=0.1mm_fingers=8",
                                    "gap=0.2mm_fingers=4", "gap=0.2mm_fingers=8"]
    assert [v.index for v in vs] == [0, 1, 2, 3]
    assert vs[1].values == {"gap": 0.1, "fingers": 8}


def test_zip_pairs_values_and_needs_equal_lengths():
    axes = parse_axes(["gap=0.1,0.2", "fingers=4,8"], "interdigitated")
    assert [v.values for v in expand(axes, zip_axes=True)] == [
        {"gap": 0.1, "fingers": 4}, {"gap": 0.2, "fingers": 8}]
    with pytest.raises(ParameterError, match="same number of values"):
        expand(parse_axes(["gap=0.1,0.2", "fingers=4"], "interdigitated"), zip_axes=True)


def test_same_parameter_twice_is_refused():
    with pytest.raises(ParameterError, match="varied twice"):
        expand(parse_axes(["gap=0.1", "gap=0.2"], "interdigitated"))


def test_names_are_filesystem_safe():
    name = variant_name({"gap": 0.1, "note": "a/b c:*?"}, {"gap": "length"})
    assert name == "gap=0.1mm_note=a-b-c-"
    assert "/" not in name and " " not in name


def test_family_sweep_accepts_parameters_of_any_swept_family():
    fams = parse_axes(["family=interdigitated,concentric"], "interdigitated")[0].values
    if "concentric" not in fams:  # pragma: no cover - family not installed
        pytest.skip("concentric family not available")
    axes = parse_axes(["family=interdigitated,concentric", "rings=2,3"], "interdigitated")
    assert axes[1].values == (2, 3)


def test_hash_is_stable_and_sensitive():
    design = {"family": "interdigitated", "params": {"gap": "150um"}}
    h = variant_hash(design, {"gap": 0.1}, {}, stages=["metrics"], version="1.0")
    assert h == variant_hash(dict(design), {"gap": 0.1}, {}, stages=["metrics"], version="1.0")
    assert h != variant_hash(design, {"gap": 0.2}, {}, stages=["metrics"], version="1.0")
    assert h != variant_hash(design, {"gap": 0.1}, {}, stages=["metrics"], version="1.1")
    assert h != variant_hash(design, {"gap": 0.1}, {}, stages=["metrics", "drc"], version="1.0")
    other = {"family": "interdigitated", "params": {"gap": "160um"}}
    assert h != variant_hash(other, {"gap": 0.1}, {}, stages=["metrics"], version="1.0")


def test_ranges_hit_their_stop_whatever_the_float_noise():
    from hypothesis import given
    from hypothesis import strategies as st

    @given(start_um=st.integers(1, 5000), step_um=st.integers(1, 500), count=st.integers(1, 60))
    def check(start_um, step_um, count):
        stop_um = start_um + step_um * (count - 1)
        values = axis(f"gap={start_um}um:{stop_um}um:{step_um}um").values
        assert len(values) == count
        assert values[0] == pytest.approx(start_um / 1000, rel=1e-12)
        assert values[-1] == pytest.approx(stop_um / 1000, rel=1e-12)
        assert all(b > a for a, b in zip(values, values[1:], strict=False))

    check()


def test_variant_budget_refuses_before_expanding():
    """A million variants (a step typed in µm) is refused above the budget, naming --max-variants."""
    axes = parse_axes(["gap=1um:1000mm:1um"], "interdigitated")
    with pytest.raises(ParameterError, match="--max-variants"):
        expand(axes)
    assert len(expand(parse_axes(["gap=0.1:0.3:0.1"], "interdigitated"), max_variants=3)) == 3
    with pytest.raises(ParameterError, match="budget of 2"):
        expand(parse_axes(["gap=0.1:0.3:0.1"], "interdigitated"), max_variants=2)
