"""The Python API: plan a toolpath, tweak it, format it, write it."""

from __future__ import annotations

import shapely
from shapely.geometry import box

import zmfab
from zmfab.gcode.grbl_laser import grbl_laser_job
from zmfab.gcode.laser_job import machine_profile, plan_toolpath, resolve_settings
from zmfab.gcode.parse import read_gcode
from zmfab.profiles import Profiles
from zmfab.toolpath import laser as L


def test_plan_tweak_write(tmp_path, grbl_check):
    profiles = Profiles()
    settings = resolve_settings(profiles, "laser-diode", "fill", overrides={"power": "30%"})
    tp = plan_toolpath(box(0, 0, 3, 2), "fill", settings)
    outline_slower = tp.map(lambda p: p.with_settings(speed=300.0)
                            if p.settings["kind"] == "outline" else p)
    machine = machine_profile(profiles, "grbl-diode")
    job = grbl_laser_job(outline_slower, machine, meta={"design": "api"}, offset=(5, 5),
                         date="2026-01-01")
    path = job.write(tmp_path / "api.gcode")
    grbl_check(path.read_text(), machine)
    feeds = {m.feed for m in read_gcode(path).moves if m.laser}
    assert feeds == {300.0, settings["speed"]}


def test_auto_angle_runs_along_the_fingers():
    lay = zmfab.layout("interdigitated", fingers=6, finger_length=4)
    anode = lay["anode"]
    assert L.auto_angle(anode, interval=0.1) == 90.0
    assert L.auto_angle(shapely.box(0, 0, 10, 1), interval=0.1) == 0.0
