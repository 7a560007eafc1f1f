"""Typed outcomes against the emulator: ours and swifttools' request tell the same truths, JobID checked for both.

Each scenario runs on two jobs of one emulator, one submitted by our
request and one by swifttools 4.0.5 (pointed at the emulator through its
``_baseURL``), and the outcomes are compared after leaving out what
differs by nature (JobIDs, times, the wording of an error).
"""

from __future__ import annotations

import threading

import pytest

from xrt_widgets import XRTProductRequest, codes
from xrt_widgets import adapter as adapter_module
from xrt_widgets.adapter import RequestAdapter
from xrt_widgets.jobs import forget_jobs, job_state
from xrt_widgets.outcomes import CancelOutcome, StatusOutcome

from support import USER, swifttools_request

PRODUCTS = ("LightCurve", "Spectrum", "StandardPos")


@pytest.fixture
def theirs(emu):
    req = swifttools_request(emu.base_url)
    assert req.submit() is True, req.submitError
    return req


@pytest.fixture
def ours(make_request):
    return make_request(*PRODUCTS)


@pytest.fixture(params=["ours", "theirs"])
def adapter(request):
    return RequestAdapter(request.getfixturevalue(request.param))


@pytest.fixture(autouse=True)
def _fresh_registry():
    forget_jobs()
    yield
    forget_jobs()


def test_the_outcome_types_are_importable_from_the_adapter():
    assert adapter_module.CancelOutcome is CancelOutcome and adapter_module.StatusOutcome is StatusOutcome


def _move_job_id(reply: dict) -> dict:
    return dict(reply, JobID=int(reply["JobID"]) + 1000)


def _summary(outcome, url_of) -> tuple:
    """What must not differ between ours and swifttools' request: codes, results, and whether it failed."""
    if isinstance(outcome, CancelOutcome):
        said = (outcome.ok, {n: a.code for n, a in outcome.answers.items()})
        endpoint = "canceljob.php"
    else:
        said = ({n: s.code for n, s in outcome.statuses.items()},)
        endpoint = "checkProductStatus.php"
    if outcome.error is not None and said[0] != 0:
        assert url_of(endpoint) in outcome.error, outcome.error  # every failure names the URL
    return (type(outcome).__name__, outcome.asked, outcome.error is None, *said)


# Each step: (faults to inject: [(endpoint, kind, params)], "cancel" or "status", products).
SCENARIO = [
    ([], "status", PRODUCTS),
    ([], "cancel", ("LightCurve",)),
    ([], "cancel", ("LightCurve", "Spectrum")),
    ([], "status", PRODUCTS),
    ([("cancel", "code", {"code": 3})], "cancel", ("StandardPos",)),
    ([("cancel", "code", {"code": 4})], "cancel", ("StandardPos",)),
    ([("cancel", "not_json", {"count": 3})], "cancel", ("StandardPos",)),
    ([("cancel", "mutate", {"func": _move_job_id})], "cancel", ("StandardPos",)),
    ([("cancel", "missing_keys", {"keys": ["JobID"]})], "cancel", ("StandardPos",)),
    ([("status", "not_json", {"count": 3})], "status", PRODUCTS),
    ([("status", "mutate", {"func": _move_job_id})], "status", PRODUCTS),
    ([("status", "missing_keys", {"keys": ["psf"]})], "status", PRODUCTS),
    ([], "status", PRODUCTS),
]


def _run(adapter: RequestAdapter, emu) -> list[tuple]:
    out = []
    for faults, action, names in SCENARIO:
        for endpoint, kind, params in faults:
            params = dict(params)
            emu.inject(endpoint, kind, count=params.pop("count", 1), **params)
        outcome = adapter.cancel_outcome(names) if action == "cancel" else adapter.status_outcome(names)
        emu.clear_faults()  # a client that retries less leaves some unused: they must not reach the next step
        out.append(_summary(outcome, lambda endpoint: f"{emu.base_url}/{endpoint}"))
    return out


