"""The board's own widgets (its controls and lines), built in one place, with their classes from the start.

:class:`~xrt_widgets.ui.board.JobBoard` wires them to its actions; the rows
of its page are :mod:`xrt_widgets.ui.jobrow`'s. Every control has a stable
CSS class (``xrtw-board-*``) for styles and tests.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from .html import escape, stylesheet
from .jobrow import style_block
from .parts import Parts

__all__ = ["build_controls", "PAGE_SIZES"]

#: The page sizes offered; any size from 1 to the last one may be set in code.
PAGE_SIZES = (10, 25, 50, 100)


def build_controls(board: Any, user: str, p: Parts) -> None:
    """Make the board's widgets as attributes of ``board`` (``board.reload_button``, ``board.pager``...)."""
    board.style_sheet = widgets.HTML(stylesheet() + style_block(), layout=widgets.Layout(display="none"))
    board.title = p.html(f"<b>UKSSDC jobs of {escape(user)}</b>", "xrtw-board-title")
    board.quota = p.html("Active jobs: not checked yet", "xrtw-quota")
    board.since = p.html("Not refreshed yet", "xrtw-since")

    board.reload_button = p.button("Reload list", "xrtw-board-reload", icon="list")
    board.refresh_button = p.button("Refresh", "xrtw-board-refresh", icon="refresh")
    board.cancel_button = p.button("Cancel selected", "xrtw-board-cancel", icon="ban", button_style="danger")
    board.auto_toggle = widgets.ToggleButton(
        value=False, description="Auto-refresh", icon="clock-o", layout=p.auto, _dom_classes=("xrtw-board-auto",)
    )
    board.busy_indicator = p.html("", "xrtw-busy")
    board.actions = p.hbox(
        [board.reload_button, board.refresh_button, board.cancel_button, board.auto_toggle, board.busy_indicator],
        "xrtw-toolbar",
        "xrtw-board-actions",
    )

    board.select_unfinished_button = p.button(
        "Select unfinished",
        "xrtw-board-select-unfinished",
        icon="check-square-o",
        tooltip="Tick every job the server said is unfinished, on every page",
    )
    board.select_none_button = p.button("Select none", "xrtw-board-select-none", icon="square-o")
    board.unfinished_box = p.checkbox("Unfinished only", "xrtw-filter-unfinished")
    board.cancellable_box = p.checkbox("Cancellable only", "xrtw-filter-cancellable")
    board.text_box = widgets.Text(
        placeholder="Name or JobID",
        description="Filter",
        continuous_update=False,
        layout=widgets.Layout(width="16em"),
        _dom_classes=("xrtw-filter-text",),
    )
    board.filters_bar = p.hbox(
        [
            board.select_unfinished_button,
            board.select_none_button,
            board.unfinished_box,
            board.cancellable_box,
            board.text_box,
        ],
        "xrtw-toolbar",
        "xrtw-board-filters",
    )

    board.confirm_text = p.html("", "xrtw-confirm-text")
    board.confirm_button = p.button("Confirm", "xrtw-board-confirm", icon="check", button_style="danger")
    board.back_button = p.button("Back", "xrtw-board-back", icon="arrow-left")
    board.confirm_box = p.hbox(
        [board.confirm_text, board.confirm_button, board.back_button],
        "xrtw-toolbar",
        "xrtw-board-confirm-bar",
        hidden=True,
    )
    # The summary takes focus after a bulk cancel started by a click (a Label can; an HTML widget cannot);
    # the hidden live region beside it reads the outcome out.
    board.summary = p.label("", "xrtw-summary", "xrtw-board-summary", hidden=True, focusable=True)
    board.announcer = p.html("", "xrtw-sr", "xrtw-announce")
    board.error_line = p.html("", "xrtw-error", hidden=True)
    board.listing_line = p.html("", "xrtw-listing-note", hidden=True)
    board.elsewhere_text = p.html("", "xrtw-elsewhere-text")
    board.show_elsewhere_button = p.button("Show them", "xrtw-board-show-active", icon="filter")
    board.elsewhere = p.hbox(
        [board.elsewhere_text, board.show_elsewhere_button], "xrtw-toolbar", "xrtw-board-elsewhere", hidden=True
    )
    board.jobs_box = p.vbox((), "xrtw-jobs")

    board.prev_button = p.button("Newer", "xrtw-board-prev", icon="chevron-left")
    board.next_button = p.button("Older", "xrtw-board-next", icon="chevron-right")
    board.page_label = p.html("", "xrtw-page-label")
    board.page_size_box = widgets.Dropdown(
        options=[(str(n), n) for n in PAGE_SIZES],
        value=25,
        description="Per page",
        layout=widgets.Layout(width="10em"),
        _dom_classes=("xrtw-page-size",),
    )
    board.pager = p.hbox(
        [board.prev_button, board.page_label, board.next_button, board.page_size_box],
        "xrtw-toolbar",
        "xrtw-board-pager",
    )
