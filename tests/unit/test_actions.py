"""ActionRunner: order, joining and merging, failures of every kind, deadlines and closing; no sockets.

The work is a fake service that records the names of each call, answers
``{name: "<kind>:<name>"}`` and can be held open, so a test decides what is
in flight when the next click arrives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import pytest

from xrt_widgets.deadline import scope_remaining
from xrt_widgets.products import LONG_NAMES
from xrt_widgets.ui.actions import DEADLINE_GRACE, ActionRunner, ThreadPerAction

pytestmark = pytest.mark.timeout(20)

#: Longest any test waits for something that should happen at once.
WAIT = 5.0


class Service:
    """A fake request whose calls are recorded and can be held until :meth:`release`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self._cond = threading.Condition()
        self._open = threading.Event()
        self._open.set()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def wait_calls(self, count: int) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.calls) >= count, WAIT), self.calls

    def run(self, kind: str) -> Callable[[tuple[str, ...]], dict]:
        def run(names: tuple[str, ...]) -> dict:
            with self._cond:
                self.calls.append((kind, names))
                self._cond.notify_all()
            assert self._open.wait(WAIT)
            return {name: f"{kind}:{name}" for name in names}

        return run


def split(value: dict, names: tuple[str, ...]) -> dict:
    return {name: value[name] for name in names}


class Runner:
    """An ActionRunner with its callbacks recorded."""

    def __init__(self, **kwargs: Any) -> None:
        self.errors: list[str] = []
        self.busy_calls: list[tuple[bool, str]] = []
        kwargs.setdefault("on_error", self.errors.append)
        kwargs.setdefault("on_busy", lambda busy, label: self.busy_calls.append((busy, label)))
        self.runner = ActionRunner(**kwargs)

    def cancel(self, service: Service, *names: str, **kwargs: Any) -> Future:
        return self.runner.submit("cancel", names, service.run("cancel"), mergeable=True, split=split, **kwargs)

    def refresh(self, service: Service, *names: str) -> Future:
        return self.runner.submit("refresh", names, service.run("refresh"), label="Checking status…")

    def assert_idle(self) -> None:
        # busy turns False before the last future resolves, so no waiting is needed once one has
        assert not self.runner.busy and self.runner.pending == 0


@pytest.fixture
def service():
    fake = Service()
    yield fake
    fake.release()  # never leave a worker waiting after a failed assertion


@pytest.fixture
def made():
    runners: list[Runner] = []

    def make(**kwargs: Any) -> Runner:
        runners.append(Runner(**kwargs))
        return runners[-1]

    yield make
    for runner in runners:
        runner.runner.close()


# -- different cancels ---------------------------------------------------------------------------


def test_a_cancel_of_other_products_while_one_is_in_flight_is_queued_and_sent(service, made):
    r = made()
    service.hold()
    first = r.cancel(service, "LightCurve")
    service.wait_calls(1)
    second = r.cancel(service, "Spectrum")
    assert second is not first and not second.done()
    assert r.runner.pending == 1  # queued behind, not joined
    service.release()
    assert first.result(WAIT) == {"LightCurve": "cancel:LightCurve"}
    assert second.result(WAIT) == {"Spectrum": "cancel:Spectrum"}
    assert service.calls == [("cancel", ("LightCurve",)), ("cancel", ("Spectrum",))]
    r.assert_idle()
    assert r.errors == []


def test_two_cancels_submitted_together_each_get_the_answer_about_their_products(service, made):
    r = made()
    first = r.cancel(service, "LightCurve")
    second = r.cancel(service, "Spectrum")  # merged if the first has not started yet, queued otherwise
    assert first.result(WAIT) == {"LightCurve": "cancel:LightCurve"}
    assert second.result(WAIT) == {"Spectrum": "cancel:Spectrum"}
    asked = [name for _, names in service.calls for name in names]
    assert sorted(asked) == ["LightCurve", "Spectrum"]
    r.assert_idle()


def test_cancels_queued_behind_a_refresh_are_merged_into_one_call_in_product_order(service, made):
    r = made(order=LONG_NAMES.index)
    service.hold()
    refresh = r.refresh(service, "LightCurve", "Spectrum", "Image")
    service.wait_calls(1)
    spectrum = r.cancel(service, "Spectrum")
    light_curve = r.cancel(service, "LightCurve")
    assert r.runner.pending == 1
    service.release()
    assert refresh.result(WAIT) == {n: f"refresh:{n}" for n in ("LightCurve", "Spectrum", "Image")}
    assert spectrum.result(WAIT) == {"Spectrum": "cancel:Spectrum"}
    assert light_curve.result(WAIT) == {"LightCurve": "cancel:LightCurve"}
    assert service.calls == [("refresh", ("LightCurve", "Spectrum", "Image")), ("cancel", ("LightCurve", "Spectrum"))]
    r.assert_idle()


