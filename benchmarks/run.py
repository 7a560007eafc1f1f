"""Benchmarks: xrt_widgets side by side with swifttools 4.0.5, in one run, against one local emulator.

Run ``python benchmarks/run.py`` (or ``make bench``); ``--quick`` runs a tiny size, to check that
the script works (its figures mean nothing). Every comparison runs both clients in the same
process against the same emulator on 127.0.0.1, interleaved where it can be, and the table gives
medians and the ratio ours / swifttools (below 1: ours is faster or smaller). Figures are
printed, never asserted; the script fails only when a client does not do what is measured
(a cancel that does not cancel, a refresh that sends an unexpected request).

1. Import time and peak memory of a fresh interpreter. Peak memory is the child's own peak RSS,
   ``VmHWM`` from ``/proc/self/status`` (``ru_maxrss`` is not used on Linux: a child's starts
   from its parent's high-water mark at fork); it includes the bare interpreter, which is shown
   too.
2. ``cancelProducts`` on a 7-product job, our request vs a swifttools request pointed at the
   emulator, with no added delay and with 20 ms added to every reply; plus how many TCP
   connections the emulator accepted.
3. The panel's own cost: ``CancelPanel.cancel()`` to its future resolving (rows updated), minus
   the bare ``cancelProducts``; and how many widget models a 7-product panel creates.
4. Status requests per refresh, while products are unfinished and once all are finished.
5. Cancelling across many jobs (200) with 50 ms per reply: sequential loops vs a pool of 4
   (``JobBoard.cancel_selected`` when ``xrt_widgets.board`` provides it, and a plain
   ``ThreadPoolExecutor`` over ``XRTProductRequest.cancelProducts``), with the lower bound
   replies / pool size x delay.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from common import dist_version, machine_line

USER = "bench@example.org"
BOARD_USER = "board-bench@example.org"
ALL_PRODUCTS = ("LightCurve", "Spectrum", "StandardPos", "EnhancedPos", "AstromPos", "Image", "SourceDet")
#: listOldJobs has no SourceDet column, so a job listed on a board shows the other six.
LISTED_PRODUCTS = ALL_PRODUCTS[:6]
#: The globals both clients submit (swifttools' Python names; ours translates the same ones).
GLOBALS = dict(
    name="GRB 060729",
    targ="00221755",
    T0=175892061.8,
    RA=95.37,
    Dec=-62.21,
    centroid=True,
    centMeth="simple",
    useSXPS=False,
    posErr=1,
)
#: What swifttools refuses to submit without (its own client-side checks); ours sends the same.
PRODUCT_PARS = {
    "LightCurve": dict(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True),
    "Spectrum": dict(hasRedshift=False),
    "SourceDet": dict(whichData="user", useObs="00221755001"),
}
RUNNING = 3  # build status "running": cancellable


@dataclass(frozen=True)
class Sizes:
    import_runs: int
    calls: int
    delayed_calls: int
    panel_runs: int
    refreshes: int
    jobs: int
    job_repeats: int
    reply_delay: float = 0.02
    job_delay: float = 0.05
    pool: int = 4


FULL = Sizes(import_runs=7, calls=300, delayed_calls=50, panel_runs=50, refreshes=10, jobs=200, job_repeats=3)
QUICK = Sizes(import_runs=1, calls=5, delayed_calls=2, panel_runs=2, refreshes=2, jobs=6, job_repeats=1)


# -- the table ------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    ours: Any
    swift: Any
    unit: str
    show_ratio: bool = True  # ours / swift, when both are numbers


class Table:
    """Rows grouped in sections, printed as one fixed-width table."""

    HEAD = ("benchmark", "ours", "swifttools", "unit", "ours/swifttools")

    def __init__(self) -> None:
        self.sections: list[tuple[str, list[Row]]] = []
        self.notes: list[str] = []

    def section(self, title: str) -> list[Row]:
        rows: list[Row] = []
        self.sections.append((title, rows))
        return rows

    @staticmethod
    def _num(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, str):
            return value
        if isinstance(value, int):
            return str(value)
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) >= 0.1:
            return f"{value:.2f}"
        return f"{value:.3f}"

    @staticmethod
    def _ratio(row: Row) -> str:
        if not (row.show_ratio and isinstance(row.ours, (int, float)) and isinstance(row.swift, (int, float))):
            return "-"
        if row.swift == 0:
            return "-" if row.ours else "1.00"
        ratio = row.ours / row.swift
        return f"{ratio:.2f}" if ratio == 0 or ratio >= 0.01 else f"{ratio:.1e}"

    def render(self) -> str:
        lines = []
        cells = [
            (r.label, self._num(r.ours), self._num(r.swift), r.unit, self._ratio(r))
            for _, rows in self.sections
            for r in rows
        ]
        width = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(self.HEAD)]

        def fmt(values) -> str:
            return "  ".join(
                v.ljust(width[i]) if i in (0, 3) else v.rjust(width[i]) for i, v in enumerate(values)
            ).rstrip()

        rule = "-" * len(fmt(self.HEAD))
        lines += [fmt(self.HEAD), rule]
        for title, rows in self.sections:
            lines.append(f"[{title}]")
            for r in rows:
                lines.append(fmt((r.label, self._num(r.ours), self._num(r.swift), r.unit, self._ratio(r))))
        lines.append(rule)
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def median(values) -> float:
    return statistics.median(values)


def p90(values) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else max(values)


def ms(seconds: float) -> float:
    return seconds * 1e3


def say(text: str) -> None:
    """Progress on stderr, so stdout holds only the machine line and the table."""
    print(text, file=sys.stderr, flush=True)


# -- 1. imports -----------------------------------------------------------------------------------

CHILD = r"""
import json, resource, sys, time
t = time.perf_counter()
exec(sys.argv[1])
dt = time.perf_counter() - t
try:  # Linux: this process's own peak RSS
    with open("/proc/self/status") as fh:
        peak_kib, source = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")), "VmHWM"
