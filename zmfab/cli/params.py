"""click ParamTypes for the quantities users type (library code never imports click)."""

from __future__ import annotations

from typing import Any

import click

from ..errors import ParameterError
from ..units import parse_duration, parse_fraction, parse_length, parse_speed


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
    """A length with units; converts to mm. ``positive`` refuses zero and negatives."""

    name = "length"

    def __init__(self, *, positive: bool = True, minimum: float | None = None,
                 maximum: float | None = None) -> None:
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


LENGTH = LengthType()
SPEED = SpeedType()
FRACTION = FractionType()
DURATION = DurationType()
