"""A board's jobs as plain data: one light :class:`JobEntry` per listed job, the filters and the pages.

A board may list thousands of jobs, most of them long finished. An entry
costs a few Python objects: its request, its adapter and its shared
:class:`~xrt_widgets.jobs.JobState` are made only when the job is shown,
asked about or cancelled. Widgets belong to the page's rows
(:mod:`xrt_widgets.ui.jobrow`), never to an entry.

The functions here are pure (entries in, JobIDs out), so the rules of the
filters and of paging are tested on plain data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..adapter import RequestAdapter
from ..jobs import JobState, job_state
from ..request import XRTProductRequest
from .polling import FINAL, GONE, UNFINISHED, UNKNOWN
from .rows import plain_status

if TYPE_CHECKING:
    from .jobrow import JobRow
    from .panel import CancelPanel

__all__ = [
    "JobEntry",
    "Filters",
    "matches",
    "page_of",
    "page_count",
    "may_be_active",
    "names_of",
    "bulk_summary",
    "pager_text",
    "elsewhere_text",
    "plural",
]


class JobEntry:
    """One listed job: its listing entry, and (once needed) its request, adapter and shared record.

    Parameters
    ----------
    board : JobBoard
        Gives ``user`` and ``transport`` (the service, session, timeout and deadline).
    info : dict
        One entry of :func:`~xrt_widgets.protocol.parse_listing`, already checked.
    """

    def __init__(self, board: Any, info: dict[str, Any]) -> None:
        self.board = board
        self.info = info
        self.job_id: int = info["JobID"]
        self.products: list[str] = list(info["products"])
        self._request: XRTProductRequest | None = None
        self._adapter: RequestAdapter | None = None
        self._state: JobState | None = None
        #: The job's Details panel while it is open (it is closed and freed when the Details close).
        self.panel: CancelPanel | None = None
        #: Products ticked in the Details panel when it was last closed (a bulk cancel still asks for them).
        self.picked: list[str] = []
        #: The last (ok, perProduct) of a bulk cancel of this job, if any.
        self.result: tuple[int, dict[str, Any]] | None = None
        #: Why the last request about this job failed ('' if it did not).
        self.error = ""
        #: The page's row showing this job, while it is on the page.
        self.row: JobRow | None = None

    # -- made when first needed ------------------------------------------------------------------
    @property
    def request(self) -> XRTProductRequest:
        """The job's request (bound with :meth:`XRTProductRequest.from_job`), made on first use."""
        if self._request is None:
            t = self.board.transport
            self._request = XRTProductRequest.from_job(
                self.board.user,
                self.job_id,
                self.products,
                base_url=t.base_url,
                session=t.session,
                timeout=t.timeout,
                deadline=t.deadline,
            )
        return self._request

    @property
    def adapter(self) -> RequestAdapter:
        """The job's request as typed outcomes, made on first use."""
        if self._adapter is None:
            self._adapter = RequestAdapter(self.request)
        return self._adapter

    @property
    def state(self) -> JobState:
        """The job's record, shared with every other view of the job in this kernel (made on first use)."""
        if self._state is None:
            self._state = job_state(self.adapter.job_key(), self.products)
        return self._state

    def replace_info(self, info: dict[str, Any]) -> None:
        """A newer listing of the same job with the same products (its name or ``hasProd`` may change)."""
        self.info = info

    # -- what is known ---------------------------------------------------------------------------
    @property
    def knowledge(self) -> str:
        """What the server has said of the job, as one of :data:`~xrt_widgets.ui.polling.KNOWLEDGE`."""
        if not self.products:
            return GONE
        if self._state is not None:
            asked = False
            for name, status in self._state.statuses.items():
                if name not in self.products or status.family == "local":
                    continue
                asked = True
                if not status.terminal:
                    return UNFINISHED
            if asked and all(self._state.statuses[n].family != "local" for n in self.products):
                return FINAL
        return GONE if self.info.get("hasProd") is False else UNKNOWN

    @property
    def asked(self) -> bool:
        """Whether the server has said anything of any of the job's products."""
        return self._state is not None and any(
            s.family != "local" for n, s in self._state.statuses.items() if n in self.products
        )

    @property
    def statuses(self) -> dict[str, dict[str, Any]]:
        """Long name -> what the server said of it, as plain data (only products it has told about)."""
        if self._state is None:
            return {}
        return {n: plain_status(s) for n, s in self._state.statuses.items() if s.family != "local"}

    def unfinished(self) -> list[str]:
        """The job's products not known to be final (all of them before it is asked about)."""
        if self._state is None:
            return list(self.products)
        return [n for n in self._state.unfinished() if n in self.products]

    # -- the row's widgets, while the job is on the page ------------------------------------------
    def _on_page(self) -> JobRow:
        if self.row is None:
            raise LookupError(f"job {self.job_id} is not on the board's current page")
        return self.row

    @property
    def checkbox(self) -> Any:
        """The job's tick box on the page (LookupError when the job is not on the page)."""
        return self._on_page().checkbox

    @property
    def toggle(self) -> Any:
        """The job's Details button on the page."""
        return self._on_page().toggle

    @property
    def summary(self) -> Any:
        """The job's summary line on the page."""
        return self._on_page().summary

    @property
    def header(self) -> Any:
        """The job's row on the page (its classes carry the row's colour)."""
        return self._on_page().header

    def text(self) -> str:
        """What the text filter looks in: the job's name and JobID."""
        return f"{self.info.get('Name', '')} {self.job_id}".casefold()