def test_a_merged_cancel_shows_a_label_for_all_its_products(service, made):
    r = made()
    service.hold()
    r.refresh(service, "Image")
    service.wait_calls(1)
    label = lambda names: f"Cancelling {len(names)} products…"  # noqa: E731
    futures = [r.cancel(service, name, label=label) for name in ("LightCurve", "Spectrum")]
    service.release()
    for future in futures:
        future.result(WAIT)
    assert r.busy_calls == [(True, "Checking status…"), (True, "Cancelling 2 products…"), (False, "")]


def test_a_cancel_covered_by_the_one_in_flight_gets_its_answer_without_a_second_call(service, made):
    r = made()
    service.hold()
    both = r.cancel(service, "LightCurve", "Spectrum")
    service.wait_calls(1)
    one = r.cancel(service, "Spectrum")
    service.release()
    assert both.result(WAIT) == {"LightCurve": "cancel:LightCurve", "Spectrum": "cancel:Spectrum"}
    assert one.result(WAIT) == {"Spectrum": "cancel:Spectrum"}
    assert len(service.calls) == 1


def test_a_refresh_is_never_merged(service, made):
    r = made()
    service.hold()
    r.cancel(service, "Image")
    service.wait_calls(1)
    futures = [r.refresh(service, "LightCurve"), r.refresh(service, "Spectrum")]
    service.release()
    assert [f.result(WAIT) for f in futures] == [{"LightCurve": "refresh:LightCurve"}, {"Spectrum": "refresh:Spectrum"}]
    assert service.calls[1:] == [("refresh", ("LightCurve",)), ("refresh", ("Spectrum",))]


# -- identical actions ---------------------------------------------------------------------------


def test_50_identical_concurrent_cancels_make_one_call(service, made):
    r = made()
    service.hold()
    start = threading.Barrier(50)
    futures: list[Future] = []

    def click() -> None:
        start.wait(WAIT)
        futures.append(r.cancel(service, "LightCurve", "Spectrum"))

    threads = [threading.Thread(target=click) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    service.release()
    assert len(futures) == 50 and len({id(f) for f in futures}) == 1
    assert all(f.result(WAIT) == {"LightCurve": "cancel:LightCurve", "Spectrum": "cancel:Spectrum"} for f in futures)
    assert service.calls == [("cancel", ("LightCurve", "Spectrum"))]
    r.assert_idle()


def test_an_identical_refresh_joins_the_one_queued(service, made):
    r = made()
    service.hold()
    r.cancel(service, "Image")
    service.wait_calls(1)
    first = r.refresh(service, "LightCurve", "Spectrum")
    again = r.refresh(service, "Spectrum", "LightCurve")
    assert again is first
    service.release()
    first.result(WAIT)
    assert service.calls[1:] == [("refresh", ("LightCurve", "Spectrum"))]


# -- order ---------------------------------------------------------------------------------------


def test_actions_run_one_at_a_time_in_the_order_they_came(made):
    r = made()
    order: list[int] = []
    running = [0]
    overlap: list[int] = []

    def job(i: int) -> Callable:
        def run(names: tuple) -> int:
            running[0] += 1
            overlap.append(running[0])
            time.sleep(0.002)
            order.append(i)
            running[0] -= 1
            return i

        return run

    futures = [r.runner.submit(f"kind{i % 3}", (f"P{i}",), job(i)) for i in range(12)]
    assert [f.result(WAIT) for f in futures] == list(range(12))
    assert order == list(range(12)) and max(overlap) == 1
    r.assert_idle()


def test_on_busy_is_told_when_work_starts_and_when_the_queue_empties(service, made):
    r = made()
    service.hold()
    first = r.runner.submit("refresh", ("LightCurve",), service.run("refresh"), label="Checking status…")
    service.wait_calls(1)
    assert r.runner.busy and r.busy_calls == [(True, "Checking status…")]
    second = r.cancel(service, "Spectrum", label="Cancelling 1 product…")
    service.release()
    first.result(WAIT)
    second.result(WAIT)
    assert r.busy_calls == [(True, "Checking status…"), (True, "Cancelling 1 product…"), (False, "")]


# -- failures ------------------------------------------------------------------------------------


class Boom(BaseException):
    """Not an Exception: what a careless library might raise."""


class Unprintable(Exception):
    def __str__(self) -> str:
        raise ValueError("no words for it")


def raising(exc: BaseException) -> Callable:
    def run(names: tuple) -> Any:
        raise exc

    return run


@pytest.mark.parametrize(
    "exc, shown",
    [
        (KeyError("x"), "Cancel failed: KeyError: 'x'"),
        (Boom("bang"), "Cancel failed: Boom: bang"),
        (RuntimeError(), "Cancel failed: RuntimeError"),
        (Unprintable(), "Cancel failed: Unprintable"),
    ],
)
def test_a_run_that_raises_resolves_to_none_with_a_message_and_the_runner_goes_on(made, service, exc, shown):
    r = made()
    failed = r.runner.submit("cancel", ("LightCurve",), raising(exc), mergeable=True)
    assert failed.result(WAIT) is None
    assert r.errors == [shown] and r.runner.last_error == shown
    r.assert_idle()
    assert r.busy_calls == [(True, ""), (False, "")]
    assert r.cancel(service, "LightCurve").result(WAIT) == {"LightCurve": "cancel:LightCurve"}
    r.assert_idle()


def test_queued_callers_of_a_failing_merged_cancel_all_resolve(made, service):
    r = made()
    service.hold()
    r.refresh(service, "Image")
    service.wait_calls(1)
    futures = [
        r.runner.submit("cancel", (name,), raising(Boom()), mergeable=True, split=split)
        for name in ("LightCurve", "Spectrum", "Image")
    ]
    service.release()
    assert [f.result(WAIT) for f in futures] == [None, None, None]
    assert r.errors == ["Cancel failed: Boom"]
    r.assert_idle()


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3)])
def test_keyboard_interrupt_and_system_exit_reach_the_future_and_the_runner_goes_idle(made, service, exc):
    r = made()
    failed = r.runner.submit("refresh", ("LightCurve",), raising(exc))
    assert failed.exception(WAIT) is exc
    r.assert_idle()
    assert r.errors == [f"Refresh failed: {type(exc).__name__}{': 3' if isinstance(exc, SystemExit) else ''}"]
    assert r.refresh(service, "LightCurve").result(WAIT) == {"LightCurve": "refresh:LightCurve"}


