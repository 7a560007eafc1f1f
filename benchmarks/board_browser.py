"""Browser benchmark of the job board: JupyterLab 4 in Debian's Chromium, stock Jupyter settings.

Run ``python benchmarks/board_browser.py`` (or ``make bench``); ``--quick`` runs 50 and 1,000 jobs
once, without the VBox baseline at 1,000 jobs, to check that the script works. Everything runs on
this machine: a JupyterLab server on 127.0.0.1 with Jupyter's default settings (the IOPub message
and data rate limits are NOT lifted, as users run it), a headless Chromium driven by Playwright
that may reach 127.0.0.1 only, and, in each kernel, an :class:`~xrt_widgets.Emulator` with manual
clock holding the user's jobs. Figures are printed, never asserted.

One Lab page serves the whole run (Lab's scripts load once; a warm-up notebook shows one widget of
each kind first, so no case pays for loading the widgets' scripts); each case (a view and a number
of jobs) gets a new notebook and kernel, closed and shut down after it. A view that does not
render within the timeout (120 s; 60 s with ``--quick``) is not run again. Every job has three
products (LightCurve, Spectrum, Image) and finished long ago, except three that are still running:
the newest, the 10th and the 40th newest (the 40th is off the first page, so a first refresh must
look for it). Three views of the same jobs are built in the same run:

- ``board``: ``JobBoard(user)`` (one page of 25 jobs, listing and count in the background);
- ``VBox rows``: one ``HBox(Checkbox, HTML)`` per job in a ``VBox``, after one ``listOldJobs``;
- ``HTML table``: one ``HTML`` widget holding a table of every job, after one ``listOldJobs``.

Figures per case (medians over the runs):

- render: from the run-cell command to every row of the view shown with its text (the board:
  its first page), in the page's clock;
- widget models: created by the view in the kernel (``ipywidgets`` instances) and opened in the
  page (``comm_open`` frames received);
- update messages (``comm_msg`` frames received) and comm bytes (every WebSocket frame of the
  kernel's channels, both ways) from the run-cell to the end of the render (500 ms quiet);
- JS heap: ``Runtime.getHeapUsage`` after a forced garbage collection, after minus before;
- Refresh: from the click to every shown row showing a status instead of "not asked". The
  baselines' Refresh button reads the emulator's store directly (no request) and rewrites every
  row, so it measures the widget updates alone;
- status requests the board's first and second refresh send (emulator's counter), and the
  JobIDs its first refresh asked;
- next page: from the click on "Older" to the second page's rows shown (the board only);
- IOPub "rate exceeded" lines the server logged during the case.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from common import dist_version, machine_line  # noqa: E402

from xrt_widgets.demo import child_env, free_port, lab_command, stop_process, wait_for_http  # noqa: E402

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
HOST = "127.0.0.1"
USER = "board-browser@example.org"
PRODUCTS = ("LightCurve", "Spectrum", "Image")
#: Newest-first positions of the three jobs still running.
ACTIVE_AT = (0, 9, 39)
PAGE_SIZE = 25
VIEWS = ("board", "vbox", "table")
VIEW_NAMES = {"board": "board", "vbox": "VBox rows", "table": "HTML table"}
RATE_EXCEEDED = "IOPub message rate exceeded"
MB = 2**20


@dataclass
class Settings:
    sizes: tuple[int, ...]
    runs: int
    render_timeout: float  # seconds
    views: tuple[str, ...] = VIEWS
    #: (view, jobs) not run
    skip: frozenset[tuple[str, int]] = frozenset()


FULL = Settings(sizes=(50, 1000, 10000), runs=3, render_timeout=120.0)
#: A check that the script works: the VBox baseline at 1,000 jobs alone would take 15-25 s.
QUICK = Settings(sizes=(50, 1000), runs=1, render_timeout=60.0, skip=frozenset({("vbox", 1000)}))


# -- the kernel's side ----------------------------------------------------------------------------

SETUP = """\
import json, time
import ipywidgets as W
from ipywidgets.widgets import widget as _widget_module
from xrt_widgets import Emulator, JobBoard, listOldJobs

