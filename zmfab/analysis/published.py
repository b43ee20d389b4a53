"""Published micro-batteries and micro-supercapacitors (the review's Tables 1 and 2), as data.

The devices live in ``zmfab/analysis/data/published.toml``, one ``[[device]]`` table each, values
as printed with their units in the key names and the review's reference number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..toml import load_toml

DATA = Path(__file__).resolve().parent / "data" / "published.toml"
KINDS = ("battery", "capacitor")


@dataclass(frozen=True)
class Device:
    """One published device: areal energy (mWh/cm²) and power (mW/cm²) where the table gives them."""

    table: int
    kind: str
    electrodes: str
    electrolyte: str
    ref: int
    cited_as: str = ""
    energy_mwh_cm2: float | None = None
    power_mw_cm2: float | None = None
    capacity_mah_cm2: float | None = None
    capacitance_mf_cm2: float | None = None

    @property
    def label(self) -> str:
        """``"MnO2//Zn [73]"``, the text a chart or table shows."""
        return f"{self.electrodes} [{self.ref}]"

    @property
    def reference(self) -> str:
        """Where it comes from: the review's reference number, with the first author if named."""
        who = f"{self.cited_as} " if self.cited_as else ""
        return f"{who}[{self.ref}], review Table {self.table}"

    @property
    def on_ragone(self) -> bool:
        """True when both areal energy and areal power are published."""
        return self.energy_mwh_cm2 is not None and self.power_mw_cm2 is not None


@lru_cache(maxsize=1)
def published_devices() -> tuple[Device, ...]:
    """Every device of the shipped data file, in table order."""
    data, _ = load_toml(DATA)
    out = []
    for entry in data["device"]:
        def num(key: str, entry: dict = entry) -> float | None:
            return None if key not in entry else float(entry[key])

        out.append(Device(table=int(entry["table"]), kind=str(entry["kind"]),
                          electrodes=str(entry["electrodes"]), electrolyte=str(entry["electrolyte"]),
                          ref=int(entry["ref"]), cited_as=str(entry.get("cited_as", "")),
                          energy_mwh_cm2=num("energy_mwh_cm2"), power_mw_cm2=num("power_mw_cm2"),
                          capacity_mah_cm2=num("capacity_mah_cm2"),
                          capacitance_mf_cm2=num("capacitance_mf_cm2")))
    return tuple(out)
