"""Sweep specifications: ``--vary NAME=START:STOP:STEP`` or ``NAME=v1,v2`` into variants (pure).

A value is read by the kind of the family parameter it names (a length with units, a whole
number, a choice, true/false); ``family`` takes family names. Syntax errors raise
:class:`ParameterError` naming the ``--vary`` token; values that are readable but out of range
are left for the variant to fail on, so they appear in the summary with the reason.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError
from ..units import parse_length

#: Values one ``--vary`` range may expand to, whatever the budget (almost certainly a typo in a step).
MAX_VARIANTS = 1_000_000
#: Variants a sweep may have by default; ``--max-variants`` (``max_variants=``) raises it.
DEFAULT_MAX_VARIANTS = 10_000
#: Relative tolerance for a range's stop to count as reached.
STOP_RTOL = 1e-9
_SAFE = re.compile(r"[^A-Za-z0-9._=+-]+")


@dataclass(frozen=True)
class Axis:
    """One swept parameter: its name, its kind and its values (lengths in mm)."""

    name: str
    kind: str
    values: tuple[Any, ...]
    token: str = ""


@dataclass(frozen=True)
class Variant:
    """One point of a sweep: its position, folder name and the values that differ from the design."""

    index: int
    name: str
    values: dict[str, Any]


def family_fields(families: Sequence[str]) -> dict[str, dict[str, dataclasses.Field]]:
    """family -> {parameter name: dataclass field} for each family in ``families``."""
    from ..geometry.registry import field_spec, get_generator

    out: dict[str, dict[str, dataclasses.Field]] = {}
    for fam in families:
        gen = get_generator(fam)
        out[gen.name] = {f.name: f for f in field_spec(gen.params_type)}
    return out


def canonical_family(name: str, *, field: str = "family") -> str:
    """The registered spelling of family ``name`` (``ParameterError`` if unknown or unavailable)."""
    from ..geometry.registry import get_generator

    try:
        return get_generator(name).name
    except ParameterError as exc:
        raise ParameterError(field, str(exc).split(": ", 1)[-1]) from None
    except ImportError:
        raise ParameterError(field, f"family {name!r} is not available in this zmfab") from None


def parse_vary(token: str, fields: dict[str, dict[str, dataclasses.Field]]) -> Axis:
    """Parse one ``NAME=START:STOP:STEP`` or ``NAME=v1,v2,...`` against the families' ``fields``."""
    label = f"--vary {token}"
    if "=" not in token:
        raise ParameterError(label, "expected NAME=START:STOP:STEP or NAME=v1,v2,...")
    raw_name, _, text = token.partition("=")
    name = raw_name.strip().lstrip("-").replace("-", "_")
    if not name:
        raise ParameterError(label, "missing parameter name before '='")
    if not text.strip():
        raise ParameterError(label, f"no values for {name}")
    if name == "family":
        if ":" in text:
            raise ParameterError(label, "family takes a list of names, not a range")
        values = tuple(canonical_family(v.strip(), field=label) for v in _items(text, label))
        return Axis("family", "family", _unique(values, label), token)
    field = next((fs[name] for fs in fields.values() if name in fs), None)
    if field is None:
        allowed = sorted({k for fs in fields.values() for k in fs} | {"family"})
        fams = ", ".join(fields)
        raise ParameterError(label, f"unknown parameter {name!r} of {fams} (allowed: {', '.join(allowed)})")
    kind = field.metadata.get("kind", "float")
    if ":" in text:
        values = _range(text, kind, label)
    else:
        values = tuple(_scalar(v, kind, field, label) for v in _items(text, label))
    return Axis(name, kind, _unique(values, label), token)


def _items(text: str, label: str) -> list[str]:
    items = [v.strip() for v in text.split(",")]
    if any(not v for v in items):
        raise ParameterError(label, "empty value in the list")
    return items


def _unique(values: tuple[Any, ...], label: str) -> tuple[Any, ...]:
    if len(set(values)) != len(values):
        raise ParameterError(label, "a value is repeated")
    return values


def _scalar(text: str, kind: str, field: dataclasses.Field, label: str) -> Any:
    """One value read by kind; no range check (an out-of-range value becomes a failed variant)."""
    try:
        if kind == "length":
            return _round(parse_length(text, field=label))
        if kind == "int":
            if not re.fullmatch(r"[+-]?\d+", text):
                raise ParameterError(label, f"{text!r} is not a whole number")
            return int(text)
        if kind == "choice":
            choices = field.metadata["choices"]
            if text.lower() not in choices:
                raise ParameterError(label, f"{text!r} is not allowed (use one of {', '.join(choices)})")
            return text.lower()
        if kind == "bool":
            low = text.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ParameterError(label, f"{text!r} is not true or false")
        number = float(text)
    except ParameterError as exc:
        raise ParameterError(label, str(exc).split(": ", 1)[-1]) from None
    except ValueError:
        raise ParameterError(label, f"{text!r} is not a number") from None
    if not math.isfinite(number):
        raise ParameterError(label, f"{text!r} is not a finite number")
    return _round(number)


