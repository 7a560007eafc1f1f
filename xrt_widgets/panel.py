"""``CancelPanel``: point-and-click cancellation of a request's products in a notebook.

The panel is built from standard ipywidgets 8 widgets only. State lives in
traits and plain data (``statuses``, ``result``, ``history``); the HTML of
each row is only ever rendered from that state, with every server string
escaped. Network calls never run on the kernel's thread inside a click
handler: each action runs in a worker thread, which applies its result to
the widgets when the reply arrives, and the action's
:class:`concurrent.futures.Future` resolves once the widgets are updated.

A request is read through :class:`~xrt_widgets.adapter.RequestAdapter`, so
that ours and swifttools' ``XRTProductRequest`` both work.
"""

from __future__ import annotations

import copy
import datetime as _dt
import html
import re
import threading
from concurrent.futures import Executor, Future
from typing import Any, Callable, Iterable, Optional

import ipywidgets as widgets
import traitlets

from . import codes
from .adapter import RequestAdapter
from .codes import Code
from .deadline import DEFAULT_DEADLINE, Deadline, check_deadline, deadline_scope
from .errors import TimeoutError_
from .markup import escape, render_progress, strip_tags
from .products import LONG_NAMES, in_order, resolve

__all__ = ["CancelPanel", "RequestAdapter", "escape", "render_progress", "stylesheet"]

