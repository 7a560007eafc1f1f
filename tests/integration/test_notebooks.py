"""Execute the demo notebooks headless (nbclient) and check the widget state they saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xrt_widgets.demo import NOTEBOOKS_DIR as NOTEBOOKS

ROOT = Path(__file__).resolve().parents[2]
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def run_notebook(name: str, tmp_path: Path, monkeypatch) -> tuple:
    import nbformat
    from nbclient import NotebookClient

    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.delenv("XRT_WIDGETS_BASE_URL", raising=False)  # the notebook starts its own emulator
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "committed with outputs"
    NotebookClient(
        nb, timeout=90, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}, store_widget_state=True
    ).execute()
    state = nb.metadata["widgets"][WIDGET_STATE]["state"]
    return nb, state


def rows_in(state: dict) -> dict:
    """Product name -> the CSS classes of its row and of the status element inside it, from the saved state."""
    rows = {}
    for model in state.values():
        classes = model["state"].get("_dom_classes") or []
        if "xrtw-row" in classes:
            name = next(c[len("xrtw-product-") :] for c in classes if c.startswith("xrtw-product-"))
            found = set(classes)
            for child in model["state"].get("children") or []:
                inner = state.get(str(child).replace("IPY_MODEL_", ""), {}).get("state", {})
                found |= set(inner.get("_dom_classes") or [])
            rows[name] = found
    return rows


def text_output(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.notebook
@pytest.mark.timeout(180)
def test_cancel_demo_notebook(tmp_path, monkeypatch):
    nb, state = run_notebook("cancel_demo", tmp_path, monkeypatch)
    rows = rows_in(state)
    assert list(rows) == ["LightCurve", "Spectrum", "StandardPos", "AstromPos", "Image"]
    # the panel asks the status of its products when it is shown: each row shows one status, none cancelled
    for classes in rows.values():
        assert len([c for c in classes if c.startswith("xrtw-status-")]) == 1
        assert "xrtw-status-cancelled" not in classes
    assert "Submitted job 1001" in text_output(nb)
    # the panel's own stylesheet travels with it
    assert any(".xrtw-row:has(> .xrtw-status-cancelled)" in str(m["state"].get("value", "")) for m in state.values())
    # where widgets cannot render, the output still carries a readable table
    panel_output = nb.cells[-2].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in panel_output
    assert "<table>" in panel_output["text/html"] and "LightCurve" in panel_output["text/plain"]


@pytest.mark.notebook
@pytest.mark.timeout(180)
def test_swifttools_demo_notebook(tmp_path, monkeypatch):
    nb, state = run_notebook("swifttools_demo", tmp_path, monkeypatch)
    rows = rows_in(state)
    assert list(rows) == ["LightCurve", "Spectrum", "StandardPos"]
    assert "xrtw-status-cancelled" in rows["LightCurve"]
    assert (
        "xrtw-status-running" in rows["Spectrum"]
        or "xrtw-status-queued" in rows["Spectrum"]
        or "xrtw-status-requested" in rows["Spectrum"]
    )
    out = text_output(nb)
    assert "ok = 1" in out and "Job cancelled OK" in out


def test_live_notebook_is_not_run_but_is_valid():
    nb = json.loads((NOTEBOOKS / "live_service.ipynb").read_text())
    assert nb["nbformat"] == 4
    assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    assert "never run by the tests" in "".join(nb["cells"][0]["source"])


@pytest.mark.notebook
@pytest.mark.timeout(180)
def test_job_board_notebook(tmp_path, monkeypatch):
    _, state = run_notebook("job_board", tmp_path, monkeypatch)
    jobs = []
    for model in state.values():
        classes = model["state"].get("_dom_classes") or []
        if "xrtw-job" in classes:
            jobs.append(next(c for c in classes if c.startswith("xrtw-job-")))
    assert jobs == ["xrtw-job-1003", "xrtw-job-1002", "xrtw-job-1001"]  # newest first
    assert any("Active jobs (queued or running): <b>3</b>" in str(m["state"].get("value", "")) for m in state.values())


def test_the_notebooks_are_package_data_not_a_folder_of_the_checkout():
    assert NOTEBOOKS == ROOT / "xrt_widgets" / "notebooks"
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == [
        "cancel_demo.ipynb",
        "job_board.ipynb",
        "live_service.ipynb",
        "swifttools_demo.ipynb",
    ]
    assert not (ROOT / "notebooks").exists()


def test_committed_notebooks_are_what_the_script_makes():
    import subprocess
    import sys

    script = ROOT / "scripts" / "make_notebooks.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
