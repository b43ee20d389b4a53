"""A cut-cell grid over a thin electrolyte film: node classes and link conductances.

Nodes sit at the centres of a uniform ``nx`` x ``ny`` grid of cells covering the domain's bounding
box. A node inside the anode or cathode is an equipotential (Dirichlet) node; a node of the
domain outside both electrodes is an unknown. Links join 4-neighbours:

* unknown–unknown: conductance ``σh · f·w / d`` where ``w`` is the cell's face width, ``d`` the
  node spacing and ``f`` the fraction of the face inside the domain (insulating walls that do not
  follow grid lines are so weighted, finite-volume style);
* unknown–electrode: the link is cut where it crosses the electrode edge, at ``θ·d`` from the
  unknown node, and its conductance is ``σh · f·w / (θ·d)`` (the symmetric Shortley–Weller
  discretisation of Gibou et al., J. Comput. Phys. 176 (2002) 205, second-order in the potential).

Everything is in mm except the conductance prefactor, which the caller supplies in siemens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

#: Node classes.
OUTSIDE, FILM, ANODE, CATHODE = -1, 0, 1, 2

#: Cut fractions below this are clamped (a node this close to an edge is almost on it).
THETA_MIN = 1e-3

_BISECTIONS = 30


@dataclass(frozen=True)
class Grid:
    """Node (j, i) sits at (x0 + (i + ½)·dx, y0 + (j + ½)·dy), in mm."""

    x0: float
    y0: float
    dx: float
    dy: float
    nx: int
    ny: int

    @property
    def cells(self) -> int:
        return self.nx * self.ny

    def node_axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Node columns' x and rows' y (mm)."""
        return (self.x0 + (np.arange(self.nx) + 0.5) * self.dx,
                self.y0 + (np.arange(self.ny) + 0.5) * self.dy)

    def corner_axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-corner columns' x and rows' y (mm)."""
        return self.x0 + np.arange(self.nx + 1) * self.dx, self.y0 + np.arange(self.ny + 1) * self.dy

    def node_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Node coordinates as two (ny, nx) arrays in mm."""
        return np.meshgrid(*self.node_axes())

    def corner_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-corner coordinates as two (ny + 1, nx + 1) arrays in mm."""
        return np.meshgrid(*self.corner_axes())

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of the grid in mm, as matplotlib's imshow wants it."""
        return (self.x0, self.x0 + self.nx * self.dx, self.y0, self.y0 + self.ny * self.dy)


def make_grid(bounds: tuple[float, float, float, float], *, cells: int | None = None,
              resolution: float | None = None) -> Grid:
    """A grid over ``bounds`` (mm) with about ``cells`` cells, or cells about ``resolution`` mm wide."""
    xmin, ymin, xmax, ymax = bounds
    width, height = xmax - xmin, ymax - ymin
    if resolution is None:
        resolution = float(np.sqrt(width * height / float(cells or 250_000)))
    nx = max(2, round(width / resolution))
    ny = max(2, round(height / resolution))
    return Grid(xmin, ymin, width / nx, height / ny, nx, ny)


@dataclass
class Links:
    """The linear system's pieces: film-film links and film-electrode (cut) links.

    ``pairs`` (m, 2) hold flat node indices of film-film links with conductances ``g`` (in units of
    σh); ``cut_node``, ``cut_electrode``, ``cut_g`` the film node, electrode class and conductance of
    each cut link, ``cut_xy`` where it crosses the electrode edge (mm), ``cut_axis`` 1 for an x
    link and 0 for a y link, and ``inside`` (flat) whether a node lies in the domain itself.
    """

    state: np.ndarray
    inside: np.ndarray
    pairs: np.ndarray
    g: np.ndarray
    cut_node: np.ndarray
    cut_electrode: np.ndarray
    cut_g: np.ndarray
    cut_xy: np.ndarray
    cut_axis: np.ndarray
    cut_frac: np.ndarray


