"""The travel-ordering problem as plain arrays: each polyline's ends (lead ends included), which
ones may be drawn backwards, and for closed polylines their vertices and a few sampled *ports*
(candidate entry vertices) that take part in the spatial searches.

A closed polyline is entered and left at the same vertex, so it is never drawn backwards (that
would not shorten any travel); it only chooses its entry vertex.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .path import Polyline

#: A closed polyline takes part in the spatial searches through up to this many of its vertices.
RING_SAMPLES = 16
#: ... and through fewer when small: about one per this fraction of the mean spacing of the
#: items (the side of the plan's bounding box over sqrt(n)) along its bounding box's outline
#: (a contour a few microns wide needs one entry point for the searches, not 16).
PORT_SPACING = 1 / 8
#: Rings of up to this many vertices are searched vertex by vertex in plain Python ...
SMALL_RING = 12
#: ... and up to this many (half as many with a hop on to a next point) all at once in NumPy;
#: bigger ones by samples first.
SCAN_ALL = 1024


def norm(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Element-wise length of (dx, dy), mm: ``sqrt(dx² + dy²)``, several times quicker than
    ``np.hypot`` (which guards against overflow that millimetre coordinates never come near)."""
    return np.sqrt(dx * dx + dy * dy)


def as_complex(pts: np.ndarray) -> np.ndarray:
    """Points (..., 2) as complex numbers x + iy (...): a view of the same memory where it can
    be (C-contiguous float64), else a new array. A hop is then one ``abs``, quicker again than
    :func:`norm`."""
    if pts.dtype == np.float64 and pts.flags.c_contiguous:
        return pts.view(np.complex128)[..., 0]
    return pts[..., 0] + 1j * pts[..., 1]


def dist(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Element-wise distance between points ``p`` and ``q`` (..., 2), mm."""
    return np.abs(as_complex(np.subtract(p, q, dtype=np.float64)))


def reversible(p: Polyline) -> bool:
    """Whether ``p`` may be drawn backwards (settings ``reversible``, default True)."""
    return bool(p.settings.get("reversible", True))


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


def ends(paths: Sequence[Polyline]) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) (n, 2) mm of every polyline, lead-in/out included."""
    first = np.array([p.points[0] for p in paths])
    second = np.array([p.points[1 if len(p.points) > 1 else 0] for p in paths])
    last = np.array([p.points[-1] for p in paths])
    before = np.array([p.points[-2 if len(p.points) > 1 else -1] for p in paths])
    lead_in = np.array([p.lead_in for p in paths], dtype=float)
    lead_out = np.array([p.lead_out for p in paths], dtype=float)
    return _lead_ends(first, second, lead_in), _lead_ends(last, before, lead_out)


@dataclass
class Plan:
    """Arrays of one ordering problem (all mm).

    ``starts``/``ends`` (n, 2); ``closed`` and ``flippable`` (n,) bool (flippable: open and
    reversible); ``rings[i]`` the distinct vertices of closed polyline i (else None);
    ``ports`` (m, 2) the entry points the spatial searches use, owned by ``port_owner``, with
    ``port_code`` -1 for an open polyline's start, -2 for its end (entered backwards) and the
    vertex index for a closed one's sampled vertex. An item may have a second way of being
    drawn, ``alt_starts``/``alt_ends`` (NaN where none), with ports -3 (its start) and -4 (its
    end); the greedy step that picks one of them copies it into ``starts``/``ends`` and sets
    ``alt_used``.
    """

    starts: np.ndarray
    ends: np.ndarray
    closed: np.ndarray
    flippable: np.ndarray
    rings: list[np.ndarray | None]
    ports: np.ndarray
    port_owner: np.ndarray
    port_code: np.ndarray
    alt_starts: np.ndarray | None = None
    alt_ends: np.ndarray | None = None
    alt_used: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.starts)


def make_plan(paths: Sequence[Polyline]) -> Plan:
    """The :class:`Plan` of ``paths`` (a closed polyline with fewer than 3 distinct vertices is
    treated as open)."""
    starts, stops = ends(paths)
    closed = np.array([p.closed and len(p.points) > 3 for p in paths], dtype=bool)
    rev = np.array([reversible(p) for p in paths], dtype=bool)
    rings: list[np.ndarray | None] = [p.points[:-1] if c else None
                                      for p, c in zip(paths, closed.tolist(), strict=True)]
    return assemble(starts, stops, closed, rev & ~closed, rings)