RESULTS = {results!r}
USER = {user!r}
N = {n}
emu = Emulator(manual_clock=True).start()
ids = [emu.add_job(USER, {products!r}, name=f"Target {{i:05d}}", age=3600.0 * (N - i)) for i in range(N)]
newest = ids[::-1]
ACTIVE = [newest[k] for k in {active!r} if k < N]
for job in ACTIVE:
    emu.set_status(job, "LightCurve", 3)

def record(step, **values):
    with open(RESULTS, "a") as fh:
        fh.write(json.dumps(dict(step=step, **values)) + "\\n")

def models():
    return len(_widget_module._instances)

def summary_text(job, statuses=None):
    parts = []
    for name in {products!r}:
        if statuses is None:
            parts.append(f"{{name}}: <i>not asked</i>")
        else:
            parts.append(f"{{name}} {{statuses[name]}}")
    return f"<b>{{job['Name']}}</b> · job {{job['JobID']}} · submitted {{job['DateSubmitted']}}<br>" + " · ".join(parts)

def statuses_of(job_id):
    return {{name: emu.status(job_id, name) for name in {products!r}}}

emu.reset_counts()
record("setup", newest=newest[:2 * {page}], active=ACTIVE, models=models())
"""

VIEW_CELLS = {
    "board": """\
view = JobBoard(USER, base_url=emu.base_url, page_size={page}, max_workers=4)
view""",
    "vbox": """\
jobs = listOldJobs(USER, base_url=emu.base_url)
rows = [W.HBox([W.Checkbox(value=False, description=str(j["JobID"]), indent=False), W.HTML(summary_text(j))],
               _dom_classes=("bench-row",)) for j in jobs]
refresh_button = W.Button(description="Refresh", _dom_classes=("bench-refresh",))

def refresh_rows(_button):
    for row, j in zip(rows, jobs):
        row.children[1].value = summary_text(j, statuses_of(j["JobID"]))

refresh_button.on_click(refresh_rows)
view = W.VBox([refresh_button, W.VBox(rows)], _dom_classes=("bench-vbox",))
view""",
    "table": """\
jobs = listOldJobs(USER, base_url=emu.base_url)

def table_html(statuses):
    body = "".join(f'<tr class="bench-tr"><td>{{summary_text(j, statuses and statuses[j["JobID"]])}}</td></tr>'
                   for j in jobs)
    return f"<table>{{body}}</table>"

table = W.HTML(table_html(None), _dom_classes=("bench-table",))
refresh_button = W.Button(description="Refresh", _dom_classes=("bench-refresh",))
refresh_button.on_click(lambda _b: setattr(table, "value", table_html({{j["JobID"]: statuses_of(j["JobID"])
                                                                        for j in jobs}})))
