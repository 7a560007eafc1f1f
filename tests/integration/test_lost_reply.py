"""The lost reply: a cancel that reached the server but whose reply never came back.

The emulator's ``drop_after`` fault processes the cancel (the products are
cancelled) and then closes the connection without replying. urllib3
retries; the retry finds the products already cancelled and answers code 1
("has it already finished?"). The request must notice that the answer came
from a retry, ask for the build status once, and report code 0 with a note
for each product now at -4, while a product that genuinely finished stays
code 1. The server's own answers (the retry's code 1, then the status -4)
stay in the request's ``history``.
"""

from __future__ import annotations

from xrt_widgets import CancelPanel, XRTProductRequest
from xrt_widgets.emulator.store import STATUS_TEXTS

from support import USER

FINISHED_TEXT = "Job could not be cancelled - has it already finished?"
RECONCILED = {"code": 0, "text": "Cancelled (the first reply was lost; the status shows it cancelled)"}
NOTE = "the first reply was lost; the status shows it cancelled"


def counts(emu) -> tuple[int, int]:
    return emu.request_count("cancel"), emu.request_count("status")


def assert_reconciled(outcome: dict) -> None:
    assert outcome == RECONCILED  # exactly the documented keys, code and text


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

    cancel, status = req.history
    assert cancel["number"] + 1 == status["number"]
    assert cancel["endpoint"] == "canceljob.php" and cancel["url"] == f"{emu.base_url}/canceljob.php"
    assert cancel["asked"] == ["LightCurve", "Spectrum", "StandardPos"]
    assert cancel["retried"] == 1 and cancel["error"] is None
    assert cancel["server"] == {name: {"code": 1, "text": FINISHED_TEXT} for name in per}  # the retry's own words
    assert cancel["notes"] == dict.fromkeys(per, NOTE)
    assert cancel["returned"] == (ok, per)
    assert status["endpoint"] == "checkProductStatus.php" and status["asked"] == list(per)
    assert status["server"] == {name: {"statusCode": -4, "statusText": STATUS_TEXTS[-4]} for name in per}
    assert status["notes"] == {} and status["error"] is None
    assert {name: entry["statusCode"] for name, entry in status["returned"].items()} == dict.fromkeys(per, -4)


def test_the_history_is_a_copy_and_keeps_the_last_100(emu, make_request):
    req = make_request("LightCurve")
    emu.inject("cancel", "drop_after")
    _ok, per = req.cancelProducts()
    per["LightCurve"]["text"] = "changed by the caller"
    history = req.history
    history[0]["server"].clear()
    assert req.history[0]["server"] == {"LightCurve": {"code": 1, "text": FINISHED_TEXT}}
    assert req.history[0]["returned"] == (1, {"LightCurve": RECONCILED})
    for _ in range(110):
        req.checkProductStatus()
    numbers = [entry["number"] for entry in req.history]
    assert numbers == list(range(13, 113))


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
    cancel, status = req.history
    assert cancel["server"] == {
        "LightCurve": {"code": 1, "text": FINISHED_TEXT},
        "Spectrum": {"code": 1, "text": FINISHED_TEXT},
    }
    assert cancel["notes"] == {"LightCurve": NOTE}  # Spectrum's code 1 is returned as the server said it
    assert {name: answer["statusCode"] for name, answer in status["server"].items()} == {
        "LightCurve": -4,
        "Spectrum": 4,
    }


def test_finished_product_on_a_retry_of_a_dropped_cancel_stays_code_1(emu, make_request):
    """The first attempt never reached the store (``drop``): the retry's code 1 is the truth."""
    req = make_request("LightCurve")
    emu.set_status(req.JobID, "LightCurve", 4)
    emu.reset_counts()
    emu.inject("cancel", "drop")
    ok, per = req.cancelProducts()
    assert (ok, per) == (0, {"LightCurve": {"code": 1, "text": FINISHED_TEXT}})
    assert counts(emu) == (2, 1)
    assert [entry["notes"] for entry in req.history] == [{}, {}]


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
    cancel, status = req.history
    assert cancel["notes"] == {} and cancel["returned"] == (ok, per)
    assert status["server"] == {} and "HTTP 500" in status["error"] and status["returned"] == {"ERROR": status["error"]}


def test_without_retries_the_lost_reply_is_an_error(emu):
    job = emu.add_job(USER, ["LightCurve"])
    req = XRTProductRequest.from_job(USER, job, ["LightCurve"], base_url=emu.base_url, retries=0)
    emu.inject("cancel", "drop_after")
    ok, per = req.cancelProducts()
    assert ok == -1
    assert (
        per["ERROR"] == f"Could not talk to {emu.base_url}/canceljob.php: "
        "the server closed the connection without replying"
    )
    assert counts(emu) == (1, 0)
    assert emu.status(job, "LightCurve") == -4  # it was cancelled all the same
    (cancel,) = req.history
    assert cancel["server"] == {} and cancel["error"] == per["ERROR"] and cancel["returned"] == (-1, per)


def test_the_panel_shows_a_reconciled_cancel_as_cancelled_with_the_note(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    emu.set_status(req.JobID, "Spectrum", 4)
    emu.reset_counts()
    emu.inject("cancel", "drop_after")
    panel = CancelPanel(req, confirm=False)
    ok, _per = panel.cancel("all").result(timeout=20)
    assert ok == 2
    assert "xrtw-status-cancelled" in panel.rows["LightCurve"].state._dom_classes
    # Spectrum's code 1 is followed by one status request of the panel's own: it shows what Spectrum is
    assert "xrtw-status-complete" in panel.rows["Spectrum"].state._dom_classes
    assert panel.statuses["LightCurve"]["text"] == RECONCILED["text"]
    assert "reply was lost" in panel.rows["LightCurve"].state.value
    assert counts(emu) == (2, 2)
    entry, follow_up = panel.history
    assert entry["codes"] == {"LightCurve": 0, "Spectrum": 1}
    assert entry["reconciled"] == {"LightCurve": {"server": {"code": 1, "text": FINISHED_TEXT}, "note": NOTE}}
    assert follow_up["action"] == "status" and follow_up["asked"] == ["Spectrum"]
    panel.history_box.selected_index = 0  # rendered when opened
    row = panel.history_html.value
    assert (
        "LightCurve: 0 (the server answered 1 \u201cJob could not be cancelled - has it already finished?"
        "\u201d; the first reply was lost; the status shows it cancelled), Spectrum: 1"
    ) in row
    panel.close()


def test_the_panel_history_of_a_cancel_answered_first_time_has_nothing_reconciled(emu, make_request):
    req = make_request("LightCurve")
    panel = CancelPanel(req, confirm=False)
    assert panel.cancel("all").result(timeout=20)[0] == 1
    (entry,) = panel.history
    assert entry["codes"] == {"LightCurve": 0} and entry["reconciled"] == {}
    panel.history_box.selected_index = 0
    assert "server answered" not in panel.history_html.value and "LightCurve: 0" in panel.history_html.value
    panel.close()


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
        "with listOldJobs() before submitting again."
    )
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
