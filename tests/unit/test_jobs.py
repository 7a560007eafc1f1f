"""``JobState`` and the registry: every rule of truth, on plain outcome objects (no server, no sockets)."""

from __future__ import annotations

import threading

import pytest

from xrt_widgets import codes
from xrt_widgets.codes import ALREADY_CANCELLED, NOT_CHECKED, NOT_SUBMITTED, Status
from xrt_widgets.jobs import HISTORY_LENGTH, JobState, forget_jobs, job_state
from xrt_widgets.outcomes import CancelOutcome, ProductAnswer, StatusOutcome

from support import USER

BASE = "http://127.0.0.1:8/user_objects"
KEY = (BASE, USER, 42)
PRODUCTS = ("LightCurve", "Spectrum", "StandardPos")
CANCEL_URL = f"{BASE}/canceljob.php"
STATUS_URL = f"{BASE}/checkProductStatus.php"


@pytest.fixture(autouse=True)
def _fresh_registry():
    forget_jobs()
    yield
    forget_jobs()


@pytest.fixture
def state() -> JobState:
    return job_state(KEY, PRODUCTS)


def cancelled(learned: float = 100.0, **answers: int) -> CancelOutcome:
    """A cancel the server answered with these codes."""
    per = {name: ProductAnswer(code, codes.CANCEL_CODE[code].meaning) for name, code in answers.items()}
    return CancelOutcome(tuple(answers), codes.derive_ok(answers.values()), per, url=CANCEL_URL, learned=learned)


def statuses(learned: float = 100.0, **found: int) -> StatusOutcome:
    """A status request the server answered with these build statuses."""
    per = {
        name: Status("build_status", code, codes.lookup("build_status", code).meaning, learned=learned, source="status")
        for name, code in found.items()
    }
    return StatusOutcome(tuple(found), per, url=STATUS_URL, learned=learned)


def failed_cancel(ok: int = -1, *names: str) -> CancelOutcome:
    error = f"The request to {CANCEL_URL} failed: reset" if ok == -1 else "The service is closed."
    return CancelOutcome(names or ("LightCurve",), ok, error=error, url=CANCEL_URL, learned=100.0)


# -- a new record -------------------------------------------------------------------------------------


def test_a_submitted_job_starts_not_checked_and_an_unsubmitted_one_not_submitted():
    state = job_state(KEY, ["lc", "StandardPos", "Spectrum"])
    assert state.key == KEY and state.products == PRODUCTS  # long names, product order
    assert state.statuses == dict.fromkeys(PRODUCTS, NOT_CHECKED)
    assert state.unfinished() == list(PRODUCTS) and state.history == []
    private = job_state(None, ["Spectrum"])
    assert private.key is None and private.status("Spectrum") == NOT_SUBMITTED


def test_asking_about_a_product_of_another_job_is_an_error(state):
    with pytest.raises(KeyError, match="Image"):
        state.status("Image")
    assert state.status("lc") is state.status("LightCurve")


# -- cancel code 0 ------------------------------------------------------------------------------------


def test_cancel_code_0_is_cancelled_and_needs_no_status_check(state):
    assert state.apply_cancel(cancelled(LightCurve=0)) == []
    status = state.status("LightCurve")
    assert (status.family, status.code, status.source, status.learned) == ("cancel_code", 0, "cancel", 100.0)
    assert status.cancelled and status.words == "Cancelled" and state.known_final("LightCurve")
    assert state.unfinished() == ["Spectrum", "StandardPos"]
    (entry,) = state.history
    assert (entry["action"], entry["asked"], entry["ok"], entry["codes"]) == (
        "cancel",
        ["LightCurve"],
        1,
        {"LightCurve": 0},
    )


# -- code 1 for a product known to be cancelled --------------------------------------------------------


