"""Shared fixtures: a running emulator on loopback, and requests bound to it."""

from __future__ import annotations

import pytest

from xrt_widgets import Emulator, XRTProductRequest

from support import GLOBALS, PRODUCT_PARS, USER


@pytest.fixture(autouse=True)
def _fresh_job_records():
    """Each test starts with no job records: a port reused by the next test's emulator is another service."""
    from xrt_widgets.jobs import forget_jobs

    forget_jobs()
    yield
    forget_jobs()


@pytest.fixture
def emu():
    """An emulator with a manual clock: jobs only move when the test calls ``emu.advance``."""
    with Emulator(manual_clock=True) as emulator:
        yield emulator


@pytest.fixture
def make_request(emu):
    """``make_request(*products)`` -> a submitted XRTProductRequest on ``emu`` (timeouts kept short)."""
    made = []

    def make(*products: str, submit: bool = True, **kwargs) -> XRTProductRequest:
        kwargs.setdefault("timeout", (2.0, 5.0))
        req = XRTProductRequest(USER, base_url=emu.base_url, **kwargs)
        req.setGlobalPars(**GLOBALS)
        for product in products or ("LightCurve", "Spectrum", "StandardPos"):
            req.addProduct(product, **PRODUCT_PARS.get(product, {}))
        if submit:
            assert req.submit(), req.submitError
        made.append(req)
        return req

    yield make
    for req in made:
        req.transport.close()
