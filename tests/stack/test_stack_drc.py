"""Design-rule check: shipped patterns pass; deliberately broken designs fail with the right rule."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from tests.cli_helpers import run_cli
from tests.stack.stack_helpers import PATTERNS, design_from, screen_design
from zmfab import drc
from zmfab.drc import Violation, check, check_design, drc_rule
from zmfab.profiles import Profiles
from zmfab.regions.features import narrow_lines, narrow_spaces

PROFILES = Profiles()
PATTERN_FILES = sorted(PATTERNS.glob("*.toml"))


def rules_of(violations: list[Violation]) -> dict[str, Violation]:
    return {v.rule: v for v in violations}


@pytest.mark.parametrize("path", PATTERN_FILES, ids=lambda p: p.stem)
def test_every_shipped_pattern_passes(path):
    result = run_cli("check", str(path))
    assert result.code == 0, result.out + result.err
    assert "passed" in result.out


def test_a_clean_design_passes_the_api_too():
    d = design_from(screen_design())
    _, layers, violations = check_design(d, PROFILES)
    assert violations == []
    assert len(layers) == 4


def test_gap_below_the_screen_resolution_fails_the_gap_rule():
    d = design_from(screen_design(gap="150um"))
    lay, _, violations = check_design(d, PROFILES)
    v = rules_of(violations)["gap"]
    assert v.layer == "anode ink/cathode ink"
    assert v.measured_mm == pytest.approx(0.15, abs=1e-6)
    assert v.allowed_mm == pytest.approx(0.2 + 0.03)  # screen min space + registration
    x, y = v.where
    assert lay.electrode("anode").distance(box(x - 0.1, y - 0.1, x + 0.1, y + 0.1)) == 0


def test_electrolyte_over_a_pad_fails_pads_open():
    extra = """
[[stack]]
name = "anode ink"
method = "screen"
regions = ["anode", "anode_pad"]
[[stack]]
name = "gel electrolyte"
method = "stencil"
material = "pva-gel"
regions = ["active_area", "anode_pad"]
margin = "500um"
"""
    d = design_from(screen_design(extra=extra))
    lay, _, violations = check_design(d, PROFILES)
    v = rules_of(violations)["pads_open"]
    assert v.layer == "gel electrolyte"
    assert v.measured_mm < 0 and v.allowed_mm == pytest.approx(0.1)
    assert lay["anode_pad"].buffer(1e-6).contains(box(*v.where, v.where[0], v.where[1]).centroid)


def test_a_layer_outside_the_bed_fails_bed(tmp_path):
    prof = tmp_path / "tiny.toml"
    prof.write_text('[machines.tiny]\ndescription = "a 12 mm bed"\nbed_mm = [12.0, 12.0]\n')
    d = design_from(screen_design())
    lay = d.layout()
    profiles = Profiles([prof])
    from zmfab.process.stack import resolve_stack

    layers = resolve_stack(d, lay, profiles)
    violations = check(d, lay, layers, profiles, machine="tiny")
    bed = [v for v in violations if v.rule == "bed"]
    assert bed and all(v.measured_mm < 0 for v in bed)
    assert {v.layer for v in bed} >= {"encapsulation"}
    result = run_cli("check", "--json", "--profile", str(prof), "--machine", "tiny",
                     str(_write(tmp_path, screen_design())))
    assert result.code == 1
    assert "bed" in {v["rule"] for v in json.loads(result.out)}


def _write(tmp_path, text):
    path = tmp_path / "design.toml"
    path.write_text(text)
    return path


def test_misregistration_fails_registration():
    extra = """
[[stack]]
name = "collector"
method = "screen"
material = "silver"
regions = ["anode", "anode_pad", "cathode", "cathode_pad"]
[[stack]]
name = "zn ink"
method = "screen"
material = "zn"
regions = ["anode"]
inside = "collector"
"""
    d = design_from(screen_design(extra=extra))
    _, _, violations = check_design(d, PROFILES)
    v = rules_of(violations)["registration"]
    assert v.layer == "zn ink"
    assert v.measured_mm == pytest.approx(0.0, abs=1e-6)
    assert v.allowed_mm == pytest.approx(0.03)
    inset = extra.replace('inside = "collector"', 'inside = "collector"\nmargin = "-40um"')
    _, _, ok = check_design(design_from(screen_design(extra=inset)), PROFILES)
    assert "registration" not in rules_of(ok)


def test_stuck_out_layer_is_measured_negative():
    extra = """