class _ThreadPerAction(Executor):
    """Runs each submitted call in a thread of its own.

    A panel runs one action at a time, so this costs one short-lived thread
    per click; in exchange, panels share no bounded pool that a stuck
    server could fill: a panel talking to a healthy server is never queued
    behind eight panels waiting on a stuck one.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()

        def run() -> None:
            if not fut.set_running_or_notify_cancel():
                return
            try:
                fut.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to whoever waits on the future
                fut.set_exception(exc)

        threading.Thread(target=run, daemon=True, name="xrt_widgets-action").start()
        return fut


_THREAD_PER_ACTION = _ThreadPerAction()
#: After the deadline, how long the runner still waits for the request's own (more precise) answer.
_DEADLINE_GRACE = 0.5


# -- escaping ------------------------------------------------------------------------------------

# escape and render_progress live in .markup (imported above) and stay importable from here.


# -- the stylesheet, generated from the codes table ---------------------------------------------

def stylesheet() -> str:
    """The panel's CSS: one rule per status slug, with colours from :mod:`xrt_widgets.codes`.

    It ships inside the panel (in an HTML widget), so rows are coloured in
    JupyterLab, Notebook 7 and Voila without any CSS from the user.
    """
    text = codes.TEXT_COLOUR
    rules = [
        ".xrtw-panel{--xrtw-text:%s;max-width:980px}" % text,
        ".xrtw-row{color:%s;--jp-widgets-color:%s;--jp-widgets-label-color:%s;--jp-ui-font-color0:%s;"
        "--jp-ui-font-color1:%s;--jp-content-font-color1:%s;border-radius:4px;padding:2px 8px;margin:1px 0;"
        "align-items:flex-start;border-left:6px solid rgba(0,0,0,.35)}" % ((text,) * 6),
        ".xrtw-row .widget-checkbox{width:150px;font-weight:600}",
        ".xrtw-badge{display:inline-block;min-width:150px;font-weight:600;white-space:nowrap}",
        ".xrtw-text{white-space:pre-wrap;line-height:1.4;padding-top:5px}",
        ".xrtw-progress{white-space:pre-wrap;line-height:1.35;font-family:var(--jp-code-font-family,monospace);"
        "font-size:90%;opacity:.85;margin-top:2px}",
        ".xrtw-summary,.xrtw-error,.xrtw-warning,.xrtw-notice{border-radius:4px;padding:2px 8px;color:%s}" % text,
        ".xrtw-error{background-color:%s}" % codes.TONES["danger"],
        ".xrtw-warning{background-color:%s}" % codes.TONES["warning"],
        ".xrtw-notice{background-color:%s}" % codes.TONES["neutral"],
        ".xrtw-busy{font-style:italic}",
        ".xrtw-history table{border-collapse:collapse}.xrtw-history td,.xrtw-history th"
        "{padding:1px 8px;border-bottom:1px solid rgba(127,127,127,.3);text-align:left}",
    ]
    seen: dict[str, str] = {}
    for family in ("build_status", "cancel_code", "local"):
        for code in codes.FAMILIES[family].values():
            seen.setdefault(code.slug, code.colour)
    seen.setdefault("unknown-code", codes.TONES["danger"])
    for slug, colour in seen.items():
        rules.append(f".xrtw-row.xrtw-status-{slug}{{background-color:{colour}}}")
    for code in codes.CANCEL_RESULT.values():
        rules.append(f".xrtw-summary.xrtw-result-{code.slug}{{background-color:{code.colour}}}")
        rules.append(f".xrtw-row.xrtw-status-{code.slug}{{background-color:{code.colour}}}")  # a job's row
    return "<style>" + "".join(rules) + "</style>"


def button(**kw: Any) -> widgets.Button:
    """A Button sized to its label, with a Layout of its own (buttons are shown and hidden apart)."""
    return widgets.Button(layout=widgets.Layout(width="auto"), **kw)


def close_all(widget: widgets.Widget) -> None:
    """Close ``widget`` and every widget model it owns: children, layouts, styles.

    ``Widget.close()`` closes one model; a composite panel owns about a
    hundred, which would otherwise stay alive in the kernel and the page.
    """
    seen: set[int] = set()

    def walk(w: Any) -> None:
        if not isinstance(w, widgets.Widget) or id(w) in seen:
            return
        seen.add(id(w))
        for child in getattr(w, "children", ()) or ():
            walk(child)
        for name in ("layout", "style"):
            walk(getattr(w, name, None))
        if w is widget:
            widgets.Widget.close(w)  # the root may be the caller's own close()
        else:
            w.close()

    walk(widget)


# -- running actions -----------------------------------------------------------------------------

class _Actions:
    """One action at a time, off the kernel's thread: what CancelPanel and JobBoard share.

    The host widget provides ``_lock`` (an RLock), ``_inflight`` and
    ``_last_action`` (futures), an ``error`` trait, an ``error_line`` HTML
    widget and ``_set_busy(busy, label)``.
    """

    _inflight_kind: str = ""

    def _busy_kind(self) -> Optional[str]:
        """The kind of action in flight ("cancel", "refresh", ...), or None when idle."""
        if self._inflight is not None and not self._inflight.done():
            return self._inflight_kind
        return None

    def _after_inflight(self, again: Callable[[], Future]) -> Future:
        """A future of ``again()``, started once the action in flight has finished.

        An action of another kind never joins or drops the one in flight: it
        waits its turn (a bulk cancel arriving during a refresh, say).
        """
        queued: Future = Future()

        def start(_done: Future) -> None:
            try:
                inner = again()
            except Exception as exc:
                queued.set_exception(exc)
                return
            inner.add_done_callback(
                lambda f: queued.set_exception(f.exception()) if f.exception() else queued.set_result(f.result()))

        assert self._inflight is not None
        self._inflight.add_done_callback(start)
        return queued

    def _launch(self, label: str, work: Callable[[], Any], apply: Callable[[Any], None],
                on_error: Callable[[Exception], None], submit: Callable[..., Any], kind: str = "") -> Future:
        """Run ``work()`` through ``submit``, then ``apply(value)`` under the lock.

        A second call of the same kind while one is in flight joins it.
        """
        with self._lock:
            if self._busy_kind() is not None:
                return self._inflight if self._inflight_kind == kind else self._after_inflight(
                    lambda: self._launch(label, work, apply, on_error, submit, kind))
            fut: Future = Future()
            self._inflight = self._last_action = fut
            self._inflight_kind = kind
            self._set_busy(True, label)
        try:
            submit(self._run_action, fut, work, apply, on_error)
        except Exception as exc:  # the pool is shut down (interpreter exit, closed widget)
            failure = RuntimeError(f"could not start the request: {exc}")

            def fail() -> Any:
                raise failure

            self._run_action(fut, fail, apply, on_error)
        return fut

    #: Seconds an action may take before the runner gives up on it (None: no limit of its own).
    _action_deadline: Optional[float] = None

    def _awaited_url(self) -> Optional[str]:
        """The URL the action in flight is waiting on, for messages (None when unknown)."""
        return None

    def _run_action(self, fut: Future, work: Callable, apply: Callable, on_error: Callable) -> None:
        """In a worker: the network call, then the widget update, then the future; buttons always come back.

        With an action deadline, every call made by ``work`` is capped at it
        (our transport ends by then with its own message), and if ``work``
        has still not returned shortly after (a request object that does not
        obey the cap, such as swifttools'), the action is ended as failed,
        the panel freed, and the late answer, when it comes, is ignored.
        """
        seconds = self._action_deadline
        finished = [False]  # set under self._lock by whichever of the worker and the watchdog ends the action

        def end(value: Any, exc: Optional[Exception]) -> bool:
            with self._lock:
                if finished[0]:
                    return False
                finished[0] = True
                try:
                    if exc is None:
                        apply(value)
                except Exception as apply_exc:  # the boundary: shown in the widget, never only in a log
                    exc = apply_exc
                try:
                    if exc is not None:
                        value = None
                        on_error(exc)
                finally:
                    self._set_busy(False)
                    self._inflight = None
            fut.set_result(value)
            return True

        watchdog: Optional[Deadline] = None
        if seconds is not None:
            watchdog = Deadline(seconds + _DEADLINE_GRACE)
            where = self._awaited_url()
            watchdog.on_expiry(lambda: end(None, TimeoutError_(
                f"No answer{f' from {where}' if where else ''} within the {seconds:g} s deadline; the request "
                "may still reach the server: press Refresh to see what it did.", url=where)))
            watchdog.__enter__()
        value: Any = None
        error: Optional[Exception] = None
        try:
            with deadline_scope(seconds):
                value = work()
        except Exception as exc:
            error = exc
        finally:
            if watchdog is not None:
                watchdog.__exit__(None, None, None)  # before taking self._lock: the watchdog may hold it
            end(value, error)

    def _show_error(self, text: str) -> None:
        self.error = text or ""
        self.error_line.value = f"⚠ {escape(text)}" if text else ""
        self.error_line.layout.display = "block" if text else "none"


# -- rows ----------------------------------------------------------------------------------------

class _Row:
    """The widgets of one product's row, and the slug it currently shows."""

    def __init__(self, name: str, on_tick: Callable) -> None:
        self.name = name
        self.checkbox = widgets.Checkbox(value=False, description=name, indent=False,
                                         layout=widgets.Layout(width="150px", min_width="150px"))
        self.checkbox.observe(on_tick, names=["value"])
        self.badge = widgets.HTML(layout=widgets.Layout(min_width="170px"))
        self.text = widgets.HTML(layout=widgets.Layout(flex="1 1 auto"))
        self.box = widgets.HBox([self.checkbox, self.badge, self.text],
                                layout=widgets.Layout(width="100%"))
        self.box.add_class("xrtw-row")
        self.box.add_class(f"xrtw-product-{name}")
        self.slug = ""

    def show(self, code: Code, text: str, progress: str = "") -> None:
        if self.slug != code.slug:
            if self.slug:
                self.box.remove_class(f"xrtw-status-{self.slug}")
            self.box.add_class(f"xrtw-status-{code.slug}")
            self.slug = code.slug
        number = "" if code.value is None else f" · {code.value}"
        self.badge.value = (f'<span class="xrtw-badge" title="{escape(code.meaning)}">'
                            f"{code.icon} {escape(code.label)}{number}</span>")
        body = f'<div class="xrtw-text">{escape(text)}</div>'
        if progress:
            body += f'<div class="xrtw-progress">{render_progress(progress)}</div>'
        self.text.value = body


def _code_cell(name: str, code: Any, reconciled: Optional[dict]) -> str:
    """One product's code in the history table; a reconciled one also shows what the server said, and why."""
    if not reconciled:
        return f"{name}: {code}"
    server = reconciled.get("server") if isinstance(reconciled.get("server"), dict) else {}
    said = f"the server answered {server.get('code', '?')}"
    if server.get("text") is not None:
        said += f" “{server['text']}”"
    return f"{name}: {code} ({said}; {reconciled.get('note')})"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the panel -----------------------------------------------------------------------------------

class CancelPanel(_Actions, widgets.VBox):
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
        its own, so no stuck server can hold up another panel. A
        :class:`~xrt_widgets.board.JobBoard` passes its bounded pool.
    deadline : float, optional
        Seconds an action (a cancel or a refresh, with any follow-up status
        check) may take in all (default 60). Calls of our request stop at it
        with a message naming the URL; for a request that does not obey it
        (swifttools' has no timeout), the panel ends the action as failed
        shortly after, and ignores the late answer.

    Examples
    --------
    >>> panel = CancelPanel(req)       # doctest: +SKIP
    >>> panel.refresh().result()       # one status request  # doctest: +SKIP
    >>> panel.cancel(["LightCurve"]).result()  # doctest: +SKIP
    """

    selected = traitlets.List(traitlets.Unicode(), help="Long names of the ticked products, in row order.")
    busy = traitlets.Bool(False, help="True while a request to the server is in flight.")
    statuses = traitlets.Dict(help='Long name -> {"code", "text", "slug", "source"} as now shown on each row; '
                                   'source is "cancel", "status" or "local".')
    result = traitlets.Any(None, allow_none=True, help="The last (ok, perProduct) pair from a cancel.")
    error = traitlets.Unicode("", help="The error shown in the panel ('' when there is none).")

    def __init__(self, request: Any, *, confirm: bool = True, title: Optional[str] = None,
                 executor: Optional[Executor] = None, deadline: Optional[float] = None, **kwargs: Any) -> None:
        self._action_deadline = DEFAULT_DEADLINE if deadline is None else check_deadline(deadline)
        self._adapter = RequestAdapter(request)
        self._executor = executor
        self.confirm = bool(confirm)
        self._title = title
        self._lock = threading.RLock()
        self._inflight: Optional[Future] = None
        self._last_action: Optional[Future] = None
        self._history: list[dict] = []
        self._progress: dict[str, str] = {}
        self._syncing = False

        self.style_sheet = widgets.HTML(stylesheet(), layout=widgets.Layout(display="none"))
        self.header = widgets.HTML()
        self.notice = widgets.HTML(layout=widgets.Layout(display="none"))
        self.notice.add_class("xrtw-notice")
        self.warning = widgets.HTML(layout=widgets.Layout(display="none"))
        self.warning.add_class("xrtw-warning")
        self.rows_box = widgets.VBox()
        self.rows_box.add_class("xrtw-rows")
        self.rows: dict[str, _Row] = {}

        self.select_all_button = button(description="Select all", icon="check-square")
        self.select_none_button = button(description="Select none", icon="square")
        self.refresh_button = button(description="Refresh", icon="refresh",
                                             tooltip="Ask the server for the build status (one request)")
        self.cancel_button = button(description="Cancel selected", icon="ban", button_style="danger",
                                            tooltip="Cancel the ticked products on the server")
        self.remove_button = button(description="Remove selected", icon="trash", button_style="warning",
                                            tooltip="Remove the ticked products from the unsubmitted request")
        for b, cls in ((self.select_all_button, "xrtw-select-all"), (self.select_none_button, "xrtw-select-none"),
                       (self.refresh_button, "xrtw-refresh"), (self.cancel_button, "xrtw-cancel"),
                       (self.remove_button, "xrtw-remove")):
            b.add_class(cls)
        self.busy_indicator = widgets.HTML(layout=widgets.Layout(display="none"))
        self.busy_indicator.add_class("xrtw-busy")
        self.actions = widgets.HBox([self.select_all_button, self.select_none_button, self.refresh_button,
                                     self.cancel_button, self.remove_button, self.busy_indicator])

        self.confirm_text = widgets.HTML()
        self.confirm_button = button(description="Confirm", button_style="danger", icon="check")
        self.back_button = button(description="Back", icon="arrow-left")
        self.confirm_button.add_class("xrtw-confirm")
        self.back_button.add_class("xrtw-back")
        self.confirm_box = widgets.HBox([self.confirm_text, self.confirm_button, self.back_button],
                                        layout=widgets.Layout(display="none"))
        self.confirm_box.add_class("xrtw-confirm-box")

        self.summary = widgets.HTML(layout=widgets.Layout(display="none"))
        self.summary.add_class("xrtw-summary")
        self._summary_slug = ""
        self.error_line = widgets.HTML(layout=widgets.Layout(display="none"))
        self.error_line.add_class("xrtw-error")
        self.history_html = widgets.HTML("<i>No actions yet.</i>")
        self.history_html.add_class("xrtw-history")
        self.history_box = widgets.Accordion(children=[self.history_html], titles=("History (0)",),
                                             selected_index=None)

        self.select_all_button.on_click(lambda _b: self.select_all())
        self.select_none_button.on_click(lambda _b: self.select_none())
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.cancel_button.on_click(self._on_cancel_click)
        self.confirm_button.on_click(self._on_confirm_click)
        self.back_button.on_click(lambda _b: self._hide_confirm())
        self.remove_button.on_click(lambda _b: self.remove_selected())
        self.observe(self._on_selected, names=["selected"])

        super().__init__(children=(), **kwargs)
        self.add_class("xrtw-panel")
        self._build_rows()

    # -- public face ----------------------------------------------------------------------------
    @property
    def request(self) -> Any:
        """The request this panel drives."""
        return self._adapter.request

    @property
    def history(self) -> list[dict]:
        """Every action so far, oldest first, as plain dicts (copies).

        Keys: ``time``, ``action``, ``asked``, ``ok``, ``codes`` (long name
        -> the code shown), ``error``, and ``reconciled``: long name ->
        ``{"server": the server's own answer, "note": why the code shown
        differs}``, for a cancel whose first reply was lost.
        """
        with self._lock:
            return copy.deepcopy(self._history)

    @property
    def last_action(self) -> Optional[Future]:
        """The future of the most recent request sent (by a click or a method), or None."""
        return self._last_action

    @property
    def products(self) -> list[str]:
        """The products shown, in row order."""
        return list(self.rows)

    def select_all(self) -> None:
        """Tick every product that can still be acted on."""
        self.selected = [n for n, r in self.rows.items() if not r.checkbox.disabled]

    def select_none(self) -> None:
        """Untick every product."""
        self.selected = []

    def cancel(self, what: Any = None) -> Future:
        """Cancel products on the server, in one request, without asking for confirmation.

        Parameters
        ----------
        what : None, "all" or list of str
            ``None`` cancels the ticked products; ``"all"`` every product
            of the request; or a list of long (or short) names.

        Returns
        -------
        concurrent.futures.Future
            Resolves to ``(ok, perProduct)`` (or None when nothing was sent)
            once the rows show the outcome. While a cancel is in flight, its
            future is returned and nothing new is sent; while a refresh is,
            this cancel is sent once the refresh has finished.
        """
        with self._lock:
            if self._busy_kind() == "cancel":
                return self._inflight  # type: ignore[return-value]
            self._hide_confirm()
            if not self._adapter.submitted:
                return self._done(None, error="This request has not been submitted yet: there is nothing on the "
                                              "server to cancel. Remove products instead.")
            if what is None:
                names = list(self.selected)
            elif what == "all":
                names = list(self.rows)
            else:
                if isinstance(what, str):
                    what = [what]
                names = [p.long for p in in_order(resolve(n) for n in what)]
                unknown = [n for n in names if n not in self.rows]
                if unknown:
                    raise ValueError(f"{', '.join(unknown)} is not a product of this request")
            if not names:
                return self._done(None, error="Tick at least one product to cancel.")
            if self._busy_kind() is not None:
                return self._after_inflight(lambda: self.cancel(names))
            return self._dispatch("cancel", names, lambda: self._adapter.cancel(names), self._apply_cancel,
                                  f"Cancelling {len(names)} product{'s' if len(names) != 1 else ''}…")

    def refresh(self) -> Future:
        """Ask the server for the build status of the products not yet finished, in one request.

        Returns
        -------
        concurrent.futures.Future
            Resolves to the status dict (or None when nothing was asked:
            every product is finished, or the request is not submitted)
            once the rows show it. A refresh in flight is joined; a cancel in
            flight is waited for, then the refresh asks what is still unfinished.
        """
        with self._lock:
            kind = self._busy_kind()
            if kind == "refresh":
                return self._inflight  # type: ignore[return-value]
            if kind is not None:
                return self._after_inflight(self.refresh)
            if not self._adapter.submitted:
                return self._done(None)
            if self._submitted_shown is False:  # submitted since the panel was built
                self._build_rows()
            names = [n for n in self.rows if not self._terminal(n)]
            if not names:
                self._record("refresh", [], None, {}, None)
                return self._done(None)
            return self._dispatch("refresh", names, lambda: self._adapter.status(names), self._apply_status,
                                  "Checking status…")

    def remove_selected(self) -> list[str]:
        """Remove the ticked products from an unsubmitted request (nothing is sent to the server).

        Returns the names removed.
        """
        with self._lock:
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
            self._record("remove", names, None, {}, None)
            self._build_rows()
            self._show_error("")
            return names

    # -- clicks ---------------------------------------------------------------------------------
    def _on_cancel_click(self, _button: Any = None) -> None:
        try:
            with self._lock:
                if self.busy:
                    return
                if self.confirm and self.selected:
                    n = len(self.selected)
                    noun = "product" if n == 1 else "products"
                    self.confirm_text.value = (f"<b>Cancel {n} {noun}: {escape(', '.join(self.selected))}?</b> "
                                               "This cannot be undone.")
                    self.confirm_box.layout.display = "flex"
                    self.cancel_button.disabled = True
                    return
            self.cancel()
        except Exception as exc:  # the boundary: nothing escapes a click as a bare traceback
            self._show_error(f"{type(exc).__name__}: {exc}")

    def _on_confirm_click(self, _button: Any = None) -> None:
        try:
            self.cancel()
        except Exception as exc:
            self._show_error(f"{type(exc).__name__}: {exc}")

    def _hide_confirm(self) -> None:
        self.confirm_box.layout.display = "none"
        self.confirm_text.value = ""
        self.cancel_button.disabled = self.busy

    def _on_tick(self, change: dict) -> None:
        if self._syncing:
            return
        self.selected = [n for n, r in self.rows.items() if r.checkbox.value]

    def _on_selected(self, change: dict) -> None:
        with self._lock:
            wanted = [n for n in self.rows if n in set(change["new"]) and not self.rows[n].checkbox.disabled]
            if wanted != list(change["new"]):
                self.selected = wanted  # unknown or finished products cannot be ticked
                return
            self._syncing = True
            try:
                for name, row in self.rows.items():
                    row.checkbox.value = name in wanted
            finally:
                self._syncing = False
            if self.confirm_box.layout.display != "none":
                self._hide_confirm()
            self._update_warning()

    # -- running an action ----------------------------------------------------------------------
    def _done(self, value: Any, error: Optional[str] = None) -> Future:
        if error is not None:
            self._show_error(error)
        fut: Future = Future()
        fut.set_result(value)
        return fut

    def _dispatch(self, action: str, names: list[str], work: Callable[[], Any], apply: Callable, label: str
                  ) -> Future:
        def on_error(exc: Exception) -> None:
            self._record(action, names, None, {}, f"{type(exc).__name__}: {exc}")
            self._show_error(f"{action.capitalize()} failed: {type(exc).__name__}: {exc}")

        return self._launch(label, work, lambda value: apply(names, value), on_error,
                            (self._executor or _THREAD_PER_ACTION).submit, kind=action)

    def _awaited_url(self) -> Optional[str]:
        return self._adapter.endpoint_url("cancel" if self._inflight_kind == "cancel" else "status")

    def _set_busy(self, busy: bool, label: str = "") -> None:
        self.busy = busy
        for b in (self.select_all_button, self.select_none_button, self.refresh_button, self.cancel_button,
                  self.remove_button, self.confirm_button, self.back_button):
            b.disabled = busy
        self.busy_indicator.value = f"◌ {escape(label)}" if busy else ""
        self.busy_indicator.layout.display = "block" if busy else "none"
        if busy:
            self.confirm_box.layout.display = "none"

    # -- applying results -----------------------------------------------------------------------
    def _apply_cancel(self, names: list[str], value: tuple) -> None:
        ok, per = value
        self.result = (ok, per)
        result_code = codes.lookup("cancel_result", ok)
        if "ERROR" in per:
            self._show_summary(result_code, result_code.meaning)
            hint = (" The server may or may not have acted on the request: press Refresh to see each "
                    "product's status." if ok == -1 else "")
            self._show_error(per["ERROR"] + hint)
            self._record("cancel", names, ok, {}, per["ERROR"])
            return
        statuses = dict(self.statuses)
        for name in names:
            outcome = per[name]
            code = codes.lookup("cancel_code", outcome["code"])
            statuses[name] = {"code": outcome["code"], "text": outcome["text"], "slug": code.slug,
                              "source": "cancel"}
            self._progress.pop(name, None)
        self.statuses = statuses
        counts = sum(1 for n in names if per[n]["code"] == 0)
        self._show_summary(result_code, f"{counts} of {len(names)} cancelled. {result_code.meaning}")
        self._show_error("")
        self._record("cancel", names, ok, {n: per[n]["code"] for n in names}, None,
                     reconciled=self._adapter.last_reconciled)
        self._render_rows()

    def _apply_status(self, names: list[str], value: dict) -> None:
        if "ERROR" in value:
            self._show_error(f"Refresh failed: {value['ERROR']}")
            self._record("refresh", names, None, {}, str(value["ERROR"]))
            return
        statuses = dict(self.statuses)
        for name in names:
            entry = value.get(name)
            if not isinstance(entry, dict):
                entry = {"statusCode": -10, "statusText": "The server did not return the status"}
            raw = entry.get("statusCode")
            code = codes.lookup("build_status", raw)
            text = entry.get("statusText")
            kept = raw if (raw is None or isinstance(raw, int)) and not isinstance(raw, bool) else None
            statuses[name] = {"code": kept, "text": text if isinstance(text, str) else code.meaning,
                              "slug": code.slug, "source": "status"}
            progress = entry.get("progressText")
            if isinstance(progress, str) and progress and progress != "No progress information available":
                self._progress[name] = progress
            else:
                self._progress.pop(name, None)
        self.statuses = statuses
        self._show_error("")
        self._record("refresh", names, None, {n: statuses[n]["code"] for n in names}, None)
        self._render_rows()

    # -- rendering ------------------------------------------------------------------------------
    _submitted_shown: Optional[bool] = None

    def _build_rows(self) -> None:
        with self._lock:
            names = self._adapter.products
            submitted = self._adapter.submitted
            self._submitted_shown = submitted
            old = self.rows
            self.rows = {}
            for name in names:
                self.rows[name] = old.get(name) or _Row(name, self._on_tick)
            for name, row in old.items():
                if name not in self.rows:
                    row.box.close()
            local = codes.LOCAL["not-checked" if submitted else "not-submitted"]
            statuses = {n: s for n, s in self.statuses.items() if n in self.rows}
            for name in self.rows:
                statuses.setdefault(name, {"code": None, "text": local.meaning, "slug": local.slug,
                                           "source": "local"})
            self.statuses = statuses
            self.rows_box.children = tuple(r.box for r in self.rows.values())
            self.cancel_button.layout.display = "inline-flex" if submitted else "none"
            self.refresh_button.layout.display = "inline-flex"
            self.remove_button.layout.display = "none" if submitted else "inline-flex"
            if submitted:
                self.notice.layout.display = "none"
            else:
                failed = self._adapter.submit_error
                failure = (f'<div class="xrtw-submit-error"><b>The last submission failed:</b>'
                           f'<div class="xrtw-text">{escape(failed)}</div></div>' if failed else "")
                self.notice.value = ("This request has not been submitted yet, so nothing runs on the server. "
                                     "Tick products and press <b>Remove selected</b> to take them out of the "
                                     "request before you submit it." + failure)
                self.notice.layout.display = "block"
            self._render_header()
            self._render_rows()
            self.selected = [n for n in self.selected if n in self.rows]
            self.children = (self.style_sheet, self.header, self.notice, self.rows_box, self.warning,
                             self.actions, self.confirm_box, self.summary, self.error_line, self.history_box)

    def _render_header(self) -> None:
        n = len(self.rows)
        if self._title is not None:
            title = escape(self._title)
        elif self._adapter.submitted:
            title = f"Swift XRT job {escape(self._adapter.job_id)}"
        else:
            title = "Swift XRT request (not submitted)"
        url = self._adapter.url
        link = ""
        if isinstance(url, str) and re.match(r"^https?://", url):
            link = f' · <a href="{escape(url)}" target="_blank" rel="noopener noreferrer">job page</a>'
        self.header.value = (f"<b>{title}</b> · {n} product{'s' if n != 1 else ''}{link}")

    def _terminal(self, name: str) -> bool:
        """Whether the product can no longer be cancelled, by what the server last said of it."""
        return self._code_for(name).terminal

    def _code_for(self, name: str) -> Code:
        status = self.statuses.get(name) or {}
        family = {"cancel": "cancel_code", "status": "build_status"}.get(status.get("source", ""))
        if family is None:
            return codes.LOCAL.get(status.get("slug", ""), codes.LOCAL["not-checked"])
        code = codes.lookup(family, status.get("code"))
        if code.slug != status.get("slug"):  # a code we do not know, kept as None: never "Not in job"
            code = codes.lookup(family, "unknown")
        return code

    def _render_rows(self) -> None:
        for name, row in self.rows.items():
            status = self.statuses.get(name, {})
            code = self._code_for(name)
            row.show(code, status.get("text", ""), self._progress.get(name, ""))
            finished = self._terminal(name)
            row.checkbox.disabled = finished
            if finished and row.checkbox.value:
                row.checkbox.value = False  # the observer updates `selected`
        self._update_warning()

    def _update_warning(self) -> None:
        astrom = self.statuses.get("AstromPos", {})
        if ("StandardPos" in self.selected and astrom.get("source") == "status" and astrom.get("code") == 5):
            self.warning.value = ("⚠ AstromPos is waiting for StandardPos (build status 5): the astrometric "
                                  "position depends on the standard position, so cancelling StandardPos means "
                                  "AstromPos will not be produced.")
            self.warning.layout.display = "block"
        else:
            self.warning.value = ""
            self.warning.layout.display = "none"

    def _show_summary(self, code: Code, text: str) -> None:
        if self._summary_slug:
            self.summary.remove_class(f"xrtw-result-{self._summary_slug}")
        self.summary.add_class(f"xrtw-result-{code.slug}")
        self._summary_slug = code.slug
        value = "" if code.value is None else f" (ok = {code.value})"
        self.summary.value = f"{code.icon} <b>{escape(code.label)}{value}</b> · {escape(text)}"
        self.summary.layout.display = "block"

    def _record(self, action: str, asked: list[str], ok: Optional[int], per_codes: dict,
                error: Optional[str], reconciled: Optional[dict] = None) -> None:
        self._history.append({"time": _now(), "action": action, "asked": list(asked), "ok": ok,
                              "codes": dict(per_codes), "error": error,
                              "reconciled": copy.deepcopy(reconciled or {})})
        rows = []
        for entry in reversed(self._history[-50:]):
            rows.append("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                escape(entry["time"]), escape(entry["action"]), escape(", ".join(entry["asked"]) or "–"),
                escape("" if entry["ok"] is None else entry["ok"]),
                escape(entry["error"] or ", ".join(_code_cell(k, v, entry["reconciled"].get(k))
                                                   for k, v in entry["codes"].items()))))
        self.history_html.value = ("<table><tr><th>time (UTC)</th><th>action</th><th>asked</th><th>ok</th>"
                                   "<th>codes / error</th></tr>" + "".join(rows) + "</table>")
        self.history_box.titles = (f"History ({len(self._history)})",)

    # -- static fallback ------------------------------------------------------------------------
    def _table_rows(self) -> list[tuple[str, str, str]]:
        out = []
        for name in self.rows:
            status = self.statuses.get(name, {})
            code = self._code_for(name)
            number = "" if code.value is None else f" ({code.value})"
            out.append((name, f"{code.icon} {code.label}{number}", str(status.get("text", ""))))
        return out

    def _repr_html_table(self) -> str:
        cells = "".join(
            f'<tr class="xrtw-status-{escape(self._code_for(n).slug)}" style="background:{self._code_for(n).colour};'
            f'color:{codes.TEXT_COLOUR}"><td>{escape(n)}</td><td>{escape(s)}</td><td>{escape(t)}</td></tr>'
            for n, s, t in self._table_rows())
        head = escape(html.unescape(strip_tags(self.header.value)))  # the header is HTML already
        return (f"<div class='xrtw-static'><p><b>{head}</b></p><table><tr><th>product</th><th>status</th>"
                f"<th>text</th></tr>{cells}</table></div>")

    def _repr_text_table(self) -> str:
        lines = [html.unescape(strip_tags(self.header.value))]  # tags first: a name may hold "<"
        for name, status, text in self._table_rows():
            lines.append(f"  {name:<12} {status:<22} {text}")
        return "\n".join(lines)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The widget view, plus an HTML table and a text table for places where widgets cannot render."""
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = self._repr_text_table()
        data["text/html"] = self._repr_html_table()
        return data

    def close(self) -> None:
        """Close the panel and every widget it made (rows that were removed included)."""
        for row in list(getattr(self, "rows", {}).values()):  # removed rows are no longer children
            close_all(row.box)
        close_all(self)

    def __repr__(self) -> str:
        adapter = getattr(self, "_adapter", None)
        if adapter is None:
            return "<CancelPanel (not built)>"
        return f"<CancelPanel {adapter.kind} job={adapter.job_id} products={list(getattr(self, 'rows', {}))}>"
