"""The transport: one ``requests.Session``, one ``_post()`` choke point, timeouts.

Every call to the UKSSDC service goes through :meth:`Transport.post`, which
adds the API name and version to the body, POSTs it as JSON with explicit
connect/read timeouts, retries transient failures with urllib3's ``Retry``
and validates the reply (``OK``, ``APIVersion`` and the keys the endpoint
must return). Anything that goes wrong comes out as an
:class:`~xrt_widgets.errors.XRTError` carrying the URL, the HTTP status and
the cause. This module imports no widget code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import requests
from urllib3.exceptions import ConnectTimeoutError

from ._version import __version__
from .deadline import DEFAULT_DEADLINE, Deadline, check_deadline, scope_remaining
from .errors import HTTPStatusError, ListError, ReplyError, ServiceError, TimeoutError_, TransportError, XRTError
from .markup import html_to_text

# The protocol's facts are written once, in .protocol; API_NAME, API_VERSION and ENDPOINTS stay
# importable from here for code written before they moved.
from .protocol import API_NAME, API_VERSION, ENDPOINTS, ENVELOPE_KEYS, excerpt
from .urls import is_loopback, parse_base_url
from .wire import DeadlineAdapter, DeadlineRetry, TooLarge, call_deadline, read_capped

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_BASE_URL",
    "API_NAME",
    "API_VERSION",
    "DEFAULT_TIMEOUT",
    "DEFAULT_DEADLINE",
    "ENDPOINTS",
    "Reply",
    "Transport",
    "resolve_base_url",
]

DEFAULT_BASE_URL = "https://www.swift.ac.uk/user_objects"
ENV_BASE_URL = "XRT_WIDGETS_BASE_URL"
#: (connect, read) seconds.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
#: A reply larger than this (after decompression) is refused; reading stops there.
MAX_REPLY_BYTES = 8 * 1024 * 1024
#: Of an error page (an HTTP status other than 200), only this much is read, for its excerpt.
ERROR_EXCERPT_BYTES = 16 * 1024
USER_AGENT = f"xrt_widgets/{__version__} python-requests/{requests.__version__}"

Timeout: TypeAlias = float | tuple[float, float]


def resolve_base_url(base_url: str | None = None) -> str:
    """The base URL to use: ``base_url``, else ``$XRT_WIDGETS_BASE_URL``, else the real service.

    The URL is read once, by the parser the transport itself uses, and
    rebuilt from its parts (see :mod:`xrt_widgets.urls`).

    Raises
    ------
    InsecureURLError
        For a plain ``http://`` URL whose host is not loopback, a scheme
        other than http/https, or anything a base URL never needs (user
        name or password, query, fragment, backslash, white space, non-ASCII
        text), or a URL that two parsers read differently. The user's ID
        travels in every request body, so it is only ever sent in clear
        text to this machine, and only to the host that was checked.
    """
    from_env = os.environ.get(ENV_BASE_URL)
    url = base_url or from_env or DEFAULT_BASE_URL
    # Say where a refused URL came from: a forgotten environment variable is hard to find otherwise.
    source = f" (from ${ENV_BASE_URL})" if not base_url and from_env else ""
    return parse_base_url(url, source=source).url


@dataclass
class Reply:
    """A validated reply: the decoded JSON object and how it was obtained."""

    data: dict[str, Any]
    url: str
    status: int = 200
    #: How many times urllib3 retried before this reply (0: first attempt answered).
    retried: int = 0
    warnings: list[str] = field(default_factory=list)


class Transport:
    """Talks JSON over HTTPS to the UKSSDC service (or to an emulator on loopback).

    Parameters
    ----------
    base_url : str, optional
        Defaults to ``$XRT_WIDGETS_BASE_URL``, else the real service.
    timeout : float or (float, float), optional
        Connect and read timeouts in seconds.
    session : requests.Session, optional
        A session to use (and share); one is made otherwise. TLS
        verification must stay on.
    retries : int, optional
        How many times to retry a transient failure (connection errors,
        a dropped connection, HTTP 502/503/504). A submit, which would
        create a second job if its first attempt had reached the server,
        is retried only after a connection error.
    backoff : float, optional
        urllib3's backoff factor between retries, in seconds.
    deadline : float, optional
        Seconds a call may take in all, retries included (default 60),
        whatever the server does: a reply dripped a byte at a time, or
        endless ``100 Continue`` lines, end there with a
        :class:`~xrt_widgets.errors.TimeoutError_`. A tighter
        :func:`~xrt_widgets.deadline.deadline_scope` around a call wins.
        On a session passed in, the sockets obey it only where a
        :class:`~xrt_widgets.wire.DeadlineAdapter` is mounted (the sessions
        this class makes have one).

    Notes
    -----
    Requests to a loopback base URL never go through a proxy from the
    environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and their
    lower-case forms, whatever scheme they name): the user's ID travels in
    clear text there. Requests to any other host honour the environment as
    ``requests`` does.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        retries: int = 2,
        backoff: float = 0.1,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        self.base_url = resolve_base_url(base_url)
        self.deadline = check_deadline(deadline)
        self._proxies = _no_proxies(self.base_url) if is_loopback(_host_of(self.base_url)) else None
        if isinstance(timeout, (int, float)):
            timeout = (float(timeout), float(timeout))
        self.timeout: tuple[float, float] = (float(timeout[0]), float(timeout[1]))
        self._own_session = session is None
        if session is None:
            session = requests.Session()
            retry = DeadlineRetry(
                total=retries,
                connect=retries,
                read=retries,
                status=retries,
                other=0,
                backoff_factor=backoff,
                backoff_max=2.0,
                status_forcelist=(502, 503, 504),
                allowed_methods=frozenset({"POST"}),
                raise_on_status=False,
                respect_retry_after_header=False,
            )
            adapter = DeadlineAdapter(max_retries=retry, pool_connections=4, pool_maxsize=8)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            # A submit is not idempotent: one that reached the server may have created a job even if
            # its reply was lost (a dropped connection, a 502-504 from a gateway), and a retry would
            # create a second one. So a submit is retried only when it never left this machine (a
            # connection error). requests picks the adapter of the longest matching prefix.
            submit_retry = DeadlineRetry(
                total=retries,
                connect=retries,
                read=0,
                status=0,
                other=0,
                backoff_factor=backoff,
                backoff_max=2.0,
                allowed_methods=frozenset({"POST"}),
                raise_on_status=False,
                respect_retry_after_header=False,
            )
            session.mount(
                self.url_for("submit"), DeadlineAdapter(max_retries=submit_retry, pool_connections=1, pool_maxsize=2)
            )
        if session.verify is False:
            raise ValueError("TLS verification must stay on: the session passed has verify=False.")
        if self._own_session or _is_requests_default(session.headers.get("User-Agent")):
            session.headers["User-Agent"] = USER_AGENT  # a session's own User-Agent is the caller's choice
        self.session = session

    def url_for(self, endpoint: str) -> str:
        """The full URL of ``endpoint`` (a key of :data:`ENDPOINTS`)."""
        return f"{self.base_url}/{ENDPOINTS[endpoint].path}"

    def post(self, endpoint: str, body: Mapping[str, Any]) -> Reply:
        """POST ``body`` to ``endpoint`` and return the validated reply.

        Raises
        ------
        TransportError
            Not sent, refused, timed out, or cut off.
        HTTPStatusError
            Any HTTP status but 200.
        ReplyError
            Not JSON, not an object, or missing ``OK``, ``APIVersion`` or the
            endpoint's keys.
        ServiceError
            The service answered ``OK: 0``.
        """
        url = self.url_for(endpoint)
        payload = dict(body)
        payload["api_name"] = API_NAME
        payload["api_version"] = API_VERSION
        scoped = scope_remaining()
        seconds = self.deadline if scoped is None else max(min(self.deadline, scoped), 0.001)
        with call_deadline(seconds) as deadline:
            connect, read = (min(t, seconds) for t in self.timeout)
            response: requests.Response | None = None
            try:
                # Never follow a redirect: a 307/308 would re-send the body (and the user's ID) to
                # whatever host the Location names, possibly over plain http.
                response = self.session.post(
                    url,
                    json=payload,
                    timeout=(connect, read),
                    allow_redirects=False,
                    # requests reads a None value as "no proxy"; its stubs allow str values only
                    proxies=self._proxies,  # type: ignore[arg-type]
                    stream=True,
                    headers={"Accept-Encoding": "gzip, deflate"},
                )
                if response.is_redirect or response.status_code != 200:
                    content = read_capped(response, ERROR_EXCERPT_BYTES) if not response.is_redirect else b""
                else:
                    content = read_capped(response, MAX_REPLY_BYTES)
            except TooLarge as exc:
                if _passed(deadline):
                    raise _too_slow(url, seconds, exc) from exc
                if response is not None and response.status_code != 200:
                    content = b""  # an error page past its excerpt: its status says enough
                else:
                    raise ReplyError(
                        f"The reply from {url} is {exc}, larger than any valid reply; reading stopped there.",
                        url=url,
                        status=200,
                    ) from None
            except Exception as exc:  # normalised in one place
                if _passed(deadline):
                    raise _too_slow(url, seconds, exc) from exc
                raise XRTError.from_exception(exc, url) from exc
            finally:
                if response is not None:
                    response.close()
            expired = deadline.expired
        if expired:  # the whole reply arrived, but only after the deadline: an answer too late is no answer
            raise _too_slow(url, seconds, None)
        retried = _count_retries(response)
        if response.is_redirect:
            raise HTTPStatusError(
                f"{url} answered HTTP {response.status_code} {response.reason or ''}".rstrip()
                + f", a redirect to {excerpt(response.headers.get('Location', '?'), 200)}; it was not followed, "
                "so that your user ID is only ever sent to the configured base URL.",
                url=url,
                status=response.status_code,
            )
        if response.status_code != 200:
            snippet = html_to_text(content.decode(response.encoding or "utf-8", "replace"))
            raise HTTPStatusError(
                f"{url} answered HTTP {response.status_code} {response.reason or ''}".rstrip()
                + (f": {snippet}" if snippet else ""),
                url=url,
                status=response.status_code,
            )
        return self._validate(endpoint, url, content, retried)

    def _validate(self, endpoint: str, url: str, content: bytes, retried: int) -> Reply:
        if len(content) > MAX_REPLY_BYTES:
            raise ReplyError(
                f"The reply from {url} is {len(content)} bytes, larger than any valid reply.", url=url, status=200
            )
        try:
            data = json.loads(content.decode("utf-8"))
        except Exception as exc:
            first = html_to_text(content[:400].decode("utf-8", "replace"), 80)
            raise ReplyError(
                f"The reply from {url} is not JSON" + (f" (it begins: {first!r})" if first else "") + ".",
                url=url,
                status=200,
                cause=exc,
            ) from exc
        if not isinstance(data, dict):
            raise ReplyError(
                f"The reply from {url} is JSON but not an object ({type(data).__name__}).", url=url, status=200
            )
        missing = [k for k in ENVELOPE_KEYS if k not in data]
        if missing:
            raise ReplyError(
                f"The reply from {url} lacks {', '.join(missing)}: it is not a UKSSDC reply.", url=url, status=200
            )
        ok = data["OK"]
        if isinstance(ok, bool) or not isinstance(ok, int) or ok not in (0, 1, 2):
            raise ReplyError(f"The reply from {url} has OK={excerpt(ok)}, which is not 0, 1 or 2.", url=url, status=200)
        if ok == 2 and endpoint != "cancel":
            raise ReplyError(f"The reply from {url} has OK=2, which only a cancel can answer.", url=url, status=200)
        warnings = []
        dep = data.get("deprecationWarning")
        if isinstance(dep, dict) and isinstance(dep.get("message"), str):
            warnings.append(dep["message"])
        if _newer(data["APIVersion"], API_VERSION):
            warnings.append(
                f"The service speaks API version {excerpt(data['APIVersion'])}, newer than the "
                f"{API_VERSION} this version of xrt_widgets knows: consider updating it."
            )
        if ok == 0:
            message = data.get("ERROR")
            if not isinstance(message, str) or not message.strip():
                message = "The server refused the request without saying why."
            list_errors = _list_errors(data.get("listErr"))
            raise ServiceError(message, list_errors=list_errors, url=url, status=200)
        required = ENDPOINTS[endpoint].required
        missing = [k for k in required if k not in data]
        if missing:
            raise ReplyError(
                f"The reply from {url} lacks {', '.join(missing)}; it may come from a newer "
                "version of the service than this package knows.",
                url=url,
                status=200,
            )
        return Reply(data=data, url=url, status=200, retried=retried, warnings=warnings)

    def close(self) -> None:
        """Close the session if this transport made it."""
        if self._own_session:
            self.session.close()

    def __repr__(self) -> str:
        return f"Transport({self.base_url!r}, timeout={self.timeout})"


