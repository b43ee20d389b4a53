"""Parse the quantities users type: lengths, speeds, power, time.

Inside zmfab every length is a float in millimetres, every speed in mm/min, every power a
fraction 0..1 of the machine's maximum, every time in seconds.
"""

from __future__ import annotations

import math
import re

from .errors import ParameterError

MM_PER: dict[str, float] = {
    "nm": 1e-6,
    "um": 1e-3,
    "µm": 1e-3,
    "μm": 1e-3,
    "micron": 1e-3,
    "microns": 1e-3,
    "mm": 1.0,
    "cm": 10.0,
    "m": 1000.0,
    "mil": 0.0254,
    "mils": 0.0254,
    "thou": 0.0254,
    "in": 25.4,
    "inch": 25.4,
    '"': 25.4,
    "pt": 25.4 / 72.0,
    "px": 25.4 / 96.0,
}

MM_PER_MIN: dict[str, float] = {
    "mm/min": 1.0,
    "mm/s": 60.0,
    "mm/sec": 60.0,
    "cm/s": 600.0,
    "cm/min": 10.0,
    "m/min": 1000.0,
    "in/min": 25.4,
    "ipm": 25.4,
    "in/s": 25.4 * 60.0,
    "um/s": 0.06,
    "µm/s": 0.06,
}

