"""The benchmark script runs end to end on a tiny size (its figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.mark.timeout(240)
def test_benchmark_script_runs_quick():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=230,
                          cwd=SCRIPT.parent.parent)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = proc.stdout
    assert out.startswith("machine: nproc=")
    for header in ("benchmark", "ours", "swifttools", "unit", "ours/swifttools"):
        assert header in out.splitlines()[2]
    for section in ("[1. import in a fresh interpreter", "[2. cancelProducts('all') on a 7-product job",
                    "[3. CancelPanel on a 7-product job", "[4. status requests per refresh",
                    "[5. cancel across 6 jobs"):
        assert section in out
    for row in ("import xrt_widgets: import time", "import xrt_widgets.client: peak RSS",
                "cancel latency, no added delay", "cancel latency, +20 ms/reply",
                "TCP connections opened per call", "panel's own cost", "widget models created by CancelPanel",
                "status requests per refresh, all finished", "sequential loop of cancelProducts",
                "ThreadPoolExecutor(4) over our cancelProducts", "lower bound, pool of 4", "wall time:"):
        assert row in out, row