def classify(grid: Grid, domain: BaseGeometry, anode: BaseGeometry,
             cathode: BaseGeometry) -> np.ndarray:
    """Node classes (ny, nx): ANODE, CATHODE, FILM or OUTSIDE.

    A node outside the domain whose cell still touches it counts as film, so the face fractions
    see the whole domain.
    """
    xs, ys = grid.node_axes()
    corner_in = lattice_inside(domain, *grid.corner_axes())
    touching = corner_in[:-1, :-1] | corner_in[1:, :-1] | corner_in[:-1, 1:] | corner_in[1:, 1:]
    state = np.full((grid.ny, grid.nx), OUTSIDE, dtype=np.int8)
    state[touching | lattice_inside(domain, xs, ys)] = FILM
    state[lattice_inside(cathode, xs, ys)] = CATHODE
    state[lattice_inside(anode, xs, ys)] = ANODE
    return state


def build_links(grid: Grid, domain: BaseGeometry, anode: BaseGeometry,
                cathode: BaseGeometry) -> Links:
    """Classify nodes and compute every link's conductance (in units of σh, dimensionless)."""
    state = classify(grid, domain, anode, cathode)
    cx, cy = grid.corner_xy()
    corner_in = lattice_inside(domain, *grid.corner_axes())
    flat = np.arange(grid.cells).reshape(grid.ny, grid.nx)
    node_x, node_y = (v.ravel() for v in grid.node_xy())
    electrodes = {ANODE: boundary_edges(anode), CATHODE: boundary_edges(cathode)}

    pairs, gs, cut_nodes, cut_kinds, cut_gs, cut_xys, cut_axes, cut_fracs = [], [], [], [], [], [], [], []
    for axis in (1, 0):
        if axis == 1:  # horizontal links: (j, i) -> (j, i + 1); face at corner column i + 1
            a, b = flat[:, :-1].ravel(), flat[:, 1:].ravel()
            c0, c1 = corner_in[:-1, 1:-1].ravel(), corner_in[1:, 1:-1].ravel()
            p0 = (cx[:-1, 1:-1].ravel(), cy[:-1, 1:-1].ravel())
            p1 = (cx[1:, 1:-1].ravel(), cy[1:, 1:-1].ravel())
            ratio, step = grid.dy / grid.dx, (grid.dx, 0.0)
        else:  # vertical links: (j, i) -> (j + 1, i); face at corner row j + 1
            a, b = flat[:-1, :].ravel(), flat[1:, :].ravel()
            c0, c1 = corner_in[1:-1, :-1].ravel(), corner_in[1:-1, 1:].ravel()
            p0 = (cx[1:-1, :-1].ravel(), cy[1:-1, :-1].ravel())
            p1 = (cx[1:-1, 1:].ravel(), cy[1:-1, 1:].ravel())
            ratio, step = grid.dx / grid.dy, (0.0, grid.dy)
        sa, sb = state.ravel()[a], state.ravel()[b]
        film_a, film_b = sa == FILM, sb == FILM
        wanted = (film_a & (sb != OUTSIDE)) | (film_b & (sa != OUTSIDE))
        idx = np.flatnonzero(wanted)
        frac = _face_fraction(domain, c0[idx], c1[idx], [p[idx] for p in p0], [p[idx] for p in p1])
        a, b, sa, sb = a[idx], b[idx], sa[idx], sb[idx]
        both = (sa == FILM) & (sb == FILM) & (frac > 0)
        pairs.append(np.stack([a[both], b[both]], axis=1))
        gs.append(frac[both] * ratio)
        for node, s_other, sign in ((a, sb, 1.0), (b, sa, -1.0)):
            for kind, edges in electrodes.items():
                sel = (state.ravel()[node] == FILM) & (s_other == kind) & (frac > 0)
                if not sel.any():
                    continue
                n = node[sel]
                x0, y0 = node_x[n], node_y[n]
                theta = first_entry(edges, x0, y0, sign * step[0], sign * step[1])
                cut_nodes.append(n)
                cut_kinds.append(np.full(n.size, kind, dtype=np.int8))
                cut_axes.append(np.full(n.size, axis, dtype=np.int8))
                cut_fracs.append(frac[sel])
                cut_gs.append(frac[sel] * ratio / np.maximum(theta, THETA_MIN))
                cut_xys.append(np.stack([x0 + theta * sign * step[0], y0 + theta * sign * step[1]], 1))
    return Links(
        state=state,
        inside=lattice_inside(domain, *grid.node_axes()).ravel(),
        pairs=np.concatenate(pairs) if pairs else np.zeros((0, 2), int),
        g=np.concatenate(gs) if gs else np.zeros(0),
        cut_node=np.concatenate(cut_nodes) if cut_nodes else np.zeros(0, int),
        cut_electrode=np.concatenate(cut_kinds) if cut_kinds else np.zeros(0, np.int8),
        cut_g=np.concatenate(cut_gs) if cut_gs else np.zeros(0),
        cut_xy=np.concatenate(cut_xys) if cut_xys else np.zeros((0, 2)),
        cut_axis=np.concatenate(cut_axes) if cut_axes else np.zeros(0, np.int8),
        cut_frac=np.concatenate(cut_fracs) if cut_fracs else np.zeros(0),
    )


