"""Travel ordering: greedy nearest neighbour over a spatial index, then improvement.

Open polylines may be drawn either way unless their settings say ``reversible=False``; closed ones
may also be entered at any vertex. The greedy step goes, from where the tool is, to the nearest
free entry point: an end of an open polyline, or one of up to :data:`RING_SAMPLES` vertices
spread round a closed one, which is then entered at its vertex nearest the tool (a KD-tree from
SciPy when installed, the ``sim``/``test``/``bench`` extras, with each exit's nearest entries
looked up for all exits at once; else a uniform grid, :mod:`.order_index`). The improvement is
2-opt: reversing a block of the tour (and every polyline in it) wherever that shortens the two
travels at its ends, trying blocks up to ``window`` positions long and blocks that join each
polyline to its nearest neighbours, alternated with re-entering each closed polyline at its best
vertex. It stops when nothing improves or its work budget (about :data:`WORK_PER_PATH` candidate
moves scored per polyline) is spent, so the result is deterministic; ``budget_s`` adds a
wall-clock limit. The result is never longer than the order given.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from .order_index import Grid, Tree, has_scipy
from .path import Polyline

#: The improvement scores about this many candidate moves per polyline before it stops.
WORK_PER_PATH = 800
#: A closed polyline takes part in the greedy search through this many of its vertices.
RING_SAMPLES = 16
#: Nearest entries looked up at once for every exit (the greedy step's first candidates).
NEAR_ENTRIES = 8


def _reversible(p: Polyline) -> bool:
    return bool(p.settings.get("reversible", True))


def _entries(paths: Sequence[Polyline]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entry points of every polyline: (points, owner, code) where code is -1 for the start,
    -2 for the end (drawn reversed) and -3 for a sample vertex of a closed polyline."""
    pts, owner, code = [], [], []
    for i, p in enumerate(paths):
        if p.closed and len(p.points) > 3:
            ring = p.points[:-1]
            step = max(1, len(ring) // RING_SAMPLES)
            pts.append(ring[::step])
            owner.append(np.full(len(pts[-1]), i))
            code.append(np.full(len(pts[-1]), -3))
        elif _reversible(p):
            pts.append(np.vstack([p.start, p.end]))
            owner.append(np.array([i, i]))
            code.append(np.array([-1, -2]))
        else:
            pts.append(p.start[None, :])
            owner.append(np.array([i]))
            code.append(np.array([-1]))
    return np.vstack(pts), np.concatenate(owner), np.concatenate(code)


def _lead_ends(tips: np.ndarray, inner: np.ndarray, length: np.ndarray) -> np.ndarray:
    """``tips`` (n, 2) moved ``length`` mm on along the segments from ``inner``, as
    :attr:`Polyline.start` / :attr:`Polyline.end` do one at a time."""
    out = tips.copy()
    d = tips - inner
    norm = np.hypot(d[:, 0], d[:, 1])
    ok = (length > 0) & (norm > 0)
    if ok.any():
        out[ok] = tips[ok] + d[ok] / norm[ok, None] * length[ok, None]
    return out


def _ends(paths: Sequence[Polyline]) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) (n, 2) mm of every polyline, lead-in/out included."""
    first = np.array([p.points[0] for p in paths])
    second = np.array([p.points[1 if len(p.points) > 1 else 0] for p in paths])
    last = np.array([p.points[-1] for p in paths])
    before = np.array([p.points[-2 if len(p.points) > 1 else -1] for p in paths])
    lead_in = np.array([p.lead_in for p in paths], dtype=float)
    lead_out = np.array([p.lead_out for p in paths], dtype=float)
    return _lead_ends(first, second, lead_in), _lead_ends(last, before, lead_out)


def _travel(paths: Sequence[Polyline], origin: tuple[float, float]) -> float:
    """:func:`travel_length` from ``origin``, all hops at once, mm."""
    if not paths:
        return 0.0
    a, b = _ends(paths)
    hops = a - np.vstack([np.asarray(origin, dtype=float)[None, :], b[:-1]])
    return float(np.hypot(hops[:, 0], hops[:, 1]).sum())


def _enter_nearest(p: Polyline, here: np.ndarray) -> Polyline:
    """Closed ``p`` entered at its vertex nearest ``here``."""
    ring = p.points[:-1]
    d = (ring[:, 0] - here[0]) ** 2 + (ring[:, 1] - here[1]) ** 2
    return p.rotated(int(d.argmin()))


def nearest_neighbour(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0)
                      ) -> list[Polyline]:
    """Greedy order: from ``origin``, always go to the nearest free entry point (reversing or
    re-entering polylines as allowed; a closed polyline is entered at its vertex nearest the
    tool)."""
    if not paths:
        return []
    pts, owner, codes = _entries(paths)
    counts = np.bincount(owner, minlength=len(paths)).tolist()
    kd = has_scipy()
    index = Tree(pts, owner) if kd else Grid(pts, owner)
    owner_l, code_l = owner.tolist(), codes.tolist()
    near: list[list[int]] | None = None
    if kd and len(pts) > 1:
        # the entries nearest each entry's exit (an open polyline's other end), for all of
        # them at once: the greedy step looks here first and asks the tree only when all of
        # these are drawn
        starts, ends = _ends(paths)
        exits = np.where((codes == -2)[:, None], starts[owner], ends[owner])
        k = min(NEAR_ENTRIES, len(pts))
        _, idx = index.tree.query(exits, k=k)
        near = np.asarray(idx).reshape(len(pts), k).tolist()
    used = index.used
    here = np.asarray(origin, dtype=float)
    out: list[Polyline] = []
    last = -1
    while True:
        k = -1
        if near is not None and last >= 0 and code_l[last] != -3:
            for j in near[last]:
                if not used[owner_l[j]]:
                    k = j
                    break
        if k < 0:
            k = index.nearest(here)
            if k < 0:
                break
        i, c = owner_l[k], code_l[k]
        p = paths[i]
        if c == -2:
            p = p.reversed()
        elif c == -3:
            p = _enter_nearest(p, here)
        out.append(p)
        here = p.end
        index.remove_owner(i, counts[i])
        last = k
    return out


def _dist(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    d = p - q
    return np.hypot(d[..., 0], d[..., 1])


def _neighbours(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray | None:
    """For each polyline (entries ``a``, exits ``b``), polylines with an end among the ``k``
    nearest to one of its ends (n, m) — SciPy's KD-tree when installed, else brute force up to
    2000 polylines; None beyond that."""
    n = len(a)
    if n < 3:
        return None
    ends = np.vstack([a, b])
    k = min(k, n - 1)
    if has_scipy():
        from scipy.spatial import cKDTree

        _, idx = cKDTree(ends).query(ends, k=min(2 * k + 2, 2 * n))
    else:
        if n > 2000:
            return None
        d = _dist(ends[:, None, :], ends[None, :, :])
        idx = np.argpartition(d, min(2 * k + 1, 2 * n - 1), axis=1)[:, : 2 * k + 2]
    ids = np.asarray(idx) % n
    return np.hstack([ids[:n], ids[n:]])


def _improve(a: np.ndarray, b: np.ndarray, fixed: np.ndarray, org: np.ndarray, *, window: int,
             near: np.ndarray | None, work: int, deadline: float | None
             ) -> tuple[np.ndarray, np.ndarray, int]:
    """2-opt on entries ``a`` and exits ``b``: (order, reversed flags, work left).

    Each round scores, all at once in NumPy, every block ``[i, i + k]`` (``k < window``) and
    every block that joins a polyline's exit to one of its ``near`` polylines; then, best first,
    each improving block is scored again against the order as it now stands (plain floats) and
    reversed if it still gains. Rounds repeat until none improves, ``work`` candidates have been
    scored or ``deadline`` passes."""
    n = len(a)
    ax, ay, bx, by = a[:, 0].tolist(), a[:, 1].tolist(), b[:, 0].tolist(), b[:, 1].tolist()
    ox, oy = float(org[0]), float(org[1])
    perm = np.arange(n)
    flip = np.zeros(n, dtype=bool)
    any_fixed = bool(fixed.any())
    hyp = math.hypot
    w = max(1, min(window, n))
    win_lo = np.repeat(np.arange(n), w)
    win_hi = win_lo + np.tile(np.arange(w), n)
    ok = win_hi < n
    win_lo, win_hi = win_lo[ok], win_hi[ok]
    # Reversing a block replaces only the travels at its two ends: inside it the same travels
    # are run the other way, so a block lying inside one reversal (its ends and the polylines
    # just outside them untouched by any other) scores as its mirror image did before. Later
    # rounds therefore score only blocks next to a replaced travel (``dirty``), blocks whose ends
    # lie in different reversals (``label``) and neighbour blocks of a polyline that moved.
    dirty = np.ones(n + 1, dtype=bool)
    moved = np.ones(n + 1, dtype=bool)
    label = np.zeros(n + 1, dtype=np.int64)
    moves = 0
    near_i = None if near is None else np.repeat(np.arange(1, n), near.shape[1])
    while work > 0 and (deadline is None or time.perf_counter() < deadline):
        # coordinates as 1-D arrays; ``pbx[k]`` is the exit before position k (the origin
        # before 0), ``nax[k]`` the entry at k (anything after the last: masked below)
        axa, aya = np.array(ax), np.array(ay)
        bxa, bya = np.array(bx), np.array(by)
        pbx, pby = np.concatenate([[ox], bxa]), np.concatenate([[oy], bya])
        nax, nay = np.concatenate([axa, [0.0]]), np.concatenate([aya, [0.0]])
        sel = (dirty[win_lo] | dirty[win_hi] | dirty[np.maximum(win_lo - 1, 0)]
               | dirty[win_hi + 1] | ((moved[win_lo] | moved[win_hi])
                                      & (label[win_lo] != label[win_hi])))
        los, his = [win_lo[sel]], [win_hi[sel]]
        if near is not None:
            pos = np.empty(n, dtype=np.int64)
            pos[perm] = np.arange(n)
            i = near_i
            j = pos[near[perm[:-1]].ravel()]  # neighbours of the polyline before i
            fwd = j >= i
            back = j < i - 1
            # these blocks are named by the polyline before i, so one that moved makes new ones
            ok = moved[i - 1] | moved[i] | moved[j] | moved[j + 1] | moved[np.maximum(j - 1, 0)]
            fwd &= ok
            back &= ok
            los += [i[fwd], j[back] + 1]
            his += [j[fwd], i[back] - 1]
        lo, hi = np.concatenate(los), np.concatenate(his)
        dirty[:] = False
        moved[:] = False
        work -= len(lo)
        if any_fixed:
            fcum = np.concatenate([[0], np.cumsum(fixed[perm])])
            free = fcum[hi + 1] - fcum[lo] == 0
            lo, hi = lo[free], hi[free]
        px_, py_ = pbx[lo], pby[lo]
        lx, ly, hx, hy = axa[lo], aya[lo], bxa[hi], bya[hi]
        nx_, ny_ = nax[hi + 1], nay[hi + 1]
        gain = (np.hypot(px_ - lx, py_ - ly) - np.hypot(px_ - hx, py_ - hy)
                + np.where(hi == n - 1, 0.0,
                           np.hypot(hx - nx_, hy - ny_) - np.hypot(lx - nx_, ly - ny_)))
        good = np.nonzero(gain > 1e-9)[0]
        if len(good) == 0:
            break
        good = good[np.argsort(-gain[good], kind="stable")]
        applied = 0
        for i0, j0 in zip(lo[good].tolist(), hi[good].tolist(), strict=True):
            # earlier moves of this round may have changed the ends: score the block again
            px, py = (bx[i0 - 1], by[i0 - 1]) if i0 > 0 else (ox, oy)
            g = hyp(px - ax[i0], py - ay[i0]) - hyp(px - bx[j0], py - by[j0])
            if j0 < n - 1:
                nx, ny = ax[j0 + 1], ay[j0 + 1]
                g += hyp(bx[j0] - nx, by[j0] - ny) - hyp(ax[i0] - nx, ay[i0] - ny)
            if g <= 1e-9 or (any_fixed and fixed[perm[i0:j0 + 1]].any()):
                continue
            applied += 1
            ax[i0:j0 + 1], bx[i0:j0 + 1] = bx[i0:j0 + 1][::-1], ax[i0:j0 + 1][::-1]
            ay[i0:j0 + 1], by[i0:j0 + 1] = by[i0:j0 + 1][::-1], ay[i0:j0 + 1][::-1]
            perm[i0:j0 + 1] = perm[i0:j0 + 1][::-1].copy()
            flip[i0:j0 + 1] = ~flip[i0:j0 + 1][::-1]
            dirty[i0] = dirty[j0] = True
            moved[i0:j0 + 1] = True
            moves += 1
            label[i0:j0 + 1] = moves
        if not applied:
            break
    return perm, flip, work


def two_opt(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0),
            window: int = 32, neighbours: int = 8, max_rounds: int = 40,
            budget_s: float | None = None) -> list[Polyline]:
    """Improve an order by reversing blocks of it (each polyline in the block drawn backwards).

    Blocks up to ``window`` long and blocks joining each polyline to its ``neighbours``
    nearest are tried (see :func:`_improve`) until none gains, ``max_rounds`` rounds have run,
    about :data:`WORK_PER_PATH` blocks per polyline have been scored or ``budget_s`` seconds
    have passed. Blocks holding a polyline that must not be reversed are skipped.
    """
    n = len(paths)
    if n < 2:
        return list(paths)
    a, b = _ends(paths)
    near = _neighbours(a, b, neighbours)
    per_round = n * (min(window, n) + 2 * (near.shape[1] if near is not None else 0))
    deadline = None if budget_s is None else time.perf_counter() + budget_s
    fixed = np.array([not _reversible(p) for p in paths])
    perm, flip, _ = _improve(a, b, fixed, np.asarray(origin, dtype=float), window=window,
                             near=near, work=min(WORK_PER_PATH * n, max_rounds * per_round),
                             deadline=deadline)
    return [paths[p].reversed() if f else paths[p]
            for p, f in zip(perm.tolist(), flip.tolist(), strict=True)]


def order_paths(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0),
                optimise: bool = True, window: int = 32, budget_s: float | None = None
                ) -> list[Polyline]:
    """The shortest of: the given order, nearest neighbour, nearest neighbour improved by 2-opt
    (alternating with re-entering closed polylines at their best vertex)."""
    given = list(paths)
    if len(given) < 2 or not optimise:
        return given
    nn = nearest_neighbour(given, origin=origin)
    best = two_opt(nn, origin=origin, window=window, budget_s=budget_s)
    if any(p.closed for p in best):
        best = reenter_closed(best, origin=origin)
        best = reenter_closed(two_opt(best, origin=origin, window=window, budget_s=budget_s),
                              origin=origin)
    candidates = [given, nn, best]
    costs = [_travel(c, origin) for c in candidates]
    return candidates[int(np.argmin(costs))]


def reenter_closed(paths: Sequence[Polyline], *, origin: tuple[float, float] = (0.0, 0.0),
                   sweeps: int = 2) -> list[Polyline]:
    """Enter each closed polyline at the vertex that minimises the hop in from the previous
    polyline plus the hop out to the next (its entry is also its exit)."""
    out = list(paths)
    if not any(p.closed for p in out):
        return out
    # each closed polyline as given, and the vertex it is now entered at
    rings = {k: [p, p.points[:-1, 0], p.points[:-1, 1], 0]
             for k, p in enumerate(out) if p.closed and len(p.points) >= 4}
    for _ in range(sweeps):
        changed = False
        for k, ring in rings.items():
            p, xs, ys, at = ring
            cost = np.zeros(len(xs))
            if k > 0 or origin is not None:
                prev = out[k - 1].end if k > 0 else np.asarray(origin, dtype=float)
                cost += np.hypot(xs - prev[0], ys - prev[1])
            if k + 1 < len(out):
                nxt = out[k + 1].start
                cost += np.hypot(xs - nxt[0], ys - nxt[1])
            best = int(cost.argmin())
            if cost[best] < cost[at]:
                out[k] = p.rotated(best)
                ring[3] = best
                changed = True
        if not changed:
            break
    return out


def order_groups(groups: Sequence[Sequence[Polyline]], *, origin: tuple[float, float] = (0.0, 0.0),
                 optimise: bool = True) -> list[Polyline]:
    """Order each group in turn (e.g. inner contours before outer ones), chaining the origin."""
    out: list[Polyline] = []
    here = origin
    for group in groups:
        part = order_paths(group, origin=here, optimise=optimise)
        out.extend(part)
        if part:
            here = (float(part[-1].end[0]), float(part[-1].end[1]))
    return out
