"""``CancelPanel``: one job's products, their status and a cancel button, rendered from the job's record.

The panel holds no statuses of its own: it renders the
:class:`~xrt_widgets.jobs.JobState` of its job, the record that every view
of that job shares in this kernel (a re-run cell, the board's row and its
Details panel all show the same truth). Clicks become actions of an
:class:`~xrt_widgets.ui.actions.ActionRunner`, which runs them off the
kernel's thread, in order, joining or merging repeats and never dropping
one. An action asks the request through the
:class:`~xrt_widgets.adapter.RequestAdapter` (ours or swifttools'), applies
the typed outcome to the record, and the record tells every view what
changed. A changed row costs one widget message: its status HTML (value
and class together; the row's colour follows it in CSS).
"""

from __future__ import annotations

import datetime as _dt
import threading
import weakref
from concurrent.futures import Executor, Future
from typing import Any

import ipywidgets as widgets
import traitlets

from .. import codes
from ..adapter import RequestAdapter
from ..jobs import JobState, job_state
from ..outcomes import CancelOutcome, StatusOutcome
from ..products import LONG_NAMES, in_order, resolve
from .actions import ActionRunner
from .html import error_html, escape, header_html, live_html, notice_html, stylesheet
from .parts import Disclosure, Parts, close_all, set_classes, shown
from .rows import ProductRow, history_table, plain_status, static_tables

__all__ = ["CancelPanel"]


def _done(value: Any) -> Future[Any]:
    fut: Future[Any] = Future()
    fut.set_result(value)
    return fut


def _restricted(outcome: CancelOutcome | None, names: tuple[str, ...]) -> tuple[int, dict[str, Any]] | None:
    """The documented ``(ok, perProduct)`` pair about ``names`` only (a merged cancel answers several callers)."""
    if outcome is None:
        return None
    ok, per = outcome.as_pair()
    if "ERROR" in per:
        return ok, per
    mine = {n: per[n] for n in names if n in per}
    return codes.derive_ok(v["code"] for v in mine.values()), mine


