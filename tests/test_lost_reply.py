"""The lost reply: a cancel that reached the server but whose reply never came back.

The emulator's ``drop_after`` fault processes the cancel (the products are
cancelled) and then closes the connection without replying. urllib3
retries; the retry finds the products already cancelled and answers code 1
("has it already finished?"). The request must notice that the answer came
from a retry, ask for the build status once, and report code 0 with a note
for each product now at -4, while a product that genuinely finished stays
code 1.
"""

from __future__ import annotations

from xrt_widgets import CancelPanel, XRTProductRequest

from support import USER

FINISHED_TEXT = "Job could not be cancelled - has it already finished?"


def counts(emu) -> tuple[int, int]:
    return emu.request_count("cancel"), emu.request_count("status")


def assert_reconciled(outcome: dict) -> None:
    assert outcome["code"] == 0
    assert outcome["text"].startswith("Job cancelled OK")
    assert "reply was lost" in outcome["text"] and "status check" in outcome["text"]


def test_lost_reply_is_reconciled_to_code_0_with_one_status_check(emu, make_request):
    req = make_request("LightCurve", "Spectrum", "StandardPos")  # default retries
    emu.reset_counts()
    emu.inject("cancel", "drop_after")
    ok, per = req.cancelProducts()
    assert ok == 1
    assert list(per) == ["LightCurve", "Spectrum", "StandardPos"]
    for outcome in per.values():
        assert_reconciled(outcome)
    assert counts(emu) == (2, 1)  # the lost attempt, its retry, and one status check for all three
    status_body = emu.log[-1]["body"]
    assert emu.log[-1]["endpoint"] == "checkProductStatus.php" and status_body["what"] == "lc,spec,psf"
    for name in per:
        assert emu.status(req.JobID, name) == -4


def test_a_genuinely_finished_product_on_a_retried_cancel_stays_code_1(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    emu.set_status(req.JobID, "Spectrum", 4)  # complete before anyone asked
    emu.reset_counts()
    emu.inject("cancel", "drop_after")
    ok, per = req.cancelProducts()
    assert ok == 2
    assert_reconciled(per["LightCurve"])
    assert per["Spectrum"] == {"code": 1, "text": FINISHED_TEXT}
    assert counts(emu) == (2, 1)
    assert emu.status(req.JobID, "Spectrum") == 4


def test_finished_product_on_a_retry_of_a_dropped_cancel_stays_code_1(emu, make_request):
    """The first attempt never reached the store (``drop``): the retry's code 1 is the truth."""
    req = make_request("LightCurve")
    emu.set_status(req.JobID, "LightCurve", 4)
    emu.reset_counts()
    emu.inject("cancel", "drop")
    ok, per = req.cancelProducts()
    assert (ok, per) == (0, {"LightCurve": {"code": 1, "text": FINISHED_TEXT}})
    assert counts(emu) == (2, 1)


def test_no_status_check_when_the_first_attempt_answered(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    emu.set_status(req.JobID, "Spectrum", 4)
    emu.reset_counts()
    ok, per = req.cancelProducts()
    assert ok == 2 and per["Spectrum"]["code"] == 1
    assert per["LightCurve"] == {"code": 0, "text": "Job cancelled OK"}
    assert counts(emu) == (1, 0)


def test_no_status_check_when_the_retry_cancelled_everything(emu, make_request):
    req = make_request("LightCurve")
    emu.reset_counts()
    emu.inject("cancel", "drop")  # not processed: the retry does the cancelling and says code 0
    ok, per = req.cancelProducts()
    assert (ok, per) == (1, {"LightCurve": {"code": 0, "text": "Job cancelled OK"}})
    assert counts(emu) == (2, 0)


def test_a_failed_status_check_leaves_code_1_and_does_not_raise(emu, make_request):
    req = make_request("LightCurve")
    emu.reset_counts()
    emu.inject("cancel", "drop_after")
    emu.inject("status", "status", status=500)
    ok, per = req.cancelProducts()
    assert (ok, per) == (0, {"LightCurve": {"code": 1, "text": FINISHED_TEXT}})
    assert counts(emu) == (2, 1)


def test_without_retries_the_lost_reply_is_an_error(emu):
    job = emu.add_job(USER, ["LightCurve"])
    req = XRTProductRequest.from_job(USER, job, ["LightCurve"], base_url=emu.base_url, retries=0)
    emu.inject("cancel", "drop_after")
    ok, per = req.cancelProducts()
    assert ok == -1
    assert per["ERROR"] == f"Could not talk to {emu.base_url}/canceljob.php: " \
                           "the server closed the connection without replying"
    assert counts(emu) == (1, 0)
    assert emu.status(job, "LightCurve") == -4  # it was cancelled all the same


def test_the_panel_shows_a_reconciled_cancel_as_cancelled_with_the_note(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    emu.set_status(req.JobID, "Spectrum", 4)
    emu.reset_counts()
    emu.inject("cancel", "drop_after")
    panel = CancelPanel(req, confirm=False)
    ok, per = panel.cancel("all").result(timeout=20)
    assert ok == 2
    assert "xrtw-status-cancelled" in panel.rows["LightCurve"].box._dom_classes
    assert "xrtw-status-finished" in panel.rows["Spectrum"].box._dom_classes
    assert "reply was lost" in panel.statuses["LightCurve"]["text"]
    assert "reply was lost" in panel.rows["LightCurve"].text.value
    assert counts(emu) == (2, 1)


# -- the lost reply of a submit: never retried, since a retry would create a second job --------------

def test_a_submit_whose_reply_is_lost_is_not_retried(emu, make_request):
    req = make_request("LightCurve", "Spectrum", submit=False)  # default retries
    emu.reset_counts()
    emu.inject("submit", "drop_after")
    assert req.submit() is False
    assert emu.request_count("submit") == 1
    assert list(emu.store.jobs) == [1001]  # the one job the lost attempt made, and no duplicate
    assert req.statusCode == 3 and not req.submitted
    assert req.submitError == (
        f"Could not talk to {emu.base_url}/run_userobject.php: the server closed the connection without "
        "replying. The server may have received the request and created the job all the same: look for it "
        "with listOldJobs() before submitting again.")
    assert [job["JobID"] for job in req.listOldJobs()] == [1001]


def test_a_submit_answered_503_is_not_retried(emu, make_request):
    req = make_request("LightCurve", submit=False)
    emu.reset_counts()
    emu.inject("submit", "status", status=503, count=3)
    assert req.submit() is False
    assert emu.request_count("submit") == 1
    assert "HTTP 503" in req.submitError and "may have received the request" in req.submitError
    emu.clear_faults()
    assert req.submit() is True and req.JobID == 1001  # the 503 made no job: submitting again is safe


def test_a_submit_refused_by_the_service_says_nothing_of_a_job(emu, make_request):
    req = make_request("LightCurve", submit=False)
    emu.inject("submit", "refuse", error="The service is closed for maintenance.")
    assert req.submit() is False
    assert req.submitError == "The service is closed for maintenance."
