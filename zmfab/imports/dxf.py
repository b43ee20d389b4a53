"""DXF reader: closed LWPOLYLINE/POLYLINE (and CIRCLE) entities per layer, scaled to mm."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import ezdxf
import numpy as np
from shapely.geometry import MultiPolygon

from ..errors import DesignError, ParameterError
from .rings import Key, rings_to_multipolygon

#: How shapes may be keyed.
BY: tuple[str, ...] = ("layer", "colour", "layer+colour")
#: $INSUNITS code -> millimetres per drawing unit (0 = unitless, taken as mm).
INSUNITS_MM: dict[int, float] = {0: 1.0, 1: 25.4, 2: 304.8, 4: 1.0, 5: 10.0, 6: 1000.0,
                                 8: 25.4e-6, 9: 0.0254, 10: 914.4, 13: 1e-3, 14: 1e-4}


def read_dxf_layers(path: str | Path, *, arc_tolerance: float = 0.001, by: str = "layer"
                    ) -> dict[Key, MultiPolygon]:
    """Closed shapes of the DXF at ``path`` in mm, keyed by layer (``by="layer"``), by colour
    (``by="colour"``: ``#rrggbb`` of the entity, or of its layer when BYLAYER) or by both
    (``by="layer+colour"``: ``(layer, colour)`` keys)."""
    if by not in BY:
        raise ParameterError("by", f"{by!r} is not allowed (use one of {', '.join(BY)})")
    try:
        doc = ezdxf.readfile(str(path))
    except OSError as exc:
        raise DesignError(str(path), f"cannot read ({exc})") from None
    except (ezdxf.DXFError, ValueError, UnicodeError, KeyError, IndexError) as exc:
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise DesignError(str(path), f"not a valid DXF ({reason})") from None
    scale = INSUNITS_MM.get(int(doc.header.get("$INSUNITS", 0)), 1.0)
    tol = arc_tolerance / scale  # the tolerance is in mm; the entities in drawing units
    rings: dict[Key, list] = defaultdict(list)
    for entity in doc.modelspace():
        kind = entity.dxftype()
        layer = (entity.dxf.layer if by == "layer" else _colour(doc, entity) if by == "colour"
                 else (entity.dxf.layer, _colour(doc, entity)))
        if kind == "LWPOLYLINE" and entity.closed:
            pts = _flatten(entity, tol)
        elif kind == "POLYLINE" and entity.is_closed:
            pts = _flatten(entity, tol)
        elif kind == "CIRCLE":
            r = entity.dxf.radius
            n = max(16, math.ceil(math.pi / math.acos(max(-1.0, 1 - tol / max(r, 1e-9)))))
            c = entity.dxf.center
            pts = [(c.x + r * math.cos(2 * math.pi * i / n), c.y + r * math.sin(2 * math.pi * i / n))
                   for i in range(n)]
        else:
            continue
        rings[layer].append([(x * scale, y * scale) for x, y in pts])
    return {layer: rings_to_multipolygon(items) for layer, items in rings.items()}


#: Entities that draw lines but bound no area.
OPEN_KINDS = ("LINE", "ARC", "SPLINE", "ELLIPSE", "LWPOLYLINE", "POLYLINE")


def open_dxf_layers(path: str | Path) -> dict[str, int]:
    """Layer -> how many open entities (unclosed polylines, lines, arcs, splines) it holds."""
    try:
        doc = ezdxf.readfile(str(path))
    except (OSError, ezdxf.DXFError, ValueError, UnicodeError, KeyError, IndexError):
        return {}
    counts: dict[str, int] = defaultdict(int)
    for entity in doc.modelspace():
        kind = entity.dxftype()
        closed = (kind == "LWPOLYLINE" and entity.closed) or (kind == "POLYLINE" and entity.is_closed)
        if kind in OPEN_KINDS and not closed:
            counts[entity.dxf.layer] += 1
    return dict(counts)


def _colour(doc, entity) -> str:
    from ezdxf import colors

    if entity.dxf.hasattr("true_color"):
        r, g, b = colors.int2rgb(entity.dxf.true_color)
        return f"#{r:02x}{g:02x}{b:02x}"
    aci = entity.dxf.get("color", 256)
    if aci in (0, 256):
        try:
            aci = doc.layers.get(entity.dxf.layer).color
        except ezdxf.DXFTableEntryError:
            aci = 7
    r, g, b = colors.aci2rgb(max(1, min(255, abs(int(aci)))))
    return f"#{r:02x}{g:02x}{b:02x}"


def _flatten(entity, tolerance: float) -> list[tuple[float, float]]:
    """A closed polyline's outline as points: its vertices as stored when it is a plain
    LWPOLYLINE (no bulges, drawn in the XY plane), else ezdxf's flattening of its path."""
    if entity.dxftype() == "LWPOLYLINE" and tuple(entity.dxf.extrusion) == (0.0, 0.0, 1.0):
        vertices = np.asarray(entity.lwpoints.values, dtype=float).reshape(-1, 5)
        if len(vertices) and not vertices[:, 4].any():  # column 4 holds the bulges
            xy = vertices[:, :2]
            if not np.array_equal(xy[0], xy[-1]):
                xy = np.vstack([xy, xy[:1]])  # the closing point, as the flattened path has it
            return [tuple(p) for p in xy.tolist()]
    from ezdxf import path as ezpath

    p = ezpath.make_path(entity)
    return [(v.x, v.y) for v in p.flattening(distance=tolerance)]
