"""The HTTP layer under the transport: connections that obey a call's deadline, and capped reading.

:class:`DeadlineAdapter` is a ``requests`` adapter whose urllib3 connections
join the :class:`~xrt_widgets.deadline.Deadline` of the call that uses them
(found through a thread-local set by :func:`call_deadline`). When the
deadline passes, the watchdog shuts those sockets down, so a server that
drips its headers or body, or sends ``100 Continue`` lines for ever, cannot
hold the call; a connect never waits longer than the time left; urllib3's
retries stop once the time is up, and their back-off never sleeps past it.

:func:`read_capped` reads a streamed reply in pieces, decompressed as it
goes (urllib3 decodes a piece at a time with a bounded output), and stops
at a cap, so neither a huge body nor a small compressed one that inflates
to gigabytes can fill the kernel's memory.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, ReadTimeoutError
from urllib3.poolmanager import PoolManager, ProxyManager
from urllib3.util.retry import Retry

from .deadline import Deadline

__all__ = ["DeadlineAdapter", "DeadlineRetry", "call_deadline", "current_deadline", "read_capped", "TooLarge"]

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse, HTTPResponse

    # The mixins below are only ever mixed into these classes: type them as their subclasses.
    _ConnectionBase = HTTPConnection
    _PoolBase = HTTPConnectionPool
else:
    _ConnectionBase = _PoolBase = object

_local = threading.local()
#: How much is asked of the socket (and of the decoder) at a time.
PIECE = 64 * 1024


def current_deadline() -> Deadline | None:
    """The deadline of the call running on this thread, if any."""
    return getattr(_local, "deadline", None)


@contextlib.contextmanager
def call_deadline(seconds: float) -> Iterator[Deadline]:
    """Arm a deadline of ``seconds`` for the HTTP call made inside the block on this thread."""
    previous = current_deadline()
    with Deadline(seconds) as deadline:
        _local.deadline = deadline
        try:
            yield deadline
        finally:
            _local.deadline = previous


class _DeadlineConnectionMixin(_ConnectionBase):
    """Joins the running call's deadline while in use; leaves it when handed back to the pool."""

    _xrtw_deadline: Deadline | None = None
    _xrtw_sock: socket.socket | None = None

    def _xrtw_abort(self) -> None:
        # A reply with "Connection: close" detaches the socket from the connection (http.client's
        # getresponse), and only the response still reads from it: so shut down the one kept here.
        sock = self.sock or self._xrtw_sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once; the pool discards us

    def _xrtw_join(self) -> None:
        deadline = current_deadline()
        if deadline is not None and self._xrtw_deadline is not deadline:
            self._xrtw_leave()
            self._xrtw_deadline = deadline
            deadline.on_expiry(self._xrtw_abort)

    def _xrtw_leave(self) -> None:
        deadline, self._xrtw_deadline = self._xrtw_deadline, None
        self._xrtw_sock = None
        if deadline is not None:
            deadline.discard(self._xrtw_abort)

    def connect(self) -> None:
        deadline = current_deadline()
        if deadline is not None:  # a connect never waits past the deadline, nor starts after it
            left = deadline.remaining()
            if deadline.expired or left <= 0:
                raise ConnectTimeoutError(self, "the call's total deadline passed before this connection was made")
            self.timeout = left if not isinstance(self.timeout, (int, float)) else min(self.timeout, left)
        super().connect()
        if deadline is not None:
            with deadline.locked():
                if deadline.expired:  # it expired while connecting, with no socket yet to shut down
                    self._xrtw_sock = self.sock
                    self._xrtw_abort()
                    raise ConnectTimeoutError(self, "the call's total deadline passed while connecting")

    def request(self, *args: Any, **kwargs: Any) -> None:
        self._xrtw_join()
        super().request(*args, **kwargs)

    # urllib3 overrides http.client's getresponse with its own HTTPResponse, and ignores the same error
    def getresponse(self, *args: Any, **kwargs: Any) -> HTTPResponse:  # type: ignore[override]
        self._xrtw_sock = self.sock
        return super().getresponse(*args, **kwargs)


class _HTTPConnection(_DeadlineConnectionMixin, HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnectionMixin, HTTPSConnection):
    pass


class _PoolMixin(_PoolBase):
    def _put_conn(self, conn: Any) -> None:
        # Leave the deadline under its lock: a connection back in the pool (and perhaps soon in
        # another call) is never shut down by the expiry of the call that used it before.
        if isinstance(conn, _DeadlineConnectionMixin):
            deadline = conn._xrtw_deadline
            if deadline is not None:
                with deadline.locked():
                    conn._xrtw_leave()
        super()._put_conn(conn)


class _HTTPPool(_PoolMixin, HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(_PoolMixin, HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections (direct, or through an HTTP(S) proxy) obey call deadlines."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):  # a SOCKS manager keeps its own connection classes
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


class DeadlineRetry(Retry):
    """urllib3's Retry, except that a read timeout is never retried, and nothing is once the deadline passed.

    A timed-out request may still be running on the server; waiting for the
    whole timeout again would leave the user staring at a busy panel.
    Connection errors, a connection dropped before the reply and 502/503/504
    are retried with back-off, which never sleeps past the deadline.
    """

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        return not _expired() and super().is_retry(method, status_code, has_retry_after)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if error is not None and (isinstance(error, ReadTimeoutError) or _expired()):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_backoff_time(self) -> float:
        wait = super().get_backoff_time()
        deadline = current_deadline()
        return wait if deadline is None else min(wait, deadline.remaining())

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)
        deadline = current_deadline()
        if deadline is not None and deadline.remaining() <= 0:
            # The back-off ran up to the deadline: no attempt may start after it.
            raise ConnectTimeoutError(None, "the call's total deadline passed while waiting to retry")


def _expired() -> bool:
    deadline = current_deadline()
    return deadline is not None and (deadline.expired or deadline.remaining() <= 0)


class TooLarge(Exception):
    """A reply went past the reading cap."""


def read_capped(response: requests.Response, cap: int) -> bytes:
    """The body of a streamed ``response``, decompressed, or :class:`TooLarge` past ``cap`` bytes.

    At most about ``cap + PIECE`` bytes are ever held. The response is closed
    (its connection dropped rather than reused) when the cap is reached.
    """
    declared = response.headers.get("Content-Length", "")
    encoded = bool(response.headers.get("Content-Encoding", "").strip(" ,").lower() not in ("", "identity"))
    if declared.isdigit() and not encoded and int(declared) > cap:
        response.close()
        raise TooLarge(f"{int(declared)} bytes")
    pieces: list[bytes] = []
    total = 0
    raw = response.raw
    while True:
        piece = raw.read(PIECE, decode_content=True)
        if not piece:
            break
        total += len(piece)
        if total > cap:
            response.close()
            raise TooLarge(f"more than {cap} bytes" + (" once decompressed" if encoded else ""))
        pieces.append(piece)
    return b"".join(pieces)