except (OSError, StopIteration):
    peak_kib, source = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "ru_maxrss"
print(json.dumps({"seconds": dt, "peak_kib": peak_kib, "source": source,
                  "modules": len(sys.modules), "ipywidgets": "ipywidgets" in sys.modules}))
"""


def measure_import(statement: str, runs: int, warmup: bool) -> dict:
    """Median import time, peak RSS and module count over ``runs`` fresh interpreters."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP", "PYTHONPROFILEIMPORTTIME")}
    results = []
    for i in range(runs + (1 if warmup else 0)):
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, statement], capture_output=True, text=True, env=env, timeout=300
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{statement!r} failed in a fresh interpreter:\n{proc.stderr}")
        if warmup and i == 0:
            continue  # the first run may compile .pyc files
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {
        "seconds": median(r["seconds"] for r in results),
        "peak_mib": median(r["peak_kib"] for r in results) / 1024,
        "source": results[0]["source"],
        "modules": int(median(r["modules"] for r in results)),
        "ipywidgets": any(r["ipywidgets"] for r in results),
    }


def bench_imports(table: Table, sizes: Sizes) -> None:
    warm = sizes.import_runs > 1
    swift_stmt = "from swifttools.ukssdc.xrt_prods import XRTProductRequest"
    say(f"imports: {sizes.import_runs} fresh interpreters per statement")
    bare = measure_import("pass", sizes.import_runs, warm)
    swift = measure_import(swift_stmt, sizes.import_runs, warm)
    rows = table.section(
        f"1. import in a fresh interpreter, median of {sizes.import_runs} (peak RSS = {bare['source']} of the child)"
    )
    for stmt in ("import xrt_widgets", "import xrt_widgets.client", "from xrt_widgets import CancelPanel"):
        ours = measure_import(stmt, sizes.import_runs, warm)
        rows.append(Row(f"{stmt}: import time", ms(ours["seconds"]), ms(swift["seconds"]), "ms"))
        rows.append(Row(f"{stmt}: peak RSS", ours["peak_mib"], swift["peak_mib"], "MiB"))
        rows.append(
            Row(
                f"{stmt}: RSS over bare python",
                ours["peak_mib"] - bare["peak_mib"],
                swift["peak_mib"] - bare["peak_mib"],
                "MiB",
            )
        )
        rows.append(Row(f"{stmt}: modules loaded", ours["modules"], swift["modules"], "modules"))
        if stmt != "from xrt_widgets import CancelPanel" and ours["ipywidgets"]:
            table.notes.append(f"{stmt!r} imported ipywidgets")
    table.notes.append(
        f"section 1: the swifttools side is {swift_stmt!r}; a bare interpreter peaks at "
        f"{bare['peak_mib']:.1f} MiB; import time is perf_counter around the statement inside "
        "the child (interpreter start-up excluded)"
    )
    if bare["source"] == "VmHWM":
        table.notes.append(
            "section 1: peak RSS is VmHWM from /proc/self/status, not ru_maxrss: on Linux a "
            "child's ru_maxrss starts from its parent's high-water mark at fork"
        )


