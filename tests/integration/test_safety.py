"""Safety rails: no clear-text ID to other hosts, the ID only ever goes to the base URL, nothing on disk.

- ``http://`` to a host that is not loopback is refused before anything
  is sent, with a message that says why and what to do, whether the URL
  was passed or came from ``$XRT_WIDGETS_BASE_URL``;
- every connection goes to the configured base URL, every request the
  emulator logs carries the user's ID, and a redirect is never followed
  (a 307/308 would re-send the body, ID and all, wherever it pointed);
- a whole session of submit, status, cancel, panel and board writes no file,
  in the working directory, in ``$HOME`` or in the temporary directory.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from xrt_widgets import CancelPanel, Emulator, JobBoard, XRTProductRequest, countActiveJobs, listOldJobs
from xrt_widgets.client import ENV_BASE_URL, Transport
from xrt_widgets.errors import InsecureURLError

from support import GLOBALS, PRODUCT_PARS, REAL_SERVICE_HTTP, USER

REMOTE_HTTP = [
    REAL_SERVICE_HTTP,
    "http://192.0.2.7/user_objects",
    "HTTP://WWW.SWIFT.AC.UK/user_objects",
    "http://127.0.0.1.evil.example/user_objects",
    "http://localhost.evil.example/user_objects",
    "http://[::ffff:192.0.2.7]/user_objects",
    "http://0.0.0.0:8000/user_objects",
    "http://2130706433/user_objects",  # 127.0.0.1 as one number: not accepted as loopback
]
# User-info and fragment tricks ("http://127.0.0.1@evil.example", "http://evil.example#@127.0.0.1") are
# refused by the base-URL policy whatever their host: see test_transport_hardening.py.
NOT_HTTP = [
    "ftp://www.swift.ac.uk/user_objects",
    "file:///etc/passwd",
    "www.swift.ac.uk/user_objects",
    "javascript:alert(1)",
]


@pytest.fixture
def destinations(monkeypatch):
    """Every address this process connects to or looks up, while the test runs."""
    seen: list[tuple[str, object]] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo, real_create = socket.getaddrinfo, socket.create_connection

    def connect(self, address):
        seen.append(("connect", address))
        return real_connect(self, address)

    def connect_ex(self, address):
        seen.append(("connect", address))
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        seen.append(("resolve", host))
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        seen.append(("connect", address))
        return real_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return seen


def _full_session(base_url: str, emu: Emulator) -> None:
    """Everything a user does: submit, status, cancel (with a lost reply), list, count, panel, board."""
    req = XRTProductRequest(USER, base_url=base_url)
    req.setGlobalPars(**GLOBALS)
    for name in ("LightCurve", "Spectrum", "StandardPos", "Image"):
        req.addProduct(name, **PRODUCT_PARS.get(name, {}))
    assert req.submit(), req.submitError
    emu.advance(30)
    assert "ERROR" not in req.checkProductStatus()
    assert req.cancelProducts(["LightCurve"])[0] == 1
    emu.inject("cancel", "drop_after")  # a retry, then a status check
    assert req.cancelProducts(["Spectrum"])[0] == 1
    emu.inject("count", "status", status=503)
    assert countActiveJobs(USER, base_url=base_url) == 1
    assert [j["JobID"] for j in listOldJobs(USER, base_url=base_url)] == [req.JobID]
    panel = CancelPanel(req, confirm=False)
    panel.refresh().result(timeout=10)
    panel.cancel(["StandardPos"]).result(timeout=10)
    assert "xrtw-status-cancelled" in panel.rows["StandardPos"].state._dom_classes
    board = JobBoard(USER, base_url=base_url, load=False)
    board.reload().result(timeout=10)
    board.refresh().result(timeout=10)
    assert list(board.entries) == [req.JobID]
    board.close()
    req.transport.close()


# -- plain http -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", REMOTE_HTTP)
def test_plain_http_to_another_host_is_refused_before_anything_is_sent(url, destinations):
    with pytest.raises(InsecureURLError) as info:
        XRTProductRequest(USER, base_url=url)
    message = str(info.value)
    assert message.startswith(f"Refusing the plain-http base URL {url.rstrip('/')!r}: ")
    assert "your user ID would travel unencrypted" in message
    assert "Use https://, or http:// only to a loopback address such as 127.0.0.1." in message
    for make in (
        lambda: XRTProductRequest.from_job(USER, 1001, ["LightCurve"], base_url=url),
        lambda: listOldJobs(USER, base_url=url),
        lambda: countActiveJobs(USER, base_url=url),
        lambda: JobBoard(USER, base_url=url),
        lambda: Transport(url),
    ):
        with pytest.raises(InsecureURLError):
            make()
    assert destinations == []  # refused before a single lookup or connection


@pytest.mark.parametrize("url", NOT_HTTP)
def test_other_schemes_are_refused(url, destinations):
    with pytest.raises(InsecureURLError, match="is not an http\\(s\\) URL with a host"):
        XRTProductRequest(USER, base_url=url)
    assert destinations == []


@pytest.mark.parametrize("url", REMOTE_HTTP[:3])
def test_plain_http_from_the_environment_is_refused_and_named(url, monkeypatch, destinations):
    monkeypatch.setenv(ENV_BASE_URL, url)
    with pytest.raises(InsecureURLError) as info:
        XRTProductRequest(USER)
    message = str(info.value)
    assert f"{url.rstrip('/')!r} (from $XRT_WIDGETS_BASE_URL)" in message
    assert "unencrypted" in message and "https://" in message
    with pytest.raises(InsecureURLError, match="from \\$XRT_WIDGETS_BASE_URL"):
        listOldJobs(USER)
    with pytest.raises(InsecureURLError, match="from \\$XRT_WIDGETS_BASE_URL"):
        JobBoard(USER, load=False)
    assert destinations == []


def test_an_explicit_base_url_is_not_blamed_on_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_BASE_URL, "http://127.0.0.1:8123/user_objects")
    with pytest.raises(InsecureURLError) as info:
        XRTProductRequest(USER, base_url=REAL_SERVICE_HTTP)
    assert "XRT_WIDGETS_BASE_URL" not in str(info.value)


# -- the user's ID goes to the base URL only ------------------------------------------------------


def test_the_id_only_goes_to_the_configured_base_url(emu, destinations):
    _full_session(emu.base_url, emu)
    connects = {address for kind, address in destinations if kind == "connect"}
    lookups = {host for kind, host in destinations if kind == "resolve"}
    assert connects == {("127.0.0.1", emu.port)}
    assert lookups <= {"127.0.0.1"}
    log = emu.log
    assert len(log) >= 10
    for entry in log:
        assert isinstance(entry["body"], dict) and entry["body"]["UserID"] == USER, entry
        assert entry["user_agent"].startswith("xrt_widgets/")


def test_the_base_url_from_the_environment_is_the_only_destination(emu, monkeypatch, destinations):
    monkeypatch.setenv(ENV_BASE_URL, emu.base_url)
    req = XRTProductRequest(USER)
    req.setGlobalPars(**GLOBALS)
    req.addLightCurve(**PRODUCT_PARS["LightCurve"])
    assert req.submit() and req.cancelProducts()[0] == 1
    assert {a for k, a in destinations if k == "connect"} == {("127.0.0.1", emu.port)}
    assert [e["body"]["UserID"] for e in emu.log] == [USER, USER]
    req.transport.close()


class _Redirector(BaseHTTPRequestHandler):
    """Answers every POST with a redirect to ``server.location``."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.server.status)
        self.send_header("Location", self.server.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed(status, destinations):
    with Emulator(manual_clock=True) as other:
        job = other.add_job(USER, ["LightCurve"])
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
        server.status, server.location = status, f"{other.base_url}/canceljob.php"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}/user_objects"
            req = XRTProductRequest.from_job(USER, job, ["LightCurve"], base_url=base)
            ok, per = req.cancelProducts()
            req.transport.close()
        finally:
            server.shutdown()
            server.server_close()
        assert ok == -1
        assert per["ERROR"].startswith(f"{base}/canceljob.php answered HTTP {status} ")
        assert f"a redirect to '{other.base_url}/canceljob.php'; it was not followed" in per["ERROR"]
        assert other.log == []  # the other server never heard of this user
        assert ("connect", ("127.0.0.1", other.port)) not in destinations
        assert other.status(job, "LightCurve") == 1


