import textwrap

import pytest

from zmfab.design import load_design
from zmfab.errors import DesignError


def write(tmp_path, text, name="d.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_valid_design_generates_its_layout(tmp_path):
    p = write(tmp_path, """
        title = "t"
        family = "interdigitated"
        [params]
        fingers = 3
        gap = "250um"
    """)
    d = load_design(p)
    lay = d.layout()
    assert d.title == "t" and lay.params["gap"] == pytest.approx(0.25) and lay.meta["title"] == "t"


@pytest.mark.parametrize(
    "text, expected",
    [
        ('family = "interdigitated"\ncolour = "red"\n', r"d.toml:2: colour: unknown key"),
        ('family = "interdigitated"\n[params]\nfingers = 3\nwidht = "1mm"\n', r"d.toml:4: params.widht: unknown parameter"),
        ('family = "interdigitated"\n[params]\ngap = "3 furlongs"\n', r"d.toml:3: params.gap: unknown length unit 'furlongs'"),
        ('family = "interdigitated"\n[params]\ngap = "-3um"\n', r"d.toml:3: params.gap: -3um is out of range"),
        ('title = "no family"\n', r"d.toml: family: missing"),
        ('family = "spiral"\n', r"d.toml:1: family: unknown family 'spiral'"),
        ('family = "interdigitated"\n[params\n', r"d.toml: not valid TOML"),
        ('family = "interdigitated"\nparams = 3\n', r"d.toml:2: params: must be a table"),
    ],
)
def test_malformed_designs_name_key_and_line(tmp_path, text, expected):
    p = write(tmp_path, text)
    with pytest.raises(DesignError, match=expected) as err:
        load_design(p).layout()
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(DesignError, match="no such file"):
        load_design(tmp_path / "nope.toml")