# -- helpers for the emulator -----------------------------------------------------------------------


def submit_ours(emu, products=ALL_PRODUCTS, *, user: str = USER, session=None):
    from xrt_widgets import XRTProductRequest

    req = XRTProductRequest(user, base_url=emu.base_url, session=session)
    req.setGlobalPars(**GLOBALS)
    for name in products:
        req.addProduct(name, **PRODUCT_PARS.get(name, {}))
    if not req.submit():
        raise RuntimeError(f"our submit failed: {req.submitError}")
    return req


def submit_swift(emu, products=ALL_PRODUCTS, *, user: str = USER):
    from swifttools.ukssdc.xrt_prods import XRTProductRequest as SwiftRequest

    req = SwiftRequest(user, silent=True)
    req._baseURL = emu.base_url  # swifttools keeps its base URL in this instance attribute
    req.setGlobalPars(**GLOBALS)
    for name in products:
        getattr(req, f"add{name}")(**PRODUCT_PARS.get(name, {}))
    if not req.submit():
        raise RuntimeError(f"swifttools' submit failed: {req.submitError}")
    return req


def rearm(emu, job_ids, products=ALL_PRODUCTS) -> None:
    """Force every product of the jobs back to "running", so that the next cancel is a real cancel (code 0).

    A cancel that succeeds ends a forced state, so this is called before every timed cancel,
    outside the timed region. It talks to the emulator's store directly, not over HTTP, so it
    adds no request and no connection to what is counted.
    """
    if isinstance(job_ids, int):
        job_ids = (job_ids,)
    for job_id in job_ids:
        for name in products:
            emu.set_status(job_id, name, RUNNING)


class ConnectionCounter:
    """Counts the TCP connections the emulator's server accepts (wraps its ``get_request``)."""

    def __init__(self, emu) -> None:
        server = emu._server  # the benchmark peeks; the emulator has no public connection count
        self.count = 0
        original = server.get_request

        def get_request():
            self.count += 1
            return original()

        server.get_request = get_request


def check_cancel(who: str, value, products) -> None:
    ok, per = value
    if ok != 1 or any(per[p]["code"] != 0 for p in products):
        raise RuntimeError(f"{who}: a cancel of running products did not cancel them: {value!r}")


# -- 2. cancel latency ------------------------------------------------------------------------------


def bench_latency(table: Table, sizes: Sizes, emu, connections: ConnectionCounter) -> None:
    ours = submit_ours(emu)
    swift = submit_swift(emu)
    rows = table.section("2. cancelProducts('all') on a 7-product job over loopback, median per call")
    for delay, calls in ((0.0, sizes.calls), (sizes.reply_delay, sizes.delayed_calls)):
        emu.reply_delay = delay
        say(f"cancel latency: {calls} calls each, reply delay {delay * 1e3:.0f} ms")
        for req in (ours, swift):  # warm up: our first call opens the session's connection
            rearm(emu, req.JobID)
            req.cancelProducts("all")
        times: dict[str, list[float]] = {"ours": [], "swift": []}
        conns = {"ours": 0, "swift": 0}
        sent = {"ours": 0, "swift": 0}
        for _ in range(calls):
            for key, req in (("ours", ours), ("swift", swift)):  # interleaved, so drift hits both
                rearm(emu, req.JobID)
                c0, r0 = connections.count, emu.request_count()
                t0 = time.perf_counter()
                value = req.cancelProducts("all")
                times[key].append(time.perf_counter() - t0)
                conns[key] += connections.count - c0
                sent[key] += emu.request_count() - r0
                check_cancel(key, value, ALL_PRODUCTS)
        tag = f"+{delay * 1e3:.0f} ms/reply" if delay else "no added delay"
        rows.append(
            Row(f"cancel latency, {tag} ({calls} calls)", ms(median(times["ours"])), ms(median(times["swift"])), "ms")
        )
        rows.append(Row(f"cancel latency p90, {tag}", ms(p90(times["ours"])), ms(p90(times["swift"])), "ms"))
        rows.append(
            Row(f"TCP connections opened per call, {tag}", conns["ours"] / calls, conns["swift"] / calls, "conn")
        )
        rows.append(Row(f"requests received per call, {tag}", sent["ours"] / calls, sent["swift"] / calls, "req"))
    emu.reply_delay = 0.0
    ours.transport.close()


