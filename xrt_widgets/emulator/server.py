"""The emulator's HTTP side: a threading HTTP/1.1 server that speaks the UKSSDC protocol.

Requests are ``POST /user_objects/<endpoint>.php`` with a JSON body; each
reply is written in one piece with Nagle's algorithm off (otherwise a
keep-alive client stalls ~40 ms per request on loopback). Before and after
the store computes a reply, the fault queue may change what goes back.
"""

from __future__ import annotations

import html
import json
import re
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..protocol import ENDPOINTS, ENVELOPE_KEYS, refusal
from .faults import FaultQueue
from .pages import JOB_PAGE, job_page
from .store import JobStore

__all__ = ["EmulatorServer", "Handler"]

PREFIX = "/user_objects/"
#: A body larger than this is refused with 413 (no request of the protocol comes near it).
MAX_BODY = 1024 * 1024
#: After refusing a body, read and discard at most this much of it (for at most DRAIN_SECONDS), so
#: that a client still sending gets the reply rather than a connection reset.
DRAIN_LIMIT = 16 * MAX_BODY
DRAIN_SECONDS = 2.0
_LENGTH = re.compile(r"[0-9]{1,15}", re.ASCII)


class EmulatorServer(ThreadingHTTPServer):
    """The server; holds the store, the fault queue, the request counts and the in-flight gauge."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], store: JobStore, faults: FaultQueue) -> None:
        self.store = store
        self.faults = faults
        self.reply_delay = 0.0
        self.counts: Counter[str] = Counter()
        self.log: list[dict[str, Any]] = []
        self.count_lock = threading.Lock()
        #: Requests being handled right now, and the most there have been at once since the last reset.
        self.in_flight = 0
        self.max_in_flight = 0
        self._connections: set[Any] = set()
        answers = {
            "submit": store.submit,
            "status": store.check_status,
            "cancel": store.cancel,
            "list": store.list_jobs,
            "count": store.num_jobs,
        }
        #: endpoint path -> the store's method that answers it
        self.routes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            ENDPOINTS[name].path: answer for name, answer in answers.items()
        }
        super().__init__(address, Handler)

    @contextmanager
    def handling(self) -> Iterator[None]:
        """Count one request as in flight while the block runs (from its headers read to its reply sent)."""
        with self.count_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self.count_lock:
                self.in_flight -= 1

    # Keep-alive connections outlive serve_forever(); track them so that stopping really stops.
    def process_request(self, request: Any, client_address: Any) -> None:
        with self.count_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.count_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout, closed session) or a stop() mid-reply is normal here.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def server_close(self) -> None:
        super().server_close()
        with self.count_lock:
            open_connections, self._connections = list(self._connections), set()
        for connection in open_connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "UKSSDC-emulator/1.0"
    server: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- writing ------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        reason = self.responses.get(status, ("",))[0]
        head = (
            f"HTTP/1.1 {status} {reason}\r\nServer: {self.server_version}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'close' if self.close_connection else 'keep-alive'}\r\n\r\n"
        )
        self.wfile.write(head.encode("latin-1") + body)

    def _send_json(self, value: Any, status: int = 200) -> None:
        self._send(status, json.dumps(value).encode("utf-8"))

    def _html(self, status: int, text: str) -> None:
        body = f"<html><head><title>{status}</title></head><body><h1>{status}</h1><p>{text}</p></body></html>"
        self._send(status, body.encode("utf-8"), "text/html; charset=UTF-8")

    def _drop(self, reset: bool = False) -> None:
        self.close_connection = True
        if reset:  # SO_LINGER 0: close with a RST rather than a FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR) if not reset else None

    # -- reading ------------------------------------------------------------------------------
    def do_GET(self) -> None:
        with self.server.handling():
            path = self.path.split("?", 1)[0]
            page = JOB_PAGE.fullmatch(path[len(PREFIX) :]) if path.startswith(PREFIX) else None
            if page is None:
                self._html(405, "The UKSSDC API takes POST requests with a JSON body.")
                return
            text = job_page(self.server.store, int(page.group(1)))
            if text is None:
                self._html(404, f"There is no job {page.group(1)}.")
                return
            self._send(200, text.encode("utf-8"), "text/html; charset=UTF-8")

    def _body_length(self) -> tuple[int, str]:
        """(length, "") for a body this handler can read whole; (-1, why) for one it must refuse."""
        if self.headers.get("Transfer-Encoding") is not None:
            return -1, "411"
        values = self.headers.get_all("Content-Length") or []
        if not values:
            return 0, ""
        if len({v.strip() for v in values}) != 1 or not _LENGTH.fullmatch(values[0].strip()):
            return -1, "400"
        length = int(values[0])
        return (length, "") if length <= MAX_BODY else (-1, "413")

    def _refuse_body(self, why: str) -> None:
        """Answer a request whose body is not read, and close: the connection's next bytes are not a request."""
        self.close_connection = True
        if why == "413":
            self._html(413, f"The request body is larger than {MAX_BODY} bytes.")
            self._drain()
        elif why == "411":
            self._html(411, "The request body must come with a Content-Length (chunked bodies are not read).")
        else:
            self._html(400, "The Content-Length header is not a single non-negative integer.")

    def _drain(self) -> None:
        """Read and discard what the client still sends, briefly, after the reply is out."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.2)
            deadline, left = time.monotonic() + DRAIN_SECONDS, DRAIN_LIMIT
            while left > 0 and time.monotonic() < deadline:
                chunk = self.rfile.read1(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:  # includes the timeout: the client has stopped sending
            pass

    def do_POST(self) -> None:
        with self.server.handling():
            self._post()

    def _post(self) -> None:
        length, refused = self._body_length()
        raw = self.rfile.read(length) if length > 0 else b""
        path = self.path.split("?", 1)[0]
        endpoint = path[len(PREFIX) :] if path.startswith(PREFIX) else None
        server = self.server
        route = server.routes.get(endpoint or "")
        try:
            body = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            body = None
        with server.count_lock:
            server.counts[endpoint or path] += 1
            server.log.append(
                {
                    "endpoint": endpoint or path,
                    "body": None if refused else body if body is not None else raw,
                    "user_agent": self.headers.get("User-Agent", ""),
                    "time": time.time(),
                }
            )
        if refused:
            self._refuse_body(refused)
            return
        if route is None or endpoint is None:
            self._html(404, f"No such page: {html.escape(path)}")
            return
        fault = server.faults.take(endpoint)
        if server.reply_delay:
            time.sleep(server.reply_delay)
        kind = fault.kind if fault else None
        params = fault.params if fault else {}
        if kind == "delay":
            time.sleep(float(params.get("seconds", 1.0)))
        elif kind == "status":
            status = int(params.get("status", 500))
            self._html(status, params.get("body", "The server encountered an internal error."))
            return
        elif kind == "not_json":
            self._send(
                200,
                params.get("body", "<html><body>Warning: mysqli_connect(): Too many connections</body></html>").encode(
                    "utf-8"
                ),
                "text/html",
            )
            return
        elif kind == "drop":
            self._drop()
            return
        elif kind == "refuse":
            self._send_json(refusal(params.get("error", "Refused by the emulator")))
            return
        elif kind == "json":
            self._send_json(params.get("value"))
            return
        elif kind in _SLOW_KINDS:
            _SLOW_KINDS[kind](self, params)
            return
        elif kind == "raw":
            body_bytes = params.get("body", b"")
            if isinstance(body_bytes, str):
                body_bytes = body_bytes.encode("utf-8")
            self._send(200, body_bytes, params.get("content_type", "application/octet-stream"))
            return

        if not isinstance(body, dict):
            self._send_json(refusal("The request body is not a JSON object."))
            return
        if endpoint == ENDPOINTS["cancel"].path and kind == "code":
            code = int(params.get("code", 3))
            targets = params.get("products") or server.store.named_products(body.get("what", ""))
            from ..products import resolve

            reply = server.store.cancel(body, forced_codes={resolve(t).short: code for t in targets})
        else:
            reply = route(body)

        if kind == "drip":
            _drip(self, params, json.dumps(reply).encode("utf-8"))
            return
        if kind == "drop_after":
            self._drop()
            return
        if kind == "missing_keys":
            keys = params.get("keys")
            if keys is None:
                keys = [k for k in reply if k not in ENVELOPE_KEYS]
            reply = {k: v for k, v in reply.items() if k not in keys}
        elif kind == "mutate":
            reply = params["func"](reply)
        if kind == "reset":
            data = json.dumps(reply).encode("utf-8")
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode(
                "latin-1"
            )
            self.wfile.write(head + data[: max(1, len(data) // 2)])
            self.wfile.flush()
            self._drop(reset=True)
            return
        self._send_json(reply)


# -- hostile replies: slow, endless or inflating -------------------------------------------------
# Each stops when the client goes away (a write fails), when the emulator stops (its connections are
# shut down), or after ``seconds``, so a test that forgets one cannot leave a thread behind for ever.


def _write_slowly(handler: Handler, data: bytes, interval: float, until: float) -> None:
    try:
        for i in range(len(data)):
            if time.monotonic() >= until:
                break
            handler.wfile.write(data[i : i + 1])
            handler.wfile.flush()
            time.sleep(interval)
    except OSError:
        pass
    handler.close_connection = True


def _drip(handler: Handler, params: dict[str, Any], body: bytes) -> None:
    interval = float(params.get("interval", 0.5))
    until = time.monotonic() + float(params.get("seconds", 60.0))
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1")
    if params.get("part", "body") == "headers":
        _write_slowly(handler, head + body, interval, until)
        return
    handler.wfile.write(head)
    _write_slowly(handler, body, interval, until)


def _continue(handler: Handler, params: dict[str, Any]) -> None:
    interval = float(params.get("interval", 0.2))
    until = time.monotonic() + float(params.get("seconds", 60.0))
    handler.close_connection = True
    try:
        while time.monotonic() < until:
            handler.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            handler.wfile.flush()
            time.sleep(interval)
    except OSError:
        pass


def _endless(handler: Handler, params: dict[str, Any]) -> None:
    piece = b"[" + b"0," * (int(params.get("piece", 65536)) // 2)
    interval = float(params.get("interval", 0.0))
    until = time.monotonic() + float(params.get("seconds", 60.0))
    handler.close_connection = True
    chunk = f"{len(piece):x}\r\n".encode("latin-1") + piece + b"\r\n"
    try:
        handler.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        while time.monotonic() < until:
            handler.wfile.write(chunk)
            if interval:
                handler.wfile.flush()
                time.sleep(interval)
    except OSError:
        pass


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(size: int) -> bytes:
    """A gzip stream of ``size`` zero bytes (about size/1000 bytes long), made once per size."""
    if size not in _BOMBS:
        import zlib

        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = bytes(1 << 20)
        parts = [packer.compress(block) for _ in range(size >> 20)]
        parts.append(packer.compress(bytes(size & ((1 << 20) - 1))))
        parts.append(packer.flush())
        _BOMBS[size] = b"".join(parts)
    return _BOMBS[size]


def _gzip_bomb(handler: Handler, params: dict[str, Any]) -> None:
    body = gzip_bomb(int(params.get("size", 1 << 30)))
    handler.close_connection = True
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1")
    with suppress(OSError):
        handler.wfile.write(head + body)


def _stall(handler: Handler, params: dict[str, Any]) -> None:
    time.sleep(float(params.get("seconds", 1.0)))
    handler._drop()


_SLOW_KINDS: dict[str, Callable[[Handler, dict[str, Any]], None]] = {
    "continue": _continue,
    "endless": _endless,
    "gzip_bomb": _gzip_bomb,
    "stall": _stall,
}
