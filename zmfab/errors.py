"""The one error hierarchy of zmfab.

The library raises these with the field, the value and the allowed range; only the CLI turns them
into ``error: ...`` and exit status 2.
"""

from __future__ import annotations


class ZmfabError(Exception):
    """Base of every error zmfab raises on purpose."""


class ParameterError(ZmfabError, ValueError):
    """A parameter is missing, malformed or outside its allowed range."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class DesignError(ParameterError):
    """A design or profile file is malformed (unknown key, wrong unit, missing field)."""


class DesignRuleError(ZmfabError):
    """A design violates a process rule and the caller asked for a hard failure."""


class DeviceError(ZmfabError):
    """A machine or port did not behave: no answer, an alarm, a refused job."""


def require(condition: bool, field: str, message: str) -> None:
    """Raise :class:`ParameterError` for ``field`` unless ``condition`` holds."""
    if not condition:
        raise ParameterError(field, message)
