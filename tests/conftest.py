"""Shared test options: goldens change only on an explicit --regen-golden."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "data" / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true", help="rewrite golden files from the current output")


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare a JSON-able value with tests/data/golden/<name>.json (missing golden = failure)."""
    regen = request.config.getoption("--regen-golden")

    def check(name: str, value: dict, *, rel: float = 1e-6) -> None:
        path = GOLDEN_DIR / f"{name}.json"
        if regen:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")
            return
        if not path.exists():
            pytest.fail(f"golden {path} is missing; run pytest --regen-golden to create it")
        expected = json.loads(path.read_text())
        assert set(value) == set(expected), f"keys differ from golden {name}"
        for key, want in expected.items():
            got = value[key]
            if isinstance(want, float) or isinstance(got, float):
                assert got == pytest.approx(want, rel=rel, abs=1e-9), f"{name}.{key}"
            elif isinstance(want, list):
                assert got == pytest.approx(want, rel=rel, abs=1e-9), f"{name}.{key}"
            else:
                assert got == want, f"{name}.{key}"

    return check
