"""What identifies a variant (its content hash) and where its result lives (``variant.json``).

The hash covers everything that decides a variant's outputs: the design's content, the swept
values, the options that change what is built, the zmfab version and which analysis stages are
installed. A folder whose ``variant.json`` holds the same hash is not built again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import write_text
from ..design import Design

RECORD_NAME = "variant.json"
#: Statuses that are final for a given hash; ``error`` (an unexpected exception) is retried.
FINAL_STATUSES = ("ok", "drc_fail", "failed")


def design_content(design: Design) -> dict[str, Any]:
    """The parts of a design that decide its outputs (not its path or comments)."""
    return {"title": design.title, "family": design.family, "params": design.params,
            "sections": design.sections}


def variant_hash(design: dict[str, Any], values: dict[str, Any], options: dict[str, Any], *,
                 stages: list[str], version: str = __version__) -> str:
    """SHA-256 (hex, 16 chars) of a variant's inputs; identical inputs give the same hash."""
    payload = {"zmfab": version, "design": design, "values": values, "options": options,
               "stages": stages}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_record(folder: Path) -> dict[str, Any] | None:
    """The record stored in ``folder`` (None if absent or unreadable)."""
    try:
        data = json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(record: dict[str, Any] | None, digest: str, folder: Path) -> bool:
    """True when ``record`` is a final result for ``digest`` and its files are still there."""
    if not record or record.get("hash") != digest or record.get("status") not in FINAL_STATUSES:
        return False
    return all((folder / name).exists() for name in record.get("files", []))


def write_record(folder: Path, record: dict[str, Any]) -> Path:
    """Write ``record`` atomically as ``folder/variant.json``."""
    text = json.dumps(record, indent=2, sort_keys=False, default=_jsonable) + "\n"
    return write_text(folder / RECORD_NAME, text)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
