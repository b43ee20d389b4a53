"""Registration of a layer onto a substrate: the rigid transform from two design fiducials to
where they were measured, with the scale error as the check.

Jobs carry their fiducials (``; fiducials_mm:``, bed positions of the masks' four marks: lower
left, lower right, upper right, upper left) and the process's ``; registration_mm:`` tolerance
in their header; :func:`with_registration` writes both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError
from ..gcode.transform import Rigid

Point = tuple[float, float]


@dataclass(frozen=True)
class Registration:
    """The fit of two fiducials: ``transform`` maps design to measured positions (mm)."""

    design: tuple[Point, Point]
    measured: tuple[Point, Point]
    transform: Rigid
    design_distance_mm: float
    measured_distance_mm: float

    @property
    def scale_error_um(self) -> float:
        """Measured minus design fiducial distance, µm (a rigid transform cannot absorb it)."""
        return (self.measured_distance_mm - self.design_distance_mm) * 1000.0

    @property
    def misalignment_um(self) -> float:
        """How far the layer would have missed without the transform: the larger fiducial
        displacement, µm."""
        return max(math.dist(d, m) for d, m in zip(self.design, self.measured, strict=True)) * 1000.0

    @property
    def residual_um(self) -> float:
        """What stays after the transform at either fiducial, µm (half the scale error)."""
        return max(math.dist(self.transform.point(*d), m)
                   for d, m in zip(self.design, self.measured, strict=True)) * 1000.0

    def to_dict(self) -> dict[str, Any]:
        t = self.transform
        return {"rotation_deg": t.angle_deg, "offset_mm": [t.dx, t.dy],
                "misalignment_um": self.misalignment_um, "scale_error_um": self.scale_error_um,
                "residual_um": self.residual_um, "design": [list(p) for p in self.design],
                "measured": [list(p) for p in self.measured], "transform": t.option()}


def fit_rigid(design: Sequence[Point], measured: Sequence[Point]) -> Registration:
    """The rigid transform taking two design fiducials onto two measured ones: the rotation of
    the line through them, and the offset that puts their midpoints together (least squares)."""
    if len(design) != 2 or len(measured) != 2:
        raise ParameterError("--measured", "two fiducials are needed: X1,Y1,X2,Y2")
    (d1, d2), (m1, m2) = design, measured
    dd = math.dist(d1, d2)
    dm = math.dist(m1, m2)
    if dd < 1e-6:
        raise ParameterError("--fiducials", "the two design fiducials coincide")
    if dm < 1e-6:
        raise ParameterError("--measured", "the two measured fiducials coincide")
    angle = math.atan2(m2[1] - m1[1], m2[0] - m1[0]) - math.atan2(d2[1] - d1[1], d2[0] - d1[0])
    angle = math.degrees(math.atan2(math.sin(angle), math.cos(angle)))
    rot = Rigid(angle, 0.0, 0.0)
    cd = ((d1[0] + d2[0]) / 2, (d1[1] + d2[1]) / 2)
    cm = ((m1[0] + m2[0]) / 2, (m1[1] + m2[1]) / 2)
    rx, ry = rot.point(*cd)
    t = Rigid(angle, cm[0] - rx, cm[1] - ry)
    return Registration((tuple(d1), tuple(d2)), (tuple(m1), tuple(m2)), t, dd, dm)


def check_scale(reg: Registration, tolerance_mm: float | None, *, source: str = "") -> None:
    """Refuse a scale error above the registration tolerance (a mis-measured fiducial, the wrong
    fiducial, or a substrate that shrank or stretched)."""
    if tolerance_mm is None or tolerance_mm <= 0:
        return
    if abs(reg.scale_error_um) > tolerance_mm * 1000.0 + 1e-9:
        raise ParameterError("--measured", f"scale error {reg.scale_error_um:+.1f} µm (fiducials "
                             f"{reg.measured_distance_mm:.4f} mm apart, design "
                             f"{reg.design_distance_mm:.4f} mm) exceeds the registration tolerance "
                             f"of {tolerance_mm * 1000:g} µm{source}: measure the fiducials again")


def parse_points(text: str, *, field: str = "--measured") -> tuple[Point, Point]:
    """``X1,Y1,X2,Y2`` (lengths, units allowed) -> two points, mm."""
    from ..units import parse_length

    parts = [p for p in str(text).replace(" ", "").split(",") if p]
    if len(parts) != 4:
        raise ParameterError(field, f"{text!r} must be four lengths X1,Y1,X2,Y2")
    v = [parse_length(p, field=field, positive=False) for p in parts]
    return (v[0], v[1]), (v[2], v[3])


def job_fiducials(meta: Mapping[str, str]) -> list[Point]:
    """The ``fiducials_mm`` of a job header (``x,y x,y ...``)."""
    text = meta.get("fiducials_mm", "")
    pts = []
    for item in text.split():
        x, _, y = item.partition(",")
        try:
            pts.append((float(x), float(y)))
        except ValueError:
            raise ParameterError("fiducials_mm", f"cannot read {item!r} in the job header") from None
    return pts


def pick_fiducials(points: Sequence[Point], which: tuple[int, int]) -> tuple[Point, Point]:
    """Fiducials number ``which`` (1-based) of ``points``."""
    if not points:
        raise ParameterError("job", "the job has no '; fiducials_mm:' header (plan it from a design "
                                    "with zmfab gcode DESIGN --layer L, or give --design-fiducials)")
    for i in which:
        if not 1 <= i <= len(points):
            raise ParameterError("--fiducials", f"{i} is out of range (the job has fiducials "
                                                f"1..{len(points)})")
    if which[0] == which[1]:
        raise ParameterError("--fiducials", "name two different fiducials, e.g. 1,3")
    return points[which[0] - 1], points[which[1] - 1]


def job_offset(meta: Mapping[str, Any]) -> Point:
    """Where a job put the design's origin on the bed: laser ``offset_mm`` ("x y"), DIW
    ``origin_mm`` ("x,y")."""
    text = str(meta.get("offset_mm") or meta.get("origin_mm") or "0 0")
    vals = [float(v) for v in text.replace(",", " ").split()[:2]]
    return (vals[0], vals[1]) if len(vals) == 2 else (0.0, 0.0)


def with_registration(job: Any, design: Any, layout: Any, *, tolerance_mm: float | None) -> Any:
    """``job`` with ``fiducials_mm`` (placed on the bed) and ``registration_mm`` in its header
    and meta; a header that already names its fiducials keeps them."""
    from ..export.mask import fiducials
    from .stack import resolve_substrate

    points, _ = fiducials(layout, resolve_substrate(design, layout))
    ox, oy = job_offset(job.meta)
    placed = [(x + ox, y + oy) for x, y in points]
    extra = []
    if "fiducials_mm" not in job.meta:
        job.meta["fiducials_mm"] = " ".join(f"{x:.3f},{y:.3f}" for x, y in placed)
        extra.append(f"; fiducials_mm: {job.meta['fiducials_mm']}")
    if tolerance_mm and "registration_mm" not in job.meta:
        job.meta["registration_mm"] = f"{tolerance_mm:g}"
        extra.append(f"; registration_mm: {tolerance_mm:g}")
    if extra:
        end = next((i for i, ln in enumerate(job.lines)
                    if ln.strip() and not ln.strip().startswith((";", "("))), len(job.lines))
        job.lines[end:end] = extra
    return job


def process_tolerance(profiles: Any, process: str | None) -> float | None:
    """The ``registration_mm`` of process profile ``process`` (None when it has none)."""
    if not process or process not in profiles.names("processes"):
        return None
    value = profiles.get("processes", process).get("registration_mm")
    return None if value is None else float(value)
