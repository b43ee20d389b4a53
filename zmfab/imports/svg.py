"""SVG reader: closed shapes per layer (group label) or per colour, at true scale in mm.

Honours the root ``width``/``height`` units and ``viewBox`` (its offset too); ``dpi`` is only
needed when the file gives no physical size (then user units are pixels at ``dpi``). Reads
``path`` (M L H V C S Q T A Z, absolute and relative), ``polygon``, ``polyline``, ``rect``,
``circle``, ``ellipse``, with ``transform`` on any element or group (matrix, translate, scale,
rotate, skewX, skewY). Curves are flattened to ``tolerance`` mm. Written here rather than with
svgelements: the subset above is ~250 lines, keeps the dependency list short and lets the
flattening tolerance be given in mm.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import numpy as np
from shapely.geometry import MultiPolygon

from ..errors import DesignError, ParameterError
from ..units import parse_length
from .rings import Key, rings_to_multipolygon

SVG_NS = "{http://www.w3.org/2000/svg}"
INKSCAPE_LABEL = "{http://www.inkscape.org/namespaces/inkscape}label"
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rf"[MmLlHhVvCcSsQqTtAaZz]|{_NUM}")
_NAMED = {"black": "#000000", "white": "#ffffff", "red": "#ff0000", "green": "#008000",
          "lime": "#00ff00", "blue": "#0000ff", "yellow": "#ffff00", "cyan": "#00ffff",
          "magenta": "#ff00ff", "grey": "#808080", "gray": "#808080", "orange": "#ffa500"}
Ring = list[tuple[float, float]]


def read_svg_layers(path: str | Path, *, dpi: float | None = None, by: str = "layer",
                    tolerance: float = 0.002) -> dict[Key, MultiPolygon]:
    """Closed shapes of the SVG at ``path`` in mm, keyed by group label (``by="layer"``: the
    nearest ``inkscape:label`` or ``id``; shapes outside groups go to ``"default"``) or by
    ``by="colour"`` (``#rrggbb`` of the stroke, else the fill), or ``by="layer+colour"``
    (``(label, colour)`` keys)."""
    try:
        root = ET.parse(str(path)).getroot()
    except (OSError, ET.ParseError) as exc:
        raise DesignError(str(path), f"not a readable SVG ({exc})") from None
    if by not in ("layer", "colour", "layer+colour"):
        raise ParameterError("by", f"{by!r} is not allowed (use layer, colour or layer+colour)")
    sx, sy, x0, y_top = _scale(root, dpi, str(path))
    tol_user = tolerance / max(min(abs(sx), abs(sy)), 1e-12)
    rings: dict[Key, list] = defaultdict(list)
    for el, matrix, label, colour in _walk(root, np.eye(3), "default", {}):
        key = label if by == "layer" else colour if by == "colour" else (label, colour)
        for ring in _rings(el, tol_user):
            pts = _apply(matrix, ring)
            rings[key].append([((x - x0) * sx, (y_top - y) * sy) for x, y in pts])
    return {name: rings_to_multipolygon(items) for name, items in rings.items()}


def _walk(el: ET.Element, matrix: np.ndarray, label: str, style: dict[str, str]):
    for child in el:
        tag = child.tag.removeprefix(SVG_NS)
        if tag in ("defs", "metadata", "title", "desc", "style", "clipPath", "mask", "symbol"):
            continue
        st = {**style, **_style(child)}
        if st.get("display") == "none":
            continue
        m = matrix @ parse_transform(child.get("transform", ""))
        if tag == "g":
            name = child.get(INKSCAPE_LABEL) or child.get("id") or label
            yield from _walk(child, m, name, st)
        elif tag in ("path", "polygon", "polyline", "rect", "circle", "ellipse"):
            yield child, m, label, _colour(st)


def _style(el: ET.Element) -> dict[str, str]:
    out = {k: el.get(k) for k in ("fill", "stroke", "display") if el.get(k) is not None}
    for item in (el.get("style") or "").split(";"):
        if ":" in item:
            k, v = item.split(":", 1)
            out[k.strip()] = v.strip()
    return out  # type: ignore[return-value]


def _colour(style: dict[str, str]) -> str:
    for key in ("stroke", "fill"):
        value = (style.get(key) or "").strip().lower()
        if not value or value == "none":
            continue
        if value in _NAMED:
            return _NAMED[value]
        if re.fullmatch(r"#[0-9a-f]{3}", value):
            return "#" + "".join(c * 2 for c in value[1:])
        if re.fullmatch(r"#[0-9a-f]{6}", value):
            return value
        m = re.fullmatch(r"rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)", value)
        if m:
            return "#" + "".join(f"{min(int(v), 255):02x}" for v in m.groups())
        return value
    return "#000000"


def parse_transform(text: str) -> np.ndarray:
    """The 3×3 matrix of an SVG ``transform`` attribute."""
    m = np.eye(3)
    for name, args in re.findall(r"(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)", text):
        v = [float(a) for a in re.findall(_NUM, args)]
        t = np.eye(3)
        if name == "matrix" and len(v) == 6:
            t = np.array([[v[0], v[2], v[4]], [v[1], v[3], v[5]], [0, 0, 1]])
        elif name == "translate" and v:
            t[0, 2], t[1, 2] = v[0], (v[1] if len(v) > 1 else 0.0)
        elif name == "scale" and v:
            t[0, 0], t[1, 1] = v[0], (v[1] if len(v) > 1 else v[0])
        elif name == "rotate" and v:
            a = math.radians(v[0])
            r = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
            if len(v) == 3:
                pre, post = np.eye(3), np.eye(3)
                pre[:2, 2], post[:2, 2] = (v[1], v[2]), (-v[1], -v[2])
                r = pre @ r @ post
            t = r
        elif name == "skewX" and v:
            t[0, 1] = math.tan(math.radians(v[0]))
        elif name == "skewY" and v:
            t[1, 0] = math.tan(math.radians(v[0]))
        m = m @ t
    return m


def _apply(m: np.ndarray, ring: Ring) -> Ring:
    if np.allclose(m, np.eye(3)):
        return ring
    a = np.asarray(ring, dtype=float)
    out = a @ m[:2, :2].T + m[:2, 2]
    return [(float(x), float(y)) for x, y in out]


def _scale(root: ET.Element, dpi: float | None, where: str) -> tuple[float, float, float, float]:
    """(mm per user unit in x, in y, viewBox x origin, user y of the top edge + height)."""
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
        return w_mm / vb[2], h_mm / vb[3], vb[0], vb[3] + vb[1]
    # No viewBox: a user unit is a CSS pixel (1/96 in), or 1/dpi in when the file has no size.
    unit = 25.4 / 96.0 if physical and not width.endswith("px") else 25.4 / (dpi or 96.0)
    return unit, unit, 0.0, h_mm / unit


def _f(el: ET.Element, key: str) -> float:
    value = el.get(key, "0") or "0"
    return float(re.sub(r"[a-z%]+$", "", value.strip()) or 0)


def _rings(el: ET.Element, tol: float) -> list[Ring]:
    tag = el.tag.removeprefix(SVG_NS)
    if tag == "path":
        return path_rings(el.get("d", ""), tolerance=tol)
    if tag in ("polygon", "polyline"):
        nums = [float(v) for v in re.findall(_NUM, el.get("points", ""))]
        return [list(zip(nums[0::2], nums[1::2], strict=False))]
    if tag == "rect":
        x, y, w, h = _f(el, "x"), _f(el, "y"), _f(el, "width"), _f(el, "height")
        return [[(x, y), (x + w, y), (x + w, y + h), (x, y + h)]]
    if tag in ("circle", "ellipse"):
        cx, cy = _f(el, "cx"), _f(el, "cy")
        rx = _f(el, "r") if tag == "circle" else _f(el, "rx")
        ry = _f(el, "r") if tag == "circle" else _f(el, "ry")
        n = _segments(2 * math.pi, max(rx, ry), tol)
        return [[(cx + rx * math.cos(2 * math.pi * k / n), cy + ry * math.sin(2 * math.pi * k / n))
                 for k in range(n)]]
    return []


def _segments(sweep: float, radius: float, tol: float) -> int:
    if radius <= tol:
        return 8
    step = 2 * math.acos(max(-1.0, 1 - tol / radius))
    return int(min(2000, max(8, math.ceil(abs(sweep) / max(step, 1e-6)))))


def _bezier(p: list[tuple[float, float]], tol: float) -> Ring:
    """Points (without the first) of a quadratic or cubic Bézier, chords within ``tol``."""
    a = np.asarray(p, dtype=float)
    span = float(np.hypot(*np.diff(a, axis=0).T).sum())
    n = int(min(500, max(2, math.ceil(math.sqrt(span / max(tol, 1e-12)) / 2))))
    t = np.linspace(0, 1, n + 1)[1:, None]
    if len(a) == 3:
        pts = (1 - t) ** 2 * a[0] + 2 * (1 - t) * t * a[1] + t ** 2 * a[2]
    else:
        pts = ((1 - t) ** 3 * a[0] + 3 * (1 - t) ** 2 * t * a[1] + 3 * (1 - t) * t ** 2 * a[2]
               + t ** 3 * a[3])
    return [(float(x), float(y)) for x, y in pts]


def _arc(p0: tuple[float, float], rx: float, ry: float, phi: float, large: bool, sweep: bool,
         p1: tuple[float, float], tol: float) -> Ring:
    """Points (without the first) of an SVG elliptical arc (endpoint parameterisation)."""
    if p0 == p1:
        return []
    rx, ry = abs(rx), abs(ry)
    if rx == 0 or ry == 0:
        return [p1]
    c, s = math.cos(math.radians(phi)), math.sin(math.radians(phi))
    dx, dy = (p0[0] - p1[0]) / 2, (p0[1] - p1[1]) / 2
    x1p, y1p = c * dx + s * dy, -s * dx + c * dy
    lam = x1p ** 2 / rx ** 2 + y1p ** 2 / ry ** 2
    if lam > 1:
        rx, ry = rx * math.sqrt(lam), ry * math.sqrt(lam)
    num = rx ** 2 * ry ** 2 - rx ** 2 * y1p ** 2 - ry ** 2 * x1p ** 2
    den = rx ** 2 * y1p ** 2 + ry ** 2 * x1p ** 2
    k = math.sqrt(max(num / den, 0.0)) if den else 0.0
    if large == sweep:
        k = -k
    cxp, cyp = k * rx * y1p / ry, -k * ry * x1p / rx
    cx = c * cxp - s * cyp + (p0[0] + p1[0]) / 2
    cy = s * cxp + c * cyp + (p0[1] + p1[1]) / 2

    def ang(ux: float, uy: float, vx: float, vy: float) -> float:
        return math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)

    t0 = ang(1, 0, (x1p - cxp) / rx, (y1p - cyp) / ry)
    dt = ang((x1p - cxp) / rx, (y1p - cyp) / ry, (-x1p - cxp) / rx, (-y1p - cyp) / ry)
    if not sweep and dt > 0:
        dt -= 2 * math.pi
    elif sweep and dt < 0:
        dt += 2 * math.pi
    n = _segments(dt, max(rx, ry), tol)
    out = []
    for i in range(1, n + 1):
        t = t0 + dt * i / n
        x, y = rx * math.cos(t), ry * math.sin(t)
        out.append((c * x - s * y + cx, s * x + c * y + cy))
    out[-1] = p1
    return out


def path_rings(d: str, *, tolerance: float = 0.002) -> list[Ring]:
    """Rings (one per subpath) of SVG path data, curves flattened to ``tolerance`` user units."""
    tokens = _TOKEN.findall(d)
    rings: list[Ring] = []
    ring: Ring = []
    x = y = 0.0
    start = (0.0, 0.0)
    cmd = ""
    last_ctrl: tuple[float, float] | None = None
    last_cmd = ""
    i = 0

    def num() -> float:
        nonlocal i
        value = float(tokens[i])
        i += 1
        return value

    def flag() -> bool:
        nonlocal i
        tok = tokens[i]
        if tok[0] in "01" and len(tok) > 1:  # flags written together: "a1 1 0 00.5.5"
            tokens[i:i + 1] = [tok[0], tok[1:]]
        i += 1
        return tokens[i - 1] == "1"

    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok
            i += 1
            if cmd in "Zz":
                if ring:
                    rings.append(ring)
                x, y = start
                ring = []
                last_cmd, last_ctrl = "Z", None
                continue
        if not cmd:
            raise DesignError("path", f"path data must start with a command: {d[:40]!r}")
        rel = cmd.islower()
        c = cmd.upper()
        ox, oy = (x, y) if rel else (0.0, 0.0)
        try:
            if c == "M":
                x, y = ox + num(), oy + num()
                if ring:
                    rings.append(ring)
                ring, start = [(x, y)], (x, y)
                cmd = "l" if rel else "L"
                last_ctrl = None
            elif c == "L":
                x, y = ox + num(), oy + num()
                ring.append((x, y))
                last_ctrl = None
            elif c == "H":
                x = ox + num()
                ring.append((x, y))
                last_ctrl = None
            elif c == "V":
                y = (y if rel else 0.0) + num()
                ring.append((x, y))
                last_ctrl = None
            elif c in "CS":
                if c == "C":
                    c1 = (ox + num(), oy + num())
                else:
                    c1 = ((2 * x - last_ctrl[0], 2 * y - last_ctrl[1])
                          if last_ctrl and last_cmd in "CS" else (x, y))
                c2 = (ox + num(), oy + num())
                end = (ox + num(), oy + num())
                ring += _bezier([(x, y), c1, c2, end], tolerance)
                last_ctrl, (x, y) = c2, end
            elif c in "QT":
                if c == "Q":
                    q = (ox + num(), oy + num())
                else:
                    q = ((2 * x - last_ctrl[0], 2 * y - last_ctrl[1])
                         if last_ctrl and last_cmd in "QT" else (x, y))
                end = (ox + num(), oy + num())
                ring += _bezier([(x, y), q, end], tolerance)
                last_ctrl, (x, y) = q, end
            elif c == "A":
                rx, ry, phi = num(), num(), num()
                large, sweep = flag(), flag()
                end = (ox + num(), oy + num())
                ring += _arc((x, y), rx, ry, phi, large, sweep, end, tolerance)
                (x, y), last_ctrl = end, None
            else:
                i += 1
        except (IndexError, ValueError):
            raise DesignError("path", f"malformed path data near {' '.join(tokens[i - 3:i + 1])!r}"
                              ) from None
        last_cmd = c
    if ring:
        rings.append(ring)
    return rings
