"""Fault injection: make the next N replies of an endpoint go wrong in a chosen way.

Kinds (and their parameters):

``status``       reply with an HTTP status (``status=500``) and an HTML body (``body=``)
``delay``        sleep ``seconds`` (wall time) before answering normally
``not_json``     reply 200 with a body that is not JSON (``body=``)
``missing_keys`` drop ``keys`` (default: every endpoint-specific key) from a valid reply
``drop``         close the connection without processing the request or replying
``drop_after``   process the request (a cancel cancels), then close without replying
``reset``        send the headers and half the body, then reset the connection
``code``         per-product cancel code 3 (nothing cancelled) or 4 (cancelled, but
                 reported unknown) for ``products`` (default all asked)
``refuse``       reply ``OK: 0`` with ``error`` as the ERROR text
``json``         reply 200 with ``value`` serialised as JSON, whatever it is
``raw``          reply 200 with ``body`` bytes and ``content_type``
``mutate``       pass the valid reply through ``func(reply) -> reply``
``stall``        sleep ``seconds``, then close the connection without replying
``drip``         send a valid reply one byte every ``interval`` seconds (``part="headers"``:
                 from the status line on; ``part="body"``: headers at once, then the body),
                 for at most ``seconds``
``continue``     send ``HTTP/1.1 100 Continue`` lines every ``interval`` seconds, for at most
                 ``seconds``, and never a final reply
``endless``      reply 200 with a chunked body that never ends (``piece`` bytes of JSON-ish
                 text every ``interval`` seconds, for at most ``seconds``)
``gzip_bomb``    reply 200, ``Content-Encoding: gzip``, a small body that inflates to ``size``
                 bytes (default 1 GiB)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ..protocol import ENDPOINTS, endpoint_path

__all__ = ["Fault", "FaultQueue", "KINDS", "ENDPOINT_ALIASES", "endpoint_path"]

KINDS = frozenset(
    {
        "status",
        "delay",
        "not_json",
        "missing_keys",
        "drop",
        "drop_after",
        "reset",
        "code",
        "refuse",
        "json",
        "raw",
        "mutate",
        "stall",
        "drip",
        "continue",
        "endless",
        "gzip_bomb",
    }
)

#: Endpoint name -> path, as faults are named (from :data:`xrt_widgets.protocol.ENDPOINTS`).
ENDPOINT_ALIASES = {name: endpoint.path for name, endpoint in ENDPOINTS.items()}
PATHS = frozenset(ENDPOINT_ALIASES.values())


@dataclass
class Fault:
    """One kind of fault, for the next ``count`` requests of an endpoint."""

    kind: str
    count: int = 1
    params: dict[str, Any] = field(default_factory=dict)


class FaultQueue:
    """Per-endpoint queues of faults; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, list[Fault]] = {}

    def add(self, endpoint: str, kind: str, count: int = 1, **params: Any) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; kinds: {sorted(KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._queues.setdefault(endpoint_path(endpoint), []).append(Fault(kind, count, params))

    def take(self, path: str) -> Fault | None:
        """The fault for the request now arriving at ``path``, or None."""
        with self._lock:
            queue = self._queues.get(path)
            if not queue:
                return None
            fault = queue[0]
            fault.count -= 1
            if fault.count <= 0:
                queue.pop(0)
            return fault

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()

    def pending(self) -> dict[str, int]:
        with self._lock:
            return {p: sum(f.count for f in q) for p, q in self._queues.items() if q}
