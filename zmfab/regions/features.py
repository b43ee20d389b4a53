"""Feature-size measurements by morphology: lines narrower and spaces smaller than a limit.

A line narrower than ``w`` is what a morphological opening (erode by ``w/2``, dilate by ``w/2``)
removes; a space smaller than ``s`` is what a closing (dilate by ``s/2``, erode) fills. Mitred
joins keep rectangular corners exact, so only real narrow features remain. Each spot's width is
measured as twice the distance from its innermost point to the nearest edge.

Pieces shorter than the limit are left out unless they matter: a nub or sliver shorter than
the minimum line is rounded off by the print, and a notch shorter than the minimum space inside
one polygon fills with ink, but a short neck that joins two wider parts is still reported, and
two separate polygons closer than the space always are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from . import as_multipolygon
from .windowed import FRAGMENTED, changed_region, fragments

#: Pieces thinner than this (mm) are round-off of the buffer operations, not features.
NOISE = 2e-3
#: ... nor are pieces thinner than this fraction of the limit: the shallow dents where an arc
#: meets a straight edge at a slight kink, which ink fills anyway.
NOISE_FRACTION = 0.05
#: How many candidate spots get an exact width measurement (the rest are ranked by 2·area/perimeter).
MEASURED = 24
#: A feature exactly at the limit passes: the morphology runs this much (mm) inside the limit,
#: so floating-point round-off in the buffers never flags a line or space drawn at the limit.
AT_LIMIT = 1e-6
#: Vertices this close (mm) to the straight line through their neighbours are not corners.
SAME_EDGE = 1e-9
_MITRE = {"join_style": "mitre", "mitre_limit": 5.0}


@dataclass(frozen=True)
class Spot:
    """A place where a line is too narrow or a space too small: its width (mm) and centre (mm)."""

    width: float
    x: float
    y: float
    area: float


def narrow_lines(geom: BaseGeometry, width: float) -> list[Spot]:
    """Places where ``geom`` is narrower than ``width`` mm, narrowest first."""
    if width <= 0 or geom.is_empty:
        return []
    parts = np.asarray(shapely.get_parts(as_multipolygon(geom)))
    probe = width - 2 * AT_LIMIT
    changed, thin = _morphology(parts, probe / 2, width, opening=True)
    pieces: list[tuple[BaseGeometry, BaseGeometry]] = []
    for part, removed in zip(parts[changed], thin, strict=True):
        for piece in _real_pieces(removed, width):
            if _length(piece) < width and not _is_neck(part, piece):
                continue  # a nub shorter than it is wide: the print just rounds it off
            pieces.append((piece, part))
    return _measure(pieces, lambda piece, part, pt: 2 * part.boundary.distance(pt))


def narrow_spaces(geom: BaseGeometry, space: float) -> list[Spot]:
    """Places where two edges of ``geom`` come closer than ``space`` mm, smallest first.

    Inside each polygon a closing finds notches and slots; between polygons the spot is their
    nearest pair of points (an STRtree keeps a large panel fast).
    """
    if space <= 0 or geom.is_empty:
        return []
    parts = np.asarray(shapely.get_parts(as_multipolygon(geom)))
    probe = space - 2 * AT_LIMIT
    changed, filled = _morphology(parts, probe / 2, space, opening=False)
    # inside one polygon, a notch shorter than the space (two rounded corners meeting) fills
    # with ink harmlessly; a slot longer than that is a feature the process cannot open
    pieces = [(piece, part) for part, extra in zip(parts[changed], filled, strict=True)
              for piece in _real_pieces(extra, space) if _length(piece) >= space]
    spots = _measure(pieces, lambda piece, part, pt: 2 * part.boundary.distance(pt))
    if len(parts) > 1:
        a, b = shapely.STRtree(parts).query(parts, predicate="dwithin", distance=space)
        keep = a < b
        a, b = a[keep], b[keep]
        if len(a):
            dists = shapely.distance(parts[a], parts[b])
            for i, j, d in zip(a, b, dists, strict=True):
                if d >= probe or d <= 0:
                    continue
                mid = shapely.shortest_line(parts[i], parts[j]).interpolate(0.5, normalized=True)
                spots.append(Spot(float(d), mid.x, mid.y, 0.0))
            spots.sort(key=lambda s: s.width)
    return spots


def _length(piece: BaseGeometry) -> float:
    """The longer side of ``piece``'s minimum rotated rectangle (mm)."""
    rect = piece.minimum_rotated_rectangle
    if rect.geom_type != "Polygon":
        return rect.length
    (x0, y0), (x1, y1), (x2, y2) = list(rect.exterior.coords)[:3]
    return max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5)