def _host_of(base_url: str) -> str:
    """The host of a base URL that :func:`resolve_base_url` rebuilt (``scheme://host[:port]/path``)."""
    netloc = base_url.split("://", 1)[1].split("/", 1)[0]
    return netloc.rsplit("]", 1)[0].lstrip("[") if netloc.startswith("[") else netloc.rsplit(":", 1)[0]


def _no_proxies(base_url: str) -> dict[str, str | None]:
    """A ``proxies`` mapping that shadows every key requests would look up for ``base_url``.

    requests fills the keys a call leaves unset from the environment (any
    ``<scheme>_proxy`` variable becomes key ``<scheme>``), then picks the
    first of ``scheme://host``, ``scheme``, ``all://host``, ``all`` that is
    set. With all four set to None, no environment variable can supply one.
    """
    scheme = base_url.split("://", 1)[0]
    host = _host_of(base_url)
    return {f"{scheme}://{host}": None, scheme: None, f"all://{host}": None, "all": None, "http": None, "https": None}


def _passed(deadline: Deadline) -> bool:
    """Whether the call's time is up, even if the watchdog thread has not yet marked it expired.

    A retry's back-off that ends on the deadline raises at once; the
    watchdog may set ``expired`` a moment later, and that failure is still
    the deadline's, not the connection's.
    """
    return deadline.expired or deadline.remaining() <= 0


