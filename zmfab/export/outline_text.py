"""Text as polygons from a small built-in stroke font: masks carry labels that need no font.

Glyphs are polylines on a 4 x 6 grid (cap height 6 units, baseline 0); each stroke is thickened
into a polygon, so a label is plain geometry in SVG, DXF and GDS. Lower case is drawn as upper
case; a character without a glyph is drawn as ``?``.
"""

from __future__ import annotations

from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from ..regions import as_multipolygon, union_all

Stroke = list[tuple[float, float]]

_O = [(1, 0), (0, 1), (0, 5), (1, 6), (3, 6), (4, 5), (4, 1), (3, 0), (1, 0)]
_P = [(0, 0), (0, 6), (3, 6), (4, 5), (4, 4), (3, 3), (0, 3)]

#: character -> strokes on the 4 x 6 grid.
GLYPHS: dict[str, list[Stroke]] = {
    "A": [[(0, 0), (0, 4), (2, 6), (4, 4), (4, 0)], [(0, 3), (4, 3)]],
    "B": [[(0, 0), (0, 6), (3, 6), (4, 5), (4, 4), (3, 3), (0, 3)],
          [(3, 3), (4, 2), (4, 1), (3, 0), (0, 0)]],
    "C": [[(4, 5), (3, 6), (1, 6), (0, 5), (0, 1), (1, 0), (3, 0), (4, 1)]],
    "D": [[(0, 0), (0, 6), (3, 6), (4, 5), (4, 1), (3, 0), (0, 0)]],
    "E": [[(4, 6), (0, 6), (0, 0), (4, 0)], [(0, 3), (3, 3)]],
    "F": [[(4, 6), (0, 6), (0, 0)], [(0, 3), (3, 3)]],
    "G": [[(4, 5), (3, 6), (1, 6), (0, 5), (0, 1), (1, 0), (3, 0), (4, 1), (4, 3), (2, 3)]],
    "H": [[(0, 0), (0, 6)], [(4, 0), (4, 6)], [(0, 3), (4, 3)]],
    "I": [[(1, 6), (3, 6)], [(2, 6), (2, 0)], [(1, 0), (3, 0)]],
    "J": [[(4, 6), (4, 1), (3, 0), (1, 0), (0, 1)]],
    "K": [[(0, 0), (0, 6)], [(4, 6), (0, 2)], [(1, 3), (4, 0)]],
    "L": [[(0, 6), (0, 0), (4, 0)]],
    "M": [[(0, 0), (0, 6), (2, 3), (4, 6), (4, 0)]],
    "N": [[(0, 0), (0, 6), (4, 0), (4, 6)]],
    "O": [_O],
    "P": [_P],
    "Q": [_O, [(2, 2), (4, 0)]],
    "R": [_P, [(2, 3), (4, 0)]],
    "S": [[(4, 5), (3, 6), (1, 6), (0, 5), (0, 4), (1, 3), (3, 3), (4, 2), (4, 1), (3, 0), (1, 0), (0, 1)]],
    "T": [[(0, 6), (4, 6)], [(2, 6), (2, 0)]],
    "U": [[(0, 6), (0, 1), (1, 0), (3, 0), (4, 1), (4, 6)]],
    "V": [[(0, 6), (2, 0), (4, 6)]],
    "W": [[(0, 6), (1, 0), (2, 3), (3, 0), (4, 6)]],
    "X": [[(0, 0), (4, 6)], [(0, 6), (4, 0)]],
    "Y": [[(0, 6), (2, 3), (4, 6)], [(2, 3), (2, 0)]],
    "Z": [[(0, 6), (4, 6), (0, 0), (4, 0)]],
    "0": [_O, [(0, 1), (4, 5)]],
    "1": [[(1, 5), (2, 6), (2, 0)], [(1, 0), (3, 0)]],
    "2": [[(0, 5), (1, 6), (3, 6), (4, 5), (4, 4), (0, 0), (4, 0)]],
    "3": [[(0, 5), (1, 6), (3, 6), (4, 5), (4, 4), (3, 3), (4, 2), (4, 1), (3, 0), (1, 0), (0, 1)],
          [(1, 3), (3, 3)]],
    "4": [[(3, 0), (3, 6), (0, 2), (4, 2)]],
    "5": [[(4, 6), (0, 6), (0, 3), (3, 3), (4, 2), (4, 1), (3, 0), (0, 0)]],
    "6": [[(4, 5), (3, 6), (1, 6), (0, 5), (0, 1), (1, 0), (3, 0), (4, 1), (4, 2), (3, 3), (0, 3)]],
    "7": [[(0, 6), (4, 6), (1, 0)]],
    "8": [[(1, 3), (0, 4), (0, 5), (1, 6), (3, 6), (4, 5), (4, 4), (3, 3), (1, 3), (0, 2), (0, 1),
           (1, 0), (3, 0), (4, 1), (4, 2), (3, 3)]],
    "9": [[(0, 1), (1, 0), (3, 0), (4, 1), (4, 5), (3, 6), (1, 6), (0, 5), (0, 4), (1, 3), (4, 3)]],
    "-": [[(1, 3), (3, 3)]],
    "_": [[(0, 0), (4, 0)]],
    ".": [[(2, 0), (2, 0.4)]],
    ",": [[(2, 0.8), (1.4, -1)]],
    ":": [[(2, 1), (2, 1.4)], [(2, 4), (2, 4.4)]],
    "/": [[(0, 0), (4, 6)]],
    "(": [[(3, 6), (2, 5), (2, 1), (3, 0)]],
    ")": [[(1, 6), (2, 5), (2, 1), (1, 0)]],
    "+": [[(2, 1), (2, 5)], [(0, 3), (4, 3)]],
    "=": [[(0, 2), (4, 2)], [(0, 4), (4, 4)]],
    "'": [[(2, 6), (2, 4.5)]],
    "%": [[(0, 0), (4, 6)], [(0, 6), (1, 6), (1, 5), (0, 5), (0, 6)], [(3, 1), (4, 1), (4, 0), (3, 0), (3, 1)]],
    "?": [[(0, 5), (1, 6), (3, 6), (4, 5), (4, 4), (2, 3), (2, 2)], [(2, 0.4), (2, 0)]],
}
#: Characters drawn as another one.
ALIASES: dict[str, str] = {"µ": "U", "μ": "U", "×": "X", "–": "-", "—": "-", "|": "I", "[": "(",
                           "]": ")", "{": "(", "}": ")", "\"": "'"}
