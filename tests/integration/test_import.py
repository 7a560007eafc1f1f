"""What an import loads, checked in a fresh interpreter.

The client side of the package never imports ipywidgets, and the panel
never imports the HTTP stack (``requests``, ``urllib3``): a request object
brings it when the user makes one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_fresh(codes: list) -> dict:
    """Run each code in a new interpreter, all at once; each prints a JSON object, returned by code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("XRT_WIDGETS_BASE_URL", None)
    procs = {
        code: subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for code in codes
    }
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
    "http = sorted(m for m in ('requests', 'urllib3', 'xrt_widgets.client', 'xrt_widgets.request')"
    " if m in sys.modules)\n"
    "print(json.dumps({{'loaded': heavy, 'http': http,"
    " 'ours': sorted(m for m in sys.modules if m.startswith('xrt_widgets'))}}))"
)


STATEMENTS = [
    "import xrt_widgets.client",
    "import xrt_widgets",
    "from xrt_widgets import XRTProductRequest, listOldJobs, countActiveJobs",
    "from xrt_widgets import Emulator",
    "import xrt_widgets.request, xrt_widgets.codes, xrt_widgets.products, xrt_widgets.errors",
    "import xrt_widgets.emulator.__main__",
]


#: Statements that load the views, and so ipywidgets, but must not load the HTTP stack.
VIEW_STATEMENTS = [
    "import xrt_widgets, sys; from xrt_widgets import CancelPanel",
    "import xrt_widgets.panel",
    "import xrt_widgets.adapter, xrt_widgets.progress, xrt_widgets.protocol",
]


@pytest.fixture(scope="module")
def probed() -> dict:
    """Statement -> what a fresh interpreter had loaded after running it."""
    every = STATEMENTS + VIEW_STATEMENTS
    results = _run_fresh([PROBE.format(stmt=stmt) for stmt in every])
    return {stmt: results[PROBE.format(stmt=stmt)] for stmt in every}


@pytest.mark.parametrize("stmt", STATEMENTS)
def test_client_side_imports_no_widgets(probed, stmt):
    result = probed[stmt]
    assert result["loaded"] == []
    assert "xrt_widgets" in result["ours"]


@pytest.mark.parametrize("stmt", VIEW_STATEMENTS)
def test_the_panel_imports_no_http_stack(probed, stmt):
    assert probed[stmt]["http"] == []


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
    from xrt_widgets._version import __version__

    assert xrt_widgets.__version__ == __version__
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        xrt_widgets.nothing_here


def test_moved_names_keep_their_old_import_paths():
    from xrt_widgets import client, listing, params, products, progress, protocol, request

    assert request.build_progress_text is progress.build_progress_text
    assert products.GLOBAL_WIRE_NAMES is params.GLOBAL_WIRE_NAMES
    assert products.PRODUCT_TRIGGERS is params.PRODUCT_TRIGGERS
    assert protocol.parse_listing is listing.parse_listing and protocol.ListingResult is listing.ListingResult
    assert (client.ENDPOINTS, client.API_NAME, client.API_VERSION) == (
        protocol.ENDPOINTS,
        protocol.API_NAME,
        protocol.API_VERSION,
    )
    assert "build_progress_text" in request.__all__