class CancelPanel(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """A panel that shows and cancels the products of an ``XRTProductRequest``.

    Parameters
    ----------
    request : XRTProductRequest
        Ours (:class:`xrt_widgets.XRTProductRequest`) or swifttools'.
    confirm : bool, optional
        Ask for confirmation before a click on "Cancel selected" sends
        anything (the :meth:`cancel` method never asks).
    title : str, optional
        A heading; by default the JobID and the number of products.
    executor : concurrent.futures.Executor, optional
        Where the network calls run; by default each action gets a thread of
        its own, so no stuck server can hold up another panel.
    deadline : float, optional
        Seconds an action (a cancel with its follow-up status check, or a
        refresh) may take in all (default 60); past it the action ends with
        a message naming the URL and the late answer is ignored.
    refresh_on_display : bool, optional
        When first displayed, ask the status of the products not known to
        be final (one request; none when all are known final). Default True.

    Examples
    --------
    >>> panel = CancelPanel(req)       # doctest: +SKIP
    >>> panel.cancel(["LightCurve"]).result()  # doctest: +SKIP
    """

    selected = traitlets.List(traitlets.Unicode(), help="Long names of the ticked products, in row order.")
    busy = traitlets.Bool(False, help="True while an action is running or waiting to run.")
    statuses = traitlets.Dict(
        help='Long name -> {"code", "text", "slug", "source", "family", "words"}: what each '
        "row shows, read from the job's record."
    )
    result = traitlets.Any(None, allow_none=True, help="The last (ok, perProduct) pair from a cancel.")
    error = traitlets.Unicode("", help="The error shown in the panel ('' when there is none).")

    def __init__(
        self,
        request: Any,
        *,
        confirm: bool = True,
        title: str | None = None,
        executor: Executor | None = None,
        deadline: float | None = None,
        refresh_on_display: bool = True,
        **kwargs: Any,
    ) -> None:
        self._adapter = RequestAdapter(request)
        self.confirm = bool(confirm)
        self.refresh_on_display = bool(refresh_on_display)
        self._title = title
        self._lock = threading.RLock()
        self._displayed = False
        self._closed = False
        self._unobserve: Any = None
        self._state: JobState | None = None
        self._last_action: Future[Any] | None = None
        self._syncing = False
        self._runner = ActionRunner(
            executor=executor,
            deadline=deadline,
            on_busy=self._on_busy,
            on_error=self._on_runner_error,
            order=LONG_NAMES.index,
            awaited_url=lambda kind: self._adapter.endpoint_url("cancel" if kind == "cancel" else "status"),
        )
        self._action_deadline = self._runner.deadline
        parts = self._parts = Parts()
        submitted = self._adapter.submitted
        self._state = self._record()
        statuses = self._state.statuses
        # Everything is made showing what it will show: no update message follows the creation.
        self.rows: dict[str, ProductRow] = {n: ProductRow(parts, n, self._on_tick, s) for n, s in statuses.items()}
        self.style_sheet = parts.html(stylesheet(), "xrtw-style", hidden=True)
        self.header = parts.html(self._header_html(), "xrtw-header")
        self.notice = parts.html(self._notice_html(), "xrtw-notice", hidden=submitted)
        self.warning = parts.html("", "xrtw-warning", hidden=True)
        self.rows_box = parts.vbox((r.box for r in self.rows.values()), "xrtw-rows")
        self.select_all_button = parts.button("Select all", "xrtw-select-all", icon="check-square")
        self.select_none_button = parts.button("Select none", "xrtw-select-none", icon="times")
        self.refresh_button = parts.button(
            "Refresh", "xrtw-refresh", icon="refresh", tooltip="Ask the server for the build status (one request)"
        )
        self.cancel_button = parts.button(
            "Cancel selected",
            "xrtw-cancel",
            icon="ban",
            button_style="danger",
            tooltip="Cancel the ticked products on the server",
            hidden=not submitted,
        )
        self.remove_button = parts.button(
            "Remove selected",
            "xrtw-remove",
            icon="trash",
            button_style="warning",
            tooltip="Remove the ticked products from the unsubmitted request",
            hidden=submitted,
        )
        self.actions = parts.hbox(
            (
                self.select_all_button,
                self.select_none_button,
                self.refresh_button,
                self.cancel_button,
                self.remove_button,
            ),
            "xrtw-actions",
        )
        self.confirm_text = parts.html("")
        self.confirm_button = parts.button("Confirm", "xrtw-confirm", icon="check", button_style="danger")
        self.back_button = parts.button("Back", "xrtw-back", icon="arrow-left")
        self.confirm_box = parts.hbox(
            (self.confirm_text, self.confirm_button, self.back_button), "xrtw-confirm-box", hidden=True
        )
        # The summary line says what an action does and then did; focus goes there after a cancel started by
        # a click. Its icon is drawn by the stylesheet, hidden from screen readers; screen readers hear each
        # outcome from the live region beside it (role=status), which is not drawn.
        self.summary = parts.label("", "xrtw-summary", hidden=True, focusable=True)
        self.busy_indicator = self.summary  # the busy line is the summary line, in italics while busy
        self.announcer = parts.html("", "xrtw-sr", "xrtw-announce")
        self.error_line = parts.html("", "xrtw-error", hidden=True)  # role=alert inside
        self.history_html = parts.html("<i>No actions yet.</i>", "xrtw-history", hidden=True)
        self.history_box = Disclosure(parts, self.history_html, "History (0)", "xrtw-history-box")

        self.select_all_button.on_click(lambda _b: self.select_all())
        self.select_none_button.on_click(lambda _b: self.select_none())
        self.refresh_button.on_click(lambda _b: self._guard(self.refresh))
        self.cancel_button.on_click(lambda _b: self._guard(self._on_cancel_click))
        self.confirm_button.on_click(lambda _b: self._guard(self._on_confirm_click))
        self.back_button.on_click(lambda _b: self._on_back_click())
        self.remove_button.on_click(lambda _b: self.remove_selected())
        self.history_box.observe(lambda _c: self._render_history(), names=["selected_index"])
        self.observe(self._on_selected, names=["selected"])
        super().__init__(
            children=(
                self.style_sheet,
                self.header,
                self.notice,
                self.rows_box,
                self.warning,
                self.actions,
                self.confirm_box,
                self.summary,
                self.announcer,
                self.error_line,
                self.history_box,
            ),
            layout=parts.fill,
            _dom_classes=("xrtw-panel",),
            **kwargs,
        )
        self.statuses = {n: plain_status(s) for n, s in statuses.items()}
        self._follow()

    # -- public face ----------------------------------------------------------------------------
    @property
    def request(self) -> Any:
        """The request this panel drives."""
        return self._adapter.request

    @property
    def state(self) -> JobState:
        """The job's record, shared by every view of the job in this kernel."""
        assert self._state is not None
        return self._state

    @property
    def history(self) -> list[dict[str, Any]]:
        """The job's actions so far, oldest first, as plain dicts (copies; see :attr:`JobState.history`)."""
        return [dict(entry, time=_iso(entry["time"])) for entry in self.state.history]

    @property
    def last_action(self) -> Future[Any] | None:
        """The future of the most recent action asked of this panel, or None."""
        return self._last_action

    @property
    def products(self) -> list[str]:
        """The products shown, in row order."""
        return list(self.rows)

    def select_all(self) -> None:
        """Tick every product that can still be acted on."""
        self.selected = [n for n in self.rows if not self._final(n)]

    def select_none(self) -> None:
        """Untick every product."""
        self.selected = []

    def cancel(self, what: Any = None) -> Future[Any]:
        """Cancel products on the server, without asking for confirmation.

        Parameters
        ----------
        what : None, "all" or list of str
            ``None`` cancels the ticked products; ``"all"`` every product;
            or a list of long (or short) names.

        Returns
        -------
        concurrent.futures.Future
            Resolves to ``(ok, perProduct)`` about the products asked (or
            None when nothing was sent) once every view shows the outcome. A
            cancel of the same products in flight is joined; one of other
            products is sent too (merged with a waiting cancel, or after the
            one in flight), never dropped.
        """
        self._hide_confirm()
        if not self._adapter.submitted:
            self._show_error(
                "This request has not been submitted yet: there is nothing on the server to cancel. "
                "Remove products instead."
            )
            return _done(None)
        if what is None:
            names = list(self.selected)
        elif what == "all":
            names = list(self.rows)
        else:
            names = [p.long for p in in_order(resolve(n) for n in ([what] if isinstance(what, str) else what))]
            unknown = [n for n in names if n not in self.rows]
            if unknown:
                raise ValueError(f"{', '.join(unknown)} is not a product of this request")
        if not names:
            self._show_error("Tick at least one product to cancel.")
            return _done(None)
        n = len(names)
        self._last_action = self._runner.submit(
            "cancel",
            names,
            self._run_cancel,
            mergeable=True,
            split=_restricted,
            label=lambda merged: (
                f"Cancelling {len(merged)} product{'s' if len(merged) != 1 else ''}…"
                if merged
                else f"Cancelling {n} products…"
            ),
        )
        return self._last_action

    def refresh(self, *, _quiet: bool = False) -> Future[Any]:
        """Ask the build status of the products not known to be final, in one request.

        Returns
        -------
        concurrent.futures.Future
            Resolves to ``{product: {"statusCode", "statusText", "progressText"}}``
            (``{"ERROR": text}`` on failure; None when nothing was asked).
        """
        if not self._adapter.submitted:
            return _done(None)
        if self.state.key is None:  # submitted since the panel was built
            self._bind()
        names = self.state.unfinished()
        if not names:
            self.state.record("refresh", "Nothing to ask: every product is known to be final.")
            return _done(None)
        run = self._run_quiet_refresh if _quiet else self._run_refresh
        self._last_action = self._runner.submit("refresh", names, run, label="Checking status…")
        return self._last_action

    def remove_selected(self) -> list[str]:
        """Remove the ticked products from an unsubmitted request (nothing is sent). Returns the names removed."""
        names = list(self.selected)
        try:
            if self._adapter.submitted:
                raise RuntimeError("The request has been submitted: cancel products instead of removing them.")
            if not names:
                raise RuntimeError("Tick at least one product to remove.")
            self._adapter.remove(names)
        except Exception as exc:
            self._show_error(str(exc))
            return []
        self._bind()
        self.state.record("remove", f"Removed {', '.join(names)} from the request.")
        self._show_error("")
        return names

    # -- actions (in a worker thread) ------------------------------------------------------------
    def _run_cancel(self, names: tuple[str, ...]) -> CancelOutcome:
        outcome = self._adapter.cancel_outcome(names)
        follow_up = self.state.apply_cancel(outcome)
        if follow_up:  # what a product really is, when the cancel did not cancel it: one status request
            self.state.apply_status(self._adapter.status_outcome(follow_up))
        ok, per = outcome.as_pair()
        result = codes.lookup("cancel_result", ok)
        with self.hold_sync():
            self.result = (ok, per)
            if outcome.error:
                hint = (
                    " The server may or may not have acted on the request: press Refresh to see each product's status."
                    if ok == -1
                    else ""
                )
                self._summary(result, result.meaning)
                self._show_error(outcome.error + hint)
            else:
                done = sum(1 for a in outcome.answers.values() if a.code == 0)
                self._summary(result, f"{done} of {len(outcome.answers)} cancelled. {result.meaning}")
                self._show_error("")
        return outcome

    def _run_quiet_refresh(self, names: tuple[str, ...]) -> dict[str, Any] | None:
        """The refresh made when the panel is first shown: it leaves an error already on show in place."""
        return self._run_refresh(names, quiet=True)

    def _run_refresh(self, names: tuple[str, ...], quiet: bool = False) -> dict[str, Any] | None:
        # Asked when the refresh was clicked; what an action before it settled is not asked again.
        names = tuple(n for n in self.state.unfinished() if n in names)
        if not names:
            return None
        outcome: StatusOutcome = self._adapter.status_outcome(names)
        self.state.apply_status(outcome)
        if outcome.error:
            self._show_error(f"Refresh failed: {outcome.error}")
            return {"ERROR": outcome.error}
        if not quiet:
            self._show_error("")
        return {
            n: {"statusCode": s.code, "statusText": s.text, "progressText": s.progress_text}
            for n, s in outcome.statuses.items()
        }

    # -- the record -------------------------------------------------------------------------------
    def _record(self) -> JobState:
        """The job's record: the one shared by every view of the job once submitted, else a private one."""
        key = self._adapter.job_key() if self._adapter.submitted else None
        products = self._adapter.products
        return job_state(key, products) if key is not None else JobState(None, products)

    def _follow(self) -> None:
        """Re-render whenever the record changes (held weakly: a forgotten panel is not kept alive by it)."""
        if self._unobserve is not None:
            self._unobserve()
        me = weakref.WeakMethod(self._on_state)
        self._unobserve = self.state.observe(lambda state, changed: (m := me()) and m(state, changed))

    def _bind(self) -> None:
        """After products were removed, or the request was submitted: a new record, rows to match."""
        with self._lock:
            self._state = self._record()
            self._follow()
            statuses = self._state.statuses
            old, self.rows = self.rows, {}
            for name, status in statuses.items():
                kept = old.pop(name, None)
                self.rows[name] = kept if kept is not None else ProductRow(self._parts, name, self._on_tick, status)
            for row in old.values():
                close_all(row.box)
            submitted = self._state.key is not None
            with self.hold_sync():
                self.rows_box.children = tuple(r.box for r in self.rows.values())
                shown(self.cancel_button, submitted)
                shown(self.remove_button, not submitted)
                self.notice.value = self._notice_html()
                shown(self.notice, not submitted)
                self.header.value = self._header_html()
                self._render(tuple(statuses))

    def _on_state(self, state: JobState, changed: tuple[str, ...]) -> None:
        if not self._closed:
            self._render(changed)

    def _render(self, changed: tuple[str, ...]) -> None:
        with self._lock:
            statuses = self.state.statuses
            with self.hold_sync():
                for name in changed:
                    row = self.rows.get(name)
                    if row is not None:
                        row.show(statuses[name])
                self.statuses = {n: plain_status(s) for n, s in statuses.items() if n in self.rows}
                final = [n for n in self.selected if self._final(n)]
                if final:
                    self.selected = [n for n in self.selected if n not in final]
                self._update_warning()
                self.history_box.titles = (f"History ({self.state.history_size})",)
                self._render_history()

    def _final(self, name: str) -> bool:
        return self.state.known_final(name) if name in self.state.products else True

    # -- rendering --------------------------------------------------------------------------------
    def _notice_html(self) -> str:
        return "" if self._adapter.submitted else notice_html(self._adapter.submit_error)

    def _header_html(self) -> str:
        return header_html(
            self._title,
            self._adapter.job_id if self._adapter.submitted else None,
            len(self._adapter.products),
            self._adapter.url,
        )

    def _render_history(self) -> None:
        if self.history_box.selected_index is not None:  # rendered when open: no traffic while closed
            self.history_html.value = history_table(self.history)

    def _update_warning(self) -> None:
        astrom = self.state.statuses.get("AstromPos")
        waiting = (
            astrom is not None
            and "StandardPos" in self.selected
            and (astrom.family, astrom.code) == ("build_status", 5)
        )
        self.warning.value = (
            "⚠ AstromPos is waiting for StandardPos (build status 5): the astrometric position "
            "depends on the standard position, so cancelling StandardPos means AstromPos will "
            "not be produced."
            if waiting
            else ""
        )
        shown(self.warning, waiting)

    def _summary(self, code: codes.Code, text: str) -> None:
        number = "" if code.value is None else f" (ok = {code.value})"
        line = f"{code.label}{number} · {text}"
        with self.summary.hold_sync():
            self.summary.value = line
            set_classes(
                self.summary,
                add=(f"xrtw-result-{code.slug}",),
                remove=[c for c in self.summary._dom_classes if c.startswith("xrtw-result-") or c == "xrtw-hidden"],
            )
        self.announcer.value = live_html(line)

    def _show_error(self, text: str) -> None:
        self.error = text or ""
        with self.error_line.hold_sync():
            self.error_line.value = error_html(text)
            shown(self.error_line, bool(text))

    # -- clicks and the runner ------------------------------------------------------------------
    def _guard(self, fn: Any) -> None:
        try:
            fn()
        except Exception as exc:  # the boundary: nothing escapes a click as a bare traceback
            self._show_error(f"{type(exc).__name__}: {exc}")

    def _on_cancel_click(self) -> None:
        if self.confirm and self.selected:
            n = len(self.selected)
            # an alert: read out as the bar appears, while focus moves to its Back button
            self.confirm_text.value = (
                f'<div role="alert"><b>Cancel {n} product{"s" if n != 1 else ""}: '
                f"{escape(', '.join(self.selected))}?</b> This cannot be undone.</div>"
            )
            shown(self.confirm_box, True)
            self.back_button.focus()  # the safe choice; Enter on it closes the bar again
            return
        self._focus_status(self.cancel())

    def _on_confirm_click(self) -> None:
        self._focus_status(self.cancel())

    def _on_back_click(self) -> None:
        self._hide_confirm()
        self.cancel_button.focus()  # back where the bar was opened from

    def _focus_status(self, action: Future[Any]) -> None:
        """After a cancel started by a click, focus the lines that say what it does and then did.

        Only for clicks: a call from code never moves the user's focus. Focus
        moves once, as the action starts (the summary says it is running); a
        later move could take focus from wherever the user has gone since,
        and the summary is a live region that announces the outcome.
        """
        self.summary.focus()

    def _hide_confirm(self) -> None:
        shown(self.confirm_box, False)

    def _on_tick(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.selected = [n for n, r in self.rows.items() if r.checkbox.value]

    def _on_selected(self, change: dict[str, Any]) -> None:
        wanted = [n for n in self.rows if n in set(change["new"]) and not self._final(n)]
        if wanted != list(change["new"]):
            self.selected = wanted  # unknown or final products cannot be ticked
            return
        self._syncing = True
        try:
            for name, row in self.rows.items():
                if row.checkbox.value != (name in wanted):
                    row.checkbox.value = name in wanted
        finally:
            self._syncing = False
        self._hide_confirm()
        self._update_warning()

    def _on_busy(self, busy: bool, label: str) -> None:
        self.busy = busy
        set_classes(self, add=("xrtw-is-busy",)) if busy else set_classes(self, remove=("xrtw-is-busy",))
        if busy:
            with self.summary.hold_sync():
                self.summary.value = label
                set_classes(
                    self.summary,
                    remove=[c for c in self.summary._dom_classes if c.startswith("xrtw-result-") or c == "xrtw-hidden"],
                )

    def _on_runner_error(self, message: str) -> None:
        self._show_error(message)
        if self._state is not None:
            self._state.record("error", message)

    # -- static fallback, display, closing -------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view, plus an HTML and a text table where widgets cannot render.

        The first display asks the status of the products not known to be
        final (one request), unless ``refresh_on_display`` is False.
        """
        if not self._displayed:
            self._displayed = True
            if self.refresh_on_display and self._adapter.submitted:
                self.refresh(_quiet=True)
        data = super()._repr_mimebundle_(**kwargs) or {}
        data.update(static_tables(self.header.value, self.state.statuses))
        return data

    def close(self) -> None:
        """Close the panel and every widget it made; stop following the job's record."""
        self._closed = True
        if getattr(self, "_unobserve", None) is not None:
            self._unobserve()
        if hasattr(self, "_runner"):
            self._runner.close()
        for row in list(getattr(self, "rows", {}).values()):
            close_all(row.box)
        close_all(self)
        for part in getattr(getattr(self, "_parts", None), "shared", ()):
            part.close()

    def __repr__(self) -> str:
        adapter = getattr(self, "_adapter", None)
        if adapter is None:
            return "<CancelPanel (not built)>"
        return f"<CancelPanel {adapter.kind} job={adapter.job_id} products={list(getattr(self, 'rows', {}))}>"


def _iso(seconds: float) -> str:
    return _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
