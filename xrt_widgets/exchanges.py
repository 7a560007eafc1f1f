"""The record of a request's exchanges with the server: what was asked, what the server said, what was returned.

A request may return something other than the server's own answer (a
cancel whose first reply was lost returns code 0 where the retry's reply
said 1), so both are kept, side by side, in an :class:`ExchangeLog`: a
bounded list of plain dicts, written by the thread that talks to the
server and copied for any reader. :func:`cancel_answers` and
:func:`status_answers` take the server's answers from a reply as they
came, whatever their type, for that record.
"""

from __future__ import annotations

import copy
import datetime as _dt
import threading
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .protocol import ENDPOINTS

if TYPE_CHECKING:  # pragma: no cover
    from .products import Product

__all__ = ["HISTORY_LENGTH", "ExchangeLog", "cancel_answers", "status_answers"]

#: How many exchanges an :class:`ExchangeLog` keeps by default.
HISTORY_LENGTH = 100


class ExchangeLog:
    """The last exchanges of one request with the server, oldest first; safe to use from any thread.

    Each entry is a plain dict:

    ``number``
        Counts the exchanges of this request, from 1.
    ``time``
        When it was sent (UTC, ISO 8601).
    ``endpoint``, ``url``
        The endpoint's path (``canceljob.php``) and full URL.
    ``asked``
        The long names of the products asked about.
    ``retried``
        How many times the request was sent again after a transient failure.
    ``server``
        Long name -> the server's own answer for it, as received: ``code``
        and ``text`` for a cancel, ``statusCode`` and ``statusText`` for a
        status check (a value of the wrong shape is kept as it came).
    ``error``
        Why the call failed, or None.
    ``notes``
        Long name -> why what was returned differs from the server's answer.
    ``returned``
        What the caller got: ``(ok, perProduct)`` for a cancel, the dict
        for a status check.

    Parameters
    ----------
    length : int
        How many entries to keep; older ones are dropped.
    """

    def __init__(self, length: int = HISTORY_LENGTH) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=length)
        self._lock = threading.Lock()  # a reader copies entries under the same lock as writers change them
        self._count = 0

    def open(self, endpoint: str, url: str, asked: Iterable[str]) -> dict[str, Any]:
        """Start an entry before the request is sent, so that a status check made for it comes after it.

        Parameters
        ----------
        endpoint : str
            A key of :data:`xrt_widgets.protocol.ENDPOINTS`.
        url : str
            The endpoint's URL, as a message may show it (no password).
        asked : iterable of str
            The long names of the products asked about.

        Returns
        -------
        dict
            The entry, to pass to :meth:`update`.
        """
        with self._lock:
            self._count += 1
            entry = {
                "number": self._count,
                "time": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "endpoint": ENDPOINTS[endpoint].path,
                "url": url,
                "asked": list(asked),
                "retried": 0,
                "server": {},
                "error": None,
                "notes": {},
                "returned": None,
            }
            self._entries.append(entry)
        return entry

    def update(self, entry: dict[str, Any], **fields: Any) -> None:
        """Set ``fields`` of an entry made by :meth:`open` (copied: the caller may change its own values).

        Parameters
        ----------
        entry : dict
        **fields
            Any of the keys of an entry.
        """
        with self._lock:
            entry.update(copy.deepcopy(fields))

    @property
    def count(self) -> int:
        """How many exchanges were opened so far (the ``number`` of the newest)."""
        with self._lock:
            return self._count

    def since(self, number: int) -> list[dict[str, Any]]:
        """Copies of the entries whose ``number`` is above ``number``, oldest first (only those are copied).

        Parameters
        ----------
        number : int
            A value of :attr:`count` read earlier.
        """
        with self._lock:
            newer = []
            for entry in reversed(self._entries):
                if entry["number"] <= number:
                    break
                newer.append(entry)
            return copy.deepcopy(newer[::-1])

    def entries(self) -> list[dict[str, Any]]:
        """Copies of the entries, oldest first.

        Returns
        -------
        list of dict
        """
        with self._lock:
            return copy.deepcopy(list(self._entries))


def cancel_answers(data: dict[str, Any], products: Iterable[Product]) -> dict[str, Any]:
    """The cancel code and text a reply gave each product asked, as received, whatever their type.

    Unlike :func:`parse_cancel` this never refuses anything: it keeps the
    server's own answers for a record of the exchange.

    Parameters
    ----------
    data : dict
        A ``canceljob.php`` reply.
    products : iterable of Product
        The products asked.

    Returns
    -------
    dict
        Long name -> ``{"code": ..., "text": ...}`` with the keys the reply
        had; a product it did not mention is left out.
    """
    status, status_codes = data.get("status"), data.get("statusCodes")
    out = {}
    for product in products:
        answer = {}
        if isinstance(status_codes, dict) and product.short in status_codes:
            answer["code"] = status_codes[product.short]
        if isinstance(status, dict) and product.short in status:
            answer["text"] = status[product.short]
        if answer:
            out[product.long] = answer
    return out


def status_answers(data: dict[str, Any], products: Iterable[Product]) -> dict[str, Any]:
    """The build status code and text a reply gave each product asked, as received.

    Parameters
    ----------
    data : dict
        A ``checkProductStatus.php`` reply.
    products : iterable of Product
        The products asked.

    Returns
    -------
    dict
        Long name -> ``{"statusCode": ..., "statusText": ...}`` with the
        keys the reply had, or the entry itself when it is not an object; a
        product it did not mention is left out.
    """
    out = {}
    for product in products:
        entry = data.get(product.short)
        if isinstance(entry, dict):
            out[product.long] = {k: entry[k] for k in ("statusCode", "statusText") if k in entry}
        elif entry is not None:
            out[product.long] = entry
    return out
