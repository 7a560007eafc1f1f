"""The README's demo command, end to end: emulator + JupyterLab, the panel in the browser, Ctrl-C stops both."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def _read_until(proc: subprocess.Popen, pattern: str, timeout: float = 120.0) -> re.Match:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"{pattern!r} never appeared; output:\n{''.join(seen)}")


def test_demo_command_serves_the_panel_and_stops_cleanly(page, tmp_path):
    env = dict(os.environ)
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[var] = str(tmp_path / var.lower())
    env.pop("XRT_WIDGETS_BASE_URL", None)
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "xrt_widgets.demo"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    try:
        emulator_url = _read_until(proc, r"UKSSDC emulator: (\S+)").group(1)
        lab_url = _read_until(proc, r"JupyterLab demo: (\S+)").group(1)
        assert urlsplit(emulator_url).hostname == "127.0.0.1" and "token=" in lab_url
        page.goto(lab_url)
        page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=60_000)
        page.locator(".jp-Notebook").first.click()
        page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        expect(page.locator(".xrtw-panel .xrtw-product-LightCurve").first).to_be_visible(timeout=60_000)
        expect(page.locator(".jp-OutputArea-output", has_text=emulator_url).first).to_be_visible()
        # Ctrl-C stops the demo, JupyterLab and the emulator
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        port = urlsplit(emulator_url).port
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        lab_port = urlsplit(lab_url).port
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", lab_port), timeout=2).close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