def _range(text: str, kind: str, label: str) -> tuple[Any, ...]:
    parts = [p.strip() for p in text.split(":")]
    if len(parts) != 3 or not all(parts):
        raise ParameterError(label, "a range is START:STOP:STEP")
    if kind not in ("length", "int", "float"):
        raise ParameterError(label, f"a {kind} parameter takes a list (v1,v2,...), not a range")
    dummy = dataclasses.field()
    start, stop, step = (_scalar(p, kind, dummy, label) for p in parts)
    unit = " mm" if kind == "length" else ""
    if step == 0:
        raise ParameterError(label, "step must not be zero")
    if (stop - start) * step < 0:
        raise ParameterError(label, f"empty range (from {start:g}{unit} to {stop:g}{unit} "
                                    f"in steps of {step:g}{unit})")
    span = (stop - start) / step
    count = math.floor(span + STOP_RTOL * max(1.0, abs(span))) + 1
    if count > MAX_VARIANTS:
        raise ParameterError(label, f"{count} values is too many (at most {MAX_VARIANTS} per --vary: "
                                    "check the step)")
    if kind == "int":
        return tuple(int(start + i * step) for i in range(count))
    return tuple(_round(start + i * step) for i in range(count))


def _round(x: float) -> float:
    """Drop float noise (0.30000000000000004 -> 0.3) so names and hashes are stable."""
    return float(f"{x:.12g}")


def label(value: Any, kind: str) -> str:
    """A value as shown in folder names and tables: lengths in mm (``0.1mm``)."""
    if kind == "length":
        return f"{value:.10g}mm"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def variant_name(values: dict[str, Any], kinds: dict[str, str]) -> str:
    """A filesystem-safe folder name such as ``gap=0.1mm_fingers=4``."""
    text = "_".join(f"{k}={label(v, kinds.get(k, ''))}" for k, v in values.items()) or "base"
    return _SAFE.sub("-", text)[:200]


def expand(axes: Sequence[Axis], *, zip_axes: bool = False,
           max_variants: int = DEFAULT_MAX_VARIANTS) -> list[Variant]:
    """Every variant of ``axes``: their cartesian product, or paired values with ``zip_axes``.

    More than ``max_variants`` is refused before any is made."""
    names = [a.name for a in axes]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ParameterError(f"--vary {dup}", "the same parameter is varied twice")
    if zip_axes:
        lengths = {len(a.values) for a in axes}
        if len(lengths) > 1:
            detail = ", ".join(f"{a.name}: {len(a.values)}" for a in axes)
            raise ParameterError("--zip", f"every --vary needs the same number of values ({detail})")
        combos: Any = zip(*(a.values for a in axes), strict=True)
        total = len(axes[0].values) if axes else 0
    else:
        combos = itertools.product(*(a.values for a in axes))
        total = math.prod(len(a.values) for a in axes)
    if total > max_variants:
        detail = f" ({' x '.join(str(len(a.values)) for a in axes)})" if len(axes) > 1 else ""
        raise ParameterError("--vary", f"{total} variants{detail} is above the budget of {max_variants} "
                                       "(raise it with --max-variants N, or use a coarser step)")
    kinds = {a.name: a.kind for a in axes}
    out: list[Variant] = []
    seen: dict[str, int] = {}
    for i, combo in enumerate(combos):
        values = dict(zip(names, combo, strict=True))
        name = variant_name(values, kinds)
        if name in seen:  # two values that print alike: keep the folders apart
            name = f"{name}_{i}"
        seen[name] = i
        out.append(Variant(i, name, values))
    return out


def parse_axes(tokens: Sequence[str], base_family: str) -> list[Axis]:
    """Parse every ``--vary`` token; parameter names may belong to any family being swept."""
    fam_tokens = [t for t in tokens if t.partition("=")[0].strip().lstrip("-") == "family"]
    families = [canonical_family(base_family)]
    for tok in fam_tokens:
        families += [f for f in parse_vary(tok, {}).values if f not in families]
    fields = family_fields(families)
    return [parse_vary(tok, fields) for tok in tokens]
