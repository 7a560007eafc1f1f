"""The README's demo commands, end to end: emulator + JupyterLab (``make demo``) or Voila
(``make demo-voila``), the panel in the browser, and Ctrl-C stops everything.

Each demo runs in a folder of its own, as a user's would from anywhere: it copies the shipped
notebooks into ``xrt_widgets_demo/`` there and serves that copy, never the installed one.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from xrt_widgets.demo import NOTEBOOKS_DIR, stop_process

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


class Demo:
    """A running ``python -m xrt_widgets.demo``, whose output goes to a file.

    A file rather than a pipe: Lab, Voila and the kernels write their logs to
    the demo's output too, and a pipe nobody reads would fill up and stall them.
    """

    def __init__(self, proc: subprocess.Popen, log: Path) -> None:
        self.proc = proc
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 120.0) -> re.Match:
        """The first match of ``pattern`` in the output, waiting for it to appear."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output())
            if match:
                return match
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} never appeared (exit code {self.proc.poll()}); output:\n{self.output()}")

    def ctrl_c_stops_everything(self, *urls: str) -> None:
        """SIGINT to the demo's process group: it exits 0 and the servers behind ``urls`` are gone."""
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the demo did not stop within 60 s of Ctrl-C; output:\n{self.output()}") from None
        assert code == 0, self.output()
        for url in urls:
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", urlsplit(url).port), timeout=2).close()


@contextmanager
def running_demo(tmp_path: Path, *args: str) -> Iterator[tuple[Demo, str, str]]:
    """Start ``python -m xrt_widgets.demo *args`` in ``tmp_path / "home"``; yield it with the emulator's
    and the app's URLs.

    The demo's Jupyter folders live under ``tmp_path``. Whatever happens, the
    demo and the servers it started are stopped when the block ends.
    """
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ)
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[var] = str(tmp_path / var.lower())
    env.pop("XRT_WIDGETS_BASE_URL", None)
    env["PYTHONUNBUFFERED"] = "1"
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "xrt_widgets.demo", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=home,
            start_new_session=True,
        )
    demo = Demo(proc, log)
    try:
        emulator_url = demo.wait_for(r"UKSSDC emulator: (\S+)").group(1)
        app = "Voila" if "--voila" in args else "JupyterLab"
        app_url = demo.wait_for(rf"{app} demo: (\S+)").group(1)
        assert urlsplit(emulator_url).hostname == "127.0.0.1" == urlsplit(app_url).hostname
        yield demo, emulator_url, app_url
    finally:
        if proc.poll() is None:
            stop_process(proc)  # SIGTERM first: the demo stops its servers itself


def shipped() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in NOTEBOOKS_DIR.glob("*.ipynb")}


def test_demo_command_serves_the_panel_and_stops_cleanly(page, tmp_path):
    installed = shipped()
    workdir = tmp_path / "home" / "xrt_widgets_demo"
    with running_demo(tmp_path) as (demo, emulator_url, lab_url):
        assert "token=" in lab_url
        assert {p.name: p.read_bytes() for p in workdir.glob("*.ipynb")} == installed
        assert f"demo: notebooks in {workdir}; copied " in demo.output()
        page.goto(lab_url)
        page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=60_000)
        page.locator(".jp-Notebook").first.click()
        page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        expect(page.locator(".xrtw-panel .xrtw-product-LightCurve").first).to_be_visible(timeout=60_000)
        expect(page.locator(".jp-OutputArea-output", has_text=emulator_url).first).to_be_visible()
        # Saving writes the user's copy in the working folder; the installed notebook stays as shipped.
        page.locator(".jp-NotebookPanel-toolbar [data-command='docmanager:save']").first.click()
        copy = workdir / "cancel_demo.ipynb"
        deadline = time.monotonic() + 30
        while emulator_url not in copy.read_text() and time.monotonic() < deadline:
            page.wait_for_timeout(200)  # not time.sleep: the page's routed requests are answered in this thread
        assert emulator_url in copy.read_text()
        assert shipped() == installed
        demo.ctrl_c_stops_everything(emulator_url, lab_url)
    # A second run keeps the user's copy, outputs and all.
    with running_demo(tmp_path, "--voila") as (demo, emulator_url_2, voila_url):
        assert emulator_url in copy.read_text()
        kept = "kept your copies of cancel_demo.ipynb, job_board.ipynb, live_service.ipynb, swifttools_demo.ipynb"
        assert kept in demo.output()
        demo.ctrl_c_stops_everything(emulator_url_2, voila_url)


def test_demo_voila_command_serves_the_panel_and_stops_cleanly(page, tmp_path):
    with running_demo(tmp_path, "--voila") as (demo, emulator_url, voila_url):
        page.goto(voila_url)  # Voila runs the notebook for the page: no token, no run step
        expect(page.locator(".xrtw-panel .xrtw-product-LightCurve").first).to_be_visible(timeout=60_000)
        expect(page.get_by_text(emulator_url).first).to_be_visible()
        demo.ctrl_c_stops_everything(emulator_url, voila_url)