SECONDS_PER: dict[str, float] = {"ms": 1e-3, "s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0}

#: Largest length anything zmfab draws or plans may have, mm (1 m: beyond every bed and substrate).
MAX_LENGTH_MM = 1000.0
#: Smallest feature a generator draws, mm (1 µm: below the finest shipped process, photolithography's
#: 20 µm, so custom profiles have room, and far above the picometre slack of the geometry).
MIN_FEATURE_MM = 0.001

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*([^\d\s][^\s]*)?\s*$")


def _split(text: str, field: str) -> tuple[float, str | None]:
    match = _QUANTITY.match(text)
    if not match:
        raise ParameterError(field, f"cannot read {text!r} as a number with a unit")
    value = float(match.group(1))
    if not math.isfinite(value):
        raise ParameterError(field, f"{text!r} is not a finite number")
    return value, match.group(2)


def _convert(
    value: str | float | int,
    table: dict[str, float],
    *,
    field: str,
    kind: str,
    default_unit: str,
) -> float:
    if isinstance(value, bool):
        raise ParameterError(field, f"expected a {kind}, got {value!r}")
    if isinstance(value, (int, float)):
        number, unit = float(value), None
        if not math.isfinite(number):
            raise ParameterError(field, f"{value!r} is not a finite number")
    else:
        number, unit = _split(str(value), field)
    if unit is None:
        return number * table[default_unit]
    key = unit if unit in table else unit.lower()
    if key not in table:
        allowed = ", ".join(sorted(k for k in table if k.isascii() and k != '"'))
        raise ParameterError(field, f"unknown {kind} unit {unit!r} (use one of {allowed})")
    return number * table[key]


def _bounded(
    number: float,
    *,
    field: str,
    minimum: float | None,
    maximum: float | None,
    exclusive_min: bool,
    shown: str,
) -> float:
    if minimum is not None:
        bad = number <= minimum if exclusive_min else number < minimum
        if bad:
            sign = ">" if exclusive_min else ">="
            raise ParameterError(field, f"{shown} is out of range (must be {sign} {minimum:g} mm)")
    if maximum is not None and number > maximum:
        raise ParameterError(field, f"{shown} is out of range (must be <= {maximum:g} mm)")
    return number


def parse_length(
    value: str | float | int,
    *,
    field: str = "length",
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
) -> float:
    """Return ``value`` in millimetres: ``"300um"``, ``"0.3mm"``, ``"12mil"``, ``0.3`` (bare = mm).

    ``positive`` requires a value > 0; ``minimum``/``maximum`` bound it inclusively (in mm).
    """
    number = _convert(value, MM_PER, field=field, kind="length", default_unit="mm")
    if positive:
        _bounded(number, field=field, minimum=0.0, maximum=None, exclusive_min=True, shown=str(value))
    return _bounded(
        number, field=field, minimum=minimum, maximum=maximum, exclusive_min=False, shown=str(value)
    )


def parse_speed(value: str | float | int, *, field: str = "speed") -> float:
    """Return a feed rate in mm/min: ``"1200mm/min"``, ``"20mm/s"``; a bare number is mm/min."""
    number = _convert(value, MM_PER_MIN, field=field, kind="speed", default_unit="mm/min")
    if number <= 0:
        raise ParameterError(field, f"{value!r} is out of range (must be > 0 mm/min)")
    return number


def parse_fraction(value: str | float | int, *, field: str = "power") -> float:
    """Return a fraction 0..1: ``"40%"`` -> 0.4, ``0.4`` -> 0.4 (bare numbers above 1 are refused)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number, _ = _split(value.strip()[:-1], field)
        number /= 100.0
    else:
        number = _convert(value, {"": 1.0}, field=field, kind="fraction", default_unit="")
    if not 0.0 <= number <= 1.0:
        raise ParameterError(field, f"{value!r} is out of range (must be 0..100 % or 0..1)")
    return number


def parse_duration(value: str | float | int, *, field: str = "time") -> float:
    """Return seconds: ``"250ms"``, ``"2s"``, ``"1.5min"``; a bare number is seconds."""
    number = _convert(value, SECONDS_PER, field=field, kind="time", default_unit="s")
    if number < 0:
        raise ParameterError(field, f"{value!r} is out of range (must be >= 0 s)")
    return number


def parse_number(
    value: str | float | int,
    *,
    field: str = "value",
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_min: bool = False,
    unit: str = "",
) -> float:
    """A finite plain number within ``minimum``..``maximum`` (``exclusive_min``: above ``minimum``)."""
    if isinstance(value, bool):
        raise ParameterError(field, f"expected a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(field, f"cannot read {value!r} as a number") from None
    if not math.isfinite(number):
        raise ParameterError(field, f"{value!r} is not a finite number")
    low = minimum is not None and (number <= minimum if exclusive_min else number < minimum)
    high = maximum is not None and number > maximum
    if low or high:
        raise ParameterError(field, f"{value!r} is out of range ({describe_range(minimum, maximum, exclusive_min=exclusive_min, unit=unit)})")
    return number


def describe_range(minimum: float | None, maximum: float | None, *, exclusive_min: bool = False,
                   unit: str = "") -> str:
    """``"allowed 1..100"``, ``"must be > 0 s"``: the words an out-of-range error gives."""
    u = f" {unit}" if unit else ""
    if minimum is not None and maximum is not None and not exclusive_min:
        return f"allowed {minimum:g}..{maximum:g}{u}"
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if exclusive_min else '>='} {minimum:g}{u}")
    if maximum is not None:
        parts.append(f"<= {maximum:g}{u}")
    return "must be " + " and ".join(parts) if parts else "any finite number"


def format_length(mm: float) -> str:
    """Format a length for people: µm below 1 mm, mm otherwise."""
    if abs(mm) < 1.0:
        return f"{mm * 1000:.4g} µm"
    return f"{mm:.4g} mm"


def parse_bool(value: str | bool | int, *, field: str = "flag") -> bool:
    """``true/yes/on/1`` or ``false/no/off/0`` (any case) as a bool."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ParameterError(field, f"{value!r} is not true or false")


def parse_choice(value: object, choices: tuple[str, ...] | list[str], *, field: str = "choice") -> str:
    """``value`` lower-cased, if it is one of ``choices``."""
    text = str(value).strip().lower()
    if text not in choices:
        raise ParameterError(field, f"{value!r} is not allowed (use one of {', '.join(choices)})")
    return text