[[stack]]
name = "collector"
method = "screen"
regions = ["anode", "anode_pad"]
[[stack]]
name = "zn ink"
method = "screen"
regions = ["anode"]
margin = "100um"
inside = "collector"
"""
    _, _, violations = check_design(design_from(screen_design(extra=extra)), PROFILES)
    v = rules_of(violations)["registration"]
    assert v.measured_mm == pytest.approx(-0.1 * 2**0.5, rel=1e-6)  # a grown corner sticks out most


def test_narrow_fingers_fail_min_width_with_the_measured_width():
    text = screen_design().replace('anode_width = "500um"', 'anode_width = "150um"')
    _, _, violations = check_design(design_from(text), PROFILES)
    v = rules_of(violations)["min_width"]
    assert v.layer == "anode ink"
    assert v.measured_mm == pytest.approx(0.15, abs=1e-6)
    assert v.allowed_mm == pytest.approx(0.2)
    assert "3 more spots" in v.message  # four fingers, the worst reported


def test_short_electrolyte_fails_coverage_and_small_substrate_fails_substrate():
    extra = """
[substrate]
width = "10mm"
height = "10mm"
[[stack]]
name = "gel electrolyte"
method = "stencil"
material = "pva-gel"
regions = ["active_area"]
margin = "-1mm"
[[stack]]
name = "encapsulation"
method = "screen"
material = "pdms"
regions = ["footprint"]
"""
    d = design_from(screen_design(extra=extra))
    lay, _, violations = check_design(d, PROFILES)
    found = rules_of(violations)
    assert found["electrolyte_coverage"].measured_mm == pytest.approx(2**0.5, rel=1e-6)  # the corners
    fx0, fy0, fx1, fy1 = lay["footprint"].bounds
    assert found["substrate"].layer == "encapsulation"
    corner = ((fx1 - fx0 - 10) / 2) ** 2 + ((fy1 - fy0 - 10) / 2) ** 2  # centred: corners reach furthest
    assert found["substrate"].measured_mm == pytest.approx(-corner**0.5, rel=1e-6)


def test_violation_to_dict_has_the_promised_keys():
    v = Violation("gap", "a/b", 0.1, 0.2, (1.0, 2.0), "why")
    assert set(v.to_dict()) == {"rule", "layer", "measured_mm", "allowed_mm", "where", "message"}
    assert v.to_dict()["where"] == [1.0, 2.0]
    assert "gap: a/b: measured 0.1 mm, allowed 0.2 mm at (1.000, 2.000) mm" in str(v)


def test_a_registered_rule_runs_and_is_listed(monkeypatch):
    monkeypatch.setattr(drc, "_RULES", dict(drc._RULES))

    @drc_rule("always")
    def always(ctx):
        yield Violation("always", ctx.layers[0].name, 1.0, 2.0, (0.0, 0.0))

    d = design_from(screen_design())
    _, _, violations = check_design(d, PROFILES)
    assert [v.rule for v in violations] == ["always"]
    assert "always" in drc.rules()


def test_unknown_rule_and_machine_are_parameter_errors():
    d = design_from(screen_design())
    lay, layers, _ = check_design(d, PROFILES)
    with pytest.raises(drc.ParameterError, match="rule"):
        check(d, lay, layers, PROFILES, only=["nope"])
    with pytest.raises(drc.ParameterError, match="machine"):
        check(d, lay, layers, PROFILES, machine="nope")


def test_cli_exit_codes_and_json(tmp_path):
    bad = _write(tmp_path, screen_design(gap="150um"))
    result = run_cli("check", "--json", str(bad))
    assert result.code == 1
    items = json.loads(result.out)
    assert {"rule", "layer", "measured_mm", "allowed_mm", "where"} <= set(items[0])
    assert "gap" in {i["rule"] for i in items}
    text = run_cli("check", str(bad))
    assert text.code == 1 and "gap: anode ink/cathode ink: measured 0.15 mm" in text.out
    missing = run_cli("check", str(tmp_path / "nope.toml"))
    assert missing.code == 2 and missing.err.startswith("error:") and len(missing.err.splitlines()) == 1
    garbled = tmp_path / "garbled.toml"
    garbled.write_text("family = [\n")
    assert run_cli("check", str(garbled)).code == 2
    unknown = _write(tmp_path, screen_design(extra='[[stack]]\nmethod = "screen"\nprocess = "flexo"\nregions = ["anode"]\n'))
    result = run_cli("check", str(unknown))
    assert result.code == 2
    assert "stack[1].process" in result.err and "flexo" in result.err and "screen-print" in result.err
    assert len(result.err.strip().splitlines()) == 1


@settings(max_examples=25, deadline=None)
@given(width=st.floats(0.05, 0.6), limit=st.floats(0.1, 0.5))
def test_a_bar_is_reported_narrow_exactly_when_it_is(width, limit):
    bar = box(0, 0, width, 5).union(box(-2, 5, 2 + width, 7))
    spots = narrow_lines(bar, limit)
    if width < limit * 0.999:
        assert spots and spots[0].width == pytest.approx(width, rel=1e-6)
    elif width > limit * 1.001:
        assert not spots


@settings(max_examples=25, deadline=None)
@given(space=st.floats(0.05, 0.6), limit=st.floats(0.1, 0.5))
def test_a_slot_is_reported_small_exactly_when_it_is(space, limit):
    comb = box(0, 0, 1, 5).union(box(1 + space, 0, 2 + space, 5)).union(box(0, -1, 2 + space, 0))
    spots = narrow_spaces(comb, limit)
    if space < limit * 0.999:
        assert spots and spots[0].width == pytest.approx(space, rel=1e-6)
    elif space > limit * 1.001:
        assert not spots


def test_rounded_corners_pass_and_cut_slivers_are_dropped_unless_asked():
    text = screen_design().replace('margin = "2mm"', 'margin = "2mm"\ncorner_radius = "100um"\npad_side = "same"')
    d = design_from(text)
    lay, layers, violations = check_design(d, PROFILES)
    assert violations == [], [str(v) for v in violations]
    gel = next(x for x in layers if x.role == "electrolyte")
    assert gel.removed_mm2 > 0  # the taper left between the electrolyte edge and a round pad corner
    keep = text + """
