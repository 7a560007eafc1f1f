"""Hostile-input benchmarks: what each class of hostile URL, environment or server costs xrt_widgets.

Run ``python benchmarks/hardening.py`` (or ``make bench``, after ``benchmarks/run.py``);
``--quick`` runs tiny sizes and short deadlines, to check that the script works (its figures mean
nothing). Everything runs on this machine, in one run, against local emulators on 127.0.0.1 and a
stand-in proxy listener on 127.0.0.1; a guard installed for the whole run refuses any DNS lookup
or connection to anything but loopback, so nothing leaves the machine. Figures are printed, never
asserted: a promise that does not hold shows in its row (for instance "9998/10000 refused").
The script uses the standard library and the package only.

1. URL check. 10,000 crafted base URLs (backslashes, userinfo, queries, fragments, white space,
   control and non-ASCII characters, percent-escapes, bad ports, other schemes, plain http to a
   remote host) are given to ``resolve_base_url`` and to ``countActiveJobs``, a call that would
   connect if the URL passed. Time per URL (µs), how many were refused, and the socket connects,
   DNS lookups and emulator requests made meanwhile (all counted by patching ``socket``).
2. Proxies. For each of HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and their lower-case forms (then all
   six at once) pointing at a local listener: the connections that listener receives for a
   loopback ``cancelProducts`` (expected 0), and for a call to the non-loopback
   ``https://outside.invalid/user_objects`` (expected one ``CONNECT`` where requests uses that
   variable for an https URL; the proxy answers 403, so nothing goes further).
3. Deadline. Wall time of one ``cancelProducts`` with ``deadline=5`` (the default, 60 s, is too
   long to run many times) against a server that drips its headers, drips its body, sends
   ``100 Continue`` for ever, sends an endless slow body, or stalls and drops three times (retried);
   and what the same server costs without a deadline: unbounded where every byte arrives within
   the 30 s read timeout, measured for the stalls. Then nine panels, eight on a stuck server: how
   long the ninth, on a healthy one, waits for its answer, and when the eight end.
4. Memory. One fresh interpreter per case (the emulator stays in this process), which warms its
   transport up with one normal call, resets its RSS high-water mark (``/proc/self/clear_refs``),
   makes the hostile call, and reports ``VmHWM`` after minus ``VmRSS`` before; then repeats the call
   under ``tracemalloc`` for the peak of traced Python memory. Cases: a 1 GiB gzip bomb, an endless
   chunked body, a 1.4 MB hostile error page, and a normal reply; against the 8 MiB reading cap.
5. Text. Best of three runs on each of a few 1 MB hostile shapes (unclosed, alternating and
   unbalanced tags, never-closed ``<head``/``<script``, ``<`` with no ``>``, deep or long step
   lists, huge labels) of ``render_progress``, ``html_to_text`` (which reads a 16 KiB prefix; also
   timed on the whole megabyte), ``strip_tags`` and ``build_progress_text``; the worst shape is
   shown, with its time on 256 KB for the ratio (linear: 4). Then 1 MB hostile error pages
   (HTTP 500) through the transport.
6. Listing. ``parse_listing`` of 10,000 entries (well-formed, and hostile); then a ``JobBoard``
   reloading a 2,000-job listing from the emulator while the main thread, playing the kernel's,
   takes ``board._lock`` every 2 ms: the worst wait, and the reload's total time; the same with
   10,000 jobs when the 2,000-job reload says it fits in about a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from common import machine_line

USER = "hardening-bench@example.org"
BOARD_USER = "board-hardening@example.org"
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
OUTSIDE = "https://outside.invalid/user_objects"
MB = 2**20
KB = 2**10


@dataclass(frozen=True)
class Sizes:
    urls: int
    deadline: float  # seconds, for every call of section 3
    drip_interval: float
    stall: float  # seconds per stall; three of them
    bomb: int  # bytes a gzip bomb inflates to
    text: int  # bytes of each hostile text
    listing: int  # entries given to parse_listing
    board_jobs: int
    big_board_jobs: int
    big_board_budget: float = 60.0  # run the big board only if the small one says it takes less than this


FULL = Sizes(
    urls=10_000,
    deadline=5.0,
    drip_interval=0.2,
    stall=2.5,
    bomb=1 << 30,
    text=MB,
    listing=10_000,
    board_jobs=2_000,
    big_board_jobs=10_000,
)
QUICK = Sizes(
    urls=200,
    deadline=1.0,
    drip_interval=0.05,
    stall=0.3,
    bomb=32 * MB,
    text=64 * KB,
    listing=500,
    board_jobs=50,
    big_board_jobs=200,
)


# -- the table ------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    value: Any
    unit: str
    reference: str = ""


class Table:
    """Rows grouped in sections, printed as one fixed-width table."""

    HEAD = ("hostile input", "measured", "unit", "reference")

    def __init__(self) -> None:
        self.sections: list[tuple[str, list[Row]]] = []
        self.notes: list[str] = []

    def section(self, title: str) -> list[Row]:
        rows: list[Row] = []
        self.sections.append((title, rows))
        return rows

    @staticmethod
    def num(value: Any) -> str:
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

    def render(self) -> str:
        cells = [(r.label, self.num(r.value), r.unit, r.reference) for _, rows in self.sections for r in rows]
        width = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(self.HEAD)]

        def fmt(values) -> str:
            return "  ".join(v.rjust(width[i]) if i == 1 else v.ljust(width[i]) for i, v in enumerate(values)).rstrip()

        rule = "-" * min(len(fmt(self.HEAD)), 160)
        lines = [fmt(self.HEAD), rule]
        for title, rows in self.sections:
            lines.append(f"[{title}]")
            lines += [fmt((r.label, self.num(r.value), r.unit, r.reference)) for r in rows]
        lines.append(rule)
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def say(text: str) -> None:
    """Progress on stderr, so that stdout holds only the machine line and the table."""
    print(text, file=sys.stderr, flush=True)


def ms(seconds: float) -> float:
    return seconds * 1e3


def best_time(func: Callable[[], Any], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = func()
    return value, time.perf_counter() - start


def size_text(size: int) -> str:
    return f"{size // MB} MiB" if size % MB == 0 else f"{size // KB} KiB"


def short(text: Any, limit: int = 70) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the network guard ----------------------------------------------------------------------------

_LOOPBACK = ("127.", "::1", "localhost", "0:0:0:0:0:0:0:1")


def _is_loopback(host: Any) -> bool:
    host = str(host).strip("[]").lower()
    return host.startswith(_LOOPBACK) or host in ("localhost.localdomain", "ip6-localhost")


class NetworkGuard:
    """Counts every DNS lookup and socket connect of this process, and refuses any not to loopback."""

    def __init__(self) -> None:
        self.lookups: list[Any] = []
        self.connects: list[Any] = []
        self.blocked: list[Any] = []
        self._lock = threading.Lock()
        self._real_getaddrinfo = socket.getaddrinfo
        self._real_connect = socket.socket.connect
        self._real_connect_ex = socket.socket.connect_ex

    def install(self) -> NetworkGuard:
        guard = self

        def getaddrinfo(host, *args, **kwargs):
            with guard._lock:
                guard.lookups.append(host)
            if host is not None and not _is_loopback(host):
                with guard._lock:
                    guard.blocked.append(host)
                raise socket.gaierror(socket.EAI_NONAME, f"refused by the benchmark's network guard: {host}")
            return guard._real_getaddrinfo(host, *args, **kwargs)

        def check(sock, address):
            with guard._lock:
                guard.connects.append(address)
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
                with guard._lock:
                    guard.blocked.append(address)
                raise OSError(f"refused by the benchmark's network guard: {address!r}")

        def connect(sock, address):
            check(sock, address)
            return guard._real_connect(sock, address)

        def connect_ex(sock, address):
            check(sock, address)
            return guard._real_connect_ex(sock, address)

        socket.getaddrinfo = getaddrinfo
        socket.socket.connect = connect
        socket.socket.connect_ex = connect_ex
        return self

    def uninstall(self) -> None:
        socket.getaddrinfo = self._real_getaddrinfo
        socket.socket.connect = self._real_connect
        socket.socket.connect_ex = self._real_connect_ex

    def mark(self) -> tuple[int, int, int]:
        with self._lock:
            return len(self.lookups), len(self.connects), len(self.blocked)


# -- 1. the URL check -----------------------------------------------------------------------------

#: Each is refused by the policy; ``{port}`` is the emulator's, so one that passed would reach it.
CRAFTED = (
    "http://evil.invalid\\@127.0.0.1:{port}/user_objects{n}",
    "http://127.0.0.1:{port}\\@evil.invalid/user_objects{n}",
    "http://evil.invalid\\.127.0.0.1:{port}/user_objects{n}",
    "http://127.0.0.1@evil.invalid:{port}/user_objects{n}",
    "http://evil.invalid#@127.0.0.1:{port}/user_objects{n}",
    "http://evil.invalid?@127.0.0.1:{port}/user_objects{n}",
    "http://user:hunter2@127.0.0.1:{port}/user_objects{n}",
    "http://127.0.0.1:{port}/user_objects{n}?x=1",
    "http://127.0.0.1:{port}/user_objects{n}#frag",
    "http://127.0.0.1:{port}/user objects{n}",
    "http://127.0.0.1:{port}/user_\tobjects{n}",
    "http://127.0.0.1:{port}/\nuser_objects{n}",
    "http://127.0.0.%31:{port}/user_objects{n}",
    "http://\uff11\uff12\uff17.0.0.1:{port}/user_objects{n}",  # fullwidth digits
    "http://127.0.0.1:{port}:{port}/user_objects{n}",
    "http://[::1:{port}/user_objects{n}",
    "http://127.0.0.1:{port}\x00/user_objects{n}",
    "http://127.0.0.1%2F@evil.invalid:{port}/user_objects{n}",
    "http://127.0.0.1:99999/user_objects{n}",
    "http://evil.invalid:{port}/user_objects{n}",
    "ftp://127.0.0.1:{port}/user_objects{n}",
    "//127.0.0.1:{port}/user_objects{n}",
    "https://www.swift.ac.uk\\@evil.invalid/user_objects{n}",
    "https://www.swïft.ac.uk/user_objects{n}",
)


def crafted_urls(port: int, count: int) -> list[str]:
    return [CRAFTED[i % len(CRAFTED)].format(port=port, n=i // len(CRAFTED)) for i in range(count)]


def bench_urls(table: Table, sizes: Sizes, emu, guard: NetworkGuard) -> None:
    from xrt_widgets import countActiveJobs
    from xrt_widgets.client import resolve_base_url
    from xrt_widgets.errors import InsecureURLError

    urls = crafted_urls(emu.port, sizes.urls)
    say(f"URLs: {len(urls)} crafted base URLs, {len(CRAFTED)} shapes")
    rows = table.section(
        f"1. URL check: {len(urls)} crafted base URLs ({len(CRAFTED)} shapes), refused before anything is sent"
    )
    before_requests = emu.request_count()
    lookups0, connects0, _ = guard.mark()
    figures = {}
    for label, call in (
        ("resolve_base_url(url)", resolve_base_url),
        ("countActiveJobs(user, base_url=url)", lambda u: countActiveJobs(USER, base_url=u)),
    ):
        refused, other = 0, []
        gc.collect()
        start = time.perf_counter()
        for url in urls:
            try:
                call(url)
            except InsecureURLError:
                refused += 1
            except Exception as exc:  # anything else is not a refusal by the policy
                other.append(f"{type(exc).__name__} for {url!r}")
        elapsed = time.perf_counter() - start
        figures[label] = (refused, other)
        rows.append(
            Row(
                f"refuse crafted base URLs: {label}",
                elapsed / len(urls) * 1e6,
                "µs/URL",
                f"{refused}/{len(urls)} refused (InsecureURLError)"
                + (f"; {len(other)} otherwise, e.g. {short(other[0], 60)}" if other else ""),
            )
        )
    lookups1, connects1, _ = guard.mark()
    rows.append(Row("socket connects while refusing them", connects1 - connects0, "conn", "expect 0"))
    rows.append(Row("DNS lookups while refusing them", lookups1 - lookups0, "lookups", "expect 0"))
    rows.append(
        Row(
            "requests the emulator received meanwhile",
            emu.request_count() - before_requests,
            "req",
            "expect 0 (each loopback URL names the emulator's port)",
        )
    )


# -- 2. proxies -----------------------------------------------------------------------------------


class ProxyListener:
    """A loopback listener standing in for a proxy: counts connections, keeps their first lines, answers 403."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lines: list[bytes] = []
        self.accepted = 0
        self._thread = threading.Thread(target=self._serve, daemon=True, name="bench-proxy")
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            with conn:
                conn.settimeout(2)
                try:
                    self.lines.append(conn.recv(4096).split(b"\r\n", 1)[0])
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def wait_quiet(self, seconds: float = 0.3) -> None:
        """Give a connection on its way time to be accepted and read."""
        time.sleep(seconds)

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Only the given proxy variables set (every other *_proxy and NO_PROXY unset) inside the block."""
    saved = {k: v for k, v in os.environ.items() if k.lower().endswith("_proxy")}
    for key in saved:
        del os.environ[key]
    os.environ.update(values)
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.lower().endswith("_proxy")]:
            del os.environ[key]
        os.environ.update(saved)


def bench_proxies(table: Table, sizes: Sizes, emu, guard: NetworkGuard) -> None:
    from xrt_widgets import XRTProductRequest
    from xrt_widgets.client import Transport

    say("proxies: each variable, a loopback cancel and a call to outside.invalid")
    listener = ProxyListener()
    rows = table.section("2. proxy variables pointing at a listener on 127.0.0.1: connections it received")
    cases = [(name, (name,)) for name in PROXY_VARIABLES] + [("all six at once", PROXY_VARIABLES)]
    try:
        for label, names in cases:
            with environment(**dict.fromkeys(names, listener.url)):
                job = emu.add_job(USER, ["LightCurve"])
                req = XRTProductRequest.from_job(USER, job, ["LightCurve"], base_url=emu.base_url)
                seen0, sent0 = listener.accepted, emu.request_count("cancel")
                ok, _per = req.cancelProducts()
                listener.wait_quiet()
                received = listener.accepted - seen0
                reached = emu.request_count("cancel") - sent0
                req.close()
                rows.append(
                    Row(
                        f"{label}: loopback cancelProducts",
                        received,
                        "conn",
                        f"expect 0; the emulator got {reached} cancel, ok={ok}",
                    )
                )

                seen0 = listener.accepted
                first = len(listener.lines)
                _, _, blocked0 = guard.mark()
                transport = Transport(OUTSIDE, retries=0, timeout=(2.0, 2.0))
                try:
                    transport.post("count", {"UserID": USER})
                    outcome = "answered (?)"
                except Exception as exc:
                    outcome = type(exc).__name__
                transport.close()
                listener.wait_quiet()
                received = listener.accepted - seen0
                line = listener.lines[first].decode("latin-1", "replace") if len(listener.lines) > first else ""
                _, _, blocked1 = guard.mark()
                uses_it = any(n.lower() in ("https_proxy", "all_proxy") for n in names)
                if uses_it:
                    reference = "expect 1 CONNECT" + (f": {short(line, 44)!r}" if line else ": none seen")
                else:
                    reference = (
                        "expect 0: requests takes no http proxy for an https URL; the direct attempt "
                        f"was stopped by this script's guard ({blocked1 - blocked0} DNS lookup refused)"
                    )
                rows.append(Row(f"{label}: {OUTSIDE}", received, "conn", reference + f"; the call: {outcome}"))
    finally:
        listener.close()


# -- 3. deadlines ---------------------------------------------------------------------------------


def bench_deadlines(table: Table, sizes: Sizes, emu) -> None:
    from xrt_widgets import CancelPanel, Emulator, XRTProductRequest
    from xrt_widgets.client import MAX_REPLY_BYTES

    limit = sizes.deadline
    interval = sizes.drip_interval
    rows = table.section(
        f"3. one cancelProducts with deadline={limit:g} s (default 60 s) against a slow server: wall time"
    )
    unbounded = "unbounded: every byte comes within the 30 s read timeout"
    endless_hours = MAX_REPLY_BYTES / 65 * interval / 3600  # 65 bytes of body per piece of "64"
    cases = [
        (f"drip headers, 1 byte every {interval:g} s", "drip", dict(part="headers", interval=interval), unbounded),
        (f"drip body, 1 byte every {interval:g} s", "drip", dict(part="body", interval=interval), unbounded),
        (
            f"100 Continue every {interval:g} s, for ever",
            "continue",
            dict(interval=interval),
            "unbounded: a Continue line every few tenths of a second",
        ),
        (
            f"endless chunked body, 64 B every {interval:g} s",
            "endless",
            dict(piece=64, interval=interval),
            f"bounded only by the 8 MiB cap: about {endless_hours:.1f} h at this rate",
        ),
    ]
    for label, kind, params, without in cases:
        say(f"deadline: {label}")
        job = emu.add_job(USER, ["LightCurve"])
        req = XRTProductRequest.from_job(USER, job, ["LightCurve"], base_url=emu.base_url, deadline=limit)
        emu.inject("cancel", kind, **params)
        (ok, per), took = timed(req.cancelProducts)
        req.close()
        said = "deadline" in str(per.get("ERROR", ""))
        rows.append(
            Row(
                f"cancelProducts, {label}",
                took,
                "s",
                f"deadline {limit:g} s, {ms(took - limit):+.0f} ms; ok={ok}"
                f"{', says deadline' if said else ', ' + short(per, 40)}; without a deadline: {without}",
            )
        )

    # Three stalls, each followed by a dropped connection: retried (retries=2) until the deadline, or not.
    # With stalls of (deadline - 0.2 s) / 2, urllib3's second back-off (0.2 s, capped at the time left)
    # ends on the deadline itself, so the third attempt starts just as it passes.
    edge = round((limit - 0.2) / 2, 3)
    overruns: list[str] = []
    for stall, repeats, tag in ((sizes.stall, 1, ""), (edge, 3, ", the last back-off ending on the deadline")):
        label = f"3 stalls of {stall:g} s, each dropped and retried{tag}"
        say(f"deadline: {label}, with ({repeats}x) and without a deadline")
        results: dict[str, list] = {"with": [], "without": []}
        for key, seconds, times in (("with", limit, repeats), ("without", 3600.0, 1)):  # 3600 s: no deadline
            for _ in range(times):
                job = emu.add_job(USER, ["LightCurve"])
                req = XRTProductRequest.from_job(USER, job, ["LightCurve"], base_url=emu.base_url, deadline=seconds)
                emu.inject("cancel", "stall", count=3, seconds=stall)
                sent0 = emu.request_count("cancel")
                (ok, per), took = timed(req.cancelProducts)
                req.close()
                emu.clear_faults()
                time.sleep(stall)  # let a stall the client gave up on end before the next run
                results[key].append((took, ok, emu.request_count("cancel") - sent0))
        worst = max(results["with"])
        took, ok, attempts = worst
        if took > limit + 0.5:
            overruns.append(f"{label}: {took:.2f} s")
        each = ", ".join(f"{r[0]:.2f}" for r in results["with"])
        runs = "" if repeats == 1 else f"worst of {repeats} runs ({each} s); "
        rows.append(
            Row(
                f"cancelProducts, {label}",
                took,
                "s",
                f"deadline {limit:g} s, {ms(took - limit):+.0f} ms; {runs}ok={ok}, {attempts} attempts; "
                f"without a deadline: {results['without'][0][0]:.2f} s measured "
                f"({results['without'][0][2]} attempts)",
            )
        )

    # Nine panels, eight of them on a stuck server.
    say("deadline: nine panels, eight stuck")
    with Emulator(manual_clock=True) as stuck:
        panels = []
        for server in (stuck,) * 8 + (emu,):
            job = server.add_job(USER, ["LightCurve"])
            req = XRTProductRequest.from_job(USER, job, ["LightCurve"], base_url=server.base_url, deadline=limit)
            panels.append(CancelPanel(req, confirm=False, deadline=limit))
        stuck.inject("cancel", "drip", count=8, part="headers", interval=0.5, seconds=limit * 3)
        started = time.perf_counter()
        stuck_futures = [p.cancel(["LightCurve"]) for p in panels[:8]]
        time.sleep(0.3)  # the eight are waiting on the stuck server
        ninth_start = time.perf_counter()
        panels[8].cancel(["LightCurve"]).result(timeout=limit * 4)
        ninth = time.perf_counter() - ninth_start
        ninth_ok = panels[8].result[0] if panels[8].result else None
        pending_then = sum(not f.done() for f in stuck_futures)
        for f in stuck_futures:
            f.result(timeout=limit * 4)
        eight_end = time.perf_counter() - started
        errors = sum("deadline" in p.error for p in panels[:8])
        for p in panels:
            p.close()
            p.request.close()
    rows.append(
        Row(
            "9th panel's cancel while 8 panels wait on a stuck server",
            ms(ninth),
            "ms",
            f"ok={ninth_ok}; {pending_then}/8 still waiting then; the 8 ended after {eight_end:.2f} s "
            f"(deadline {limit:g} s), {errors}/8 saying deadline",
        )
    )
    table.notes.append(
        f"section 3: the emulator drips a valid reply; a server that keeps each byte under the read "
        f"timeout holds a call as long as it likes unless a total deadline stops it. A panel caps its "
        f"requests at its own deadline (here {limit:g} s too) and runs each action in its own thread"
    )
    if overruns:
        table.notes.append(
            "section 3: a call outlived its deadline (" + "; ".join(overruns) + "): when urllib3's "
            "back-off, capped at the time left, ends on the deadline, the next attempt still starts; "
            "its connection joins a deadline that has passed (or passes) before it has a socket to shut down, so "
            "it waits for the server or its read timeout (capped at the deadline)"
        )


# -- 4. memory ------------------------------------------------------------------------------------

MEMORY_CHILD = r"""
import gc, json, sys, time, tracemalloc
args = json.loads(sys.argv[1])

