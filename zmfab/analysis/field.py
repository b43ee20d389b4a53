"""Steady potential in a thin electrolyte film over a layout: resistance and edge current density.

The film (conductivity σ in S/m, thickness h) fills the *domain* less the electrodes, and the anode
and cathode edges are equipotentials (anode at the applied voltage, cathode at 0 V); every other
edge of the domain is insulating. The domain is, by default, the layout's ``active_area`` (for an
interdigitated layout: the rectangle holding fingers and buses), else the convex hull of the
electrodes; ``domain = "footprint"`` or ``"hull"`` choose otherwise. ∇·(σh∇φ) = 0 is solved on a
cut-cell grid (:mod:`zmfab.analysis.grid`) with scipy's sparse solvers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError, require
from ..regions import Layout
from ..regions.segments import nearest_segments
from .grid import ANODE, CATHODE, FILM, Grid, Links, build_links, make_grid

DOMAINS = ("auto", "active_area", "footprint", "hull")
SOLVERS = ("auto", "direct", "cg", "amg")


@dataclass(frozen=True)
class FieldSettings:
    """What to solve: film σ (S/m) and thickness (mm), grid size, applied voltage (V), domain."""

    conductivity_s_m: float = 1.0
    thickness_mm: float = 0.1
    cells: int = 250_000
    resolution_mm: float | None = None
    voltage_v: float = 1.0
    domain: str = "auto"
    solver: str = "auto"
    min_cells_per_gap: float = 8.0
    max_cells: int = 2_000_000

    def __post_init__(self) -> None:
        require(np.isfinite(self.conductivity_s_m) and self.conductivity_s_m > 0, "conductivity",
                f"{self.conductivity_s_m:g} S/m is out of range (must be > 0 S/m)")
        require(np.isfinite(self.thickness_mm) and self.thickness_mm > 0, "thickness",
                f"{self.thickness_mm:g} mm is out of range (must be > 0 mm)")
        require(100 <= self.cells <= 20_000_000, "cells",
                f"{self.cells} is out of range (allowed 100..20000000)")
        if self.resolution_mm is not None:
            require(self.resolution_mm > 0, "resolution",
                    f"{self.resolution_mm:g} mm is out of range (must be > 0 mm)")
        require(np.isfinite(self.voltage_v) and self.voltage_v > 0, "voltage",
                f"{self.voltage_v:g} V is out of range (must be > 0 V)")
        require(self.domain in DOMAINS, "domain",
                f"{self.domain!r} is not allowed (use one of {', '.join(DOMAINS)})")
        require(self.solver in SOLVERS, "solver",
                f"{self.solver!r} is not allowed (use one of {', '.join(SOLVERS)})")


@dataclass
class FieldResult:
    """The solved film: grid, potential (V, NaN off the film), link data and summary figures."""

    grid: Grid
    potential: np.ndarray
    state: np.ndarray
    summary: dict[str, Any]
    anode: BaseGeometry
    cathode: BaseGeometry
    domain: BaseGeometry
    settings: FieldSettings
    edges: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    inside: np.ndarray | None = None
    _current: np.ndarray | None = field(default=None, repr=False, compare=False)

    def current_density(self) -> np.ndarray:
        """|j| in the film (A/m²) at each node; NaN off the film (computed once)."""
        if self._current is None:
            self._current = self._current_density()
        return self._current

    def _current_density(self) -> np.ndarray:
        phi = self.potential.copy()
        phi[self.state == ANODE] = self.settings.voltage_v
        phi[self.state == CATHODE] = 0.0
        filled = np.where(np.isnan(phi), 0.0, phi)
        known = ~np.isnan(phi)
        gx = _one_axis_gradient(filled, known, self.grid.dx * 1e-3, axis=1)
        gy = _one_axis_gradient(filled, known, self.grid.dy * 1e-3, axis=0)
        mag = self.settings.conductivity_s_m * np.hypot(gx, gy)
        mag[self.state != FILM] = np.nan
        mag[np.isnan(self.potential)] = np.nan
        return mag


def electrolyte_domain(layout: Layout, *, choice: str = "auto") -> BaseGeometry:
    """The region the film covers (electrodes included; they are cut out by the solver)."""
    require(choice in DOMAINS, "domain", f"{choice!r} is not allowed (use one of {', '.join(DOMAINS)})")
    active = layout.get("active_area")
    if choice in ("auto", "active_area") and not active.is_empty:
        return active
    if choice == "active_area":
        raise ParameterError("domain", "the layout has no active_area (use hull or footprint)")
    if choice == "footprint" and not layout.get("footprint").is_empty:
        return layout.get("footprint")
    parts = [layout.get("anode"), layout.get("cathode")]
    return shapely.union_all([p for p in parts if not p.is_empty]).convex_hull


def solve_field(layout: Layout, settings: FieldSettings | None = None) -> FieldResult:
    """Solve the film potential over ``layout``; the summary holds resistance (Ω) and uniformity."""
    s = settings or FieldSettings()
    anode, cathode = layout.electrode("anode"), layout.electrode("cathode")
    require(not anode.is_empty, "anode", "the layout has no anode region")
    require(not cathode.is_empty, "cathode", "the layout has no cathode region")
    require(not anode.intersects(cathode), "anode", "anode and cathode touch (a short: gap must be > 0)")
    domain = electrolyte_domain(layout, choice=s.domain)
    gap = float(anode.distance(cathode))
    grid = make_grid(domain.bounds, **_grid_size(domain.bounds, gap, s))
    t0 = time.perf_counter()
    links = build_links(grid, domain, anode, cathode)
    t1 = time.perf_counter()
    for kind, name in ((ANODE, "anode"), (CATHODE, "cathode")):
        if not (links.cut_electrode == kind).any():
            raise ParameterError("resolution", f"the {max(grid.dx, grid.dy):.3g} mm grid cells do not "
                                 f"resolve the {name} (use a finer --resolution or more --cells)")
    phi, carrying, unknowns, solver = _solve(grid, links, s)
    t2 = time.perf_counter()
    sigma_h = s.conductivity_s_m * s.thickness_mm * 1e-3
    flat = phi.ravel()
    drop = np.where(links.cut_electrode == ANODE, s.voltage_v - flat[links.cut_node],
                    flat[links.cut_node])
    q = sigma_h * links.cut_g * drop  # A, positive from anode to cathode
    i_anode = float(q[links.cut_electrode == ANODE].sum())
    i_cathode = float(q[links.cut_electrode == CATHODE].sum())
    # a walled-off domain leaves only solver round-off (an iterative solve: ~1e-19 A)
    require(i_anode > 1e-9 * sigma_h * s.voltage_v, "layout",
            "no film path joins anode and cathode inside the domain")
    bin_mm = max(3.0 * max(grid.dx, grid.dy), gap / 2.0)
    edges = {name: _edge_profile(geom, links, q, kind, carrying, bin_mm, grid, s.thickness_mm)
             for name, kind, geom in (("anode", ANODE, anode), ("cathode", CATHODE, cathode))}
    per_edge = {name: _stats(e["j"], e["length"]) for name, e in edges.items()}
    worst = max(per_edge.values(), key=lambda st: st["uniformity_cv"])
    resistance = s.voltage_v / i_anode
    summary: dict[str, Any] = {
        "resistance_ohm": resistance,
        "conductance_s": 1.0 / resistance,
        "current_a": i_anode,
        "current_balance": abs(i_anode - i_cathode) / i_anode,
        "uniformity_cv": worst["uniformity_cv"],
        "min_max_ratio": worst["min_max_ratio"],
        "edge_j_mean_a_m2": _stats(np.concatenate([e["j"] for e in edges.values()]),
                                   np.concatenate([e["length"] for e in edges.values()]))["edge_j_mean_a_m2"],
        "anode_edge": per_edge["anode"],
        "cathode_edge": per_edge["cathode"],
        "edge_bin_mm": bin_mm,
        "cells": grid.cells,
        "nx": grid.nx,
        "ny": grid.ny,
        "cell_mm": [grid.dx, grid.dy],
        "cells_per_gap": gap / max(grid.dx, grid.dy),
        "unknowns": unknowns,
        "gap_mm": gap,
        # the length of straight electrodes at this gap with the same conductance
        "equivalent_length_mm": gap * i_anode / (s.voltage_v * sigma_h),
        "domain": _domain_name(layout, s.domain),
        "domain_area_mm2": domain.area,
        "film_area_mm2": domain.difference(shapely.union(anode, cathode)).area,
        "conductivity_s_m": s.conductivity_s_m,
        "thickness_mm": s.thickness_mm,
        "voltage_v": s.voltage_v,
        "solver": solver,
        "assemble_s": t1 - t0,
        "solve_s": t2 - t1,
    }
    summary["post_s"] = time.perf_counter() - t2
    return FieldResult(grid, phi, links.state, summary, anode, cathode, domain, s, edges,
                       links.inside.reshape(grid.ny, grid.nx))


def _domain_name(layout: Layout, choice: str) -> str:
    """Which domain :func:`electrolyte_domain` took for ``choice``."""
    if choice in ("auto", "active_area") and not layout.get("active_area").is_empty:
        return "active_area"
    if choice == "footprint" and not layout.get("footprint").is_empty:
        return "footprint"
    return "hull"


def _grid_size(bounds: tuple[float, float, float, float], gap: float,
               s: FieldSettings) -> dict[str, Any]:
    if s.resolution_mm is not None:
        return {"resolution": s.resolution_mm}
    xmin, ymin, xmax, ymax = bounds
    area = (xmax - xmin) * (ymax - ymin)
    d = float(np.sqrt(area / s.cells))
    if gap > 0 and gap / d < s.min_cells_per_gap:
        d = max(gap / s.min_cells_per_gap, float(np.sqrt(area / max(s.max_cells, s.cells))))
    return {"resolution": d}


def _solve(grid: Grid, links: Links,
           s: FieldSettings) -> tuple[np.ndarray, np.ndarray, int, str]:
    """Potential on every node (NaN off the film or in a pocket no electrode reaches), which
    nodes join both electrodes (carry current), the number of unknowns and the solver used."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    n = grid.cells
    graph = sp.coo_matrix((np.ones(len(links.pairs)), (links.pairs[:, 0], links.pairs[:, 1])),
                          shape=(n, n))
    _, label = connected_components(graph, directed=False)
    reached = np.zeros(label.max() + 1, dtype=bool)
    reached[label[links.cut_node]] = True
    film = (links.state.ravel() == FILM) & reached[label]
    both = np.ones(label.max() + 1, dtype=bool)
    for kind in (ANODE, CATHODE):
        touched = np.zeros_like(both)
        touched[label[links.cut_node[links.cut_electrode == kind]]] = True
        both &= touched
    carrying = film & both[label]
    index = np.full(n, -1)
    index[film] = np.arange(int(film.sum()))
    m = int(film.sum())
    keep = film[links.pairs[:, 0]]
    p, q, g = index[links.pairs[keep, 0]], index[links.pairs[keep, 1]], links.g[keep]
    diag = np.bincount(p, g, m) + np.bincount(q, g, m) + np.bincount(index[links.cut_node], links.cut_g, m)
    rhs = np.bincount(index[links.cut_node], links.cut_g * (links.cut_electrode == ANODE), m) * s.voltage_v
    rows = np.concatenate([p, q, np.arange(m)])
    cols = np.concatenate([q, p, np.arange(m)])
    vals = np.concatenate([-g, -g, diag])
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(m, m))
    x, name = _linear_solve(matrix, rhs, s.solver)
    phi = np.full(n, np.nan)
    phi[film] = x
    return phi.reshape(grid.ny, grid.nx), carrying, m, name


