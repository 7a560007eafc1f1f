"""Fixtures for browser tests: real emulator, JupyterLab and Voila servers, and a guarded Chromium page.

Every server runs as a subprocess in its own process group on a free port of
127.0.0.1, with its own ``JUPYTER_*`` and ``IPYTHONDIR`` folders, and is
stopped (group and stray descendants) when the test ends. The page is a fresh
Playwright context in Debian's Chromium in which every request to a host other
than 127.0.0.1 is aborted. Server start-up and shutdown reuse the helpers of
:mod:`xrt_widgets.demo`, so the demo and the tests start servers one way.

Typical use::

    @pytest.mark.browser
    def test_panel(page, emulator_server, lab_server, open_lab_notebook):
        lab = lab_server(env={"XRT_WIDGETS_BASE_URL": emulator_server})
        open_lab_notebook(page, lab, "cancel_demo.ipynb")
        page.locator(".xrtw-panel").wait_for()
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping, Optional
from urllib.parse import urlsplit

import pytest

from xrt_widgets.demo import (NOTEBOOKS_DIR, REPO_ROOT, child_env, free_port, lab_command, start_emulator,
                              stop_process, voila_command, wait_for_http)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO_ROOT / "test-artifacts"
NOTEBOOKS = NOTEBOOKS_DIR  # the demo notebooks the package ships
ALLOWED_HOST = "127.0.0.1"
SERVER_START_TIMEOUT = 60.0  # seconds; Lab is usually up in 3-5 s
PAGE_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class JupyterServer:
    """A running JupyterLab or Voila server, as a test sees it.

    Attributes
    ----------
    url : str
        Base URL with a trailing slash, e.g. ``http://127.0.0.1:41234/``.
        For Voila this is the page of the notebook.
    token : str
        Lab's token ("" for Voila, which needs none).
    root : Path
        The folder served: for Lab a temporary copy (Lab autosaves outputs into
        it), for Voila the notebook's own folder.
    log : Path
        The server's combined stdout/stderr.
    """

    url: str
    token: str
    root: Path
    log: Path

    def lab_url(self, name: str) -> str:
        """The URL that opens notebook ``name`` (relative to ``root``) in Lab, token included."""
        return f"{self.url}lab/tree/{name}?token={self.token}"


# -- servers --------------------------------------------------------------------------------------

@pytest.fixture
def _processes() -> Iterator[list[subprocess.Popen]]:
    """The server processes a test started; stopped last-started-first when it ends."""
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in reversed(procs):
        stop_process(proc)


def _jupyter_env(folder: Path, extra: Optional[Mapping[str, str]]) -> dict[str, str]:
    """An environment whose Jupyter and IPython files all live under ``folder``."""
    dirs = {name: folder / sub for name, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                                                 ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")]}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
    labconfig.mkdir(exist_ok=True)
    # The "news" toast covers part of the page.
    (labconfig / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    env = {name: str(path) for name, path in dirs.items()}
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # silences the "migrating its paths" warning in the server
    env.update(extra or {})
    return child_env(env)


def _serve(procs: list[subprocess.Popen], make_cmd: Callable[[int], list[str]], *, probe: Callable[[int], str],
           env: dict[str, str], cwd: Path, log: Path, attempts: int = 3) -> int:
    """Start ``make_cmd(port)`` on a free port until its probe answers; return the port.

    A port taken between choosing and binding makes the server exit at once
    (``--port-retries=0``); then a new port is tried.
    """
    for _ in range(attempts):
        port = free_port()
        with open(log, "wb") as out:
            proc = subprocess.Popen(make_cmd(port), stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env, cwd=cwd, start_new_session=True)
        procs.append(proc)
        try:
            wait_for_http(probe(port), proc=proc, timeout=SERVER_START_TIMEOUT)
            return port
        except RuntimeError as err:
            stop_process(proc)
            procs.remove(proc)
            output = log.read_text(errors="replace")
            if "already in use" not in output:
                raise RuntimeError(f"{err}\n--- {log} ---\n{output[-5000:]}") from None
    raise RuntimeError(f"no free port after {attempts} attempts; see {log}")


@pytest.fixture
def start_emulator_server(_processes, tmp_path_factory) -> Callable[..., str]:
    """Factory: ``start_emulator_server(*cli_args) -> base_url`` of a new emulator process.

    ``cli_args`` are passed to ``python -m xrt_widgets.emulator``, e.g.
    ``start_emulator_server("--durations", "image=0:0:0.5")``.
    """
    def start(*cli_args: str) -> str:
        folder = tmp_path_factory.mktemp("emulator")
        proc, base_url = start_emulator(cli_args, log=folder / "emulator.log", env=child_env(),
                                        stderr=subprocess.STDOUT)
        _processes.append(proc)
        return base_url

    return start


@pytest.fixture
def emulator_server(start_emulator_server) -> str:
    """The base URL (``http://127.0.0.1:P/user_objects``) of an emulator process with default durations."""
    return start_emulator_server()


@pytest.fixture
def lab_server(_processes, tmp_path_factory) -> Callable[..., JupyterServer]:
    """Factory: ``lab_server(root_dir=None, *, env=None) -> JupyterServer`` running JupyterLab 4.

    ``root_dir`` (default: the shipped demo notebooks) is copied into a
    temporary root, which is what Lab serves. ``env`` is added to the server's
    environment, which its kernels inherit (e.g. ``{"XRT_WIDGETS_BASE_URL": url}``).
    The app is exposed as ``window.jupyterapp``.
    """
    def start(root_dir: Optional[Path] = None, *, env: Optional[Mapping[str, str]] = None) -> JupyterServer:
        folder = tmp_path_factory.mktemp("lab")
        root = folder / "root"
        shutil.copytree(Path(root_dir) if root_dir is not None else NOTEBOOKS, root,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        token = secrets.token_hex(16)
        port = _serve(_processes,
                      lambda port: lab_command(root, port=port, token=token, workspaces_dir=folder / "workspaces",
                                               expose_app=True),
                      probe=lambda port: f"http://{ALLOWED_HOST}:{port}/api/status?token={token}",
                      env=_jupyter_env(folder / "jupyter", env), cwd=root, log=folder / "lab.log")
        return JupyterServer(url=f"http://{ALLOWED_HOST}:{port}/", token=token, root=root, log=folder / "lab.log")

    return start


@pytest.fixture
def notebook7_server(_processes, tmp_path_factory) -> Callable[..., JupyterServer]:
    """Factory: ``notebook7_server(root_dir=None, env=None) -> JupyterServer`` running Jupyter Notebook 7.

    Like :func:`lab_server` (a temporary copy of ``root_dir`` is served); open
    ``server.url + "notebooks/NAME?token=" + server.token``. The app is exposed
    as ``window.jupyterapp``.
    """
    def start(root_dir: Optional[Path] = None, env: Optional[Mapping[str, str]] = None) -> JupyterServer:
        folder = tmp_path_factory.mktemp("notebook7")
        root = folder / "root"
        shutil.copytree(Path(root_dir) if root_dir is not None else NOTEBOOKS, root,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        token = secrets.token_hex(16)

        def command(port: int) -> list[str]:
            cmd = lab_command(root, port=port, token=token)
            cmd[2] = "notebook"  # same options; Notebook 7 is built on the same server and app framework
            return cmd + ["--JupyterNotebookApp.expose_app_in_browser=True"]

        port = _serve(_processes, command,
                      probe=lambda port: f"http://{ALLOWED_HOST}:{port}/api/status?token={token}",
                      env=_jupyter_env(folder / "jupyter", env), cwd=root, log=folder / "notebook7.log")
        return JupyterServer(url=f"http://{ALLOWED_HOST}:{port}/", token=token, root=root,
                             log=folder / "notebook7.log")

    return start


@pytest.fixture
def voila_server(_processes, tmp_path_factory) -> Callable[..., JupyterServer]:
    """Factory: ``voila_server(notebook_path, *, env=None) -> JupyterServer`` serving one notebook with Voila.

    Open ``server.url``: Voila runs the notebook for each page load, with no
    token and no run step. ``env`` reaches the kernel as for :func:`lab_server`.
    """
    def start(notebook_path: Path, *, env: Optional[Mapping[str, str]] = None) -> JupyterServer:
        notebook = Path(notebook_path).resolve()
        folder = tmp_path_factory.mktemp("voila")
        port = _serve(_processes, lambda port: voila_command(notebook, port=port),
                      # Probing "/" would start a kernel and run the notebook.
                      probe=lambda port: f"http://{ALLOWED_HOST}:{port}/voila/static/",
                      env=_jupyter_env(folder / "jupyter", env), cwd=notebook.parent, log=folder / "voila.log")
        return JupyterServer(url=f"http://{ALLOWED_HOST}:{port}/", token="", root=notebook.parent,
                             log=folder / "voila.log")

    return start


# -- browser --------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root (git-ignored): screenshots go here."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Debian's Chromium, headless, driven by Playwright; one per session.

    Playwright's ``launch`` gives the browser a new, empty temporary profile
    (user-data dir) and deletes it on close. ``HOME`` and the XDG folders point
    into a temporary folder too, or Chromium leaves crash-report and dconf
    folders in the real home.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium (make test does)")
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("chromium-home")
    env = child_env({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                     "XDG_CACHE_HOME": str(home / ".cache")})
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
                                              env=env)
        yield chromium
        chromium.close()


@pytest.fixture
def blocked_requests() -> list[str]:
    """The URLs (HTTP and WebSocket) that ``page`` refused because their host is not 127.0.0.1."""
    return []


def _is_allowed(url: str) -> bool:
    return urlsplit(url).hostname == ALLOWED_HOST


@pytest.fixture
def page(browser, blocked_requests, _processes):
    """A page in a fresh browser context where only requests to 127.0.0.1 go out.

    Anything else (a CDN font, a tracker) is aborted with
    ``net::ERR_BLOCKED_BY_CLIENT`` and listed in ``blocked_requests``. On a
    test failure a screenshot is saved to ``test-artifacts/<test>-failure.png``.
    Depending on ``_processes`` makes the page close before servers stop.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PAGE_TIMEOUT_MS)

    def guard(route) -> None:
        if _is_allowed(route.request.url):
            route.continue_()
        else:
            blocked_requests.append(route.request.url)
            route.abort("blockedbyclient")

    def guard_websocket(ws) -> None:
        blocked_requests.append(ws.url)
        ws.close()  # never connected to the server: the handler alone answers, and it hangs up

    context.route("**/*", guard)
    context.route_web_socket(lambda url: not _is_allowed(url), guard_websocket)
    the_page = context.new_page()
    yield the_page
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Screenshot a failed browser test while its page and servers are still up."""
    report = yield
    if report.when == "call" and report.failed and "page" in getattr(item, "funcargs", {}):
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            item.funcargs["page"].screenshot(path=str(ARTIFACTS / f"{name}-failure.png"), full_page=True)
        except Exception as err:  # the page may be what broke; the report must survive
            report.sections.append(("failure screenshot", f"not saved: {err!r}"))
    return report


# -- helpers --------------------------------------------------------------------------------------

def _open_lab_notebook(page, server: JupyterServer, name: str, *, timeout_ms: int = 60_000) -> None:
    """Open notebook ``name`` in Lab, wait until its kernel is idle, and run all cells.

    Waiting for "| Idle" in the status bar matters: cells run before the
    kernel is connected silently run nothing, and the toolbar's indicator
    reports idle too early. Returns when Lab reports the run finished.
    """
    page.goto(server.lab_url(name))
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=timeout_ms)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


@pytest.fixture
def open_lab_notebook() -> Callable[..., None]:
    """``open_lab_notebook(page, server, name)``: open ``name`` in Lab, wait for an idle kernel, run all cells."""
    return _open_lab_notebook
