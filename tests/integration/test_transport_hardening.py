"""The transport against hostile URLs, proxies and servers: each promise checked on a real socket.

- the host that is checked is the host that is connected to: a base URL that
  two parsers could read differently, or that carries userinfo, a query, a
  fragment, a backslash or odd characters, is refused before anything is
  sent, and a password never appears in the message;
- no proxy from the environment, of any variable requests honours, sees a
  loopback request; a request to any other host honours the environment;
- every call returns within its total deadline, retries included, whatever
  the server does (drips its headers or body, sends endless ``100 Continue``
  lines, stalls and drops on every retry); a stuck server starves no other
  panel;
- reading stops at the cap, after decompression too, and memory stays within
  a few times the cap; an error page is cut to an excerpt before it is read.
"""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc

import pytest

from xrt_widgets import CancelPanel, Emulator, JobBoard, XRTProductRequest, countActiveJobs, listOldJobs
from xrt_widgets.client import ENV_BASE_URL, MAX_REPLY_BYTES, Transport, resolve_base_url
from xrt_widgets.errors import InsecureURLError, ReplyError, TimeoutError_, XRTError

from support import GLOBALS, NOWHERE, PRODUCT_PARS, USER

pytestmark = pytest.mark.timeout(60)


# -- one parser --------------------------------------------------------------------------------


def _crafted(port: int) -> list[str]:
    return [
        f"http://evil.invalid\\@127.0.0.1:{port}/user_objects",  # urllib.parse: 127.0.0.1; urllib3: evil
        f"http://127.0.0.1:{port}\\@evil.invalid/user_objects",
        f"http://evil.invalid\\.127.0.0.1:{port}/user_objects",
        f"http://127.0.0.1@evil.invalid:{port}/user_objects",
        f"http://evil.invalid#@127.0.0.1:{port}/user_objects",
        f"http://evil.invalid?@127.0.0.1:{port}/user_objects",
        f"http://user:hunter2@127.0.0.1:{port}/user_objects",
        f"http://127.0.0.1:{port}/user_objects?x=1",
        f"http://127.0.0.1:{port}/user_objects#frag",
        f"http://127.0.0.1:{port}/user objects",
        f"http://127.0.0.1:{port}/user_\tobjects",
        f"http://127.0.0.1:{port}/\nuser_objects",
        f"http://127.0.0.%31:{port}/user_objects",
        f"http://\uff11\uff12\uff17.0.0.1:{port}/user_objects",  # fullwidth digits
        f"http://127.0.0.1:{port}:{port}/user_objects",
        f"http://[::1:{port}/user_objects",
    ]


@pytest.fixture
def attempts():
    """Every (host, port) this process tries to connect to while the test runs."""
    seen: list = []
    real = socket.socket.connect

    def connect(self, address):
        seen.append(address)
        return real(self, address)

    socket.socket.connect = connect
    try:
        yield seen
    finally:
        socket.socket.connect = real


def test_crafted_urls_are_refused_before_any_connection(emu, attempts, monkeypatch):
    for url in _crafted(emu.port):
        for make in (
            Transport,
            lambda u: XRTProductRequest(USER, base_url=u),
            lambda u: XRTProductRequest.from_job(USER, 7, ["LightCurve"], base_url=u),
            lambda u: JobBoard(USER, base_url=u),
            lambda u: listOldJobs(USER, base_url=u),
            lambda u: countActiveJobs(USER, base_url=u),
        ):
            with pytest.raises(InsecureURLError) as info:
                make(url)
            assert "hunter2" not in str(info.value), url
        monkeypatch.setenv(ENV_BASE_URL, url)
        with pytest.raises(InsecureURLError, match=rf"\(from \${ENV_BASE_URL}\)"):
            Transport()
        monkeypatch.delenv(ENV_BASE_URL)
    assert attempts == []
    assert emu.request_count() == 0


@pytest.mark.parametrize(
    "url,words",
    [
        ("http://evil.invalid\\@127.0.0.1:1/x", "backslash"),
        (f"https://me:s3cret@{NOWHERE}/user_objects", "no user name or password"),
        (f"https://{NOWHERE}/user_objects?debug=1", "no query string or fragment"),
        (f"https://{NOWHERE}/user_objects#top", "no query string or fragment"),
        (f"https://{NOWHERE}/user objects", "white space"),
        ("https://www.outsïde.invalid/user_objects", "non-ASCII"),
        (f"https://{NOWHERE}%2F@x/user_objects", "no user name or password"),
    ],
)
def test_each_refusal_says_why_and_hides_the_password(url, words):
    with pytest.raises(InsecureURLError) as info:
        resolve_base_url(url)
    assert words in str(info.value)
    assert "s3cret" not in str(info.value)


