"""When a board polls, and whom it asks: the interval, a back-off on errors, one pending timer, the rule.

Held by :class:`~xrt_widgets.ui.board.JobBoard`. The service asks clients
not to poll more often than every 10 s and suggests once a minute; after a
failed poll the wait doubles, up to 15 minutes, and a good poll brings it
back to the interval. The timer is injectable (``timer_factory(seconds,
callback)`` -> an object with ``start()`` and ``cancel()``), so tests drive
polling without sleeping.

:func:`next_to_ask` is the rule of a board's refresh, as plain data: the
jobs shown that are not known to be finished, then only what the active-job
count says is still to be found elsewhere, with a budget per refresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

__all__ = [
    "Poller",
    "MIN_INTERVAL",
    "DEFAULT_INTERVAL",
    "MAX_BACKOFF",
    "next_to_ask",
    "UNKNOWN",
    "UNFINISHED",
    "FINAL",
    "GONE",
    "KNOWLEDGE",
    "refresh_rounds",
]

MIN_INTERVAL = 10.0
DEFAULT_INTERVAL = 60.0
MAX_BACKOFF = 900.0


class _Timer:
    """A one-shot timer on a daemon thread (the default)."""

    def __init__(self, seconds: float, callback: Callable[[], None]) -> None:
        self._timer = threading.Timer(seconds, callback)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()


class Poller:
    """One pending poll at most, at the interval, or later while backing off after errors.

    Parameters
    ----------
    on_due : callable
        Called (in the timer's thread) when a poll is due.
    timer_factory : callable, optional
        ``timer_factory(seconds, callback)``; a daemon :class:`threading.Timer` by default.
    """

    def __init__(self, on_due: Callable[[], None], *, timer_factory: Callable[..., Any] | None = None) -> None:
        self._on_due = on_due
        self._factory = timer_factory or _Timer
        self._timer: Any = None
        self.interval = DEFAULT_INTERVAL
        #: Seconds until the next poll once scheduled (the interval, or more while backing off).
        self.delay = 0.0

    @property
    def backing_off(self) -> bool:
        """Whether the next poll waits longer than the interval (after a failed one)."""
        return self.delay > self.interval

    def reset(self) -> None:
        """Back to the interval (after a good poll, or when polling starts)."""
        self.delay = self.interval

    def back_off(self) -> None:
        """Wait twice as long before the next poll, up to :data:`MAX_BACKOFF`."""
        self.delay = min(max(self.delay, self.interval) * 2, MAX_BACKOFF)

    def schedule(self) -> None:
        """Replace any pending poll by one after :attr:`delay` (never sooner than :data:`MIN_INTERVAL`)."""
        self.cancel()
        self._timer = self._factory(max(self.delay or self.interval, MIN_INTERVAL), self._fire)
        self._timer.start()

    def cancel(self) -> None:
        """Drop the pending poll, if any."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        self._timer = None
        self._on_due()


# -- whom a refresh asks ------------------------------------------------------------------------------

#: Nothing has been learned of the job from the server yet.
UNKNOWN = "unknown"
#: The server said at least one of its products is not final (queued, running, ...).
UNFINISHED = "unfinished"
#: The server said every one of its products is final (built, failed, cancelled).
FINAL = "final"
#: Never asked, but the listing says its products are no longer held: there is nothing left to cancel.
GONE = "gone"
KNOWLEDGE = (UNKNOWN, UNFINISHED, FINAL, GONE)


def next_to_ask(
    order: Iterable[int],
    page: Iterable[int],
    knowledge: Mapping[int, str],
    asked: Collection[int],
    active: int | None,
    *,
    batch: int,
    budget: int,
) -> list[int]:
    """The next jobs one refresh asks about (their status), or [] when the refresh is done.

    A refresh calls this again after each answer, with ``asked`` grown and
    ``knowledge`` updated, until it returns [].

    Parameters
    ----------
    order : iterable of int
        Every listed JobID, newest first (the listing's order).
    page : iterable of int
        The JobIDs shown (the current page).
    knowledge : mapping
        JobID -> one of :data:`KNOWLEDGE`; a JobID missing from it is :data:`UNKNOWN`.
    asked : collection of int
        The JobIDs this refresh has asked about already (each is asked once).
    active : int or None
        The user's active-job count (``getNumJobs``), or None if it failed.
    batch : int
        How many jobs not asked yet to look at together while searching for active jobs.
    budget : int
        The most jobs off the page this refresh may ask about while searching.

    Returns
    -------
    list of int
        1. the page's jobs not known to be final (and not :data:`GONE`);
        2. then, when more jobs are known to be unfinished than the count
           says are active, those off the page (some have finished);
        3. then, while fewer are known than the count says, up to ``batch``
           jobs not asked yet, newest first, until ``budget`` is spent;
        none of them asked before in this refresh.
    """

    def know(job: int) -> str:
        return knowledge.get(job, UNKNOWN)

    shown = list(page)
    first = [j for j in shown if j not in asked and know(j) in (UNKNOWN, UNFINISHED)]
    if first or active is None:
        return first
    on_page = set(shown)
    jobs = list(order)
    unfinished = [j for j in jobs if know(j) == UNFINISHED]
    if len(unfinished) > active:
        return [j for j in unfinished if j not in on_page and j not in asked]
    if len(unfinished) == active:
        return []
    left = budget - sum(1 for j in asked if j not in on_page)
    if left <= 0:
        return []
    return [j for j in jobs if know(j) == UNKNOWN and j not in asked and j not in on_page][: min(batch, left)]


def refresh_rounds(
    order: Iterable[int],
    page: Iterable[int],
    knowledge: Callable[[], Mapping[int, str]],
    active: int | None,
    ask: Callable[[list[int]], list[str]],
    *,
    batch: int,
    budget: int,
) -> tuple[list[int], list[str]]:
    """One refresh: :func:`next_to_ask`, ``ask`` them (all at once), learn, and again until it says [].

    ``knowledge()`` gives what is known now (it changes as answers land);
    ``ask(job_ids)`` asks about those jobs and returns the failures as text.
    Returns the JobIDs asked, in order, and every failure.
    """
    order, page = list(order), list(page)
    asked: list[int] = []
    failures: list[str] = []
    while True:
        wanted = next_to_ask(order, page, knowledge(), set(asked), active, batch=batch, budget=budget)
        if not wanted:
            return asked, failures
        asked.extend(wanted)
        failures.extend(ask(wanted))
