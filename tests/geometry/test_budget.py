"""Work estimates (issue 14, item 4): each family's size and vertices, known before it is drawn."""

from __future__ import annotations

import pytest
import shapely

from zmfab.errors import ParameterError
from zmfab.geometry.budget import DEFAULT_MAX_VERTICES, check_work, limits, max_vertices
from zmfab.geometry.registry import estimate_work, families, generate, make_params

SIZES = {"interdigitated": {"fingers": 60, "corner_radius": "50um"}, "concentric": {"rings": 12},
         "swiss-roll": {"turns": 12}}


@pytest.mark.parametrize("family", families())
def test_estimate_matches_what_is_drawn(family: str) -> None:
    values = SIZES[family]
    work = estimate_work(family, make_params(family, values))
    lay = generate(family, **values)
    drawn = sum(int(shapely.get_num_coordinates(g)) for g in lay.regions.values())
    assert work.vertices == pytest.approx(drawn, rel=0.25)
    x0, y0, x1, y1 = lay.get("footprint").bounds
    assert work.width >= (x1 - x0) - 1e-6 and work.width <= 1.2 * (x1 - x0) + 10
    assert work.height >= (y1 - y0) - 1e-6 and work.height <= 1.2 * (y1 - y0) + 10


@pytest.mark.parametrize("family", families())
def test_vertex_budget_refuses_before_drawing(family: str) -> None:
    values = SIZES[family]
    work = estimate_work(family, make_params(family, values))
    with limits(max_vertices=work.vertices - 1), pytest.raises(ParameterError, match="--max-vertices"):
        generate(family, **values)
    with limits(max_vertices=work.vertices):
        generate(family, **values)
    assert max_vertices() == DEFAULT_MAX_VERTICES


def test_size_limit_names_the_driver() -> None:
    work = estimate_work("interdigitated", make_params("interdigitated", {"fingers": 5000}))
    with pytest.raises(ParameterError, match=r"^fingers: .*1000 mm \(1 m\)"):
        check_work(work, family="interdigitated")


def test_comb_is_one_outline_for_many_fingers() -> None:
    lay = generate("interdigitated", fingers=20000, gap="2um", anode_width="2um", cathode_width="2um")
    for name in ("anode", "cathode"):
        geom = lay.get(name)
        assert geom.geom_type == "Polygon" and geom.is_valid
    ax0, _, ax1, _ = lay.get("active_area").bounds
    assert lay.get("anode").area == pytest.approx(20000 * 0.002 * 5.0 + 0.5 * (ax1 - ax0), rel=1e-9)