def test_the_url_used_is_rebuilt_from_the_checked_parts():
    assert resolve_base_url(f"HTTPS://{NOWHERE.upper()}:443/user_objects/") == f"https://{NOWHERE}:443/user_objects"
    assert resolve_base_url("http://[::1]:8080/u") == "http://[::1]:8080/u"
    assert resolve_base_url("  http://localhost:5/user_objects  ") == "http://localhost:5/user_objects"


def test_the_host_connected_to_is_the_host_checked(emu, attempts):
    req = XRTProductRequest(USER, base_url=f"http://127.0.0.1:{emu.port}/user_objects")
    req.setGlobalPars(**GLOBALS)
    req.addLightCurve(**PRODUCT_PARS["LightCurve"])
    assert req.submit(), req.submitError
    assert {a[0] for a in attempts} == {"127.0.0.1"}
    req.close()


# -- proxies -----------------------------------------------------------------------------------


class _ProxyListener:
    """A loopback listener standing in for a proxy: records the first line of every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lines: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.lines.append(conn.recv(4096).split(b"\r\n", 1)[0])
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


PROXY_VARIABLES = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]


@pytest.fixture
def proxy(monkeypatch):
    listener = _ProxyListener()
    for name in [*PROXY_VARIABLES, "NO_PROXY", "no_proxy"]:
        monkeypatch.delenv(name, raising=False)
    yield listener
    listener.close()


@pytest.mark.parametrize("variables", [[v] for v in PROXY_VARIABLES] + [PROXY_VARIABLES])
def test_no_proxy_variable_reaches_a_loopback_request(emu, make_request, proxy, monkeypatch, variables):
    for name in variables:
        monkeypatch.setenv(name, proxy.url)
    req = make_request("LightCurve")  # submit, through the same transport
    assert req.cancelProducts() == (1, {"LightCurve": {"code": 0, "text": "Job cancelled OK"}})
    assert emu.request_count("cancel") == 1
    time.sleep(0.1)
    assert proxy.lines == []


def test_a_scheme_and_host_specific_proxy_variable_is_shadowed_too(emu, make_request, proxy, monkeypatch):
    # urllib reads any "<scheme>_proxy" variable; requests looks up "http://127.0.0.1" before "http"
    monkeypatch.setenv("all://127.0.0.1_proxy", proxy.url)
    req = make_request("LightCurve")
    assert req.cancelProducts()[0] == 1
    assert proxy.lines == []


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
def test_requests_to_the_real_service_honour_the_environment(proxy, monkeypatch, variable):
    monkeypatch.setenv(variable, proxy.url)
    transport = Transport("https://outside.invalid/user_objects", retries=0, timeout=(2, 2))
    with pytest.raises(XRTError):  # the stand-in proxy refuses the CONNECT (403)
        transport.post("count", {"UserID": USER})
    transport.close()
    deadline = time.monotonic() + 2
    while not proxy.lines and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(proxy.lines) == 1 and proxy.lines[0].startswith(b"CONNECT outside.invalid:443 HTTP/")


# -- the total deadline ------------------------------------------------------------------------


def _timed(fn):
    start = time.monotonic()
    value = fn()
    return value, time.monotonic() - start


SLOW_FAULTS = [
    ("drip", {"part": "headers", "interval": 0.2}),
    ("drip", {"part": "body", "interval": 0.2}),
    ("continue", {"interval": 0.2}),
    ("endless", {"piece": 64, "interval": 0.2}),
]


@pytest.mark.parametrize("kind,params", SLOW_FAULTS, ids=[f"{k}-{p.get('part', '')}" for k, p in SLOW_FAULTS])
def test_a_slow_server_cannot_hold_a_call_past_its_deadline(emu, kind, params):
    # each read is quick (the read timeout, 30 s, never fires): only the total deadline can end it
    transport = Transport(emu.base_url, deadline=1.5)
    emu.inject("count", kind, **params)
    with pytest.raises(TimeoutError_) as info:
        _timed(lambda: transport.post("count", {"UserID": USER}))
    assert emu.base_url in str(info.value) and "1.5 s deadline" in str(info.value)
    emu.inject("count", kind, **params)
    start = time.monotonic()
    with pytest.raises(TimeoutError_):
        transport.post("count", {"UserID": USER})
    assert 1.4 <= time.monotonic() - start < 2.0
    assert transport.post("count", {"UserID": USER}).data["numJobs"] == 0  # the transport still works
    transport.close()


def test_retries_share_one_deadline(emu):
    # three stalls of 1 s, each followed by a dropped connection, are retried: 3 s without a deadline
    transport = Transport(emu.base_url, deadline=1.5, retries=5)
    emu.inject("count", "stall", count=6, seconds=1.0)
    start = time.monotonic()
    with pytest.raises(TimeoutError_):
        transport.post("count", {"UserID": USER})
    assert time.monotonic() - start < 2.0
    transport.close()


def test_cancel_products_returns_within_the_request_deadline(emu):
    req = XRTProductRequest(USER, base_url=emu.base_url, deadline=1.0)
    req.setGlobalPars(**GLOBALS)
    req.addLightCurve(**PRODUCT_PARS["LightCurve"])
    assert req.submit()
    emu.inject("cancel", "drip", part="headers", interval=0.1)
    (ok, per), took = _timed(lambda: req.cancelProducts())
    assert ok == -1 and emu.base_url + "/canceljob.php" in per["ERROR"] and "deadline" in per["ERROR"]
    assert took < 1.5
    req.close()


def test_a_panel_deadline_caps_its_requests(emu):
    req = XRTProductRequest(USER, base_url=emu.base_url)  # 60 s by default
    req.setGlobalPars(**GLOBALS)
    req.addLightCurve(**PRODUCT_PARS["LightCurve"])
    assert req.submit()
    panel = (
        CancelPanel(req, confirm=False, deadline=1.0, refresh_on_display=False)
        if "refresh_on_display" in CancelPanel.__init__.__code__.co_varnames
        else CancelPanel(req, confirm=False, deadline=1.0)
    )
    emu.inject("cancel", "continue", interval=0.1)
    start = time.monotonic()
    panel.cancel(["LightCurve"]).result(timeout=10)
    assert time.monotonic() - start < 1.6
    assert "deadline" in panel.error and emu.base_url in panel.error
    assert not panel.busy
    panel.close()
    req.close()


def test_a_stuck_server_starves_no_other_panel():
    """Eight panels on a stuck server, then a ninth on a healthy one: the ninth is answered at once."""
    with Emulator(manual_clock=True) as stuck, Emulator(manual_clock=True) as healthy:
        panels = []
        for emu in (stuck,) * 8 + (healthy,):
            req = XRTProductRequest(USER, base_url=emu.base_url, deadline=20)
            req.setGlobalPars(**GLOBALS)
            req.addLightCurve(**PRODUCT_PARS["LightCurve"])
            assert req.submit()
            panels.append(CancelPanel(req, confirm=False))
        stuck.inject("cancel", "drip", count=8, part="headers", interval=0.5, seconds=15)
        stuck_futures = [p.cancel(["LightCurve"]) for p in panels[:8]]
        time.sleep(0.3)
        start = time.monotonic()
        panels[8].cancel(["LightCurve"]).result(timeout=5)
        assert time.monotonic() - start < 1.0
        assert panels[8].result[0] == 1
        assert not any(f.done() for f in stuck_futures)
        for p in panels:
            p.close()
            p.request.close()


# -- bounded memory ----------------------------------------------------------------------------


def _peak(fn):
    tracemalloc.start()
    try:
        value = fn()
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_stops_at_the_cap(emu):
    transport = Transport(emu.base_url)
    emu.inject("count", "gzip_bomb", size=1 << 30)  # 1 GiB of zeros in about 1 MB
    with pytest.raises(ReplyError, match="larger than any valid reply") as info:
        _peak(lambda: transport.post("count", {"UserID": USER}))
    assert "once decompressed" in str(info.value) and emu.base_url in str(info.value)
    emu.inject("count", "gzip_bomb", size=1 << 30)
    peak = 0

    def call():
        with pytest.raises(ReplyError):
            transport.post("count", {"UserID": USER})

    _, peak = _peak(call)
    assert peak < 4 * MAX_REPLY_BYTES
    transport.close()


def test_an_endless_body_stops_at_the_cap(emu):
    transport = Transport(emu.base_url)
    emu.inject("count", "endless")
    start = time.monotonic()

    def call():
        with pytest.raises(ReplyError, match="larger than any valid reply"):
            transport.post("count", {"UserID": USER})

    _, peak = _peak(call)
    assert peak < 4 * MAX_REPLY_BYTES
    assert time.monotonic() - start < 10
    assert transport.post("count", {"UserID": USER}).data["numJobs"] == 0
    transport.close()


def test_a_declared_huge_body_is_not_read(emu):
    transport = Transport(emu.base_url)
    emu.inject("count", "raw", body=b"{" + b" " * (MAX_REPLY_BYTES + 10) + b"}", content_type="application/json")
    with pytest.raises(ReplyError, match=f"{MAX_REPLY_BYTES + 12} bytes, larger than any valid reply"):
        transport.post("count", {"UserID": USER})
    transport.close()


def test_a_huge_hostile_error_page_is_cut_to_an_excerpt(emu):
    transport = Transport(emu.base_url, retries=0)
    page = "<html><head>" * 50_000 + "<script>" * 50_000 + "<p>x</p>" * 50_000  # about 1.4 MB
    emu.inject("count", "status", status=500, body=page)
    start = time.monotonic()
    with pytest.raises(Exception) as info:
        transport.post("count", {"UserID": USER})
    assert time.monotonic() - start < 1.0
    assert str(info.value).startswith(f"{emu.base_url}/getNumJobs.php answered HTTP 500")
    assert len(str(info.value)) < 400
    transport.close()


def test_a_board_deadline_reaches_its_listing_its_jobs_and_their_panels(emu, make_request):
    req = make_request("LightCurve")
    board = JobBoard(USER, base_url=emu.base_url, load=False, deadline=1.0)
    board.reload().result(timeout=10)
    entry = board.entries[req.JobID]
    assert entry.request.transport.deadline == 1.0
    assert board.open_details(req.JobID)._action_deadline == 1.0
    emu.inject("status", "continue", interval=0.1)
    start = time.monotonic()
    board.refresh().result(timeout=10)
    assert time.monotonic() - start < 1.8
    assert "deadline" in board.error and emu.base_url in board.error
    emu.inject("list", "drip", part="headers", interval=0.1)
    start = time.monotonic()
    board.reload().result(timeout=10)
    assert time.monotonic() - start < 1.8 and "deadline" in board.error
    board.close()


def test_a_swifttools_request_that_hangs_frees_its_panel_at_the_deadline(emu):
    # swifttools posts with no timeout at all: only the panel's own deadline can end the action
    import swifttools.ukssdc.xrt_prods as st

    req = st.XRTProductRequest(USER, silent=True)
    req._baseURL = emu.base_url
    req.setGlobalPars(name="GRB 060729", targ="00221755", RA=95.37, Dec=-62.21, centroid=True, useSXPS=False, posErr=1)
    req.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    assert req.submit() is True, req.submitError
    panel = CancelPanel(req, confirm=False, deadline=1.0)
    emu.inject("cancel", "drip", part="headers", interval=0.5, seconds=8)
    start = time.monotonic()
    assert panel.cancel(["LightCurve"]).result(timeout=10) is None
    assert time.monotonic() - start < 2.0
    assert not panel.busy
    assert panel.error.startswith(
        f"Cancel failed: TimeoutError_: No answer from {emu.base_url}/canceljob.php within the 1 s deadline"
    )
    assert panel.statuses.get("LightCurve", {}).get("slug") != "cancelled"
    panel.close()


def test_a_retry_whose_back_off_ends_on_the_deadline_does_not_start(emu):
    # stalls of 0.8 s, dropped and retried: the third attempt would start just as the 2 s deadline passes
    transport = Transport(emu.base_url, deadline=2.0, retries=5, backoff=0.3)
    emu.inject("count", "stall", count=6, seconds=0.8)
    for _ in range(3):
        start = time.monotonic()
        with pytest.raises(TimeoutError_):
            transport.post("count", {"UserID": USER})
        assert time.monotonic() - start < 2.3
        emu.clear_faults()
        emu.inject("count", "stall", count=6, seconds=0.8)
    emu.clear_faults()
    assert transport.post("count", {"UserID": USER}).data["numJobs"] == 0
    transport.close()
