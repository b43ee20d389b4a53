"""Writing a user profile file: nested tables of strings, numbers, booleans and lists as TOML
(what :class:`zmfab.profiles.Profiles` reads back with ``--profile FILE``)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from ..errors import ParameterError


def _value(v: Any, key: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ParameterError(key, f"{v!r} cannot be written to a profile")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a TOML basic string is a JSON string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x, key) for x in v) + "]"
    raise ParameterError(key, f"{type(v).__name__} cannot be written to a profile")


def _bare(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def dump_toml(data: Mapping[str, Any], *, comment: str = "") -> str:
    """TOML text of ``data``: scalar keys first in each table, then sub-tables."""
    out = [f"# {line}" for line in comment.splitlines()] if comment else []

    def table(path: list[str], t: Mapping[str, Any]) -> None:
        scalars = [(k, v) for k, v in t.items() if not isinstance(v, Mapping)]
        subs = [(k, v) for k, v in t.items() if isinstance(v, Mapping)]
        if scalars and path:
            out.append("")
            out.append("[" + ".".join(_bare(p) for p in path) + "]")
        for k, v in scalars:
            out.append(f"{_bare(k)} = {_value(v, k)}")
        for k, v in subs:
            table([*path, k], v)

    table([], data)
    return "\n".join(out).strip("\n") + "\n"
