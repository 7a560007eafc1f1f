"""A product's row, and the plain forms of what a view shows (statuses as dicts, the history as a table).

A row is three widget models, whatever the status: a checkbox (the
product's name), the status HTML, and the box holding both; layouts and
styles are the view's shared ones. The status HTML carries the status
class, so that a change of status costs one message (value and class in
one batch); the row's colour and the inactive look of a final product's
checkbox follow it in CSS.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Callable
from typing import Any

from .. import codes
from ..codes import Status
from ..markup import strip_tags
from .html import STATUS_CLASS, escape, status_html
from .parts import Parts

__all__ = ["ProductRow", "plain_status", "history_table", "static_tables"]


class ProductRow:
    """The widgets of one product's row, and the status they show now."""

    def __init__(self, parts: Parts, name: str, on_tick: Callable[[dict[str, Any]], None], status: Status) -> None:
        self.name = name
        self.checkbox = parts.checkbox(name, "xrtw-tick")
        self.checkbox.observe(on_tick, names=["value"])
        self.status = status  # made showing it: no update follows the creation
        self.state = parts.html(status_html(status, name), *self._classes(status))
        self.box = parts.hbox((self.checkbox, self.state), "xrtw-row", f"xrtw-product-{name}", layout=parts.row)

    @staticmethod
    def _classes(status: Status) -> tuple[str, ...]:
        return (STATUS_CLASS, f"xrtw-status-{status.slug}") + (("xrtw-final",) if status.terminal else ())

    @property
    def slug(self) -> str:
        """The slug of the status shown ('' before the first)."""
        return "" if self.status is None else self.status.slug

    @property
    def final(self) -> bool:
        """Whether the product shown can no longer be acted on (its checkbox looks and acts inactive)."""
        return self.status is not None and self.status.terminal

    def show(self, status: Status) -> None:
        """Show ``status`` (nothing is sent when it reads the same as what is shown)."""
        self.status = status
        with self.state.hold_sync():
            self.state.value = status_html(status, self.name)
            self.state._dom_classes = self._classes(status)


def plain_status(status: Status) -> dict[str, Any]:
    """A status as the ``statuses`` trait shows it: plain data."""
    return {
        "code": status.code if status.family != "local" else None,
        "text": status.text or status.info.meaning,
        "slug": status.slug,
        "source": status.source,
        "family": status.family,
        "words": status.words,
    }


def _code_cell(name: str, code: Any, entry: dict[str, Any]) -> str:
    reconciled = (entry.get("reconciled") or {}).get(name)
    note = (entry.get("notes") or {}).get(name)
    cell = f"{name}: {code}"
    if note:
        cell += f" ({note})"
    if isinstance(reconciled, dict):
        server = reconciled.get("server")
        if not isinstance(server, dict):
            server = {}
        said = f"the server answered {server.get('code', '?')}"
        if server.get("text") is not None:
            said += f" “{server['text']}”"
        cell += f" ({said}; {reconciled.get('note')})"
    return cell


_HISTORY_COLUMNS = ("time (UTC)", "action", "asked", "ok", "codes / error")
# Times, actions and ok never break; the products asked and the codes wrap anywhere (a long error).
_HISTORY_WRAP = ("xrtw-time xrtw-nowrap", "xrtw-nowrap", "xrtw-wrap", "xrtw-nowrap", "xrtw-wrap")


def history_table(history: list[dict[str, Any]], limit: int = 50) -> str:
    """The last ``limit`` entries of a job's history, newest first, as an escaped HTML table.

    Each cell carries its column's name (``data-label``), so that a narrow
    panel can show the rows as labelled lists; times never break.
    """
    rows = []
    for entry in reversed(history[-limit:]):
        when = entry["time"]
        if isinstance(when, (int, float)):
            when = _dt.datetime.fromtimestamp(when, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        elif isinstance(when, str) and len(when) == 20 and when[10] == "T" and when.endswith("Z"):
            when = f"{when[:10]} {when[11:19]}"  # the column says UTC
        detail = (
            entry.get("error")
            or entry.get("text")
            or ", ".join(_code_cell(k, v, entry) for k, v in (entry.get("codes") or {}).items())
        )
        cells = (
            escape(when),
            escape(entry["action"]),
            escape(", ".join(entry["asked"]) or "–"),
            escape("" if entry.get("ok") is None else entry["ok"]),
            escape(detail),
        )
        rows.append(
            "<tr>"
            + "".join(
                f'<td class="{_HISTORY_WRAP[i]}" data-label="{_HISTORY_COLUMNS[i]}">{cell}</td>'
                for i, cell in enumerate(cells)
            )
            + "</tr>"
        )
    return (
        "<table><tr>" + "".join(f"<th>{name}</th>" for name in _HISTORY_COLUMNS) + "</tr>" + "".join(rows) + "</table>"
    )


def static_tables(header: str, statuses: dict[str, Status]) -> dict[str, str]:
    """``text/plain`` and ``text/html`` tables of the statuses, for places where widgets cannot render."""
    head = html.unescape(strip_tags(header))  # tags first: a name may hold "<"

    def said(status: Status) -> str:
        return f"{status.icon} {status.words}" + (f" ({status.raw})" if status.raw else "")

    lines = [head] + [f"  {n:<12} {said(s):<34} {s.text}" for n, s in statuses.items()]
    cells = "".join(
        f'<tr class="xrtw-status-{escape(s.slug)}" style="background:{s.colour};color:{codes.TEXT_COLOUR}">'
        f"<td>{escape(n)}</td><td>{escape(said(s))}</td><td>{escape(s.text)}</td></tr>"
        for n, s in statuses.items()
    )
    return {
        "text/plain": "\n".join(lines),
        "text/html": (
            f"<div class='xrtw-static'><p><b>{escape(head)}</b></p><table><tr><th>product</th>"
            f"<th>status</th><th>text</th></tr>{cells}</table></div>"
        ),
    }
