"""JobBoard against the emulator: listing, reattaching, bulk cancel, the refresh schedule."""

from __future__ import annotations

import re
from typing import ClassVar

import pytest
import traitlets

from xrt_widgets import Emulator, JobBoard, XRTProductRequest

from support import USER


class FakeTimer:
    """Stands in for threading.Timer: records what was scheduled; the test fires it."""

    made: ClassVar[list[FakeTimer]] = []

    def __init__(self, seconds, callback):
        self.seconds, self.callback, self.cancelled, self.started = seconds, callback, False, False
        FakeTimer.made.append(self)

    def start(self):
        self.started = True

    def cancel(self):
        self.cancelled = True


@pytest.fixture
def timers():
    FakeTimer.made = []
    return FakeTimer.made


def fire(timers):
    timer = [t for t in timers if t.started and not t.cancelled][-1]
    timer.cancelled = True
    timer.callback()


def wait(board):
    if board.last_action is not None:
        board.last_action.result(timeout=20)


def make_board(emu, **kwargs):
    kwargs.setdefault("timer_factory", FakeTimer)
    board = JobBoard(USER, base_url=emu.base_url, **kwargs)
    wait(board)
    return board


def test_lists_jobs_newest_first_with_quota(emu):
    first = emu.add_job(USER, ["LightCurve", "Spectrum"], name="GRB A", age=300)
    second = emu.add_job(USER, ["StandardPos"], name="GRB B", age=30)
    emu.add_job("other@example.org", ["Image"], name="not mine")
    board = make_board(emu)
    assert [j["JobID"] for j in board.jobs] == [second, first]
    assert board.active_jobs == 2 and "<b>2</b>" in board.quota.value
    assert board.entries[first].products == ["LightCurve", "Spectrum"]
    assert emu.request_count("list") == 1 and emu.request_count("count") == 1
    for entry in board.entries.values():
        assert not entry.asked and entry.summary.value.count("<i>not asked</i>") == len(entry.products)
        assert f"xrtw-job-{entry.job_id}" in entry.header._dom_classes
    board.close()


def test_first_refresh_clears_stale_and_reattached_panel_cancels(emu):
    job = emu.add_job(USER, ["LightCurve", "Spectrum"], name="yesterday's job")
    board = make_board(emu)
    board.refresh().result(timeout=20)
    entry = board.entries[job]
    assert entry.asked and entry.statuses["LightCurve"]["code"] == 1 and "not asked" not in entry.summary.value
    entry.toggle.value = True  # expand: the job's CancelPanel, bound with from_job
    panel = entry.panel
    assert panel is not None and panel.request.JobID == job and panel.products == ["LightCurve", "Spectrum"]
    ok, _per = panel.cancel(["Spectrum"]).result(timeout=20)
    assert ok == 1 and emu.status(job, "Spectrum") == -4
    assert {k: entry.statuses["Spectrum"][k] for k in ("code", "slug", "source")} == {
        "code": 0,
        "slug": "cancelled",
        "source": "cancel",
    }
    board.close()


def test_bulk_cancel_one_request_per_job_and_a_failing_job(emu):
    jobs = [emu.add_job(USER, ["LightCurve", "Spectrum"], name=f"job {i}") for i in range(3)]
    board = make_board(emu, confirm=True)
    for job in jobs:
        board.entries[job].checkbox.value = True
    emu.inject("cancel", "status", status=500)  # the first cancel to arrive fails
    board.cancel_button.click()
    assert "Cancel 6 products in 3 jobs?" in board.confirm_text.value
    assert emu.request_count("cancel") == 0
    board.confirm_button.click()
    results = board.last_action.result(timeout=20)
    assert emu.request_count("cancel") == 3
    oks = sorted(v[0] for v in results.values())
    assert oks == [-1, 1, 1]
    failed = next(j for j, v in results.items() if v[0] == -1)
    assert (
        "500" in board.entries[failed].error and "xrtw-status-http-error" in board.entries[failed].header._dom_classes
    )
    for job in jobs:
        if job != failed:
            assert emu.status(job, "LightCurve") == -4 and emu.status(job, "Spectrum") == -4
            assert "xrtw-status-ok" in board.entries[job].header._dom_classes
    assert emu.status(failed, "LightCurve") == 1  # nothing cancelled there
    assert "1 failed" in board.summary.value and str(failed) in board.error
    board.close()


