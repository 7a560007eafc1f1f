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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from xrt_widgets.demo import (
    NOTEBOOKS_DIR,
    REPO_ROOT,
    child_env,
    free_port,
    lab_command,
    start_emulator,
    stop_process,
    voila_command,
    wait_for_http,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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


def _jupyter_env(folder: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
    """An environment whose Jupyter and IPython files all live under ``folder``."""
    dirs = {
        name: folder / sub
        for name, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("IPYTHONDIR", "ipython"),
        ]
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
    labconfig.mkdir(exist_ok=True)
    # The "news" toast covers part of the page.
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    env = {name: str(path) for name, path in dirs.items()}
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # silences the "migrating its paths" warning in the server
    env.update(extra or {})
    return child_env(env)


def _serve(
    procs: list[subprocess.Popen],
    make_cmd: Callable[[int], list[str]],
    *,
    probe: Callable[[int], str],
    env: dict[str, str],
    cwd: Path,
    log: Path,
    attempts: int = 3,
) -> int:
    """Start ``make_cmd(port)`` on a free port until its probe answers; return the port.

    A port taken between choosing and binding makes the server exit at once
    (``--port-retries=0``); then a new port is tried.
    """
    for _ in range(attempts):
        port = free_port()
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                make_cmd(port),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=cwd,
                start_new_session=True,
            )
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
        proc, base_url = start_emulator(
            cli_args, log=folder / "emulator.log", env=child_env(), stderr=subprocess.STDOUT
        )
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

    def start(root_dir: Path | None = None, *, env: Mapping[str, str] | None = None) -> JupyterServer:
        folder = tmp_path_factory.mktemp("lab")
        root = folder / "root"
        shutil.copytree(
            Path(root_dir) if root_dir is not None else NOTEBOOKS,
            root,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
        )
        token = secrets.token_hex(16)
        port = _serve(
            _processes,
            lambda port: lab_command(
                root, port=port, token=token, workspaces_dir=folder / "workspaces", expose_app=True
            ),
            probe=lambda port: f"http://{ALLOWED_HOST}:{port}/api/status?token={token}",
            env=_jupyter_env(folder / "jupyter", env),
            cwd=root,
            log=folder / "lab.log",
        )
        return JupyterServer(url=f"http://{ALLOWED_HOST}:{port}/", token=token, root=root, log=folder / "lab.log")

    return start


@pytest.fixture
def notebook7_server(_processes, tmp_path_factory) -> Callable[..., JupyterServer]:
    """Factory: ``notebook7_server(root_dir=None, env=None) -> JupyterServer`` running Jupyter Notebook 7.

    Like :func:`lab_server` (a temporary copy of ``root_dir`` is served); open
    ``server.url + "notebooks/NAME?token=" + server.token``. The app is exposed
    as ``window.jupyterapp``.
    """

    def start(root_dir: Path | None = None, env: Mapping[str, str] | None = None) -> JupyterServer:
        folder = tmp_path_factory.mktemp("notebook7")
        root = folder / "root"
        shutil.copytree(
            Path(root_dir) if root_dir is not None else NOTEBOOKS,
            root,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
        )
        token = secrets.token_hex(16)

        def command(port: int) -> list[str]:
            cmd = lab_command(root, port=port, token=token)
            cmd[2] = "notebook"  # same options; Notebook 7 is built on the same server and app framework
            return [*cmd, "--JupyterNotebookApp.expose_app_in_browser=True"]

        port = _serve(
            _processes,
            command,
            probe=lambda port: f"http://{ALLOWED_HOST}:{port}/api/status?token={token}",
            env=_jupyter_env(folder / "jupyter", env),
            cwd=root,
            log=folder / "notebook7.log",
        )
        return JupyterServer(url=f"http://{ALLOWED_HOST}:{port}/", token=token, root=root, log=folder / "notebook7.log")

    return start


@pytest.fixture
def voila_server(_processes, tmp_path_factory) -> Callable[..., JupyterServer]:
    """Factory: ``voila_server(notebook_path, *, env=None, theme="") -> JupyterServer`` serving one notebook.

    Open ``server.url``: Voila runs the notebook for each page load, with no
    token and no run step. ``env`` reaches the kernel as for :func:`lab_server`;
    ``theme`` ("light" or "dark") is Voila's ``--theme``.
    """

    def start(notebook_path: Path, *, env: Mapping[str, str] | None = None, theme: str = "") -> JupyterServer:
        notebook = Path(notebook_path).resolve()
        folder = tmp_path_factory.mktemp("voila")
        extra = [f"--theme={theme}"] if theme else []
        port = _serve(
            _processes,
            lambda port: [*voila_command(notebook, port=port), *extra],
            # Probing "/" would start a kernel and run the notebook.
            probe=lambda port: f"http://{ALLOWED_HOST}:{port}/voila/static/",
            env=_jupyter_env(folder / "jupyter", env),
            cwd=notebook.parent,
            log=folder / "voila.log",
        )
        return JupyterServer(
            url=f"http://{ALLOWED_HOST}:{port}/", token="", root=notebook.parent, log=folder / "voila.log"
        )

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
    env = child_env(
        {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache")}
    )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS, env=env)
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


def _set_lab_theme(page, theme: str) -> None:
    """Switch Lab to "JupyterLab Light" or "JupyterLab Dark" and wait until the page says it is applied."""
    name = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}[theme]
    page.evaluate("name => window.jupyterapp.commands.execute('apputils:change-theme', {theme: name})", name)
    page.wait_for_function(
        "light => document.body.dataset.jpThemeLight === light",
        arg="true" if theme == "light" else "false",
        timeout=30_000,
    )
    page.wait_for_timeout(300)  # the theme's stylesheet is applied in the frame after the attribute changes