@pytest.mark.parametrize("how", ["cancel code 0", "build status -4", "already cancelled"])
def test_code_1_after_a_known_cancel_stays_cancelled_with_no_follow_up(state, how):
    if how == "cancel code 0":
        state.apply_cancel(cancelled(LightCurve=0))
    elif how == "build status -4":
        state.apply_status(statuses(LightCurve=-4))
    else:
        state.apply_cancel(cancelled(LightCurve=0))
        state.apply_cancel(cancelled(LightCurve=1))
    assert state.apply_cancel(cancelled(learned=200.0, LightCurve=1)) == []
    status = state.status("LightCurve")
    assert (status.family, status.code, status.note) == ("cancel_code", 1, ALREADY_CANCELLED)
    assert status.words == "Cancelled (already cancelled)" and status.slug == "cancelled"
    assert status.cancelled and state.known_final("LightCurve")
    entry = state.history[-1]
    assert entry["codes"] == {"LightCurve": 1} and entry["notes"] == {"LightCurve": ALREADY_CANCELLED}


def test_the_re_run_cell_shares_the_record_and_reads_already_cancelled():
    first = job_state(KEY, ["LightCurve"])
    first.apply_cancel(cancelled(LightCurve=0))
    again = job_state(KEY, ["LightCurve"])  # a new panel on the same job
    assert again is first
    assert again.apply_cancel(cancelled(LightCurve=1)) == []
    assert again.status("LightCurve").words == "Cancelled (already cancelled)"


# -- any other cancel code ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [1, 2, 3, 4])
def test_any_other_cancel_code_is_returned_for_a_status_check(state, code):
    state.apply_status(statuses(LightCurve=3))
    follow_up = state.apply_cancel(cancelled(LightCurve=code, Spectrum=0))
    assert follow_up == ["LightCurve"]
    status = state.status("LightCurve")
    assert (status.family, status.code) == ("cancel_code", code)
    assert not status.cancelled and not state.known_final("LightCurve")  # a refresh still asks about it
    assert "LightCurve" in state.unfinished()


@pytest.mark.parametrize("code, words", [(4, "Complete"), (-4, "Cancelled"), (3, "Running"), (None, "Not in job")])
def test_the_follow_up_build_status_is_what_the_row_shows_and_the_cancel_answer_stays_in_the_history(
    state, code, words
):
    follow_up = state.apply_cancel(cancelled(LightCurve=1))
    state.apply_status(statuses(learned=101.0, **dict.fromkeys(follow_up, code)))
    assert state.status("LightCurve").family == "build_status"
    assert state.status("LightCurve").words == words
    assert [(h["action"], h["codes"]) for h in state.history] == [
        ("cancel", {"LightCurve": 1}),
        ("status", {"LightCurve": code}),
    ]


def test_a_known_final_build_status_is_kept_when_a_cancel_answers_not_cancelled(state):
    state.apply_status(statuses(LightCurve=4))
    assert state.apply_cancel(cancelled(LightCurve=1)) == ["LightCurve"]
    assert state.status("LightCurve").words == "Complete"


def test_a_status_check_never_turns_a_product_cancelled_without_minus_4(state):
    for code in (1, 2, 3, 4, 5, -1, -2, -3, -10, None):
        state.apply_status(statuses(LightCurve=code))
        assert not state.status("LightCurve").cancelled
    state.apply_status(statuses(LightCurve=-4))
    assert state.status("LightCurve").cancelled and state.status("LightCurve").words == "Cancelled"


# -- -10 --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("known", ["running", "cancelled", "finished guess"])
def test_a_status_of_minus_10_never_overwrites_a_known_status(state, known):
    if known == "running":
        state.apply_status(statuses(LightCurve=3))
    elif known == "cancelled":
        state.apply_cancel(cancelled(LightCurve=0))
    else:
        state.apply_cancel(cancelled(LightCurve=1))
    before = state.status("LightCurve")
    state.apply_status(statuses(learned=300.0, LightCurve=-10, Spectrum=-10))
    assert state.status("LightCurve") == before
    assert state.status("Spectrum").code == -10  # nothing was known: "No status" is the truth
    assert state.history[-1]["codes"] == {"LightCurve": -10, "Spectrum": -10}


