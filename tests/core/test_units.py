import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zmfab.errors import ParameterError
from zmfab.units import format_length, parse_duration, parse_fraction, parse_length, parse_speed


@pytest.mark.parametrize(
    "text, mm",
    [
        ("300um", 0.3),
        ("300µm", 0.3),
        ("300μm", 0.3),
        ("0.3mm", 0.3),
        ("0.03cm", 0.3),
        ("12mil", 0.3048),
        ("0.01in", 0.254),
        ("0.3", 0.3),
        (" 0.3 mm ", 0.3),
        ("3e-1mm", 0.3),
        ("1.5UM", 0.0015),
        (0.3, 0.3),
        (2, 2.0),
    ],
)
def test_lengths_convert_to_mm(text, mm):
    assert parse_length(text) == pytest.approx(mm)


@pytest.mark.parametrize("bad", ["3 furlongs", "nan", "inf", "mm", "", "1..2mm", "--1mm"])
def test_garbage_is_refused_with_the_field_name(bad):
    with pytest.raises(ParameterError) as err:
        parse_length(bad, field="--gap")
    assert str(err.value).startswith("--gap: ")
    assert "\n" not in str(err.value)


def test_nan_number_is_refused():
    with pytest.raises(ParameterError):
        parse_length(math.nan, field="gap")


def test_positive_and_ranges():
    with pytest.raises(ParameterError, match=r"--gap: -1mm is out of range \(must be > 0 mm\)"):
        parse_length("-1mm", field="--gap", positive=True)
    with pytest.raises(ParameterError, match="must be > 0"):
        parse_length("0", field="--gap", positive=True)
    with pytest.raises(ParameterError, match="must be <= 5 mm"):
        parse_length("6mm", field="w", maximum=5)
    assert parse_length("0", field="w", minimum=0) == 0


@given(st.floats(min_value=1e-6, max_value=1e6, allow_nan=False))
def test_um_and_mm_agree(value):
    assert parse_length(f"{value!r}um") == pytest.approx(parse_length(f"{value / 1000!r}mm"), rel=1e-12)


def test_speed_power_time():
    assert parse_speed("1200mm/min") == 1200
    assert parse_speed("20mm/s") == 1200
    assert parse_speed(600) == 600
    with pytest.raises(ParameterError, match="speed"):
        parse_speed("-5mm/s")
    with pytest.raises(ParameterError, match="unknown speed unit"):
        parse_speed("5 knots")
    assert parse_fraction("40%") == pytest.approx(0.4)
    assert parse_fraction("0.4") == pytest.approx(0.4)
    with pytest.raises(ParameterError, match="0..100 %"):
        parse_fraction("150%")
    assert parse_duration("250ms") == pytest.approx(0.25)
    assert parse_duration("1.5min") == pytest.approx(90)


def test_format_length():
    assert format_length(0.3) == "300 µm"
    assert format_length(12.5) == "12.5 mm"
