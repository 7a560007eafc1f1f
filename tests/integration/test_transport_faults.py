"""Transport faults, as the user meets them: each gives -1 (or ``{"ERROR": ...}``) with a message naming the URL.

Connection refused, connect timeout, read timeout, a reset in the middle
of the body and HTTP 4xx/5xx with HTML bodies, through ``cancelProducts``,
``checkProductStatus``, ``submit`` and the panel. Everything happens on
127.0.0.1: a port that is bound but not listening refuses, and a listener
whose accept queue is full never completes a handshake (see
:func:`unanswered_listener`).
"""

from __future__ import annotations

import contextlib
import html
import socket
import time

import pytest

from xrt_widgets import CancelPanel, XRTProductRequest
from xrt_widgets.ui.parts import is_shown

from support import GLOBALS, PRODUCT_PARS, USER, unanswered_listener

APACHE_BODIES = {
    400: "Your browser sent a request that this server could not understand.",
    403: "You don't have permission to access this resource.",
    404: "The requested URL was not found on this server.",
    500: "The server encountered an internal error &amp; was unable to complete your request.",
    502: "The proxy server received an invalid response from an upstream server.",
    503: "The server is temporarily unable to service your request due to maintenance downtime.",
    504: "The gateway did not receive a timely response from the upstream server.",
}
REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@contextlib.contextmanager
def refusing_port():
    """A loopback port that refuses connections: bound (so nobody else takes it) but not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def bound_request(base_url: str, **kwargs) -> XRTProductRequest:
    return XRTProductRequest.from_job(USER, 1001, ["LightCurve", "Spectrum"], base_url=base_url, **kwargs)


def cancel_error(req) -> str:
    ok, per = req.cancelProducts()
    assert ok == -1 and set(per) == {"ERROR"}, (ok, per)
    return per["ERROR"]


def status_error(req) -> str:
    result = req.checkProductStatus()
    assert set(result) == {"ERROR"}, result
    return result["ERROR"]


def panel_error(req) -> str:
    panel = CancelPanel(req, confirm=False)
    ok, per = panel.cancel("all").result(timeout=30)
    assert ok == -1 and panel.error.startswith(per["ERROR"])  # the panel may add advice after it
    assert html.escape(per["ERROR"]) in panel.error_line.value
    assert is_shown(panel.error_line) and "xrtw-result-http-error" in panel.summary._dom_classes
    assert not panel.busy and "xrtw-is-busy" not in panel._dom_classes
    return per["ERROR"]


# -- connection refused ---------------------------------------------------------------------------


def test_connection_refused_names_the_url():
    with refusing_port() as port:
        base = f"http://127.0.0.1:{port}/user_objects"
        req = bound_request(base)
        text = cancel_error(req)
        assert text == f"Could not talk to {base}/canceljob.php: connection refused"
        assert status_error(req) == f"Could not talk to {base}/checkProductStatus.php: connection refused"
        assert panel_error(req) == text


def test_submit_to_a_refusing_port_says_so():
    with refusing_port() as port:
        base = f"http://127.0.0.1:{port}/user_objects"
        req = XRTProductRequest(USER, base_url=base)
        req.setGlobalPars(**GLOBALS)
        req.addLightCurve(**PRODUCT_PARS["LightCurve"])
        assert req.submit() is False
        assert req.statusCode == 3
        assert req.submitError == f"Could not talk to {base}/run_userobject.php: connection refused"


# -- connect timeout ------------------------------------------------------------------------------


def test_connect_timeout_names_the_url_and_is_bounded():
    with unanswered_listener() as port:
        base = f"http://127.0.0.1:{port}/user_objects"
        req = bound_request(base, timeout=(0.3, 2.0))  # default retries: 3 attempts in all
        started = time.monotonic()
        text = cancel_error(req)
        elapsed = time.monotonic() - started
        assert text == f"Timed out connecting to {base}/canceljob.php"
        assert 0.8 < elapsed < 3.0  # three connect timeouts of 0.3 s and a short backoff: never a hang
        assert status_error(req) == f"Timed out connecting to {base}/checkProductStatus.php"


# -- read timeout ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint,call,path",
    [
        ("cancel", cancel_error, "canceljob.php"),
        ("status", status_error, "checkProductStatus.php"),
    ],
)
def test_read_timeout_names_the_url_and_is_not_retried(emu, endpoint, call, path):
    job = emu.add_job(USER, ["LightCurve", "Spectrum"])
    req = XRTProductRequest.from_job(USER, job, ["LightCurve", "Spectrum"], base_url=emu.base_url, timeout=(2.0, 0.3))
    emu.inject(endpoint, "delay", seconds=1.5)
    started = time.monotonic()
    text = call(req)
    assert time.monotonic() - started < 1.2  # the client gave up at its timeout, not at the reply
    assert text == f"Timed out waiting for the reply from {emu.base_url}/{path}"
    assert emu.request_count(endpoint) == 1  # a timed-out request may still run: it is not sent again


def test_read_timeout_in_the_panel(emu):
    job = emu.add_job(USER, ["LightCurve", "Spectrum"])
    req = XRTProductRequest.from_job(USER, job, ["LightCurve", "Spectrum"], base_url=emu.base_url, timeout=(2.0, 0.3))
    emu.inject("cancel", "delay", seconds=1.0)
    text = panel_error(req)
    assert text == f"Timed out waiting for the reply from {emu.base_url}/canceljob.php"
    assert emu.request_count("cancel") == 1


# -- reset in the middle of the body --------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint,call,path",
    [
        ("cancel", cancel_error, "canceljob.php"),
        ("status", status_error, "checkProductStatus.php"),
    ],
)
def test_reset_mid_body_names_the_url(emu, make_request, endpoint, call, path):
    req = make_request("LightCurve", "Spectrum")  # default retries
    emu.inject(endpoint, "reset")
    text = call(req)
    assert text == f"Request to {emu.base_url}/{path} failed: the reply was cut off before its end"
    assert emu.request_count(endpoint) == 1
    # The next call, on the same session, works.
    assert "ERROR" not in req.checkProductStatus()


def test_reset_mid_body_in_the_panel(emu, make_request):
    req = make_request("LightCurve")
    emu.inject("cancel", "reset")
    assert "cut off before its end" in panel_error(req)


# -- HTTP errors with HTML bodies -----------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(APACHE_BODIES))
@pytest.mark.parametrize(
    "endpoint,call,path",
    [
        ("cancel", cancel_error, "canceljob.php"),
        ("status", status_error, "checkProductStatus.php"),
    ],
)
def test_http_error_with_html_body_is_named_and_readable(emu, make_request, status, endpoint, call, path):
    req = make_request("LightCurve", "Spectrum")
    emu.reset_counts()
    transient = status in (502, 503, 504)
    emu.inject(endpoint, "status", status=status, body=f"<b>{APACHE_BODIES[status]}</b>", count=3 if transient else 1)
    text = call(req)
    assert text.startswith(f"{emu.base_url}/{path} answered HTTP {status} {REASONS[status]}: ")
    assert APACHE_BODIES[status].replace("&amp;", "&") in text  # the page's words, without its markup
    assert "<" not in text and ">" not in text and len(text) < 400
    assert emu.request_count(endpoint) == (3 if transient else 1)  # 502/503/504 are retried twice


def test_http_error_then_recovery_is_transparent(emu, make_request):
    req = make_request("LightCurve")
    emu.inject("cancel", "status", status=503, body="Back in a moment")
    ok, per = req.cancelProducts()
    assert ok == 1 and per["LightCurve"]["code"] == 0
    assert emu.request_count("cancel") == 2


def test_http_error_in_the_panel_and_its_html(emu, make_request):
    req = make_request("LightCurve")
    emu.inject("cancel", "status", status=500, body="<script>alert(1)</script>Fatal error: database went away")
    text = panel_error(req)
    assert (
        text == f"{emu.base_url}/canceljob.php answered HTTP 500 Internal Server Error: 500 Fatal error: "
        "database went away"
    )
