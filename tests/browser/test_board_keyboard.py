"""The board from the keyboard alone: tick two jobs, open the confirm bar, step back, confirm; where focus is."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from test_a11y_panel import focused, tab_until, wait_focus

pytestmark = pytest.mark.browser

BOARD = ".xrtw-board"


def test_keyboard_only_bulk_cancel_on_the_board(
    page, start_emulator_server, lab_server, open_lab_notebook, artifacts_dir
):
    base_url = start_emulator_server("--demo")
    lab = lab_server(env={"XRT_WIDGETS_BASE_URL": base_url})
    open_lab_notebook(page, lab, "job_board.ipynb")
    board = page.locator(BOARD).first
    expect(board.locator(".xrtw-job")).to_have_count(3, timeout=60_000)
    live = board.locator(".xrtw-announce")
    steps = []

    # into the rows as Tab from the toolbar above them would arrive
    board.locator(".xrtw-job-1003 input[type='checkbox']").focus()  # the newest job comes first
    page.keyboard.press("Space")
    tab_until(page, r"xrtw-job-tick[^|]*\|.*\bxrtw-job-1002\b")
    page.keyboard.press("Space")
    for job in (1003, 1002):
        expect(board.locator(f".xrtw-job-{job} input[type='checkbox']")).to_be_checked()
    steps.append("ticked jobs 1003 and 1002 with Space")

    board.locator("button.xrtw-board-reload").focus()
    tab_until(page, r"xrtw-board-cancel")
    page.keyboard.press("Enter")
    question = board.locator(".xrtw-board-confirm-bar [role='alert']")
    expect(question).to_contain_text("Cancel 4 products in 2 jobs?")
    expect(question).to_contain_text("(1003)")
    expect(question).to_contain_text("(1002)")
    steps.append("Enter on Cancel selected -> focus on " + wait_focus(page, r"xrtw-board-back"))
    assert page.evaluate("() => document.activeElement.matches(':focus-visible')")

    page.keyboard.press("Enter")  # Back
    expect(board.locator(".xrtw-board-confirm-bar")).to_be_hidden()
    steps.append("Enter on Back -> focus on " + wait_focus(page, r"xrtw-board-cancel"))

    page.keyboard.press("Enter")
    steps.append("Enter on Cancel selected -> focus on " + wait_focus(page, r"xrtw-board-back"))
    page.keyboard.press("Shift+Tab")
    steps.append("Shift+Tab -> focus on " + wait_focus(page, r"xrtw-board-confirm"))
    page.keyboard.press("Enter")
    steps.append("Enter on Confirm -> focus on " + wait_focus(page, r"xrtw-board-summary"))

    # 1002's two products are cancelled; 1003's Image was already complete (the demo's), so that job is partly
    expect(board.locator(".xrtw-job-1002")).to_have_class(re.compile(r"\bxrtw-status-ok\b"))
    expect(board.locator(".xrtw-job-1003")).to_have_class(re.compile(r"\bxrtw-status-partial\b"))
    expect(board.locator(".xrtw-job-1001")).not_to_have_class(re.compile(r"\bxrtw-status-ok\b"))
    expect(live.locator("[role='status'][aria-live='polite']")).to_contain_text("1 of 2 jobs fully cancelled, 1 partly")
    expect(board.locator(".xrtw-board-summary")).to_contain_text("1 of 2 jobs fully cancelled, 1 partly")
    assert "xrtw-board-summary" in focused(page)
    # each row is named in words for a screen reader: the job, then each product and its status
    label = board.locator(".xrtw-job-1003 [role='group']").get_attribute("aria-label")
    assert label is not None and label.startswith("Job 1003") and "Cancelled" in label, label
    steps.append(f"live region: {live.inner_text()!r}; row 1003 named {label!r}")
    board.screenshot(path=str(artifacts_dir / "a11y-board-keyboard.png"))
    with open(artifacts_dir / "a11y-board-keyboard.txt", "w") as out:
        out.write("".join(s + "\n" for s in steps))