[[stack]]
name = "gel electrolyte"
method = "stencil"
material = "pva-gel"
regions = ["active_area"]
margin = "500um"
exclude = ["anode_pad", "cathode_pad"]
clearance = "500um"
clean = false
"""
    _, _, violations = check_design(design_from(keep), PROFILES)
    assert [v.rule for v in violations] == ["min_width"]


def test_a_short_neck_is_reported_but_a_short_nub_is_not():
    base = box(0, 0, 3, 3).union(box(3.15, 0, 6.15, 3))
    neck = base.union(box(2.9, 1.4, 3.25, 1.5))  # 0.1 mm wide, 0.15 mm long, joins both squares
    nub = box(0, 0, 3, 3).union(box(3, 1.4, 3.1, 1.5))  # 0.1 mm stub on one edge
    assert narrow_lines(neck, 0.2)[0].width == pytest.approx(0.1, rel=1e-6)
    assert narrow_lines(nub, 0.2) == []


def test_features_exactly_at_the_limit_pass_and_just_below_fail():
    """Round-off in the morphology never flags a line or a space drawn at the process limit."""
    from shapely import affinity
    from shapely.geometry import box

    from zmfab.regions.features import narrow_lines, narrow_spaces

    for angle in (0, 33, 90):
        line = affinity.rotate(box(0, 0, 0.2, 5), angle)
        pair = affinity.rotate(box(0, 0, 1, 1).union(box(1.2, 0, 2, 1)), angle)
        assert narrow_lines(line, 0.2) == []
        assert narrow_spaces(pair, 0.2) == []
        assert narrow_lines(affinity.rotate(box(0, 0, 0.199, 5), angle), 0.2)
        assert narrow_spaces(affinity.rotate(box(0, 0, 1, 1).union(box(1.199, 0, 2, 1)), angle), 0.2)
