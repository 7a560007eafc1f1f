"""The transport: base URL rules, the one POST choke point, reply validation, errors and retries."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from xrt_widgets import __version__, client, errors
from xrt_widgets.client import DEFAULT_BASE_URL, ENDPOINTS, Transport, resolve_base_url
from xrt_widgets.errors import (
    HTTPStatusError,
    InsecureURLError,
    ReplyError,
    ServiceError,
    TimeoutError_,
    TransportError,
    XRTError,
)

from support import NOWHERE, REAL_SERVICE_HTTP, USER, unanswered_listener


@pytest.fixture
def transport(emu):
    made = Transport(emu.base_url, timeout=(2.0, 5.0))
    yield made
    made.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reply(**keys):
    return {"OK": 1, "APIVersion": "1.12", **keys}


# -- base URL -----------------------------------------------------------------------------------


def test_default_base_url_is_the_real_service(monkeypatch):
    monkeypatch.delenv(client.ENV_BASE_URL, raising=False)
    assert urlsplit(DEFAULT_BASE_URL)[:3] == ("https", "www.swift.ac.uk", "/user_objects")
    assert resolve_base_url() == DEFAULT_BASE_URL
    assert Transport().base_url == DEFAULT_BASE_URL


def test_environment_variable_sets_the_base_url(monkeypatch):
    assert client.ENV_BASE_URL == "XRT_WIDGETS_BASE_URL"
    monkeypatch.setenv("XRT_WIDGETS_BASE_URL", "http://127.0.0.1:8123/user_objects/")
    assert resolve_base_url() == "http://127.0.0.1:8123/user_objects"
    assert Transport().url_for("cancel") == "http://127.0.0.1:8123/user_objects/canceljob.php"


def test_explicit_base_url_beats_the_environment(monkeypatch):
    monkeypatch.setenv("XRT_WIDGETS_BASE_URL", "http://127.0.0.1:8123/user_objects")
    assert resolve_base_url(f"https://mirror.{NOWHERE}/uo") == f"https://mirror.{NOWHERE}/uo"


def test_environment_is_checked_too(monkeypatch):
    monkeypatch.setenv("XRT_WIDGETS_BASE_URL", REAL_SERVICE_HTTP)
    with pytest.raises(InsecureURLError):
        Transport()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000/user_objects",
        "http://127.8.9.10/user_objects",
        "http://localhost:80/user_objects",
        "http://[::1]:8080/user_objects",
        DEFAULT_BASE_URL,
        "https://192.0.2.7/user_objects",
    ],
)
def test_accepted_base_urls(url):
    assert resolve_base_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        REAL_SERVICE_HTTP,
        "http://192.168.1.10/user_objects",
        f"http://127.0.0.1.{NOWHERE}/user_objects",
        f"http://localhost.{NOWHERE}/user_objects",
        "ftp://127.0.0.1/user_objects",
        "file:///tmp/user_objects",
        "www.swift.ac.uk/user_objects",
        "https:///user_objects",
    ],
)
def test_refused_base_urls(url):
    with pytest.raises(InsecureURLError):
        resolve_base_url(url)


def test_insecure_url_error_is_a_value_error():
    assert issubclass(InsecureURLError, ValueError)


def test_trailing_slash_and_space_are_dropped():
    assert resolve_base_url(f" https://{NOWHERE}/uo/ ") == f"https://{NOWHERE}/uo"


# -- construction -------------------------------------------------------------------------------


def test_timeout_forms():
    assert Transport(f"https://{NOWHERE}", timeout=3).timeout == (3.0, 3.0)
    assert Transport(f"https://{NOWHERE}", timeout=(1, 7.5)).timeout == (1.0, 7.5)
    assert Transport(f"https://{NOWHERE}").timeout == client.DEFAULT_TIMEOUT
    connect, read = client.DEFAULT_TIMEOUT
    assert 0 < connect <= read


def test_session_with_verification_off_is_refused():
    session = requests.Session()
    session.verify = False
    with pytest.raises(ValueError, match="verif"):
        Transport(f"https://{NOWHERE}", session=session)
    session.close()


def test_a_given_session_is_used_and_left_open(emu):
    session = requests.Session()
    transport = Transport(emu.base_url, session=session)
    assert transport.session is session
    transport.post("count", {"UserID": USER})
    transport.close()
    # Still usable: close() only closes sessions the transport made.
    assert session.post(f"{emu.base_url}/getNumJobs.php", json={"UserID": USER}).json()["OK"] == 1
    session.close()
    assert emu.request_count("count") == 2


def test_user_agent_names_the_package_and_version(emu, transport):
    transport.post("count", {"UserID": USER})
    (entry,) = emu.log
    assert entry["user_agent"].startswith(f"xrt_widgets/{__version__} ")
    assert entry["user_agent"] == f"xrt_widgets/{__version__} python-requests/{requests.__version__}"


def test_user_agent_is_set_on_a_given_session_too(emu):
    session = requests.Session()
    Transport(emu.base_url, session=session).post("count", {"UserID": USER})
    session.close()
    assert emu.log[0]["user_agent"].startswith("xrt_widgets/")


def test_url_for_every_endpoint(transport, emu):
    assert set(ENDPOINTS) == {"submit", "status", "cancel", "list", "count"}
    for endpoint, (path, _) in ENDPOINTS.items():
        assert transport.url_for(endpoint) == f"{emu.base_url}/{path}"


# -- the choke point ----------------------------------------------------------------------------


def test_post_adds_api_name_and_version(emu, transport):
    reply = transport.post("count", {"UserID": USER})
    assert reply.data == {"OK": 1, "APIVersion": "1.12", "numJobs": 0}
    assert reply.status == 200 and reply.retried == 0 and reply.warnings == []
    assert reply.url == f"{emu.base_url}/getNumJobs.php"
    assert emu.log[0]["body"] == {"UserID": USER, "api_name": "xrt_prods", "api_version": "1.12"}


def test_post_does_not_change_the_callers_body(transport):
    body = {"UserID": USER}
    transport.post("count", body)
    assert body == {"UserID": USER}


def test_one_session_one_connection(emu, transport):
    for _ in range(5):
        transport.post("count", {"UserID": USER})
    assert emu.request_count("count") == 5
    pools = transport.session.adapters["http://"].poolmanager.pools
    # urllib3's pool container refuses iteration (not thread-safe) but gives keys()
    opened = [pools[key].num_connections for key in pools.keys()]  # noqa: SIM118
    assert opened == [1]  # every request after the first reused the connection


def test_deprecation_warning_is_kept(emu, transport):
    emu.inject(
        "count", "mutate", func=lambda r: {**r, "deprecationWarning": {"type": "old", "message": "Please update"}}
    )
    assert transport.post("count", {"UserID": USER}).warnings == ["Please update"]


def test_service_error_keeps_message_url_and_list_errors(emu, transport):
    with pytest.raises(ServiceError) as info:
        transport.post("submit", {"UserID": USER, "lc": 1})
    exc = info.value
    assert exc.url == f"{emu.base_url}/run_userobject.php"
    assert exc.status == 200
    assert "parameters are invalid" in exc.message
    assert exc.list_errors[0]["label"] == "Global parameters"
    assert any(m.startswith("name:") for m in exc.list_errors[0]["list"])


def test_service_error_without_error_text(emu, transport):
    emu.inject("count", "json", value={"OK": 0, "APIVersion": "1.12"})
    with pytest.raises(ServiceError, match="without saying why"):
        transport.post("count", {"UserID": USER})


def test_malformed_list_errors_are_normalised(emu, transport):
    emu.inject(
        "submit",
        "json",
        value={
            "OK": 0,
            "APIVersion": "1.12",
            "ERROR": "bad",
            "listErr": [{"label": 7, "list": ["a", 2]}, "junk", {"list": "x"}],
        },
    )
    with pytest.raises(ServiceError) as info:
        transport.post("submit", {"UserID": USER})
    assert info.value.list_errors == [{"label": "7", "list": ["a", "2"]}, {"label": "None", "list": []}]


def test_http_500_with_html(emu, transport):
    emu.inject("cancel", "status", status=500, body="Fatal error: <b>database</b> went away")
    with pytest.raises(HTTPStatusError) as info:
        transport.post("cancel", {"UserID": USER, "JobID": 1, "what": "lc"})
    exc = info.value
    assert exc.status == 500
    assert exc.url.endswith("/canceljob.php")
    assert "HTTP 500" in str(exc) and "database went away" in str(exc)
    assert "<" not in str(exc)
    assert emu.request_count("cancel") == 1  # a 500 is not retried


def test_http_503_is_retried_then_reported(emu, transport):
    emu.inject("count", "status", status=503, count=3)
    with pytest.raises(HTTPStatusError) as info:
        transport.post("count", {"UserID": USER})
    assert info.value.status == 503
    assert emu.request_count("count") == 3


def test_http_503_once_is_retried_transparently(emu, transport):
    emu.inject("count", "status", status=503)
    reply = transport.post("count", {"UserID": USER})
    assert reply.data["numJobs"] == 0
    assert reply.retried == 1
    assert emu.request_count("count") == 2


@pytest.mark.parametrize("value", [[1, 2], "OK", None, 17])
def test_json_that_is_not_an_object(emu, transport, value):
    emu.inject("count", "json", value=value)
    with pytest.raises(ReplyError, match="not an object"):
        transport.post("count", {"UserID": USER})


def test_not_json(emu, transport):
    emu.inject("count", "not_json")
    with pytest.raises(ReplyError, match="not JSON") as info:
        transport.post("count", {"UserID": USER})
    assert "Too many connections" in str(info.value)
    assert isinstance(info.value.cause, ValueError)


def test_not_utf8(emu, transport):
    emu.inject("count", "raw", body=b"\xff\xfe{}", content_type="application/json")
    with pytest.raises(ReplyError, match="not JSON"):
        transport.post("count", {"UserID": USER})


def test_empty_body(emu, transport):
    emu.inject("count", "raw", body=b"")
    with pytest.raises(ReplyError, match="not JSON"):
        transport.post("count", {"UserID": USER})


def test_huge_reply_is_refused(emu, transport):
    emu.inject("count", "raw", body=b" " * (client.MAX_REPLY_BYTES + 1))
    with pytest.raises(ReplyError, match="larger than any valid reply"):
        transport.post("count", {"UserID": USER})


@pytest.mark.parametrize(
    "value,missing",
    [
        ({"APIVersion": "1.12", "numJobs": 1}, "OK"),
        ({"OK": 1, "numJobs": 1}, "APIVersion"),
        ({"numJobs": 1}, "OK, APIVersion"),
    ],
)
def test_reply_without_ok_or_api_version(emu, transport, value, missing):
    emu.inject("count", "json", value=value)
    with pytest.raises(ReplyError, match=f"lacks {missing}"):
        transport.post("count", {"UserID": USER})


@pytest.mark.parametrize("ok", [True, "1", 3, -1, 1.0, None])
def test_reply_with_a_bad_ok(emu, transport, ok):
    emu.inject("count", "json", value={"OK": ok, "APIVersion": "1.12", "numJobs": 1})
    with pytest.raises(ReplyError, match="which is not 0, 1 or 2"):
        transport.post("count", {"UserID": USER})


@pytest.mark.parametrize(
    "endpoint,body",
    [
        ("submit", {"UserID": USER, "name": "x", "targ": "1", "RA": 1.0, "Dec": 2.0, "lc": 1}),
        ("status", {"UserID": USER, "JobID": 1001, "what": "lc"}),
        ("cancel", {"UserID": USER, "JobID": 1001, "what": "lc"}),
        ("list", {"UserID": USER}),
        ("count", {"UserID": USER}),
    ],
)
def test_missing_endpoint_keys(emu, transport, endpoint, body):
    emu.add_job(USER, ["lc"])
    emu.inject(endpoint, "missing_keys")
    with pytest.raises(ReplyError) as info:
        transport.post(endpoint, body)
    for key in ENDPOINTS[endpoint][1]:
        assert key in str(info.value)


def test_one_missing_key_is_named(emu, transport):
    emu.add_job(USER, ["lc"])
    emu.inject("cancel", "missing_keys", keys=["statusCodes"])
    with pytest.raises(ReplyError, match=r"lacks statusCodes;"):
        transport.post("cancel", {"UserID": USER, "JobID": 1001, "what": "lc"})


# -- transport faults ---------------------------------------------------------------------------


def test_connection_refused():
    url = f"http://127.0.0.1:{_free_port()}/user_objects"
    transport = Transport(url, retries=0)
    with pytest.raises(TransportError, match="connection refused") as info:
        transport.post("count", {"UserID": USER})
    assert info.value.url == f"{url}/getNumJobs.php"
    assert info.value.status is None
    assert isinstance(info.value.cause, requests.ConnectionError)
    assert not isinstance(info.value, TimeoutError_)


def test_connect_timeout():
    with unanswered_listener() as port:
        transport = Transport(f"http://127.0.0.1:{port}/user_objects", timeout=(0.3, 1.0), retries=0)
        started = time.monotonic()
        with pytest.raises(TimeoutError_, match="Timed out connecting"):
            transport.post("count", {"UserID": USER})
    assert time.monotonic() - started < 2


def test_read_timeout_is_not_retried(emu):
    transport = Transport(emu.base_url, timeout=(2.0, 0.2))
    emu.inject("count", "delay", seconds=1.0)
    started = time.monotonic()
    with pytest.raises(TimeoutError_, match="Timed out waiting for the reply") as info:
        transport.post("count", {"UserID": USER})
    assert time.monotonic() - started < 0.9  # the timeout, not the reply, ended the wait
    assert isinstance(info.value, TransportError)
    assert emu.request_count("count") == 1
    transport.close()


def test_a_short_delay_is_fine(emu):
    transport = Transport(emu.base_url, timeout=(2.0, 2.0))
    emu.inject("count", "delay", seconds=0.1)
    assert transport.post("count", {"UserID": USER}).data["numJobs"] == 0
    transport.close()


def test_dropped_connection_is_retried(emu, transport):
    emu.inject("count", "drop", count=2)
    reply = transport.post("count", {"UserID": USER})
    assert reply.data["OK"] == 1
    assert reply.retried == 2
    assert emu.request_count("count") == 3


def test_dropped_connection_every_time(emu, transport):
    emu.inject("count", "drop", count=3)
    with pytest.raises(TransportError, match="closed the connection without replying"):
        transport.post("count", {"UserID": USER})
    assert emu.request_count("count") == 3


def test_dropped_connection_without_retries(emu):
    transport = Transport(emu.base_url, retries=0)
    emu.inject("count", "drop")
    with pytest.raises(TransportError):
        transport.post("count", {"UserID": USER})
    assert emu.request_count("count") == 1
    transport.close()


def test_reset_in_the_middle_of_the_body(emu):
    transport = Transport(emu.base_url, retries=0)
    emu.inject("count", "reset")
    with pytest.raises(TransportError) as info:
        transport.post("count", {"UserID": USER})
    assert info.value.url.endswith("/getNumJobs.php")
    assert emu.request_count("count") == 1
    # The transport recovers on the next call.
    assert transport.post("count", {"UserID": USER}).data["OK"] == 1
    transport.close()


# -- errors.from_exception ----------------------------------------------------------------------

URL = f"https://{NOWHERE}/user_objects/canceljob.php"


def _raised_while_handling(outer: BaseException, inner: BaseException) -> BaseException:
    """``outer`` as requests raises it: while handling ``inner`` (so ``__context__`` is set)."""
    try:
        try:
            raise inner
        except BaseException:
            raise outer  # noqa: B904 - implicit chaining (__context__ only) is what requests does
    except BaseException as exc:
        return exc


@pytest.mark.parametrize(
    "exc,kind,words",
    [
        (requests.exceptions.ConnectTimeout("x"), TimeoutError_, "Timed out connecting"),
        (requests.exceptions.ReadTimeout("x"), TimeoutError_, "Timed out waiting"),
        (requests.exceptions.SSLError("certificate verify failed"), TransportError, "TLS error"),
        (
            _raised_while_handling(
                requests.exceptions.ConnectionError("Max retries exceeded"),
                ConnectionRefusedError(111, "Connection refused"),
            ),
            TransportError,
            "connection refused",
        ),
        (
            _raised_while_handling(
                requests.exceptions.ConnectionError("Connection aborted"),
                ConnectionResetError(104, "Connection reset by peer"),
            ),
            TransportError,
            "connection reset by the server",
        ),
        (requests.exceptions.ChunkedEncodingError("IncompleteRead(5 bytes read)"), TransportError, "cut off"),
        (requests.exceptions.TooManyRedirects("loop"), TransportError, "failed"),
        (ZeroDivisionError("boom"), XRTError, "ZeroDivisionError: boom"),
    ],
)
def test_from_exception(exc, kind, words):
    out = XRTError.from_exception(exc, URL)
    assert type(out) is kind
    assert words in str(out)
    assert out.url == URL
    assert out.cause is exc
    assert out.status is None


def test_from_exception_keeps_an_xrt_error():
    original = ReplyError("bad", url=URL, status=200)
    assert XRTError.from_exception(original, "other") is original


def test_error_hierarchy():
    assert issubclass(TimeoutError_, TransportError)
    for cls in (TransportError, HTTPStatusError, ReplyError, ServiceError):
        assert issubclass(cls, XRTError)
    exc = HTTPStatusError("nope", url=URL, status=502)
    assert (str(exc), exc.url, exc.status, exc.cause) == ("nope", URL, 502, None)
    assert ServiceError("x").list_errors == []
    assert set(errors.__all__) >= {"XRTError", "TransportError", "HTTPStatusError", "ReplyError", "ServiceError"}


def test_ok_2_is_only_a_cancel_answer(emu):
    from xrt_widgets.client import Transport
    from xrt_widgets.errors import ReplyError

    emu.inject("count", "json", value={"OK": 2, "APIVersion": "1.12", "numJobs": 0})
    with pytest.raises(ReplyError, match="only a cancel"):
        Transport(emu.base_url).post("count", {"UserID": "a@b.c"})


def test_a_newer_api_version_is_reported_as_a_warning(emu):
    from xrt_widgets.client import Transport

    emu.inject("count", "json", value={"OK": 1, "APIVersion": "1.13", "numJobs": 0})
    reply = Transport(emu.base_url).post("count", {"UserID": "a@b.c"})
    assert any("1.13" in w and "newer" in w for w in reply.warnings)
    emu.inject("count", "json", value={"OK": 1, "APIVersion": "x.y", "numJobs": 0})
    assert Transport(emu.base_url).post("count", {"UserID": "a@b.c"}).warnings == []


def test_a_session_keeps_its_own_user_agent(emu):
    import requests

    from xrt_widgets.client import Transport

    session = requests.Session()
    session.headers["User-Agent"] = "my-pipeline/2"
    Transport(emu.base_url, session=session).post("count", {"UserID": "a@b.c"})
    assert emu.log[-1]["user_agent"] == "my-pipeline/2"


@pytest.mark.parametrize("default", ["python-requests/2.32.3", b"python-requests/2.32.3"])
def test_a_session_with_requests_default_user_agent_gets_ours_even_as_bytes(emu, default):
    import requests

    from xrt_widgets.client import USER_AGENT, Transport

    session = requests.Session()
    session.headers["User-Agent"] = default
    Transport(emu.base_url, session=session).post("count", {"UserID": "a@b.c"})
    assert emu.log[-1]["user_agent"] == USER_AGENT


# -- a submit is retried only when it never reached the server -------------------------------------


def test_a_dropped_submit_is_not_retried_while_other_endpoints_are(emu, transport):
    submit_body = {"UserID": USER, "name": "x", "targ": "1", "RA": 1.0, "Dec": 2.0, "lc": 1}
    emu.inject("submit", "drop_after")
    with pytest.raises(TransportError, match="closed the connection without replying") as info:
        transport.post("submit", submit_body)
    assert emu.request_count("submit") == 1 and list(emu.store.jobs) == [1001]
    assert client.may_have_arrived(info.value)
    emu.inject("cancel", "drop_after")
    assert transport.post("cancel", {"UserID": USER, "JobID": 1001, "what": "lc"}).retried == 1
    assert emu.request_count("cancel") == 2
    emu.inject("submit", "status", status=502)
    with pytest.raises(HTTPStatusError):
        transport.post("submit", submit_body)
    assert emu.request_count("submit") == 2
    assert transport.post("submit", submit_body).data["JobID"] == 1002  # the same session, still usable


def test_the_submit_and_the_other_endpoints_share_one_session(emu, transport):
    session = transport.session
    submit_adapter = session.get_adapter(transport.url_for("submit"))
    assert submit_adapter is not session.get_adapter(transport.url_for("cancel"))
    assert session.get_adapter(transport.url_for("cancel")) is session.get_adapter(transport.url_for("status"))
    retry = submit_adapter.max_retries
    assert (retry.connect, retry.read, retry.status, set(retry.status_forcelist)) == (2, 0, 0, set())


def test_a_refused_submit_connection_is_retried(emu, transport, monkeypatch):
    """A refused connect never reached the server, so a submit may safely try again."""
    import urllib3.connection
    from urllib3.exceptions import NewConnectionError

    original = urllib3.connection.HTTPConnection._new_conn
    refused = []

    def refuse_once(self):
        if not refused:
            refused.append(self.port)
            raise NewConnectionError(self, "Failed to establish a new connection: [Errno 111] Connection refused")
        return original(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "_new_conn", refuse_once)
    reply = transport.post("submit", {"UserID": USER, "name": "x", "targ": "1", "RA": 1.0, "Dec": 2.0, "lc": 1})
    assert refused == [emu.port]
    assert reply.retried == 1 and reply.data["JobID"] == 1001
    assert emu.request_count("submit") == 1


def test_may_have_arrived():
    from urllib3.exceptions import NewConnectionError

    url = f"https://{NOWHERE}/user_objects/run_userobject.php"
    never = errors.XRTError.from_exception(
        requests.exceptions.ConnectionError(NewConnectionError(None, "refused")), url
    )
    assert not client.may_have_arrived(never)
    assert not client.may_have_arrived(errors.XRTError.from_exception(requests.exceptions.ConnectTimeout("t"), url))
    assert client.may_have_arrived(errors.XRTError.from_exception(requests.exceptions.ReadTimeout("t"), url))
    assert not client.may_have_arrived(ServiceError("no", url=url, status=200))
    assert client.may_have_arrived(HTTPStatusError("x", url=url, status=504))
    assert not client.may_have_arrived(HTTPStatusError("x", url=url, status=404))
    assert client.may_have_arrived(ReplyError("x", url=url, status=200))
