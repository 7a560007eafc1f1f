"""The wheel as a user gets it: what it holds, and that it works installed in a fresh venv with no checkout.

One venv per session gets the wheel with its ``demo`` extra (JupyterLab, Voila, ipykernel) and nbclient. Its
Python runs in a temporary folder, without ``PYTHONPATH``, so ``xrt_widgets`` can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from xrt_widgets import __version__
from xrt_widgets.demo import NOTEBOOKS_DIR, stop_process, wait_for_http

from venvs import ROOT, clean_env, make_venv, run

pytestmark = pytest.mark.timeout(600)

SHIPPED = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.fixture(scope="module")
def wheel_names(dist) -> list[str]:
    with zipfile.ZipFile(dist.wheel) as wheel:
        return wheel.namelist()


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory) -> Path:
    """The Python of a new venv holding the wheel, its demo extra and nbclient."""
    return make_venv(tmp_path_factory.mktemp("wheel") / "venv", f"{dist.wheel}[demo]", "nbclient", "nbformat")


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A folder with nothing of the checkout in it, and Jupyter's own folders kept inside it."""
    return tmp_path


def jupyter_env(folder: Path, **extra: str) -> dict[str, str]:
    dirs = {
        var: str(folder / var.lower())
        for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")
    }
    return clean_env(**dirs, **extra)


def test_the_wheel_holds_the_notebooks_the_type_marker_and_the_licence(wheel_names, dist):
    assert sorted(n.rsplit("/", 1)[1] for n in wheel_names if n.startswith("xrt_widgets/notebooks/")) == SHIPPED
    assert SHIPPED == ["cancel_demo.ipynb", "job_board.ipynb", "live_service.ipynb", "swifttools_demo.ipynb"]
    assert "xrt_widgets/py.typed" in wheel_names
    assert f"xrt_widgets-{__version__}.dist-info/licenses/LICENSE" in wheel_names
    with zipfile.ZipFile(dist.wheel) as wheel:
        for name in SHIPPED:
            assert wheel.read(f"xrt_widgets/notebooks/{name}") == (NOTEBOOKS_DIR / name).read_bytes()
        licence = wheel.read(f"xrt_widgets-{__version__}.dist-info/licenses/LICENSE")
        entry_points = wheel.read(f"xrt_widgets-{__version__}.dist-info/entry_points.txt").decode()
    assert licence == (ROOT / "LICENSE").read_bytes()
    assert "[pytest11]\nxrt_widgets = xrt_widgets.pytest_plugin" in entry_points


def test_the_wheel_holds_no_tests_and_nothing_outside_the_package(wheel_names):
    top = {name.split("/", 1)[0] for name in wheel_names}
    assert top == {"xrt_widgets", f"xrt_widgets-{__version__}.dist-info"}
    assert not [n for n in wheel_names if re.search(r"(^|/)(tests?|conftest\.py|test_[^/]*\.py)(/|$)", n)]
    assert not [n for n in wheel_names if n.endswith((".pyc", ".ipynb_checkpoints"))]


def test_the_sdist_can_rebuild_the_same_files(dist):
    """The wheel was built from the sdist; the sdist still carries what a rebuild needs."""
    import tarfile

    with tarfile.open(dist.sdist) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"pyproject.toml", "LICENSE", "README.md", "xrt_widgets/py.typed"} <= names
    assert {f"xrt_widgets/notebooks/{name}" for name in SHIPPED} <= names


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, elsewhere):
    code = (
        "import json, sys, xrt_widgets, xrt_widgets.demo as d\n"
        "print(json.dumps({'file': xrt_widgets.__file__, 'version': xrt_widgets.__version__,\n"
        "                  'notebooks': str(d.NOTEBOOKS_DIR), 'path': sys.path}))"
    )
    found = json.loads(run([str(installed), "-c", code], cwd=elsewhere, timeout=60))
    venv = installed.parent.parent
    assert Path(found["file"]).is_relative_to(venv / "lib")
    assert Path(found["notebooks"]).is_relative_to(venv / "lib")
    assert found["version"] == __version__
    assert not [p for p in found["path"] if p and Path(p).resolve().is_relative_to(ROOT)]


def test_the_shipped_demo_notebook_runs_with_nbclient_against_the_emulator(installed, elsewhere, emu):
    """The installed package copies its notebook out, and the copy runs in a kernel of that venv."""
    script = """
import json, sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

import xrt_widgets.demo as demo

work = Path("work")
copied, kept = demo.copy_notebooks(work)
nb = nbformat.read(work / "cancel_demo.ipynb", as_version=4)
nb.cells.append(new_code_cell("import sys, xrt_widgets; print('FROM', xrt_widgets.__file__, sys.executable)"))
NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}},
               store_widget_state=True).execute()
text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
classes = [c for m in state.values() for c in (m["state"].get("_dom_classes") or [])]
print(json.dumps({"copied": copied, "text": text, "classes": classes}))
"""
    env = jupyter_env(elsewhere, XRT_WIDGETS_BASE_URL=emu.base_url)
    out = json.loads(run([str(installed), "-c", script], cwd=elsewhere, env=env, timeout=240).splitlines()[-1])
    assert out["copied"] == SHIPPED
    venv = installed.parent.parent
    assert f"UKSSDC service: {emu.base_url}" in out["text"]
    (submitted,) = re.findall(r"Submitted job (\d+)", out["text"])
    kernel_file, kernel_python = re.search(r"FROM (\S+) (\S+)", out["text"]).groups()
    assert Path(kernel_file).is_relative_to(venv / "lib") and Path(kernel_python).parent == venv / "bin"
    rows = sorted(c for c in out["classes"] if c.startswith("xrtw-product-"))
    assert rows == sorted(f"xrtw-product-{n}" for n in ("LightCurve", "Spectrum", "StandardPos", "AstromPos", "Image"))
    assert emu.job(int(submitted)).user == "demo@example.org"
    assert emu.log and all(e["user_agent"].startswith(f"xrt_widgets/{__version__} python-requests/") for e in emu.log)
    assert (elsewhere / "work" / "cancel_demo.ipynb").read_bytes() == (NOTEBOOKS_DIR / "cancel_demo.ipynb").read_bytes()


def test_python_m_xrt_widgets_demo_runs_from_the_wheel_in_any_folder(installed, elsewhere):
    log = elsewhere / "demo.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(installed), "-m", "xrt_widgets.demo"],
            cwd=elsewhere,
            env=jupyter_env(elsewhere),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while (
            not re.search(r"JupyterLab demo: (\S+)", log.read_text())
            and proc.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        text = log.read_text()
        match = re.search(r"JupyterLab demo: (\S+)", text)
        assert match, text
        emulator_url = re.search(r"UKSSDC emulator: (\S+)", text).group(1)
        lab_url = match.group(1)
        assert sorted(p.name for p in (elsewhere / "xrt_widgets_demo").glob("*.ipynb")) == SHIPPED
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(lab_url.replace("/lab/tree/", "/api/contents/"), timeout=10) as reply:
            served = json.load(reply)
        assert served["name"] == "cancel_demo.ipynb" and served["type"] == "notebook"
        assert served["content"]["cells"][0]["source"].startswith("# Cancelling Swift XRT products")
        wait_for_http(emulator_url, timeout=10)  # the emulator the demo started answers
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            stop_process(proc)