@pytest.fixture
def set_lab_theme() -> Callable[..., None]:
    """``set_lab_theme(page, "light" | "dark")``: switch JupyterLab's theme through its command."""
    return _set_lab_theme


# -- accessibility: axe-core and contrast measured from computed styles ---------------------------

AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The axe impacts that fail a test.
AXE_FAILING = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """The path of axe-core's ``axe.min.js`` (installed from npm by ``scripts/ensure-axe``; ``make test`` runs it)."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT} is missing: run scripts/ensure-axe (make test does)")
    return AXE_SCRIPT


def _run_axe(page, axe_path: Path, selector: str) -> dict:
    """Run axe-core on every element matching ``selector``, colour contrast included.

    Returns ``{"violations": [...], "failing": [...], "passes": {rule: nodes}, "incomplete": [...]}``
    where each violation is ``{"id", "impact", "help", "targets"}`` and
    ``failing`` holds the violations of impact serious or critical.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_path))
    result = page.evaluate(
        """async (selector) => {
        if (!document.querySelector(selector)) throw new Error('no element matches ' + selector);
        const result = await axe.run({include: [[selector]]},
                                     {rules: {'color-contrast': {enabled: true}}});
        const slim = list => list.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                             targets: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: '
                                                                  + (n.failureSummary || '').slice(0, 300))}));
        const passes = {};
        for (const p of result.passes) passes[p.id] = p.nodes.length;
        return {violations: slim(result.violations), passes, incomplete: slim(result.incomplete)};
    }""",
        selector,
    )
    result["failing"] = [v for v in result["violations"] if v["impact"] in AXE_FAILING]
    return result


@pytest.fixture
def run_axe(axe_script) -> Callable[..., dict]:
    """``run_axe(page, selector) -> result``: axe-core on the elements matching ``selector`` (see ``_run_axe``)."""
    return lambda page, selector: _run_axe(page, axe_script, selector)


#: In the page: colours parsed from computed styles, backgrounds composited up the tree, WCAG 2 ratios.
CONTRAST_JS = r"""
(() => {
  const parse = c => {
    let m = /rgba?\(([^)]*)\)/.exec(c);
    if (m) { const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
             return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
    m = /color\(srgb ([^)]*)\)/.exec(c);
    if (m) { const p = m[1].split(/[\s\/]+/).filter(Boolean).map(Number);
             return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
    return null;
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];  // the canvas
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const opacity = el => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= +getComputedStyle(e).opacity;
    return o;
  };
  const lum = c => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                     return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const hex = c => '#' + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
  const visible = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility === 'visible' && el.getClientRects().length > 0;
  };
  const describe = el => (el.className && typeof el.className === 'string'
                          ? '.' + el.className.trim().split(/\s+/).join('.') : el.tagName.toLowerCase());
  window.__xrtwTextContrast = root => {
    const out = [];
    for (const el of root.querySelectorAll('*')) {
      const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
      if (!own || !visible(el) || el.closest('.xrtw-sr,style,script')) continue;
      if (el.closest('button:disabled,input:disabled,.mod-disabled')) continue;  // inactive controls are exempt
      const bg = background(el), fg = parse(getComputedStyle(el).color);
      fg[3] *= opacity(el);
      const shown = over(fg, bg);
      out.push({text: own.slice(0, 40), element: describe(el), fg: hex(shown), bg: hex(bg), ratio: ratio(shown, bg)});
    }
    return out;
  };
  window.__xrtwFocusRing = el => {
    const s = getComputedStyle(el);
    const width = parseFloat(s.outlineWidth) || 0, offset = parseFloat(s.outlineOffset) || 0;
    if (s.outlineStyle === 'none' || width === 0) return {element: describe(el), ring: false, ratio: 0};
    const colour = parse(s.outlineColor), outside = background(el.parentElement || el);
    const inside = offset > 0 ? outside : background(el);
    const shownOut = over(colour, outside), shownIn = over(colour, inside);
    return {element: describe(el), ring: true, width, colour: hex(shownOut), outside: hex(outside), inside: hex(inside),
            ratio: Math.min(ratio(shownOut, outside), ratio(shownIn, inside))};
  };
})();
"""


