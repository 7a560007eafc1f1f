"""Fixtures for the tests of what a user installs: the built wheel, and small venvs made with uv.

The sdist is built from the checkout and the wheel from the sdist (``uv build``), so the wheel holds only what
the sdist carries. Every venv is new, made by uv from its cache (only the first run on a machine downloads), and
nothing of the checkout is on its path: its Python runs in a temporary folder with no ``PYTHONPATH``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from venvs import ROOT, run, uv_binary


@dataclass(frozen=True)
class Dist:
    """The built distributions."""

    sdist: Path
    wheel: Path


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Dist:
    """The sdist and the wheel of the checkout as it is, built once per session."""
    out = tmp_path_factory.mktemp("dist")
    run([uv_binary(), "build", "-q", "--out-dir", str(out), str(ROOT)], cwd=out, timeout=300)
    (sdist,) = out.glob("xrt_widgets-*.tar.gz")
    (wheel,) = out.glob("xrt_widgets-*-py3-none-any.whl")
    return Dist(sdist=sdist, wheel=wheel)
