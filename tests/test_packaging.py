"""What `pip install xrt_widgets` gives: the metadata, the licence, py.typed and an honest User-Agent.

The metadata is read from the installed distribution, so these tests fail until the package is
installed again after pyproject.toml changes (`pip install -e '.[test]'`).
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
import requests

import xrt_widgets
from xrt_widgets import XRTProductRequest, __version__, client

from support import GLOBALS, USER

ROOT = Path(__file__).resolve().parents[1]
REINSTALL = "the installed metadata is stale: run `pip install -e '.[test]'` again"


@pytest.fixture(scope="module")
def metadata():
    return importlib.metadata.metadata("xrt_widgets")


def test_the_version_is_0_2_0(metadata):
    assert __version__ == "0.2.0"
    assert metadata["Version"] == __version__, REINSTALL


@pytest.mark.parametrize("classifier", [
    "Framework :: Jupyter",
    "Framework :: Jupyter :: JupyterLab",
    "Topic :: Scientific/Engineering :: Astronomy",
    "Programming Language :: Python :: 3 :: Only",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Typing :: Typed",
])
def test_classifiers(metadata, classifier):
    assert classifier in metadata.get_all("Classifier", []), REINSTALL


def test_the_python_versions_classified_agree_with_requires_python(metadata):
    minimum = tuple(int(part) for part in metadata["Requires-Python"].removeprefix(">=").split("."))
    versions = [tuple(int(part) for part in c.rsplit(" ", 1)[1].split("."))
                for c in metadata.get_all("Classifier", [])
                if c.startswith("Programming Language :: Python :: 3.")]
    assert min(versions) == minimum


def test_project_urls_are_real_addresses_of_the_service(metadata):
    urls = [entry.split(", ", 1)[1] for entry in metadata.get_all("Project-URL", [])]
    assert urls, REINSTALL
    assert all(url.startswith("https://www.swift.ac.uk/user_objects") for url in urls)


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
    assert client.USER_AGENT == f"xrt_widgets/{__version__} python-requests/{requests.__version__}"


def test_the_server_sees_that_user_agent(emu):
    with XRTProductRequest(USER, base_url=emu.base_url, timeout=(2.0, 5.0)) as req:
        req.setGlobalPars(**GLOBALS)
        req.addLightCurve()
        assert req.submit(), req.submitError
        assert req.cancelProducts()[0] == 1
    assert [entry["user_agent"] for entry in emu.log] == [client.USER_AGENT] * 2
    assert emu.log[-1]["user_agent"] == f"xrt_widgets/0.2.0 python-requests/{requests.__version__}"