def _too_slow(url: str, seconds: float, cause: BaseException | None) -> TimeoutError_:
    return TimeoutError_(
        f"No complete reply from {url} within the {seconds:g} s deadline; the call was "
        "stopped (the server may be overloaded or stuck).",
        url=url,
        cause=cause,
    )


def _newer(version: Any, ours: str) -> bool:
    """Whether ``version`` ("1.13") is newer than ``ours``; an unreadable version is not."""
    try:
        return tuple(int(p) for p in str(version).split(".")) > tuple(int(p) for p in ours.split("."))
    except ValueError:
        return False


def may_have_arrived(error: XRTError) -> bool:
    """Whether the request that failed with ``error`` may still have been processed by the server.

    Only a request that never got a connection (refused, or a connect
    timeout; urllib3 raises ``NewConnectionError``, a kind of
    ``ConnectTimeoutError``, for both) or that the service answered with
    ``OK: 0`` surely did nothing. A dropped connection, a read timeout, an
    HTTP 5xx or a reply that could not be understood may all come after
    the server did the work.
    """
    if isinstance(error, ServiceError):
        return False
    if isinstance(error, HTTPStatusError):
        return error.status is None or error.status >= 500
    if isinstance(error, TransportError):
        seen: set[int] = set()
        pending: list[Any] = [error.cause]
        while pending:
            exc = pending.pop()
            if not isinstance(exc, BaseException) or id(exc) in seen:
                continue
            seen.add(id(exc))
            if isinstance(exc, (ConnectTimeoutError, requests.exceptions.ConnectTimeout)):
                return False
            pending.extend([getattr(exc, "reason", None), exc.__cause__, exc.__context__, *exc.args[:1]])
    return True


def _count_retries(response: requests.Response) -> int:
    retries = getattr(getattr(response, "raw", None), "retries", None)
    history = getattr(retries, "history", None) or ()
    return len(history)


def _is_requests_default(agent: str | bytes | None) -> bool:
    """Whether a User-Agent header is requests' own default (``python-requests/<version>``)."""
    if isinstance(agent, bytes):
        agent = agent.decode("latin-1")
    return agent is not None and agent.startswith("python-requests/")


def _list_errors(raw: object) -> list[ListError]:
    """Keep only the well-formed ``listErr`` entries, as ``{"label": str, "list": [str]}``."""
    out: list[ListError] = []
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                label = item.get("label")
                msgs = item.get("list")
                out.append(
                    {
                        "label": label if isinstance(label, str) else str(label),
                        "list": [m if isinstance(m, str) else str(m) for m in msgs] if isinstance(msgs, list) else [],
                    }
                )
    return out