def status():
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux 4.0+)
        return True
    except OSError:
        return False

from xrt_widgets.client import Transport
transport = Transport(args["base_url"])
body = {"UserID": args["user"]}
transport.post("list", body)  # warm: the connection, the code paths, json
gc.collect()
reset = reset_peak()
before = status()
start = time.perf_counter()
try:
    transport.post("count", body)
    outcome = "accepted"
except Exception as exc:
    outcome = type(exc).__name__ + ": " + str(exc)
wall = time.perf_counter() - start
after = status()
gc.collect()
tracemalloc.start()
try:
    transport.post("count", body)
except Exception:
    pass
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"reset": reset, "before": before, "after": after, "wall": wall, "traced": traced,
                  "outcome": outcome}))
"""


def hostile_error_page() -> str:
    """The 1.4 MB page of the hardening tests: never-closed heads and scripts, then many small tags."""
    return "<html><head>" * 50_000 + "<script>" * 50_000 + "<p>x</p>" * 50_000


def bench_memory(table: Table, sizes: Sizes, emu) -> None:
    import xrt_widgets
    from xrt_widgets.client import MAX_REPLY_BYTES
    from xrt_widgets.emulator.server import gzip_bomb

    say(f"memory: building a gzip bomb of {sizes.bomb >> 20} MiB (once, outside any timing)")
    bomb = gzip_bomb(sizes.bomb)
    page = hostile_error_page()
    cap = MAX_REPLY_BYTES / MB
    cases = [
        (
            f"gzip bomb: {len(bomb) / KB:.0f} KiB inflating to {sizes.bomb / MB:.0f} MiB",
            "gzip_bomb",
            dict(size=sizes.bomb),
        ),
        ("endless chunked body (64 KiB pieces, no pause)", "endless", {}),
        (f"hostile error page, HTTP 500, {len(page) / 1e6:.1f} MB", "status", dict(status=500, body=page)),
        ("a normal reply (for comparison)", None, {}),
    ]
    rows = table.section(f"4. memory of one call in a fresh interpreter, vs the {cap:g} MiB reading cap")
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(xrt_widgets.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    reset_everywhere = True
    for label, kind, params in cases:
        say(f"memory: {label}")
        if kind is not None:
            emu.inject("count", kind, count=2, **params)
        child_args = json.dumps({"base_url": emu.base_url, "user": USER})
        proc = subprocess.run(
            [sys.executable, "-c", MEMORY_CHILD, child_args], capture_output=True, text=True, env=env, timeout=300
        )
        emu.clear_faults()
        if proc.returncode != 0:
            rows.append(Row(label, "failed", "", short(proc.stderr.strip().splitlines()[-1:] or "?", 100)))
            continue
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        reset_everywhere &= got["reset"]
        base = got["before"]["VmRSS"] if got["reset"] else got["before"]["VmHWM"]
        growth = (got["after"]["VmHWM"] - base) / 1024
        traced = got["traced"] / MB
        outcome = got["outcome"]
        if "larger than any valid reply" in outcome:
            outcome = "ReplyError: larger than any valid reply"
        elif outcome != "accepted":
            name, _, message = outcome.partition(": ")
            outcome = f"{name}, a message of {len(message)} characters"
        rows.append(
            Row(
                f"{label}: peak RSS growth",
                growth,
                "MiB",
                f"{growth / cap:.2f} x cap; call took {ms(got['wall']):.0f} ms; {outcome}",
            )
        )
        rows.append(Row(f"{label}: peak traced memory", traced, "MiB", f"{traced / cap:.2f} x cap (tracemalloc)"))
    table.notes.append(
        "section 4: peak RSS growth is VmHWM after the call minus VmRSS before it, with the "
        "high-water mark reset just before (/proc/self/clear_refs), in a fresh interpreter whose "
        "transport made one normal call first; the emulator runs in this process, not the child's"
        + (
            ""
            if reset_everywhere
            else "; WARNING: the mark could not be reset here, so the figure is VmHWM growth only, a lower bound"
        )
    )


# -- 5. text --------------------------------------------------------------------------------------


def repeated(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def progress_shapes(size: int) -> dict[str, Callable[[int], Any]]:
    """Hostile progress objects of about ``size`` bytes once encoded as JSON (sizes are the argument)."""

    def nested(n: int) -> dict:
        depth = n // 52  # '{"StepLabel": "level", "StepStatus": 2, "SubStep": [' ... ']}'
        step: dict = {"StepLabel": "leaf", "StepStatus": 1}
        for _ in range(depth):
            step = {"StepLabel": "level", "StepStatus": 2, "SubStep": [step]}
        return {"GotProgress": 1, "ProgressSteps": [step]}

    def flat(n: int) -> dict:
        return {
            "GotProgress": 1,
            "ProgressSteps": [{"StepLabel": "step label", "StepStatus": i % 3} for i in range(n // 45)],
        }

    def labels(n: int) -> dict:
        label, extra = "<em>" * (n // 16), "x" * (n // 2)
        return {
            "GotProgress": 1,
            "PreProgress": label,
            "TimeRunning": "1s",
            "ProgressSteps": [
                {
                    "StepLabel": label,
                    "StepStatus": 1,
                    "StepExtra": extra,
                    "SubStep": [{"StepLabel": label, "StepStatus": 2}],
                }
            ],
        }

    def lists(n: int) -> dict:
        one = {"StepLabel": "a", "SubStep": [{"StepLabel": "b", "SubStep": [{"StepLabel": "c"}]}] * 4}
        return {"GotProgress": 1, "ProgressSteps": [one] * (n // 230)}

    return {"steps nested deep": nested, "flat steps": flat, "huge labels": labels, "shared nested lists": lists}


def text_cases() -> dict[str, dict[str, Callable[[int], Any]]]:
    return {
        "render_progress": {
            "unclosed opens": lambda n: repeated("<em>x", n),
            "opens then as many closes": lambda n: "<em>" * (n // 9) + "</em>" * (n // 9),
            "alternating opens": lambda n: repeated("<em><strong><code>", n),
            "closes under a deeper open": lambda n: repeated("<em><strong></em>", n),
            "closes with no open": lambda n: repeated("</code>", n),
            "tags and quotes": lambda n: repeated("<em>'\"<strong>&<</code>>", n),
        },
        "html_to_text": {
            "<head never closed": lambda n: repeated("<head>", n),
            "<script never ended": lambda n: repeated("<script x", n),
            "</script without its >": lambda n: "<script>" + repeated("</script ", n - 8),
            "< without >": lambda n: repeated("<a", n),
            "many closed elements": lambda n: repeated("<style>p{}</style ><b>x</b>", n),
            "text and tags": lambda n: repeated("Fatal <b>error</b> &amp; more ", n),
        },
        "strip_tags": {
            "< without >": lambda n: repeated("<a", n),
            "only <": lambda n: repeated("<", n),
            "tags": lambda n: repeated("<b>x</b>", n),
            "<>": lambda n: repeated("<>y", n),
        },
    }


def bench_text(table: Table, sizes: Sizes, emu) -> None:
    from xrt_widgets import markup
    from xrt_widgets.client import Transport
    from xrt_widgets.markup import html_to_text, render_progress, strip_tags
    from xrt_widgets.request import build_progress_text

    size, small = sizes.text, sizes.text // 4
    rows = table.section(
        f"5. text functions on {size_text(size)} hostile inputs: the worst of a few shapes, best of 3 runs each"
    )
    cases = text_cases()
    runs: list[tuple[str, Callable[[Any], Any], dict]] = [
        ("render_progress", render_progress, cases["render_progress"]),
        ("html_to_text (reads a 16 KiB prefix)", html_to_text, cases["html_to_text"]),
        ("html_to_text scanning the whole input", html_to_text, cases["html_to_text"]),
        ("strip_tags", strip_tags, cases["strip_tags"]),
        ("build_progress_text", build_progress_text, progress_shapes(size)),
    ]
    real_prefix = markup.PAGE_PREFIX
    for label, func, shapes in runs:
        say(f"text: {label}, {len(shapes)} shapes")
        whole = "whole" in label
        if whole:
            markup.PAGE_PREFIX = 64 * MB  # as the tests do: the scan alone, without the prefix that bounds it
        try:
            worst = ("", 0.0, 0.0)
            for shape, make in shapes.items():
                large_input, small_input = make(size), make(small)
                large_t = best_time(partial(func, large_input))
                if large_t >= worst[1]:
                    small_t = best_time(partial(func, small_input))
                    worst = (shape, large_t, small_t)
        finally:
            markup.PAGE_PREFIX = real_prefix
        shape, large_t, small_t = worst
        ratio = large_t / small_t if small_t else float("nan")
        rows.append(
            Row(
                f"{label}",
                ms(large_t),
                "ms",
                f"worst of {len(shapes)}: {shape!r}; x{ratio:.1f} from {size_text(small)} (linear: 4)",
            )
        )

    say("text: hostile error pages through the transport")
    transport = Transport(emu.base_url)
    pages = dict(cases["html_to_text"])
    pages["the hardening tests' page, cut to size"] = lambda n: hostile_error_page()[:n]
    worst = ("", 0.0, 0)
    for shape, make in pages.items():
        page = make(size)
        best = float("inf")
        message = ""
        for _ in range(3):
            emu.inject("count", "status", status=500, body=page)
            start = time.perf_counter()
            try:
                transport.post("count", {"UserID": USER})
            except Exception as exc:
                message = str(exc)
            best = min(best, time.perf_counter() - start)
        if best >= worst[1]:
            worst = (shape, best, len(message))
    transport.close()
    rows.append(
        Row(
            f"transport.post on a {size_text(size)} hostile error page, HTTP 500",
            ms(worst[1]),
            "ms",
            f"worst of {len(pages)}: {worst[0]!r}; message {worst[2]} characters",
        )
    )


# -- 6. listings ----------------------------------------------------------------------------------


def listing_entries(n: int, hostile: bool) -> list:
    from xrt_widgets.protocol import LISTING_PRODUCTS

    out: list = []
    for i in range(n):
        e = {"JobID": 100_000 + i, "Name": f"job {i}", "DateSubmitted": "2024-05-01 12:00:00", "hasProd": True}
        e.update({name: (i + k) % 3 == 0 for k, name in enumerate(LISTING_PRODUCTS)})
        if hostile:
            kind = i % 5
            if kind == 0:
                e = {**e, "JobID": str(100_000 + i % 50), **dict.fromkeys(LISTING_PRODUCTS, "true")}  # PHP, repeats
            elif kind == 1:
                e = {**e, "JobID": "9" * 5000}
            elif kind == 2:
                e = "x" * 10_000
            elif kind == 3:
                e = {**e, "LightCurve": "yes", "Name": ["x"] * 100}
        out.append(e)
    return out


def board_reload(emu, n_jobs: int) -> tuple[float, float, int, float]:
    """(worst wait for board._lock, reload time, rows, close time) of a board listing ``n_jobs`` jobs."""
    from xrt_widgets import JobBoard

    user = f"{n_jobs}-{BOARD_USER}"
    for i in range(n_jobs):
        emu.add_job(user, ["LightCurve", "Spectrum"], name=f"job {i}")
    board = JobBoard(user, base_url=emu.base_url, load=False, confirm=False, timeout=(5.0, 120.0), deadline=600)
    start = time.perf_counter()
    pending = board.reload()
    worst = 0.0
    while not pending.done():
        tick = time.perf_counter()
        with board._lock:
            pass
        worst = max(worst, time.perf_counter() - tick)
        time.sleep(0.002)
    pending.result()
    took = time.perf_counter() - start
    rows = len(board.entries)
    closed_start = time.perf_counter()
    board.close()
    gc.collect()
    return worst, took, rows, time.perf_counter() - closed_start


def bench_listing(table: Table, sizes: Sizes, emu) -> None:
    from xrt_widgets.protocol import parse_listing

    rows = table.section("6. listings: parse_listing, and a JobBoard applying a listing from the emulator")
    for hostile in (False, True):
        jobs = listing_entries(sizes.listing, hostile)
        label = "hostile (PHP flags, repeats, 5000-digit IDs, 10 kB strings, bad flags)" if hostile else "well-formed"
        say(f"listing: parse_listing of {len(jobs)} {label} entries")
        result = parse_listing(jobs)
        took = best_time(partial(parse_listing, jobs))
        rows.append(
            Row(
                f"parse_listing, {len(jobs)} entries, {label}",
                ms(took),
                "ms",
                f"{len(result.jobs)} kept, {len(result.skipped)} skipped; {took / len(jobs) * 1e6:.1f} µs/entry",
            )
        )
    say(f"listing: a board reloading {sizes.board_jobs} jobs")
    worst, took, n, closed = board_reload(emu, sizes.board_jobs)
    rows.append(
        Row(
            f"board reload, {sizes.board_jobs} jobs: worst wait for board._lock",
            ms(worst),
            "ms",
            "while the reload ran (main thread takes the lock every 2 ms)",
        )
    )
    rows.append(
        Row(
            f"board reload, {sizes.board_jobs} jobs: total reload time",
            took,
            "s",
            f"{n} rows; {took / max(n, 1) * 1e3:.2f} ms/job; board.close() {closed:.2f} s",
        )
    )
    estimate = took * sizes.big_board_jobs / max(sizes.board_jobs, 1)
    if estimate <= sizes.big_board_budget:
        say(f"listing: a board reloading {sizes.big_board_jobs} jobs (about {estimate:.0f} s expected)")
        worst, took, n, closed = board_reload(emu, sizes.big_board_jobs)
        rows.append(
            Row(
                f"board reload, {sizes.big_board_jobs} jobs: worst wait for board._lock",
                ms(worst),
                "ms",
                "while the reload ran",
            )
        )
        rows.append(
            Row(
                f"board reload, {sizes.big_board_jobs} jobs: total reload time",
                took,
                "s",
                f"{n} rows; {took / max(n, 1) * 1e3:.2f} ms/job; board.close() {closed:.2f} s",
            )
        )
    else:
        rows.append(
            Row(
                f"board reload, {sizes.big_board_jobs} jobs: not run",
                "-",
                "",
                f"estimated {estimate:.0f} s from {sizes.board_jobs} jobs, over {sizes.big_board_budget:g} s",
            )
        )
    table.notes.append(
        "section 6: the reload parses the listing and builds the rows' widgets in the board's "
        "worker, off the lock, and swaps them in under it; the emulator (in this process) shares "
        "the interpreter, so its serving the listing is in the reload time"
    )


# -- main -----------------------------------------------------------------------------------------


def machine() -> str:
    import requests
    import urllib3

    return machine_line(f"requests {requests.__version__}", f"urllib3 {urllib3.__version__}", load=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check that the script runs")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()

    from xrt_widgets import Emulator

    guard = NetworkGuard().install()
    table = Table()
    try:
        with Emulator(manual_clock=True) as emu:
            bench_urls(table, sizes, emu, guard)
            bench_proxies(table, sizes, emu, guard)
            bench_deadlines(table, sizes, emu)
            bench_memory(table, sizes, emu)
            bench_text(table, sizes, emu)
            bench_listing(table, sizes, emu)
    finally:
        guard.uninstall()
    outside = list(guard.blocked)
    table.notes.append(
        f"network guard: {len(guard.lookups)} DNS lookups and {len(guard.connects)} connects in "
        f"this process; {len(outside)} refused for not being loopback"
        + (f" ({', '.join(sorted({short(b, 40) for b in outside}))})" if outside else "")
    )
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