def test_bulk_cancel_products_ticked_inside_two_jobs(emu):
    a = emu.add_job(USER, ["LightCurve", "Spectrum", "Image"])
    b = emu.add_job(USER, ["StandardPos", "Spectrum"])
    board = make_board(emu, confirm=False)
    board.entries[a].toggle.value = True
    board.entries[b].toggle.value = True
    board.entries[a].panel.selected = ["Spectrum"]
    board.entries[b].panel.selected = ["StandardPos"]
    assert board.selection() == {a: ["Spectrum"], b: ["StandardPos"]}
    board.cancel_button.click()
    results = board.last_action.result(timeout=20)
    assert results[a][0] == 1 and results[b][0] == 1
    assert "xrtw-status-cancelled" in board.entries[a].panel.rows["Spectrum"].state._dom_classes
    assert "xrtw-status-cancelled" in board.entries[b].panel.rows["StandardPos"].state._dom_classes
    assert emu.status(a, "LightCurve") == 1 and emu.status(b, "Spectrum") == 1
    assert emu.request_count("cancel") == 2
    board.close()


def test_interval_is_at_least_ten_seconds(emu):
    board = make_board(emu)
    assert board.interval == 60
    with pytest.raises(traitlets.TraitError, match="at least 10"):
        board.interval = 5
    board.close()
    with pytest.raises(traitlets.TraitError):
        JobBoard(USER, base_url=emu.base_url, interval=1, load=False)


def test_auto_refresh_schedule_polls_only_unfinished_backs_off_and_stops(emu, timers):
    running = emu.add_job(USER, ["LightCurve"])
    done = emu.add_job(USER, ["Image"])
    emu.advance(30)  # Image (5 s) is complete, the light curve is running
    board = make_board(emu, interval=20)
    assert timers == []  # off by default
    board.refresh().result(timeout=20)
    assert board.watched() == [running]
    emu.reset_counts()
    board.auto_refresh = True
    assert len(timers) == 1 and timers[-1].seconds == 20

    def poll():
        """Fire the pending timer; the poll has scheduled the next one before its future resolves."""
        before = len(timers)
        fire(timers)
        board.last_action.result(timeout=20)
        return timers[before:]

    new = poll()
    assert emu.request_count("status") == 1  # only the unfinished job
    polled = [e["body"]["JobID"] for e in emu.log if e["endpoint"] == "checkProductStatus.php"]
    assert polled == [running]
    assert emu.request_count("count") == 1  # the quota line follows each poll
    assert len(new) == 1 and new[0].seconds == 20 and new[0].started and not new[0].cancelled
    # an error backs off: the next poll waits twice as long, and says so
    emu.inject("status", "status", status=500)
    new = poll()
    assert "500" in board.error
    assert [t.seconds for t in new] == [40] and "backing off" in board.since.value
    new = poll()
    assert board.error == "" and [t.seconds for t in new] == [20]
    # once everything is finished the board stops by itself
    emu.advance(10_000)
    new = poll()
    assert not board.auto_refresh and new == []
    assert not [t for t in timers if t.started and not t.cancelled]
    assert "auto-refresh stopped" in board.since.value
    assert done not in board.watched()
    board.close()


def test_closing_pauses_auto_refresh(emu, timers):
    emu.add_job(USER, ["LightCurve"])
    board = make_board(emu)
    board.auto_refresh = True
    pending = timers[-1]
    board.close()
    assert pending.cancelled
    emu.reset_counts()
    pending.callback()  # a timer that fired anyway does nothing once closed
    assert emu.request_count() == 0