view = W.VBox([refresh_button, table], _dom_classes=("bench-html",))
view""",
}


def notebook_json(cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": f"c{i}",
                    "metadata": {},
                    "outputs": [],
                    "source": src,
                }
                for i, src in enumerate(cells)
            ],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


# -- the page's side --------------------------------------------------------------------------------

#: Run cell ``index`` of the notebook shown, without waiting; returns the page's clock when asked.
RUN_CELL_JS = """index => {
    const app = window.jupyterapp, nb = app.shell.currentWidget.content;
    nb.activeCellIndex = index;
    nb.deselectAll();
    const t0 = performance.now();
    app.commands.execute('notebook:run-cell');
    return t0;
}"""

#: Send code to the notebook's kernel (no cell, no output area) without waiting for it.
EXECUTE_JS = """code => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    kernel.requestExecute({code, store_history: false, silent: true});
}"""

#: Installs window.__benchWatch(name, check): records performance.now() at the first frame where check() holds.
WATCH_JS = """() => {
    window.__bench = {};
    window.__benchWatch = (name, check) => {
        const tick = () => {
            let ok = false;
            try { ok = check(); } catch (e) { ok = false; }
            if (ok) { window.__bench[name] = performance.now(); return; }
            if (window.__bench[name + ':stop']) return;
            requestAnimationFrame(tick);
        };
        tick();
    };
}"""

#: The checks, in the page: every row of the view shown with its text; no row still "not asked".
CHECKS = {
    "board": {
        "render": """n => {
            const rows = document.querySelectorAll('.xrtw-board .xrtw-job');
            if (rows.length !== n) return false;
            for (const r of rows) {
                const s = r.querySelector('.xrtw-job-summary');
                if (!s || !/job \\d+/.test(s.textContent) || !r.getClientRects().length) return false;
            }
            return true; }""",
        "refresh": """n => {
            const rows = document.querySelectorAll('.xrtw-board .xrtw-job');
            if (rows.length !== n) return false;
            for (const r of rows) if (/not asked/.test(r.textContent)) return false;
            return true; }""",
    },
    "vbox": {
        "render": """n => {
            const rows = document.querySelectorAll('.bench-vbox .bench-row');
            if (rows.length !== n) return false;
            for (const r of rows) {
                const h = r.querySelector('.widget-html-content');
                if (!h || !/job \\d+/.test(h.textContent)) return false;
            }
            return rows[n - 1].getClientRects().length > 0; }""",
        "refresh": """n => {
            const rows = document.querySelectorAll('.bench-vbox .bench-row');
            if (rows.length !== n) return false;
            for (const r of rows) if (/not asked/.test(r.textContent)) return false;
            return true; }""",
    },
    "table": {
        "render": """n => {
            const rows = document.querySelectorAll('.bench-table tr.bench-tr');
            return rows.length === n && /job \\d+/.test(rows[n - 1].textContent)
                && rows[n - 1].getClientRects().length > 0; }""",
        "refresh": """n => {
            const t = document.querySelector('.bench-table');
            return !!t && t.querySelectorAll('tr.bench-tr').length === n && !/not asked/.test(t.textContent); }""",
    },
}

#: The board's second page shown: every row is one of the expected jobs, in order, with its text.
NEXT_PAGE_CHECK = """ids => {
    const rows = [...document.querySelectorAll('.xrtw-board .xrtw-job')];
    if (rows.length !== ids.length) return false;
    return rows.every((r, i) => r.classList.contains('xrtw-job-' + ids[i])
                      && r.querySelector('.xrtw-job-summary').textContent.includes('job ' + ids[i]));
}"""


def decode_frame(payload: Any) -> tuple[str, str]:
    """(msg_type, comm method) of a Jupyter WebSocket frame, either protocol ('' where unknown)."""
    try:
        if isinstance(payload, (bytes, bytearray)):
            data = bytes(payload)
            n = int.from_bytes(data[:8], "little")
            offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(n)]
            header = json.loads(data[offsets[1] : offsets[2]])
            msg_type = header.get("msg_type", "")
            content = data[offsets[4] : offsets[5]] if msg_type == "comm_msg" and n > 5 else b""
            method = json.loads(content).get("data", {}).get("method", "") if content else ""
            return msg_type, method
        msg = json.loads(payload)
        msg_type = msg.get("header", {}).get("msg_type", "")
        return msg_type, msg.get("content", {}).get("data", {}).get("method", "") if msg_type == "comm_msg" else ""
    except Exception:
        return "", ""


@dataclass
class Traffic:
    """Every frame of the kernel's WebSocket(s) since the last reset."""

    bytes_in: int = 0
    bytes_out: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    last: float = 0.0

    def reset(self) -> None:
        self.bytes_in = self.bytes_out = 0
        self.counts = {}
        self.sizes = {}

    def on_frame(self, payload: Any, incoming: bool) -> None:
        size = len(payload) if isinstance(payload, (bytes, bytearray)) else len(payload.encode())
        if incoming:
            self.bytes_in += size
            msg_type, method = decode_frame(payload)
            key = f"{msg_type}:{method}" if method else msg_type
            self.counts[key] = self.counts.get(key, 0) + 1
            self.sizes[key] = self.sizes.get(key, 0) + size
        else:
            self.bytes_out += size
        self.last = time.monotonic()

    def count(self, key: str) -> int:
        return sum(v for k, v in self.counts.items() if k == key or k.startswith(key + ":"))