def assemble(starts: np.ndarray, stops: np.ndarray, closed: np.ndarray, flippable: np.ndarray,
             rings: list[np.ndarray | None], alt_starts: np.ndarray | None = None,
             alt_ends: np.ndarray | None = None) -> Plan:
    """A :class:`Plan` from its arrays, ports sampled (see the class)."""
    n = len(starts)
    if not n:
        return Plan(starts, stops, closed, flippable, rings, np.zeros((0, 2)),
                    np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    idx = np.arange(n)
    open_ = ~closed
    pts = [starts[open_], stops[flippable]]
    owner = [idx[open_], idx[flippable]]
    code = [np.full(int(open_.sum()), -1), np.full(int(flippable.sum()), -2)]
    if alt_starts is not None:
        has = ~np.isnan(alt_starts[:, 0])
        pts += [alt_starts[has], alt_ends[has]]
        owner += [idx[has], idx[has]]
        code += [np.full(int(has.sum()), -3), np.full(int(has.sum()), -4)]
    ring_ids = np.nonzero(closed)[0]
    if len(ring_ids):
        v, own = _ring_ports([rings[i] for i in ring_ids.tolist()], np.vstack([starts, stops]), n)
        pts.append(v[0])
        owner.append(ring_ids[own])
        code.append(v[1])
    ports = np.vstack(pts)
    owner_a = np.concatenate(owner).astype(np.int64)
    code_a = np.concatenate(code).astype(np.int64)
    # ports in item order (start, end, alternatives, or the sampled vertices in turn): the
    # searches break ties between equally near ports by this order
    o = np.lexsort((np.where(code_a < 0, -code_a - 1, code_a), owner_a))
    alt_used = None if alt_starts is None else np.zeros(n, dtype=bool)
    return Plan(starts, stops, closed, flippable, rings, ports[o], owner_a[o], code_a[o],
                alt_starts, alt_ends, alt_used)


def _ring_ports(rings: list[np.ndarray], ends: np.ndarray, n: int
                ) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """((points, vertex indices), ring) of the ports of ``rings``: up to :data:`RING_SAMPLES`
    evenly spaced vertices each, fewer on small rings (see :data:`PORT_SPACING`)."""
    size = np.array([len(r) for r in rings])
    step = np.maximum(1, size // RING_SAMPLES)
    count = -(-size // step)  # samples 0, step, 2 step ... below size
    ring = np.repeat(np.arange(len(rings)), count)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    k = np.arange(int(count.sum())) - first[ring]
    vert = k * step[ring]
    sample = np.concatenate([r[::st] for r, st in zip(rings, step.tolist(), strict=True)])
    # thin the samples of small rings: one port per h along the bounding box's outline
    h = PORT_SPACING * float(np.ptp(ends, axis=0).max()) / math.sqrt(n)
    outline = 2 * (np.maximum.reduceat(sample, first) - np.minimum.reduceat(sample, first)).sum(axis=1)
    want = np.clip(np.ceil(outline / max(h, 1e-12)), 1, count).astype(np.int64)
    keep = k % np.maximum(1, count // want)[ring] == 0
    return (sample[keep], vert[keep]), ring[keep]


def nearest_vertex(ring: np.ndarray, q: tuple[float, float]) -> int:
    """Index of the vertex of ``ring`` nearest ``q``: exact up to :data:`SCAN_ALL` vertices;
    on bigger rings every ``sqrt(len)``-th vertex first, then every vertex within that step of
    the best of them (exact for rings whose distance to ``q`` has one minimum at the sampling
    scale)."""
    return best_vertex(ring, q, None)


def best_vertex(ring: np.ndarray, p: tuple[float, float], q: tuple[float, float] | None,
                around: int | None = None) -> int:
    """Vertex of ``ring`` minimising the hop from ``p`` plus (if given) the hop on to ``q``: on
    small rings every vertex, on big ones coarse samples, then the vertices near the best sample
    and near ``around``."""
    return best_vertex_cost(ring, p, q, around)[0]


def best_vertex_cost(ring: np.ndarray, p: tuple[float, float], q: tuple[float, float] | None,
                     around: int | None = None) -> tuple[int, float]:
    """(:func:`best_vertex`, its hop from ``p`` plus the hop on to ``q``), mm."""
    m = len(ring)
    if m <= SMALL_RING:  # plain floats beat NumPy's call overhead on a few vertices
        hyp = math.hypot
        best, best_c = 0, math.inf
        for v, (x, y) in enumerate(ring.tolist()):
            c = hyp(x - p[0], y - p[1]) + (0.0 if q is None else hyp(x - q[0], y - q[1]))
            if c < best_c:
                best, best_c = v, c
        return best, best_c
    z = as_complex(ring)
    pz, qz = complex(p[0], p[1]), None if q is None else complex(q[0], q[1])
    step = max(1, int(math.isqrt(m)))
    if m * (1 if q is None else 2) <= SCAN_ALL or step <= 2:
        # every vertex in one NumPy pass: exact, quicker
        return _least(z, pz, qz)
    k = _least(z[::step], pz, qz)[0] * step
    # the vertices within a step of the best sample and of ``around`` (round the ring)
    near = np.arange(k - step, k + step + 1)
    if around is not None and around != k:
        near = np.concatenate([near, np.arange(around - step, around + step + 1)])
    near %= m
    j, c = _least(z[near], pz, qz)
    return int(near[j]), c


def _least(z: np.ndarray, p: complex, q: complex | None) -> tuple[int, float]:
    """(index of the point of ``z`` with the least hop from ``p`` plus on to ``q``, that cost);
    ties: the first."""
    c = np.abs(z - p)
    if q is not None:
        c += np.abs(z - q)
    j = int(c.argmin())
    return j, float(c[j])