# -- failures -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "outcome",
    [
        failed_cancel(-1),
        failed_cancel(0),
        StatusOutcome(("LightCurve",), error=f"The request to {STATUS_URL} failed: reset", url=STATUS_URL),
    ],
    ids=["cancel -1", "cancel 0 refused", "status error"],
)
def test_a_failed_action_changes_no_status_and_goes_to_the_history(state, outcome):
    state.apply_status(statuses(LightCurve=3))
    before = state.statuses
    seen = []
    state.observe(lambda s, changed: seen.append(changed))
    if isinstance(outcome, CancelOutcome):
        assert state.apply_cancel(outcome) == []
    else:
        state.apply_status(outcome)
    assert state.statuses == before
    entry = state.history[-1]
    assert entry["error"] == outcome.error and entry["url"] == outcome.url and entry["codes"] == {}
    assert seen == [()]  # observers hear of the new history entry, with no product changed


def test_cancel_0_without_an_error_is_answers_not_a_failure(state):
    assert state.apply_cancel(cancelled(LightCurve=3, Spectrum=1)) == ["LightCurve", "Spectrum"]
    assert state.history[-1]["ok"] == 0 and state.history[-1]["error"] is None


def test_record_keeps_a_note_in_the_history(state):
    state.record("cancel", "Cancel failed: KeyError: 'boom'")
    (entry,) = state.history
    assert (entry["action"], entry["text"], entry["asked"], entry["ok"]) == (
        "cancel",
        "Cancel failed: KeyError: 'boom'",
        [],
        None,
    )


def test_the_history_is_bounded_and_handed_out_as_copies(state):
    for i in range(HISTORY_LENGTH + 5):
        state.record("note", f"note {i}")
    history = state.history
    assert len(history) == HISTORY_LENGTH and history[0]["text"] == "note 5"
    history[0]["text"] = "changed"
    history.clear()
    assert state.history[0]["text"] == "note 5"


def test_statuses_are_a_copy(state):
    shown = state.statuses
    shown["LightCurve"] = Status("cancel_code", 0, "x", source="cancel")
    assert state.status("LightCurve") == NOT_CHECKED


def test_an_outcome_about_products_the_record_did_not_know_adds_them(state):
    state.apply_cancel(cancelled(AstromPos=0))
    assert state.products == ("LightCurve", "Spectrum", "StandardPos", "AstromPos")
    assert state.status("AstromPos").cancelled


def test_only_outcomes_are_applied(state):
    with pytest.raises(TypeError):
        state.apply_cancel((1, {"LightCurve": {"code": 0, "text": "ok"}}))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        state.apply_status({"LightCurve": {"statusCode": 3}})  # type: ignore[arg-type]


# -- observers ----------------------------------------------------------------------------------------


def test_observers_are_called_once_per_change_with_the_names_that_changed(state):
    calls = []
    unobserve = state.observe(lambda s, changed: calls.append((s, changed, s.status("LightCurve").code)))
    state.apply_status(statuses(LightCurve=3, Spectrum=2))
    state.apply_cancel(cancelled(learned=101.0, LightCurve=0, Spectrum=1))
    state.apply_status(statuses(learned=101.0, Spectrum=2))  # the follow-up check of Spectrum
    assert calls == [
        (state, ("LightCurve", "Spectrum"), 3),
        (state, ("LightCurve", "Spectrum"), 0),
        (state, ("Spectrum",), 0),
    ]
    same = statuses(learned=101.0, Spectrum=2)
    state.apply_status(same)
    assert calls[-1][1] == ()  # nothing changed: the history grew
    unobserve()
    unobserve()  # harmless
    state.apply_cancel(cancelled(StandardPos=0))
    assert len(calls) == 4


def test_an_observer_sees_the_change_already_made_and_runs_outside_the_lock(state):
    seen = []

    def observer(s, changed):
        done = []
        thread = threading.Thread(target=lambda: done.append(s.status("LightCurve").words))
        thread.start()
        thread.join(timeout=5)  # another thread can read: the record's lock is not held
        seen.append(done)

    state.observe(observer)
    state.apply_cancel(cancelled(LightCurve=0))
    assert seen == [["Cancelled"]]


class Stop(BaseException):
    """Not an Exception: a BaseException subclass a careless callback may raise."""


