"""Stamps and molds: the STL read back is closed (every edge twice, opposite ways), its volume is
plate x base + raised area x relief, the stamp is mirrored and the mold is not, thin walls fail."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from shapely import affinity
from shapely.geometry import Point, box

import zmfab
from tests.cli_helpers import run_cli
from tests.stack.stack_helpers import design_from
from zmfab.drc import check_design
from zmfab.export.stl import Mesh, read_stl, stl_bytes
from zmfab.process.relief import plan_relief, relief_settings
from zmfab.profiles import Profiles

ROOT = Path(__file__).resolve().parents[2]
STAMP = ROOT / "patterns" / "pd-imprint-stamp.toml"
MOLD = ROOT / "patterns" / "mold-transfer-collector.toml"
PROFILES = Profiles()


def edge_uses(mesh: Mesh) -> Counter:
    """How often each directed edge appears (counted here, independent of Mesh.open_edges)."""
    uses: Counter = Counter()
    for a, b, c in mesh.faces.tolist():
        uses.update([(a, b), (b, c), (c, a)])
    return uses


def assert_closed(mesh: Mesh) -> None:
    uses = edge_uses(mesh)
    assert all(n == 1 for n in uses.values()), "an edge is used twice the same way"
    assert all((b, a) in uses for a, b in uses), "an edge has no opposite twin"


def signed_volume(mesh: Mesh) -> float:
    t = mesh.vertices[mesh.faces]
    return float(sum(np.dot(v0, np.cross(v1, v2)) for v0, v1, v2 in t) / 6.0)


def test_stamp_stl_is_closed_mirrored_and_has_the_volume_of_plate_plus_relief(tmp_path):
    out = tmp_path / "b"
    r = run_cli("build", str(STAMP), "-o", str(out))
    assert r.code == 0, r.err
    entry = json.loads((out / "report.json").read_text())["routes"][0]
    mesh = read_stl((out / entry["files"][0]).read_bytes())
    assert_closed(mesh)
    d = zmfab.design.load_design(STAMP)
    lay = d.layout()
    regions = lay.electrode("anode").union(lay.electrode("cathode"))
    x0, y0, x1, y1 = regions.bounds
    plate = (x1 - x0 + 6.0) * (y1 - y0 + 6.0)  # 3 mm border
    expected = plate * 2.0 + regions.area * 0.5
    assert signed_volume(mesh) == pytest.approx(expected, rel=1e-5)  # float32 corners
    assert entry["volume_mm3"] == pytest.approx(expected, rel=1e-6)
    z = mesh.vertices[:, 2]
    assert z.min() == pytest.approx(0) and z.max() == pytest.approx(2.5)
    # mirrored: the raised top (z = 2.5) is the layout flipped about the regions' centre line
    top = mesh.vertices[np.isclose(z, 2.5)]
    mirrored = affinity.scale(regions, xfact=-1, yfact=1, origin=((x0 + x1) / 2, 0))
    on = [mirrored.boundary.distance(Point(x, y)) < 1e-4 for x, y, _ in top]
    on_plain = [regions.boundary.distance(Point(x, y)) < 1e-4 for x, y, _ in top]
    assert all(on) and not all(on_plain) and entry["mirrored"] is True


def test_mold_is_the_negative_right_reading():
    d = zmfab.design.load_design(MOLD)
    lay = d.layout()
    regions = lay.electrode("anode").union(lay.electrode("cathode"))
    s = relief_settings(PROFILES, kind="mold", settings={"relief": "400um"})
    plan = plan_relief(regions, s)
    mesh = read_stl(stl_bytes(plan.mesh))
    assert_closed(mesh)
    x0, y0, x1, y1 = plan.plate.bounds
    full = (x1 - x0) * (y1 - y0) * 2.4
    assert signed_volume(mesh) == pytest.approx(full - regions.area * 0.4, rel=1e-5)
    assert not s.mirror and plan.low.symmetric_difference(regions).area < 1e-4


def test_an_open_mesh_is_not_written():
    mesh = plan_relief(box(0, 0, 2, 1), relief_settings(PROFILES, kind="stamp")).mesh
    broken = Mesh(mesh.vertices, mesh.faces[:-1])
    with pytest.raises(Exception, match="not closed"):
        stl_bytes(broken)


def test_binary_stl_layout_is_header_count_and_50_byte_records():
    mesh = plan_relief(box(0, 0, 2, 1), relief_settings(PROFILES, kind="stamp")).mesh
    data = stl_bytes(mesh, title="solid test")
    assert not data[:5].lower() == b"solid"
    assert len(data) == 84 + 50 * len(mesh.faces)
    assert int(np.frombuffer(data[80:84], "<u4")[0]) == len(mesh.faces)


RELIEF = """
title = "t"
family = "interdigitated"
[params]
fingers = 3
anode_width = "{w}"
cathode_width = "{w}"
gap = "400um"
finger_length = "3mm"
bus_width = "800um"
pad_size = "1.5mm"
margin = "1mm"
[[stack]]
name = "stamp"
method = "{method}"
regions = ["anode", "anode_pad", "cathode", "cathode_pad"]
relief = "{relief}"
"""


def test_tall_thin_stamp_lines_and_mold_walls_fail_the_aspect_rule():
    ok = check_design(design_from(RELIEF.format(w="300um", method="stamp", relief="500um")), PROFILES)[2]
    assert not [v for v in ok if v.rule == "relief_aspect"]
    bad = check_design(design_from(RELIEF.format(w="300um", method="stamp", relief="1.5mm")), PROFILES)[2]
    v = next(v for v in bad if v.rule == "relief_aspect")
    assert v.allowed_mm == pytest.approx(0.5) and v.measured_mm == pytest.approx(0.3, abs=1e-3)
    walls = check_design(design_from(RELIEF.format(w="500um", method="mold", relief="1.5mm")), PROFILES)[2]
    v = next(v for v in walls if v.rule == "relief_aspect")
    assert v.measured_mm == pytest.approx(0.4, abs=1e-3)  # the 400 µm gap is the mold's wall


def test_bad_relief_is_refused_in_one_line(tmp_path):
    path = tmp_path / "d.toml"
    design_from(RELIEF.format(w="300um", method="stamp", relief="-1mm"), path)
    r = run_cli("build", str(path), "-o", str(tmp_path / "o"))
    assert r.code == 2 and "relief" in r.err and r.err.count("\n") == 1
