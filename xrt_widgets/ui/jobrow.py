"""A job's row on the board: its summary, read from the job's shared record, and its Details panel.

The row holds the job's :class:`~xrt_widgets.jobs.JobState` (the record
shared with every other view of the job) and renders it; its Details panel
is a :class:`~xrt_widgets.ui.panel.CancelPanel` on the same record, made only
when opened, so the two always agree. A row's own requests (a bulk cancel or
refresh while its panel is closed) run in the board's bounded pool and land
in the same record.
"""

from __future__ import annotations

import weakref
from concurrent.futures import Future
from typing import Any, Optional

import ipywidgets as widgets

from .. import codes
from ..adapter import RequestAdapter
from ..errors import XRTError
from ..jobs import job_state
from ..request import XRTProductRequest
from .html import escape
from .panel import CancelPanel
from .parts import set_classes
from .rows import plain_status

__all__ = ["JobRow"]


class JobRow:
    """One job of a board: its request, the view of its shared record, its row widgets and (opened) its panel."""

    def __init__(self, board: Any, info: dict) -> None:
        """``board``: the :class:`~xrt_widgets.ui.board.JobBoard` (its ``user``, ``transport``, ``pool``,
        ``closed``, ``job_ticked`` and ``show_error``); ``info``: one entry of
        :func:`~xrt_widgets.protocol.parse_listing`, already checked."""
        self.board = board
        self.info = info
        self.job_id = info["JobID"]
        self.products = list(info["products"])
        self.request = XRTProductRequest.from_job(board.user, self.job_id, self.products,
                                                  base_url=board.transport.base_url, session=board.transport.session,
                                                  timeout=board.transport.timeout,
                                                  deadline=board.transport.deadline)
        self.adapter = RequestAdapter(self.request)
        self.state = job_state(self.adapter.job_key(), self.products)
        me = weakref.WeakMethod(self._on_state)
        self._unobserve = self.state.observe(lambda state, changed: (m := me()) and m())
        self.result: Optional[tuple] = None
        self.error = ""
        self.panel: Optional[CancelPanel] = None

        self.checkbox = widgets.Checkbox(value=False, indent=False, description=f"{self.job_id}",
                                         layout=widgets.Layout(width="110px"))
        self.checkbox.observe(lambda _c: board.job_ticked(), names=["value"])
        self.toggle = widgets.ToggleButton(value=False, description="Details", icon="chevron-down",
                                           layout=widgets.Layout(width="auto", min_width="100px"))
        self.toggle.add_class("xrtw-job-details")
        self.toggle.observe(self._on_toggle, names=["value"])
        self.summary = widgets.HTML(layout=widgets.Layout(flex="1 1 auto"))
        self.header = widgets.HBox([self.checkbox, self.summary, self.toggle], layout=widgets.Layout(width="100%"))
        self.header.add_class("xrtw-row")
        self.header.add_class("xrtw-job")
        self.header.add_class(f"xrtw-job-{self.job_id}")
        self.detail = widgets.VBox(layout=widgets.Layout(display="none", margin="0 0 0 24px"))
        self.box = widgets.VBox([self.header, self.detail])
        self.box.add_class(f"xrtw-job-box-{self.job_id}")
        self._slug = ""
        self.render()

    # -- state: the job's shared record --------------------------------------------------------
    @property
    def statuses(self) -> dict:
        """Long name -> what is known of it, as plain data (only products the server has told about).

        Read from the job's shared record: what every view of this job shows.
        """
        return {n: plain_status(s) for n, s in self.state.statuses.items() if s.family != "local"}

    @property
    def stale(self) -> bool:
        """Whether nothing has been learned of any product yet."""
        return all(s.family == "local" for s in self.state.statuses.values())

    @property
    def finished(self) -> bool:
        """True when no product can still be cancelled (or the job's products are no longer held)."""
        if not self.products:
            return True
        if self.info.get("hasProd") is False and self.stale:
            return True  # the products were built and have since been deleted: nothing to cancel
        return not self.state.unfinished()

    def unfinished(self) -> list[str]:
        return [n for n in self.state.unfinished() if n in self.products]

    def close(self) -> None:
        """Stop following the job's record, and close the row's Details panel if it was opened."""
        self._unobserve()
        if self.panel is not None:
            self.panel.close()

    def _on_state(self) -> None:
        if not self.board.closed:
            self.render()

    # -- panel ---------------------------------------------------------------------------------
    def ensure_panel(self) -> CancelPanel:
        if self.panel is None:
            # The panel reads and writes the same record as this row: the two always agree.
            self.panel = CancelPanel(self.request, confirm=True, executor=self.board.pool,
                                     deadline=self.board.transport.deadline, refresh_on_display=False,
                                     title=f"Job {self.job_id}: {self.info.get('Name', '')}")
            self.panel.style_sheet.value = ""  # the board carries the stylesheet once
            self.detail.children = (self.panel,)
        return self.panel

    def _on_toggle(self, change: dict) -> None:
        try:
            if change["new"]:
                self.ensure_panel()
            self.detail.layout.display = "flex" if change["new"] else "none"
            self.toggle.icon = "chevron-up" if change["new"] else "chevron-down"
        except Exception as exc:
            self.board.show_error(f"Could not open job {self.job_id}: {exc}")

    def selected_products(self) -> list[str]:
        """What a bulk cancel asks for this job: the products ticked in its panel, else all of a ticked job."""
        if self.panel is not None and self.panel.selected:
            return list(self.panel.selected)
        if self.checkbox.value:
            return self.unfinished() or list(self.products)
        return []

    # -- actions (called from the board) -------------------------------------------------------
    def cancel(self, names: list[str]) -> Future:
        if self.panel is not None:
            return self.panel.cancel(names)
        return self.board.pool.submit(self._cancel, tuple(names))

    def refresh(self) -> Future:
        names = self.unfinished()
        if self.panel is not None:
            return self.panel.refresh()
        return self.board.pool.submit(self._status, tuple(names))

    def _cancel(self, names: tuple[str, ...]) -> tuple[int, dict]:
        """In the board's pool: one cancel request, then one status request for what it did not cancel."""
        outcome = self.adapter.cancel_outcome(names)
        follow_up = self.state.apply_cancel(outcome)
        if follow_up:
            self.state.apply_status(self.adapter.status_outcome(follow_up))
        return outcome.as_pair()

    def _status(self, names: tuple[str, ...]) -> dict:
        outcome = self.adapter.status_outcome(names)
        self.state.apply_status(outcome)
        if outcome.error:
            return {"ERROR": outcome.error}
        return {n: {"statusCode": s.code, "statusText": s.text} for n, s in outcome.statuses.items()}

    def apply_cancel(self, names: list[str], value: Any) -> None:
        if value is None:  # the panel refused locally (nothing sent)
            return
        ok, per = value
        self.result = (ok, per)
        self.error = str(per["ERROR"]) if "ERROR" in per else ""
        self.checkbox.value = False
        self.render()

    def apply_status(self, names: list[str], value: Any) -> None:
        if value is None:
            return
        if isinstance(value, dict) and "ERROR" in value:
            self.error = str(value["ERROR"])
            self.render()
            raise XRTError(self.error)
        self.error = ""
        self.render()

    # -- rendering -----------------------------------------------------------------------------
    def render(self) -> None:
        info = self.info
        held = "products held" if info.get("hasProd") else "products no longer held"
        parts = []
        statuses = self.state.statuses
        for name in self.products:
            status = statuses[name]
            if status.family != "local":
                parts.append(f'<span title="{escape(status.info.meaning)} ({escape(status.raw)})">{escape(name)} '
                             f'<span aria-hidden="true">{status.icon}</span> {escape(status.words)}</span>')
            else:
                parts.append(escape(name))
        stale = ' <i class="xrtw-stale">(status not checked yet)</i>' if self.stale else ""
        result = ""
        if self.result is not None:
            rc = codes.lookup("cancel_result", self.result[0])
            result = f" · <b>{rc.icon} {escape(rc.label)} (ok = {escape(self.result[0])})</b>"
        error = f' · <span class="xrtw-job-error">⚠ {escape(self.error)}</span>' if self.error else ""
        self.summary.value = (f"<b>{escape(info.get('Name', ''))}</b> · submitted {escape(info.get('DateSubmitted', ''))}"
                              f" · {held}<br>{' · '.join(parts) or 'no products'}{stale}{result}{error}")
        slug = self._row_slug()
        if slug != self._slug:
            set_classes(self.header, add=(f"xrtw-status-{slug}",),
                        remove=(f"xrtw-status-{self._slug}",) if self._slug else ())
            self._slug = slug
        self.checkbox.disabled = self.finished

    def _row_slug(self) -> str:
        """The job row's colour: its last cancel result, else its least advanced product's status."""
        if self.result is not None:
            return codes.lookup("cancel_result", self.result[0]).slug
        if self.error:
            return "unknown-code"
        if self.stale:
            return "not-checked"
        if self.finished:
            return "complete"
        return "running"
