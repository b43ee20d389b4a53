"""2-opt by block reversal on arrays of entries and exits (see :func:`improve`)."""

from __future__ import annotations

import time

import numpy as np

from .order_index import has_scipy
from .order_plan import dist


def block_neighbours(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray | None:
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
        d = dist(ends[:, None, :], ends[None, :, :])
        idx = np.argpartition(d, min(2 * k + 1, 2 * n - 1), axis=1)[:, : 2 * k + 2]
    ids = np.asarray(idx) % n
    return np.hstack([ids[:n], ids[n:]])


def improve(a: np.ndarray, b: np.ndarray, fixed: np.ndarray, org: np.ndarray, *, window: int,
            near: np.ndarray | None, work: int, deadline: float | None
            ) -> tuple[np.ndarray, np.ndarray, int]:
    """2-opt on entries ``a`` and exits ``b``: (order, reversed flags, work left).

    Each round scores, all at once in NumPy, every block ``[i, i + k]`` (``k < window``) and
    every block that joins a polyline's exit to one of its ``near`` polylines; then, best first,
    each improving block is scored again against the order as it now stands (plain floats) and
    reversed if it still gains (a block inside one reversed earlier in the round is taken where
    its mirror image now lies, so many moves land per round). Rounds repeat until none
    improves, ``work`` candidates have been scored or ``deadline`` passes."""
    n = len(a)
    # points as complex numbers (a hop is one ``abs``), twice: arrays for the scoring of a
    # round, lists for the plain re-scoring of its moves; every reversal is applied to both
    za, zb = a[:, 0] + 1j * a[:, 1], b[:, 0] + 1j * b[:, 1]
    la, lb = za.tolist(), zb.tolist()
    zo = complex(float(org[0]), float(org[1]))
    perm = np.arange(n)
    flip = np.zeros(n, dtype=bool)
    any_fixed = bool(fixed.any())
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
    first_round = True
    while work > 0 and (deadline is None or time.perf_counter() < deadline):
        # ``pb[k]`` is the exit before position k (the origin before 0), ``na[k]`` the entry
        # at k (anything after the last: masked below)
        pb = np.concatenate([[zo], zb])
        na = np.concatenate([za, [0j]])
        if first_round:  # every block is new
            los, his = [win_lo], [win_hi]
        else:
            sel = (dirty[win_lo] | dirty[win_hi] | dirty[np.maximum(win_lo - 1, 0)]
                   | dirty[win_hi + 1] | ((moved[win_lo] | moved[win_hi])
                                          & (label[win_lo] != label[win_hi])))
            los, his = [win_lo[sel]], [win_hi[sel]]
        first_round = False
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
        p_, l_, h_, nx_ = pb[lo], za[lo], zb[hi], na[hi + 1]
        gain = (np.abs(p_ - l_) - np.abs(p_ - h_)
                + np.where(hi == n - 1, 0.0, np.abs(h_ - nx_) - np.abs(l_ - nx_)))
        good = np.nonzero(gain > 1e-9)[0]
        if len(good) == 0:
            break
        good = good[np.argsort(-gain[good], kind="stable")]
        applied = 0
        done: list[tuple[int, int]] = []  # blocks reversed this round, where they were then
        for i0, j0 in zip(lo[good].tolist(), hi[good].tolist(), strict=True):
            # a block lying (with the polylines either side) inside one reversed this round is
            # now its mirror image there, with the same gain
            for a0, b0 in done:
                if a0 < i0 and j0 < b0:
                    i0, j0 = a0 + b0 - j0, a0 + b0 - i0
            # earlier moves of this round may have changed the ends: score the block again
            pz = lb[i0 - 1] if i0 > 0 else zo
            g = abs(pz - la[i0]) - abs(pz - lb[j0])
            if j0 < n - 1:
                g += abs(lb[j0] - la[j0 + 1]) - abs(la[i0] - la[j0 + 1])
            if g <= 1e-9 or (any_fixed and fixed[perm[i0:j0 + 1]].any()):
                continue
            applied += 1
            done.append((i0, j0))
            la[i0:j0 + 1], lb[i0:j0 + 1] = lb[i0:j0 + 1][::-1], la[i0:j0 + 1][::-1]
            rev = za[i0:j0 + 1][::-1].copy()
            za[i0:j0 + 1] = zb[i0:j0 + 1][::-1]
            zb[i0:j0 + 1] = rev
            perm[i0:j0 + 1] = perm[i0:j0 + 1][::-1].copy()
            flip[i0:j0 + 1] = ~flip[i0:j0 + 1][::-1]
            # the marks of earlier moves follow their polylines into the mirror image
            dirty[i0:j0 + 1] = dirty[i0:j0 + 1][::-1].copy()
            dirty[i0] = dirty[j0] = True
            moved[i0:j0 + 1] = True
            moves += 1
            label[i0:j0 + 1] = moves
        if not applied:
            break
    return perm, flip, work

