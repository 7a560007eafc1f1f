"""``JobBoard``: every UKSSDC job of a user, a page at a time, with filters, bulk cancel and polite polling.

The board lists the user's jobs (``listOldJobs``, newest first) with the
number of active jobs (``countActiveJobs``). However many jobs there are,
it shows one page of them (25 by default), so its widgets and messages
are bounded by the page: the rows of a page are reused when the page
changes (:mod:`xrt_widgets.ui.jobrow`), and a job's Details panel exists
only while it is open. Each job is a light :class:`~xrt_widgets.ui.joblist.JobEntry`
whose request and shared record are made when first needed.

A refresh asks, one status request per job in a bounded pool, only about
the page's jobs not known to be finished, then only what the active-job
count says is still to be found elsewhere (:func:`~xrt_widgets.ui.polling.next_to_ask`).
Ticks are kept across pages; a bulk cancel sends one request per job.

Auto-refresh is off by default. When on, it polls no more often than every
10 s (default 60 s, as the service asks), backs off on errors, stops by
itself when no job can still be running, and pauses while the widget is
closed. Its timer is injectable, so tests drive it without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import ipywidgets as widgets
import traitlets

from ..client import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, Timeout, Transport
from ..errors import XRTError
from ..products import resolve
from ..protocol import ListingResult, parse_listing
from ..request import count_active_jobs_with, list_jobs_with
from .actions import ActionRunner
from .boardparts import PAGE_SIZES, build_controls
from .html import error_html, escape, live_html
from .joblist import (
    Filters,
    JobEntry,
    bulk_summary,
    elsewhere_text,
    matches,
    may_be_active,
    names_of,
    page_count,
    page_of,
    pager_text,
    plural,
)
from .jobrow import JobRow, RowParts
from .panel import CancelPanel
from .parts import Parts, close_all, set_classes, shown
from .polling import DEFAULT_INTERVAL, MAX_BACKOFF, MIN_INTERVAL, UNFINISHED, Poller, refresh_rounds

__all__ = ["JobBoard", "MIN_INTERVAL", "DEFAULT_INTERVAL", "MAX_BACKOFF", "PAGE_SIZES"]

#: A backstop for one bulk action of the board (each of its requests has the board's own deadline).
_BULK_DEADLINE = 3600.0


class _Results(dict[int, tuple[int, dict[str, Any]]]):
    """JobID -> (ok, perProduct) of a bulk cancel, with the active-job count taken after it."""

    def __init__(self, results: dict[int, tuple[int, dict[str, Any]]], *, active: int | None) -> None:
        super().__init__(results)
        self.active = active


class JobBoard(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """Every job of a user, a page at a time.

    Parameters
    ----------
    user : str
        The registered email address.
    base_url, timeout, session
        As for :class:`~xrt_widgets.XRTProductRequest`.
    max_workers : int
        How many requests may be in flight at once (bulk cancel, refresh).
    auto_refresh : bool
        Start polling at once (off by default).
    interval : float
        Seconds between polls; never less than 10 (default 60).
    confirm : bool
        Ask before a bulk cancel sent by a click.
    load : bool
        List the jobs at once (in the background); otherwise call :meth:`reload`.
    page_size : int
        Jobs per page (default 25, at most 100).
    search_budget : int, optional
        The most jobs off the page one refresh asks about while looking for
        active jobs (default: two pages).
    timer_factory : callable, optional
        ``timer_factory(seconds, callback)`` -> an object with ``start()``
        and ``cancel()``; a :class:`threading.Timer` by default.
    clock : callable, optional
        Returns the time in seconds (``time.monotonic`` by default).
    deadline : float, optional
        Seconds any one request of the board (a listing, one job's status or
        cancel) may take in all, retries included (default 60).
    """

    jobs: traitlets.List[dict[str, Any]] = traitlets.List(
        help="The well-formed listOldJobs entries, normalised (see protocol.parse_listing), newest first."
    )
    skipped: traitlets.List[tuple[int, Any, str]] = traitlets.List(
        help="(index, JobID, reason) of each listing entry that was not shown."
    )
    listing_note = traitlets.Unicode("", help="The line saying which listing entries were skipped ('' if none).")
    busy = traitlets.Bool(False, help="True while the board has requests in flight.")
    active_jobs = traitlets.Int(None, allow_none=True, help="countActiveJobs, once known.")
    error = traitlets.Unicode("", help="The board's error line ('' when there is none).")
    auto_refresh = traitlets.Bool(False, help="Whether the board polls the service by itself.")
    interval = traitlets.Float(DEFAULT_INTERVAL, help="Seconds between polls (at least 10).")
    last_refresh = traitlets.Float(None, allow_none=True, help="clock() time of the last completed refresh.")
    results: traitlets.Dict[int, tuple[int, dict[str, Any]]] = traitlets.Dict(
        help="JobID -> the last (ok, perProduct) of a bulk cancel."
    )
    page = traitlets.Int(0, help="The page shown, from 0 (the newest jobs).")
    page_size = traitlets.Int(25, help="Jobs per page (1 to 100).")
    only_unfinished = traitlets.Bool(False, help="Show only jobs that may still be running.")
    only_cancellable = traitlets.Bool(False, help="Show only jobs the server said have a product still to build.")
    text_filter = traitlets.Unicode("", help="Show only jobs whose name or JobID contains this text (any case).")
    last_asked: traitlets.List[int] = traitlets.List(
        help="The JobIDs the last refresh asked about, in the order asked."
    )

    def __init__(
        self,
        user: str,
        *,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        session: Any = None,
        max_workers: int = 4,
        auto_refresh: bool = False,
        interval: float = DEFAULT_INTERVAL,
        confirm: bool = True,
        load: bool = True,
        page_size: int = 25,
        search_budget: int | None = None,
        timer_factory: Callable[[float, Callable[[], None]], Any] | None = None,
        clock: Callable[[], float] | None = None,
        deadline: float = DEFAULT_DEADLINE,
        **kwargs: Any,
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.user = user
        self.transport = Transport(base_url, timeout=timeout, session=session, deadline=deadline)
        self.confirm = confirm
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="xrt_widgets-board")
        self.max_workers = max_workers
        self._search_budget = search_budget
        self._poller = Poller(self._tick, timer_factory=timer_factory)
        self._clock = clock or time.monotonic
        self._lock = threading.RLock()
        self._last_action: Future[Any] | None = None
        self._runner = ActionRunner(
            deadline=_BULK_DEADLINE, on_busy=self._set_busy, on_error=lambda message: self._show_error(message)
        )
        self._closed = False
        self._laying_out = False
        self.last_refresh_utc = ""
        self.entries: dict[int, JobEntry] = {}
        self._ticked: set[int] = set()
        self._rows: list[JobRow] = []
        self._row_parts = RowParts()
        p = self._parts = Parts()

        build_controls(self, user, p)

        self.reload_button.on_click(lambda _b: self._guard(self.reload))
        self.refresh_button.on_click(lambda _b: self._guard(self.refresh))
        self.cancel_button.on_click(lambda _b: self._guard(self._on_cancel_click))
        self.confirm_button.on_click(lambda _b: self._guard(self._cancel_clicked))
        self.back_button.on_click(lambda _b: self._hide_confirm(focus=self.cancel_button))
        self.select_unfinished_button.on_click(lambda _b: self._guard(self.select_unfinished))
        self.select_none_button.on_click(lambda _b: self._guard(self.select_none))
        self.show_elsewhere_button.on_click(lambda _b: self._guard(self.show_active))
        self.prev_button.on_click(lambda _b: self._guard(lambda: setattr(self, "page", self.page - 1)))
        self.next_button.on_click(lambda _b: self._guard(lambda: setattr(self, "page", self.page + 1)))
        self.auto_toggle.observe(lambda c: setattr(self, "auto_refresh", c["new"]), names=["value"])
        self.unfinished_box.observe(lambda c: setattr(self, "only_unfinished", c["new"]), names=["value"])
        self.cancellable_box.observe(lambda c: setattr(self, "only_cancellable", c["new"]), names=["value"])
        self.text_box.observe(lambda c: setattr(self, "text_filter", c["new"]), names=["value"])
        self.page_size_box.observe(lambda c: setattr(self, "page_size", c["new"]), names=["value"])
        super().__init__(
            children=(
                self.style_sheet,
                self.title,
                self.quota,
                self.actions,
                self.filters_bar,
                self.confirm_box,
                self.summary,
                self.announcer,
                self.error_line,
                self.since,
                self.listing_line,
                self.elsewhere,
                self.jobs_box,
                self.pager,
            ),
            _dom_classes=("xrtw-panel", "xrtw-board"),
            **kwargs,
        )
        self.interval = interval
        self.page_size = page_size
        self.auto_refresh = auto_refresh
        self._layout_page()
        if load:
            self.reload()

    # -- traits ---------------------------------------------------------------------------------
    @traitlets.validate("interval")
    def _valid_interval(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if value < MIN_INTERVAL:
            raise traitlets.TraitError(
                f"interval must be at least {MIN_INTERVAL:g} s: the UKSSDC asks clients not to poll more often"
            )
        return value

    @traitlets.validate("page_size")
    def _valid_page_size(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if not 1 <= value <= PAGE_SIZES[-1]:
            raise traitlets.TraitError(f"page_size must be from 1 to {PAGE_SIZES[-1]}, not {value}")
        return value

    @traitlets.observe("interval")
    def _on_interval(self, change: dict[str, Any]) -> None:
        self._poller.interval = change["new"]

    @traitlets.observe("auto_refresh")
    def _on_auto(self, change: dict[str, Any]) -> None:
        self.auto_toggle.value = change["new"]
        if change["new"]:
            self._poller.reset()
            self._schedule()
        else:
            self._poller.cancel()
        self._render_since()

    @traitlets.observe("page_size")
    def _on_page_size(self, change: dict[str, Any]) -> None:
        if change["new"] in PAGE_SIZES:
            self.page_size_box.value = change["new"]
        first = change["old"] * self.page if change["old"] else 0
        with self.hold_trait_notifications():
            self.page = first // change["new"]  # the first job shown stays on the page
        self._layout_page()

    @traitlets.observe("page", "only_unfinished", "only_cancellable", "text_filter")
    def _on_view(self, change: dict[str, Any]) -> None:
        if change["name"] == "only_unfinished":
            self.unfinished_box.value = change["new"]
        elif change["name"] == "only_cancellable":
            self.cancellable_box.value = change["new"]
        elif change["name"] == "text_filter":
            self.text_box.value = change["new"]
        if change["name"] != "page" and self.page != 0:
            self.page = 0  # a new filter starts at its first page (that change lays the page out)
            return
        self._layout_page()

    @property
    def last_action(self) -> Future[Any] | None:
        """The future of the most recent board action."""
        return self._last_action

    # -- the page -------------------------------------------------------------------------------
    @property
    def filters(self) -> Filters:
        """The filters now set."""
        return Filters(unfinished=self.only_unfinished, cancellable=self.only_cancellable, text=self.text_filter)

    def _all_found(self) -> bool:
        """Whether the active-job count says every active job is among those known to be unfinished."""
        if self.active_jobs is None:
            return False
        return sum(1 for e in self.entries.values() if e.knowledge == UNFINISHED) >= self.active_jobs

    def shown_jobs(self) -> list[int]:
        """JobIDs the filters let through, newest first (every page)."""
        filters, found = self.filters, self._all_found()
        if filters == Filters():
            return list(self.entries)
        return [j for j, e in self.entries.items() if matches(e, filters, all_found=found)]

    def page_jobs(self) -> list[int]:
        """JobIDs on the page shown, newest first."""
        return [row.entry.job_id for row in self._rows[: self._n_rows]] if self.entries else []

    @property
    def pages(self) -> int:
        """How many pages the filtered jobs fill."""
        return page_count(len(self.shown_jobs()), self.page_size)

    _n_rows = 0

    def _layout_page(self) -> None:
        """Show the page: rows rebound to its jobs (new rows only when the page is longer), pager and lines."""
        with self._lock:
            if self._closed:
                return
            shown_ids = self.shown_jobs()
            n_pages = page_count(len(shown_ids), self.page_size)
            if self.page >= n_pages:
                self.page = n_pages - 1  # that change lays the page out again
                return
            ids = page_of(shown_ids, self.page, self.page_size)
            wanted = [self.entries[j] for j in ids]
            on_page = {id(e) for e in wanted}
            for row in self._rows[: self._n_rows]:
                if id(row.entry) not in on_page and row.entry.panel is not None:
                    self._close_details(row.entry)
            for i, entry in enumerate(wanted):
                if i < len(self._rows):
                    self._rows[i].bind(entry)
                else:
                    self._rows.append(
                        JobRow(
                            self._row_parts,
                            entry,
                            ticked=self._ticked.__contains__,
                            on_tick=self._on_row_tick,
                            on_details=self._on_details,
                            lock=self._lock,
                        )
                    )
            for row in self._rows[len(wanted) :]:
                row.release()
            while len(self._rows) > max(len(wanted), self.page_size):  # a smaller page frees its rows
                self._rows.pop().close()
            self._n_rows = len(wanted)
            self._set_children()
            self._render_pager(len(shown_ids), n_pages)
            self._render_elsewhere()

    def _set_children(self) -> None:
        children: list[widgets.Widget] = []
        for row in self._rows[: self._n_rows]:
            children.append(row.header)
            if row.entry.panel is not None:
                children.append(row.entry.panel)
        if tuple(children) != tuple(self.jobs_box.children):
            self.jobs_box.children = tuple(children)

    def _render_pager(self, n_shown: int, n_pages: int) -> None:
        self.page_label.value = escape(
            pager_text(n_shown, len(self.entries), self.page, self.page_size, n_pages, len(self._ticked))
        )
        self.prev_button.disabled = self.page <= 0
        self.next_button.disabled = self.page >= n_pages - 1

    def _render_elsewhere(self) -> None:
        """The line about active jobs that are not on this page, or not found in the listing."""
        text, away = elsewhere_text(self.entries.values(), set(self.page_jobs()), self.active_jobs)
        self.elsewhere_text.value = escape(text)
        shown(self.show_elsewhere_button, away > 0)
        shown(self.elsewhere, bool(text))

    def show_active(self) -> None:
        """Show the jobs that may still be running, from the first page, whatever the text filter."""
        with self.hold_trait_notifications():
            self.only_cancellable = False
            self.text_filter = ""
            self.only_unfinished = True
            self.page = 0
        self._layout_page()

    # -- listing ---------------------------------------------------------------------------------
    def reload(self) -> Future[Any]:
        """List the user's jobs and count the active ones (two requests, in the background).

        Entries of the listing that cannot be trusted are skipped and counted
        in :attr:`listing_note` and :attr:`skipped`; they never hide the others.
        """

        def work() -> tuple[Any, ...]:
            jobs = list_jobs_with(self.transport, self.user)
            active = self._count_active()
            listing = parse_listing(jobs)  # thousands of entries: off the kernel's thread
            return listing, self._entries_for(listing), active

        return self._start("reload", "Listing jobs…", work, self._apply_listing)

    def _entries_for(self, listing: ListingResult) -> dict[int, JobEntry]:
        """JobID -> entry for a new listing: the current entry where it still fits, else a new one."""
        current = self.entries
        entries: dict[int, JobEntry] = {}
        for info in listing.jobs:
            old = current.get(info["JobID"])
            if old is not None and old.products == list(info["products"]):
                old.replace_info(info)
                entries[info["JobID"]] = old
            else:  # new, or listed with other products: its request must name exactly those
                entries[info["JobID"]] = JobEntry(self, info)
        return entries

    def _apply_listing(self, value: tuple[Any, ...]) -> None:
        listing, entries, active = value
        if self._closed:
            return
        for old in self.entries.values():
            if old.panel is not None and entries.get(old.job_id) is not old:
                self._close_details(old)
        self.jobs = list(listing.jobs)
        self.entries = entries
        self._ticked &= set(entries)
        self.skipped = list(listing.skipped)
        self.listing_note = listing.note()
        self.listing_line.value = f"⚠ {escape(self.listing_note)}" if self.listing_note else ""
        shown(self.listing_line, bool(self.listing_note))
        self._show_quota(active)
        self.title.value = f"<b>UKSSDC jobs of {escape(self.user)}</b> · {plural(len(entries), 'job')}"
        self._layout_page()
        self._after_poll()

    def _count_active(self) -> int | None:
        """countActiveJobs, or None if the count failed (the board keeps its last figure)."""
        try:
            return count_active_jobs_with(self.transport, self.user)
        except XRTError:
            return None

    def _show_quota(self, active: int | None) -> None:
        if active is None and self.active_jobs is not None:
            return  # keep the last good figure
        self.active_jobs = active
        self.quota.value = (
            f"Active jobs (queued or running): <b>{active}</b>"
            if active is not None
            else "Active jobs: unknown (the count failed)"
        )

    # -- refresh ---------------------------------------------------------------------------------
    def watched(self) -> list[int]:
        """JobIDs that may still be running: known unfinished, or not asked while active jobs are unfound."""
        found = self._all_found()
        return [j for j, e in self.entries.items() if may_be_active(e, all_found=found)]

    @property
    def search_budget(self) -> int:
        """The most jobs off the page one refresh asks about while looking for active jobs."""
        return self._search_budget if self._search_budget is not None else 2 * self.page_size

    def refresh(self) -> Future[Any]:
        """Ask about the page's unfinished jobs, then what the active-job count says is still to be found.

        One ``getNumJobs`` request, then one status request per job asked,
        concurrently in the bounded pool (see
        :func:`~xrt_widgets.ui.polling.next_to_ask`). The JobIDs asked are
        in :attr:`last_asked`.
        """

        def work() -> tuple[Any, ...]:
            active = self._count_active()
            with self._lock:
                order = list(self.entries)
                page = self.page_jobs()
            asked, failures = refresh_rounds(
                order,
                page,
                lambda: {j: e.knowledge for j, e in self.entries.items()},
                active,
                self._ask_many,
                batch=self.max_workers,
                budget=self.search_budget,
            )
            return asked, failures, active

        return self._start("refresh", "Refreshing…", work, self._apply_refresh)

    def _ask_many(self, job_ids: list[int]) -> list[str]:
        """Ask about these jobs at once (the bounded pool); wait; say which failed and why."""
        futures = [(self.entries[j], self._ask(self.entries[j])) for j in job_ids]
        failures = []
        for entry, fut in futures:
            try:
                problem = fut.result()
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if entry.panel is not None and entry.panel.error:
                problem = entry.panel.error
            if problem:
                failures.append(f"job {entry.job_id}: {problem}")
        return failures

    def _ask(self, entry: JobEntry) -> Future[Any]:
        """One status request for the job's unfinished products (through its panel when open)."""
        if entry.panel is not None:
            return entry.panel.refresh()
        return self._pool.submit(self._status_of, entry)

    def _status_of(self, entry: JobEntry) -> str:
        """In the pool: ask, apply to the job's record, return why it failed ('' when it did not)."""
        outcome = entry.adapter.status_outcome(tuple(entry.unfinished()))
        entry.state.apply_status(outcome)
        with self._lock:
            entry.error = outcome.error or ""
            if entry.row is not None:
                entry.row.render()
        return entry.error

    def _apply_refresh(self, value: tuple[Any, ...]) -> None:
        asked, failures, active = value
        self.last_asked = list(asked)
        self._show_quota(active)
        self.last_refresh = self._clock()
        self.last_refresh_utc = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        if failures:
            self._show_error("Refresh failed for " + "; ".join(failures))
            self._poller.back_off()
        else:
            self._show_error("")
            self._poller.reset()
        self._render_since()
        self._layout_page()
        self._after_poll()

    # -- selection -------------------------------------------------------------------------------
    @property
    def selected_jobs(self) -> list[int]:
        """The ticked JobIDs, newest first (on every page)."""
        return [j for j in self.entries if j in self._ticked]

    def tick(self, job_ids: Any, value: bool = True) -> None:
        """Tick (or untick) jobs by JobID, on any page."""
        ids = [job_ids] if isinstance(job_ids, int) else list(job_ids)
        unknown = [j for j in ids if j not in self.entries]
        if unknown:
            raise ValueError(f"unknown JobIDs: {unknown}")
        with self._lock:
            (self._ticked.update if value else self._ticked.difference_update)(ids)
            self._refresh_rows(ids)
        self._hide_confirm()

    def select_unfinished(self) -> None:
        """Tick every job the server said is unfinished, on every page.

        Jobs never asked about are not ticked, even while the active count
        says some are still unfound (a listing of thousands would tick them
        all): the line about active jobs says how many, and each refresh
        looks further.
        """
        self.tick([j for j, e in self.entries.items() if e.knowledge == UNFINISHED])

    def select_none(self) -> None:
        """Untick every job, and every product ticked in an open Details panel."""
        with self._lock:
            ids = list(self._ticked)
            self._ticked.clear()
            for entry in self.entries.values():
                entry.picked = []
                if entry.panel is not None:
                    entry.panel.selected = []
            self._refresh_rows(ids)
        self._hide_confirm()

    def _refresh_rows(self, ids: list[int]) -> None:
        wanted = set(ids)
        for row in self._rows[: self._n_rows]:
            if row.entry.job_id in wanted:
                row.render()
        self._render_pager(len(self.shown_jobs()), self.pages)

    def _on_row_tick(self, entry: JobEntry, value: bool) -> None:
        (self._ticked.add if value else self._ticked.discard)(entry.job_id)
        self._render_pager(len(self.shown_jobs()), self.pages)
        self._hide_confirm()

    def selection(self) -> dict[int, list[str]]:
        """JobID -> products a bulk cancel would ask for (ticked in a Details panel, else all unfinished)."""
        chosen: dict[int, list[str]] = {}
        for j, e in self.entries.items():
            picked = list(e.panel.selected) if e.panel is not None else list(e.picked)
            if picked:
                chosen[j] = picked
            elif j in self._ticked:
                chosen[j] = e.unfinished() or list(e.products)
        return chosen

    # -- details -------------------------------------------------------------------------------
    def _on_details(self, entry: JobEntry, opened: bool) -> None:
        if entry.row is None:
            return  # a click made before the page changed, on a job no longer shown
        try:
            if opened:
                self._open_details(entry)
            else:
                self._close_details(entry)
        except Exception as exc:
            self._show_error(f"Could not open job {entry.job_id}: {exc}")

    def _open_details(self, entry: JobEntry) -> CancelPanel:
        with self._lock:
            if entry.panel is None:
                panel = CancelPanel(
                    entry.request,
                    confirm=True,
                    executor=self._pool,
                    deadline=self.transport.deadline,
                    refresh_on_display=False,
                    title=f"Job {entry.job_id}: {entry.info.get('Name', '')}",
                )
                panel.style_sheet.value = ""  # the board carries the stylesheet once
                if entry.picked:
                    panel.selected = [n for n in entry.picked if n in panel.rows]
                entry.panel = panel
                panel.observe(lambda _c: self._hide_confirm(), names=["selected"])
            if entry.row is not None:
                entry.row.render()
            self._set_children()
            return entry.panel

    def _close_details(self, entry: JobEntry) -> None:
        """Close and free a job's Details panel (the products ticked in it are kept)."""
        with self._lock:
            panel, entry.panel = entry.panel, None
            if panel is None:
                return
            entry.picked = list(panel.selected)
            panel.close()
            if entry.row is not None:
                entry.row.render()
            self._set_children()

    def open_details(self, job_id: int) -> CancelPanel:
        """Open the Details panel of a job on the page, and return it."""
        entry = self.entries[job_id]
        if entry.row is None:
            raise LookupError(f"job {job_id} is not on the board's current page")
        return self._open_details(entry)

    # -- bulk cancel -----------------------------------------------------------------------------
    def _on_cancel_click(self) -> None:
        chosen = self.selection()
        if self.confirm and chosen:
            n_products = sum(len(v) for v in chosen.values())
            named = names_of(self.entries.values(), chosen)
            self.confirm_text.value = (
                f'<div role="alert"><b>Cancel {plural(n_products, "product")} in '
                f"{plural(len(chosen), 'job')}?</b> {escape(named)}. "
                "This cannot be undone.</div>"
            )
            shown(self.confirm_box, True)
            self.back_button.focus()  # the safe choice
            return
        self._cancel_clicked()

    def _hide_confirm(self, focus: widgets.DOMWidget | None = None) -> None:
        if "xrtw-hidden" not in self.confirm_box._dom_classes:
            shown(self.confirm_box, False)
            if focus is not None:
                focus.focus()

    def _cancel_clicked(self) -> None:
        """A bulk cancel started by a click: the summary says what is being sent, and takes focus.

        Only for clicks: a call from code never moves the user's focus. The
        summary's live region reads the outcome out when it lands.
        """
        chosen = self.selection()
        if chosen:
            n_products = sum(len(v) for v in chosen.values())
            with self.summary.hold_sync():
                self.summary.value = f"Cancelling {plural(n_products, 'product')} in {plural(len(chosen), 'job')}…"
                set_classes(
                    self.summary,
                    remove=[c for c in self.summary._dom_classes if c.startswith("xrtw-result-") or c == "xrtw-hidden"],
                )
        self.cancel_selected()
        if chosen:
            self.summary.focus()

    def cancel_selected(self, selection: dict[int, list[str]] | None = None) -> Future[Any]:
        """Cancel, in one request per job, what is ticked (or ``selection``: JobID -> product names).

        Returns a future resolving to ``{JobID: (ok, perProduct)}`` once every job's record shows its result.
        """
        self._hide_confirm()
        chosen = (
            self.selection()
            if selection is None
            else {int(j): [resolve(n).long for n in names] for j, names in selection.items()}
        )
        if not chosen:
            self._show_error("Tick at least one job or product to cancel.")
            done: Future[Any] = Future()
            done.set_result({})
            return done
        unknown = [j for j in chosen if j not in self.entries]
        if unknown:
            raise ValueError(f"unknown JobIDs: {unknown}")

        def work() -> _Results:
            targets = {j: self.entries[j] for j in chosen}
            futures = {j: self._send_cancel(targets[j], names) for j, names in chosen.items()}
            results = {}
            for job_id, fut in futures.items():
                entry = targets[job_id]
                try:  # one failing job never stops the others
                    value = fut.result()
                    if value is None:
                        value = (-1, {"ERROR": (entry.panel.error if entry.panel else "") or "nothing was sent"})
                    ok, per = value
                    if not isinstance(per, dict) or ok not in (-1, 0, 1, 2):
                        raise TypeError(f"a cancel answered {value!r:.80}")
                except Exception as exc:
                    value = (-1, {"ERROR": f"{type(exc).__name__}: {exc}"})
                with self._lock:
                    entry.result = value
                    entry.error = str(value[1]["ERROR"]) if "ERROR" in value[1] else ""
                    entry.picked = []
                    self._ticked.discard(job_id)
                    if entry.row is not None:
                        entry.row.render()
                results[job_id] = value
            return _Results(results, active=self._count_active())

        return self._start(
            "cancel",
            f"Cancelling in {plural(len(chosen), 'job')}…",
            work,
            self._apply_bulk,
            names=tuple(f"{j}:{n}" for j, names in sorted(chosen.items()) for n in names),
        )

    def _send_cancel(self, entry: JobEntry, names: list[str]) -> Future[Any]:
        if entry.panel is not None:
            return entry.panel.cancel(names)
        return self._pool.submit(self._cancel_job, entry, tuple(names))

    @staticmethod
    def _cancel_job(entry: JobEntry, names: tuple[str, ...]) -> tuple[int, dict[str, Any]]:
        """In the pool: one cancel request, then one status request for what it did not cancel."""
        outcome = entry.adapter.cancel_outcome(names)
        follow_up = entry.state.apply_cancel(outcome)
        if follow_up:
            entry.state.apply_status(entry.adapter.status_outcome(follow_up))
        return outcome.as_pair()

    def _apply_bulk(self, results: _Results) -> None:
        self._show_quota(results.active)
        self.results = {**self.results, **results}
        text, slug = bulk_summary(results)
        failed = [j for j, v in results.items() if v[0] == -1]
        with self.summary.hold_sync():
            self.summary.value = text
            set_classes(
                self.summary,
                add=(f"xrtw-result-{slug}",),
                remove=[
                    c for c in self.summary._dom_classes if c.startswith("xrtw-result-") and c != f"xrtw-result-{slug}"
                ]
                + ["xrtw-hidden"],
            )
        self._show_error("; ".join(f"job {j}: {results[j][1].get('ERROR')}" for j in failed))
        self.announcer.value = live_html(text)
        self._layout_page()

    # -- running ---------------------------------------------------------------------------------
    def _guard(self, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except Exception as exc:  # the boundary: show, never only log
            self._show_error(f"{type(exc).__name__}: {exc}")

    def _start(
        self, kind: str, label: str, work: Callable[[], Any], apply: Callable[[Any], None], names: tuple[str, ...] = ()
    ) -> Future[Any]:
        """Run ``work()`` then ``apply(value)`` (under the lock) as one action of the board's runner.

        The same action (kind and names) joins the one waiting or in flight;
        any other waits its turn. The runner's threads are its own, not the
        bounded pool: the work waits on futures that run there.
        """

        def run(_names: tuple[str, ...]) -> Any:
            try:
                value = work()
                with self._lock:
                    apply(value)
                return value
            except Exception:
                if self.auto_refresh and kind in ("refresh", "reload"):
                    self._poller.back_off()
                    self._render_since()
                    self._after_poll()
                raise

        self._last_action = self._runner.submit(kind, names, run, label=label)
        return self._last_action

    def _show_error(self, text: str) -> None:
        self.error = text or ""
        with self.error_line.hold_sync():
            self.error_line.value = error_html(text)
            shown(self.error_line, bool(text))

    def _set_busy(self, busy: bool, label: str = "") -> None:
        self.busy = busy
        for b in (self.reload_button, self.refresh_button, self.cancel_button, self.confirm_button):
            b.disabled = busy
        self.busy_indicator.value = f"◌ {escape(label)}" if busy else ""

    # -- auto-refresh ----------------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self.auto_refresh or self._closed:
            self._poller.cancel()
            return
        self._poller.schedule()

    def _tick(self) -> None:
        """One auto-refresh: poll what is unfinished, then schedule the next (or stop)."""
        if not self.auto_refresh or self._closed:
            return
        if self.entries and not self.watched():
            self._stop_watching()
            return
        self.refresh() if self.entries else self.reload()  # the poll schedules the next one (_after_poll)

    def _after_poll(self) -> None:
        """After a poll, before its future resolves: schedule the next one, or stop when nothing is left."""
        if not self.auto_refresh or self._closed:
            return
        if self.entries and not self.watched():
            self._stop_watching()
            return
        self._schedule()

    def _stop_watching(self) -> None:
        self.auto_refresh = False
        self.since.value = escape(self._since_text() + " · auto-refresh stopped: every job is finished")

    def _since_text(self) -> str:
        # An absolute time: a static "N s ago" would be false a second after it was drawn.
        if self.last_refresh is None:
            return "Not refreshed yet"
        return f"Last refresh at {self.last_refresh_utc}"

    @property
    def seconds_since_refresh(self) -> float | None:
        """Seconds since the last completed refresh, by the board's clock (None before the first)."""
        return None if self.last_refresh is None else self._clock() - self.last_refresh

    def _render_since(self) -> None:
        extra = ""
        if self.auto_refresh:
            extra = f" · auto-refresh every {self.interval:g} s"
            if self._poller.backing_off:
                extra += f" (backing off: next in {self._poller.delay:g} s)"
        self.since.value = escape(self._since_text() + extra)

    def close(self) -> None:
        """Close the widget: pauses auto-refresh, stops the worker pool, closes every widget it made."""
        if not hasattr(self, "_pool"):  # __init__ failed (a refused base URL, say): Widget.__del__ still calls us
            widgets.Widget.close(self)
            return
        with self._lock:
            self._closed = True
            self._poller.cancel()
            self._runner.close()
            for entry in self.entries.values():
                if entry.panel is not None:
                    panel, entry.panel = entry.panel, None
                    panel.close()
            for row in self._rows:
                row.close()
            self._rows = []
            self._row_parts.close()
            close_all(self)
            for part in self._parts.shared:
                part.close()
        # queued work still runs (and resolves its futures) against closed, silent widgets
        self._pool.shutdown(wait=False)

    def __repr__(self) -> str:
        return f"<JobBoard {getattr(self, 'user', '?')} jobs={len(getattr(self, 'entries', {}))}>"
