"""A lower bound on the travel between polylines, whatever their order (for benchmarks: it
tells how far a travel goal is from what any order could reach).

Every hop runs from a point where one polyline may be left to a point where another may be
entered: an end of an open polyline (lead ends included) or a vertex of a closed one. The hops
of any order join all the polylines, so they weigh at least a minimum spanning tree over the
polylines, each edge the least distance between the two polylines' points. Dropping closed
polylines never lengthens the best order of the rest (one is left where it is entered, so the
hop past it is no longer than the two hops it replaces), so the tree over the open polylines
and any subset of the closed ones is a bound too: a large contour that runs past everything (an
isolation's outer offsets) joins all the rest at almost no cost, and the tree without it is
then the stronger figure. Open polylines are never dropped: one carries the tool from its start
to its end without a hop, and the order without it may need that hop.
:func:`travel_lower_bound` takes the best over the open polylines with the smallest closed
ones. Needs SciPy (the ``sim``, ``test`` and ``bench`` extras).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .order_plan import ends
from .path import Polyline

#: Subsets holding more vertices than this are skipped (the triangulation would take seconds).
MAX_POINTS = 60_000
#: Subset sizes tried: this many, spaced geometrically from 2 to all polylines, and as many
#: cuts of the polylines sorted by size where the next one is :data:`JUMP` times larger.
SUBSETS = 24
JUMP = 1.5


def _points(paths: Sequence[Polyline]) -> list[np.ndarray]:
    """The points each polyline may be entered or left at (see the module docstring)."""
    a, b = ends(paths)
    return [p.points[:-1] if p.closed and len(p.points) > 3 else np.vstack([a[i], b[i]])
            for i, p in enumerate(paths)]


def tree_bound(points: Sequence[np.ndarray]) -> float:
    """Weight of the minimum spanning tree over point sets (mm), each edge the least distance
    between two sets: Kruskal over the Delaunay edges of all the points (a closest pair between
    two sets is one) and their 8 nearest neighbours (ties and flat inputs)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial import Delaunay, QhullError, cKDTree

    m = len(points)
    if m < 2:
        return 0.0
    pts = np.vstack(points)
    owner = np.repeat(np.arange(m), [len(p) for p in points])
    k = min(9, len(pts))
    _, nn = cKDTree(pts).query(pts, k=k)
    nn = np.asarray(nn).reshape(len(pts), k)
    pairs = [np.column_stack([np.repeat(np.arange(len(pts)), k - 1), nn[:, 1:].ravel()])]
    if len(pts) >= 3:
        try:
            s = Delaunay(pts).simplices
            pairs.append(np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]]))
        except QhullError:  # all on one line: the nearest neighbours hold the tree
            pass
    e = np.vstack(pairs)
    u, v = owner[e[:, 0]], owner[e[:, 1]]
    w = np.hypot(*(pts[e[:, 0]] - pts[e[:, 1]]).T)
    keep = u != v
    lo, hi, w = np.minimum(u, v)[keep], np.maximum(u, v)[keep], w[keep]
    # one edge per pair of sets, the shortest; a tiny offset keeps zero-length edges as edges
    key = lo * m + hi
    o = np.lexsort((w, key))
    key, w = key[o], w[o]
    first = np.r_[True, key[1:] != key[:-1]]
    key, w = key[first], w[first]
    graph = coo_matrix((w + 1e-300, (key // m, key % m)), shape=(m, m)).tocsr()
    tree = minimum_spanning_tree(graph)
    if tree.nnz < m - 1:  # the candidate edges left sets apart: no bound from them
        return 0.0
    return float(tree.sum())


def travel_lower_bound(paths: Sequence[Polyline]) -> tuple[float, int]:
    """(a lower bound on the travel between ``paths`` in any order, mm; how many polylines the
    bound was taken over: the open ones and the smallest closed ones). Travel from the machine
    origin is not counted."""
    if len(paths) < 2:
        return 0.0, len(paths)
    pts = _points(paths)
    size = np.array([float(np.hypot(*(p.max(axis=0) - p.min(axis=0)))) if q.closed else -1.0
                     for p, q in zip(pts, paths, strict=True)])  # open ones first: always kept
    n_open = int((size < 0).sum())
    order = np.argsort(size, kind="stable")
    counts = np.cumsum(np.array([len(p) for p in pts])[order])
    n = len(paths)
    ranked = size[order]
    ratio = ranked[2:] / np.maximum(ranked[1:-1], 1e-12)  # size of the (k+1)-th / the k-th, k >= 2
    ratio[ranked[1:-1] < 0] = 0.0  # (no cut among the open ones)
    jumps = np.nonzero(ratio > JUMP)[0]
    jumps = jumps[np.argsort(-ratio[jumps], kind="stable")[:SUBSETS]] + 2
    sizes = np.unique(np.concatenate([np.geomspace(2, n, SUBSETS).round().astype(int), jumps,
                                      [max(2, n_open)]]))
    sizes = sizes[sizes >= n_open]
    best, best_k = 0.0, 0
    for k in sizes.tolist():
        if counts[k - 1] > MAX_POINTS:
            break
        b = tree_bound([pts[i] for i in order[:k].tolist()])
        if b > best:
            best, best_k = b, k
    return best, best_k