def _linear_solve(matrix: Any, rhs: np.ndarray, solver: str) -> tuple[np.ndarray, str]:
    """Solve the SPD system: SuperLU (direct), Jacobi-CG (cg) or pyamg's classical AMG-CG (amg)."""
    import scipy.sparse.linalg as sla

    if solver in ("auto", "amg"):
        try:
            import pyamg
        except ImportError:
            if solver == "amg":
                raise ParameterError("solver", "amg needs pyamg (pip install pyamg), "
                                     "or use direct or cg") from None
        else:
            ml = pyamg.ruge_stuben_solver(matrix)
            return ml.solve(rhs, tol=1e-10, accel="cg", maxiter=200), "amg"
    if solver == "cg":
        inv_diag = 1.0 / matrix.diagonal()
        pre = sla.LinearOperator(matrix.shape, matvec=lambda v: inv_diag * v)
        x, info = sla.cg(matrix, rhs, M=pre, rtol=1e-10, maxiter=int(50 * matrix.shape[0] ** 0.5) + 1000)
        require(info == 0, "solver", f"cg did not converge ({info} iterations); use direct")
        return x, "cg"
    return sla.spsolve(matrix.tocsc(), rhs, permc_spec="MMD_AT_PLUS_A"), "direct"


def _edge_profile(geom: BaseGeometry, links: Links, q: np.ndarray, kind: int,
                  carrying: np.ndarray, bin_mm: float, grid: Grid, thickness_mm: float) -> dict[str, np.ndarray]:
    """Current density (A/m²) entering the film through the edge of ``geom``, in bins of the edge.

    A cut x-link stands for the stretch of edge ``dy/|n_x|`` long around its crossing (a y-link
    ``dx/|n_y|``); its current is spread evenly over that stretch, then summed per bin of arc
    length along each ring of the edge. Bins less than 60 % covered (pad edges off the film,
    walls) are dropped, and so are the bins that end a wetted stretch.
    """
    sel = (links.cut_electrode == kind) & carrying[links.cut_node]
    xy = links.cut_xy[sel]
    flux, axis, frac = np.abs(q[sel]), links.cut_axis[sel], links.cut_frac[sel]
    rings = [_Ring(r) for r in shapely.get_parts(geom.boundary)]
    ring_of, s, tangent = _project(rings, xy)
    out: dict[str, list[np.ndarray]] = {"s_mm": [], "j": [], "length": [], "xy": []}
    offset = 0.0
    for k, ring in enumerate(rings):
        mine = ring_of == k
        if mine.any():
            found = _ring_profile(ring, s[mine], tangent[mine], flux[mine], axis[mine],
                                  frac[mine], bin_mm, grid)
            j = found["current"] / (found["length"] * 1e-3 * thickness_mm * 1e-3)
            out["s_mm"].append(found["s"] + offset)
            out["j"].append(j)
            out["length"].append(found["length"])
            out["xy"].append(found["xy"])
        offset += ring.length
    return {k: np.concatenate(v) if v else np.zeros((0, 2) if k == "xy" else 0)
            for k, v in out.items()}


