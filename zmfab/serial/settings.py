"""GRBL's ``$$`` settings against a machine profile: each difference that would change a job.

Pure functions: :func:`profile_settings` says what the profile expects of each ``$N``,
:func:`compare_settings` lists the differences with what each one changes. Marlin's limits are
compared in :mod:`.marlin_settings`, into the same :class:`SettingDiff`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError
from .grbl_codes import SETTINGS

#: ``$N`` -> (meaning, what a difference changes in a job)
EFFECTS: dict[int, str] = {
    11: "corner speed: the estimate and the dwell at corners (burn depth in corners)",
    30: "power scale: a job's S words are a fraction of $30, so every burn's power changes",
    31: "minimum power: the laser never goes below it, even for S0 leads",
    32: "laser mode: off keeps the beam on through stops and G0 (stream refuses laser jobs)",
    110: "X max rate: faster burns are capped (deeper burns, longer job)",
    111: "Y max rate: faster burns are capped (deeper burns, longer job)",
    112: "Z max rate: Z steps between passes take a different time",
    120: "X acceleration: the time estimate and power ramps at line ends",
    121: "Y acceleration: the time estimate and power ramps at line ends",
    122: "Z acceleration: the time estimate of Z steps",
    130: "X travel: the job checks (and soft limits) use a different bed",
    131: "Y travel: the job checks (and soft limits) use a different bed",
    132: "Z travel: the job checks (and soft limits) use a different Z range",
}
MEANINGS: dict[int, str] = {**SETTINGS, 11: "junction deviation (mm)", 120: "X acceleration (mm/s²)",
                            121: "Y acceleration (mm/s²)", 122: "Z acceleration (mm/s²)"}


@dataclass(frozen=True)
class SettingDiff:
    """One setting whose machine value differs from what the profile expects: GRBL's ``$key``
    (an int), or a Marlin limit (``"M203 X"``, ``"soft max X"``: :mod:`.marlin_settings`).
    ``writable``: it can be written over the port."""

    key: int | str
    machine: float | None
    profile: float
    meaning: str
    effect: str
    writable: bool = True

    @property
    def label(self) -> str:
        """``$110`` (GRBL) or the Marlin key as it is."""
        return f"${self.key}" if isinstance(self.key, int) else self.key

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "machine": self.machine, "profile": self.profile,
                "meaning": self.meaning, "effect": self.effect, "writable": self.writable}


def profile_settings(machine: Mapping[str, Any]) -> dict[int, float]:
    """The ``$N`` values a GRBL machine profile expects (laser mode, S range, rates,
    accelerations, junction deviation, travel from ``bed_mm`` and ``z_range_mm``)."""
    if str(machine.get("dialect", "grbl")).lower() != "grbl":
        raise ParameterError("machine", f"{machine.get('name', '?')!r} is not a GRBL machine: "
                                        "settings are compared on GRBL only")
    out: dict[int, float] = {}
    if "laser_mode" in machine:
        out[32] = 1.0 if machine["laser_mode"] else 0.0
    for key, name in ((30, "s_max"), (31, "s_min"), (11, "junction_deviation_mm")):
        if name in machine:
            out[key] = float(machine[name])
    for base, name in ((110, "max_rate_mm_min"), (120, "acceleration_mm_s2")):
        for i, v in enumerate(list(machine.get(name, []))[:3]):
            out[base + i] = float(v)
    bed = list(machine.get("bed_mm", []))
    for i, v in enumerate(bed[:2]):
        out[130 + i] = float(v)
    if machine.get("has_z") and "z_range_mm" in machine:
        lo, hi = (float(v) for v in machine["z_range_mm"])
        out[132] = hi - lo
    return out


def compare_settings(actual: Mapping[int, float], machine: Mapping[str, Any], *,
                     rel: float = 1e-6) -> list[SettingDiff]:
    """Every profile-expected ``$N`` that the controller has differently (or lacks), in order."""
    diffs = []
    for key, want in sorted(profile_settings(machine).items()):
        have = actual.get(key)
        if have is not None and abs(have - want) <= rel * max(1.0, abs(want)):
            continue
        diffs.append(SettingDiff(key, have, want, MEANINGS.get(key, f"${key}"),
                                 EFFECTS.get(key, "")))
    return diffs


def format_diffs(diffs: list[SettingDiff], *, machine: str, report: str = "$$") -> list[str]:
    """One line per difference, for the terminal (``report``: what was read, ``$$`` or
    ``M503/M211``)."""
    if not diffs:
        return [f"{report} matches machine profile {machine}"]
    out = [f"{len(diffs)} setting(s) differ from machine profile {machine}:"]
    for d in diffs:
        have = "missing" if d.machine is None else f"{d.machine:g}"
        out.append(f"  {d.label}={have} (profile {d.profile:g}): {d.meaning}; changes {d.effect}")
    return out