def _face_fraction(domain: BaseGeometry, in0: np.ndarray, in1: np.ndarray,
                   p0: list[np.ndarray], p1: list[np.ndarray]) -> np.ndarray:
    """Fraction of each face (p0 -> p1) inside ``domain``, from its end corners' membership."""
    frac = np.where(in0 & in1, 1.0, 0.0)
    one = in0 != in1
    if one.any():
        shapely.prepare(domain)
        # walk from the inside corner towards the outside one
        start_x = np.where(in0[one], p0[0][one], p1[0][one])
        start_y = np.where(in0[one], p0[1][one], p1[1][one])
        dx = np.where(in0[one], p1[0][one] - p0[0][one], p0[0][one] - p1[0][one])
        dy = np.where(in0[one], p1[1][one] - p0[1][one], p0[1][one] - p1[1][one])
        lo, hi = np.zeros(start_x.size), np.ones(start_x.size)
        for _ in range(_BISECTIONS):
            mid = 0.5 * (lo + hi)
            inside = shapely.intersects_xy(domain, start_x + mid * dx, start_y + mid * dy)
            lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
        frac[one] = 0.5 * (lo + hi)
    return frac


def lattice_inside(geom: BaseGeometry, xs: np.ndarray, ys: np.ndarray, *,
                   closed: bool = True) -> np.ndarray:
    """Whether each point of the lattice ``xs`` x ``ys`` (mm) lies in ``geom``: a (len(ys),
    len(xs)) array, as ``shapely.intersects_xy`` (``closed``) or ``contains_xy`` would give.

    One scan line per row: the edges cut with the rows their half-open span covers, even-odd
    counting by binary search; a point on a cut or on an edge lying along its row is on the
    boundary, as is a vertex on a row. Linear in the lattice and the outline, where a point
    location per node is not.
    """
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    out = np.zeros((len(ys), len(xs)), dtype=bool)
    a, b = boundary_edges(geom)
    if len(a) == 0 or out.size == 0:
        return out
    ya, yb = a[:, 1], b[:, 1]
    row, cut, _ = _row_cuts(a[:, 0], ya, b[:, 0], yb, ys, closed=False)
    flat = (ya == yb) & np.isin(ya, ys)  # edges along a row: their points are boundary
    frow = np.searchsorted(ys, ya[flat])
    f0, f1 = np.minimum(a[flat, 0], b[flat, 0]), np.maximum(a[flat, 0], b[flat, 0])
    base = min(float(xs.min()), float(cut.min(initial=xs.min())), float(f0.min(initial=xs.min())))
    width = max(float(xs.max()), float(cut.max(initial=xs.max())),
                float(f1.max(initial=xs.max()))) - base + 1.0
    keys = np.sort(row * width + (cut - base))
    q = (np.arange(len(ys))[:, None] * width + (xs[None, :] - base)).ravel()
    row_end = np.searchsorted(keys, (np.arange(len(ys)) + 1) * width)
    left = np.searchsorted(keys, q, "left")
    right = np.searchsorted(keys, q, "right")
    after = np.repeat(row_end, len(xs)) - right  # cuts to the right of each point
    inside = after % 2 == 1
    on = right > left
    vert = np.isin(a[:, 1], ys)  # a vertex on a row (an edge's top end is outside its span)
    if vert.any():
        on |= np.isin(q, np.searchsorted(ys, a[vert, 1]) * width + (a[vert, 0] - base))
    if flat.any():
        order = np.argsort(frow * width + (f0 - base), kind="stable")
        starts = (frow * width + (f0 - base))[order]
        ends = np.maximum.accumulate((frow * width + (f1 - base))[order])
        k = np.searchsorted(starts, q, "right") - 1
        on |= (k >= 0) & (ends[np.maximum(k, 0)] >= q)
    flat_out = inside | on if closed else inside & ~on
    return flat_out.reshape(len(ys), len(xs))


