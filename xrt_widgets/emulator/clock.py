"""The emulator's clocks: wall time, or a manual clock that only moves when told.

Both count seconds since the epoch, so that job times survive a restart of
the emulator (through its state file); both can be moved forward with
``advance()``.
"""

from __future__ import annotations

import threading
import time

__all__ = ["Clock"]


class Clock:
    """Seconds since the epoch, real or manual.

    Parameters
    ----------
    manual : bool
        If true the clock stands still at the time it was made until
        :meth:`advance` moves it.
    """

    def __init__(self, *, manual: bool = False) -> None:
        self.manual = manual
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen = time.time()

    def now(self) -> float:
        """The current time in seconds since the epoch."""
        with self._lock:
            base = self._frozen if self.manual else time.time()
            return base + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += float(seconds)
        return self.now()
