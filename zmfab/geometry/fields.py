"""Declaring generator parameters: a default, a kind, a unit-bearing help and an allowed range."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from ..units import MAX_LENGTH_MM, MIN_FEATURE_MM


def length(default: float | None, help: str, *, min: float | None = MIN_FEATURE_MM,
           max: float | None = MAX_LENGTH_MM, exclusive_min: bool = False, optional: bool = False) -> Any:
    """A length field in mm (users may type any unit): by default 1 µm (``MIN_FEATURE_MM``) to 1 m."""
    return dataclasses.field(default=default, metadata={
        "kind": "length", "help": help, "min": min, "max": max,
        "exclusive_min": exclusive_min, "optional": optional,
    })


def integer(default: int | None, help: str, *, min: int | None = None, max: int | None = None,
            optional: bool = False) -> Any:
    """A whole-number field."""
    return dataclasses.field(default=default, metadata={
        "kind": "int", "help": help, "min": min, "max": max, "optional": optional,
    })


def choice(default: str, help: str, choices: tuple[str, ...]) -> Any:
    """A field that takes one of ``choices``."""
    return dataclasses.field(default=default, metadata={"kind": "choice", "help": help, "choices": choices})


def flag(default: bool, help: str) -> Any:
    """A boolean field."""
    return dataclasses.field(default=default, metadata={"kind": "bool", "help": help})


def margin(default: float = 1.0) -> Any:
    """The footprint margin around the electrodes (mm), shared by every family."""
    return length(default, "footprint margin around the electrodes, mm", min=0.0, exclusive_min=False)


def tolerance(default: float = 0.001) -> Any:
    """The chord tolerance of curved edges (mm), shared by every family."""
    return length(default, "chord tolerance of curved edges, mm", min=1e-5, max=0.05, exclusive_min=False)


def segments_for_arc(radius: float, sweep: float, tolerance: float) -> int:
    """Chords needed so a ``sweep``-radian arc of ``radius`` deviates by at most ``tolerance`` mm."""
    if radius <= tolerance:
        return max(4, math.ceil(sweep / (math.pi / 2)))
    half = math.acos(1.0 - tolerance / radius)
    return max(4, math.ceil(sweep / (2.0 * half)))