def test_a_split_that_raises_fails_only_its_own_caller(made, service):
    r = made()
    service.hold()
    r.refresh(service, "Image")
    service.wait_calls(1)

    def bad_split(value: dict, names: tuple) -> dict:
        raise Boom("split")

    good = r.cancel(service, "LightCurve")
    bad = r.runner.submit("cancel", ("Spectrum",), service.run("cancel"), mergeable=True, split=bad_split)
    service.release()
    assert good.result(WAIT) == {"LightCurve": "cancel:LightCurve"}
    assert bad.result(WAIT) is None
    assert r.errors == ["Cancel failed: Boom: split"]
    r.assert_idle()


def test_an_on_busy_that_raises_is_shown_and_leaves_the_runner_usable(made, service):
    def on_busy(busy: bool, label: str) -> None:
        raise Boom(f"busy={busy}")

    r = made(on_busy=on_busy)
    assert r.cancel(service, "LightCurve").result(WAIT) == {"LightCurve": "cancel:LightCurve"}  # the work was done
    assert r.errors == ["Busy indicator failed: Boom: busy=True", "Busy indicator failed: Boom: busy=False"]
    r.assert_idle()
    assert r.cancel(service, "Spectrum").result(WAIT) == {"Spectrum": "cancel:Spectrum"}
    r.assert_idle()


def test_an_on_error_that_raises_leaves_the_runner_usable(made, service, caplog):
    def on_error(message: str) -> None:
        raise Boom(message)

    r = made(on_error=on_error)
    assert r.runner.submit("cancel", ("LightCurve",), raising(KeyError("x"))).result(WAIT) is None
    r.assert_idle()
    assert r.runner.last_error == "Cancel failed: KeyError: 'x'"
    assert "on_error raised" in caplog.text
    assert r.cancel(service, "LightCurve").result(WAIT) == {"LightCurve": "cancel:LightCurve"}


def test_every_callback_raising_at_once_still_ends_idle(made):
    def boom(*args: Any) -> None:
        raise Boom("everything")

    r = made(on_busy=boom, on_error=boom, order=boom)
    futures = [
        r.runner.submit("cancel", (name,), raising(Boom()), mergeable=True, split=boom, label=boom)
        for name in ("Spectrum", "LightCurve")
    ]
    assert [f.result(WAIT) for f in futures] == [None, None]
    r.assert_idle()
    assert r.runner.submit("refresh", ("Image",), lambda names: "fine").result(WAIT) == "fine"


def test_an_executor_that_refuses_work_fails_the_action_not_the_runner(made):
    class ShutDown(Executor):
        def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
            raise RuntimeError("cannot schedule new futures after shutdown")

    r = made(executor=ShutDown())
    assert r.runner.submit("refresh", ("Image",), lambda names: "never").result(WAIT) is None
    assert r.errors == [
        "Refresh failed: RuntimeError: could not start the refresh: cannot schedule new futures after shutdown"
    ]
    r.assert_idle()


# -- deadlines -----------------------------------------------------------------------------------