# -- servers ---------------------------------------------------------------------------------------


class Lab:
    """JupyterLab 4 on 127.0.0.1 with stock settings, its files in a temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = folder / "root"
        self.root.mkdir(parents=True)
        self.log = folder / "lab.log"
        self.token = secrets.token_hex(16)
        env = {}
        for name, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("IPYTHONDIR", "ipython"),
        ]:
            (folder / sub).mkdir()
            env[name] = str(folder / sub)
        (folder / "config" / "labconfig").mkdir()
        (folder / "config" / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
        )
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        self.proc: subprocess.Popen | None = None
        for _ in range(3):
            port = free_port()
            cmd = lab_command(self.root, port=port, token=self.token, workspaces_dir=folder / "ws", expose_app=True)
            with open(self.log, "wb") as out:
                self.proc = subprocess.Popen(
                    cmd,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=child_env(env),
                    cwd=self.root,
                    start_new_session=True,
                )
            try:
                wait_for_http(f"http://{HOST}:{port}/api/status?token={self.token}", proc=self.proc, timeout=60)
                self.url = f"http://{HOST}:{port}/"
                return
            except RuntimeError:
                stop_process(self.proc)
                if "already in use" not in self.log.read_text(errors="replace"):
                    raise
        raise RuntimeError(f"JupyterLab did not start; see {self.log}")

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        with open(self.log, "rb") as fh:
            fh.seek(offset)
            return fh.read().decode(errors="replace")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)


# -- one case --------------------------------------------------------------------------------------


@dataclass
class Case:
    view: str
    n: int
    render_ms: float | None = None
    rows_shown: int = 0
    models_kernel: int | None = None
    models_page: int | None = None
    updates: int | None = None
    comm_bytes: int | None = None
    heap: float | None = None
    refresh_ms: float | None = None
    next_ms: float | None = None
    status_first: int | None = None
    status_second: int | None = None
    asked_first: list = field(default_factory=list)
    rate_exceeded: int = 0
    notes: list = field(default_factory=list)


def read_results(path: Path, step: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text().splitlines():
                record = json.loads(line)
                if record["step"] == step:
                    return record
        time.sleep(0.05)
    raise TimeoutError(f"the kernel did not record {step!r} within {timeout:g} s")


class Browser:
    """One Chromium page on JupyterLab for the whole run (Lab's scripts load once); a notebook per case."""

    def __init__(self, browser: Any, lab: Lab) -> None:
        self.lab = lab
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(60_000)
        self.context.route("**/*", lambda route: route.continue_() if _loopback(route.request.url) else route.abort())
        self.page = self.context.new_page()
        self.traffic = Traffic()
        self.executed = 0
        self.page.on("websocket", self._on_socket)
        self.cdp = self.context.new_cdp_session(self.page)
        self.page.goto(f"{lab.url}lab?token={lab.token}")
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=120_000)
        self.page.wait_for_function(
            "() => document.querySelector('.jp-LauncherCard, .jp-Launcher') !== null "
            "|| document.querySelector('.jp-DirListing') !== null",
            timeout=120_000,
        )

    def _on_socket(self, ws: Any) -> None:
        if "/api/kernels/" in ws.url:
            ws.on("framereceived", lambda payload: self.traffic.on_frame(payload, True))
            ws.on("framesent", lambda payload: self.traffic.on_frame(payload, False))

    def open(self, path: str, setup_done: Callable[[float], Any]) -> Any:
        """Open notebook ``path``, wait for its kernel, run its first cell until ``setup_done`` answers."""
        self.page.evaluate(
            "async path => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }", path
        )
        self.page.wait_for_function(
            """path => { try {
                const w = window.jupyterapp.shell.currentWidget, k = w.sessionContext.session.kernel;
                return w.context.path === path && k.connectionStatus === 'connected' && k.status === 'idle';
            } catch (e) { return false; } }""",
            arg=path,
            timeout=120_000,
            polling=100,
        )
        for _ in range(3):  # a cell run while the kernel is still connecting runs nothing: run it again
            self.page.evaluate(RUN_CELL_JS, 0)
            try:
                return setup_done(20.0)
            except TimeoutError:
                continue
        return setup_done(60.0)

    def warm_up(self) -> None:
        """Show one widget of each kind once, so that no case pays for loading the widgets' scripts."""
        results = self.lab.root / "warmup.jsonl"
        code = (
            "import json, ipywidgets as W\n"
            "W.VBox([W.HBox([W.Checkbox(description='x'), W.HTML('<b>x</b>'), W.ToggleButton(description='x'),"
            " W.Button(description='x'), W.Dropdown(options=[1, 2]), W.Text()])], _dom_classes=('bench-warm',))"
        )
        (self.lab.root / "warmup.ipynb").write_text(
            notebook_json(
                [f"import json\nopen({str(results)!r}, 'w').write(json.dumps({{'step': 'setup'}}) + '\\n')", code]
            )
        )
        self.open("warmup.ipynb", lambda timeout: read_results(results, "setup", timeout))
        self.page.evaluate(RUN_CELL_JS, 1)
        self.page.locator(".bench-warm .widget-dropdown").first.wait_for(timeout=60_000)
        self.quiet()
        self.close_notebook()

    def close_notebook(self) -> None:
        self.page.evaluate("""async () => {
            const w = window.jupyterapp.shell.currentWidget;
            try { await w.sessionContext.shutdown(); } finally { w.dispose(); } }""")

    def heap(self) -> float:
        self.cdp.send("HeapProfiler.collectGarbage")
        return self.cdp.send("Runtime.getHeapUsage")["usedSize"]

    def execute(self, code: str, results: Path, timeout: float = 600.0) -> None:
        """Run ``code`` in the kernel (after what it is running) and wait until it has run.

        The kernel writes a record to ``results`` when done: its IOPub messages (the reply's "idle" status
        among them) may be dropped under a burst, so the page may never hear that the code has run.
        """
        self.executed += 1
        step = f"exec-{self.executed}"
        body = textwrap.indent(code, "    ")
        wrapped = (
            f"try:\n{body}\n    record({step!r}, error='')\n"
            f"except Exception as exc:\n    record({step!r}, error=repr(exc))\n"
        )
        self.page.evaluate(EXECUTE_JS, wrapped)
        error = read_results(results, step, timeout)["error"]
        if error:
            raise RuntimeError(f"kernel: {error}")

    def quiet(self, seconds: float = 0.5, limit: float = 30.0) -> None:
        """Wait until no frame has come or gone for ``seconds`` (at most ``limit``)."""
        end = time.monotonic() + limit
        while time.monotonic() < end and time.monotonic() - self.traffic.last < seconds:
            self.page.wait_for_timeout(100)

    def watch(self, step: str, check: str, arg: Any, timeout: float) -> float | None:
        """The page's clock at the first frame where ``check(arg)`` held (None: not within ``timeout``)."""
        self.page.evaluate(f"arg => window.__benchWatch({step!r}, () => ({check})(arg))", arg)
        try:
            self.page.wait_for_function(
                f"() => window.__bench[{step!r}] !== undefined", timeout=timeout * 1000, polling=100
            )
        except Exception:
            self.page.evaluate(f"() => {{ window.__bench[{step!r} + ':stop'] = true; }}")
            return None
        return self.page.evaluate(f"() => window.__bench[{step!r}]")

    def click(self, selector: str, mark: str) -> None:
        """Click the button ``selector``, recording the page's clock at the click as ``mark``."""
        self.page.evaluate(
            """([sel, mark]) => document.querySelector(sel).addEventListener('click',
                () => { window.__bench[mark] = performance.now(); }, {capture: true, once: true})""",
            [selector, mark],
        )
        self.page.locator(selector).first.click()

    def close(self) -> None:
        self.context.close()


