"""What `pip install xrt_widgets` gives: the metadata, the licence, py.typed, an honest User-Agent
and the pytest plugin (the ``ukssdc_emulator`` fixture).

The metadata and the plugin's entry point are read from the installed distribution, so these tests
fail until the package is installed again after pyproject.toml changes (`pip install -e '.[test]'`).
The plugin is tried as a user meets it: a pytest run in a new process, on a test file of their own,
with this project's strict settings (warnings are errors).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import xrt_widgets
from xrt_widgets import XRTProductRequest, __version__, client
from xrt_widgets.client import DEFAULT_BASE_URL

from support import GLOBALS, PRODUCT_PARS, USER

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
REINSTALL = "the installed metadata is stale: run `pip install -e '.[test]'` again"


@pytest.fixture(scope="module")
def metadata():
    return importlib.metadata.metadata("xrt_widgets")


def test_the_version_is_0_2_0(metadata):
    assert __version__ == "0.2.0"
    assert metadata["Version"] == __version__, REINSTALL


@pytest.mark.parametrize(
    "classifier",
    [
        "Framework :: Jupyter",
        "Framework :: Jupyter :: JupyterLab",
        "Topic :: Scientific/Engineering :: Astronomy",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Typing :: Typed",
    ],
)
def test_classifiers(metadata, classifier):
    assert classifier in metadata.get_all("Classifier", []), REINSTALL


def test_the_python_versions_classified_agree_with_requires_python(metadata):
    minimum = tuple(int(part) for part in metadata["Requires-Python"].removeprefix(">=").split("."))
    versions = [
        tuple(int(part) for part in c.rsplit(" ", 1)[1].split("."))
        for c in metadata.get_all("Classifier", [])
        if c.startswith("Programming Language :: Python :: 3.")
    ]
    assert min(versions) == minimum


def test_project_urls_are_real_addresses_of_the_service(metadata):
    urls = [entry.split(", ", 1)[1] for entry in metadata.get_all("Project-URL", [])]
    assert urls, REINSTALL
    assert all(url.startswith(DEFAULT_BASE_URL) for url in urls)  # parsed here, never contacted


def test_the_licence_is_bsd_3_clause_and_shipped(metadata):
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License")
    assert "the xrt_widgets developers" in text
    assert "Neither the name of the copyright holder nor the names of its" in text
    assert metadata["License-Expression"] == "BSD-3-Clause", REINSTALL
    assert metadata.get_all("License-File") == ["LICENSE"], REINSTALL


def test_the_package_says_it_is_typed():
    marker = Path(xrt_widgets.__file__).with_name("py.typed")
    assert marker.is_file() and marker.read_bytes() == b""


def test_the_changelog_has_this_version():
    assert f"## {__version__}\n" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_user_agent_names_the_package_and_requests_only():
    assert f"xrt_widgets/{__version__} python-requests/{requests.__version__}" == client.USER_AGENT


def test_the_server_sees_that_user_agent(emu):
    with XRTProductRequest(USER, base_url=emu.base_url, timeout=(2.0, 5.0)) as req:
        req.setGlobalPars(**GLOBALS)
        req.addLightCurve(**PRODUCT_PARS["LightCurve"])
        assert req.submit(), req.submitError
        assert req.cancelProducts()[0] == 1
    assert [entry["user_agent"] for entry in emu.log] == [client.USER_AGENT] * 2
    assert emu.log[-1]["user_agent"] == f"xrt_widgets/0.2.0 python-requests/{requests.__version__}"


# -- the pytest plugin ------------------------------------------------------------------------------


def test_the_plugin_is_registered_under_pytest11():
    (entry,) = [ep for ep in importlib.metadata.entry_points(group="pytest11") if ep.name == "xrt_widgets"]
    assert entry.value == "xrt_widgets.pytest_plugin", REINSTALL


def test_the_plugin_is_loaded_in_this_suite_beside_its_own_emu(request, emu, ukssdc_emulator):
    assert request.config.pluginmanager.has_plugin("xrt_widgets")
    assert ukssdc_emulator is not emu and ukssdc_emulator.base_url != emu.base_url
    assert os.environ["XRT_WIDGETS_BASE_URL"] == ukssdc_emulator.base_url


@pytest.mark.parametrize(
    "stmt",
    [
        "import xrt_widgets.pytest_plugin",
        # What every pytest session does where xrt_widgets is installed, whatever it tests.
        "import pytest; pytest.main(['--collect-only', '-q', '-p', 'no:cacheprovider', sys.argv[1]])",
    ],
)
def test_the_plugin_loads_no_http_or_widget_library(stmt, tmp_path):
    code = (
        "import json, sys\n"
        f"{stmt}\n"
        "heavy = ('requests', 'urllib3', 'ipywidgets', 'traitlets', 'IPython', 'xrt_widgets.emulator')\n"
        "print(json.dumps({'heavy': sorted(m for m in heavy if m in sys.modules),\n"
        "                  'ours': sorted(m for m in sys.modules if m.startswith('xrt_widgets'))}))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == {"heavy": [], "ours": ["xrt_widgets", "xrt_widgets._version", "xrt_widgets.pytest_plugin"]}


#: Tests as a user writes them, each run in a new pytest process that finds the plugin by its entry
#: point. ``SWIFT_GLOBALS`` satisfy swifttools' checks as well as ours.
USER_TESTS = """
import os

