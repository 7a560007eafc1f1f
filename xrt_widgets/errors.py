"""The exceptions of xrt_widgets: a small hierarchy that keeps url, status and cause.

Every failure of a call to the service becomes one of these in one place
(:func:`XRTError.from_exception`), so that callers see one kind of error
with the URL that was asked, the HTTP status (if a reply came) and the
underlying exception, and a message a person can act on.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = [
    "XRTError",
    "TransportError",
    "TimeoutError_",
    "HTTPStatusError",
    "ReplyError",
    "ServiceError",
    "ListError",
    "InsecureURLError",
    "redact_url",
]


class XRTError(Exception):
    """Base class of every error raised by xrt_widgets when talking to the service.

    Attributes
    ----------
    url : str or None
        The URL that was requested.
    status : int or None
        The HTTP status of the reply, if one arrived.
    cause : BaseException or None
        The exception that caused this one.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        self.status = status
        self.cause = cause

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_exception(cls, exc: BaseException, url: str) -> XRTError:
        """Normalise any exception raised while calling ``url`` into an :class:`XRTError`."""
        if isinstance(exc, XRTError):
            return exc
        import requests  # local: this module must stay import-light

        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return TimeoutError_(f"Timed out connecting to {url}", url=url, cause=exc)
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return TimeoutError_(f"Timed out waiting for the reply from {url}", url=url, cause=exc)
        if isinstance(exc, requests.exceptions.SSLError):
            return TransportError(f"TLS error talking to {url}: {_root(exc)}", url=url, cause=exc)
        if isinstance(exc, requests.exceptions.ConnectionError):
            return TransportError(f"Could not talk to {url}: {_root(exc)}", url=url, cause=exc)
        # urllib3's own errors come straight from reading a streamed body
        from urllib3 import exceptions as u3

        if isinstance(exc, u3.ReadTimeoutError):
            return TimeoutError_(f"Timed out waiting for the reply from {url}", url=url, cause=exc)
        if isinstance(exc, u3.DecodeError):
            return ReplyError(f"The reply from {url} could not be decompressed: {_root(exc)}", url=url, cause=exc)
        if isinstance(exc, u3.HTTPError):
            return TransportError(f"Request to {url} failed: {_root(exc)}", url=url, cause=exc)
        if isinstance(exc, requests.exceptions.RequestException):
            return TransportError(f"Request to {url} failed: {_root(exc)}", url=url, cause=exc)
        return XRTError(f"Unexpected error calling {url}: {type(exc).__name__}: {exc}", url=url, cause=exc)


class TransportError(XRTError):
    """The request could not be sent, or its reply did not arrive whole."""


class TimeoutError_(TransportError):
    """The connection or the reply took longer than the configured timeout."""


class HTTPStatusError(XRTError):
    """The server answered with an HTTP status other than 200."""


class ReplyError(XRTError):
    """The reply arrived but could not be understood (not JSON, missing keys, wrong types)."""


class ListError(TypedDict):
    """One ``listErr`` entry of a refused submit: a label and its messages."""

    label: str
    list: list[str]


class ServiceError(XRTError):
    """The service understood the request and refused it (``OK: 0``).

    Attributes
    ----------
    list_errors : list of ListError
        The ``listErr`` details of a refused submit: ``[{"label", "list"}]``.
    """

    def __init__(
        self,
        message: str,
        *,
        list_errors: list[ListError] | None = None,
        url: str | None = None,
        status: int | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message, url=url, status=status, cause=cause)
        self.list_errors: list[ListError] = list(list_errors or [])


class InsecureURLError(ValueError):
    """A base URL that would send the user's ID in clear text to another host."""


def redact_url(url: str, limit: int = 200) -> str:
    """``url`` as it may appear in a message: no ``user:password@`` part, and at most ``limit`` characters.

    Works on any text, well-formed or not: every run of characters that
    ends with ``@`` and starts after a ``/``, ``?``, ``#``, white space or
    the start of the text (where a user name and password would sit, in
    whatever malformed URL) becomes ``***``. Linear in the text.
    """
    text = str(url)
    out: list[str] = []
    done = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > done and text[start - 1] not in "/?#" and not text[start - 1].isspace():
            start -= 1
        out.append(text[done:start])
        out.append("***@")
        done = at + 1
        at = text.find("@", done)
    out.append(text[done:])
    text = "".join(out)
    return text if len(text) <= limit else text[:limit] + "…"


def _root(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, in a few words."""
    seen = set()
    reason: BaseException = exc
    while True:
        nxt = getattr(reason, "reason", None) or reason.__cause__ or reason.__context__
        if nxt is None or id(nxt) in seen or not isinstance(nxt, BaseException):
            break
        seen.add(id(nxt))
        reason = nxt
    text = str(reason) or type(reason).__name__
    if "Connection refused" in text or isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ConnectionResetError) or "reset by peer" in text:
        return "connection reset by the server"
    if "RemoteDisconnected" in type(reason).__name__ or "without response" in text:
        return "the server closed the connection without replying"
    if "IncompleteRead" in text or "IncompleteRead" in type(reason).__name__:
        return "the reply was cut off before its end"
    return text
