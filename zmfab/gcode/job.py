"""A job: G-code lines plus a header of metadata (tool, design, bounds, estimated time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import write_text


@dataclass
class Job:
    """G-code ``lines`` (no newlines) of one ``dialect`` (``"grbl"`` or ``"marlin"``) and ``meta``.

    ``meta`` is what the header states: design, layer, operation, bounds_mm, estimate_s, and any
    dialect facts the estimator needs (e.g. ``syringe_diameter_mm``, ``bead_width_mm``).
    """

    lines: list[str]
    dialect: str
    meta: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The whole job as text, one line per command, newline-terminated."""
        return "\n".join(self.lines) + "\n"

    @property
    def commands(self) -> int:
        """G-code lines (comments and blank lines not counted): the count every report gives."""
        from .parse import count_commands

        return count_commands(self.lines)

    def write(self, path: str | Path) -> Path:
        """Write the job to ``path`` atomically."""
        return write_text(path, self.text())
