"""The board at scale, without a browser: pages, filters, ticks across pages, bounded models and messages.

Widget models and update messages are counted in the kernel (every update a
widget would send is logged), so that "bounded by the page, not by the
number of jobs" is checked on boards of very different sizes.
"""

from __future__ import annotations

import ipywidgets as widgets
import pytest
from ipywidgets.widgets import widget as widget_module

from xrt_widgets import JobBoard

USER = "pages@example.org"
OLD = 10 * 86400.0  # a job submitted this long ago is finished


@pytest.fixture
def sent(monkeypatch):
    """Every update message a widget would send to the front end."""
    log: list[str] = []
    original = widgets.Widget._send

    def counting(self, msg, buffers=None):
        if msg.get("method") == "update":
            log.append(type(self).__name__)
        return original(self, msg, buffers)

    monkeypatch.setattr(widgets.Widget, "_send", counting)
    return log


def add_jobs(emu, n: int, *, active=(), name="target"):
    """``n`` jobs, newest first in the listing; those at the indexes in ``active`` (0 = newest) still running."""
    ids = []
    for i in reversed(range(n)):  # the oldest first, so that JobIDs grow with time
        ids.append(emu.add_job(USER, ["LightCurve", "Spectrum", "Image"], name=f"{name} {i}", age=OLD + i))
    ids.reverse()  # newest first
    for i in active:
        for product in ("LightCurve", "Spectrum", "Image"):
            emu.set_status(ids[i], product, 3)  # running
    return ids


def make_board(emu, **kwargs):
    kwargs.setdefault("confirm", False)
    board = JobBoard(USER, base_url=emu.base_url, load=False, **kwargs)
    board.reload().result(timeout=60)
    return board


def models() -> set:
    return set(widget_module._instances)


def test_models_are_bounded_by_the_page_not_by_the_number_of_jobs(emu):
    add_jobs(emu, 30)
    before = models()
    small = make_board(emu)
    n_small = len(models() - before)
    small.close()
    add_jobs(emu, 570)
    before = models()
    big = make_board(emu)
    assert len(big.entries) == 600 and len(big.page_jobs()) == 25
    assert len(models() - before) == n_small  # 30 jobs or 600: the same widgets
    assert n_small <= 4 * 25 + 60
    big.page = 5
    big.page_size = 10
    assert len(models() - before) < n_small  # a smaller page frees its rows
    big.close()
    assert models() - before == set()


def test_page_changes_and_refreshes_send_a_few_messages_per_visible_row(emu, sent):
    add_jobs(emu, 400, active=(0, 1, 2))
    board = make_board(emu)
    sent.clear()
    board.refresh().result(timeout=60)
    assert len(sent) <= 3 * 25 + 15, len(sent)
    sent.clear()
    board.next_button.click()
    assert board.page == 1 and len(sent) <= 3 * 25 + 10, len(sent)
    sent.clear()
    board.page = 15
    assert len(sent) <= 3 * 25 + 10, len(sent)
    board.close()


def test_the_first_refresh_asks_the_page_then_searches_only_until_the_count_is_met(emu):
    ids = add_jobs(emu, 1000, active=(2, 40, 47))
    board = make_board(emu)
    assert board.active_jobs == 3
    emu.reset_counts()
    board.refresh().result(timeout=60)
    asked = board.last_asked
    assert asked[:25] == ids[:25]  # the page first
    assert set(asked[25:]) == set(ids[25 : 25 + len(asked) - 25])  # then the newest not asked, in order
    assert ids[47] in asked and len(asked) <= 48 + board.max_workers
    assert emu.request_count("status") == len(asked) and emu.request_count("count") == 1
    # the line about active jobs elsewhere, and the button that shows them
    assert "2 active jobs on other pages" in board.elsewhere_text.value
    board.show_elsewhere_button.click()
    assert board.only_unfinished and board.page_jobs() == [ids[2], ids[40], ids[47]]
    # a job never asked shows "not asked", never "finished"
    board.only_unfinished = False
    board.page = 30
    row = board.entries[board.page_jobs()[0]]
    assert not row.asked and row.summary.value.count("<i>not asked</i>") == 3
    assert "xrtw-status-not-checked" in row.header._dom_classes
    # the second refresh: the page is known final except one, the two elsewhere still counted active
    emu.reset_counts()
    board.page = 0
    board.refresh().result(timeout=60)
    assert board.last_asked == [ids[2]] and emu.request_count("status") == 1
    board.close()


