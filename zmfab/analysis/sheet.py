"""In-plane resistance of a printed electrode: its films' sheet conductance, fed from its pad.

The electrode (its region united with its pad) is rasterised; each node carries the sheet
conductance Σσ·t (S) of the conducting films over it (the electrode film and any current collector
under it). The pad is the contact (φ = 0) and the current leaves the rest of the electrode
uniformly per area, as it does into the electrolyte of a thick porous electrode. The resistance
reported is the one that dissipates the same power, P/I² = ∫ s·φ dA / I², which for a strip of
length L and width w fed from one end is the textbook R_sheet·L/(3w).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry.base import BaseGeometry

from ..errors import ParameterError
from .grid import lattice_inside


@dataclass(frozen=True)
class Film:
    """A conducting film over part of the electrode: geometry (mm) and sheet conductance (S)."""

    geometry: BaseGeometry
    sheet_conductance_s: float
    label: str = ""


def electrode_resistance(domain: BaseGeometry, feed: BaseGeometry, films: list[Film], *,
                         cells: int = 40_000, max_cells: int = 400_000) -> dict[str, float]:
    """Power-equivalent resistance (Ω) of ``domain`` fed at ``feed`` through ``films``.

    Returns ``resistance_ohm``, ``cells``, ``resolution_mm`` and ``connected`` (the share of the
    electrode's area joined to the feed through a film; the rest carries no current).
    """
    from scipy import ndimage, sparse
    from scipy.sparse.linalg import spsolve

    if domain.is_empty or feed.is_empty:
        raise ParameterError("pad", "an electrode needs a region and a pad to feed it")
    xmin, ymin, xmax, ymax = domain.bounds
    narrow = 2.0 * domain.area / max(domain.length, 1e-12)  # about the width of long strips
    h = min(np.sqrt((xmax - xmin) * (ymax - ymin) / cells), narrow / 4.0)
    h = max(h, np.sqrt((xmax - xmin) * (ymax - ymin) / max_cells))
    nx, ny = max(2, int(np.ceil((xmax - xmin) / h))), max(2, int(np.ceil((ymax - ymin) / h)))
    dx, dy = (xmax - xmin) / nx, (ymax - ymin) / ny
    xs, ys = xmin + (np.arange(nx) + 0.5) * dx, ymin + (np.arange(ny) + 0.5) * dy
    inside = lattice_inside(domain, xs, ys, closed=False)
    g = np.zeros((ny, nx))
    for film in films:
        if film.sheet_conductance_s > 0 and not film.geometry.is_empty:
            g += np.where(lattice_inside(film.geometry, xs, ys, closed=False),
                          film.sheet_conductance_s, 0.0)
    g[~inside] = 0.0
    fed = lattice_inside(feed, xs, ys, closed=False) & (g > 0)
    if not fed.any():
        raise ParameterError("pad", "no conducting film covers the pad")
    labels, _ = ndimage.label(g > 0)
    live = np.isin(labels, np.unique(labels[fed])) & (labels > 0)
    sink = live & ~fed
    connected = float(live.sum() / max(inside.sum(), 1))
    if not sink.any():
        return {"resistance_ohm": 0.0, "cells": int(live.sum()), "resolution_mm": float(h),
                "connected": connected}
    index = -np.ones((ny, nx), dtype=np.int64)
    index[sink] = np.arange(int(sink.sum()))
    n = int(sink.sum())
    rows, cols, vals = [], [], []
    diag = np.zeros(n)
    for axis, ratio in ((1, dy / dx), (0, dx / dy)):
        a = (slice(None), slice(None, -1)) if axis == 1 else (slice(None, -1), slice(None))
        b = (slice(None), slice(1, None)) if axis == 1 else (slice(1, None), slice(None))
        ga, gb = g[a], g[b]
        both = live[a] & live[b]
        link = np.where(both, 2.0 * ga * gb / np.where(both, ga + gb, 1.0), 0.0) * ratio
        ia, ib = index[a], index[b]
        for p, q in ((ia, ib), (ib, ia)):
            use = both & (p >= 0)
            np.add.at(diag, p[use], link[use])
            pair = use & (q >= 0)
            rows.append(p[pair])
            cols.append(q[pair])
            vals.append(-link[pair])
    matrix = sparse.csr_matrix((np.concatenate(vals + [diag]),
                                (np.concatenate(rows + [np.arange(n)]),
                                 np.concatenate(cols + [np.arange(n)]))), shape=(n, n))
    share = np.full(n, 1.0 / n)  # 1 A drawn uniformly from the cells off the pad
    phi = spsolve(matrix.tocsc(), share)
    return {"resistance_ohm": float(share @ phi), "cells": int(live.sum()),
            "resolution_mm": float(h), "connected": connected}
