"""One record per job: each product's current :class:`~xrt_widgets.codes.Status`, the history, the observers.

A :class:`JobState` is plain Python (no widgets) and the only place where a
product's status changes: through :meth:`JobState.apply_cancel` and
:meth:`JobState.apply_status`, from the typed outcomes of
:mod:`xrt_widgets.outcomes`, following the rules of truth:

- a product is shown as cancelled only after the server said cancel code 0
  for it, or build status -4;
- a product known to be cancelled stays cancelled when a later cancel
  answers code 1 (it was already cancelled), and needs no status check;
- after any other cancel code, the product's build status is to be asked in
  the same action (``apply_cancel`` returns the products to ask about), and
  the row then shows that build status; the cancel answer stays in the history;
- build status -10 (the server returned nothing for the product) never
  replaces what is already known;
- an outcome that failed (ok -1, a refusal, a status error) changes no
  status: it only goes to the history.

:func:`job_state` hands out the same record for the same (service URL,
user, JobID) in one kernel, so that every view of a job reads and writes one
truth.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .codes import ALREADY_CANCELLED, NOT_CHECKED, NOT_SUBMITTED, Status
from .outcomes import CancelOutcome, StatusOutcome, plain_copy
from .products import in_order, resolve

__all__ = ["HISTORY_LENGTH", "JobState", "Observer", "forget_jobs", "job_state"]

#: How many entries :attr:`JobState.history` keeps (the oldest are dropped first).
HISTORY_LENGTH = 200

#: ``callback(state, changed)``: ``changed`` names the products whose status changed (empty when only the
#: history grew).
Observer = Callable[["JobState", tuple[str, ...]], object]

JobKey = tuple[str, str, int]


def _long_names(products: Iterable[str]) -> tuple[str, ...]:
    if isinstance(products, str):
        products = [products]
    return tuple(p.long for p in in_order(resolve(n) for n in products))


class JobState:
    """One record per job: each product's current Status, the history, observers. Thread-safe.

    Parameters
    ----------
    key : tuple of (str, str, int) or None
        ``(base_url, user, job_id)`` of a submitted job, as
        :meth:`~xrt_widgets.adapter.RequestAdapter.job_key` gives it; None
        for a request not yet submitted. Use :func:`job_state` to get the
        record shared by every view of a job.
    products : iterable of str
        The job's products (long or short names).

    Notes
    -----
    Observers are called after each change, outside the record's lock and
    in the thread that made the change, once per change. One that raises is
    recorded in the history (action ``"observer"``) and never stops the
    others, nor the change.
    """

    def __init__(self, key: JobKey | None, products: Iterable[str]) -> None:
        self._key = key
        self._lock = threading.RLock()
        self._products = _long_names(products)
        self._initial = NOT_CHECKED if key is not None else NOT_SUBMITTED
        self._statuses: dict[str, Status] = dict.fromkeys(self._products, self._initial)
        self._history: deque[dict[str, Any]] = deque(maxlen=HISTORY_LENGTH)
        self._observers: list[Observer] = []

    # -- reading ------------------------------------------------------------------------------
    @property
    def key(self) -> JobKey | None:
        """``(base_url, user, job_id)``, or None for a request not yet submitted."""
        return self._key

    @property
    def products(self) -> tuple[str, ...]:
        """The job's products, long names in product order."""
        with self._lock:
            return self._products

    def status(self, name: str) -> Status:
        """The current status of product ``name`` (a long or short name).

        Raises
        ------
        KeyError
            If ``name`` is not a product of this job.
        """
        long = resolve(name).long
        with self._lock:
            try:
                return self._statuses[long]
            except KeyError:
                raise KeyError(f"{long} is not a product of this job") from None

    @property
    def statuses(self) -> dict[str, Status]:
        """Long name -> current Status, in product order (a copy; Status values are frozen)."""
        with self._lock:
            return {name: self._statuses[name] for name in self._products}

    @property
    def history(self) -> list[dict[str, Any]]:
        """The last :data:`HISTORY_LENGTH` actions, oldest first, as copies.

        Every entry has the keys ``time`` (``time.time()``), ``action``
        (``"cancel"``, ``"status"``, ``"observer"`` or what :meth:`record`
        was given), ``asked`` (long names), ``ok`` (the cancel result, else
        None), ``codes`` (long name -> the code the server sent), ``error``
        (why the action failed, else None), ``url``, ``reconciled`` (as in
        :attr:`~xrt_widgets.outcomes.CancelOutcome.reconciled`), ``notes``
        (long name -> why a status reads as it does, e.g. "already
        cancelled") and ``text`` (a note given to :meth:`record`, else '').
        """
        with self._lock:
            entries: list[dict[str, Any]] = plain_copy(list(self._history))
        return entries

    @property
    def history_size(self) -> int:
        """How many entries :attr:`history` holds (without copying them)."""
        with self._lock:
            return len(self._history)

    def known_final(self, name: str) -> bool:
        """Whether product ``name`` is known to have nothing left to cancel (its status is terminal)."""
        return self.status(name).terminal

    def unfinished(self) -> list[str]:
        """The products not known to be final, in product order: what a refresh asks about."""
        with self._lock:
            return [name for name in self._products if not self._statuses[name].terminal]

    # -- changing -----------------------------------------------------------------------------
    def apply_cancel(self, outcome: CancelOutcome) -> list[str]:
        """Apply what a cancel request answered.

        Parameters
        ----------
        outcome : CancelOutcome

        Returns
        -------
        list of str
            The products whose build status should now be asked, in the
            same action and in one status request: every product that got a
            cancel code other than 0, except one already known to be
            cancelled. Empty when the cancel failed.
        """
        if not isinstance(outcome, CancelOutcome):
            raise TypeError(f"apply_cancel takes a CancelOutcome, not {type(outcome).__name__}")
        follow_up: list[str] = []
        notes: dict[str, str] = {}
        with self._lock:
            self._add(outcome.asked)
            before = dict(self._statuses)
            for name, answer in outcome.answers.items():
                current = self._statuses[name]
                if answer.code == 0:
                    new = Status("cancel_code", 0, answer.text, learned=outcome.learned, source="cancel")
                elif answer.code == 1 and current.cancelled:
                    # The first cancel worked; this one finds nothing left to cancel. Still cancelled.
                    new = Status(
                        "cancel_code", 1, answer.text, learned=outcome.learned, source="cancel", note=ALREADY_CANCELLED
                    )
                    notes[name] = ALREADY_CANCELLED
                else:
                    follow_up.append(name)
                    if current.family == "build_status" and current.terminal:
                        continue  # a known final build status says more than "probably finished"
                    new = Status("cancel_code", answer.code, answer.text, learned=outcome.learned, source="cancel")
                self._statuses[name] = new
            self._history.append(
                self._entry(
                    "cancel",
                    outcome.asked,
                    ok=outcome.ok,
                    error=outcome.error,
                    url=outcome.url,
                    time_=outcome.learned,
                    codes={n: a.code for n, a in outcome.answers.items()},
                    reconciled=plain_copy(outcome.reconciled),
                    notes=notes,
                )
            )
            changed = self._changed(before)
        self._notify(changed)
        return follow_up

    def apply_status(self, outcome: StatusOutcome) -> None:
        """Apply what a status request answered.

        A build status -10 (nothing returned for the product) is shown only
        where nothing better is known; a failed request changes nothing.

        Parameters
        ----------
        outcome : StatusOutcome
        """
        if not isinstance(outcome, StatusOutcome):
            raise TypeError(f"apply_status takes a StatusOutcome, not {type(outcome).__name__}")
        with self._lock:
            self._add(outcome.asked)
            before = dict(self._statuses)
            for name, new in outcome.statuses.items():
                if new.code == -10 and self._statuses[name].family != "local":
                    continue
                self._statuses[name] = new
            self._history.append(
                self._entry(
                    "status",
                    outcome.asked,
                    error=outcome.error,
                    url=outcome.url,
                    time_=outcome.learned,
                    codes={n: s.code for n, s in outcome.statuses.items()},
                )
            )
            changed = self._changed(before)
        self._notify(changed)

    def record(self, action: str, text: str) -> None:
        """Add an entry to the history: a failure or a note that is not a server's answer (a runner error, say).

        Parameters
        ----------
        action : str
            What was being done ("cancel", "refresh", ...).
        text : str
            What happened, in words.
        """
        with self._lock:
            self._history.append(self._entry(str(action), (), text=str(text)))
        self._notify(())

    def observe(self, callback: Observer) -> Callable[[], None]:
        """Call ``callback(state, changed)`` after every change of this record.

        Parameters
        ----------
        callback : callable
            Called with this JobState and a tuple of the long names whose
            status changed (empty when only the history grew).

        Returns
        -------
        callable
            Call it (no arguments) to stop observing; calling it twice is harmless.
        """
        if not callable(callback):
            raise TypeError("callback must be callable")
        with self._lock:
            self._observers.append(callback)

        def unobserve() -> None:
            with self._lock:
                if callback in self._observers:
                    self._observers.remove(callback)

        return unobserve

    # -- inside -------------------------------------------------------------------------------
    def _add(self, names: Iterable[str]) -> tuple[str, ...]:
        """Make ``names`` products of this job too (under the lock); returns the ones that were new."""
        new = tuple(n for n in _long_names(names) if n not in self._statuses)
        if new:
            self._products = _long_names(self._products + new)
            for name in new:
                self._statuses[name] = self._initial
        return new

    def _changed(self, before: dict[str, Status]) -> tuple[str, ...]:
        return tuple(n for n in self._products if before.get(n) != self._statuses[n])

    @staticmethod
    def _entry(
        action: str,
        asked: Iterable[str],
        *,
        ok: int | None = None,
        error: str | None = None,
        url: str | None = None,
        time_: float | None = None,
        codes: Mapping[str, Any] | None = None,
        reconciled: Mapping[str, Any] | None = None,
        notes: Mapping[str, str] | None = None,
        text: str = "",
    ) -> dict[str, Any]:
        return {
            "time": time.time() if time_ is None else time_,
            "action": action,
            "asked": list(asked),
            "ok": ok,
            "codes": dict(codes or {}),
            "error": error,
            "url": url,
            "reconciled": reconciled or {},
            "notes": dict(notes or {}),
            "text": text,
        }

    def _notify(self, changed: tuple[str, ...]) -> None:
        with self._lock:
            observers = list(self._observers)
        for callback in observers:
            try:
                callback(self, changed)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # an observer's fault is recorded, never another view's problem
                name = getattr(callback, "__qualname__", None) or repr(callback)
                with self._lock:
                    # Recorded without notifying: an observer that always raises must not loop.
                    self._history.append(
                        self._entry("observer", (), error=f"{name} raised {type(exc).__name__}: {exc}")
                    )

    def __repr__(self) -> str:
        with self._lock:
            shown = ", ".join(f"{n}={s.words!r}" for n, s in self._statuses.items())
        return f"<JobState {self._key} {shown}>"