@dataclass(frozen=True)
class Filters:
    """Which jobs a board shows."""

    #: Only jobs that may still be running: known unfinished, or not asked yet (unless the count rules them out).
    unfinished: bool = False
    #: Only jobs the server said have a product still queued or running.
    cancellable: bool = False
    #: Only jobs whose name or JobID contains this text (any case).
    text: str = ""


def may_be_active(entry: JobEntry, *, all_found: bool) -> bool:
    """Whether ``entry`` may still be running: known unfinished, or not asked while active jobs are unfound."""
    know = entry.knowledge
    return know == UNFINISHED or (know == UNKNOWN and not all_found)


def matches(entry: JobEntry, filters: Filters, *, all_found: bool) -> bool:
    """Whether the board shows ``entry`` under ``filters``.

    ``all_found``: the active-job count says every active job is among those
    known to be unfinished, so a job not asked yet cannot be running.
    """
    if filters.cancellable and entry.knowledge != UNFINISHED:
        return False
    if filters.unfinished and not may_be_active(entry, all_found=all_found):
        return False
    needle = filters.text.strip().casefold()
    return not needle or needle in entry.text()


def page_count(n_shown: int, page_size: int) -> int:
    """How many pages ``n_shown`` jobs fill (at least one, even when there are none)."""
    return max(1, math.ceil(n_shown / page_size))


def page_of(shown: Sequence[int], page: int, page_size: int) -> list[int]:
    """The JobIDs of page ``page`` (0-based, clamped to the pages there are)."""
    page = min(max(page, 0), page_count(len(shown), page_size) - 1)
    return list(shown[page * page_size : (page + 1) * page_size])


def names_of(entries: Iterable[JobEntry], selection: dict[int, list[str]], *, few: int = 3) -> str:
    """The jobs of a selection for a person: a few by name and JobID, then "and N more"."""
    chosen = [e for e in entries if e.job_id in selection]
    named = []
    for e in chosen[:few]:
        products = selection[e.job_id]
        label = f"{e.info.get('Name', '') or 'job'} ({e.job_id})"
        if len(products) <= 2:
            label += ": " + ", ".join(products)
        named.append(label)
    more = len(chosen) - len(named)
    return "; ".join(named) + (f" and {more} more" if more > 0 else "")


def bulk_summary(results: dict[int, tuple[int, dict[str, Any]]]) -> tuple[str, str]:
    """A bulk cancel's results (JobID -> (ok, perProduct)) in words, and the slug of the summary's colour."""
    oks = [v[0] for v in results.values()]
    failed = [j for j, v in results.items() if v[0] == -1]
    text = (
        f"{sum(1 for o in oks if o == 1)} of {len(oks)} jobs fully cancelled, "
        f"{sum(1 for o in oks if o == 2)} partly, {sum(1 for o in oks if o == 0)} not at all"
        + (f"; {len(failed)} failed ({', '.join(map(str, failed))})" if failed else "")
    )
    if failed:
        return text, "http-error"
    if all(o == 1 for o in oks):
        return text, "ok"
    if all(o == 0 for o in oks):
        return text, "not-cancelled"
    return text, "partial"


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, with an "s" unless ``n`` is 1: "1 job", "3 jobs"."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def pager_text(n_shown: int, total: int, page: int, page_size: int, n_pages: int, n_ticked: int) -> str:
    """The pager's line: which jobs of how many are shown, the page, and how many jobs are ticked."""
    if not n_shown:
        text = "No jobs listed" if not total else f"No job matches the filters (of {plural(total, 'job')})"
    else:
        first = page * page_size + 1
        last = min(n_shown, first + page_size - 1)
        text = f"Jobs {first}-{last} of {n_shown}" + (f" shown (of {total} listed)" if n_shown != total else "")
        text += f" · page {page + 1} of {n_pages}"
    return text + (f" · {plural(n_ticked, 'job')} ticked" if n_ticked else "")


def elsewhere_text(entries: Iterable[JobEntry], on_page: set[int], active: int | None) -> tuple[str, int]:
    """The line about active jobs not on the page, or not found at all ('' if none), and how many are elsewhere.

    ``active`` is the user's active-job count (None when unknown): when more
    jobs are active than are known to be unfinished, the rest are either
    among the jobs not asked yet (a refresh looks further) or not listed.
    """
    entries = list(entries)
    known = [e.job_id for e in entries if e.knowledge == UNFINISHED]
    away = [j for j in known if j not in on_page]
    parts = []
    if away:
        parts.append(f"{plural(len(away), 'active job')} on other pages or filtered out")
    missing = (active or 0) - len(known)
    if active is not None and missing > 0:
        unasked = sum(1 for e in entries if e.knowledge == UNKNOWN)
        if unasked:
            parts.append(
                f"{missing} more active not found yet among {plural(unasked, 'job')} not asked "
                "(each refresh looks further)"
            )
        else:
            parts.append(f"{missing} active not in this list (submitted since it was loaded? Reload list)")
    return "; ".join(parts), len(away)