# -- 3. the panel's own cost --------------------------------------------------------------------------


def widget_instances() -> dict:
    from ipywidgets.widgets import widget as widget_module

    return widget_module._instances  # ipywidgets 8 (Widget.widgets is a deprecated alias)


def bench_panel(table: Table, sizes: Sizes, emu) -> None:
    import ipywidgets as widgets

    say(f"panel: {sizes.panel_runs} cancels through a fresh panel, interleaved with bare calls")
    req = submit_ours(emu)
    rearm(emu, req.JobID)
    req.cancelProducts("all")  # warm: the session's connection is open
    instances = widget_instances()
    messages: list[int] = []
    sent_per_cancel: list[int] = []
    original_send_state = widgets.Widget.send_state

    def counting_send_state(self, key=None):  # one state update the front end would receive
        messages.append(1)
        return original_send_state(self, key)

    widgets.Widget.send_state = counting_send_state
    try:
        bare, through_panel, overhead, models, kinds = _panel_runs(
            sizes, emu, req, instances, messages, sent_per_cancel
        )
    finally:
        widgets.Widget.send_state = original_send_state
    rows = table.section(f"3. CancelPanel on a 7-product job (our request), median of {sizes.panel_runs}")
    rows.append(Row("panel.cancel('all') to rows updated", ms(median(through_panel)), None, "ms"))
    rows.append(Row("bare req.cancelProducts('all')", ms(median(bare)), None, "ms"))
    rows.append(Row("panel's own cost (difference, per pair)", ms(median(overhead)), None, "ms"))
    rows.append(Row("widget models created by CancelPanel(7 products)", int(median(models)), None, "models"))
    rows.append(Row("widget state updates sent by one cancel", int(median(sent_per_cancel)), None, "msgs"))
    top = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    table.notes.append(
        f"section 3: the models of one panel: {top}; widgets are counted in "
        "ipywidgets.widgets.widget._instances (ipywidgets 8), state updates as calls of "
        "Widget.send_state; there is no kernel, so no message leaves the process and the "
        "panel's cost is its Python side only"
    )
    req.transport.close()


def _panel_runs(sizes: Sizes, emu, req, instances: dict, messages: list, sent_per_cancel: list):
    from xrt_widgets import CancelPanel

    bare, through_panel, overhead = [], [], []
    models: list[int] = []
    kinds: dict[str, int] = {}
    for i in range(sizes.panel_runs):
        rearm(emu, req.JobID)
        t0 = time.perf_counter()
        check_cancel("ours", req.cancelProducts("all"), ALL_PRODUCTS)
        bare_s = time.perf_counter() - t0

        rearm(emu, req.JobID)
        before = set(instances)
        panel = CancelPanel(req, confirm=False)
        created = [k for k in instances if k not in before]
        models.append(len(created))
        if i == 0:
            for k in created:
                name = type(instances[k]).__name__
                kinds[name] = kinds.get(name, 0) + 1
        messages.clear()
        t0 = time.perf_counter()
        value = panel.cancel("all").result(timeout=30)
        panel_s = time.perf_counter() - t0
        sent_per_cancel.append(len(messages))
        check_cancel("panel", value, ALL_PRODUCTS)
        if any(panel.statuses[p]["slug"] != "cancelled" for p in ALL_PRODUCTS):
            raise RuntimeError(f"the panel's rows do not show the cancel: {panel.statuses!r}")
        for k in [k for k in instances if k not in before]:
            widget = instances.get(k)
            if widget is not None:
                widget.close()
        bare.append(bare_s)
        through_panel.append(panel_s)
        overhead.append(panel_s - bare_s)
    return bare, through_panel, overhead, models, kinds


# -- 4. requests per refresh ------------------------------------------------------------------------


def status_log(emu, start: int) -> list[dict]:
    return [e for e in emu.log[start:] if e["endpoint"] == "checkProductStatus.php"]