def test_ticks_stay_across_pages_and_select_unfinished_reaches_every_page(emu):
    ids = add_jobs(emu, 80, active=(1, 30, 50, 70))
    board = make_board(emu, page_size=10, search_budget=100)
    board.entries[ids[1]].checkbox.value = True
    board.next_button.click()
    board.entries[ids[12]].checkbox.value = True
    board.prev_button.click()
    assert board.entries[ids[1]].checkbox.value is True and board.selected_jobs == [ids[1], ids[12]]
    assert "2 jobs ticked" in board.page_label.value
    board.select_none_button.click()
    assert board.selected_jobs == [] and board.entries[ids[1]].checkbox.value is False
    board.refresh().result(timeout=60)  # finds the three active jobs
    board.select_unfinished_button.click()
    assert board.selected_jobs == [ids[1], ids[30], ids[50], ids[70]]
    board.confirm = True
    board.cancel_button.click()
    text = board.confirm_text.value
    assert "Cancel 12 products in 4 jobs?" in text and f"target 1 ({ids[1]})" in text and "and 1 more" in text
    board.confirm_button.click()
    results = board.last_action.result(timeout=60)
    assert {j: v[0] for j, v in results.items()} == {ids[1]: 1, ids[30]: 1, ids[50]: 1, ids[70]: 1}
    assert emu.request_count("cancel") == 4
    assert all(emu.status(j, "Spectrum") == -4 for j in (ids[1], ids[30], ids[50], ids[70]))
    assert board.selected_jobs == [] and "xrtw-status-ok" in board.entries[ids[1]].header._dom_classes
    board.close()


def test_filters_by_text_and_by_what_the_server_said(emu):
    ids = add_jobs(emu, 60, active=(5,))
    board = make_board(emu)
    board.text_filter = "target 3"  # target 3, 30-39
    assert board.page_jobs() == [ids[3], *ids[30:40]]
    board.text_filter = str(ids[44])
    assert board.page_jobs() == [ids[44]]
    board.text_filter = ""
    board.only_cancellable = True
    assert board.page_jobs() == []  # nothing asked yet: nothing known to be cancellable
    assert "No job matches the filters" in board.page_label.value
    board.refresh().result(timeout=60)
    assert board.page_jobs() == [ids[5]]
    board.only_cancellable = False
    board.only_unfinished = True
    assert board.page_jobs() == [ids[5]]  # the count says every active job is found
    board.close()


def test_details_cost_nothing_until_opened_and_are_freed_when_closed(emu):
    ids = add_jobs(emu, 40)
    board = make_board(emu)
    before = models()
    panel = board.open_details(ids[0])
    assert len(models() - before) > 20 and panel in board.jobs_box.children
    panel.selected = ["Spectrum"]
    board.entries[ids[0]].toggle.value = False  # close the Details
    assert models() - before == set() and board.entries[ids[0]].panel is None
    assert board.selection() == {ids[0]: ["Spectrum"]}  # what was ticked inside is kept
    board.entries[ids[0]].toggle.value = True
    assert board.entries[ids[0]].panel.selected == ["Spectrum"]
    board.page = 1  # the job leaves the page: its panel is closed (the rows' tick boxes are new ones)
    assert board.entries[ids[0]].panel is None and len(models()) == len(before)
    board.close()


def test_a_new_page_size_keeps_the_first_job_shown(emu):
    ids = add_jobs(emu, 120)
    board = make_board(emu)
    board.page = 2  # jobs 50-74
    board.page_size = 10
    assert board.page == 5 and board.page_jobs()[0] == ids[50]
    board.page_size_box.value = 50
    assert board.page == 1 and board.page_jobs()[0] == ids[50]
    with pytest.raises(Exception, match="page_size must be from 1 to 100"):
        board.page_size = 1000
    board.close()


def test_a_tick_made_on_the_old_page_lands_on_the_job_clicked_never_on_the_row_s_next_job(emu):
    ids = add_jobs(emu, 60)
    board = make_board(emu)
    stale_box, stale_details = board.entries[ids[0]].checkbox, board.entries[ids[0]].toggle
    board.next_button.click()  # the first row now shows ids[25]
    assert board.page_jobs()[0] == ids[25] and board.entries[ids[25]].checkbox is not stale_box
    stale_box.value = True  # the click the browser made on the old page arrives now
    assert board.selected_jobs == [ids[0]]  # the job the user saw, not ids[25]
    assert board.entries[ids[25]].checkbox.value is False
    stale_details.value = True  # a Details click on a job no longer shown opens nothing
    assert board.entries[ids[0]].panel is None and board.entries[ids[25]].panel is None
    assert stale_box.comm is None and stale_details.comm is None  # closed when the row moved on
    board.close()


def test_select_unfinished_ticks_only_jobs_the_server_said_are_unfinished(emu):
    ids = add_jobs(emu, 300, active=(0, 200))
    board = make_board(emu)
    board.select_unfinished_button.click()
    assert board.selected_jobs == []  # nothing asked yet: 300 jobs not asked are not ticked
    board.refresh().result(timeout=60)  # the page, then the search (two pages' worth): finds ids[0] only
    assert "1 more active not found yet" in board.elsewhere_text.value
    board.select_unfinished_button.click()
    assert board.selected_jobs == [ids[0]]
    board.close()