def run_case(session: Browser, view: str, n: int, settings: Settings, index: int) -> Case:
    lab, page = session.lab, session.page
    case = Case(view, n)
    name = f"case{index:02d}-{view}-{n}"
    results = lab.root / f"{name}.jsonl"
    setup = SETUP.format(
        results=str(results), user=USER, n=n, products=list(PRODUCTS), active=list(ACTIVE_AT), page=PAGE_SIZE
    )
    (lab.root / f"{name}.ipynb").write_text(notebook_json([setup, VIEW_CELLS[view].format(page=PAGE_SIZE)]))
    log_start = lab.log_size()
    stamp = time.monotonic()

    def lap(what: str) -> None:
        nonlocal stamp
        if os.environ.get("BOARD_BENCH_DEBUG"):
            print(f"#   {what}: {time.monotonic() - stamp:.1f} s", file=sys.stderr, flush=True)
        stamp = time.monotonic()

    try:
        setup_rec = session.open(f"{name}.ipynb", lambda timeout: read_results(results, "setup", timeout))
        lap("open and setup")
        page.evaluate(WATCH_JS)
        session.quiet()
        heap_before = session.heap()
        session.traffic.reset()
        shown_rows = min(n, PAGE_SIZE) if view == "board" else n
        t0 = page.evaluate(RUN_CELL_JS, 1)
        t1 = session.watch("render", CHECKS[view]["render"], shown_rows, settings.render_timeout)
        if t1 is None:
            case.rows_shown = page.evaluate(
                "sel => document.querySelectorAll(sel).length",
                {"board": ".xrtw-board .xrtw-job", "vbox": ".bench-row", "table": "tr.bench-tr"}[view],
            )
        else:
            case.render_ms = t1 - t0
        # The render's traffic: with every row shown, until 500 ms without a frame; otherwise until the kernel
        # has run the cell (the frames of the request that finds that out are then counted too, about 2 KB).
        sync = "view.last_action.result(timeout=120)" if view == "board" else "pass"
        if t1 is None:
            session.execute(sync, results)
        session.quiet()
        case.models_page = session.traffic.count("comm_open")
        case.updates = session.traffic.count("comm_msg")
        case.comm_bytes = session.traffic.bytes_in + session.traffic.bytes_out
        case.heap = (session.heap() - heap_before) / MB
        if t1 is not None:
            session.execute(sync, results)
        if os.environ.get("BOARD_BENCH_DEBUG"):
            print(
                f"#   frames in: {session.traffic.counts} bytes {session.traffic.sizes} "
                f"out {session.traffic.bytes_out}",
                file=sys.stderr,
            )
        session.execute(f"record('render', models=models() - {setup_rec['models']})", results)
        case.models_kernel = read_results(results, "render", 30)["models"]
        if t1 is None:
            case.notes.append(
                f"{VIEW_NAMES[view]}, {n:,} jobs: not shown within {settings.render_timeout:g} s "
                f"({case.rows_shown:,} of {shown_rows:,} rows in the page; {case.models_page:,} of "
                f"{case.models_kernel:,} widget models reached it)"
            )
        lap("render")

        if t1 is not None:
            session.execute("emu.reset_counts()", results)
            selector = "button.xrtw-board-refresh" if view == "board" else ".bench-refresh"
            session.click(selector, "click")
            t2 = session.watch("refresh", CHECKS[view]["refresh"], shown_rows, settings.render_timeout)
            if t2 is None:
                case.notes.append(f"{VIEW_NAMES[view]}, {n} jobs: rows not all updated by Refresh")
            else:
                case.refresh_ms = t2 - page.evaluate("() => window.__bench.click")
            if view == "board":
                session.execute(
                    "view.last_action.result(timeout=300)\n"
                    "record('refresh1', status=emu.request_count('status'), count=emu.request_count('count'),"
                    " asked=list(view.last_asked))",
                    results,
                )
                first = read_results(results, "refresh1", 30)
                case.status_first, case.asked_first = first["status"], first["asked"]
                session.execute("emu.reset_counts()", results)
                session.click("button.xrtw-board-refresh", "click2")
                page.wait_for_timeout(200)
                session.execute(
                    "view.last_action.result(timeout=300)\nrecord('refresh2', status=emu.request_count('status'))",
                    results,
                )
                case.status_second = read_results(results, "refresh2", 30)["status"]
                expected = setup_rec["newest"][PAGE_SIZE : 2 * PAGE_SIZE]
                if expected:
                    session.click("button.xrtw-board-next", "click3")
                    t3 = session.watch("next", NEXT_PAGE_CHECK, expected, 60)
                    if t3 is None:
                        case.notes.append(f"board, {n} jobs: the second page was not shown")
                    else:
                        case.next_ms = t3 - page.evaluate("() => window.__bench.click3")
        session.quiet()
        lap("refresh, next")
    finally:
        try:
            session.close_notebook()
        except Exception as exc:
            case.notes.append(f"closing the notebook: {exc}")
        time.sleep(0.2)
        case.rate_exceeded = lab.log_since(log_start).count(RATE_EXCEEDED)
        lap("close")
    return case


