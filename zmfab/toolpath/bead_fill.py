"""Scanline fills of one polygon: slabs, lanes at a slab's whole-bead pitch, serpentines, joins.

Works in a frame where lanes run along y. A rectilinear shape is cut into slabs between the x
of its vertices (slivers under half a pitch join the most alike neighbour; :mod:`.bead_slabs`,
which cuts a slab of constant cross-section into rectangles without an overlay); a slab of width ``W``
holds ``round(W / p)`` lanes at pitch ``W / n``, each piece of a slab laid along the slab or
across it, whichever takes far fewer turns. A curved shape is one slab. A lane stops half its
pitch short of the region's edge (not short of a cut between pieces); consecutive lanes whose
ends meet inside the region are joined by a printed turn, then any chain ends closer than two
pitches through the region. Each segment's flow is its slab pitch over the nominal pitch.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from .bead_slabs import Piece, horizontal_edges, intervals, rectilinear, slab_cuts, slab_pieces

#: A slab piece is laid across the slabs only when that takes this many times fewer turns: lanes
#: along the slabs pass from piece to piece, so the serpentine continues (a comb's bus).
ACROSS_BIAS = 1.5
#: A travel (lift, move, lower, flow off and on with their dwells: about a second, and a start
#: and a stop in the bead) costs as much as this many turns of a serpentine.
TRAVEL_TURNS = 10


def _lane_xs(piece: Piece, pitch: float) -> tuple[np.ndarray, np.ndarray]:
    """Lane x positions and the slab pitch of each (mm), in the lane frame."""
    xmin, _, xmax, _ = piece.bounds
    poly = piece.poly
    cuts = slab_cuts(poly, pitch, horizontal_edges(poly)) \
        if poly is not None and rectilinear(poly) else [xmin, xmax]
    lane_x, lane_p = [], []
    for a, b in zip(cuts[:-1], cuts[1:], strict=False):
        n = max(1, round((b - a) / pitch))
        ps = (b - a) / n
        lane_x.extend(a + (i + 0.5) * ps for i in range(n))
        lane_p.extend([ps] * n)
    return np.asarray(lane_x), np.asarray(lane_p)


def _serpentine(piece: Piece, pitch: float, whole: Polygon, grown: BaseGeometry, *,
                high: bool = False) -> tuple[list, list, int]:
    """Lanes along y filling ``piece`` (of ``whole``), linked into serpentines where their
    ends meet inside ``grown``: (points, segment flows) per chain, and the lane count. A lane end
    inside ``whole`` (a cut between pieces) is not inset. The first lane starts at its low end
    (its high end with ``high``)."""
    xs, ps = _lane_xs(piece, pitch)
    lanes = intervals(piece, xs, ps)
    # a link between two lanes of a rectangle stays inside it (and ``grown`` holds ``whole``)
    convex = piece.box
    chains: list[list[tuple[float, float]]] = []
    flows: list[list[float]] = []
    open_prev: list[int] = []
    cursor = (float(xs[0]) if len(xs) else 0.0, piece.bounds[3 if high else 1])
    count = 0
    # whether each interval's ends are cuts between pieces (inside ``whole``), all at once
    qx = [float(xs[i]) for i, ivs in enumerate(lanes) for _ in ivs for _ in (0, 1)]
    qy = [y + d for ivs in lanes for y0, y1 in ivs for y, d in ((y0, -1e-4), (y1, 1e-4))]
    cuts = iter(shapely.contains_xy(whole, qx, qy).tolist() if qx else [])
    for i, ivs in enumerate(lanes):
        x, p = float(xs[i]), float(ps[i])
        open_now: list[int] = []
        for y0, y1 in ivs:
            e = min(p / 2, (y1 - y0) / 4)
            cut0, cut1 = next(cuts), next(cuts)
            a, b = y0 + (0.0 if cut0 else e), y1 - (0.0 if cut1 else e)
            count += 1
            best, best_d, flip = None, pitch, False
            for c in open_prev:
                if c in open_now:
                    continue
                ex, ey = chains[c][-1]
                for end, _other, rev in ((a, b, False), (b, a, True)):
                    d = abs(ey - end)
                    if d <= best_d and (convex or shapely.covers(
                            grown, shapely.linestrings([(ex, ey), (x, end)]))):
                        best, best_d, flip = c, d, rev
            start, stop = (b, a) if flip else (a, b)
            if best is None:
                if math.hypot(cursor[0] - x, cursor[1] - b) < math.hypot(cursor[0] - x, cursor[1] - a):
                    start, stop = b, a
                chains.append([(x, start), (x, stop)])
                flows.append([p / pitch])
                open_now.append(len(chains) - 1)
            else:
                prev_p = flows[best][-1] * pitch
                chains[best].extend([(x, start), (x, stop)])
                flows[best].extend([(prev_p + p) / 2 / pitch, p / pitch])
                open_now.append(best)
            cursor = (x, stop)
        open_prev = open_now
    return chains, flows, count


def _open_ends(chains: list, part: Piece, whole: Polygon, pitch: float) -> int:
    """How many chain ends have ``whole`` beside them outside ``part`` (a neighbour to join)."""
    ends = np.array([pt for ch in chains for pt in (ch[0], ch[-1])], dtype=float)
    if not len(ends):
        return 0
    hits = 0
    for dx in (-pitch, pitch):
        x, y = ends[:, 0] + dx, ends[:, 1]
        hits += int((shapely.contains_xy(whole, x, y) & ~part.contains_xy(x, y)).sum())
    return hits


def _laid(part: Piece, pitch: float, whole: Polygon, grown: BaseGeometry) -> tuple[list, list, int]:
    """The serpentine of ``part`` whose ends face its neighbours (of the two starting ends)."""
    low = _serpentine(part, pitch, whole, grown)
    if len(low[0]) != 1 or _same_point(low[0][0][0], low[0][0][-1]):
        return low
    high = _serpentine(part, pitch, whole, grown, high=True)
    if _open_ends(high[0], part, whole, pitch) > _open_ends(low[0], part, whole, pitch):
        return high
    return low


def _same_point(p: tuple[float, float], q: tuple[float, float]) -> bool:
    """``np.allclose(p, q)`` for two points, without the array round trip."""
    return all(abs(a - b) <= 1e-8 + 1e-5 * abs(b) for a, b in zip(p, q, strict=True))


def _cost(lanes: int, chains: int) -> float:
    return lanes + TRAVEL_TURNS * chains


Chains = tuple[list, list, int]


def fill_frames(poly: Polygon, pitch: float) -> tuple[Chains, Chains | None]:
    """Chains filling ``poly`` in the lane frame, and the lane count: as laid, and flipped
    (None for a shape that is not rectilinear).

    A rectilinear shape is cut into slabs (:mod:`.bead_slabs`); each piece of a slab is laid
    along y or along x, whichever takes fewer turns (the other one when flipped), so a comb's
    fingers run along the fingers and an L's arms along each arm. The chains of all pieces are
    then joined where their ends meet. Both orientations of every piece are laid once and shared
    by the two fills.
    """
    grown = poly.buffer(pitch / 4, join_style="mitre")
    shapely.prepare(grown)
    if not rectilinear(poly):
        chains, flows, count = _serpentine(Piece(tuple(poly.bounds), poly), pitch, poly, grown)
        chains, flows = join_chains(chains, flows, grown, reach=2 * pitch)
        return (chains, flows, count), None
    turned = affinity.rotate(poly, -90, origin=(0, 0))
    turned_grown = affinity.rotate(grown, -90, origin=(0, 0))
    shapely.prepare(turned)
    shapely.prepare(turned_grown)
    chains: tuple[list, list] = ([], [])
    flows: tuple[list, list] = ([], [])
    counts = [0, 0]
    for part in slab_pieces(poly, pitch):
        along = _laid(part, pitch, poly, grown)
        across = _laid(part.turned(), pitch, turned, turned_grown)
        across = ([[(-y, x) for x, y in ch] for ch in across[0]], across[1], across[2])
        turn = _cost(across[2], len(across[0])) * ACROSS_BIAS < _cost(along[2], len(along[0]))
        for flip in (0, 1):
            pick = along if turn == bool(flip) else across
            chains[flip].extend(pick[0])
            flows[flip].extend(pick[1])
            counts[flip] += pick[2]
    plain, flipped = (join_chains(chains[f], flows[f], grown, reach=2 * pitch) for f in (0, 1))
    return (*plain, counts[0]), (*flipped, counts[1])


def _near_pairs(pts: np.ndarray, reach: float) -> list[tuple[float, int, int]]:
    """(distance, i, j) for every pair of points closer than ``reach``, i < j, nearest first."""
    order = np.argsort(pts[:, 0], kind="stable")
    xs = pts[order, 0]
    hi = np.searchsorted(xs, xs + reach, side="right")
    found: list[np.ndarray] = []
    a = np.arange(len(order))
    k = 1
    while True:  # the k-th point after each one in x, while any is still within reach in x
        live = a[a + k < hi[a]]
        if not len(live):
            break
        i, j = order[live], order[live + k]
        d = np.hypot(pts[i, 0] - pts[j, 0], pts[i, 1] - pts[j, 1])
        ok = d <= reach
        found.append(np.stack([d[ok], np.minimum(i, j)[ok], np.maximum(i, j)[ok]], axis=1))
        a = live
        k += 1
    if not found:
        return []
    allp = np.concatenate(found)
    allp = allp[np.lexsort((allp[:, 2], allp[:, 1], allp[:, 0]))]
    return [(float(d), int(i), int(j)) for d, i, j in allp.tolist()]


def join_chains(chains: list, flows: list, inside: BaseGeometry, *, reach: float) -> tuple[list, list]:
    """Join chains whose ends lie within ``reach`` mm through ``inside`` by a printed link.

    End ``2k`` is chain ``k``'s start, ``2k + 1`` its end; each end takes at most one link and no
    link closes a loop, so the linked chains form paths.
    """
    n = len(chains)
    if n < 2:
        return chains, flows
    pts = np.array([pt for c in chains for pt in (c[0], c[-1])], dtype=float)
    link = [-1] * (2 * n)
    root = list(range(n))

    def find(k: int) -> int:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    for _, u, v in _near_pairs(pts, reach):
        if link[u] >= 0 or link[v] >= 0 or find(u // 2) == find(v // 2):
            continue
        if not shapely.covers(inside, shapely.linestrings([pts[u], pts[v]])):
            continue
        link[u], link[v] = v, u
        root[find(u // 2)] = find(v // 2)
    out_c, out_f, seen = [], [], [False] * n
    for k in range(n):
        for e in (2 * k, 2 * k + 1):
            if seen[k] or link[e] >= 0:
                continue
            pts_out: list = []
            fl_out: list = []
            end = e
            while True:
                c = end // 2
                seen[c] = True
                forward = end % 2 == 0
                ch = chains[c] if forward else chains[c][::-1]
                fl = list(flows[c]) if forward else list(flows[c])[::-1]
                if fl_out:
                    fl_out.append((fl_out[-1] + fl[0]) / 2)
                pts_out.extend(ch)
                fl_out.extend(fl)
                other = end + 1 if forward else end - 1
                if link[other] < 0:
                    break
                end = link[other]
            out_c.append(pts_out)
            out_f.append(fl_out)
    return out_c, out_f
