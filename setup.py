"""Copies the top-level ``profiles/`` into the built package as ``zmfab/_profiles``.

Everything else is in pyproject.toml; a source checkout reads ``profiles/`` in place.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithProfiles(build_py):
    """build_py that also ships the profiles folder inside the package."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "profiles"
        target = Path(self.build_lib) / "zmfab" / "_profiles"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))


setup(cmdclass={"build_py": BuildPyWithProfiles})
