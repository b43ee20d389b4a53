"""click ParamTypes for the quantities users type (library code never imports click)."""

from __future__ import annotations

from typing import Any

import click

from ..errors import ParameterError
from ..units import (
    MAX_LENGTH_MM,
    parse_duration,
    parse_fraction,
    parse_length,
    parse_number,
    parse_speed,
)


class _QuantityType(click.ParamType):
    def _parse(self, value: str, field: str) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            return value
        field = param.opts[0] if param is not None and param.opts else self.name
        try:
            return self._parse(value, field)
        except ParameterError as exc:
            self.fail(str(exc).split(": ", 1)[1], param, ctx)


class LengthType(_QuantityType):
    """A length with units; converts to mm. ``positive`` refuses zero and negatives; at most 1 m."""

    name = "length"

    def __init__(self, *, positive: bool = True, minimum: float | None = None,
                 maximum: float | None = MAX_LENGTH_MM) -> None:
        self.positive, self.minimum, self.maximum = positive, minimum, maximum

    def _parse(self, value: str, field: str) -> float:
        return parse_length(value, field=field, positive=self.positive, minimum=self.minimum,
                            maximum=self.maximum)


class SpeedType(_QuantityType):
    """A feed rate (``1200mm/min``, ``20mm/s``); converts to mm/min."""

    name = "speed"

    def _parse(self, value: str, field: str) -> float:
        return parse_speed(value, field=field)


class FractionType(_QuantityType):
    """A power or ratio (``40%`` or ``0.4``); converts to 0..1."""

    name = "fraction"

    def _parse(self, value: str, field: str) -> float:
        return parse_fraction(value, field=field)


class DurationType(_QuantityType):
    """A time (``250ms``, ``2s``); converts to seconds."""

    name = "time"

    def _parse(self, value: str, field: str) -> float:
        return parse_duration(value, field=field)


class NumberType(_QuantityType):
    """A finite plain number within a range (``exclusive_min``: strictly above ``minimum``)."""

    name = "number"

    def __init__(self, minimum: float | None = None, maximum: float | None = None, *,
                 exclusive_min: bool = False, unit: str = "") -> None:
        self.minimum, self.maximum, self.exclusive_min, self.unit = minimum, maximum, exclusive_min, unit

    def _parse(self, value: str, field: str) -> float:
        return parse_number(value, field=field, minimum=self.minimum, maximum=self.maximum,
                            exclusive_min=self.exclusive_min, unit=self.unit)


#: SVG pixels per inch: 1..10000 (96 is the CSS inch, 72 Illustrator's).
DPI = NumberType(1.0, 10000.0, unit="px/in")

#: ``--max-vertices N``: the vertex budget of a layout (see zmfab.geometry.budget).
MAX_VERTICES_OPTION = click.Option(
    ["--max-vertices"], type=click.IntRange(1, 10**9), default=None, metavar="N",
    help="refuse layouts estimated above N vertices [default: 2000000]")


def max_vertices_option(func: Any) -> Any:
    """The ``--max-vertices`` option as a decorator (for ``@click.command`` functions)."""
    return click.option("--max-vertices", type=click.IntRange(1, 10**9), default=None, metavar="N",
                        help="refuse layouts estimated above N vertices [default: 2000000]")(func)


LENGTH = LengthType()
SPEED = SpeedType()
FRACTION = FractionType()
DURATION = DurationType()
