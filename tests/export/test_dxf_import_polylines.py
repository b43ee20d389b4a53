"""Closed LWPOLYLINEs read back: the stored-vertex fast path gives ezdxf's flattened path."""

import ezdxf
import numpy as np
import pytest
import shapely
from ezdxf import path as ezpath

from zmfab.imports.dxf import _flatten, read_dxf_layers


def _reference(entity, tol=0.001):
    return [(v.x, v.y) for v in ezpath.make_path(entity).flattening(distance=tol)]


@pytest.mark.parametrize("points, kwargs", [
    ([(0, 0), (4, 0), (4, 1), (0, 1)], {}),                       # plain
    ([(0, 0), (4, 0), (4, 1), (0, 1), (0, 0)], {}),               # first vertex repeated at the end
    ([(0, 0, 0, 0, 0), (4, 0, 0, 0, 1), (4, 1, 0, 0, 0), (0, 1, 0, 0, 0)], {"format": "xyseb"}),
    ([(0, 0), (4, 0), (4, 1), (0, 1)], {"dxfattribs": {"extrusion": (0, 0, -1)}}),  # mirrored OCS
])
def test_closed_polyline_points_match_the_flattened_path(points, kwargs):
    doc = ezdxf.new()
    e = doc.modelspace().add_lwpolyline(points, close=True, **kwargs)
    assert np.allclose(np.asarray(_flatten(e, 0.001)), np.asarray(_reference(e)), atol=1e-12)


def test_a_long_spiral_reads_back_with_every_vertex(tmp_path):
    import zmfab
    from zmfab.export.dxf import write_dxf

    roll = zmfab.layout("swiss-roll", turns=3)
    write_dxf(roll, tmp_path / "roll.dxf")
    back = read_dxf_layers(tmp_path / "roll.dxf")
    for name in ("anode", "cathode"):
        drawn, read = roll[name], back[name]
        # the DXF keeps coordinates to about a micrometre: the outlines differ by round-off only
        assert drawn.symmetric_difference(read).area < 1e-5 * drawn.length
        assert shapely.get_num_coordinates(read) == shapely.get_num_coordinates(drawn)
