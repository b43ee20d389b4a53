"""``zmfab gcode ... --dialect hpgl``: a drag-knife cutter's HPGL or Silhouette SVG (thin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import ParameterError


def write_cut(source: str, *, output: str | None, op: str | None, layer_name: str | None,
              layer_ops: tuple[str, ...], profiles: Any, machine: str | None,
              settings: dict[str, Any], speed: float | None, passes: int | None,
              power: float | None, dpi: float | None, offset: str | None,
              process: str | None) -> None:
    """Plan the cut of ``source`` and write ``output`` (.plt HPGL, or .svg for Silhouette Studio)."""
    from ..atomic import write_text
    from ..toolpath.cut_source import cut_from_source

    if op is not None and op.strip().lower() != "cut":
        raise ParameterError("--op", f"{op!r} is not a cutter operation (use --op cut with --dialect hpgl)")
    if power is not None:
        raise ParameterError("--power", "a cutter has no power (use --set force=STEP)")
    target = Path(output) if output else None
    if target is not None and target.suffix.lower() not in (".plt", ".hpgl", ".svg"):
        raise ParameterError("--output", f"{target.name!r}: use .plt or .hpgl (HPGL) or .svg (Silhouette Studio)")
    if speed is not None:
        settings["speed"] = speed
    if passes is not None:
        settings["passes"] = passes
    if offset is not None:
        settings["offset"] = offset
    if process is not None:
        settings["process"] = process
    layers = [item.split("=", 1)[0].strip() for item in layer_ops] or None
    plan, name = cut_from_source(source, layer=layer_name, layers=layers, profiles=profiles,
                                 machine=machine, settings=settings, dpi=dpi)
    if target is None:
        from ..export.mask import safe_name

        stem = Path(source).stem if Path(source).suffix.lower() != ".toml" else \
            f"{Path(source).stem}-{safe_name(name)}"
        target = Path(f"{stem}.plt")
    if target.suffix.lower() == ".svg":
        from ..export.cut_svg import cut_svg

        write_text(target, cut_svg(plan, title=name))
    else:
        write_text(target, "\n".join(plan.hpgl) + "\n")
    f = plan.figures()
    click.echo(f"{target}: {f['contours']} contours, cut {f['cut_mm']:.1f} mm, travel "
               f"{f['travel_mm']:.1f} mm, {f['estimate_s']:.1f} s on {f['machine']}")
    for warning in plan.warnings:
        click.echo(f"warning: {warning}", err=True)