def test_ours_and_swifttools_give_the_same_outcomes_for_the_same_server_behaviour(emu, ours, theirs):
    mine = _run(RequestAdapter(ours), emu)
    swift = _run(RequestAdapter(theirs), emu)
    assert mine == swift
    # and what they agree on is the truth
    assert mine[1][2:] == (True, 1, {"LightCurve": 0})
    assert mine[2][2:] == (True, 2, {"LightCurve": 1, "Spectrum": 0})
    assert mine[3][2:] == (True, {"LightCurve": -4, "Spectrum": -4, "StandardPos": 1})
    assert [step[2:] for step in mine[4:6]] == [(True, 0, {"StandardPos": 3}), (True, 0, {"StandardPos": 4})]
    assert [step[2:] for step in mine[6:9]] == [(False, -1, {})] * 3
    assert [step[2:] for step in mine[9:11]] == [(False, {})] * 2
    assert mine[11][2:] == (True, {"LightCurve": -4, "Spectrum": -4, "StandardPos": -10})


def test_a_refusal_by_the_service_is_ok_0_for_ours_and_minus_1_for_swifttools(emu, ours, theirs):
    """swifttools returns every ERROR as -1, its own faults and the service's refusals alike.

    Telling them apart would mean matching its message texts, so its -1 is
    kept (with the URL named); either way nothing is cancelled and no
    status changes.
    """
    refusal = "Cancelling is not allowed today."
    emu.inject("cancel", "refuse", count=2, error=refusal)
    mine = RequestAdapter(ours).cancel_outcome(["LightCurve"])
    swift = RequestAdapter(theirs).cancel_outcome(["LightCurve"])
    assert (mine.ok, mine.error) == (0, refusal)
    assert swift.ok == -1 and refusal in swift.error and f"{emu.base_url}/canceljob.php" in swift.error
    for outcome in (mine, swift):
        state = job_state(None, PRODUCTS)
        assert state.apply_cancel(outcome) == []
        assert state.statuses == dict.fromkeys(PRODUCTS, codes.NOT_SUBMITTED)


@pytest.mark.parametrize("endpoint", ["cancel", "status"])
def test_a_swifttools_reply_about_another_job_is_a_failure_naming_the_url(emu, theirs, endpoint):
    adapter = RequestAdapter(theirs)
    state = job_state(adapter.job_key(), adapter.products)
    emu.inject(endpoint, "mutate", func=_move_job_id)
    if endpoint == "cancel":
        outcome = adapter.cancel_outcome(["LightCurve"])
        assert (outcome.ok, dict(outcome.answers)) == (-1, {})
        assert state.apply_cancel(outcome) == []
    else:
        outcome = adapter.status_outcome(["LightCurve"])
        assert dict(outcome.statuses) == {}
        state.apply_status(outcome)
    path = "canceljob.php" if endpoint == "cancel" else "checkProductStatus.php"
    assert f"{emu.base_url}/{path}" in outcome.error
    assert f"JobID {theirs.JobID + 1000}, not {theirs.JobID}" in outcome.error
    assert state.status("LightCurve") == codes.NOT_CHECKED  # never Cancelled on another job's word
    assert state.history[-1]["error"] == outcome.error
    assert "_submitAPICall" not in vars(theirs)  # the watch is gone once the call returns


def test_the_old_pair_of_a_swifttools_cancel_about_another_job_is_an_error_too(emu, theirs):
    emu.inject("cancel", "mutate", func=_move_job_id)
    ok, per = RequestAdapter(theirs).cancel(["LightCurve"])
    assert ok == -1 and list(per) == ["ERROR"] and f"{emu.base_url}/canceljob.php" in per["ERROR"]
    emu.inject("status", "mutate", func=_move_job_id)
    assert list(RequestAdapter(theirs).status(["LightCurve"])) == ["ERROR"]


