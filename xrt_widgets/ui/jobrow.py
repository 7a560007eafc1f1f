"""A row of the board's page: four widgets that show one job at a time, and are reused when the page changes.

A board shows a page of jobs, never all of them. Each row is a tick box, an
HTML summary, a Details button and the box holding them; their layouts and
styles are shared by every row of the board, and their classes are given at
construction, so a row costs four widget models and no message after its
creation. When the page changes, a row is bound to another job: a few
changed traits, one message per widget at most (``hold_sync``).

The summary is rendered from the job's shared record
(:class:`~xrt_widgets.jobs.JobState`), which the row follows while it shows
the job: every view of a job shows the same state.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_bool import CheckboxStyle, ToggleButtonStyle
from ipywidgets.widgets.widget_string import HTMLStyle

from .. import codes
from .html import escape
from .joblist import JobEntry
from .polling import FINAL, GONE, UNFINISHED

__all__ = ["JobRow", "RowParts", "summary_html", "row_slug"]


class RowParts:
    """The layouts and styles every row of one board shares."""

    def __init__(self) -> None:
        self.checkbox_layout = widgets.Layout(width="auto")
        self.checkbox_style = CheckboxStyle()
        self.summary_layout = widgets.Layout(flex="1 1 18em")
        self.html_style = HTMLStyle()
        self.toggle_layout = widgets.Layout(width="auto")
        self.toggle_style = ToggleButtonStyle()
        self.row_layout = widgets.Layout(width="100%")
        self.shared: tuple[widgets.Widget, ...] = (
            self.checkbox_layout,
            self.checkbox_style,
            self.summary_layout,
            self.html_style,
            self.toggle_layout,
            self.toggle_style,
            self.row_layout,
        )

    def close(self) -> None:
        for w in self.shared:
            w.close()


def row_slug(entry: JobEntry) -> str:
    """The row's colour: the job's last bulk cancel result, else what is known of its products."""
    if entry.result is not None:
        return codes.lookup("cancel_result", entry.result[0]).slug
    if entry.error:
        return "unknown-code"
    know = entry.knowledge
    if know == UNFINISHED:
        return "running"
    if know == FINAL:
        return "complete"
    return "not-checked"


def summary_html(entry: JobEntry) -> str:
    """The job's summary line: name, JobID, date, what the server said of each product, the last result.

    Every product reads "not asked" until the server has said something of it:
    the board never shows a job as finished that it did not ask about.
    """
    info = entry.info
    held = (
        "products held on the server"
        if info.get("hasProd", True)
        else "products no longer held on the server (nothing left to cancel)"
    )
    statuses = entry._state.statuses if entry._state is not None else {}
    parts = []
    said = []  # the row's accessible name: the job, then each product and its status in words
    for name in entry.products:
        status = statuses.get(name)
        said.append(
            f"{name} {status.words}" if status is not None and status.family != "local" else f"{name} not asked"
        )
        if status is not None and status.family != "local":
            parts.append(
                f'<span class="xrtw-job-product" title="{escape(status.info.meaning)} '
                f'({escape(status.raw)})">{escape(name)} <span aria-hidden="true">{status.icon}</span> '
                f"{escape(status.words)}</span>"
            )
        else:
            parts.append(f'<span class="xrtw-job-product">{escape(name)}: <i>not asked</i></span>')
    result = ""
    if entry.result is not None:
        rc = codes.lookup("cancel_result", entry.result[0])
        result = (
            f' · <b><span aria-hidden="true">{rc.icon}</span> {escape(rc.label)} (ok = {escape(entry.result[0])})</b>'
        )
    error = f' · <span class="xrtw-job-error">⚠ {escape(entry.error)}</span>' if entry.error else ""
    date = info.get("DateSubmitted", "")
    when = (
        f' · submitted <span class="xrtw-nowrap">{escape(date)}</span> (UK time, as the service lists it)'
        if date
        else ""
    )
    name = f"Job {entry.job_id} {info.get('Name', '')}: {', '.join(said)}"
    return (
        f'<div role="group" aria-label="{escape(name)}">'
        f"<b>{escape(info.get('Name', ''))}</b> · job {escape(entry.job_id)}{when} · {held}<br>"
        f"{' · '.join(parts) or 'no products'}{result}{error}</div>"
    )


class JobRow:
    """One row of a board's page, bound to one :class:`~xrt_widgets.ui.joblist.JobEntry` at a time.

    Parameters
    ----------
    parts : RowParts
        The board's shared layouts and styles.
    entry : JobEntry
        The job shown first.
    ticked : callable
        ``ticked(job_id)`` -> whether the job is ticked on the board.
    on_tick, on_details : callable
        ``on_tick(entry, value)`` when the user ticks or unticks the row;
        ``on_details(entry, opened)`` when the Details button is pressed.
    lock : lock
        The board's lock: binding and rendering never interleave.
    """

    def __init__(
        self,
        parts: RowParts,
        entry: JobEntry,
        *,
        ticked: Callable[[int], bool],
        on_tick: Callable[[JobEntry, bool], None],
        on_details: Callable[[JobEntry, bool], None],
        lock: Any = None,
    ) -> None:
        self._ticked = ticked
        self._on_tick = on_tick
        self._on_details = on_details
        self._lock = lock if lock is not None else threading.RLock()
        self._binding = False
        self._unobserve: Callable[[], None] = lambda: None
        self.entry = entry
        slug = row_slug(entry)
        self._parts = parts
        self.checkbox, self.toggle = self._controls(entry)
        self.summary = widgets.HTML(
            summary_html(entry), layout=parts.summary_layout, style=parts.html_style, _dom_classes=("xrtw-job-summary",)
        )
        self.header = widgets.HBox(
            [self.checkbox, self.summary, self.toggle], layout=parts.row_layout, _dom_classes=self._classes(entry, slug)
        )
        self._slug = slug
        entry.row = self
        self._follow(entry)

    def _controls(self, entry: JobEntry) -> tuple[widgets.Checkbox, widgets.ToggleButton]:
        """The tick box and Details button of one job, made for it alone.

        A row shows another job after a page change, but a click made on the
        old page may reach the kernel after that: controls of their own per
        job, closed when the row moves on, make such a click land on the job
        the user saw (or on a closed widget, where it is dropped), never on
        the job the row shows next.
        """
        parts = self._parts
        opened = entry.panel is not None
        checkbox = widgets.Checkbox(
            value=self._ticked(entry.job_id),
            description=str(entry.job_id),
            indent=False,
            disabled=self._untickable(entry),
            layout=parts.checkbox_layout,
            style=parts.checkbox_style,
            _dom_classes=("xrtw-job-tick",),
        )
        toggle = widgets.ToggleButton(
            value=opened,
            description="Details",
            icon="chevron-up" if opened else "chevron-down",
            tooltip="Show or hide this job's products",
            layout=parts.toggle_layout,
            style=parts.toggle_style,
            _dom_classes=("xrtw-job-details",),
        )
        checkbox.observe(functools.partial(self._user_changed, self._on_tick, entry), names=["value"])
        toggle.observe(functools.partial(self._user_changed, self._on_details, entry), names=["value"])
        return checkbox, toggle

    @staticmethod
    def _classes(entry: JobEntry, slug: str) -> tuple[str, ...]:
        return ("xrtw-row", "xrtw-job", f"xrtw-job-{entry.job_id}", f"xrtw-status-{slug}")

    @staticmethod
    def _untickable(entry: JobEntry) -> bool:
        return entry.knowledge in (FINAL, GONE)

    @property
    def widgets(self) -> tuple[widgets.Widget, ...]:
        """The row's own widget models (its layouts and styles are the board's)."""
        return (self.header, self.checkbox, self.summary, self.toggle)

    # -- binding ---------------------------------------------------------------------------------
    def _follow(self, entry: JobEntry) -> None:
        me = weakref.WeakMethod(self._state_changed)
        self._unobserve = entry.state.observe(lambda state, changed: (m := me()) and m(state))

    def bind(self, entry: JobEntry) -> None:
        """Show ``entry`` (the same one again re-renders it): changed traits only, one message per widget.

        Another job gets a tick box and Details button of its own (see :meth:`_controls`).
        """
        with self._lock:
            if entry is not self.entry:
                self._unobserve()
                if self.entry.row is self:
                    self.entry.row = None
                self.entry = entry
                entry.row = self
                old = (self.checkbox, self.toggle)
                self.checkbox, self.toggle = self._controls(entry)
                with self.header.hold_sync():
                    self.header.children = (self.checkbox, self.summary, self.toggle)
                    self.header._dom_classes = self._classes(entry, row_slug(entry))
                for w in old:
                    w.close()
                self._follow(entry)
            self.render()

    def release(self) -> None:
        """Stop following the job (the row leaves the page, or the board closes)."""
        with self._lock:
            self._unobserve()
            self._unobserve = lambda: None
            if self.entry.row is self:
                self.entry.row = None

    def render(self) -> None:
        """Bring the widgets up to date with the entry and its record (only what changed is sent)."""
        with self._lock:
            entry = self.entry
            slug = row_slug(entry)
            self._binding = True
            try:
                with self.checkbox.hold_sync():
                    self.checkbox.description = str(entry.job_id)
                    self.checkbox.value = self._ticked(entry.job_id)
                    self.checkbox.disabled = self._untickable(entry)
                self.summary.value = summary_html(entry)
                opened = entry.panel is not None
                with self.toggle.hold_sync():
                    self.toggle.value = opened
                    self.toggle.icon = "chevron-up" if opened else "chevron-down"
                classes = self._classes(entry, slug)
                if tuple(self.header._dom_classes) != classes:
                    self.header._dom_classes = classes
                self._slug = slug
            finally:
                self._binding = False

    def _state_changed(self, state: Any) -> None:
        with self._lock:
            if self.entry._state is state:
                self.render()

    # -- the user ------------------------------------------------------------------------------
    def _user_changed(self, handler: Callable[[JobEntry, bool], None], entry: JobEntry, change: dict[str, Any]) -> None:
        """A click on a control of ``entry`` (the job it was made for, whatever the row shows now)."""
        if not self._binding:
            handler(entry, bool(change["new"]))

    def close(self) -> None:
        """Close the row's own widgets (the shared layouts and styles are the board's to close)."""
        self.release()
        for w in self.widgets:
            w.close()


#: The board's own rules, after the shared stylesheet: rows wrap instead of scrolling sideways.
BOARD_CSS = """
.xrtw-board .xrtw-job{flex-wrap:wrap;align-items:center;gap:0 .5em}
.xrtw-board .xrtw-job-summary{min-width:0}
.xrtw-board .xrtw-job-summary .widget-html-content{white-space:normal;overflow-wrap:anywhere;line-height:1.4}
.xrtw-board .xrtw-toolbar{flex-wrap:wrap;gap:.25em .5em;align-items:center}
.xrtw-board .xrtw-nowrap{white-space:nowrap}
"""


def style_block() -> str:
    """The board's own rules as a ``<style>`` block."""
    return f"<style>{BOARD_CSS}</style>"
