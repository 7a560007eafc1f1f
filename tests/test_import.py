"""Importing the client side of the package never imports ipywidgets (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_fresh(codes: list) -> dict:
    """Run each code in a new interpreter, all at once; each prints a JSON object, returned by code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("XRT_WIDGETS_BASE_URL", None)
    procs = {code: subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for code in codes}
    out = {}
    for code, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0, stderr
        out[code] = json.loads(stdout.strip().splitlines()[-1])
    return out


PROBE = (
    "import json, sys\n"
    "{stmt}\n"
    "heavy = sorted(m for m in ('ipywidgets', 'traitlets', 'IPython', 'ipykernel', 'xrt_widgets.panel')"
    " if m in sys.modules)\n"
    "print(json.dumps({{'loaded': heavy, 'ours': sorted(m for m in sys.modules if m.startswith('xrt_widgets'))}}))"
)


STATEMENTS = [
    "import xrt_widgets.client",
    "import xrt_widgets",
    "from xrt_widgets import XRTProductRequest, listOldJobs, countActiveJobs",
    "from xrt_widgets import Emulator",
    "import xrt_widgets.request, xrt_widgets.codes, xrt_widgets.products, xrt_widgets.errors",
    "import xrt_widgets.emulator.__main__",
]


@pytest.fixture(scope="module")
def probed() -> dict:
    """Statement -> what a fresh interpreter had loaded after running it."""
    results = _run_fresh([PROBE.format(stmt=stmt) for stmt in STATEMENTS])
    return {stmt: results[PROBE.format(stmt=stmt)] for stmt in STATEMENTS}


@pytest.mark.parametrize("stmt", STATEMENTS)
def test_client_side_imports_no_widgets(probed, stmt):
    result = probed[stmt]
    assert result["loaded"] == []
    assert "xrt_widgets" in result["ours"]


def test_import_xrt_widgets_is_lazy(probed):
    result = probed["import xrt_widgets"]
    assert result["ours"] == ["xrt_widgets", "xrt_widgets._version"]


def test_the_client_does_not_pull_in_the_request_or_emulator(probed):
    result = probed["import xrt_widgets.client"]
    assert "xrt_widgets.request" not in result["ours"]
    assert "xrt_widgets.emulator" not in result["ours"]


def test_public_names_resolve_lazily():
    import xrt_widgets
    from xrt_widgets import emulator, request

    assert xrt_widgets.XRTProductRequest is request.XRTProductRequest
    assert xrt_widgets.listOldJobs is request.listOldJobs
    assert xrt_widgets.countActiveJobs is request.countActiveJobs
    assert xrt_widgets.Emulator is emulator.Emulator
    assert xrt_widgets.codes.__name__ == "xrt_widgets.codes"
    assert {"XRTProductRequest", "Emulator", "CancelPanel", "__version__"} <= set(xrt_widgets.__all__)
    assert {"XRTProductRequest", "Emulator", "CancelPanel"} <= set(dir(xrt_widgets))
    assert xrt_widgets.__version__ == "0.1.0"
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        xrt_widgets.nothing_here