def _loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname == HOST


# -- the table ---------------------------------------------------------------------------------------


def median(values: list) -> Any:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_ms(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms"


def fmt_int(v: float | None) -> str:
    return "—" if v is None else f"{round(v):,}"


def fmt_bytes(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v / MB:.2f} MB" if v >= MB / 10 else f"{v / 1024:.1f} KB"


def fmt_mb(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f} MB"


ROWS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("runs with every row shown", "shown_runs", lambda v: "—" if v is None else v),
    ("render, run-cell to rows shown", "render_ms", fmt_ms),
    ("widget models created (kernel)", "models_kernel", fmt_int),
    ("widget models opened (page, comm_open)", "models_page", fmt_int),
    ("update messages received (comm_msg)", "updates", fmt_int),
    ("comm bytes over the WebSocket", "comm_bytes", fmt_bytes),
    ("JS heap growth (after GC)", "heap", fmt_mb),
    ("click Refresh to rows updated", "refresh_ms", fmt_ms),
    ("status requests, first refresh", "status_first", fmt_int),
    ("status requests, second refresh", "status_second", fmt_int),
    ("click Older to page 2 shown", "next_ms", fmt_ms),
    ('IOPub "rate exceeded" lines (sum)', "rate_exceeded", fmt_int),
]


