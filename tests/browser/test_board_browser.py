"""The job board in JupyterLab 4 with stock settings: paging, filters, selection across pages, bulk cancel, and
a board of 5,000 jobs.

Each test writes its notebook into a temporary root: an :class:`~xrt_widgets.Emulator` with manual clock in the
kernel holds the user's jobs (three products each), and ``board = JobBoard(USER, base_url=emu.base_url)`` is
shown. The Jupyter server runs with its default settings (the IOPub rate limits are not lifted, as users run
it), and every test ends by checking that its log never says "IOPub message rate exceeded". The page clicks
like a person; the kernel is asked directly (``kernel(page, code)``) only to read or move the emulator and
the board's Python state.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from playwright.sync_api import expect

from xrt_widgets import codes

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

BOARD = ".xrtw-board"
ROWS = f"{BOARD} .xrtw-job"
RATE_EXCEEDED = "IOPub message rate exceeded"

#: 60 jobs (three pages of 25), newest first: positions 3, 30 and 55 still have LightCurve running (pages 1, 2
#: and 3); the others finished long ago. The job at position 12 is named "GRB 221009A".
SIXTY = """
import json
from xrt_widgets import Emulator, JobBoard
USER = "board-browser@example.org"
N = 60
emu = Emulator(manual_clock=True).start()
ids = [emu.add_job(USER, ["LightCurve", "Spectrum", "Image"], age=3600.0 * (N - i),
                   name="GRB 221009A" if i == N - 1 - 12 else f"Target {i:03d}") for i in range(N)]
newest = ids[::-1]
RUNNING = [newest[k] for k in (3, 30, 55)]
for job in RUNNING:
    emu.set_status(job, "LightCurve", 3)
board = JobBoard(USER, base_url=emu.base_url)
board"""

#: 5,000 jobs submitted in the last five minutes: LightCurve and Spectrum of every one still running (Image is
#: complete after 8 s).
FIVE_THOUSAND = """
import json
from xrt_widgets import Emulator, JobBoard
USER = "board-browser@example.org"
N = 5000
emu = Emulator(manual_clock=True).start()
ids = [emu.add_job(USER, ["LightCurve", "Spectrum", "Image"], name=f"Target {i:04d}", age=30 + 0.05 * (N - i))
       for i in range(N)]
