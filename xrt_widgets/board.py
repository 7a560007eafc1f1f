"""``xrt_widgets.board``: the old import path of :class:`JobBoard`, kept so that users' imports work.

The board lives in :mod:`xrt_widgets.ui.board`, a job's row in :mod:`xrt_widgets.ui.jobrow`.
"""

from __future__ import annotations

from .ui.board import DEFAULT_INTERVAL, MAX_BACKOFF, MIN_INTERVAL, JobBoard

__all__ = ["JobBoard", "MIN_INTERVAL", "DEFAULT_INTERVAL", "MAX_BACKOFF"]
