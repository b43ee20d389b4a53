"""``zmfab profiles list|show``: the machine, process and material profiles in force."""

from __future__ import annotations

import json
from typing import Any

import click

KIND_CHOICE = click.Choice(["machines", "processes", "materials"], case_sensitive=False)
_PROFILE = click.option("--profile", "profiles", multiple=True, type=click.Path(dir_okay=False),
                        help="a profile file merged over the shipped profiles (repeatable)")


@click.group()
def profiles() -> None:
    """List the profiles in force or show one (shipped ones with --profile files merged on top)."""


@profiles.command("list")
@click.option("--kind", type=KIND_CHOICE, default=None, help="only this kind")
@_PROFILE
def list_(kind: str | None, profiles: tuple[str, ...]) -> None:
    """Every profile name by kind, with its description."""
    from ..profiles import KINDS, Profiles

    profs = Profiles(list(profiles))
    for k in [kind.lower()] if kind else KINDS:
        names = profs.names(k)
        click.echo(f"{k}:")
        if not names:
            click.echo("  (none)")
        width = max((len(n) for n in names), default=0)
        for name in names:
            desc = str(profs.get(k, name).get("description", "")).strip()
            click.echo(f"  {name:<{width}}  {desc}".rstrip())


@profiles.command()
@click.argument("name")
@click.option("--kind", type=KIND_CHOICE, default=None, help="the kind, when a name is used by two")
@click.option("--json", "as_json", is_flag=True, help="print the profile as JSON")
@_PROFILE
def show(name: str, kind: str | None, as_json: bool, profiles: tuple[str, ...]) -> None:
    """Every key of profile NAME (after merging), as TOML or JSON, with the sources its file states."""
    from ..profiles import Profiles, profile_comments, shipped_path

    profs = Profiles(list(profiles))
    if kind:
        found_kind, data = kind.lower(), profs.get(kind.lower(), name)
    else:
        found_kind, data = profs.find(name)
    path = shipped_path(found_kind, name)
    lead, notes = profile_comments(path) if path else ([], {})
    if as_json:
        sources = {".".join(k for k in key if k): " ".join(n.lstrip("# ") for n in [*above, tail] if n)
                   for key, (above, tail) in notes.items()}
        click.echo(json.dumps({"kind": found_kind, "name": name, "file": str(path) if path else None,
                               "notes": [n.lstrip("# ") for n in lead], "sources": sources,
                               "profile": data}, indent=2, ensure_ascii=False))
        return
    where = f" (shipped: profiles/{found_kind}/{name}.toml" + (", merged with --profile files)"
                                                                if profiles else ")") if path else ""
    click.echo(f"# {found_kind}.{name}{where}")
    for line in lead:
        click.echo(line)
    click.echo(to_toml(data, notes=notes).rstrip())


def to_toml(data: dict[str, Any], prefix: str = "",
            notes: dict[tuple[str, str], tuple[list[str], str]] | None = None) -> str:
    """A small TOML rendering of plain profile data (tables after keys), each key with the comment
    lines ``notes[(table, key)]`` its file gave it (its source)."""
    notes = notes or {}
    table = prefix.rstrip(".")
    lines: list[str] = []
    for k, v in data.items():
        if not isinstance(v, dict):
            above, tail = notes.get((table, k), ([], ""))
            lines += above
            lines.append(f"{_key(k)} = {_value(v)}" + (f"  {tail}" if tail else ""))
    for k, v in data.items():
        if isinstance(v, dict):
            name = f"{prefix}{_key(k)}"
            lines += ["", f"[{name}]", to_toml(v, prefix=name + ".", notes=notes).rstrip()]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)