def _row_cuts(ua: np.ndarray, va: np.ndarray, ub: np.ndarray, vb: np.ndarray, lines: np.ndarray,
              *, closed: bool) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Where edges (ua, va) -> (ub, vb) cross the lines v = ``lines`` (sorted): (line index,
    position u) of every cut, and (which cuts, far end u) of the edges lying on a line.

    ``closed``: an edge cuts the lines of its closed span [vmin, vmax] (every boundary point);
    else of the half-open [vmin, vmax), as even-odd counting needs (no edge lies on a line then).
    """
    lo = np.searchsorted(lines, np.minimum(va, vb), "left")
    hi = np.searchsorted(lines, np.maximum(va, vb), "right" if closed else "left")
    count = hi - lo
    edge = np.repeat(np.arange(len(ua)), count)
    line = np.arange(edge.size) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)
    dv = vb[edge] - va[edge]
    flat = dv == 0
    t = np.where(flat, 0.0, (lines[line] - va[edge]) / np.where(flat, 1.0, dv))
    return line, ua[edge] + t * (ub[edge] - ua[edge]), (flat, ub[edge][flat])


def boundary_edges(geom: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    """The edges of every ring of ``geom``'s polygons: start and end points, two (m, 2) arrays (mm)."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    if len(rings) == 0:
        return np.zeros((0, 2)), np.zeros((0, 2))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    return xy[:-1][same], xy[1:][same]


def first_entry(edges: tuple[np.ndarray, np.ndarray], x: np.ndarray, y: np.ndarray, sx: float,
                sy: float) -> np.ndarray:
    """Fraction θ in [0, 1] of the axis-aligned step (sx, sy) from points (x, y) outside a closed
    region to the first point of its boundary ``edges`` (:func:`boundary_edges`); 1 where the
    step meets none.

    A scan line per distinct row (or column) of starts: every edge is cut with the lines its
    closed span in the cross direction covers (an edge lying on a line gives both its ends), the
    cuts are sorted by line and position, and each start finds its next cut by one binary
    search. Exact to round-off, where bisecting a point-in-polygon test costs 30 tests a link.
    """
    if sx != 0 and sy != 0:
        raise ValueError("first_entry: the step must be along x or along y")
    along, cross = (0, 1) if sy == 0 else (1, 0)
    s = float(sx if sy == 0 else sy)
    u0, v0 = (x, y) if sy == 0 else (y, x)
    theta = np.ones(len(u0))
    a, b = edges
    if len(u0) == 0 or len(a) == 0 or s == 0:
        return theta
    lines, row = np.unique(v0, return_inverse=True)
    line, cut, on_line = _row_cuts(a[:, along], a[:, cross], b[:, along], b[:, cross], lines,
                                   closed=True)
    line = np.concatenate([line, line[on_line[0]]])
    cut = np.concatenate([cut, on_line[1]])
    if cut.size == 0:
        return theta
    base = min(float(cut.min()), float(u0.min()))
    width = max(float(cut.max()), float(u0.max())) - base + 1.0
    keys = np.sort(line * width + (cut - base))
    lines_of = np.floor(keys / width).astype(np.int64)
    q = row * width + (u0 - base)
    if s > 0:
        pos = np.searchsorted(keys, q, "left")
        ok = pos < keys.size
        ok[ok] &= lines_of[pos[ok]] == row[ok]
        dist = (keys[np.minimum(pos, keys.size - 1)] - q)
    else:
        pos = np.searchsorted(keys, q, "right") - 1
        ok = pos >= 0
        ok[ok] &= lines_of[pos[ok]] == row[ok]
        dist = q - keys[np.maximum(pos, 0)]
    theta[ok] = np.clip(dist[ok] / abs(s), 0.0, 1.0)
    return theta
