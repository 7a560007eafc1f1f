"""When a board polls next: the interval the service asks for, a back-off on errors, one pending timer.

Held by :class:`~xrt_widgets.ui.board.JobBoard`. The service asks clients
not to poll more often than every 10 s and suggests once a minute; after a
failed poll the wait doubles, up to 15 minutes, and a good poll brings it
back to the interval. The timer is injectable (``timer_factory(seconds,
callback)`` -> an object with ``start()`` and ``cancel()``), so tests drive
polling without sleeping.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional

__all__ = ["Poller", "MIN_INTERVAL", "DEFAULT_INTERVAL", "MAX_BACKOFF"]

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

    def __init__(self, on_due: Callable[[], None], *, timer_factory: Optional[Callable[..., Any]] = None) -> None:
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