def test_since_line_shows_an_absolute_time_and_seconds_come_from_the_clock(emu, timers):
    now = [1000.0]
    emu.add_job(USER, ["LightCurve"])
    board = make_board(emu, clock=lambda: now[0])
    assert board.seconds_since_refresh is None and "Not refreshed yet" in board.since.value
    board.refresh().result(timeout=20)
    assert re.search(r"Last refresh at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", board.since.value)
    shown = board.since.value
    now[0] += 42
    assert board.seconds_since_refresh == 42
    assert board.since.value == shown  # nothing on screen claims a number of seconds that goes stale
    board.close()


def test_emulator_state_file_survives_restart(tmp_path):
    state = tmp_path / "jobs.json"
    with Emulator(state_file=str(state), manual_clock=True) as emu:
        job = emu.add_job(USER, ["LightCurve", "Spectrum"], name="kept")
    with Emulator(state_file=str(state), manual_clock=True) as emu2:
        req = XRTProductRequest.from_job(USER, job, ["LightCurve", "Spectrum"], base_url=emu2.base_url)
        assert [j["JobID"] for j in req.listOldJobs()] == [job]
        ok, per = req.cancelProducts(["LightCurve"])
        assert (ok, per["LightCurve"]["code"]) == (1, 0)
    with Emulator(state_file=str(state), manual_clock=True) as emu3:
        assert emu3.status(job, "LightCurve") == -4  # the cancel was kept too
        assert emu3.add_job(USER, ["Image"]) == job + 1


def test_bulk_cancel_waits_for_a_panel_that_is_refreshing(emu):
    """A job whose panel is busy with a refresh is cancelled after it, not dropped."""
    a = emu.add_job(USER, ["LightCurve"])
    b = emu.add_job(USER, ["Spectrum"])
    board = make_board(emu, confirm=False)
    board.entries[a].toggle.value = True
    panel = board.entries[a].panel
    emu.inject("status", "delay", seconds=0.5)
    refreshing = panel.refresh()
    results = board.cancel_selected({a: ["LightCurve"], b: ["Spectrum"]}).result(timeout=20)
    assert refreshing.done()
    assert results[a][0] == 1 and results[b][0] == 1
    assert emu.status(a, "LightCurve") == -4 and emu.status(b, "Spectrum") == -4
    assert "xrtw-status-cancelled" in panel.rows["LightCurve"].state._dom_classes
    assert emu.request_count("cancel") == 2
    board.close()


def test_quota_and_summary_follow_a_bulk_cancel(emu):
    a = emu.add_job(USER, ["LightCurve"])
    b = emu.add_job(USER, ["Spectrum"])
    board = make_board(emu, confirm=False)
    assert board.active_jobs == 2
    board.cancel_selected({a: ["LightCurve"], b: ["Spectrum"]}).result(timeout=20)
    assert board.active_jobs == 0 and "<b>0</b>" in board.quota.value
    results = board.cancel_selected({a: ["LightCurve"], b: ["Spectrum"]}).result(timeout=20)
    assert [v[0] for v in results.values()] == [0, 0]  # both already cancelled: nothing cancelled
    assert "xrtw-result-not-cancelled" in board.summary._dom_classes
    assert "0 of 2 jobs fully cancelled, 0 partly, 2 not at all" in board.summary.value
    board.close()


def test_closing_the_board_closes_every_widget_it_made(emu):
    import ipywidgets

    before = set(ipywidgets.widgets.widget._instances)
    emu.add_job(USER, ["LightCurve", "Spectrum"])
    board = make_board(emu)
    next(iter(board.entries.values())).toggle.value = True
    assert len(set(ipywidgets.widgets.widget._instances) - before) > 50
    board.close()
    assert set(ipywidgets.widgets.widget._instances) - before == set()


def test_a_job_listed_with_no_products_is_a_source_detection(emu):
    job = emu.add_job(USER, ["SourceDet"])
    board = make_board(emu, confirm=False)
    assert board.entries[job].products == ["SourceDet"]
    results = board.cancel_selected({job: ["SourceDet"]}).result(timeout=20)
    assert results[job][0] == 1 and emu.status(job, "SourceDet") == -4
    board.close()