def _is_neck(part: BaseGeometry, piece: BaseGeometry) -> bool:
    """Whether ``piece`` joins two wider parts of ``part`` (removing it splits the part)."""
    return len(as_multipolygon(part.difference(piece)).geoms) > 1


def _thickness(limit: float) -> float:
    return max(NOISE, NOISE_FRACTION * limit)


def _morphology(parts: np.ndarray, radius: float, limit: float, *,
                opening: bool) -> tuple[np.ndarray, np.ndarray]:
    """(which parts an opening, or closing, by a disc of ``radius`` mm changed; what it removed
    from, or added to, each changed part). A part whose first buffer falls into many pieces
    (a strip a hair inside the limit) gets its second buffer window by window
    (:mod:`.windowed`), where GEOS would take minutes on the whole."""
    first_distance = -radius if opening else radius
    first = shapely.buffer(parts, first_distance, **_MITRE)
    windowed = np.array([fragments(f) > FRAGMENTED for f in first], dtype=bool)
    changed = np.zeros(len(parts), dtype=bool)
    result = np.empty(len(parts), dtype=object)
    plain = np.flatnonzero(~windowed)
    if len(plain):
        second = shapely.buffer(first[plain], -first_distance, **_MITRE)
        moved = _changed(parts[plain], second, limit)
        idx = plain[moved]
        changed[idx] = True
        result[idx] = shapely.difference(parts[idx], second[moved]) if opening \
            else shapely.difference(second[moved], parts[idx])
    for k in np.flatnonzero(windowed):
        changed[k] = True
        result[k] = changed_region(parts[k], first[k], -first_distance, _MITRE, opening=opening)
    return changed, result[changed]


def _changed(parts: np.ndarray, result: np.ndarray, limit: float) -> np.ndarray:
    """Which parts an opening or closing changed by more than a noise piece's area could
    (the overlay that finds the pieces is the slow step; most parts are unchanged)."""
    grain = _thickness(limit) ** 2 / 2
    return np.abs(shapely.area(parts) - shapely.area(result)) > grain


def _real_pieces(geom: BaseGeometry, limit: float) -> list[BaseGeometry]:
    thickness = _thickness(limit)
    out = []
    for piece in as_multipolygon(geom).geoms:
        if piece.area < thickness * thickness:
            continue
        if piece.buffer(-thickness / 2, join_style="mitre").is_empty:
            continue
        out.append(piece)
    return out


def _canonical(piece: BaseGeometry) -> BaseGeometry:
    """``piece`` without vertices on a straight edge and in GEOS's normal order, so that
    the same region measures the same however its outline was cut and joined (the pole search
    breaks ties between equally wide places by the outline's vertices)."""
    return shapely.normalize(shapely.simplify(piece, SAME_EDGE))


def _measure(pieces: list[tuple[BaseGeometry, BaseGeometry]], width_at) -> list[Spot]:
    if not pieces:
        return []
    pieces = [(_canonical(piece), ref) for piece, ref in pieces]
    ranked = sorted(pieces, key=lambda item: 2 * item[0].area / max(item[0].length, 1e-12))
    spots = []
    for piece, ref in ranked[:MEASURED]:
        pt = polylabel(piece, tolerance=max(NOISE, piece.length * 1e-4)) \
            if piece.geom_type == "Polygon" else piece.representative_point()
        if not piece.contains(pt):
            pt = piece.representative_point()
        spots.append(Spot(float(width_at(piece, ref, pt)), pt.x, pt.y, piece.area))
    for piece, _ in ranked[MEASURED:]:
        pt = piece.representative_point()
        spots.append(Spot(2 * piece.area / max(piece.length, 1e-12), pt.x, pt.y, piece.area))
    spots.sort(key=lambda s: s.width)
    return spots

