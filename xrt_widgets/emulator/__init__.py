"""A local emulator of the UKSSDC XRT product service, for offline tests and demos.

>>> with Emulator(manual_clock=True) as emu:            # doctest: +SKIP
...     req = XRTProductRequest("me@example.org", base_url=emu.base_url)
...     emu.advance(60)                                  # jobs move on when told

It serves every endpoint of the protocol under ``/user_objects/`` on a real
loopback HTTP server, keeps jobs on a clock (real or manual), injects faults
on request, counts the requests it receives per endpoint, and keeps the most
it has handled at the same moment (:attr:`Emulator.max_in_flight`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .clock import Clock
from .faults import FaultQueue, endpoint_path
from .server import EmulatorServer
from .store import DEFAULT_DURATIONS, DEMO_DURATIONS, Job, JobStore

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["Emulator", "DEFAULT_DURATIONS", "DEMO_DURATIONS"]


class Emulator:
    """The UKSSDC service on this machine.

    Parameters
    ----------
    host : str
        The address to bind; loopback unless told otherwise.
    port : int
        0 picks a free port.
    manual_clock : bool
        If true, time stands still until :meth:`advance` moves it.
    durations : dict, optional
        Per-product phase durations (see :class:`~.store.JobStore`).
    users : iterable of str, optional
        Registered users; by default any address with an ``@``.
    reply_delay : float
        Seconds to wait before every reply (to model a distant server).
    state_file : str, optional
        Keep the jobs in this JSON file across restarts.
    string_job_ids : bool
        Send JobIDs as strings of digits (``"951"``), as the real service
        is shown doing in swifttools' tutorial.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        manual_clock: bool = False,
        durations: dict[str, Any] | None = None,
        users: Iterable[str] | None = None,
        reply_delay: float = 0.0,
        state_file: str | None = None,
        string_job_ids: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.clock = Clock(manual=manual_clock)
        self.store = JobStore(
            self.clock, durations=durations, users=users, state_file=state_file, string_job_ids=string_job_ids
        )
        self.faults = FaultQueue()
        self._reply_delay = float(reply_delay)
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> Self:
        """Bind and serve in a background thread. Returns self."""
        if self._server is not None:
            return self
        self._server = EmulatorServer((self.host, self.port), self.store, self.faults)
        self._server.reply_delay = self._reply_delay
        self.port = self._server.server_address[1]
        self.store.base_url = self.base_url
        # stop() waits up to one poll interval; tests start and stop hundreds of emulators.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"xrt-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        """The value to pass as ``base_url`` (ends in ``/user_objects``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/user_objects"

    # -- time ---------------------------------------------------------------------------------
    def advance(self, seconds: float) -> float:
        """Move the emulator's clock forward by ``seconds``."""
        return self.clock.advance(seconds)

    @property
    def string_job_ids(self) -> bool:
        """Whether replies carry JobIDs as strings of digits (``"951"``); may be changed while serving."""
        return self.store.string_job_ids

    @string_job_ids.setter
    def string_job_ids(self, value: bool) -> None:
        self.store.string_job_ids = bool(value)

    @property
    def reply_delay(self) -> float:
        return self._reply_delay

    @reply_delay.setter
    def reply_delay(self, seconds: float) -> None:
        self._reply_delay = float(seconds)
        if self._server is not None:
            self._server.reply_delay = self._reply_delay

    # -- faults -------------------------------------------------------------------------------
    def inject(self, endpoint: str, kind: str, *, count: int = 1, **params: Any) -> None:
        """Make the next ``count`` requests to ``endpoint`` fail as ``kind`` (see :mod:`.faults`)."""
        self.faults.add(endpoint, kind, count, **params)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- counts -------------------------------------------------------------------------------
    def request_count(self, endpoint: str | None = None) -> int:
        """Requests received at ``endpoint`` (alias or path), or at all endpoints."""
        if self._server is None:
            return 0
        with self._server.count_lock:
            if endpoint is None:
                return sum(self._server.counts.values())
            return self._server.counts[endpoint_path(endpoint)]

    @property
    def counts(self) -> Counter[str]:
        """A snapshot of the request counts per endpoint path."""
        if self._server is None:
            return Counter()
        with self._server.count_lock:
            return Counter(self._server.counts)

    @property
    def log(self) -> list[Any]:
        """Every request received: ``{"endpoint", "body", "user_agent", "time"}``."""
        if self._server is None:
            return []
        with self._server.count_lock:
            return list(self._server.log)

    @property
    def in_flight(self) -> int:
        """Requests being handled at this moment."""
        if self._server is None:
            return 0
        with self._server.count_lock:
            return self._server.in_flight

    @property
    def max_in_flight(self) -> int:
        """The most requests handled at the same moment since the start or the last :meth:`reset_counts`."""
        if self._server is None:
            return 0
        with self._server.count_lock:
            return self._server.max_in_flight

    def reset_counts(self) -> None:
        """Clear the counts and the log, and restart the in-flight maximum from the requests in flight now."""
        if self._server is not None:
            with self._server.count_lock:
                self._server.counts.clear()
                self._server.log.clear()
                self._server.max_in_flight = self._server.in_flight

    # -- jobs ---------------------------------------------------------------------------------
    def add_job(self, user: str, products: Iterable[str], *, name: str = "Emulated target", age: float = 0.0) -> int:
        """Create a job directly; returns its JobID."""
        return self.store.add_job(user, products, name=name, age=age).job_id

    def job(self, job_id: int) -> Job:
        return self.store.jobs[job_id]

    def status(self, job_id: int, product: str) -> int | None:
        """The build status of one product now."""
        from ..products import resolve

        return self.store.status_of(self.store.jobs[job_id], resolve(product).short)

    def set_status(self, job_id: int, product: str, status: int | None) -> None:
        """Force a product's build status (for example 4 to finish it now)."""
        self.store.set_status(job_id, product, status)

    def set_text(self, job_id: int, product: str, **texts: str) -> None:
        """Replace the texts sent about a product (``statusText``, ``cancelText``, ``PreProgress``,
        ``StepLabel``)."""
        self.store.set_text(job_id, product, **texts)

    def __repr__(self) -> str:
        state = self.base_url if self.running else "stopped"
        return f"<Emulator {state}, {len(self.store.jobs)} jobs>"