def _measure_text(page, selector: str) -> list[dict]:
    """Every visible text under ``selector``: its colour, the composited background behind it and their ratio."""
    page.evaluate(CONTRAST_JS)
    return page.evaluate(
        "sel => [...document.querySelectorAll(sel)].flatMap(r => window.__xrtwTextContrast(r))", selector
    )


def _tab_through(page, selector: str, *, limit: int = 80) -> list[dict]:
    """Focus the first control under ``selector`` from the keyboard, then Tab until focus leaves it.

    Returns the focus ring measured on each control reached, in order:
    ``{"element", "ring", "width", "colour", "outside", "inside", "ratio"}``.
    """
    page.evaluate(CONTRAST_JS)
    first = page.evaluate(
        """sel => {
        const root = document.querySelector(sel);
        const c = [...root.querySelectorAll('button:not(:disabled),input:not(:disabled),a[href],[tabindex="0"]')]
            .find(e => e.getClientRects().length > 0);
        if (!c) return false;
        c.focus(); return true; }""",
        selector,
    )
    assert first, f"no focusable control under {selector}"
    page.keyboard.press("Shift+Tab")  # from the keyboard, so that :focus-visible applies from here on
    page.keyboard.press("Tab")
    rings = []
    page.evaluate("() => { window.__xrtwSeen = new Set(); }")
    for _ in range(limit):
        ring = page.evaluate(
            """sel => {
            const el = document.activeElement;
            if (!el || !el.closest(sel) || window.__xrtwSeen.has(el)) return null;  // left, or came round again
            window.__xrtwSeen.add(el);
            return window.__xrtwFocusRing(el); }""",
            selector,
        )
        if ring is None:
            break
        rings.append(ring)
        page.keyboard.press("Tab")
    return rings


@pytest.fixture
def measure_text() -> Callable[..., list[dict]]:
    """``measure_text(page, selector)``: contrast of every visible text under ``selector`` (see ``_measure_text``)."""
    return _measure_text


@pytest.fixture
def tab_through() -> Callable[..., list[dict]]:
    """``tab_through(page, selector)``: Tab through the controls under ``selector``; their focus rings."""
    return _tab_through


def _overflow(page, selector: str) -> dict:
    """What sticks out sideways under ``selector``: elements wider than their container, clipped buttons.

    Returns ``{"scroll": [...], "wider": [...], "clipped": [...], "width": panel width}``:
    boxes that scroll sideways, elements whose right edge passes the panel's,
    and buttons whose label is wider than the button (cut or ellipsised).
    """
    return page.evaluate(
        r"""sel => {
        const describe = el => (typeof el.className === 'string' && el.className.trim()
            ? '.' + el.className.trim().split(/\s+/).join('.') : el.tagName.toLowerCase());
        const out = {scroll: [], wider: [], clipped: [], width: 0};
        for (const root of document.querySelectorAll(sel)) {
            const box = root.getBoundingClientRect();
            out.width = Math.max(out.width, box.width);
            for (const el of [root, ...root.querySelectorAll('*')]) {
                if (!el.getClientRects().length || el.closest('.xrtw-sr,style')) continue;
                const r = el.getBoundingClientRect();
                if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
                    out.scroll.push(describe(el) + ` ${el.scrollWidth}>${el.clientWidth}`);
                if (r.right > box.right + 1 || r.left < box.left - 1)
                    out.wider.push(describe(el) + ` ${Math.round(r.left)}..${Math.round(r.right)} in `
                                   + `${Math.round(box.left)}..${Math.round(box.right)}`);
                if (el.tagName === 'BUTTON' && el.scrollWidth > el.clientWidth + 1)
                    out.clipped.push(describe(el) + ` '${el.textContent.trim()}' ${el.scrollWidth}>${el.clientWidth}`);
            }
            if (document.scrollingElement.scrollWidth > document.scrollingElement.clientWidth + 1)
                out.scroll.push('the page itself');
        }
        return out;
    }""",
        selector,
    )


@pytest.fixture
def overflow() -> Callable[..., dict]:
    """``overflow(page, selector)``: what scrolls or sticks out sideways under ``selector`` (see ``_overflow``)."""
    return _overflow