class _Ring:
    """One ring of an electrode's edge as vertices and arc length (mm) at each vertex."""

    def __init__(self, ring: BaseGeometry) -> None:
        self.xy = shapely.get_coordinates(ring)
        steps = np.hypot(*np.diff(self.xy, axis=0).T)
        self.s = np.concatenate([[0.0], np.cumsum(steps)])
        self.length = float(self.s[-1])

    def at(self, s: np.ndarray) -> np.ndarray:
        """Points (k, 2) at arc lengths ``s`` (mm) round the ring."""
        s = np.clip(s, 0.0, self.length)
        k = np.clip(np.searchsorted(self.s, s, side="right") - 1, 0, len(self.s) - 2)
        span = np.maximum(self.s[k + 1] - self.s[k], 1e-300)
        t = ((s - self.s[k]) / span)[:, None]
        return self.xy[k] + t * (self.xy[k + 1] - self.xy[k])


def _project(rings: list[_Ring], pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each point: the ring whose edge is nearest, the arc length (mm) of its projection on
    that ring and the unit tangent there — nearest segments from one STRtree over every ring's
    segments (a point-by-point projection onto a long spiral is quadratic)."""
    starts = np.concatenate([r.xy[:-1] for r in rings])
    ends = np.concatenate([r.xy[1:] for r in rings])
    owner = np.concatenate([np.full(len(r.xy) - 1, k) for k, r in enumerate(rings)])
    along = np.concatenate([r.s[:-1] for r in rings])
    if not len(pts):
        return np.zeros(0, dtype=int), np.zeros(0), np.zeros((0, 2))
    idx, t = nearest_segments(starts, ends, pts)
    d = ends[idx] - starts[idx]
    length = np.sqrt(np.maximum((d * d).sum(axis=1), 1e-300))
    return owner[idx], along[idx] + t * length, d / length[:, None]


def _ring_profile(ring: _Ring, s: np.ndarray, tangent: np.ndarray, flux: np.ndarray,
                  axis: np.ndarray, frac: np.ndarray, bin_mm: float,
                  grid: Grid) -> dict[str, np.ndarray]:
    x_link = axis == 1
    normal_part = np.where(x_link, np.abs(tangent[:, 1]), np.abs(tangent[:, 0]))
    span = frac * np.where(x_link, grid.dy, grid.dx) / np.maximum(normal_part, 0.25)
    start = s - span / 2
    total = ring.length
    rate = flux / span
    low, high = start < 0, start + span > total  # the ring's ends meet: wrap round
    start = np.concatenate([start, start[low] + total, start[high] - total])
    span = np.concatenate([span, span[low], span[high]])
    rate = np.concatenate([rate, rate[low], rate[high]])
    nbins = max(1, round(total / bin_mm))
    edges = np.linspace(0.0, total, nbins + 1)
    current = np.diff(_spread(start, span, rate, edges))
    covered = np.minimum(np.diff(_spread(start, span, np.ones(span.size), edges)), np.diff(edges))
    wetted = _trim_runs(covered >= 0.6 * np.diff(edges))
    mids = 0.5 * (edges[:-1] + edges[1:])[wetted]
    return {"s": mids, "current": current[wetted], "length": covered[wetted],
            "xy": ring.at(mids).reshape(-1, 2)}


def _trim_runs(wetted: np.ndarray) -> np.ndarray:
    """Drop the end bins of each run of wetted bins round a ring (where the edge meets a wall,
    the bin straddles a corner and its spread current is unreliable); keep a full ring whole."""
    if wetted.all() or wetted.size < 3:
        return wetted
    before, after = np.roll(wetted, 1), np.roll(wetted, -1)
    return wetted & before & after


def _spread(start: np.ndarray, span: np.ndarray, rate: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Σ rate_i · overlap([start_i, start_i + span_i], (-inf, t]) for each t in ``at``."""
    return _ramp_sum(start, rate, at) - _ramp_sum(start + span, rate, at)


def _ramp_sum(origin: np.ndarray, rate: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Σ rate_i · max(0, t - origin_i) for each t in ``at``, in O((n + m) log n)."""
    order = np.argsort(origin)
    o, r = origin[order], rate[order]
    cum_r = np.concatenate([[0.0], np.cumsum(r)])
    cum_ro = np.concatenate([[0.0], np.cumsum(r * o)])
    k = np.searchsorted(o, at, side="right")
    return at * cum_r[k] - cum_ro[k]


def _stats(j: np.ndarray, w: np.ndarray) -> dict[str, float]:
    """Length-weighted mean (A/m²), coefficient of variation and min/max of edge current density."""
    if j.size == 0 or w.sum() == 0:
        return {"edge_j_mean_a_m2": 0.0, "uniformity_cv": 0.0, "min_max_ratio": 0.0}
    mean = float(np.average(j, weights=w))
    std = float(np.sqrt(np.average((j - mean) ** 2, weights=w)))
    return {"edge_j_mean_a_m2": mean, "uniformity_cv": std / mean if mean else 0.0,
            "min_max_ratio": float(j.min() / j.max()) if j.max() > 0 else 0.0}


def _one_axis_gradient(phi: np.ndarray, known: np.ndarray, step_m: float, axis: int) -> np.ndarray:
    """Centred differences where both neighbours are known, one-sided next to an unknown node."""
    fwd = np.zeros_like(phi)
    bwd = np.zeros_like(phi)
    has_f = np.zeros_like(known)
    has_b = np.zeros_like(known)
    sl_lo = [slice(None)] * 2
    sl_hi = [slice(None)] * 2
    sl_lo[axis], sl_hi[axis] = slice(0, -1), slice(1, None)
    lo, hi = tuple(sl_lo), tuple(sl_hi)
    diff = (phi[hi] - phi[lo]) / step_m
    ok = known[hi] & known[lo]
    fwd[lo], has_f[lo] = np.where(ok, diff, 0.0), ok
    bwd[hi], has_b[hi] = np.where(ok, diff, 0.0), ok
    count = has_f.astype(float) + has_b.astype(float)
    return np.where(count > 0, (fwd + bwd) / np.maximum(count, 1.0), 0.0)