newest = ids[::-1]
board = JobBoard(USER, base_url=emu.base_url)
board"""

#: Runs code in the notebook's kernel (no cell); resolves to its status and what it printed.
EXECUTE_JS = """async code => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const future = kernel.requestExecute({code, store_history: false});
    let out = '';
    future.onIOPub = msg => {
        if (msg.header.msg_type === 'stream') out += msg.content.text;
        if (msg.header.msg_type === 'error') out += msg.content.ename + ': ' + msg.content.evalue;
    };
    const reply = await future.done;
    return {status: reply.content.status, out};
}"""

ROW_IDS_JS = """sel => [...document.querySelectorAll(sel)].map(
    r => +[...r.classList].find(c => /^xrtw-job-\\d+$/.test(c)).slice('xrtw-job-'.length))"""


TICKED_JS = """sel => [...document.querySelectorAll(sel)]
    .filter(r => r.querySelector("input[type='checkbox']").checked)
    .map(r => +[...r.classList].find(c => /^xrtw-job-\\d+$/.test(c)).slice('xrtw-job-'.length))"""


def kernel(page, code: str):
    """Run ``code`` in the kernel; return what it prints, parsed as JSON when it is."""
    reply = page.evaluate(EXECUTE_JS, code)
    assert reply["status"] == "ok", reply["out"]
    text = reply["out"].strip()
    try:
        return json.loads(text)
    except ValueError:
        return text


def open_board(page, lab_server, open_lab_notebook, tmp_path: Path, source: str, *, rows: int) -> tuple:
    """Serve a notebook of ``source`` with stock settings, run it, wait for the board's first page."""
    root = tmp_path / "board"
    root.mkdir()
    nb = new_notebook(
        cells=[new_code_cell(source)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(nb, root / "board.ipynb")
    lab = lab_server(root_dir=root)
    open_lab_notebook(page, lab, "board.ipynb")
    expect(page.locator(ROWS)).to_have_count(rows, timeout=60_000)
    kernel(page, "board.last_action.result(timeout=60)")  # the listing and the count are in
    return lab, kernel(page, "print(json.dumps(newest))")


def row_ids(page) -> list[int]:
    return page.evaluate(ROW_IDS_JS, ROWS)


def wait_rows(page, ids: list[int]) -> None:
    """Wait until the page shows exactly the jobs ``ids``, in this order, each with its own summary."""
    try:
        page.wait_for_function(
            """([sel, ids]) => { const rows = [...document.querySelectorAll(sel)];
                return rows.length === ids.length && rows.every((r, i) => r.classList.contains('xrtw-job-' + ids[i])
                    && r.querySelector('.xrtw-job-summary').textContent.includes('job ' + ids[i])); }""",
            arg=[ROWS, ids],
            timeout=30_000,
        )
    except Exception:
        assert row_ids(page) == ids  # says what was shown instead
        raise


def wait_every_row(page, ids: list[int], *, status: str = "", contains: tuple = (), lacks: tuple = ()) -> None:
    """Wait until the row of each job in ``ids`` is shown with class ``xrtw-status-<status>`` (if given), every
    text of ``contains`` and none of ``lacks`` (one check in the page for all rows, each animation frame)."""
    check = """([sel, ids, cls, contains, lacks]) => ids.map(id => {
        const r = document.querySelector(sel + '.xrtw-job-' + id);
        if (!r) return id + ': not shown';
        const text = r.textContent;
        if (cls && !r.classList.contains(cls)) return id + ': ' + r.className;
        const missing = contains.filter(t => !text.includes(t)), extra = lacks.filter(t => text.includes(t));
        return missing.length || extra.length ? id + ': ' + text : '';
    }).filter(Boolean)"""
    arg = [ROWS, ids, f"xrtw-status-{status}" if status else "", list(contains), list(lacks)]
    try:
        page.wait_for_function(f"arg => ({check})(arg).length === 0", arg=arg, timeout=30_000, polling="raf")
    except Exception:
        assert page.evaluate(check, arg) == []  # says which rows are not as expected
        raise


def ticked_ids(page) -> list[int]:
    """The jobs whose tick box is checked on the page shown."""
    return page.evaluate(TICKED_JS, ROWS)


def wait_ticked(page, ids: list[int]) -> None:
    """Wait until exactly the jobs ``ids`` are ticked on the page shown."""
    try:
        page.wait_for_function(
            f"([sel, ids]) => JSON.stringify(({TICKED_JS})(sel)) === JSON.stringify(ids)",
            arg=[ROWS, ids],
            timeout=30_000,
        )
    except Exception:
        assert ticked_ids(page) == ids
        raise


def job_row(page, job: int):
    return page.locator(f"{BOARD} .xrtw-job-{job}")


def tick_box(page, job: int):
    return job_row(page, job).locator("input[type='checkbox']")


def click(page, name: str) -> None:
    page.locator(f"{BOARD} button.xrtw-board-{name}").click()


def refresh_and_wait(page) -> None:
    """Click Refresh and wait until the board's refresh has finished in the kernel."""
    click(page, "refresh")
    page.wait_for_timeout(100)
    kernel(page, "board.last_action.result(timeout=60)")


def no_rate_exceeded(lab) -> None:
    log = lab.log.read_text(errors="replace")
    assert RATE_EXCEEDED not in log, [line for line in log.splitlines() if RATE_EXCEEDED in line][:3]


def shot(page, locator, path: Path) -> None:
    """A screenshot of the page with ``locator`` scrolled into view (the board is taller than the window, and an
    element screenshot inside Lab's scrolled notebook comes out garbled)."""
    locator.scroll_into_view_if_needed()
    page.screenshot(path=str(path))


def rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


def background(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e).backgroundColor")


def test_paging_then_filters(page, lab_server, open_lab_notebook, tmp_path, artifacts_dir):
    """Newer/Older and the page label; then "unfinished only", "cancellable only", the text filter by name and by
    JobID; then the page size. One Lab server for all of it (each server costs seconds)."""
    lab, newest = open_board(page, lab_server, open_lab_notebook, tmp_path, SIXTY, rows=25)
    label = page.locator(f"{BOARD} .xrtw-page-label")
    newer, older = (page.locator(f"{BOARD} button.xrtw-board-{n}") for n in ("prev", "next"))
    expect(label).to_contain_text("Jobs 1-25 of 60 · page 1 of 3")
    wait_rows(page, newest[:25])
    expect(newer).to_be_disabled()
    # never asked: every product of every row says so, none is shown finished
    wait_every_row(page, newest[:25], status="not-checked", contains=("not asked",))
    summaries = page.evaluate(
        "sel => [...document.querySelectorAll(sel)].map(e => e.textContent)", f"{ROWS} .xrtw-job-summary"
    )
    assert [text.count("not asked") for text in summaries] == [3] * 25, summaries[:2]

    older.click()
    expect(label).to_contain_text("Jobs 26-50 of 60 · page 2 of 3")
    wait_rows(page, newest[25:50])
    expect(newer).to_be_enabled()
    older.click()
    expect(label).to_contain_text("Jobs 51-60 of 60 · page 3 of 3")
    wait_rows(page, newest[50:])
    expect(older).to_be_disabled()
    assert kernel(page, "print(json.dumps([board.page, board.page_jobs()]))") == [2, newest[50:]]
    newer.click()
    expect(label).to_contain_text("Jobs 26-50 of 60 · page 2 of 3")
    wait_rows(page, newest[25:50])
    newer.click()
    wait_rows(page, newest[:25])

    # filters. The first refresh asks the page, then looks further until the active count (3) is found.
    running = [newest[k] for k in (3, 30, 55)]
    refresh_and_wait(page)
    wait_every_row(page, [running[0]], status="running", contains=("Running",), lacks=("not asked",))
    wait_every_row(page, [j for j in newest[:25] if j != running[0]], status="complete", lacks=("not asked",))
    unfinished = page.locator(f"{BOARD} .xrtw-filter-unfinished input[type='checkbox']")
    unfinished.check()
    expect(label).to_contain_text("Jobs 1-3 of 3 shown (of 60 listed)")
    wait_rows(page, running)
    wait_every_row(page, running, status="running", contains=("Running",))
    assert kernel(page, "print(json.dumps([board.only_unfinished, board.page_jobs()]))") == [True, running]
    unfinished.uncheck()
    expect(label).to_contain_text("Jobs 1-25 of 60 · page 1 of 3")
    wait_rows(page, newest[:25])
    # the line about active jobs elsewhere, and its button
    elsewhere = page.locator(f"{BOARD} .xrtw-board-elsewhere")
    expect(elsewhere).to_contain_text("2 active jobs on other pages")
    elsewhere.locator("button.xrtw-board-show-active").click()
    wait_rows(page, running)
    expect(unfinished).to_be_checked()
    unfinished.uncheck()
    wait_rows(page, newest[:25])
    cancellable = page.locator(f"{BOARD} .xrtw-filter-cancellable input[type='checkbox']")
    cancellable.check()
    wait_rows(page, running)
    cancellable.uncheck()
    wait_rows(page, newest[:25])

    text = page.locator(f"{BOARD} .xrtw-filter-text input")
    text.fill("grb 221009")  # any case; applied on Enter
    page.wait_for_timeout(300)
    wait_rows(page, newest[:25])
    text.press("Enter")
    expect(label).to_contain_text("Jobs 1-1 of 1 shown (of 60 listed)")
    wait_rows(page, [newest[12]])
    expect(job_row(page, newest[12])).to_contain_text("GRB 221009A")
    second_page_job = newest[40]  # a JobID that is on the second page without the filter
    text.fill(str(second_page_job))
    text.press("Enter")
    wait_rows(page, [second_page_job])
    assert kernel(page, "print(json.dumps([board.text_filter, board.page_jobs()]))") == [
        str(second_page_job),
        [second_page_job],
    ]
    shot(page, job_row(page, second_page_job), artifacts_dir / "board-paging-filters.png")
    text.fill("")
    text.press("Enter")
    expect(label).to_contain_text("Jobs 1-25 of 60 · page 1 of 3")
    wait_rows(page, newest[:25])

    # 50 a page, from the second page: the first job shown (the 26th) stays on the page, now the first of two
    older.click()
    wait_rows(page, newest[25:50])
    page.locator(f"{BOARD} .xrtw-page-size select").select_option("50")
    expect(label).to_contain_text("Jobs 1-50 of 60 · page 1 of 2")
    wait_rows(page, newest[:50])
    older.click()
    expect(label).to_contain_text("Jobs 51-60 of 60 · page 2 of 2")
    wait_rows(page, newest[50:])
    assert kernel(page, "print(json.dumps([board.page, board.page_size]))") == [1, 50]
    no_rate_exceeded(lab)


def test_ticks_across_pages_then_bulk_cancel_on_two_pages(page, lab_server, open_lab_notebook, tmp_path, artifacts_dir):
    """Ticks survive page changes; "Select unfinished" ticks on every page; a bulk cancel of jobs on two pages
    names them, turns each row to the cancelled colour, and the emulator says -4."""
    lab, newest = open_board(page, lab_server, open_lab_notebook, tmp_path, SIXTY, rows=25)
    label = page.locator(f"{BOARD} .xrtw-page-label")
    first, second = [newest[1], newest[7]], [newest[33]]
    for job in first:
        tick_box(page, job).check()
    click(page, "next")
    wait_rows(page, newest[25:50])
    wait_ticked(page, [])  # the reused rows did not keep page 1's ticks
    tick_box(page, second[0]).check()
    expect(label).to_contain_text("3 jobs ticked")
    click(page, "prev")
    wait_rows(page, newest[:25])
    wait_ticked(page, first)
    assert kernel(page, "print(json.dumps(board.selected_jobs))") == first + second
    click(page, "select-none")
    wait_ticked(page, [])
    assert kernel(page, "print(json.dumps(board.selected_jobs))") == []

    # once a refresh has found the three running jobs, "Select unfinished" ticks them on every page
    refresh_and_wait(page)
    on_first, on_second, left = running = [newest[k] for k in (3, 30, 55)]
    click(page, "select-unfinished")
    expect(label).to_contain_text("3 jobs ticked")
    wait_ticked(page, [on_first])
    for page_index, job in ((1, on_second), (2, left)):
        click(page, "next")
        expect(label).to_contain_text(f"page {page_index + 1} of 3")
        wait_ticked(page, [job])
    assert kernel(page, "print(json.dumps(board.selected_jobs))") == running

    # bulk cancel of the two jobs ticked on pages 1 and 2
    tick_box(page, left).uncheck()
    expect(label).to_contain_text("2 jobs ticked")
    click(page, "cancel")
    bar = page.locator(f"{BOARD} .xrtw-board-confirm-bar")
    expect(bar).to_be_visible()
    # the confirmation names both jobs (name and JobID) and the product it would cancel in each
    expect(bar).to_contain_text("Cancel 2 products in 2 jobs?")
    for job in (on_first, on_second):
        name = kernel(page, f"print(board.entries[{job}].info['Name'])")
        expect(bar).to_contain_text(f"{name} ({job}): LightCurve")
    page.locator(f"{BOARD} button.xrtw-board-confirm").click()
    expect(page.locator(f"{BOARD} .xrtw-board-summary")).to_contain_text("2 of 2 jobs fully cancelled", timeout=30_000)
    cancelled = rgb(codes.CANCEL_RESULT[1].colour)
    assert cancelled == rgb(codes.CANCEL_CODE[0].colour)  # the colour of a cancelled product
    wait_every_row(page, [left], status="running", contains=("Running",))  # not ticked: not cancelled
    assert background(job_row(page, left)) != cancelled
    for job, button in ((on_second, "prev"), (on_first, "prev")):
        click(page, button)
        wait_every_row(page, [job], status="ok", contains=("Cancelled",))
        assert background(job_row(page, job)) == cancelled
        if job == on_second:
            shot(page, job_row(page, job), artifacts_dir / "board-selection-bulk-cancel.png")
    assert background(job_row(page, newest[0])) != cancelled
    assert kernel(
        page,
        f"print(json.dumps([emu.status(j, 'LightCurve') for j in ({on_first}, {on_second}, {left})]"
        f" + [emu.request_count('cancel')]))",
    ) == [-4, -4, 3, 2]

    # a tick made on the old page, that reaches the kernel after the page changed, never lands on the job the
    # reused row shows next (the row's tick box is a new one: the old one is closed and its message dropped)
    assert kernel(page, "board.select_none(); print(json.dumps([board.page, board.selected_jobs]))") == [0, []]
    page.evaluate(
        """job => { document.querySelector('.xrtw-board button.xrtw-board-next').click();
        document.querySelector(`.xrtw-board .xrtw-job-${job} input[type='checkbox']`).click(); }""",
        newest[0],
    )
    wait_rows(page, newest[25:50])
    selected = kernel(page, "print(json.dumps(board.selected_jobs))")
    assert newest[25] not in selected and selected in ([], [newest[0]]), selected
    wait_ticked(page, [])  # nothing on page 2 shows a tick
    no_rate_exceeded(lab)


@pytest.mark.timeout(240)
def test_five_thousand_jobs_every_row_of_the_page_shows_its_status(
    page, lab_server, open_lab_notebook, tmp_path, artifacts_dir
):
    lab, newest = open_board(page, lab_server, open_lab_notebook, tmp_path, FIVE_THOUSAND, rows=25)
    assert len(newest) == 5000
    expect(page.locator(f"{BOARD} .xrtw-page-label")).to_contain_text("Jobs 1-25 of 5000 · page 1 of 200")
    wait_rows(page, newest[:25])
    refresh_and_wait(page)
    wait_every_row(page, newest[:25], status="running", contains=("LightCurve", "Running"), lacks=("not asked",))
    # every job finishes; one refresh updates every visible row
    kernel(page, "emu.advance(10_000)")
    refresh_and_wait(page)
    wait_every_row(page, newest[:25], status="complete", contains=("Complete",), lacks=("Running", "not asked"))
    shown = page.evaluate(
        """sel => [...document.querySelectorAll(sel)].map(r => r.textContent)""", f"{ROWS} .xrtw-job-summary"
    )
    assert len(shown) == 25 and all(text.count("Complete") == 3 for text in shown), shown[:3]
    shot(page, page.locator(f"{BOARD} .xrtw-page-label"), artifacts_dir / "board-5000-jobs.png")
    no_rate_exceeded(lab)