def aggregate(cases: list[Case]) -> dict[str, Any]:
    """Medians over the runs: times over the runs that showed every row, the other figures over every run."""
    out: dict[str, Any] = {
        "shown_runs": f"{sum(c.render_ms is not None for c in cases)}/{len(cases)}" if cases else None
    }
    for _, attr, _ in ROWS[1:]:
        values = [getattr(c, attr) for c in cases]
        out[attr] = (sum(values) if values else None) if attr == "rate_exceeded" else median(values)
    return out


def machine(chromium_version: str) -> str:
    import ipywidgets

    return machine_line(
        f"ipywidgets {ipywidgets.__version__}",
        *(f"{dist} {dist_version(dist)}" for dist in ("jupyterlab", "ipykernel", "playwright")),
        chromium_version,
    )


def print_table(settings: Settings, results: dict[tuple[str, int], list[Case]]) -> None:
    width = 40
    col = 14
    runs = f"median of {settings.runs} runs" if settings.runs > 1 else "one run"
    print(f"{'measure (' + runs + ')':<{width}}" + "".join(f"{VIEW_NAMES[v]:>{col}}" for v in settings.views))
    for n in settings.sizes:
        print(f"[{n:,} jobs, {len(PRODUCTS)} products each, 3 running]")
        agg = {v: aggregate(results.get((v, n), [])) for v in settings.views}
        for label, attr, fmt in ROWS:
            print(f"  {label:<{width - 2}}" + "".join(f"{fmt(agg[v][attr]):>{col}}" for v in settings.views))


