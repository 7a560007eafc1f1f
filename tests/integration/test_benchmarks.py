"""The benchmark script runs end to end on a tiny size (its figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


@pytest.mark.timeout(240)
def test_benchmark_script_runs_quick():
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=230, cwd=SCRIPT.parent.parent
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = proc.stdout
    assert out.startswith("machine: nproc=")
    for header in ("benchmark", "ours", "swifttools", "unit", "ours/swifttools"):
        assert header in out.splitlines()[2]
    for section in (
        "[1. import in a fresh interpreter",
        "[2. cancelProducts('all') on a 7-product job",
        "[3. CancelPanel on a 7-product job",
        "[4. status requests per refresh",
        "[5. cancel across 6 jobs",
    ):
        assert section in out
    for row in (
        "import xrt_widgets: import time",
        "import xrt_widgets.client: peak RSS",
        "cancel latency, no added delay",
        "cancel latency, +20 ms/reply",
        "TCP connections opened per call",
        "panel's own cost",
        "widget models created by CancelPanel",
        "status requests per refresh, all finished",
        "sequential loop of cancelProducts",
        "ThreadPoolExecutor(4) over our cancelProducts",
        "lower bound, pool of 4",
        "wall time:",
    ):
        assert row in out, row


HARDENING = SCRIPT.parent / "hardening.py"


@pytest.mark.timeout(240)
def test_hardening_benchmark_runs_quick():
    proc = subprocess.run(
        [sys.executable, str(HARDENING), "--quick"],
        capture_output=True,
        text=True,
        timeout=230,
        cwd=HARDENING.parent.parent,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = proc.stdout
    assert out.startswith("machine: nproc=")
    for header in ("hostile input", "measured", "unit", "reference"):
        assert header in out.splitlines()[2]
    for section in (
        "[1. URL check",
        "[2. proxy variables",
        "[3. one cancelProducts with deadline=",
        "[4. memory of one call in a fresh interpreter",
        "[5. text functions on",
        "[6. listings: parse_listing",
    ):
        assert section in out, section
    rows = [
        "refuse crafted base URLs: resolve_base_url(url)",
        "refuse crafted base URLs: countActiveJobs",
        "socket connects while refusing them",
        "DNS lookups while refusing them",
        "requests the emulator received meanwhile",
    ]
    for variable in (
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "all six at once",
    ):
        rows += [f"{variable}: loopback cancelProducts", f"{variable}: https://outside.invalid/user_objects"]
    rows += [
        "cancelProducts, drip headers",
        "cancelProducts, drip body",
        "cancelProducts, 100 Continue",
        "cancelProducts, endless chunked body",
        "cancelProducts, 3 stalls of",
        "the last back-off ending on the deadline",
        "9th panel's cancel while 8 panels wait on a stuck server",
    ]
    lines = out.splitlines()
    for case in (
        "gzip bomb:",
        "endless chunked body (64 KiB pieces",
        "hostile error page, HTTP 500",
        "a normal reply (for comparison)",
    ):
        for figure in ("peak RSS growth", "peak traced memory"):
            assert any(line.startswith(case) and figure in line for line in lines), (case, figure)
    rows += [
        "render_progress",
        "html_to_text (reads a 16 KiB prefix)",
        "html_to_text scanning the whole input",
        "strip_tags",
        "build_progress_text",
        "hostile error page, HTTP 500",
        "parse_listing, 500 entries, well-formed",
        "parse_listing, 500 entries, hostile",
        "worst wait for board._lock",
        "total reload time",
        "wall time:",
    ]
    for row in rows:
        assert row in out, row