def test_calls_on_one_swifttools_request_from_two_threads_each_see_their_own_reply(emu, theirs):
    original = theirs._submitAPICall
    sent = []

    def own(*args, **kwargs):  # an instance attribute of the user's own: put back afterwards
        sent.append(args[1])
        return original(*args, **kwargs)

    theirs._submitAPICall = own
    adapter = RequestAdapter(theirs)
    emu.inject("status", "delay", seconds=0.3)
    results = {}

    def run(kind):
        results[kind] = adapter.status_outcome(PRODUCTS) if kind == "status" else adapter.cancel_outcome(["Spectrum"])

    threads = [threading.Thread(target=run, args=(kind,)) for kind in ("status", "cancel")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results["cancel"].error is None and results["cancel"].ok == 1
    assert results["status"].error is None and set(results["status"].statuses) == set(PRODUCTS)
    assert sorted(sent) == ["cancel", "checkProductStatus"]
    assert vars(theirs)["_submitAPICall"] is own


def test_the_rules_of_truth_with_a_real_server(emu, adapter):
    """Cancel, then the re-run cell: the second cancel finds it already cancelled; a finished product is asked."""
    state = job_state(adapter.job_key(), adapter.products)
    assert state.apply_cancel(adapter.cancel_outcome(["LightCurve"])) == []
    assert state.status("LightCurve").words == "Cancelled"

    again = RequestAdapter(adapter.request)  # the cell re-run: a new view of the same job
    assert job_state(again.job_key(), again.products) is state
    emu.reset_counts()
    assert state.apply_cancel(again.cancel_outcome(["LightCurve"])) == []
    assert state.status("LightCurve").words == "Cancelled (already cancelled)"

    emu.set_status(adapter.job_id, "Spectrum", 4)
    follow_up = state.apply_cancel(again.cancel_outcome(["Spectrum"]))
    assert follow_up == ["Spectrum"]
    state.apply_status(again.status_outcome(follow_up))
    assert state.status("Spectrum").words == "Complete"
    assert [h["codes"] for h in state.history[-2:]] == [{"Spectrum": 1}, {"Spectrum": 4}]
    assert emu.request_count("cancel") == 2 and emu.request_count("status") == 1


def test_ours_and_swifttools_and_from_job_share_one_key(emu, ours, theirs):
    key = RequestAdapter(ours).job_key()
    assert key == (emu.base_url, USER, ours.JobID)
    assert RequestAdapter(theirs).job_key() == (emu.base_url, USER, theirs.JobID)
    again = XRTProductRequest.from_job(USER, ours.JobID, ["LightCurve"], base_url=emu.base_url + "/")
    assert RequestAdapter(again).job_key() == key
    disguised = swifttools_request(emu.base_url.replace("http://", "http://frodo:s3cret@", 1) + "/")
    disguised._submitted, disguised._jobID = True, str(ours.JobID)  # as if swifttools had submitted it
    assert RequestAdapter(disguised).job_key() == key


def test_an_unsubmitted_request_has_no_key_and_a_wrong_call_still_raises(emu, make_request):
    mine = RequestAdapter(make_request("LightCurve", submit=False))
    assert mine.job_key() is None
    with pytest.raises(RuntimeError):
        mine.cancel_outcome(["LightCurve"])
    swift = RequestAdapter(swifttools_request(emu.base_url))
    assert swift.job_key() is None
    with pytest.raises(RuntimeError):
        swift.status_outcome(["LightCurve"])
    assert emu.request_count() == 0


def test_a_swifttools_call_refused_before_sending_raises_and_leaves_no_watch(emu, theirs):
    adapter = RequestAdapter(theirs)
    with pytest.raises(ValueError, match=r"(?i)image"):
        adapter.cancel_outcome(["Image"])
    assert "_submitAPICall" not in vars(theirs)
    assert emu.request_count("cancel") == 0


def test_a_swifttools_build_status_is_read_as_ours_is(emu, theirs, ours):
    for req in (ours, theirs):
        emu.set_status(req.JobID, "LightCurve", 3)
        emu.set_status(req.JobID, "Spectrum", 4)
    mine = RequestAdapter(ours).status_outcome(PRODUCTS)
    swift = RequestAdapter(theirs).status_outcome(PRODUCTS)
    assert isinstance(swift, StatusOutcome)
    for name in PRODUCTS:
        a, b = mine.statuses[name], swift.statuses[name]
        assert (a.family, a.code, a.text, a.progress_text, a.source) == (
            b.family,
            b.code,
            b.text,
            b.progress_text,
            b.source,
        )
    assert swift.statuses["LightCurve"].words == "Running"
