"""Total deadlines: the time by which a call must be over, whatever the server does.

A socket's read timeout bounds one read, not a reply: a server that sends a
byte every few seconds, or endless ``100 Continue`` lines, would keep a call
waiting for as long as it likes. A :class:`Deadline` bounds the whole call,
retries included. One daemon thread (the watchdog) keeps every pending
deadline in a heap; when one expires it runs that deadline's callbacks,
which for the transport shut down the sockets the call is using, so the
blocked read returns at once.

:func:`deadline_scope` lets a caller (a panel, say) cap the deadline of
every call made in a block of code on this thread, without threading a
parameter through every function between them.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["DEFAULT_DEADLINE", "Deadline", "deadline_scope", "scope_remaining", "check_deadline"]

#: Seconds a call to the service may take in all, retries included.
DEFAULT_DEADLINE = 60.0

_local = threading.local()


def check_deadline(seconds: object, name: str = "deadline") -> float:
    """``seconds`` as a positive finite float, or a ValueError naming ``name``."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError(f"{name} must be a number of seconds, not {seconds!r:.40}")
    value = float(seconds)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number of seconds, not {seconds!r:.40}")
    return value


class Deadline:
    """A point in time (by ``time.monotonic``) with callbacks to run if it passes first.

    Use it as a context manager: entering arms it, leaving disarms it (a
    callback never runs after the block has left).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self.expires = time.monotonic() + self.seconds
        self._lock = threading.RLock()
        self._callbacks: list[Callable[[], None]] = []
        self.expired = False
        self._done = False

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.expires - time.monotonic())

    def on_expiry(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the deadline passes (at once, if it already has)."""
        with self._lock:
            if not self.expired:
                self._callbacks.append(callback)
                return
        _call_quietly(callback)

    def discard(self, callback: Callable[[], None]) -> None:
        """Forget ``callback`` (its object is done with this deadline)."""
        with self._lock, contextlib.suppress(ValueError):
            self._callbacks.remove(callback)

    def locked(self) -> threading.RLock:
        """The lock under which callbacks run: hold it to make a step atomic with expiry."""
        return self._lock

    def _expire(self) -> None:
        with self._lock:
            if self._done or self.expired:
                return
            self.expired = True
            callbacks, self._callbacks = self._callbacks, []
            for callback in callbacks:
                _call_quietly(callback)

    def __enter__(self) -> Self:
        _WATCHDOG.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
            self._callbacks = []

    def __repr__(self) -> str:
        return f"<Deadline {self.seconds:g} s, {self.remaining():.3g} s left{' (expired)' if self.expired else ''}>"


def _call_quietly(callback: Callable[[], None]) -> None:
    # an expiry action that fails (a socket already closed) must not stop the others
    with contextlib.suppress(Exception):
        callback()


class _Watchdog:
    """One daemon thread that expires deadlines in time order."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline.expires, next(self._seq), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="xrt_widgets-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is deadline:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2]._done:
                    heapq.heappop(self._heap)  # finished in time: nothing to do
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, _, due = heapq.heappop(self._heap)
            due._expire()


_WATCHDOG = _Watchdog()


@contextlib.contextmanager
def deadline_scope(seconds: float | None) -> Iterator[None]:
    """Cap the deadline of every call made on this thread inside the block at ``seconds`` from now.

    Scopes nest; the tightest wins. ``None`` leaves the current cap as it is.
    """
    if seconds is None:
        yield
        return
    expires = time.monotonic() + check_deadline(seconds)
    previous = getattr(_local, "expires", None)
    _local.expires = expires if previous is None else min(previous, expires)
    try:
        yield
    finally:
        _local.expires = previous


def scope_remaining() -> float | None:
    """Seconds left in the innermost :func:`deadline_scope` of this thread (None outside any)."""
    expires = getattr(_local, "expires", None)
    return None if expires is None else max(0.0, expires - time.monotonic())
