"""A pytest plugin: the ``ukssdc_emulator`` fixture, to test your own pipeline offline.

Installing xrt_widgets registers this module with pytest (the ``pytest11``
entry point), so every test session in that environment imports it at start:
it imports nothing but pytest, and the emulator only when a test asks for it.

>>> def test_my_pipeline(ukssdc_emulator):                 # doctest: +SKIP
...     req = XRTProductRequest("you@example.org")          # talks to the emulator
...     ukssdc_emulator.inject("cancel", "status", status=500)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from xrt_widgets.emulator import Emulator

__all__ = ["ukssdc_emulator"]


@pytest.fixture
def ukssdc_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A running UKSSDC emulator on 127.0.0.1 with a manual clock, for one test.

    While the test runs, ``$XRT_WIDGETS_BASE_URL`` is the emulator's base URL, so an
    ``XRTProductRequest(user)`` made without ``base_url=`` talks to it; point a swifttools
    request at it with ``req._baseURL = ukssdc_emulator.base_url``.

    Yields
    ------
    xrt_widgets.emulator.Emulator
        ``.base_url``; ``.advance(seconds)`` moves its clock (jobs stand still until then);
        ``.inject(endpoint, kind, count=1, **params)`` makes the next replies fail (for
        example ``inject("cancel", "status", status=500)``); ``.set_status``, ``.add_job``,
        ``.request_count`` and ``.log`` (every request received).
    """
    from xrt_widgets.client import ENV_BASE_URL
    from xrt_widgets.emulator import Emulator

    with Emulator(manual_clock=True) as emulator:
        monkeypatch.setenv(ENV_BASE_URL, emulator.base_url)
        yield emulator
    # The next test's emulator may get the same port and the same JobIDs: it is another service,
    # so the records that views of this one's jobs share are forgotten.
    jobs = sys.modules.get("xrt_widgets.jobs")
    if jobs is not None:
        jobs.forget_jobs()
