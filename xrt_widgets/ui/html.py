"""What the views put inside HTML widgets: escaping, status badges and the stylesheet.

Every server string is escaped here (:func:`escape`, and
:func:`render_progress`, which keeps only balanced inline markup); both are
linear-time functions of :mod:`xrt_widgets.markup`. The stylesheet is
generated from the codes table and ships inside each view, so rows are
coloured in JupyterLab, Notebook 7 and Voila without any CSS from the user.

A row's colour follows the status element inside it (``.xrtw-row:has(>
.xrtw-status-<slug>)``), so that a changed status costs one widget message:
the status HTML's value and class change together.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from .. import codes
from ..codes import Status
from ..markup import escape, render_progress

__all__ = ["escape", "render_progress", "stylesheet", "status_html", "header_html", "notice_html", "STATUS_CLASS"]

#: The class of the element that carries a row's status (and its ``xrtw-status-<slug>``).
STATUS_CLASS = "xrtw-state"


def stylesheet() -> str:
    """The views' CSS: one rule per status slug, with colours from :mod:`xrt_widgets.codes`."""
    text = codes.TEXT_COLOUR
    rules = [
        ".xrtw-panel{--xrtw-text:%s;max-width:980px}" % text,
        ".xrtw-row{color:%s;--jp-widgets-color:%s;--jp-widgets-label-color:%s;--jp-ui-font-color0:%s;"
        "--jp-ui-font-color1:%s;--jp-content-font-color1:%s;border-radius:4px;padding:2px 8px;margin:1px 0;"
        "align-items:flex-start;border-left:6px solid rgba(0,0,0,.35);flex-wrap:wrap}" % ((text,) * 6),
        ".xrtw-row .widget-checkbox{width:150px;min-width:150px;font-weight:600}",
        f".{STATUS_CLASS}{{flex:1 1 320px;min-width:0}}",
        ".xrtw-badge{display:inline-block;min-width:150px;font-weight:600}",
        ".xrtw-raw{font-weight:400;opacity:.8;font-size:90%}",
        ".xrtw-text{white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.4;padding-top:5px}",
        ".xrtw-progress{white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.35;"
        "font-family:var(--jp-code-font-family,monospace);font-size:90%;opacity:.85;margin-top:2px}",
        ".xrtw-summary,.xrtw-error,.xrtw-warning,.xrtw-notice{border-radius:4px;padding:2px 8px;color:%s}" % text,
        ".xrtw-error{background-color:%s}" % codes.TONES["danger"],
        ".xrtw-warning{background-color:%s}" % codes.TONES["warning"],
        ".xrtw-notice{background-color:%s}" % codes.TONES["neutral"],
        ".xrtw-hidden{display:none!important}",
        # While an action runs the buttons look inactive; a click is still safe (the runner joins or
        # queues it), so they are not disabled one by one, which would cost a message per button.
        ".xrtw-is-busy .xrtw-actions button{opacity:.55}",
        ".xrtw-is-busy .xrtw-summary{font-style:italic}",
        # a product that can no longer be acted on: its checkbox looks and behaves inactive
        ".xrtw-row:has(> .xrtw-final) input[type=checkbox]{pointer-events:none;opacity:.4}",
        ".xrtw-history table{border-collapse:collapse}.xrtw-history td,.xrtw-history th"
        "{padding:1px 8px;border-bottom:1px solid rgba(127,127,127,.3);text-align:left}",
    ]
    seen: dict[str, str] = {}
    for family in ("build_status", "cancel_code", "local"):
        for code in codes.FAMILIES[family].values():
            seen.setdefault(code.slug, code.colour)
    seen.setdefault("unknown-code", codes.TONES["danger"])
    for slug, colour in seen.items():
        rules.append(f".xrtw-row:has(> .xrtw-status-{slug}){{background-color:{colour}}}")
        rules.append(f".xrtw-row.xrtw-status-{slug}{{background-color:{colour}}}")
    for code in codes.CANCEL_RESULT.values():
        rules.append(f".xrtw-summary.xrtw-result-{code.slug}{{background-color:{code.colour}}}")
        rules.append(f".xrtw-row.xrtw-status-{code.slug}{{background-color:{code.colour}}}")  # a job's row
    return "<style>" + "".join(rules) + "</style>"


def status_html(status: Status) -> str:
    """A row's status, worded for a person: icon and words first, the raw code secondary."""
    info = status.info
    raw = status.raw
    badge = (f'<span class="xrtw-badge" title="{escape(info.meaning)}"><span aria-hidden="true">{info.icon}'
             f"</span> {escape(status.words)}</span>")
    if raw:
        badge += f' <span class="xrtw-raw">({escape(raw)})</span>'
    body = f"<div>{badge}</div>"
    if status.text and status.text != status.words:
        body += f'<div class="xrtw-text">{escape(status.text)}</div>'
    if status.progress_text:
        body += f'<div class="xrtw-progress">{render_progress(status.progress_text)}</div>'
    return body


def header_html(title: Optional[str], job_id: Any, products: int, url: Any) -> str:
    """A panel's heading: its title (by default the JobID), how many products, and the job's page."""
    if title is not None:
        shown = escape(title)
    elif job_id is not None:
        shown = f"Swift XRT job {escape(job_id)}"
    else:
        shown = "Swift XRT request (not submitted)"
    link = ""
    if isinstance(url, str) and re.match(r"^https?://", url):
        link = f' · <a href="{escape(url)}" target="_blank" rel="noopener noreferrer">job page</a>'
    return f"<b>{shown}</b> · {products} product{'s' if products != 1 else ''}{link}"


def notice_html(submit_error: Optional[str]) -> str:
    """What an unsubmitted request's panel says, with the last submission's errors if it failed."""
    failure = (f'<div class="xrtw-submit-error"><b>The last submission failed:</b>'
               f'<div class="xrtw-text">{escape(submit_error)}</div></div>' if submit_error else "")
    return ("This request has not been submitted yet, so nothing runs on the server. Tick products and press "
            "<b>Remove selected</b> to take them out of the request before you submit it." + failure)
