"""Work budgets: what a layout would cost, estimated from its parameters before it is drawn.

Every family registers a ``work(params) -> Work`` estimate (closed forms, no geometry): the size
of its footprint and the vertices its polygons will hold. :func:`check_work` refuses a layout
larger than 1 m a side (:data:`zmfab.units.MAX_LENGTH_MM`) or with more vertices than the budget
in force (:data:`DEFAULT_MAX_VERTICES`, raised by ``--max-vertices`` or :func:`limits`), naming the
parameter that drives it, so nothing runs for minutes or fills memory before failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ..errors import ParameterError
from ..units import MAX_LENGTH_MM

#: Vertices a layout may hold by default (a 300-ring concentric layout holds 1.4 million and takes
#: about a second; every later stage, DRC, masks, G-code, scales with this count).
DEFAULT_MAX_VERTICES = 2_000_000
#: The CLI option that raises the vertex budget.
VERTICES_OPTION = "--max-vertices"

_MAX_VERTICES: ContextVar[int] = ContextVar("max_vertices", default=DEFAULT_MAX_VERTICES)


@dataclass(frozen=True)
class Work:
    """A layout's estimated cost: footprint ``width`` x ``height`` (mm) and ``vertices``.

    ``drivers`` names the parameter behind each figure (``"width"``, ``"height"``,
    ``"vertices"`` -> field), the one an error blames.
    """

    width: float
    height: float
    vertices: int
    drivers: dict[str, str]


def max_vertices() -> int:
    """The vertex budget in force."""
    return _MAX_VERTICES.get()


@contextmanager
def limits(*, max_vertices: int | None = None) -> Iterator[None]:
    """Run the block with another vertex budget (``None`` keeps the current one)."""
    if max_vertices is None:
        yield
        return
    if isinstance(max_vertices, bool) or not isinstance(max_vertices, int) or max_vertices < 1:
        raise ParameterError(VERTICES_OPTION, f"{max_vertices!r} is out of range (must be a whole number >= 1)")
    token = _MAX_VERTICES.set(max_vertices)
    try:
        yield
    finally:
        _MAX_VERTICES.reset(token)


def check_work(work: Work, *, family: str) -> None:
    """Refuse ``work`` beyond 1 m a side or beyond the vertex budget (``ParameterError``)."""
    for axis, size in (("width", work.width), ("height", work.height)):
        if not size <= MAX_LENGTH_MM:  # also catches nan
            raise ParameterError(work.drivers.get(axis, axis), (
                f"the {family} layout would be {size:.6g} mm {'wide' if axis == 'width' else 'tall'}, "
                f"above the {MAX_LENGTH_MM:g} mm (1 m) limit of any layout"))
    budget = max_vertices()
    if work.vertices > budget:
        raise ParameterError(work.drivers.get("vertices", "vertices"), (
            f"the {family} layout would hold about {work.vertices:.3g} vertices, above the budget of "
            f"{budget:.3g} (raise it with {VERTICES_OPTION} N, or coarsen --tolerance)"))
