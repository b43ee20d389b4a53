"""Electrochemical estimates of one device (or a panel): capacity, energy, N/P, capacitance.

Pure arithmetic on plain numbers, so a reader can redo it by hand:

* active mass (mg) = electrode area (cm²) × loading (mg/cm²);
* a battery electrode holds mass (g) × specific capacity (mAh/g); a capacitive one
  C = mass (g) × specific capacitance (F/g) (or area × areal capacitance) and the charge C·V/3.6 mAh
  over its voltage window V;
* battery: capacity = the smaller electrode's, voltage = cathode potential − anode potential (vs
  Zn²⁺/Zn), energy = capacity × voltage, N/P = anode capacity / cathode capacity;
* capacitor (symmetric or Zn-ion hybrid): the capacitive electrodes in series give C, the energy
  is ½·C·(Vmax² − Vmin²) between the window's ends and the capacity C·(Vmax − Vmin)/3.6. A
  symmetric capacitor charges from 0 V (Vmin = 0, Vmax = the window); a Zn//carbon hybrid works
  between the capacitive material's ``voltage_min_v`` and ``voltage_max_v`` against Zn²⁺/Zn
  (0.2-1.8 V for activated carbon: ½·C·ΔV² would be 20 % low). A battery electrode is taken as
  never limiting the capacitance but can limit the charge;
* a panel of n devices: in series the voltage is n times, in parallel (or unwired: the total
  of n separate devices) the capacity; areal figures use the panel's footprint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .materials import Material

MAH_PER_COULOMB = 1.0 / 3.6


@dataclass(frozen=True)
class Electrode:
    """One electrode: its material, loaded area (mm², the electrode without its pad, which stays
    bare for contact) and active loading (mg/cm²) or areal capacitance."""

    role: str
    material: Material
    area_mm2: float
    loading_mg_cm2: float | None = None
    areal_capacitance_mf_cm2: float | None = None
    loading_from: str = ""
    density_g_cm3: float | None = None

    @property
    def area_cm2(self) -> float:
        return self.area_mm2 / 100.0

    @property
    def mass_mg(self) -> float | None:
        return None if self.loading_mg_cm2 is None else self.loading_mg_cm2 * self.area_cm2

    def capacitance_f(self) -> float | None:
        """Capacitance (F) of a capacitive electrode, else None."""
        if not self.material.capacitive:
            return None
        if self.areal_capacitance_mf_cm2 is not None:
            return self.areal_capacitance_mf_cm2 * 1e-3 * self.area_cm2
        assert self.mass_mg is not None and self.material.specific_capacitance_f_g is not None
        return self.mass_mg * 1e-3 * self.material.specific_capacitance_f_g

    def charge_mah(self, window_v: float | None = None) -> float:
        """Charge it can store (mAh): mass × specific capacity, or C·V/3.6 over the window."""
        if self.material.capacitive:
            v = window_v if window_v is not None else (self.material.voltage_window_v or 1.0)
            return (self.capacitance_f() or 0.0) * v * MAH_PER_COULOMB
        assert self.mass_mg is not None and self.material.specific_capacity_mah_g is not None
        return self.mass_mg * 1e-3 * self.material.specific_capacity_mah_g

    def charge_per_mg(self, window_v: float | None = None) -> float | None:
        """mAh stored per mg of active material (None when given as areal capacitance)."""
        m = self.material
        if m.capacitive:
            if self.areal_capacitance_mf_cm2 is not None or m.specific_capacitance_f_g is None:
                return None
            v = window_v if window_v is not None else (m.voltage_window_v or 1.0)
            return m.specific_capacitance_f_g * 1e-3 * v * MAH_PER_COULOMB
        return (m.specific_capacity_mah_g or 0.0) * 1e-3


@dataclass(frozen=True)
class CellSpec:
    """A device: two electrodes, its footprint (mm²), optional voltage override, target N/P, panel."""

    anode: Electrode
    cathode: Electrode
    footprint_mm2: float
    voltage_v: float | None = None
    target_np: float = 2.0
    devices: int = 1
    wiring: str = "none"
    panel_footprint_mm2: float | None = None


def estimate(spec: CellSpec) -> dict[str, Any]:
    """Capacity (mAh), energy (mWh), areal figures per footprint, N/P and, for capacitors, C (mF)."""
    a, c = spec.anode, spec.cathode
    capacitive = [e for e in (a, c) if e.material.capacitive]
    v_min = 0.0
    if capacitive:
        kind = "capacitor" if len(capacitive) == 2 else "hybrid capacitor"
        v_min, v_max = voltage_window(capacitive, hybrid=kind == "hybrid capacitor",
                                      override=spec.voltage_v)
        window = v_max - v_min
        caps = [e.capacitance_f() or 0.0 for e in capacitive]
        cap_f = 1.0 / sum(1.0 / x for x in caps) if all(x > 0 for x in caps) else 0.0
        q_a, q_c = a.charge_mah(window), c.charge_mah(window)
        capacity = min(cap_f * window * MAH_PER_COULOMB, q_a, q_c)
        energy = 0.5 * cap_f * (v_max**2 - v_min**2) * MAH_PER_COULOMB  # J -> mWh is the same 1/3.6
        voltage = v_max
    else:
        cap_f = None
        q_a, q_c = a.charge_mah(), c.charge_mah()
        voltage = spec.voltage_v if spec.voltage_v is not None else \
            (c.material.potential_v or 0.0) - (a.material.potential_v or 0.0)
        capacity = min(q_a, q_c)
        energy = capacity * voltage
        window = None
        kind = "battery"
    np_ratio = q_a / q_c if q_c > 0 else float("inf")
    per_mg = a.charge_per_mg(window)
    target_loading = (spec.target_np * q_c / (a.area_cm2 * per_mg)) if per_mg else None

    n = max(1, spec.devices)
    v_scale = n if spec.wiring == "series" else 1
    q_scale = 1 if spec.wiring == "series" else n
    footprint = spec.panel_footprint_mm2 if spec.panel_footprint_mm2 else spec.footprint_mm2 * n
    total_capacity = capacity * q_scale
    total_energy = energy * n
    out: dict[str, Any] = {
        "device_type": kind,
        "capacity_mah": total_capacity,
        "energy_mwh": total_energy,
        "voltage_v": voltage * v_scale,
        "voltage_min_v": v_min * v_scale,
        "areal_capacity_mah_cm2": total_capacity / (footprint / 100.0),
        "areal_energy_mwh_cm2": total_energy / (footprint / 100.0),
        "np_ratio": np_ratio,
        "limiting": "anode" if q_a < q_c else "cathode",
        "target_np": spec.target_np,
        "anode_loading_for_target_mg_cm2": target_loading,
        "anode_thickness_for_target_um": _thickness_um(target_loading, a.density_g_cm3),
        "footprint_mm2": footprint,
        "devices": n,
        "wiring": spec.wiring,
        "anode": _electrode_report(a, q_a),
        "cathode": _electrode_report(c, q_c),
    }
    if cap_f is not None:
        total_c = cap_f * q_scale / v_scale
        out["capacitance_mf"] = total_c * 1e3
        out["areal_capacitance_mf_cm2"] = total_c * 1e3 / (footprint / 100.0)
    if n > 1:
        out["per_device"] = {"capacity_mah": capacity, "energy_mwh": energy, "voltage_v": voltage,
                             "footprint_mm2": spec.footprint_mm2}
    return out


def voltage_window(capacitive: list[Electrode], *, hybrid: bool, override: float | None = None
                   ) -> tuple[float, float]:
    """(Vmin, Vmax) in V a capacitor works between.

    A hybrid uses its capacitive material's ``voltage_min_v``..``voltage_max_v`` (vs Zn²⁺/Zn) when
    the profile gives them; otherwise (and for a symmetric capacitor) 0..window. ``override``
    (the design's ``[cell] voltage``) replaces Vmax.
    """
    mats = [e.material for e in capacitive]
    if hybrid and all(m.voltage_max_v is not None for m in mats):
        v_min = max(m.voltage_min_v or 0.0 for m in mats)
        v_max = min(m.voltage_max_v or 0.0 for m in mats)
    else:
        v_min, v_max = 0.0, min(m.voltage_window_v or 1.0 for m in mats)
    if override:
        v_max = override
    if not v_max > v_min:
        from ..errors import ParameterError

        raise ParameterError("voltage", f"{v_max:g} V is out of range (must be above the window's "
                                        f"lower end {v_min:g} V)")
    return v_min, v_max


def _thickness_um(loading_mg_cm2: float | None, density_g_cm3: float | None) -> float | None:
    """Film thickness (µm) of a loading at a density (mg/cm² ÷ g/cm³ = 10 µm per unit)."""
    if loading_mg_cm2 is None or not density_g_cm3:
        return None
    return loading_mg_cm2 / density_g_cm3 * 10.0


def _electrode_report(e: Electrode, charge: float) -> dict[str, Any]:
    return {
        "material": e.material.name,
        "loaded_area_mm2": e.area_mm2,  # the electrode without its pad: what carries active material
        "loading_mg_cm2": e.loading_mg_cm2,
        "loading_from": e.loading_from,
        "mass_mg": e.mass_mg,
        "charge_mah": charge,
        "capacitance_mf": None if e.capacitance_f() is None else e.capacitance_f() * 1e3,
        "specific_capacity_mah_g": e.material.specific_capacity_mah_g,
        "specific_capacitance_f_g": e.material.specific_capacitance_f_g,
        "source": e.material.source,
    }
