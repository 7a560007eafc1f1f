"""The calls about a user rather than a job: ``listOldJobs`` and ``countActiveJobs``, and reading a reply.

Both exist as module functions (as in swifttools) and as methods of
:class:`~xrt_widgets.request.XRTProductRequest`; the ``*_with`` forms take a
:class:`~xrt_widgets.client.Transport` that the caller keeps (the job board
does). A refusal by the server, such as for an unregistered user, raises
:class:`~xrt_widgets.errors.ServiceError` with the server's message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import requests

from .client import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, Reply, Timeout, Transport
from .errors import ReplyError, redact_url
from .listing import parse_jobs
from .protocol import ReplyShapeError, parse_job_count

__all__ = ["listOldJobs", "countActiveJobs", "list_jobs_with", "count_active_jobs_with", "read_reply"]

_T = TypeVar("_T")


# -- reading replies ---------------------------------------------------------------------------


def read_reply(reply: Reply, parse: Callable[..., _T], *args: Any) -> _T:
    """``parse(reply.data, *args)``, with a reply it cannot read turned into a ReplyError naming the URL."""
    try:
        return parse(reply.data, *args)
    except ReplyShapeError as exc:
        raise ReplyError(
            f"The reply from {redact_url(reply.url)} could not be understood: {exc}.", url=reply.url, status=200
        ) from None


# -- module functions ---------------------------------------------------------------------------


def list_jobs_with(transport: Transport, user: str) -> list[Any]:
    """``listOldJobs`` through ``transport``: the reply's ``jobs`` list, entries unchecked.

    One bad entry must not hide the others: check them with
    :func:`xrt_widgets.listing.parse_listing`.
    """
    return read_reply(transport.post("list", {"UserID": user}), parse_jobs)


def count_active_jobs_with(transport: Transport, user: str) -> int:
    """``countActiveJobs`` through ``transport``: the user's jobs queued or running."""
    return read_reply(transport.post("count", {"UserID": user}), parse_job_count)


def _one_off(
    call: Callable[[Transport, str], _T],
    user: str,
    base_url: str | None,
    timeout: Timeout,
    session: requests.Session | None,
    deadline: float = DEFAULT_DEADLINE,
) -> _T:
    """``call(transport, user)`` on a transport made for this one call, and closed after it."""
    transport = Transport(base_url, timeout=timeout, session=session, deadline=deadline)
    try:
        return call(transport, user)
    finally:
        transport.close()


def listOldJobs(
    user: str,
    *,
    base_url: str | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    session: requests.Session | None = None,
    deadline: float = DEFAULT_DEADLINE,
) -> list[Any]:
    """Every job ``user`` has submitted, most recent first, as the server sent them.

    Each entry should have ``JobID``, ``Name``, ``DateSubmitted``, one
    boolean per product (``LightCurve``, ``Spectrum``, ``StandardPos``,
    ``EnhancedPos``, ``AstromPos``, ``Image``; there is no SourceDet column)
    and ``hasProd`` (whether its products are still held). The entries are
    returned unchecked, as swifttools returns them: a PHP server may quote a
    JobID (``"951"``) or send a flag as ``1`` or ``"true"``, and one malformed
    entry does not make the whole call fail. Use
    :func:`xrt_widgets.listing.parse_listing` to get the well-formed entries,
    normalised, and the ones it skipped (as :class:`~xrt_widgets.JobBoard`
    does).

    Returns
    -------
    list
        The reply's ``jobs`` list.

    Raises
    ------
    ServiceError
        If the server refuses the request, for example for a user who is
        not registered: the message is the server's. swifttools prints it
        and returns None instead; a failure here is never mistaken for an
        empty list.
    XRTError
        If the request fails, or the reply has no ``jobs`` list.
    """
    return _one_off(list_jobs_with, user, base_url, timeout, session, deadline)


def countActiveJobs(
    user: str,
    *,
    base_url: str | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    session: requests.Session | None = None,
    deadline: float = DEFAULT_DEADLINE,
) -> int:
    """How many of ``user``'s jobs are queued or running.

    Raises
    ------
    ServiceError
        If the server refuses the request, for example for a user who is
        not registered: the message is the server's. swifttools prints it
        and returns -1 instead; a failure here is never mistaken for a count.
    XRTError
        If the request fails or the reply cannot be understood.
    """
    return _one_off(count_active_jobs_with, user, base_url, timeout, session, deadline)
