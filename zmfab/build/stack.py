"""Build step of the process stack: design-rule check, masks and stencils, stacked preview.

A failed check stops the build with :class:`DesignRuleError` (exit 2, nothing written) unless
the build runs with ``force``; then the files are written and the violations are reported.
"""

from __future__ import annotations

from typing import Any

from ..errors import DesignRuleError


def stack_step(ctx: Any) -> None:
    """``masks/<layer>.svg|.dxf`` per printed layer, ``preview.svg`` of the stack, report entries,
    and ``layout.gds`` with a GDS layer per region and per stack layer when gdstk is installed."""
    from ..drc import check, design_profile_files, summary
    from ..export.mask import stack_masks, write_mask
    from ..export.preview import stack_preview_svg
    from ..process.stack import resolve_stack, resolve_substrate
    from ..profiles import Profiles

    profiles = Profiles(design_profile_files(ctx.design) + list(ctx.options.get("profiles", [])))
    layers = resolve_stack(ctx.design, ctx.layout, profiles)
    violations = check(ctx.design, ctx.layout, layers, profiles, machine=ctx.options.get("machine"))
    ctx.report["stack"] = [lay.to_dict() for lay in layers]
    ctx.report["drc"] = summary(violations)
    if violations and not ctx.options.get("force"):
        first = violations[0]
        more = f" and {len(violations) - 1} more" if len(violations) > 1 else ""
        raise DesignRuleError(f"design-rule check failed: {first}{more}; nothing written "
                              "(see `zmfab check`, or build with --force)")
    if violations:
        ctx.warnings.append(f"{len(violations)} design-rule violations ignored (--force)")
    substrate = resolve_substrate(ctx.design, ctx.layout)
    ctx.report["substrate"] = {"bounds_mm": [round(v, 4) for v in substrate.bounds],
                               "material": substrate.material, "thickness_mm": substrate.thickness}
    if ctx.layout.meta.get("panel"):
        ctx.report["panel"] = ctx.layout.meta["panel"]
    arts = stack_masks(layers, layout=ctx.layout, substrate=substrate, profiles=profiles,
                       title=ctx.design.title)
    version = ctx.options.get("dxf_version", "R2010")
    for art in arts:
        ctx.path(f"masks/{art.name}.svg")
        ctx.path(f"masks/{art.name}.dxf")
        write_mask(art, ctx.staging / "masks", dxf_version=version)
        ctx.warnings.extend(art.warnings)
    ctx.report["masks"] = [art.report() for art in arts]
    fid = arts[0].fiducials if arts and not arts[0].spec.mirror else None
    if fid is None and arts:
        from ..export.mask import fiducials as marks

        fid = marks(ctx.layout, substrate)[1]
    from ..atomic import write_text

    write_text(ctx.path("preview.svg"), stack_preview_svg(ctx.layout, layers, fiducials=fid,
                                                          substrate=substrate.polygon()))
    ctx.options["stack_layers"] = layers
    _write_gds(ctx, layers)


def _write_gds(ctx: Any, layers: list) -> None:
    """``layout.gds`` (regions and stack layers) when the gds extra (gdstk) is installed."""
    try:
        import gdstk  # noqa: F401
    except ImportError:
        return
    from ..export.gds import write_gds

    write_gds(ctx.layout, ctx.path("layout.gds"), stack=layers)