CELL_WIDTH = 4.0
ADVANCE = 6.0
CAP_HEIGHT = 6.0


def text_width(text: str, height: float) -> float:
    """Width in mm of ``text`` set at cap ``height`` mm (strokes included)."""
    if not text:
        return 0.0
    unit = height / CAP_HEIGHT
    return ((len(text) - 1) * ADVANCE + CELL_WIDTH) * unit + stroke_for(height)


def stroke_for(height: float) -> float:
    """The default stroke width (mm) for cap ``height``: a seventh of it."""
    return height / 7.0


def outline_text(text: str, *, height: float, x: float = 0.0, y: float = 0.0,
                 stroke: float | None = None, anchor: str = "start",
                 mirror: bool = False) -> MultiPolygon:
    """``text`` as polygons: cap ``height`` mm, baseline at ``y``, starting (or centred) at ``x``.

    ``anchor`` is ``start`` or ``middle``; ``mirror`` flips the text left-right about its centre.
    """
    sw = stroke if stroke is not None else stroke_for(height)
    unit = height / CAP_HEIGHT
    shapes: list[BaseGeometry] = []
    for i, char in enumerate(text):
        if char == " ":
            continue
        key = ALIASES.get(char, char.upper())
        for line in GLYPHS.get(key, GLYPHS["?"]):
            pts = [((px + i * ADVANCE) * unit, py * unit) for px, py in line]
            geom = Point(pts[0]) if len(set(pts)) == 1 else LineString(pts)
            shapes.append(geom.buffer(sw / 2, quad_segs=3))
    merged = as_multipolygon(union_all(shapes))
    width = text_width(text, height) - sw
    dx = x - (width / 2 if anchor == "middle" else 0.0)
    merged = affinity.translate(merged, dx, y)
    if mirror:
        merged = affinity.scale(merged, xfact=-1, yfact=1, origin=(dx + width / 2, y))
    return as_multipolygon(merged)
