"""A small, fast design shared by the sweep tests."""

from __future__ import annotations

from pathlib import Path

import pytest

DESIGN = """\
title = "Small comb for sweeps"
family = "interdigitated"
[params]
fingers = 3
anode_width = "200um"
cathode_width = "200um"
gap = "150um"
finger_length = "2mm"
pad_size = "1mm"
"""


@pytest.fixture
def design_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(DESIGN)
    return path


@pytest.fixture
def design(design_file: Path):
    from zmfab.design import load_design

    return load_design(design_file)
