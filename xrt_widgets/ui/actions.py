"""``ActionRunner``: a view's actions run one at a time, off the kernel's thread, never lost, never stuck.

A view (a panel, the board) turns each click into an action: a kind
("cancel", "refresh", ...), the product names it is about, and a function
that does the work for those names. The runner runs actions in worker
threads, in the order they came; an action identical to one already waiting
or running joins it; a mergeable action (a cancel) is merged into one of its
kind that has not started yet, so that quick clicks cost one request while
each caller still gets the answer about its own products. Every action ends
by its deadline, and whatever the work or the view's callbacks raise, every
caller's ``Future`` is resolved and the runner goes back to idle. It is
plain Python: the view hears about progress and failures through the
callbacks it passes in, and holds the runner rather than inheriting it.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from ..deadline import DEFAULT_DEADLINE, Deadline, check_deadline, deadline_scope
from ..errors import TimeoutError_, redact_url
from .threads import THREAD_PER_ACTION, ThreadPerAction

__all__ = ["ActionRunner", "ThreadPerAction", "THREAD_PER_ACTION", "DEADLINE_GRACE"]

#: After an action's deadline, how long the runner still waits for the work's own (more precise) answer.
DEADLINE_GRACE = 0.5

Names: TypeAlias = tuple[str, ...]
Label: TypeAlias = str | Callable[[Names], str]

_log = logging.getLogger(__name__)
# Not failures to show and carry on from: the caller's Future receives them as exceptions.
_FATAL = (KeyboardInterrupt, SystemExit)


@dataclass(eq=False)
class _Caller:
    """One submit that is waiting on an action: the names it asked about, and its Future."""

    names: Names
    split: Callable[[Any, Names], Any]
    future: Future[Any]


@dataclass(eq=False)
class _Action:
    kind: str
    names: Names
    run: Callable[[Names], Any]
    label: Label
    mergeable: bool
    callers: list[_Caller] = field(default_factory=list)
    started: bool = False  # a worker has taken it: its names are fixed
    expired: bool = False  # its deadline passed: a worker that takes it now must not start it
    finished: bool = False  # its callers have been (or are being) answered
    budget_ends: float = 0.0  # time.monotonic() by which the work must be over
    watchdog: Deadline | None = None


def _whole(value: Any, names: Names) -> Any:
    return value


def _settle(future: Future[Any], value: Any = None, error: BaseException | None = None) -> None:
    try:
        if error is None:
            future.set_result(value)
        else:
            future.set_exception(error)
    except InvalidStateError:  # its caller cancelled it while it waited: nobody is listening
        pass


def _describe(exc: BaseException) -> str:
    """``"KeyError: 'x'"``, or the type alone when the text is empty or cannot be had."""
    try:
        text = str(exc)
    except BaseException:  # an exception whose __str__ raises is still a failure to report
        text = ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _failure_text(kind: str, exc: BaseException) -> str:
    return f"{kind.capitalize()} failed: {_describe(exc)}"


def _as_names(names: Iterable[str]) -> Names:
    if isinstance(names, str):  # tuple("LightCurve") would ask about ten one-letter products
        raise TypeError(f"names must be a tuple of product names, not the string {names!r:.60}")
    result = tuple(names)
    for name in result:
        if not isinstance(name, str):
            raise TypeError(f"names must be strings, not {name!r:.60}")
    return tuple(dict.fromkeys(result))


class ActionRunner:
    """Runs a view's actions one at a time, in order, off the caller's thread; never loses or strands one.

    Parameters
    ----------
    executor : concurrent.futures.Executor, optional
        Where the work runs (default :data:`THREAD_PER_ACTION`).
    deadline : float, optional
        Seconds each action may take from when it is handed to the executor
        (default :data:`~xrt_widgets.deadline.DEFAULT_DEADLINE`). The work runs
        inside ``deadline_scope(deadline)``; if it has not returned
        :data:`DEADLINE_GRACE` seconds later, the action fails with
        :class:`~xrt_widgets.errors.TimeoutError_` and its late value is ignored.
    on_busy : callable, optional
        ``on_busy(True, label)`` when an action starts, ``on_busy(False, "")``
        when nothing is left; from worker threads, one call at a time, never
        twice in a row with the same arguments.
    on_error : callable, optional
        ``on_error(message)`` for every failure, worded for the view's error
        line: ``"Cancel failed: KeyError: 'x'"``.
    awaited_url : callable, optional
        ``awaited_url(kind)``: the URL an action of that kind waits on, named
        (without credentials) in the deadline message.
    order : callable, optional
        A sort key for product names, for the names of a merged action
        (first-seen order without it); called under the runner's lock.
    """

    def __init__(
        self,
        *,
        executor: Executor | None = None,
        deadline: float | None = None,
        on_busy: Callable[[bool, str], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        awaited_url: Callable[[str], str | None] | None = None,
        order: Callable[[str], Any] | None = None,
    ) -> None:
        self.deadline = DEFAULT_DEADLINE if deadline is None else check_deadline(deadline)
        self._executor = THREAD_PER_ACTION if executor is None else executor
        self._on_busy = on_busy
        self._on_error = on_error
        self._awaited_url = awaited_url
        self._order = order
        self._lock = threading.RLock()  # guards the queue and every action's fields; never held while calling out
        self._idle = threading.Condition(self._lock)
        self._settling = 0  # actions finished whose callers are still being answered
        self._busy_lock = threading.RLock()  # keeps on_busy calls in order across workers
        self._shown: tuple[bool, str] = (False, "")
        self._current: _Action | None = None  # handed to the executor, not yet finished
        self._queue: deque[_Action] = deque()
        self._closed = False
        self._last_error: str | None = None

    # -- state -----------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True from the first submit until every action submitted has finished."""
        with self._lock:
            return self._current is not None

    @property
    def pending(self) -> int:
        """How many actions wait behind the one in flight (merged and joined ones count once)."""
        with self._lock:
            return len(self._queue)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._closed

    @property
    def last_error(self) -> str | None:
        """The last message given to ``on_error`` (kept even when ``on_error`` itself failed)."""
        return self._last_error

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing waits, runs or is being answered; False if ``timeout`` seconds passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._current is None and self._settling == 0, timeout)

    def __repr__(self) -> str:
        with self._lock:
            kind = self._current.kind if self._current else None
            return f"<ActionRunner in flight={kind!r}, pending={len(self._queue)}{', closed' if self._closed else ''}>"

    # -- submitting ------------------------------------------------------------------------------
    def submit(
        self,
        kind: str,
        names: Iterable[str],
        run: Callable[[Names], Any],
        *,
        label: Label = "",
        mergeable: bool = False,
        split: Callable[[Any, Names], Any] | None = None,
    ) -> Future[Any]:
        """Run ``run(names)`` after the actions already submitted; a Future of its answer for ``names``.

        Parameters
        ----------
        kind : str
            What it does ("cancel", "refresh"): only actions of one kind join or merge.
        names : iterable of str
            The products it is about (duplicates dropped).
        run : callable
            ``run(names)``, called in a worker. A merged action runs its first
            caller's ``run`` with the union of every caller's names.
        label : str or callable, optional
            Given to ``on_busy`` while it runs; a callable gets the names it
            finally runs with (a merged cancel can say how many it cancels).
        mergeable : bool, optional
            It may be merged into an action of its kind that has not started,
            or answered by one whose names cover its own (a cancel, not a refresh).
        split : callable, optional
            ``split(value, names)``: the part of ``value`` about ``names``, for
            each caller; the whole value by default.

        Returns
        -------
        concurrent.futures.Future
            The Future of an identical action (same kind, same set of names)
            waiting or running, else a new one. It resolves to ``split(value,
            names)``; to ``None`` when the action failed (``on_error`` was told
            why); or holds the ``KeyboardInterrupt``/``SystemExit`` the work
            raised. Cancelling it before the action starts withdraws the
            caller; an action all of whose callers withdrew is not run.

        Raises
        ------
        RuntimeError
            The runner is closed.
        """
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"kind must be a non-empty string, not {kind!r:.40}")
        if not callable(run):
            raise TypeError(f"run must be callable, not {run!r:.40}")
        caller = _Caller(_as_names(names), split or _whole, Future())
        wanted = frozenset(caller.names)
        with self._lock:
            if self._closed:
                raise RuntimeError(
                    f"This ActionRunner is closed (its view was closed): the {kind} of "
                    f"{', '.join(caller.names) or 'nothing'} was not sent."
                )
            waiting = ([self._current] if self._current is not None else []) + list(self._queue)
            same_kind = [action for action in waiting if action.kind == kind]
            for action in same_kind:
                for other in action.callers:
                    if frozenset(other.names) == wanted and not other.future.cancelled():
                        return other.future
            if mergeable:
                for action in same_kind:
                    if action.mergeable and wanted <= set(action.names):  # its answer covers ours
                        return self._add_caller(action, caller)
                for action in same_kind:
                    if action.mergeable and not action.started:
                        action.names = self._union([action.names, caller.names])
                        return self._add_caller(action, caller)
            action = _Action(kind, self._union([caller.names]), run, label, mergeable, [caller])
            start = self._current is None
            if start:
                self._current = action
            else:
                self._queue.append(action)
        if start:
            self._dispatch(action)
            self._show_busy()  # at once, from the caller's thread: a click shows its effect before it returns
        return caller.future

    def close(self) -> None:
        """Refuse new actions, and end those still waiting: their Futures resolve to None.

        The action in flight, if any, runs to its end or its deadline.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            dropped = list(self._queue)
            self._queue.clear()
            for action in dropped:
                action.finished = True
        for action in dropped:
            self._report(f"{action.kind.capitalize()} not sent: the view was closed before its turn came.")
            for caller in action.callers:
                _settle(caller.future, None)

    # -- running ---------------------------------------------------------------------------------
    def _add_caller(self, action: _Action, caller: _Caller) -> Future[Any]:
        if action.started:  # the others' futures are running already; so is this one
            caller.future.set_running_or_notify_cancel()
        action.callers.append(caller)
        return caller.future

    def _union(self, groups: Iterable[Names]) -> Names:
        names = tuple(dict.fromkeys(itertools.chain.from_iterable(groups)))
        if self._order is not None:
            # A name the order does not know: first-seen order still asks the right thing.
            with contextlib.suppress(BaseException):
                names = tuple(sorted(names, key=self._order))
        return names

    def _dispatch(self, action: _Action) -> None:
        """Arm the action's deadline and hand it to the executor (the deadline also covers waiting for a worker)."""
        action.budget_ends = time.monotonic() + self.deadline
        action.watchdog = Deadline(self.deadline + DEADLINE_GRACE)
        action.watchdog.on_expiry(lambda: self._expired(action))
        action.watchdog.__enter__()
        try:
            self._executor.submit(self._work, action)
        except _FATAL as exc:
            self._finish(action, error=exc)
            raise
        except BaseException as exc:  # a shut-down pool (interpreter exit): this action fails, the next still runs
            self._finish(action, error=RuntimeError(f"could not start the {action.kind}: {exc}"))

    def _work(self, action: _Action) -> None:
        with self._lock:
            if action.finished or action.expired:
                return  # its deadline passed before a worker was free: nothing was sent
            action.started = True
            action.callers = [c for c in action.callers if c.future.set_running_or_notify_cancel()]
            if action.callers:
                action.names = self._union(c.names for c in action.callers)
        if not action.callers:  # every caller withdrew while it waited
            self._finish(action)
            return
        self._show_busy()
        try:
            with deadline_scope(max(action.budget_ends - time.monotonic(), 1e-3)):
                value = action.run(action.names)
        except BaseException as exc:  # whatever it is, the action ends here and the runner goes on
            self._finish(action, error=exc)
        else:
            self._finish(action, value=value)

    def _expired(self, action: _Action) -> None:
        # Called on the shared deadline thread: do the ending (view callbacks) on a thread of its own.
        try:
            threading.Thread(
                target=self._time_out, args=(action,), name="xrt_widgets-action-deadline", daemon=True
            ).start()
        except RuntimeError:  # no thread to be had: end it here rather than never
            self._time_out(action)

    def _time_out(self, action: _Action) -> None:
        with self._lock:
            if action.finished:
                return
            action.expired = True
            started = action.started
        where: str | None = None
        if self._awaited_url is not None:
            try:
                where = self._awaited_url(action.kind)
            except BaseException:  # the message is still worth giving without the URL
                where = None
        where = redact_url(where) if where else None
        if started:
            message = (
                f"No answer{f' from {where}' if where else ''} within the {self.deadline:g} s deadline; "
                "the request may still reach the server: press Refresh to see what it did."
            )
        else:
            message = (
                f"Not started within the {self.deadline:g} s deadline: every worker was busy, so nothing was sent."
            )
        self._finish(action, error=TimeoutError_(message, url=where))

    def _finish(self, action: _Action, *, value: Any = None, error: BaseException | None = None) -> None:
        """Answer the action's callers, tell the view, and start the next action; exactly once per action."""
        with self._lock:
            if action.finished:
                return  # the deadline (or the work) ended it first: this late value is dropped
            action.finished = True
            self._settling += 1
            callers = list(action.callers)
            following = None
            if self._current is action:
                following = self._current = self._queue.popleft() if self._queue else None
        try:
            self._answer(action, callers, value, error)
        finally:
            for caller in callers:  # answered already unless something above failed in a way nobody foresaw
                _settle(caller.future, None)
            with self._idle:
                self._settling -= 1
                self._idle.notify_all()
        if following is not None:
            self._dispatch(following)

    def _answer(self, action: _Action, callers: list[_Caller], value: Any, error: BaseException | None) -> None:
        if action.watchdog is not None:
            action.watchdog.__exit__(None, None, None)
        answers: list[tuple[Future[Any], Any, BaseException | None]] = []
        messages: dict[str, None] = {}
        if error is not None:
            messages[_failure_text(action.kind, error)] = None
            kept: BaseException | None = error if isinstance(error, _FATAL) else None
            answers = [(caller.future, None, kept) for caller in callers]
        else:
            for caller in callers:
                try:
                    answers.append((caller.future, caller.split(value, caller.names), None))
                except BaseException as exc:  # one caller's share failed; the others still get theirs
                    messages[_failure_text(action.kind, exc)] = None
                    answers.append((caller.future, None, exc if isinstance(exc, _FATAL) else None))
        for message in messages:
            self._report(message)
        self._show_busy()
        for future, share, kept in answers:
            _settle(future, share, kept)

    # -- telling the view ------------------------------------------------------------------------
    def _report(self, message: str) -> None:
        self._last_error = message
        if self._on_error is None:
            return
        try:
            self._on_error(message)
        except BaseException:  # the view's own error line is broken: a log is all that is left
            _log.exception("on_error raised while showing: %s", message)

    def _show_busy(self) -> None:
        """Tell ``on_busy`` the runner's state now; called by whichever thread changed it."""
        with self._busy_lock:
            with self._lock:
                action = self._current
            wanted = (False, "") if action is None else (True, self._label(action))
            if wanted == self._shown:
                return
            self._shown = wanted
            if self._on_busy is None:
                return
            try:
                self._on_busy(*wanted)
            except BaseException as exc:  # the action itself is fine: show the indicator's failure, carry on
                self._report(f"Busy indicator failed: {_describe(exc)}")

    def _label(self, action: _Action) -> str:
        if not callable(action.label):
            return action.label
        try:
            return str(action.label(action.names))
        except BaseException as exc:
            self._report(f"Busy indicator failed: {_describe(exc)}")
            return action.kind.capitalize()
