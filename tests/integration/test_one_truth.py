"""One truth per job, against the emulator: every view of a job shows the same record, and no click is lost.

- the re-run-cell scenario: a product cancelled in one panel shows as
  Cancelled (already cancelled) in the next panel made on the job, never as
  "Finished", and costs exactly the requests the rules call for;
- a board's row and its Details panel agree after a refresh from either;
- a swifttools request is told the same truths as ours;
- two different cancels in flight both reach the server, each caller
  getting the answer about its own products; fifty identical ones send one.
"""

from __future__ import annotations

import threading
import time

import pytest

from xrt_widgets import CancelPanel, JobBoard, XRTProductRequest
from xrt_widgets.jobs import forget_jobs

from support import GLOBALS, PRODUCT_PARS, USER


def cancels(emu) -> list[str]:
    return [e["body"]["what"] for e in emu.log if e["endpoint"] == "canceljob.php"]


def test_a_rerun_cell_shows_the_product_cancelled_not_finished(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    first = CancelPanel(req, confirm=False)
    assert first.cancel(["LightCurve"]).result(timeout=10)[0] == 1
    emu.reset_counts()
    again = CancelPanel(req, confirm=False)  # the same cell, run again
    assert again.statuses["LightCurve"]["slug"] == "cancelled"  # known before any request
    again._repr_mimebundle_()  # shown: asks only what is not known final (Spectrum), in one request
    again.last_action.result(timeout=10)
    assert (emu.request_count("cancel"), emu.request_count("status")) == (0, 1)
    assert emu.log[-1]["body"]["what"] == "spec"
    ok, per = again.cancel(["LightCurve"]).result(timeout=10)
    assert (ok, per["LightCurve"]["code"]) == (0, 1)  # the server's own answer, as documented
    status = again.state.status("LightCurve")
    assert status.cancelled and status.words == "Cancelled (already cancelled)"
    assert "xrtw-status-cancelled" in again.rows["LightCurve"].state._dom_classes
    assert "Finished" not in again.rows["LightCurve"].state.value
    assert (emu.request_count("cancel"), emu.request_count("status")) == (1, 1)  # no status asked for it
    assert first.statuses == again.statuses  # both views of the job say the same
    first.close()
    again.close()


def test_a_panel_in_a_fresh_kernel_learns_the_truth_with_one_status_request(emu, make_request):
    req = make_request("LightCurve")
    CancelPanel(req, confirm=False).cancel(["LightCurve"]).result(timeout=10)
    forget_jobs()  # as in a restarted kernel: nothing is known of the job
    emu.reset_counts()
    panel = CancelPanel(req, confirm=False)
    assert panel.statuses["LightCurve"]["slug"] == "not-checked"
    panel._repr_mimebundle_()
    panel.last_action.result(timeout=10)
    assert panel.state.status("LightCurve").cancelled  # build status -4
    panel.cancel(["LightCurve"]).result(timeout=10)
    assert panel.state.status("LightCurve").words == "Cancelled (already cancelled)"
    assert (emu.request_count("cancel"), emu.request_count("status")) == (1, 1)
    panel.close()


def test_refresh_on_display_can_be_turned_off(emu, make_request):
    req = make_request("LightCurve")
    emu.reset_counts()
    panel = CancelPanel(req, refresh_on_display=False)
    panel._repr_mimebundle_()
    assert panel.last_action is None and emu.request_count() == 0
    panel.close()


def _board_with_one_job(emu):
    req = XRTProductRequest(USER, base_url=emu.base_url)
    req.setGlobalPars(**GLOBALS)
    for name in ("LightCurve", "Spectrum", "Image"):
        req.addProduct(name, **PRODUCT_PARS.get(name, {}))
    assert req.submit()
    board = JobBoard(USER, base_url=emu.base_url, load=False)
    board.reload().result(timeout=10)
    return req, board, board.entries[req.JobID]


@pytest.mark.parametrize("refresh_from", ["board", "details"])
def test_board_row_and_details_agree_after_a_refresh_from_either(emu, refresh_from):
    req, board, entry = _board_with_one_job(emu)
    panel = board.open_details(req.JobID)
    emu.advance(30)  # LightCurve and Spectrum running, Image complete
    if refresh_from == "board":
        board.refresh().result(timeout=10)
    else:
        panel.refresh().result(timeout=10)
    assert panel.statuses["LightCurve"]["words"] == "Running"
    assert entry.statuses == dict(panel.statuses)
    assert "LightCurve" in entry.summary.value and "Running" in entry.summary.value
    assert "Not checked" not in entry.summary.value and "Not checked" not in panel.rows["Spectrum"].state.value
    # a cancel from the board shows in the panel, and one from the panel on the board's row
    board.cancel_selected({req.JobID: ["Spectrum"]}).result(timeout=10)
    assert panel.statuses["Spectrum"]["slug"] == "cancelled"
    panel.cancel(["LightCurve"]).result(timeout=10)
    assert entry.statuses["LightCurve"]["slug"] == "cancelled"
    assert entry.knowledge == "final"  # Image complete, the other two cancelled
    board.close()
    req.close()


def test_a_swifttools_request_is_told_the_same_truths(emu):
    from swifttools.ukssdc.xrt_prods import XRTProductRequest as SwiftRequest

    theirs = SwiftRequest(USER, silent=True)
    theirs._baseURL = emu.base_url
    theirs.setGlobalPars(name="GRB", targ="00221755", T0=1.0, RA=1.0, Dec=2.0, centroid=False, useSXPS=False)
    theirs.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    theirs.addSpectrum(hasRedshift=False)
    assert theirs.submit(), theirs.submitError
    first = CancelPanel(theirs, confirm=False)
    first.cancel(["LightCurve"]).result(timeout=10)
    ours = XRTProductRequest.from_job(USER, theirs.JobID, ["LightCurve", "Spectrum"], base_url=emu.base_url)
    second = CancelPanel(ours, confirm=False)
    assert second.state is first.state  # one job, one record, whichever client made the view
    ok, _per = first.cancel(["LightCurve"]).result(timeout=10)
    assert ok == 0 and first.state.status("LightCurve").words == "Cancelled (already cancelled)"
    assert second.rows["LightCurve"].state.value == first.rows["LightCurve"].state.value
    first.close()
    second.close()
    ours.close()


def test_two_different_cancels_in_flight_both_reach_the_server(emu, make_request):
    req = make_request("LightCurve", "Spectrum", "StandardPos")
    panel = CancelPanel(req, confirm=False)
    emu.inject("cancel", "delay", seconds=0.4)
    first = panel.cancel(["LightCurve"])
    deadline = time.monotonic() + 5
    while not cancels(emu) and time.monotonic() < deadline:  # the first has reached the server
        time.sleep(0.005)
    assert cancels(emu) == ["lc"]
    second = panel.cancel(["Spectrum"])
    third = panel.cancel(["StandardPos"])  # merged with the second while that one waits its turn
    a, b, c = (f.result(timeout=10) for f in (first, second, third))
    assert a == (1, {"LightCurve": {"code": 0, "text": "Job cancelled OK"}})
    assert b == (1, {"Spectrum": {"code": 0, "text": "Job cancelled OK"}})
    assert c == (1, {"StandardPos": {"code": 0, "text": "Job cancelled OK"}})
    assert cancels(emu) == ["lc", "spec,psf"]  # nothing dropped; quick clicks share a request
    assert all(panel.statuses[n]["slug"] == "cancelled" for n in panel.products)
    panel.close()


def test_fifty_identical_concurrent_cancels_send_one_request(emu, make_request):
    req = make_request("LightCurve")
    panel = CancelPanel(req, confirm=False)
    emu.inject("cancel", "delay", seconds=0.3)
    futures, start = [], threading.Barrier(50)

    def click():
        start.wait()
        futures.append(panel.cancel(["LightCurve"]))

    threads = [threading.Thread(target=click) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(futures) == 50
    assert all(f.result(timeout=10) == (1, {"LightCurve": {"code": 0, "text": "Job cancelled OK"}}) for f in futures)
    assert emu.request_count("cancel") == 1
    panel.close()


class Boom(BaseException):
    """Not an Exception: the kind of thing that used to leave a panel busy for ever."""


@pytest.mark.parametrize("raised", [KeyError("surprise"), Boom("boom")])
def test_a_request_that_raises_leaves_the_panel_idle_with_the_error_shown(make_request, monkeypatch, raised):
    req = make_request("LightCurve")
    panel = CancelPanel(req, confirm=False)

    def broken(*_a, **_k):
        raise raised

    monkeypatch.setattr(panel._adapter, "cancel_outcome", broken)
    assert panel.cancel(["LightCurve"]).result(timeout=10) is None
    assert not panel.busy and "xrtw-is-busy" not in panel._dom_classes
    assert type(raised).__name__ in panel.error
    assert any(type(raised).__name__ in (h.get("text") or "") for h in panel.history)
    monkeypatch.undo()
    assert panel.cancel(["LightCurve"]).result(timeout=10)[0] == 1  # and it still works
    panel.close()


def test_an_observer_of_busy_that_raises_leaves_the_panel_working(make_request):
    req = make_request("LightCurve")
    panel = CancelPanel(req, confirm=False)

    def bad_observer(_change):
        raise RuntimeError("observer broke")

    panel.observe(bad_observer, names=["busy"])
    assert panel.cancel(["LightCurve"]).result(timeout=10) is not None or panel.error
    assert not panel.busy
    assert panel.state.status("LightCurve").cancelled
    panel.close()