def print_targets(settings: Settings, results: dict[tuple[str, int], list[Case]]) -> None:
    print("[targets, as measured in this run]")
    board = {n: aggregate(results[("board", n)]) for n in settings.sizes}
    table = {n: aggregate(results[("table", n)]) for n in settings.sizes if ("table", n) in results}
    if 1000 in board:
        b, t = board[1000]["render_ms"], table.get(1000, {}).get("render_ms")
        if b is not None and t:
            ratio = b / t
            met = ratio <= 5 and b <= 1000
            print(
                f"render of 1,000 jobs: board {fmt_ms(b)}, HTML table {fmt_ms(t)}, ratio {ratio:.1f}x "
                f"(target: within 5x and at most 1 s): {'met' if met else 'NOT met'}"
            )
        else:
            print("render of 1,000 jobs: not measured (a view did not render)")
    models = [board[n]["models_kernel"] for n in settings.sizes]
    page_models = [board[n]["models_page"] for n in settings.sizes]
    same = len({m for m in models if m is not None}) == 1 and None not in models
    print(
        "board's widget models by job count: "
        + ", ".join(
            f"{n:,}: {fmt_int(m)} (page {fmt_int(p)})"
            for n, m, p in zip(settings.sizes, models, page_models, strict=True)
        )
        + f" (target: independent of the job count): {'met' if same else 'NOT met'}"
    )
    if 1000 in board:
        cases = results[("board", 1000)]
        first = cases[0]
        print(
            f"first refresh of 1,000 jobs with 3 active: {fmt_int(board[1000]['status_first'])} status requests "
            f"(+ 1 getNumJobs); the page's unfinished jobs: {min(1000, PAGE_SIZE)}, then "
            f"{max(0, len(first.asked_first) - PAGE_SIZE)} more to find the active job at position "
            f"{ACTIVE_AT[-1] + 1}"
        )
    exceeded = sum(c.rate_exceeded for n in settings.sizes for c in results[("board", n)])
    print(f'IOPub "rate exceeded" lines in the server log during the board\'s cases: {exceeded} (target: 0)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 and 1,000 jobs, one run")
    parser.add_argument("--runs", type=int, help="runs per case (default: 3, or 1 with --quick)")
    parser.add_argument("--sizes", help="job counts, comma-separated (default: 50,1000,10000; 50,1000 with --quick)")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.runs:
        settings.runs = args.runs
    if args.sizes:
        settings.sizes = tuple(int(s) for s in args.sizes.split(","))
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: run scripts/ensure-chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    results: dict[tuple[str, int], list[Case]] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="xrtw-board-bench-") as tmp:
        folder = Path(tmp)
        home = folder / "home"
        home.mkdir()
        lab = Lab(folder / "lab")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_FLAGS,
                    env=child_env(
                        {
                            "HOME": str(home),
                            "XDG_CONFIG_HOME": str(home / ".config"),
                            "XDG_CACHE_HOME": str(home / ".cache"),
                        }
                    ),
                )
                chromium_version = f"Chromium {browser.version}"
                session = Browser(browser, lab)
                session.warm_up()
                index = 0
                failed: set[tuple[str, int]] = set()
                for run in range(settings.runs):
                    for n in settings.sizes:
                        for view in settings.views:
                            if (view, n) in failed and n == max(settings.sizes):
                                continue  # one attempt takes minutes at the largest size
                            if (view, n) in settings.skip:
                                if run == 0:
                                    notes.append(f"{VIEW_NAMES[view]}, {n:,} jobs: not run with --quick")
                                continue
                            index += 1
                            case = run_case(session, view, n, settings, index)
                            results.setdefault((view, n), []).append(case)
                            notes.extend(f"run {run + 1}: {note}" for note in case.notes)
                            if case.render_ms is None:
                                if (view, n) not in failed and n == max(settings.sizes) and run + 1 < settings.runs:
                                    notes.append(
                                        f"{VIEW_NAMES[view]}, {n:,} jobs: not run again (an attempt takes minutes)"
                                    )
                                failed.add((view, n))
                            print(
                                f"# run {run + 1}, {VIEW_NAMES[view]}, {n} jobs: render {fmt_ms(case.render_ms)}",
                                file=sys.stderr,
                                flush=True,
                            )
                session.close()
                browser.close()
        finally:
            lab.stop()
        shutil.rmtree(folder / "lab", ignore_errors=True)
    print(machine(chromium_version))
    print("JupyterLab with stock settings (IOPub message/data rate limits not lifted); emulator in each kernel")
    print_table(settings, results)
    print_targets(settings, results)
    for note in notes:
        print(f"note: {note}")
    print(f"wall time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