# -- the registry -----------------------------------------------------------------------------------

_REGISTRY: dict[JobKey, JobState] = {}
_REGISTRY_LOCK = threading.Lock()


def _check_key(key: Any) -> JobKey:
    if (
        not isinstance(key, tuple)
        or len(key) != 3
        or not isinstance(key[0], str)
        or not isinstance(key[1], str)
        or isinstance(key[2], bool)
        or not isinstance(key[2], int)
    ):
        raise TypeError(f"a job key is (base_url: str, user: str, job_id: int), not {key!r}")
    return key


def job_state(key: JobKey | None, products: Iterable[str]) -> JobState:
    """The one :class:`JobState` of a job in this kernel.

    Parameters
    ----------
    key : tuple of (str, str, int) or None
        ``(base_url, user, job_id)`` (see
        :meth:`~xrt_widgets.adapter.RequestAdapter.job_key`). None, for a
        request not yet submitted, gives a new record of its own that is
        not registered.
    products : iterable of str
        The products this caller knows of; a record already registered
        gains any it did not have (observers hear of them as changed).

    Returns
    -------
    JobState
        The same object for the same key, until :func:`forget_jobs`.
    """
    if key is None:
        return JobState(None, products)
    key = _check_key(key)
    with _REGISTRY_LOCK:
        state = _REGISTRY.get(key)
        if state is None:
            state = _REGISTRY[key] = JobState(key, products)
            return state
    with state._lock:
        added = state._add(products)
    if added:
        state._notify(added)
    return state


def forget_jobs() -> None:
    """Forget every registered job (for tests; views holding a record keep it)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()