def test_work_past_its_deadline_is_ended_named_and_its_late_answer_ignored(made, service):
    url = "http://127.0.0.1:9/canceljob.php"  # only named in the message: nothing connects to it
    r = made(deadline=0.3, awaited_url=lambda kind: url if kind == "cancel" else None)
    scope: list[float] = []
    late = threading.Event()
    returned = threading.Event()

    def slow(names: tuple) -> dict:
        scope.append(scope_remaining())
        late.wait(WAIT)
        returned.set()
        return {"LightCurve": "late"}

    began = time.monotonic()
    stuck = r.runner.submit("cancel", ("LightCurve",), slow, mergeable=True, split=split)
    assert stuck.result(WAIT) is None
    took = time.monotonic() - began
    assert 0.3 + DEADLINE_GRACE - 0.05 <= took < 0.3 + DEADLINE_GRACE + 0.4
    assert 0 < scope[0] <= 0.3  # the work itself ran under the action's deadline
    assert r.errors == [
        (
            f"Cancel failed: TimeoutError_: No answer from {url} within the 0.3 s deadline; the "
            "request may still reach the server: press Refresh to see what it did."
        )
    ]
    r.assert_idle()
    late.set()
    assert returned.wait(WAIT)
    fresh = r.cancel(service, "LightCurve")
    assert fresh is not stuck and fresh.result(WAIT) == {"LightCurve": "cancel:LightCurve"}
    assert stuck.result() is None and len(r.errors) == 1
    r.assert_idle()


def test_an_action_no_worker_takes_ends_at_its_deadline_and_never_runs(made):
    taken: list[Callable] = []

    class Stuck(Executor):
        def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
            taken.append(lambda: fn(*args, **kwargs))
            return Future()

    ran: list[tuple] = []
    r = made(deadline=0.05, executor=Stuck())
    future = r.runner.submit("refresh", ("Image",), ran.append)
    assert future.result(WAIT) is None
    assert r.errors == [
        (
            "Refresh failed: TimeoutError_: Not started within the 0.05 s deadline: every worker "
            "was busy, so nothing was sent."
        )
    ]
    r.assert_idle()
    taken[0]()  # a worker frees up at last
    assert ran == []


def test_the_deadline_must_be_a_positive_number():
    with pytest.raises(ValueError, match="deadline"):
        ActionRunner(deadline=0)


# -- closing and withdrawing ---------------------------------------------------------------------


def test_close_ends_what_waits_refuses_new_work_and_lets_the_one_in_flight_finish(made, service):
    r = made()
    service.hold()
    flying = r.cancel(service, "LightCurve")
    service.wait_calls(1)
    waiting = [r.refresh(service, "Spectrum"), r.cancel(service, "Spectrum")]
    r.runner.close()
    assert [f.result(WAIT) for f in waiting] == [None, None]
    assert r.errors == [
        "Refresh not sent: the view was closed before its turn came.",
        "Cancel not sent: the view was closed before its turn came.",
    ]
    with pytest.raises(RuntimeError, match=r"closed.*cancel of Image was not sent"):
        r.cancel(service, "Image")
    assert r.runner.closed and r.runner.pending == 0
    service.release()
    assert flying.result(WAIT) == {"LightCurve": "cancel:LightCurve"}
    r.assert_idle()
    assert service.calls == [("cancel", ("LightCurve",))]
    r.runner.close()  # twice is fine


def test_a_caller_who_cancels_its_future_is_not_sent(made, service):
    r = made()
    service.hold()
    r.refresh(service, "Image")
    service.wait_calls(1)
    kept = r.cancel(service, "LightCurve")
    withdrawn = r.cancel(service, "Spectrum")
    alone = r.refresh(service, "Spectrum")
    assert withdrawn.cancel() and alone.cancel()
    service.release()
    assert kept.result(WAIT) == {"LightCurve": "cancel:LightCurve"}
    assert r.runner.wait_idle(WAIT)  # the withdrawn refresh is dropped when its turn comes
    assert service.calls[1:] == [("cancel", ("LightCurve",))]
    r.assert_idle()


def test_names_are_a_tuple_of_strings(made):
    r = made()
    with pytest.raises(TypeError, match="not the string"):
        r.runner.submit("cancel", "LightCurve", lambda names: None)
    with pytest.raises(TypeError, match="strings"):
        r.runner.submit("cancel", (1,), lambda names: None)
    with pytest.raises(ValueError, match="kind"):
        r.runner.submit("", ("LightCurve",), lambda names: None)


def test_the_default_executor_runs_each_call_in_a_thread_of_its_own():
    where = ThreadPerAction().submit(lambda: threading.current_thread()).result(WAIT)
    assert where is not threading.current_thread() and where.daemon
    boom = ThreadPerAction().submit(raising(Boom("kept")), ())
    assert isinstance(boom.exception(WAIT), Boom)