@pytest.mark.parametrize("error", [KeyError("boom"), Stop("halt")], ids=["KeyError", "BaseException"])
def test_a_raising_observer_is_recorded_and_the_others_still_run(state, error):
    calls = []

    def first(s, changed):
        calls.append("first")

    def broken(s, changed):
        raise error

    def last(s, changed):
        calls.append("last")

    for callback in (first, broken, last):
        state.observe(callback)
    assert state.apply_cancel(cancelled(LightCurve=0)) == []
    assert calls == ["first", "last"]
    assert state.status("LightCurve").cancelled  # the change stands
    entry = state.history[-1]
    assert entry["action"] == "observer"
    assert "broken" in entry["error"] and type(error).__name__ in entry["error"]
    assert [h["action"] for h in state.history] == ["cancel", "observer"]  # recorded once, no loop


def test_keyboard_interrupt_in_an_observer_is_not_swallowed(state):
    def interrupt(s, changed):
        raise KeyboardInterrupt

    state.observe(interrupt)
    with pytest.raises(KeyboardInterrupt):
        state.apply_cancel(cancelled(LightCurve=0))
    assert state.status("LightCurve").cancelled


def test_only_callables_observe(state):
    with pytest.raises(TypeError):
        state.observe("not a function")  # type: ignore[arg-type]


# -- the registry -------------------------------------------------------------------------------------


def test_the_same_key_gives_the_same_record_and_another_key_another():
    state = job_state(KEY, ["LightCurve"])
    assert job_state(KEY, ["LightCurve"]) is state
    assert job_state((BASE, USER, 43), ["LightCurve"]) is not state
    assert job_state((BASE, "other@example.org", 42), ["LightCurve"]) is not state
    assert job_state(None, ["LightCurve"]) is not job_state(None, ["LightCurve"])  # never registered
    forget_jobs()
    assert job_state(KEY, ["LightCurve"]) is not state


def test_a_later_view_that_knows_more_products_adds_them():
    state = job_state(KEY, ["Spectrum"])
    state.apply_cancel(cancelled(Spectrum=0))
    seen = []
    state.observe(lambda s, changed: seen.append(changed))
    assert job_state(KEY, ["LightCurve", "Spectrum", "StandardPos"]) is state
    assert state.products == PRODUCTS
    assert state.status("Spectrum").cancelled and state.status("LightCurve") == NOT_CHECKED
    assert seen == [("LightCurve", "StandardPos")]
    job_state(KEY, ["Spectrum"])  # knowing fewer removes nothing
    assert state.products == PRODUCTS and len(seen) == 1


@pytest.mark.parametrize(
    "key", [(BASE, USER), (BASE, USER, "42"), (BASE, USER, True), [BASE, USER, 42], (None, USER, 42)]
)
def test_a_key_is_base_url_user_and_an_integer_job_id(key):
    with pytest.raises(TypeError):
        job_state(key, ["LightCurve"])


# -- threads ------------------------------------------------------------------------------------------


def test_several_threads_applying_outcomes_and_asking_for_the_record(state):
    workers, rounds = 6, 25
    start = threading.Barrier(workers)
    calls = []
    got = []
    errors = []
    state.observe(lambda s, changed: calls.append(changed))

    def work(i):
        try:
            start.wait(timeout=5)
            got.append(job_state(KEY, PRODUCTS))
            name = PRODUCTS[i % len(PRODUCTS)]
            for r in range(rounds):
                if r % 2:
                    state.apply_status(statuses(learned=float(r), **{name: 3}))
                else:
                    follow = state.apply_cancel(cancelled(learned=float(r), **{name: 1}))
                    assert follow == [name] or state.status(name).cancelled
                state.unfinished()
                state.history
        except BaseException as exc:  # reported below: an assertion in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert all(g is state for g in got)
    assert len(calls) == workers * rounds  # one notification per change, none lost
    assert len(state.history) == min(HISTORY_LENGTH, workers * rounds)
    for name in PRODUCTS:
        assert state.status(name).family in ("build_status", "cancel_code")