def bench_refresh(table: Table, sizes: Sizes, emu) -> None:
    from xrt_widgets import CancelPanel

    say(f"refresh: {sizes.refreshes} refreshes per phase")
    ours = submit_ours(emu)
    swift = submit_swift(emu)
    panel = CancelPanel(ours, confirm=False)
    finished_early = ("Image", "StandardPos", "AstromPos")
    rows = table.section(
        f"4. status requests per refresh of a 7-product job, {sizes.refreshes} refreshes "
        "(ours: CancelPanel.refresh(); swifttools: checkProductStatus('all'))"
    )

    def phase(label: str) -> dict:
        # One refresh to learn the new states, not counted; then the counted ones.
        panel.refresh().result(timeout=30)
        swift.checkProductStatus("all")
        counted = {}
        for key, refresh in (
            ("ours", lambda: panel.refresh().result(timeout=30)),
            ("swift", lambda: swift.checkProductStatus("all")),
        ):
            start = len(emu.log)
            for _ in range(sizes.refreshes):
                refresh()
            entries = status_log(emu, start)
            asked = [len([w for w in str(e["body"].get("what", "")).split(",") if w]) for e in entries]
            counted[key] = (len(entries) / sizes.refreshes, sum(asked) / len(entries) if entries else 0)
        rows.append(Row(f"status requests per refresh, {label}", counted["ours"][0], counted["swift"][0], "req"))
        rows.append(Row(f"products asked per request, {label}", counted["ours"][1], counted["swift"][1], "products"))
        return counted

    for job in (ours.JobID, swift.JobID):
        for name in ALL_PRODUCTS:
            emu.set_status(job, name, 4 if name in finished_early else RUNNING)
    counted = phase(f"{len(ALL_PRODUCTS) - len(finished_early)} of 7 unfinished")
    if counted["ours"][0] != 1:
        raise RuntimeError(f"our panel sent {counted['ours'][0]} status requests per refresh, not 1")
    for job in (ours.JobID, swift.JobID):
        for name in ALL_PRODUCTS:
            emu.set_status(job, name, 4)
    counted = phase("all finished")
    if counted["ours"][0] != 0:
        raise RuntimeError(f"our panel still sends {counted['ours'][0]} status requests per refresh")
    table.notes.append(
        "section 4: swifttools' `complete` property stops asking once it has seen every "
        "product finish, but checkProductStatus (what a refresh calls) always sends a "
        "request for every product"
    )
    ours.transport.close()


# -- 5. many jobs -----------------------------------------------------------------------------------


def find_board():
    """``xrt_widgets.board.JobBoard`` if it exists and offers ``cancel_selected``, else (None, reason)."""
    try:
        from xrt_widgets.board import JobBoard
    except Exception as exc:  # not written yet, or broken mid-edit
        return None, f"xrt_widgets.board not importable ({type(exc).__name__}: {exc})"
    if not hasattr(JobBoard, "cancel_selected"):
        return None, "JobBoard has no cancel_selected"
    return JobBoard, ""