import pytest
from swifttools.ukssdc.xrt_prods import XRTProductRequest as SwiftRequest

from xrt_widgets import XRTProductRequest

SWIFT_GLOBALS = dict(name="GRB 060729", targ="00221755", T0=175886400.0, RA=95.37, Dec=-62.21,
                     centroid=False, useSXPS=False)


def test_ours_submits_and_cancels(ukssdc_emulator):
    with XRTProductRequest("you@example.org") as req:
        assert req.transport.base_url == ukssdc_emulator.base_url
        req.setGlobalPars(**SWIFT_GLOBALS)
        req.addLightCurve(binMeth="snapshot")
        req.addSpectrum(hasRedshift=False)
        assert req.submit(), req.submitError
        ok, codes = req.cancelProducts()
    assert ok == 1
    assert {name: answer["code"] for name, answer in codes.items()} == {"LightCurve": 0, "Spectrum": 0}
    assert ukssdc_emulator.status(req.JobID, "LightCurve") == -4


def test_swifttools_submits_and_cancels(ukssdc_emulator):
    req = SwiftRequest("you@example.org", silent=True)
    req._baseURL = ukssdc_emulator.base_url
    req.setGlobalPars(**SWIFT_GLOBALS)
    req.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    assert req.submit(), req.submitError
    ok, codes = req.cancelProducts()
    assert ok == 1 and codes["LightCurve"]["code"] == 0
    assert ukssdc_emulator.request_count("submit") == ukssdc_emulator.request_count("cancel") == 1


@pytest.mark.parametrize("make", ["ours", "swifttools"])
def test_an_injected_http_500_is_ok_minus_1(ukssdc_emulator, make):
    if make == "ours":
        req = XRTProductRequest("you@example.org")
    else:
        req = SwiftRequest("you@example.org", silent=True)
        req._baseURL = ukssdc_emulator.base_url
    req.setGlobalPars(**SWIFT_GLOBALS)
    req.addStandardPos()
    assert req.submit(), req.submitError
    ukssdc_emulator.inject("cancel", "status", status=500)
    assert req.cancelProducts()[0] == -1
    assert ukssdc_emulator.status(req.JobID, "StandardPos") == 1
    assert req.cancelProducts()[0] == 1


def test_the_clock_moves_only_when_told(ukssdc_emulator):
    job_id = ukssdc_emulator.add_job("you@example.org", ["LightCurve"])
    assert ukssdc_emulator.status(job_id, "LightCurve") == 1
    ukssdc_emulator.advance(24 * 3600)
    assert ukssdc_emulator.status(job_id, "LightCurve") == 4


def test_each_test_has_its_own_emulator(ukssdc_emulator):
    assert ukssdc_emulator.log == [] and ukssdc_emulator.store.jobs == {}


def test_the_base_url_is_set_only_while_the_fixture_lives():
    assert "XRT_WIDGETS_BASE_URL" not in os.environ
"""


def _readme_example() -> str:
    """The code block of the README's "Test your own pipeline offline" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Test your own pipeline offline\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return block


def _as_swifttools(example: str) -> str:
    """The README's example for a swifttools request, changed as the README says to change it."""
    ours = "from xrt_widgets import XRTProductRequest\n"
    theirs = "from swifttools.ukssdc.xrt_prods import XRTProductRequest\n"
    made = '    req = XRTProductRequest("you@example.org")\n'
    assert example.count(ours) == 1 and example.count(made) == 1
    example = example.replace(ours, theirs).replace(made, made + "    req._baseURL = ukssdc_emulator.base_url\n")
    return example


def test_the_fixture_in_a_users_own_test_run(pytester, monkeypatch):
    pytester.makepyfile(
        test_user=USER_TESTS,
        test_readme_ours=_readme_example(),
        test_readme_swifttools=_as_swifttools(_readme_example()),
    )
    monkeypatch.delenv("XRT_WIDGETS_BASE_URL", raising=False)
    # This project's pytest settings (warnings are errors, strict markers, timeouts), but not its
    # conftest: the user's tests see only what the installed package gives them.
    result = pytester.runpytest_subprocess(
        "-c",
        str(ROOT / "pyproject.toml"),
        "--rootdir",
        str(pytester.path),
        "-p",
        "no:cacheprovider",
        "-v",
        ".",
        timeout=300,
    )
    result.stdout.fnmatch_lines(
        [
            "*test_readme_ours.py::test_a_failed_cancel_is_reported PASSED*",
            "*test_readme_swifttools.py::test_a_failed_cancel_is_reported PASSED*",
        ],
        consecutive=False,
    )
    result.assert_outcomes(passed=9)
