"""Read TOML files with errors that name the file, line and key."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from .errors import DesignError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def load_toml(path: str | Path) -> tuple[dict[str, Any], str]:
    """Parse ``path``; return (data, text). Syntax errors become :class:`DesignError` with the line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DesignError(str(p), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DesignError(str(p), f"cannot read ({exc})") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise DesignError(str(p), f"not valid TOML ({exc})") from None


def line_of(text: str, key: str, section: str | None = None) -> int | None:
    """1-based line where ``key`` is assigned (inside ``[section]`` when given), or None."""
    in_section = section is None
    header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+\s*(#.*)?$")
    assign = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        m = header.match(line)
        if m:
            name = m.group(1).strip()
            if section is not None:
                in_section = name == section or name.startswith(section + ".")
            if name.split(".")[-1] == key:
                return number
            continue
        if in_section and assign.match(line):
            return number
    return None


def where(path: str | Path, text: str, key: str, section: str | None = None) -> str:
    """``file:line: key`` (or ``file: key`` when the line is unknown) for error messages."""
    line = line_of(text, key, section)
    dotted = f"{section}.{key}" if section else key
    return f"{path}:{line}: {dotted}" if line else f"{path}: {dotted}"
