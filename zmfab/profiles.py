"""Machine, material and process profiles: shipped TOML files, with a user's overrides on top.

Shipped profiles live in the top-level ``profiles/<kind>/<name>.toml`` (kinds: ``machines``,
``processes``, ``materials``). A user's file (``--profile FILE``) holds tables
``[<kind>.<name>]`` that are merged key by key over the shipped ones, or define new profiles.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import DesignError, ParameterError
from .toml import load_toml

KINDS: tuple[str, ...] = ("machines", "processes", "materials")
#: kind -> the word for one of it (the field an unknown name is reported under)
SINGULAR: dict[str, str] = {"machines": "machine", "processes": "process", "materials": "material"}


def _shipped_dir() -> Path:
    """``profiles/`` beside the package in a checkout (or an editable install); an installed
    wheel carries a copy as ``zmfab/_profiles`` (see setup.py)."""
    here = Path(__file__).resolve().parent
    installed = here / "_profiles"
    return installed if installed.is_dir() else here.parent / "profiles"


SHIPPED = _shipped_dir()


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """A new dict: ``base`` with ``top`` merged over it, tables recursively."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@lru_cache(maxsize=1)
def _shipped() -> dict[str, dict[str, dict[str, Any]]]:
    table: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
    for kind in KINDS:
        for path in sorted((SHIPPED / kind).glob("*.toml")):
            data, _ = load_toml(path)
            table[kind][path.stem] = data
    return table


class Profiles:
    """The profiles in force: shipped ones with the user's files merged on top, in order."""

    def __init__(self, user_files: list[str | Path] | tuple[str | Path, ...] = ()) -> None:
        self.table = copy.deepcopy(_shipped())
        for path in user_files:
            data, _ = load_toml(path)
            for kind, entries in data.items():
                if kind not in KINDS or not isinstance(entries, dict):
                    raise DesignError(f"{path}: {kind}",
                                      f"unknown profile kind (use tables [{'|'.join(KINDS)}.NAME])")
                for name, values in entries.items():
                    if not isinstance(values, dict):
                        raise DesignError(f"{path}: {kind}.{name}", "must be a table")
                    self.table[kind][name] = deep_merge(self.table[kind].get(name, {}), values)

    def names(self, kind: str) -> list[str]:
        """Names of every profile of ``kind``."""
        return sorted(self._kind(kind))

    def get(self, kind: str, name: str) -> dict[str, Any]:
        """A copy of profile ``name`` of ``kind``; an unknown name lists the known ones."""
        profiles = self._kind(kind)
        if name not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise ParameterError(SINGULAR.get(kind, kind), f"unknown profile {name!r} (known: {known})")
        return copy.deepcopy(profiles[name])

    def find(self, name: str) -> tuple[str, dict[str, Any]]:
        """Look ``name`` up in every kind; return (kind, profile)."""
        for kind in KINDS:
            if name in self.table[kind]:
                return kind, copy.deepcopy(self.table[kind][name])
        raise ParameterError("profile", f"unknown profile {name!r} (see `zmfab profiles list`)")

    def _kind(self, kind: str) -> dict[str, dict[str, Any]]:
        if kind not in self.table:
            raise ParameterError("kind", f"unknown profile kind {kind!r} (use one of {', '.join(KINDS)})")
        return self.table[kind]


def shipped_path(kind: str, name: str) -> Path | None:
    """The shipped TOML file of profile ``name`` of ``kind`` (None for one defined by a user file)."""
    path = SHIPPED / kind / f"{name}.toml"
    return path if path.is_file() else None


def profile_comments(path: str | Path) -> tuple[list[str], dict[tuple[str, str], tuple[list[str], str]]]:
    """The sources a profile file states in its comments.

    Returns (the leading comment block, ``(table, key)`` -> (the comment lines above that key, its
    end-of-line comment or "")), ``table`` being ``""`` for top-level keys.
    """
    lead: list[str] = []
    notes: dict[tuple[str, str], tuple[list[str], str]] = {}
    pending: list[str] = []
    table, started = "", False
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            (pending if started else lead).append(line)
            continue
        if not line:
            if not started:
                started = bool(lead)
            continue
        started = True
        if line.startswith("["):
            table, pending = line.strip("[] "), []
            continue
        key = line.split("=", 1)[0].strip().strip('"')
        tail = _trailing_comment(line)
        if pending or tail:
            notes[(table, key)] = (pending, tail or "")
        pending = []
    return lead, notes


def _trailing_comment(line: str) -> str | None:
    """The ``# ...`` after a value (a ``#`` inside a quoted string does not count)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[i:].strip()
    return None
