"""``JobBoard``: every UKSSDC job of a user in one panel, with bulk cancel and polite auto-refresh.

The board lists the user's jobs (``listOldJobs``, newest first) with the
number of active jobs (``countActiveJobs``) as a quota line. Each job can be
expanded into the :class:`~xrt_widgets.panel.CancelPanel` of that job,
bound with :meth:`XRTProductRequest.from_job`, so jobs submitted elsewhere
can be cancelled here. Bulk actions send one request per job, run
concurrently in a bounded pool; a failing job never stops the others.

Auto-refresh is off by default. When on, it polls no more often than every
10 s (default 60 s, as the service asks), only jobs with unfinished
products, backs off on errors, stops by itself when nothing is left to
watch, and pauses while the widget is closed. Its timer is injectable, so
tests drive it without sleeping.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Optional

import ipywidgets as widgets
import traitlets

from ..client import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, Timeout, Transport
from ..errors import XRTError
from ..products import resolve
from ..protocol import ListingResult, parse_listing
from ..request import count_active_jobs_with, list_jobs_with
from .actions import ActionRunner
from .html import escape, stylesheet
from .jobrow import JobRow
from .parts import close_all
from .polling import DEFAULT_INTERVAL, MAX_BACKOFF, MIN_INTERVAL, Poller


def button(**kw: Any) -> widgets.Button:
    """A Button sized to its label, with a Layout of its own (buttons are shown and hidden apart)."""
    return widgets.Button(layout=widgets.Layout(width="auto"), **kw)

__all__ = ["JobBoard", "MIN_INTERVAL", "DEFAULT_INTERVAL", "MAX_BACKOFF"]

#: A backstop for one bulk action of the board (each of its requests has the board's own deadline).
_BULK_DEADLINE = 3600.0


class _Results(dict):
    """JobID -> (ok, perProduct) of a bulk cancel, with the active-job count taken after it."""

    def __init__(self, results: dict, *, active: Optional[int]) -> None:
        super().__init__(results)
        self.active = active


class JobBoard(widgets.VBox):
    """Every job of a user, with its products, in one panel.

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
    timer_factory : callable, optional
        ``timer_factory(seconds, callback)`` -> an object with ``start()``
        and ``cancel()``; a :class:`threading.Timer` by default.
    clock : callable, optional
        Returns the time in seconds (``time.monotonic`` by default).
    deadline : float, optional
        Seconds any one request of the board (a listing, one job's status or
        cancel) may take in all, retries included (default 60). A bulk
        action asks many jobs, so it has no deadline of its own: each of its
        requests has this one.
    """

    jobs = traitlets.List(help="The well-formed listOldJobs entries, normalised (see protocol.parse_listing), "
                               "newest first.")
    skipped = traitlets.List(help="(index, JobID, reason) of each listing entry that was not shown.")
    listing_note = traitlets.Unicode("", help="The line saying which listing entries were skipped ('' if none).")
    busy = traitlets.Bool(False, help="True while the board has requests in flight.")
    active_jobs = traitlets.Int(None, allow_none=True, help="countActiveJobs, once known.")
    error = traitlets.Unicode("", help="The board's error line ('' when there is none).")
    auto_refresh = traitlets.Bool(False, help="Whether the board polls the service by itself.")
    interval = traitlets.Float(DEFAULT_INTERVAL, help="Seconds between polls (at least 10).")
    last_refresh = traitlets.Float(None, allow_none=True, help="clock() time of the last completed refresh.")
    results = traitlets.Dict(help="JobID -> the last (ok, perProduct) of a bulk cancel.")

    def __init__(self, user: str, *, base_url: Optional[str] = None, timeout: Timeout = DEFAULT_TIMEOUT,
                 session: Any = None, max_workers: int = 4, auto_refresh: bool = False,
                 interval: float = DEFAULT_INTERVAL, confirm: bool = True, load: bool = True,
                 timer_factory: Optional[Callable] = None, clock: Optional[Callable[[], float]] = None,
                 deadline: float = DEFAULT_DEADLINE, **kwargs: Any) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.user = user
        self.transport = Transport(base_url, timeout=timeout, session=session, deadline=deadline)
        self.confirm = confirm
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="xrt_widgets-board")
        self.max_workers = max_workers
        self._poller = Poller(self._tick, timer_factory=timer_factory)
        self._clock = clock or time.monotonic
        self._lock = threading.RLock()
        self._last_action: Optional[Future] = None
        # A bulk action asks many jobs, each request with its own deadline: the action's own is a backstop.
        self._runner = ActionRunner(deadline=_BULK_DEADLINE, on_busy=self._set_busy,
                                    on_error=lambda message: self._show_error(message))
        self._closed = False
        self.last_refresh_utc = ""
        self.entries: dict[int, JobRow] = {}

        self.style_sheet = widgets.HTML(stylesheet(), layout=widgets.Layout(display="none"))
        self.title = widgets.HTML(f"<b>UKSSDC jobs of {escape(user)}</b>")
        self.quota = widgets.HTML("Active jobs: not checked yet")
        self.quota.add_class("xrtw-quota")
        self.since = widgets.HTML("Not refreshed yet")
        self.since.add_class("xrtw-since")
        self.jobs_box = widgets.VBox()
        self.jobs_box.add_class("xrtw-jobs")
        self.listing_line = widgets.HTML(layout=widgets.Layout(display="none"))
        self.listing_line.add_class("xrtw-listing-note")

        self.reload_button = button(description="Reload list", icon="list")
        self.refresh_button = button(description="Refresh", icon="refresh")
        self.cancel_button = button(description="Cancel selected", icon="ban", button_style="danger")
        self.auto_toggle = widgets.ToggleButton(value=False, description="Auto-refresh", icon="clock-o")
        for b, cls in ((self.reload_button, "xrtw-board-reload"), (self.refresh_button, "xrtw-board-refresh"),
                       (self.cancel_button, "xrtw-board-cancel"), (self.auto_toggle, "xrtw-board-auto")):
            b.add_class(cls)
        self.busy_indicator = widgets.HTML()
        self.actions = widgets.HBox([self.reload_button, self.refresh_button, self.cancel_button, self.auto_toggle,
                                     self.busy_indicator])
        self.confirm_text = widgets.HTML()
        self.confirm_button = button(description="Confirm", icon="check", button_style="danger")
        self.back_button = button(description="Back", icon="arrow-left")
        self.confirm_button.add_class("xrtw-board-confirm")
        self.back_button.add_class("xrtw-board-back")
        self.confirm_box = widgets.HBox([self.confirm_text, self.confirm_button, self.back_button],
                                        layout=widgets.Layout(display="none"))
        self.summary = widgets.HTML(layout=widgets.Layout(display="none"))
        self.summary.add_class("xrtw-summary")
        self.summary.add_class("xrtw-board-summary")
        self.error_line = widgets.HTML(layout=widgets.Layout(display="none"))
        self.error_line.add_class("xrtw-error")

        self.reload_button.on_click(lambda _b: self._guard(self.reload))
        self.refresh_button.on_click(lambda _b: self._guard(self.refresh))
        self.cancel_button.on_click(lambda _b: self._guard(self._on_cancel_click))
        self.confirm_button.on_click(lambda _b: self._guard(self.cancel_selected))
        self.back_button.on_click(lambda _b: self._hide_confirm())
        self.auto_toggle.observe(lambda c: setattr(self, "auto_refresh", c["new"]), names=["value"])
        super().__init__(children=(self.style_sheet, self.title, self.quota, self.actions, self.confirm_box,
                                   self.summary, self.error_line, self.since, self.listing_line, self.jobs_box),
                         **kwargs)
        self.add_class("xrtw-panel")
        self.add_class("xrtw-board")
        self.interval = interval
        self.auto_refresh = auto_refresh
        if load:
            self.reload()

    # -- traits ---------------------------------------------------------------------------------
    @traitlets.validate("interval")
    def _valid_interval(self, proposal: dict) -> float:
        value = float(proposal["value"])
        if value < MIN_INTERVAL:
            raise traitlets.TraitError(f"interval must be at least {MIN_INTERVAL:g} s: the UKSSDC asks clients "
                                       "not to poll more often")
        return value

    @traitlets.observe("interval")
    def _on_interval(self, change: dict) -> None:
        self._poller.interval = change["new"]

    @traitlets.observe("auto_refresh")
    def _on_auto(self, change: dict) -> None:
        self.auto_toggle.value = change["new"]
        if change["new"]:
            self._poller.reset()
            self._schedule()
        else:
            self._poller.cancel()
        self._render_since()

    @property
    def last_action(self) -> Optional[Future]:
        """The future of the most recent board action."""
        return self._last_action

    # -- listing ---------------------------------------------------------------------------------
    def reload(self) -> Future:
        """List the user's jobs and count the active ones (two requests, in the background).

        Entries of the listing that cannot be trusted are skipped and counted
        in :attr:`listing_note` and :attr:`skipped`; they never hide the others.
        """
        def work():
            jobs = list_jobs_with(self.transport, self.user)
            try:
                active: Optional[int] = count_active_jobs_with(self.transport, self.user)
            except XRTError:
                active = None
            # Checking thousands of entries and building their widgets takes seconds: done here, off the
            # lock, so that the kernel thread never waits for it.
            listing = parse_listing(jobs)
            return listing, self._rows_for(listing), active

        return self._start("reload", "Listing jobs…", work, self._apply_listing)

    def _rows_for(self, listing: ListingResult) -> dict[int, JobRow]:
        """JobID -> row for a new listing: the current row where it still fits, else a new one.

        Runs outside the lock. ``self.entries`` is only ever replaced whole (in
        ``_apply_listing``), and only one board action runs at a time, so the
        snapshot read here is still current when the result is swapped in.
        """
        current = self.entries
        rows: dict[int, JobRow] = {}
        for info in listing.jobs:
            old = current.get(info["JobID"])
            if old is not None and old.products == list(info["products"]):
                if old.info != info:
                    old.info = info
                    old.render()
                rows[info["JobID"]] = old
            else:  # new, or listed with other products: its request must name exactly those
                rows[info["JobID"]] = JobRow(self, info)
        return rows

    def _apply_listing(self, value: tuple) -> None:
        """Under the lock: swap in the rows built by ``reload``'s work, and nothing slow."""
        listing, rows, active = value
        if self._closed:  # rows built while the board was being closed would never be closed
            kept = {id(e) for e in self.entries.values()}
            for row in rows.values():
                if id(row) not in kept:
                    close_all(row.box)
            return
        self.jobs = list(listing.jobs)
        self.entries = rows
        self.jobs_box.children = tuple(e.box for e in rows.values())
        self.skipped = list(listing.skipped)
        self.listing_note = listing.note()
        self.listing_line.value = f"⚠ {escape(self.listing_note)}" if self.listing_note else ""
        self.listing_line.layout.display = "block" if self.listing_note else "none"
        self._show_quota(active)
        self.title.value = f"<b>UKSSDC jobs of {escape(self.user)}</b> · {len(rows)} jobs"
        self._after_poll()

    def _count_active(self) -> Optional[int]:
        """countActiveJobs, or None if the count failed (the board keeps its last figure)."""
        try:
            return count_active_jobs_with(self.transport, self.user)
        except XRTError:
            return None

    def _show_quota(self, active: Optional[int]) -> None:
        if active is None and self.active_jobs is not None:
            return  # keep the last good figure
        self.active_jobs = active
        self.quota.value = (f"Active jobs (queued or running): <b>{active}</b>" if active is not None
                            else "Active jobs: unknown (the count failed)")

    # -- refresh ---------------------------------------------------------------------------------
    def watched(self) -> list[int]:
        """JobIDs that still have products to watch (what a refresh polls)."""
        return [j for j, e in self.entries.items() if not e.finished]

    def refresh(self) -> Future:
        """One status request per job with unfinished products, concurrently; none when none are left."""
        def work():
            targets = [self.entries[j] for j in self.watched()]
            futures = [(e, e.unfinished(), e.refresh()) for e in targets]
            failures = []
            for entry, names, fut in futures:
                try:
                    value = fut.result()
                    if entry.panel is None:
                        with self._lock:
                            entry.apply_status(names, value)
                    elif entry.panel.error:
                        failures.append(f"job {entry.job_id}: {entry.panel.error}")
                except Exception as exc:
                    failures.append(f"job {entry.job_id}: {exc}")
            return len(targets), failures, (self._count_active() if targets else None)

        return self._start("refresh", "Refreshing…", work, self._apply_refresh)

    def _apply_refresh(self, value: tuple) -> None:
        polled, failures, active = value
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
        self._after_poll()

    # -- bulk cancel -----------------------------------------------------------------------------
    def selection(self) -> dict[int, list[str]]:
        """JobID -> products a bulk cancel would ask for."""
        return {j: names for j, e in self.entries.items() if (names := e.selected_products())}

    def _on_cancel_click(self) -> None:
        chosen = self.selection()
        if self.confirm and chosen:
            n_products = sum(len(v) for v in chosen.values())
            self.confirm_text.value = (f"<b>Cancel {n_products} product{'s' if n_products != 1 else ''} in "
                                       f"{len(chosen)} job{'s' if len(chosen) != 1 else ''}?</b> "
                                       "This cannot be undone.")
            self.confirm_box.layout.display = "flex"
            return
        self.cancel_selected()

    def _hide_confirm(self) -> None:
        self.confirm_box.layout.display = "none"

    # -- what a job's row may ask of its board ---------------------------------------------------
    @property
    def pool(self) -> Any:
        """The bounded pool where the rows' own requests run."""
        return self._pool

    @property
    def closed(self) -> bool:
        """Whether the board was closed."""
        return self._closed

    def show_error(self, text: str) -> None:
        """Show ``text`` in the board's error line ('' clears it)."""
        self._show_error(text)

    def job_ticked(self) -> None:
        """A job was ticked or unticked."""
        self._on_job_tick()

    def _on_job_tick(self) -> None:
        """A job was ticked or unticked: a pending confirmation no longer names the right count."""
        self._hide_confirm()

    def cancel_selected(self, selection: Optional[dict] = None) -> Future:
        """Cancel, in one request per job, what is ticked (or ``selection``: JobID -> product names).

        Returns a future resolving to ``{JobID: (ok, perProduct)}`` once every job's row shows its result.
        """
        self._hide_confirm()
        chosen = self.selection() if selection is None else {
            int(j): [resolve(n).long for n in names] for j, names in selection.items()}
        if not chosen:
            self._show_error("Tick at least one job or product to cancel.")
            done: Future = Future()
            done.set_result({})
            return done
        unknown = [j for j in chosen if j not in self.entries]
        if unknown:
            raise ValueError(f"unknown JobIDs: {unknown}")

        def work():
            futures = {j: (names, self.entries[j].cancel(names)) for j, names in chosen.items()}
            results = {}
            for job_id, (names, fut) in futures.items():
                entry = self.entries[job_id]
                try:  # one failing job never stops the others
                    value = fut.result()
                    if value is None:
                        value = (-1, {"ERROR": (entry.panel.error if entry.panel else "") or "nothing was sent"})
                    ok, per = value
                    if not isinstance(per, dict) or ok not in (-1, 0, 1, 2):
                        raise TypeError(f"a cancel answered {value!r:.80}")
                    with self._lock:
                        entry.apply_cancel(names, value)
                except Exception as exc:
                    value = (-1, {"ERROR": f"{type(exc).__name__}: {exc}"})
                    with self._lock:
                        entry.apply_cancel(names, value)
                results[job_id] = value
            return _Results(results, active=self._count_active())

        return self._start("cancel", f"Cancelling in {len(chosen)} jobs…", work, self._apply_bulk,
                           names=tuple(f"{j}:{n}" for j, names in sorted(chosen.items()) for n in names))

    def _apply_bulk(self, results: "_Results") -> None:
        self._show_quota(results.active)
        self.results = {**self.results, **results}
        oks = [v[0] for v in results.values()]
        failed = [j for j, v in results.items() if v[0] == -1]
        text = (f"{sum(1 for o in oks if o == 1)} of {len(oks)} jobs fully cancelled, "
                f"{sum(1 for o in oks if o == 2)} partly, {sum(1 for o in oks if o == 0)} not at all"
                + (f"; {len(failed)} failed ({', '.join(map(str, failed))})" if failed else ""))
        self.summary.value = escape(text)
        self.summary.layout.display = "block"
        if failed:
            slug = "http-error"
        elif all(o == 1 for o in oks):
            slug = "ok"
        elif all(o == 0 for o in oks):
            slug = "not-cancelled"
        else:
            slug = "partial"
        for cls in [c for c in self.summary._dom_classes if c.startswith("xrtw-result-")]:
            self.summary.remove_class(cls)
        self.summary.add_class(f"xrtw-result-{slug}")
        self._show_error("; ".join(f"job {j}: {results[j][1].get('ERROR')}" for j in failed))

    # -- running ---------------------------------------------------------------------------------
    def _guard(self, fn: Callable) -> None:
        try:
            fn()
        except Exception as exc:  # the boundary: show, never only log
            self._show_error(f"{type(exc).__name__}: {exc}")

    def _start(self, kind: str, label: str, work: Callable[[], Any], apply: Callable[[Any], None],
               names: tuple[str, ...] = ()) -> Future:
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
        self.error_line.value = f"⚠ {escape(text)}" if text else ""
        self.error_line.layout.display = "block" if text else "none"

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
    def seconds_since_refresh(self) -> Optional[float]:
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
        """Close the widget: pauses auto-refresh and stops the worker pool."""
        if not hasattr(self, "_pool"):  # __init__ failed (a refused base URL, say): Widget.__del__ still calls us
            widgets.Widget.close(self)
            return
        self._closed = True
        self._poller.cancel()
        self._runner.close()
        for entry in self.entries.values():
            entry.close()
        close_all(self)
        # queued work still runs (and resolves its futures) against closed, silent widgets
        self._pool.shutdown(wait=False)

    def __repr__(self) -> str:
        return f"<JobBoard {getattr(self, 'user', '?')} jobs={len(getattr(self, 'entries', {}))}>"
