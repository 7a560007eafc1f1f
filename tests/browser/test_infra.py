"""Smoke tests of the browser fixtures: servers come up, widgets render and update, the outside world is shut out.

They use a throwaway notebook written into ``tmp_path``, so they do not depend
on the demo notebooks and fail only when the machinery itself is broken.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from xrt_widgets.demo import wait_for_http

pytestmark = pytest.mark.browser

PROBE_BACKGROUND = "#b8e3d2"
PROBE_RGB = "rgb(184, 227, 210)"
FROM_THREAD = "set from a worker thread"

# The worker waits until the front end has a view of the widget (ipywidgets counts views once
# _view_count is not None), so the change it makes can only reach the browser as a live update.
PROBE_CELL = f"""\
import os
import threading
import time

import ipywidgets as widgets
from IPython.display import display

button = widgets.Button(description="Hi")
button.add_class("probe")
html = widgets.HTML("waiting for the thread", style={{"background": "{PROBE_BACKGROUND}"}})
html.add_class("probe-html")
html._view_count = 0


def set_later():
    deadline = time.monotonic() + 60
    while not html._view_count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1)
    html.value = "<b class='from-thread'>{FROM_THREAD}</b>"


worker = threading.Thread(target=set_later, daemon=True)
worker.start()
env = widgets.HTML(os.environ.get("XRT_WIDGETS_BASE_URL", "unset"))
env.add_class("probe-env")
display(widgets.VBox([button, html, env]))
"""


def write_notebook(path: Path) -> Path:
    """Write a one-cell notebook without outputs that shows the probe widgets; return ``path``."""
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            {
                "cell_type": "code",
                "id": "probe",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": PROBE_CELL.splitlines(keepends=True),
            }
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1))
    return path


def assert_probe_works(page, base_url: str) -> None:
    """The probe widgets rendered with their style, the kernel saw the server's environment,
    and the worker thread's change arrived."""
    html = page.locator(".widget-html.probe-html")
    # First the value the cell set (the thread holds back 1 s once a view exists), then, with no
    # cell run in between, the thread's value.
    html.get_by_text("waiting for the thread").wait_for()
    html.locator(".from-thread", has_text=FROM_THREAD).wait_for(timeout=15_000)
    assert html.evaluate("el => getComputedStyle(el).backgroundColor") == PROBE_RGB
    page.locator(".probe").get_by_text("Hi").wait_for()
    page.locator(".probe-env").get_by_text(base_url).wait_for()


def test_lab_renders_widgets_and_background_updates(
    page, emulator_server, lab_server, open_lab_notebook, tmp_path, blocked_requests
):
    wait_for_http(emulator_server, timeout=5)
    source = write_notebook(tmp_path / "nb" / "probe.ipynb")
    lab = lab_server(source.parent, env={"XRT_WIDGETS_BASE_URL": emulator_server})
    assert lab.root != source.parent and (lab.root / "probe.ipynb").is_file()  # Lab serves a copy
    open_lab_notebook(page, lab, "probe.ipynb")
    assert_probe_works(page, emulator_server)
    assert blocked_requests == []


def test_voila_renders_widgets_and_background_updates(
    page, start_emulator_server, voila_server, tmp_path, blocked_requests
):
    base_url = start_emulator_server("--durations", "image=0:0:0.5")
    voila = voila_server(write_notebook(tmp_path / "probe.ipynb"), env={"XRT_WIDGETS_BASE_URL": base_url})
    page.goto(voila.url)
    assert_probe_works(page, base_url)
    # Voila asks a CDN for Font Awesome; the guard refused it (proof it runs in Voila pages too).
    assert blocked_requests and all(urlsplit(url).hostname != "127.0.0.1" for url in blocked_requests)


def test_requests_to_other_hosts_are_blocked(page, blocked_requests):
    """The guard refuses before any lookup: ".invalid" names (RFC 2606) could not resolve anyway."""
    from playwright.sync_api import Error

    outcome = page.evaluate("""async () => {
        try { await fetch("https://cdn.outside.invalid/font.css"); return "fetched"; }
        catch (err) { return "refused"; }
    }""")
    assert outcome == "refused"
    closed = page.evaluate("""() => new Promise(resolve => {
        const ws = new WebSocket("ws://outside.invalid/socket");
        ws.onopen = () => resolve("open");
        ws.onclose = () => resolve("closed");
    })""")
    assert closed == "closed"
    with pytest.raises(Error, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto("http://outside.invalid/")
    assert blocked_requests == [
        "https://cdn.outside.invalid/font.css",
        "ws://outside.invalid/socket",
        "http://outside.invalid/",
    ]