def bench_jobs(table: Table, sizes: Sizes, emu) -> None:
    from xrt_widgets import XRTProductRequest
    from xrt_widgets.client import Transport

    n, pool, delay = sizes.jobs, sizes.pool, sizes.job_delay
    say(f"jobs: cancelling across {n} jobs at {delay * 1e3:.0f} ms per reply, {sizes.job_repeats} repeat(s)")
    products = LISTED_PRODUCTS
    emu.reply_delay = 0.0
    # Ours: jobs reattached with from_job, sharing one session (as the board does).
    shared = Transport(emu.base_url)
    ours_jobs = [emu.add_job(USER, products) for _ in range(n)]
    ours = [
        XRTProductRequest.from_job(USER, j, products, base_url=emu.base_url, session=shared.session) for j in ours_jobs
    ]
    swift = [submit_swift(emu, products) for _ in range(n)]
    JobBoard, why_not = find_board()
    board = None
    board_jobs: list[int] = []
    if JobBoard is not None:
        board_jobs = [emu.add_job(BOARD_USER, products) for _ in range(n)]
        rearm(emu, board_jobs, products)
        board = JobBoard(BOARD_USER, base_url=emu.base_url, max_workers=pool, confirm=False, load=False)
        board.reload().result(timeout=120)
        if sorted(board.entries) != sorted(board_jobs):
            raise RuntimeError("the board does not list the jobs made for it")
        selection = {j: list(products) for j in board_jobs}

    def sequential(requests) -> None:
        for req in requests:
            check_cancel("sequential", req.cancelProducts("all"), products)

    def pooled() -> None:
        with ThreadPoolExecutor(max_workers=pool) as executor:
            for value in executor.map(lambda r: r.cancelProducts("all"), ours):
                check_cancel("pool", value, products)

    def via_board() -> None:
        results = board.cancel_selected(selection).result(timeout=600)
        if len(results) != n:
            raise RuntimeError(f"the board returned {len(results)} results for {n} jobs")
        for value in results.values():
            check_cancel("board", value, products)

    runs: dict[str, Callable[[], None]] = {
        "swift-seq": lambda: sequential(swift),
        "ours-seq": lambda: sequential(ours),
        "ours-pool": pooled,
    }
    #: The jobs each run cancels, re-armed before it.
    cancelled_by: dict[str, list[int]] = {
        "swift-seq": [r.JobID for r in swift],
        "ours-seq": ours_jobs,
        "ours-pool": ours_jobs,
    }
    if board is not None:
        runs["ours-board"] = via_board
        cancelled_by["ours-board"] = board_jobs
    times: dict[str, list[float]] = {k: [] for k in runs}
    emu.reply_delay = delay
    for _ in range(sizes.job_repeats):
        for key, run in runs.items():
            rearm(emu, cancelled_by[key], products)
            before = emu.request_count("cancel")
            t0 = time.perf_counter()
            run()
            times[key].append(time.perf_counter() - t0)
            sent = emu.request_count("cancel") - before
            if sent != n:
                raise RuntimeError(f"{key}: {sent} cancel requests for {n} jobs")
    emu.reply_delay = 0.0
    t = {k: median(v) for k, v in times.items()}
    seq_bound = n * delay
    pool_bound = n / pool * delay
    rows = table.section(
        f"5. cancel across {n} jobs ({len(products)} products each, one request per job), "
        f"+{delay * 1e3:.0f} ms/reply, median of {sizes.job_repeats}"
    )
    rows.append(Row("sequential loop of cancelProducts", t["ours-seq"], t["swift-seq"], "s"))
    rows.append(Row(f"ThreadPoolExecutor({pool}) over our cancelProducts", t["ours-pool"], t["swift-seq"], "s"))
    if board is not None:
        rows.append(Row(f"JobBoard(max_workers={pool}).cancel_selected", t["ours-board"], t["swift-seq"], "s"))
        best = "ours-board"
    else:
        rows.append(Row(f"JobBoard: {why_not}", "-", None, ""))
        best = "ours-pool"
    rows.append(Row(f"pool of {pool} vs our own sequential loop", t[best], t["ours-seq"], "s"))
    rows.append(
        Row(f"lower bound, sequential: {n} x {delay * 1e3:.0f} ms", seq_bound, seq_bound, "s", show_ratio=False)
    )
    rows.append(Row(f"lower bound, pool of {pool}: {n} / {pool} x {delay * 1e3:.0f} ms", pool_bound, None, "s"))
    rows.append(Row(f"pool of {pool} / its lower bound", t[best] / pool_bound, None, "x"))
    if board is not None:
        board.close()
    shared.close()


# -- main -------------------------------------------------------------------------------------------


def machine() -> str:
    import ipywidgets
    import requests

    return machine_line(
        f"swifttools {dist_version('swifttools')}",
        f"requests {requests.__version__}",
        f"ipywidgets {ipywidgets.__version__}",
        load=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny size, to check that the script runs")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()

    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # swifttools' own imports
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)

    from xrt_widgets import Emulator

    table = Table()
    bench_imports(table, sizes)
    say("importing swifttools in this process…")
    import swifttools.ukssdc.xrt_prods  # noqa: F401 - once, outside any timing

    with Emulator(manual_clock=True) as emu:
        connections = ConnectionCounter(emu)
        bench_latency(table, sizes, emu, connections)
        bench_panel(table, sizes, emu)
        bench_refresh(table, sizes, emu)
        bench_jobs(table, sizes, emu)
    wall = time.perf_counter() - started
    print(machine())
    print(
        f"command: {' '.join([os.path.relpath(sys.executable) if sys.executable else 'python', *sys.argv])}"
        f"{'  (QUICK: tiny sizes, the figures mean nothing)' if args.quick else ''}"
    )
    print(table.render())
    print(f"wall time: {wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
