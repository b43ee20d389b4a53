"""SVG reader: filled/closed paths, polygons and rects per group label, scaled to mm.

Honours the root ``width``/``height`` units and ``viewBox``; ``dpi`` is only needed when the file
gives no physical size (then user units are pixels at ``dpi``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from shapely.geometry import MultiPolygon

from ..errors import DesignError, ParameterError
from ..units import parse_length
from .rings import rings_to_multipolygon

SVG_NS = "{http://www.w3.org/2000/svg}"
INKSCAPE_LABEL = "{http://www.inkscape.org/namespaces/inkscape}label"
_TOKEN = re.compile(r"[MmLlHhVvZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def read_svg_layers(path: str | Path, *, dpi: float | None = None) -> dict[str, MultiPolygon]:
    """Closed shapes per layer (group ``inkscape:label`` or ``id``) of the SVG at ``path``, in mm."""
    try:
        root = ET.parse(str(path)).getroot()
    except (OSError, ET.ParseError) as exc:
        raise DesignError(str(path), f"not a readable SVG ({exc})") from None
    sx, sy, height = _scale(root, dpi, str(path))
    rings: dict[str, list[list[tuple[float, float]]]] = defaultdict(list)
    for group in root.iter(f"{SVG_NS}g"):
        name = group.get(INKSCAPE_LABEL) or group.get("id") or "default"
        for child in group:
            for ring in _rings(child):
                rings[name].append([(x * sx, (height - y) * sy) for x, y in ring])
    return {name: rings_to_multipolygon(items) for name, items in rings.items()}


def _scale(root: ET.Element, dpi: float | None, where: str) -> tuple[float, float, float]:
    view = root.get("viewBox")
    width, height = root.get("width"), root.get("height")
    vb = [float(v) for v in re.split(r"[\s,]+", view.strip())] if view else None
    physical = width is not None and re.search(r"[a-z]", width or "") and not width.endswith("%")
    if physical and not width.endswith("px"):
        w_mm = parse_length(width, field="width")
        h_mm = parse_length(height or width, field="height")
    elif dpi is not None:
        px = 25.4 / dpi
        w_px = float(re.sub(r"px$", "", width)) if width else (vb[2] if vb else 0.0)
        h_px = float(re.sub(r"px$", "", height)) if height else (vb[3] if vb else 0.0)
        w_mm, h_mm = w_px * px, h_px * px
    else:
        raise ParameterError("--dpi", f"{where} gives no physical size (width/height in mm or in); "
                                      "pass --dpi (e.g. 96)")
    if vb:
        return w_mm / vb[2], h_mm / vb[3], vb[3] + vb[1]
    return 1.0, 1.0, h_mm


def _rings(el: ET.Element) -> list[list[tuple[float, float]]]:
    tag = el.tag.removeprefix(SVG_NS)
    if tag == "path":
        return _path_rings(el.get("d", ""))
    if tag in ("polygon", "polyline"):
        nums = [float(v) for v in re.split(r"[\s,]+", el.get("points", "").strip()) if v]
        return [list(zip(nums[0::2], nums[1::2], strict=False))]
    if tag == "rect":
        x, y = float(el.get("x", 0)), float(el.get("y", 0))
        w, h = float(el.get("width", 0)), float(el.get("height", 0))
        return [[(x, y), (x + w, y), (x + w, y + h), (x, y + h)]]
    return []


def _path_rings(d: str) -> list[list[tuple[float, float]]]:
    """Rings of a path made of straight segments (M, L, H, V, Z, absolute or relative)."""
    tokens = _TOKEN.findall(d)
    rings: list[list[tuple[float, float]]] = []
    ring: list[tuple[float, float]] = []
    x = y = 0.0
    cmd = "M"
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok
            i += 1
            if cmd in "Zz":
                if ring:
                    rings.append(ring)
                    x, y = ring[0]
                ring = []
            continue
        rel = cmd.islower()
        c = cmd.upper()
        if c in "ML":
            nx, ny = float(tokens[i]), float(tokens[i + 1])
            i += 2
            x, y = (x + nx, y + ny) if rel else (nx, ny)
            if c == "M":
                if ring:
                    rings.append(ring)
                ring = [(x, y)]
                cmd = "l" if rel else "L"
            else:
                ring.append((x, y))
        elif c == "H":
            x = x + float(tok) if rel else float(tok)
            ring.append((x, y))
            i += 1
        elif c == "V":
            y = y + float(tok) if rel else float(tok)
            ring.append((x, y))
            i += 1
        else:
            i += 1
    if ring:
        rings.append(ring)
    return rings
