"""Design files: a TOML naming the family, its parameters (units as strings) and a title.

::

    title = "Screen-printed Zn//MnO2 micro-battery"
    family = "interdigitated"
    [params]
    fingers = 8
    gap = "300um"

Other top-level tables (``stack``, ``panel``, ``laser``...) are kept in ``Design.sections`` for
the stages that read them; a key that no stage knows is an error naming its line.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DesignError, ParameterError
from .regions import Layout
from .toml import load_toml, where

#: Top-level keys a design may hold, with what reads them.
TOP_LEVEL: dict[str, str] = {
    "title": "a one-line title",
    "family": "the layout family",
    "description": "free text",
    "source": "where the design comes from (paper, DOI)",
    "params": "the family's parameters",
    "substrate": "substrate size and material",
    "stack": "process stack layers",
    "panel": "N x M devices on one substrate",
    "machine": "machine profile name",
    "laser": "laser job settings",
    "diw": "ink-writing job settings",
    "cell": "electrochemical estimate settings",
    "simulate": "thin-film field settings",
    "profiles": "extra profile files",
}


@dataclass
class Design:
    """A parsed design file; ``params`` keep the user's values (strings with units)."""

    title: str
    family: str
    params: dict[str, Any]
    sections: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    text: str = ""

    def where(self, key: str, section: str | None = None) -> str:
        """``file:line: section.key`` for error messages."""
        return where(self.path or "<design>", self.text, key, section)

    def error(self, key: str, message: str, section: str | None = None) -> DesignError:
        """A DesignError naming ``section.key`` and its line."""
        return DesignError(self.where(key, section), message)

    def with_panel(self, **panel: Any) -> Design:
        """This design with ``panel`` values (array, pitch, wiring; None = keep) in its ``[panel]``,
        so every stage (layout, rules, cell estimate) sees the same panel."""
        chosen = {k: v for k, v in panel.items() if v is not None}
        if not chosen:
            return self
        table = self.sections.get("panel", {})
        merged = {**(table if isinstance(table, dict) else {}), **chosen}
        return dataclasses.replace(self, sections={**self.sections, "panel": merged})

    def layout(self, **overrides: Any) -> Layout:
        """Generate this design's layout (``overrides`` replace parameters)."""
        from .geometry.registry import generate

        values = {**self.params, **overrides}
        try:
            lay = generate(self.family, **values)
        except DesignError:
            raise
        except ParameterError as exc:
            key = exc.field.lstrip("-").replace("-", "_")
            raw = str(exc).split(": ", 1)[1]
            name = key if key in self.params else key.replace("_", "-")
            raise self.error(name, raw, "params") from None
        lay.meta["title"] = self.title
        if self.path is not None:
            lay.meta["design"] = str(self.path)
        return lay


def parse_design(data: dict[str, Any], *, text: str = "", path: Path | None = None) -> Design:
    """Validate parsed TOML ``data`` as a design."""
    src = path or Path("<design>")
    for key in data:
        if key not in TOP_LEVEL:
            raise DesignError(where(src, text, key), f"unknown key (allowed: {', '.join(TOP_LEVEL)})")
    if "family" not in data:
        raise DesignError(f"{src}: family", "missing (e.g. family = \"interdigitated\")")
    from .geometry.registry import get_generator

    try:
        family = get_generator(str(data["family"])).name
    except ParameterError as exc:
        raise DesignError(where(src, text, "family"), str(exc).split(": ", 1)[1]) from None
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise DesignError(where(src, text, "params"), "must be a table [params]")
    title = str(data.get("title", src.stem))
    sections = {k: v for k, v in data.items() if k not in ("title", "family", "params")}
    design = Design(title=title, family=family, params=dict(params), sections=sections, path=path,
                    text=text)
    return design


def load_design(path: str | Path) -> Design:
    """Read and validate the design file at ``path`` (errors name the key and line)."""
    p = Path(path)
    data, text = load_toml(p)
    return parse_design(data, text=text, path=p)
