"""DIW design rules: a feature narrower than a bead, a gap narrower than the bead spread."""

from __future__ import annotations

from pathlib import Path

from zmfab.design import load_design
from zmfab.drc import check_design
from zmfab.profiles import Profiles

PATTERN = Path(__file__).parents[2] / "patterns" / "zn-mno2-diw.toml"


def _violations(tmp_path: Path, text: str):
    path = tmp_path / "d.toml"
    path.write_text(text)
    _, _, found = check_design(load_design(path), Profiles())
    return [v for v in found if v.rule.startswith("diw_")]


def test_shipped_pattern_passes():
    _, layers, found = check_design(load_design(PATTERN), Profiles())
    assert [lay.method for lay in layers][:2] == ["diw", "diw"]
    assert found == []


def test_bead_wider_than_a_finger(tmp_path):
    text = PATTERN.read_text().replace('anode_width = "800um"', 'anode_width = "300um"')
    found = _violations(tmp_path, text)
    hit = [v for v in found if v.rule == "diw_bead_width"]
    assert hit and hit[0].layer == "zn anode"
    assert abs(hit[0].measured_mm - 0.3) < 1e-6 and abs(hit[0].allowed_mm - 0.4) < 1e-9


def test_gap_narrower_than_the_bead_spread(tmp_path):
    text = PATTERN.read_text().replace('gap = "500um"', 'gap = "300um"')
    found = _violations(tmp_path, text)
    hit = [v for v in found if v.rule == "diw_bead_spread"]
    assert hit and hit[0].layer == "zn anode/mno2 cathode"
    assert abs(hit[0].measured_mm - 0.3) < 1e-6 and abs(hit[0].allowed_mm - 0.4) < 1e-9


def test_spread_factor_widens_the_gap_rule(tmp_path):
    text = PATTERN.read_text().replace('tool = 1\n', 'tool = 1\nspread = 1.5\n')
    found = _violations(tmp_path, text)
    assert [v.rule for v in found] == ["diw_bead_spread"]
    assert abs(found[0].allowed_mm - 0.6) < 1e-9