# -- nothing on disk ------------------------------------------------------------------------------


def _all_files(*roots) -> list[str]:
    return sorted(os.path.join(d, f) for root in roots for d, dirs, files in os.walk(root) for f in dirs + files)


def test_nothing_is_written_to_disk(tmp_path, monkeypatch):
    cwd, home, tmp = tmp_path / "cwd", tmp_path / "home", tmp_path / "tmp"
    for d in (cwd, home, tmp):
        d.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # so that tempfile looks at TMPDIR again
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", ENV_BASE_URL):
        monkeypatch.delenv(name, raising=False)
    with Emulator(manual_clock=True) as emu:
        _full_session(emu.base_url, emu)
    assert tempfile.gettempdir() == str(tmp)
    assert _all_files(cwd, home, tmp) == []


def test_a_fresh_process_writes_nothing_either(tmp_path):
    """Import included: a new interpreter with an empty HOME, working directory and TMPDIR."""
    cwd, home, tmp = tmp_path / "cwd", tmp_path / "home", tmp_path / "tmp"
    for d in (cwd, home, tmp):
        d.mkdir()
    script = textwrap.dedent(f"""
        from xrt_widgets import CancelPanel, Emulator, XRTProductRequest
        with Emulator(manual_clock=True) as emu:
            req = XRTProductRequest({USER!r}, base_url=emu.base_url)
            req.setGlobalPars(**{GLOBALS!r})
            req.addLightCurve(binMeth="snapshot"); req.addSpectrum(hasRedshift=False)
            assert req.submit(), req.submitError
            panel = CancelPanel(req)
            panel.refresh().result(timeout=10)
            ok, per = panel.cancel("all").result(timeout=10)
            assert ok == 1, (ok, per)
            print("cycle done")
    """)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XDG_", "JUPYTER_", "IPYTHON", "MPLCONFIG", "XRT_WIDGETS_"))
    }
    env.update(HOME=str(home), TMPDIR=str(tmp), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "cycle done"
    assert _all_files(cwd, home, tmp) == []


def test_a_proxy_from_the_environment_never_sees_a_loopback_request(emu, make_request, monkeypatch):
    import socket as _socket

    dead = _socket.socket()
    dead.bind(("127.0.0.1", 0))  # bound, not listening: a proxy there would refuse every connection
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead.getsockname()[1]}")
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{dead.getsockname()[1]}")
    try:
        req = make_request("LightCurve")
        assert req.cancelProducts() == (1, {"LightCurve": {"code": 0, "text": "Job cancelled OK"}})
    finally:
        dead.close()
