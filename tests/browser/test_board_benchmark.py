"""The board's browser benchmark runs end to end with ``--quick`` and prints every figure (figures not asserted,
except the two the benchmark exists to watch: no IOPub message dropped, and models independent of job count)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "board_browser.py"
pytestmark = [pytest.mark.browser]
#: The table's layout: a label column, then one column per view (board, VBox rows, HTML table).
LABEL, COLUMN = 40, 14


@pytest.mark.timeout(300)
def test_board_browser_benchmark_runs_quick():
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=290, cwd=SCRIPT.parent.parent
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = proc.stdout
    lines = out.splitlines()
    assert lines[0].startswith("machine: nproc=") and "Chromium" in lines[0] and "jupyterlab" in lines[0]
    assert "stock settings" in lines[1]
    for header in ("measure (one run)", "board", "VBox rows", "HTML table"):
        assert header in lines[2], header
    rows = (
        "runs with every row shown",
        "render, run-cell to rows shown",
        "widget models created (kernel)",
        "widget models opened (page, comm_open)",
        "update messages received (comm_msg)",
        "comm bytes over the WebSocket",
        "JS heap growth (after GC)",
        "click Refresh to rows updated",
        "status requests, first refresh",
        "status requests, second refresh",
        "click Older to page 2 shown",
        'IOPub "rate exceeded" lines (sum)',
    )
    for size in ("50", "1,000"):
        start = lines.index(f"[{size} jobs, 3 products each, 3 running]")
        block = lines[start + 1 : start + 1 + len(rows)]
        for row, line in zip(rows, block, strict=True):
            assert line.strip().startswith(row), (row, line)
            board = line[LABEL : LABEL + COLUMN].strip()
            assert board and board != "—", (size, line)  # the board has every figure
        assert block[0][LABEL:].split() == ["1/1", "—" if size == "1,000" else "1/1", "1/1"], block[0]
        assert re.fullmatch(r"[\d.]+ m?s", block[1][LABEL + 2 * COLUMN :].strip()), block[1]  # the table rendered
        assert block[-1][LABEL : LABEL + COLUMN].strip() == "0", block[-1]  # no IOPub drop for the board
    assert re.search(r"^render of 1,000 jobs: board [\d.]+ m?s, HTML table [\d.]+ m?s, ratio [\d.]+x", out, re.M)
    assert re.search(
        r"^board's widget models by job count: 50: (\d+) \(page \1\), 1,000: \1 \(page \1\) "
        r"\(target: independent of the job count\): met$",
        out,
        re.M,
    ), out
    assert re.search(r"^first refresh of 1,000 jobs with 3 active: \d+ status requests", out, re.M)
    assert 'IOPub "rate exceeded" lines in the server log during the board\'s cases: 0 (target: 0)' in out
    assert re.search(r"^wall time: \d+ s$", out, re.M)
