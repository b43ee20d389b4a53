"""The registry of layout generators: ``@generator("name")`` makes a family discoverable.

A generator is a pure function ``f(params) -> Layout`` whose ``params`` is a frozen dataclass; each
dataclass field has a default and (in ``metadata``) its kind (``length``, ``int``, ``choice``...),
a one-line help with its unit and the allowed range. The CLI builds its options from this, the
design loader validates against it and the tests iterate over it.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError
from ..regions import Layout
from ..units import describe_range, parse_bool, parse_choice, parse_length
from .budget import Work, check_work

#: family name -> module that defines it (imported lazily).
FAMILY_MODULES: dict[str, str] = {
    "interdigitated": "zmfab.geometry.interdigitated",
    "concentric": "zmfab.geometry.concentric",
    "swiss-roll": "zmfab.geometry.swissroll",
}


@dataclass(frozen=True)
class Generator:
    name: str
    func: Callable[[Any], Layout]
    params_type: type
    summary: str
    work: Callable[[Any], Work] | None = None


_REGISTRY: dict[str, Generator] = {}


def generator(name: str, *, work: Callable[[Any], Work] | None = None,
              ) -> Callable[[Callable[[Any], Layout]], Callable[[Any], Layout]]:
    """Register ``func(params) -> Layout`` as family ``name``; its params type is its annotation.

    ``work(params)`` estimates the layout's size and vertices before it is drawn (see
    :mod:`zmfab.geometry.budget`).
    """

    def register(func: Callable[[Any], Layout]) -> Callable[[Any], Layout]:
        import typing

        hints = typing.get_type_hints(func)
        params_type = next(iter(v for k, v in hints.items() if k != "return"))
        summary = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else name
        _REGISTRY[name] = Generator(name, func, params_type, summary, work)
        return func

    return register


def families() -> list[str]:
    """Names of every registered family."""
    return list(FAMILY_MODULES)


def get_generator(name: str) -> Generator:
    """The generator of family ``name`` (``ParameterError`` naming the choices if unknown)."""
    key = name.strip().lower().replace("_", "-")
    if key == "swissroll":
        key = "swiss-roll"
    if key not in FAMILY_MODULES:
        raise ParameterError("family", f"unknown family {name!r} (use one of {', '.join(FAMILY_MODULES)})")
    if key not in _REGISTRY:
        importlib.import_module(FAMILY_MODULES[key])
    return _REGISTRY[key]


def field_spec(params_type: type) -> list[dataclasses.Field]:
    """The dataclass fields of a params type, in declaration order."""
    return list(dataclasses.fields(params_type))


def coerce_param(f: dataclasses.Field, value: Any, *, field_name: str | None = None) -> Any:
    """Convert one user value (``"300um"``, ``"8"``, ``8``) to the field's kind, checking its range."""
    meta = f.metadata
    kind = meta.get("kind", "float")
    name = field_name or f.name
    if value is None:
        if meta.get("optional"):
            return None
        raise ParameterError(name, "a value is required")
    if kind == "length":
        number = parse_length(value, field=name)
        lo, hi, exclusive = meta.get("min"), meta.get("max"), meta.get("exclusive_min", False)
        if (lo is not None and (number <= lo if exclusive else number < lo)) or (hi is not None and number > hi):
            raise ParameterError(name, f"{value} is out of range "
                                       f"({describe_range(lo, hi, exclusive_min=exclusive, unit='mm')})")
        return number
    if kind == "int":
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise ParameterError(name, f"{value!r} is not a whole number") from None
        if isinstance(value, bool):
            raise ParameterError(name, f"{value!r} is not a whole number")
        lo, hi = meta.get("min"), meta.get("max")
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise ParameterError(name, f"{number} is out of range ({describe_range(lo, hi)})")
        return number
    if kind == "choice":
        return parse_choice(value, meta["choices"], field=name)
    if kind == "bool":
        return parse_bool(value, field=name)
    raise ParameterError(name, f"unsupported parameter kind {kind}")


def make_params(family: str, values: dict[str, Any]) -> Any:
    """Build family ``family``'s params from user values; unknown keys name the allowed ones."""
    gen = get_generator(family)
    fields = {f.name: f for f in field_spec(gen.params_type)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        norm = key.lstrip("-").replace("-", "_")
        if norm not in fields:
            allowed = ", ".join(k.replace("_", "-") for k in fields)
            raise ParameterError(key, f"unknown parameter of {gen.name} (allowed: {allowed})")
        kwargs[norm] = coerce_param(fields[norm], value, field_name=key)
    return gen.params_type(**kwargs)


def estimate_work(family: str, params: Any) -> Work | None:
    """The size and vertex estimate of ``params`` (None for a family without an estimate)."""
    gen = get_generator(family)
    return gen.work(params) if gen.work else None


def generate(family: str, **values: Any) -> Layout:
    """Generate a layout of ``family`` from user values (strings with units or numbers in mm).

    The work estimate is checked first: a layout beyond 1 m or the vertex budget is refused
    before it is drawn.
    """
    gen = get_generator(family)
    params = make_params(gen.name, values)
    if gen.work is not None:
        check_work(gen.work(params), family=gen.name)
    return gen.func(params)
