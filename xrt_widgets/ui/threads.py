"""The threads a view's actions run on: a call never waits for another, and idle threads are reused.

:class:`ThreadPerAction` is the default executor of an
:class:`~xrt_widgets.ui.actions.ActionRunner`. It has no bound, so a server
that holds its requests can fill no shared pool and hold up a view that
talks to a healthy one; and it reuses threads left idle by earlier calls,
since starting one costs milliseconds on a loaded machine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, ParamSpec, TypeAlias, TypeVar

__all__ = ["ThreadPerAction", "THREAD_PER_ACTION"]

_P = ParamSpec("_P")
_T = TypeVar("_T")

#: A call waiting for a thread: the future that receives its outcome, the function, its arguments.
_Job: TypeAlias = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class ThreadPerAction(Executor):
    """An executor that never makes a call wait for another: each runs on a thread that is free now.

    A thread left idle by an earlier call is reused (starting a thread costs
    milliseconds on a busy machine); when none is idle a new one starts, so
    views share no bounded pool that a stuck server could fill, and a view
    talking to a healthy server never waits behind others waiting on a
    stuck one. A thread idle for :attr:`idle_seconds` ends.
    """

    def __init__(self, idle_seconds: float = 30.0) -> None:
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        """Run ``fn(*args, **kwargs)`` on an idle thread, or a new one; its Future holds the outcome."""
        future: Future[_T] = Future()
        job: _Job = (future, fn, args, kwargs)
        while True:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None:
                _Worker(self, job).start()
                return future
            if worker.give(job):
                return future

    def _resting(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    def _leaving(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._idle:
                self._idle.remove(worker)


class _Worker(threading.Thread):
    """One thread of :class:`ThreadPerAction`: runs its job, then waits a while for another."""

    def __init__(self, pool: ThreadPerAction, job: _Job) -> None:
        super().__init__(name="xrt_widgets-action", daemon=True)
        self._pool = pool
        self._job: _Job | None = job
        self._wake = threading.Condition()
        self._alive = True

    def give(self, job: _Job) -> bool:
        """Hand this idle thread a job; False if it has just ended."""
        with self._wake:
            if not self._alive or self._job is not None:
                return False
            self._job = job
            self._wake.notify()
            return True

    def run(self) -> None:
        while True:
            with self._wake:
                job, self._job = self._job, None
            if job is not None:
                _run_job(*job)
            self._pool._resting(self)
            with self._wake:
                if self._job is None:
                    self._wake.wait(self._pool.idle_seconds)
                if self._job is None:
                    self._alive = False
            if not self._alive:
                self._pool._leaving(self)
                return


def _run_job(future: Future[Any], fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:  # belongs to whoever holds the future, not to threading's excepthook
        future.set_exception(exc)
    else:
        future.set_result(result)


#: The executor an :class:`~xrt_widgets.ui.actions.ActionRunner` uses unless given another.
THREAD_PER_ACTION = ThreadPerAction()
