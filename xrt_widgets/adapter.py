"""``RequestAdapter``: ours or swifttools' ``XRTProductRequest``, read and driven the same way.

Views never call a request directly: they go through the adapter, which
hides how the two requests differ (short or long product names, raising or
returning on a network fault, ``ok`` taken from the reply or derived from the
codes, a reply's JobID checked or not) and turns each call into one typed
outcome (:class:`~xrt_widgets.outcomes.CancelOutcome`,
:class:`~xrt_widgets.outcomes.StatusOutcome`) whose error names the
endpoint's URL whenever the call failed, never with a ``user:password@`` part.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from . import codes
from .codes import Status
from .errors import redact_url
from .outcomes import CancelOutcome, ProductAnswer, StatusOutcome, plain_copy
from .products import in_order, resolve
from .progress import NO_PROGRESS, build_progress_text
from .protocol import ENDPOINTS, excerpt, parse_job_id
from .swift_compat import raised_after_sending, watch_reply

__all__ = ["RequestAdapter", "CancelOutcome", "ProductAnswer", "StatusOutcome", "without_passwords"]


class RequestAdapter:
    """Reads and drives an ``XRTProductRequest``: ours or swifttools'.

    It hides their differences: swifttools' ``productList`` holds short
    names, its ``cancelProducts`` reports ``ok == 1`` whenever the server
    answered, it raises on network faults and it never checks which job a
    reply is about. Here every call comes back as one typed outcome
    (:meth:`cancel_outcome`, :meth:`status_outcome`), the overall result is
    derived from the per-product codes, and a reply of the wrong shape, or
    about another job, is a failure (ok -1). Every error that a failed call
    returns names the endpoint's URL, never with a ``user:password@`` part.
    """

    def __init__(self, request: Any) -> None:
        for name in ("cancelProducts", "checkProductStatus", "productList", "submitted"):
            if not hasattr(type(request), name) and not hasattr(request, name):
                raise TypeError(f"{type(request).__name__} does not look like an XRTProductRequest (it has no {name})")
        self.request = request
        module = type(request).__module__ or ""
        self.kind = "swifttools" if module.startswith("swifttools") else "xrt_widgets"
        #: After :meth:`cancel`: long name -> ``{"server": answer, "note": why}`` for each product
        #: returned with another outcome than the server's own answer (a lost reply, reconciled).
        self.last_reconciled: dict[str, dict[str, Any]] = {}

    @property
    def products(self) -> list[str]:
        """Long names of the requested products, in the fixed order."""
        return [p.long for p in in_order(resolve(n) for n in list(self.request.productList))]

    @property
    def submitted(self) -> bool:
        return bool(self.request.submitted)

    @property
    def job_id(self) -> int | None:
        """The JobID as an int (swifttools passes on a quoted one, ``"951"``, as the service sent it); None before
        submission. A JobID that is not plainly one is given as it is, for the views to show."""
        if not self.submitted:
            return None
        job_id = self.request.JobID
        try:
            return parse_job_id(job_id)
        except ValueError:
            shown: int | None = job_id  # not plainly a JobID: shown as it is
            return shown

    @property
    def submit_error(self) -> str | None:
        """Why the last submission failed (swifttools' and our statusCode 3), else None."""
        try:
            return self.request.submitError if self.request.statusCode == 3 else None
        except Exception:
            return None

    @property
    def url(self) -> str | None:
        try:
            return self.request.URL if self.submitted else None
        except Exception:  # swifttools raises for a missing URL
            return None

    def endpoint_url(self, endpoint: str) -> str | None:
        """The URL of ``endpoint``, as a message shows it.

        Ours asks its transport; swifttools' request keeps its base URL in
        ``_baseURL``.

        Parameters
        ----------
        endpoint : str
            A key of :data:`xrt_widgets.protocol.ENDPOINTS` ("cancel", "status", ...).

        Returns
        -------
        str or None
            The URL without any ``user:password@`` part, or None when the
            request tells no base URL.
        """
        transport = getattr(self.request, "transport", None)
        if transport is not None and callable(getattr(transport, "url_for", None)):
            url = transport.url_for(endpoint)
        else:
            base = getattr(self.request, "_baseURL", None)
            if not isinstance(base, str) or not base:
                return None
            url = f"{base.rstrip('/')}/{ENDPOINTS[endpoint].path}"
        return redact_url(url)

    def _failure(self, endpoint: str, text: str) -> str:
        """``text`` of a failed call to ``endpoint``, naming its URL once and showing no password."""
        text = without_passwords(text).strip()
        url = self.endpoint_url(endpoint)
        if url is None or url in text:
            return text
        return f"The request to {url} failed: {text}"

    def _is_fault(self, exc: BaseException) -> bool:
        """Whether ``exc``, a RuntimeError or ValueError, came from the server's side rather than the call."""
        return self.kind == "swifttools" and raised_after_sending(exc)

    def _exchange_count(self) -> int:
        """How many exchanges our request has recorded (swifttools' keeps none): read before a call."""
        count = getattr(self.request, "exchange_count", None) if self.kind == "xrt_widgets" else None
        return count if isinstance(count, int) and not isinstance(count, bool) else 0

    def _exchanges_since(self, number: int) -> list[dict[str, Any]]:
        """Our request's record of the exchanges after ``number`` (copies of those only)."""
        since = getattr(self.request, "history_since", None) if self.kind == "xrt_widgets" else None
        entries = since(number) if callable(since) else []
        return entries if isinstance(entries, list) else []

    def _reconciled_since(self, number: int) -> dict[str, dict[str, Any]]:
        """The server's answer and the note for each product the newest cancel after ``number`` reconciled."""
        for entry in reversed(self._exchanges_since(number)):
            if not isinstance(entry, dict) or entry.get("number", 0) <= number:
                break
            if entry.get("endpoint") == ENDPOINTS["cancel"].path:
                server = entry.get("server") or {}
                return {
                    name: {"server": server.get(name), "note": note}
                    for name, note in (entry.get("notes") or {}).items()
                }
        return {}

    def job_key(self) -> tuple[str, str, int] | None:
        """The key of this job in :func:`xrt_widgets.jobs.job_state`: ``(base_url, user, job_id)``.

        The same job reached through ours or swifttools' request, or
        :meth:`~xrt_widgets.XRTProductRequest.from_job`, gets the same key.

        Returns
        -------
        tuple of (str, str, int) or None
            The service's base URL (no ``user:password@`` part, no trailing
            slash, scheme and host in lower case), the user as given and the
            JobID as an int; None before the request is submitted (or when it
            tells no base URL, user or JobID).
        """
        if not self.submitted:
            return None
        try:
            job_id = parse_job_id(self.request.JobID)
        except (RuntimeError, ValueError):
            return None
        transport = getattr(self.request, "transport", None)
        base = getattr(transport, "base_url", None) or getattr(self.request, "_baseURL", None)
        user = getattr(self.request, "UserID", None)
        if not isinstance(base, str) or not base or not isinstance(user, str):
            return None
        return (_key_url(base), user, job_id)

    def _call(self, endpoint: str, names: tuple[str, ...]) -> tuple[Any, str | None]:
        """One call of the request's method for ``endpoint`` ("cancel" or "status").

        Returns ``(what it returned, None)``, or ``(None, message naming the
        URL)`` for anything the server or the network did, including a
        swifttools reply about another job. A wrong call (not submitted, a
        product not requested) raises, as the request raised it.
        """
        method = self.request.cancelProducts if endpoint == "cancel" else self.request.checkProductStatus
        try:
            if self.kind != "swifttools":
                return method(list(names)), None
            with watch_reply(self.request) as watch:
                result = method(list(names))
        except (RuntimeError, ValueError) as exc:
            if not self._is_fault(exc):
                raise  # programmer errors: shown by the view as such
            return None, self._failure(endpoint, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # swifttools raises on connection errors and non-JSON replies
            return None, self._failure(endpoint, f"{type(exc).__name__}: {exc}")
        return result, self._wrong_job(endpoint, result, watch.reply)

    def _wrong_job(self, endpoint: str, result: Any, reply: dict[str, Any] | None) -> str | None:
        """Why swifttools' ``result`` cannot be trusted as an answer about this job, or None when it can.

        Ours checks the reply's JobID itself; swifttools does not, so the
        reply it decoded (seen by :func:`~xrt_widgets.swift_compat.watch_reply`)
        is checked here.
        """
        answered = result[1] if endpoint == "cancel" and isinstance(result, tuple) and len(result) == 2 else result
        if not isinstance(answered, dict) or "ERROR" in answered:
            return None  # no answers to trust or refuse: a failure, or a request not in a state to be asked
        where = self.endpoint_url(endpoint) or "the service"
        if reply is None:
            return without_passwords(
                f"The reply from {where} could not be checked: the request returned "
                "answers, but which job they are about could not be seen."
            )
        expected, got = self.job_id, reply.get("JobID")
        try:
            same = parse_job_id(got) == parse_job_id(expected)
        except ValueError:
            same = False
        if same:
            return None
        return without_passwords(
            f"The reply from {where} could not be understood: it is about JobID "
            f"{excerpt(got, limit=20)}, not {expected}."
        )

    def cancel_outcome(self, names: Iterable[str]) -> CancelOutcome:
        """One ``cancelProducts`` call, as a :class:`~xrt_widgets.outcomes.CancelOutcome`.

        Parameters
        ----------
        names : iterable of str
            The products to cancel (long or short names).

        Returns
        -------
        CancelOutcome
            Never raises for what the server or the network does: a failure
            is ok -1 with an error naming the URL, a refusal by the service
            ok 0 with its words, and ``ok`` is derived from the codes for
            swifttools' request too.

        Raises
        ------
        RuntimeError, ValueError
            For a wrong call (not submitted, a product not requested).
        """
        asked = tuple(p.long for p in in_order(resolve(n) for n in names))
        before = self._exchange_count()
        result, error = self._call("cancel", asked)
        url = self.endpoint_url("cancel")

        def failed(ok: int, text: str) -> CancelOutcome:
            return CancelOutcome(asked, ok, error=text, url=url, learned=time.time())

        if error is not None:
            return failed(-1, error)
        if not isinstance(result, tuple) or len(result) != 2:
            return failed(-1, self._failure("cancel", "the result is not an (ok, perProduct) pair."))
        ok, per = result
        if not isinstance(per, dict):
            return failed(-1, self._failure("cancel", "the per-product result is not a dict."))
        if "ERROR" in per:
            text = per["ERROR"] if isinstance(per["ERROR"], str) else repr(per["ERROR"])
            # ok 0 is the service's own refusal, in its own words; -1 is a fault of the call or the reply.
            if type(ok) is int and ok == 0:
                return failed(0, text)
            return failed(-1, self._failure("cancel", text))
        answers = {}
        for name in asked:
            entry = per.get(name)
            code = entry.get("code") if isinstance(entry, dict) else None
            said = entry.get("text") if isinstance(entry, dict) else None
            if isinstance(code, bool) or not isinstance(code, int) or code not in codes.CANCEL_CODE:
                return failed(
                    -1,
                    without_passwords(
                        f"The reply from {url or 'the service'} about {name} "
                        f"could not be understood (code {excerpt(code)})."
                    ),
                )
            answers[name] = ProductAnswer(code, said if isinstance(said, str) else codes.CANCEL_CODE[code].meaning)
        ok = codes.derive_ok(a.code for a in answers.values())
        return CancelOutcome(
            asked, ok, answers, url=url, reconciled=self._reconciled_since(before), learned=time.time()
        )

    def status_outcome(self, names: Iterable[str]) -> StatusOutcome:
        """One ``checkProductStatus`` call, as a :class:`~xrt_widgets.outcomes.StatusOutcome`.

        Parameters
        ----------
        names : iterable of str
            The products to ask about (long or short names).

        Returns
        -------
        StatusOutcome
            A build-status :class:`~xrt_widgets.codes.Status` for every
            product asked (-10 for one the server did not report), or an
            error; never raises for what the server or the network does.

        Raises
        ------
        RuntimeError, ValueError
            For a wrong call (not submitted, a product not requested).
        """
        asked = tuple(p.long for p in in_order(resolve(n) for n in names))
        result = self._status_result(asked)
        url = self.endpoint_url("status")
        learned = time.time()
        if "ERROR" in result:
            return StatusOutcome(asked, error=result["ERROR"], url=url, learned=learned)
        statuses = {}
        for name in asked:
            entry = result.get(name)
            if not isinstance(entry, dict):
                entry = {"statusCode": -10, "statusText": "The server did not return the status"}
            code = _build_code(entry.get("statusCode"))
            if code is False:
                return StatusOutcome(
                    asked,
                    error=without_passwords(
                        f"The reply from {url or 'the service'} could not be understood: the build status of "
                        f"{name} is {excerpt(entry.get('statusCode'))}, not a number."
                    ),
                    url=url,
                    learned=learned,
                )
            text = entry.get("statusText")
            # Made here from the progress itself: swifttools' progressText is only there for a product it asked about.
            progress = build_progress_text(entry.get("progress"))
            statuses[name] = Status(
                "build_status",
                code,
                text if isinstance(text, str) else codes.lookup("build_status", code).meaning,
                "" if progress == NO_PROGRESS else progress,
                learned,
                "status",
            )
        return StatusOutcome(asked, statuses, url=url, learned=learned)

    def _status_result(self, names: tuple[str, ...]) -> dict[str, Any]:
        """What ``checkProductStatus`` returned, or ``{"ERROR": text}`` (naming the URL for a fault)."""
        result, error = self._call("status", names)
        if error is not None:
            return {"ERROR": error}
        if isinstance(result, int) and not isinstance(result, bool):  # swifttools: request not in state 1/2
            return {"ERROR": f"The request is in state {result}; its status cannot be checked."}
        if not isinstance(result, dict):
            return {"ERROR": self._failure("status", "the status check returned something that is not a dict.")}
        if "ERROR" in result and self.kind == "swifttools":
            # Ours already names the URL for a fault, and keeps a refusal in the service's words;
            # swifttools' errors name no URL at all.
            text = result["ERROR"] if isinstance(result["ERROR"], str) else repr(result["ERROR"])
            return {"ERROR": self._failure("status", text)}
        return result

    def cancel(self, names: list[str]) -> tuple[int, dict[str, Any]]:
        """One ``cancelProducts`` call as the ``(ok, perProduct)`` pair; never raises for what the server does.

        Kept for the views until they read :meth:`cancel_outcome`; sets
        :attr:`last_reconciled`.
        """
        self.last_reconciled = {}
        outcome = self.cancel_outcome(names)
        self.last_reconciled = plain_copy(outcome.reconciled)
        return outcome.as_pair()

    def status(self, names: list[str]) -> dict[str, Any]:
        """One ``checkProductStatus`` call as the request returned it; ``{"ERROR": text}`` on any failure.

        Kept for the views until they read :meth:`status_outcome`.
        """
        return self._status_result(tuple(names))

    def remove(self, names: list[str]) -> None:
        """Remove products from a request that has not been submitted (no server call)."""
        for name in names:
            if self.kind == "swifttools":
                self.request.removeProduct(resolve(name).short)
            else:
                self.request.removeProduct(name)


_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_URL_END = frozenset(" \t\r\n\f\v'\"<>")


def without_passwords(text: str) -> str:
    """``text`` with every URL in it shown by :func:`~xrt_widgets.errors.redact_url` (no ``user:password@``).

    One pass, linear in the text (it may quote a hostile reply): each ``://``
    is found with ``str.find``, its scheme read back at most 32 characters,
    and the URL read forward to the next space, quote or angle bracket.

    Parameters
    ----------
    text : str
        A message, perhaps quoting URLs (or a hostile reply that looks like them).

    Returns
    -------
    str
        The same text with every ``user:password@`` part of a URL shown as ``***@``.
    """
    out: list[str] = []
    done = 0  # text[:done] is already in out
    at = text.find("://")
    while at >= 0:
        start = at
        while start > done and at - start < 32 and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        end = at + 3
        while end < len(text) and text[end] not in _URL_END:
            end += 1
        if start < at and text[start].isalpha():
            url = text[start:end]
            out.append(text[done:start])
            out.append(redact_url(url, limit=len(url) + 3))
            done = end
        at = text.find("://", max(end, at + 3))
    out.append(text[done:])
    return "".join(out)


def _build_code(value: Any) -> Any:
    """A build status as an int or None; a PHP-quoted number as an int; ``False`` for anything else."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and 0 < len(value) <= 4 and value.isascii() and value.lstrip("-").isdecimal():
        return int(value)  # swifttools itself reads the code with int()
    return False


def _key_url(base: str) -> str:
    """``base`` as a registry key: no ``user:password@``, scheme and host in lower case, no trailing slash."""
    try:
        parts = urlsplit(base.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return redact_url(base, limit=len(base) + 3).rstrip("/")
    if not host or not parts.scheme:
        return redact_url(base, limit=len(base) + 3).rstrip("/")
    host = f"[{host}]" if ":" in host else host
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"
