"""``XRTProductRequest``: the swifttools-shaped request users call, as a drop-in for swifttools' class.

A user's code written for swifttools' ``XRTProductRequest`` runs with this one
after changing the import line, up to and around cancelling (product
retrieval is left to swifttools). Building the request is
:class:`~xrt_widgets.request_build.RequestBuilder`'s part (swifttools'
parameter API, its checks and its exceptions); this module submits it and
talks to the job. ``cancelProducts`` keeps the documented contract where
swifttools does not: it returns -1/0/1/2 as documented instead of always 1,
never raises on a network or reply fault, and sends exactly one request
however many products it cancels. All network traffic goes through
:class:`~xrt_widgets.client.Transport`; replies are read by the parsers of
:mod:`xrt_widgets.protocol`, and each exchange is recorded in an
:class:`~xrt_widgets.exchanges.ExchangeLog`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import requests

from . import codes
from .client import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, Timeout, Transport, may_have_arrived
from .errors import ServiceError, XRTError, redact_url
from .exchanges import HISTORY_LENGTH, ExchangeLog, cancel_answers, status_answers
from .products import Product, in_order, resolve
from .progress import build_progress_text  # its home since it moved; still importable from here
from .protocol import check_job_id, excerpt, parse_cancel, parse_job_id, parse_status
from .request_build import RequestBuilder
from .userjobs import count_active_jobs_with, countActiveJobs, list_jobs_with, listOldJobs, read_reply

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = [
    "XRTProductRequest",
    "listOldJobs",
    "countActiveJobs",
    "list_jobs_with",
    "count_active_jobs_with",
    "build_progress_text",
]

#: swifttools' request-level status codes.
STATUS_TEXTS = (
    "Preparing the request",
    "Request submitted",
    "Job finished, all products complete or failed",
    "Error, something has gone wrong",
)

What = str | Sequence[str]

#: Why a cancel answered code 1 on a retry is returned as code 0.
LOST_REPLY_NOTE = "the first reply was lost; the status shows it cancelled"


class XRTProductRequest(RequestBuilder):
    """A request for XRT products, shaped like swifttools' class of the same name.

    Parameters
    ----------
    user : str
        The email address registered with the UKSSDC.
    silent : bool, optional
        As in swifttools: True (the default) prints nothing; False prints
        what swifttools prints while the request is built and submitted.
    base_url : str, optional
        The service's base URL; defaults to ``$XRT_WIDGETS_BASE_URL``, else
        https://www.swift.ac.uk/user_objects.
    timeout : float or (float, float), optional
        Connect and read timeouts, in seconds.
    session : requests.Session, optional
        A session to share between requests.
    retries : int, optional
        Retries of transient failures (see :class:`~xrt_widgets.client.Transport`).
    deadline : float, optional
        Seconds any one call to the service may take in all, retries
        included (default 60); past it the call ends with its usual failure
        value (``ok == -1`` for a cancel) and a message naming the URL.

    Examples
    --------
    >>> req = XRTProductRequest("me@example.org", base_url=emu.base_url)  # doctest: +SKIP
    >>> req.setGlobalPars(name="GRB 060729", targ="00221755", RA=95.37, Dec=-62.21, centroid=True, posErr=1,
    ...                   useSXPS=False)  # doctest: +SKIP
    >>> req.addLightCurve(binMeth="snapshot"); req.addSpectrum(hasRedshift=False)  # doctest: +SKIP
    >>> req.submit()  # doctest: +SKIP
    True
    >>> req.cancelProducts(["LightCurve"])  # doctest: +SKIP
    (1, {'LightCurve': {'code': 0, 'text': 'Job cancelled OK'}})
    """

    def __init__(
        self,
        user: str,
        *,
        silent: bool = True,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        retries: int = 2,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        super().__init__(user, silent=silent)
        self._transport = Transport(base_url, timeout=timeout, session=session, retries=retries, deadline=deadline)
        self._status = 0
        self._submitted = False
        self._job_id: int | None = None
        self._url: str | None = None
        self._sub_ret_data: dict[str, Any] = {}
        self._submit_error: str | None = None
        self._complete = False
        self._finished: set[str] = set()
        self.last_warnings: list[str] = []
        # The server's own answers, kept apart from what the caller got: a reconciled cancel returns
        # code 0 where the server said 1, and both must stay visible.
        self._log = ExchangeLog(HISTORY_LENGTH)

    # -- construction from an earlier job ------------------------------------------------------
    @classmethod
    def from_job(
        cls,
        user: str,
        job_id: int,
        products: Iterable[str],
        *,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        retries: int = 2,
        deadline: float = DEFAULT_DEADLINE,
    ) -> XRTProductRequest:
        """A request bound to a job submitted earlier, ready to query and cancel.

        Parameters
        ----------
        user : str
            The user who owns the job.
        job_id : int or str
            The JobID the service gave when the job was submitted: an int, or
            a string of decimal digits (see :func:`~xrt_widgets.protocol.parse_job_id`).
        products : iterable of str
            The products of that job, in long or short names.

        Raises
        ------
        ValueError
            If ``job_id`` is not plainly a JobID (a float, a bool, None,
            zero or negative, more than 18 digits), or no product is named.
        """
        try:
            job_id = parse_job_id(job_id)
        except ValueError as exc:  # int(1.9) or int(True) would bind a job nobody named
            raise ValueError(f"job_id must be an integer JobID, not {excerpt(job_id)}: {exc}") from None
        if isinstance(products, str):
            products = [products]
        req = cls(user, base_url=base_url, timeout=timeout, session=session, retries=retries, deadline=deadline)
        for product in in_order(resolve(p) for p in products):
            req._pars.products[product.short] = {}
        if not req._pars.products:
            raise ValueError("from_job needs at least one product of the job")
        req._job_id = job_id
        req._submitted = True
        req._status = 1
        return req

    # -- swifttools' read-only properties ------------------------------------------------------
    @property
    def submitted(self) -> bool:
        """Whether the request has been successfully submitted."""
        return self._submitted

    @property
    def JobID(self) -> int:
        """The JobID assigned on submission."""
        if not self._submitted or self._job_id is None:  # a submitted request always has its JobID
            raise RuntimeError("JobID is not set until the request is successfully submitted")
        return self._job_id

    @property
    def URL(self) -> str | None:
        """The web page where the products will appear (None for a job bound with ``from_job``)."""
        if not self._submitted:
            raise RuntimeError("URL is not set until the request is successfully submitted")
        return self._url

    @property
    def jobPars(self) -> dict[str, Any]:
        """All parameters of the job, as the server filled them in (wire names, numbers often quoted)."""
        if not self._submitted:
            raise RuntimeError("jobPars is not set until the request is submitted")
        pars: dict[str, Any] = self._sub_ret_data.get("jobPars", {})
        return pars

    @property
    def subRetData(self) -> dict[str, Any]:
        """What the server returned on submission (``URL``, ``jobPars``), or ``submitError`` after a failure."""
        return self._sub_ret_data

    @property
    def submitError(self) -> str:
        """Why the submission failed (with the server's ``listErr`` details)."""
        if self._status != 3:
            raise RuntimeError("There is no submitError unless request submission failed, which it didn't")
        return self._submit_error or ""

    @property
    def statusCode(self) -> int:
        """0 preparing, 1 submitted, 2 all products finished, 3 submission failed."""
        return self._status

    @property
    def statusText(self) -> str:
        """The words for :attr:`statusCode`."""
        return STATUS_TEXTS[self._status]

    @property
    def status(self) -> tuple[int, str]:
        """``(statusCode, statusText)``."""
        return (self._status, self.statusText)

    @property
    def complete(self) -> bool:
        """Whether every product has finished (complete, failed or cancelled).

        As in swifttools, reading this asks the server (one status request)
        until the job is known to be complete; after that it answers from
        memory. The panel never reads it: it calls ``checkProductStatus``.
        """
        if not self._submitted:
            raise RuntimeError("You have not submitted the request, so cannot check if it is complete.")
        if not self._complete:
            self.checkProductStatus("all")
        return self._complete

    @property
    def history(self) -> list[dict[str, Any]]:
        """The last exchanges of :meth:`cancelProducts` and :meth:`checkProductStatus` with the server.

        At most :data:`~xrt_widgets.exchanges.HISTORY_LENGTH`, oldest first,
        as plain dicts (copies) with the keys ``number``, ``time``,
        ``endpoint``, ``url``, ``asked``, ``retried``, ``server`` (the
        server's own answers, as received), ``error``, ``notes`` (why what was
        returned differs from the server's answer) and ``returned`` (what the
        caller got); see :class:`~xrt_widgets.exchanges.ExchangeLog`.

        A cancel whose first reply was lost and whose retry answered code 1
        is followed by the status check that found the product cancelled.
        """
        return self._log.entries()

    @property
    def exchange_count(self) -> int:
        """How many exchanges with the server this request has had (the ``number`` of the newest in :attr:`history`)."""
        return self._log.count

    def history_since(self, number: int) -> list[dict[str, Any]]:
        """The entries of :attr:`history` newer than ``number`` (an :attr:`exchange_count` read earlier), as copies."""
        return self._log.since(number)

    def _open_exchange(self, endpoint: str, chosen: list[Product]) -> dict[str, Any]:
        """Start a history entry before sending, so that a status check made for it comes after it."""
        return self._log.open(endpoint, redact_url(self._transport.url_for(endpoint)), [p.long for p in chosen])

    @property
    def transport(self) -> Transport:
        """The :class:`~xrt_widgets.client.Transport` this request talks through."""
        return self._transport

    # -- talking to the server -----------------------------------------------------------------
    def submit(self, updateProds: bool = True) -> bool:
        """Check the request, then submit it. Returns True on success; otherwise see :attr:`submitError`.

        An incomplete request (see :meth:`isValid`) is not sent: ``submit``
        returns False and :attr:`submitError` says what is missing. On
        success, :attr:`JobID`, :attr:`URL`, :attr:`jobPars` and
        :attr:`subRetData` are set.

        Parameters
        ----------
        updateProds : bool
            As in swifttools: read the parameters the server used
            (:attr:`jobPars`: its defaults, the target, position and T0 it
            worked out) back into this request's parameters, so that
            :meth:`getAllPars` shows them and the request can serve as a
            template; the ``getTargs``/``getT0``/``getCoords`` flags become
            False. If they cannot be read, a warning says so and the
            submission still counts.

        Raises
        ------
        RuntimeError
            If the request was already submitted.
        """
        if self._submitted:
            raise RuntimeError("Cannot submit a request that has already been submitted.")
        self._sub_ret_data = {"submitError": None}
        self._complete = False
        valid, problems = self.isValid()
        if not valid:
            return self._submit_failed("The request is not ready to submit:\n\n" + problems)
        try:
            reply = self._transport.post("submit", self.getJSONDict())
            data = reply.data
            try:
                job_id = parse_job_id(data["JobID"])
            except ValueError:
                return self._submit_failed(f"The server returned an invalid JobID {excerpt(data['JobID'])}.")
            self._job_id = job_id
            self._url = data["URL"] if isinstance(data["URL"], str) else None
            self._sub_ret_data.update(
                URL=self._url, jobPars=data["jobPars"] if isinstance(data["jobPars"], dict) else {}
            )
            self.last_warnings = reply.warnings
        except ServiceError as exc:
            text = exc.message
            for item in exc.list_errors:
                text += "\n" + item["label"]
                for msg in item["list"]:
                    text += f"\n* {msg}"
            return self._submit_failed(text)
        except XRTError as exc:
            text = str(exc).rstrip()
            if may_have_arrived(exc):  # a submit is never retried after it may have reached the server
                text += "" if text.endswith((".", "!", "?")) else "."
                text += (
                    " The server may have received the request and created the job all the same: "
                    "look for it with listOldJobs() before submitting again."
                )
            return self._submit_failed(text)
        self._submitted = True
        self._status = 1
        self._submit_error = None
        self._say(f"Job submitted OK, with ID: {self._job_id}")
        if updateProds:
            try:
                self._pars.update_from_server(self._sub_ret_data["jobPars"])
            except (TypeError, ValueError):
                warnings.warn("The job was submitted OK, but an error occured updating the parameters.", stacklevel=2)
        return True

    def _submit_failed(self, message: str) -> bool:
        self._status = 3
        self._submit_error = message
        self._sub_ret_data["submitError"] = message
        return False

    def _what(self, what: What, verb: str) -> list[Product]:
        if not self._submitted:
            raise RuntimeError(f"Can't {verb} this request as it hasn't been submitted!")
        if isinstance(what, str):
            if what != "all":
                raise ValueError(f"what should be 'all' or a list/tuple of products, not {what!r}")
            chosen = [resolve(n) for n in self._pars.products]
        elif isinstance(what, (list, tuple)):
            chosen = []
            for name in what:
                product = resolve(name)
                if product.short not in self._pars.products:
                    raise ValueError(f"You did not request a {product.long}!")
                if product not in chosen:
                    chosen.append(product)
        else:
            raise ValueError(f"what should be 'all' or a list/tuple of products, not {type(what).__name__}")
        if not chosen:
            raise ValueError(f"You have not named any products to {verb}")
        return in_order(chosen)

    def cancelProducts(self, what: What = "all") -> tuple[int, dict[str, Any]]:
        """Ask the server to cancel products of the submitted job.

        Parameters
        ----------
        what : "all" or list/tuple of str
            The products to cancel, in long (or short) names.

        Returns
        -------
        (int, dict)
            ``ok`` and the per-product outcome. ``ok`` is 1 when every
            product was cancelled, 2 when some were, 0 when none were (or
            the server refused the request: then the dict is
            ``{"ERROR": text}``), and -1 when the request or its reply
            failed (``{"ERROR": text}``). Otherwise the dict maps each long
            name to ``{"code": int, "text": str}`` with the codes 0-4 of
            :data:`xrt_widgets.codes.CANCEL_CODE`. The server's own answers
            are kept in :attr:`history`.

        Raises
        ------
        RuntimeError
            If the request has not been submitted.
        ValueError
            If ``what`` names a product that was not requested.
        """
        chosen = self._what(what, "cancel")
        exchange = self._open_exchange("cancel", chosen)
        result = self._cancel(chosen, exchange)
        self._log.update(exchange, error=result[1].get("ERROR"), returned=result)
        return result

    def _cancel(self, chosen: list[Product], exchange: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        body = {"UserID": self._user, "JobID": self._job_id, "what": ",".join(p.short for p in chosen)}
        try:
            reply = self._transport.post("cancel", body)
            self._log.update(exchange, retried=reply.retried, server=cancel_answers(reply.data, chosen))
            read_reply(reply, check_job_id, self._job_id)
            per_product = read_reply(reply, parse_cancel, chosen)
            self.last_warnings = reply.warnings
        except ServiceError as exc:
            return (0, {"ERROR": exc.message})
        except XRTError as exc:
            return (-1, {"ERROR": str(exc)})
        except Exception as exc:  # a bug of ours must not lose the user's state either
            return (
                -1,
                {
                    "ERROR": f"Unexpected error while cancelling through "
                    f"{redact_url(self._transport.url_for('cancel'))}: {type(exc).__name__}: {exc}"
                },
            )
        if reply.retried and any(v["code"] == 1 for v in per_product.values()):
            self._log.update(exchange, notes=self._reconcile_lost_reply(per_product))
        for name, outcome in per_product.items():
            if outcome["code"] in (0, 1):
                self._finished.add(name)
        return (codes.derive_ok(v["code"] for v in per_product.values()), per_product)

    def _reconcile_lost_reply(self, per_product: dict[str, Any]) -> dict[str, Any]:
        """A retried cancel that says "already finished" may be our own first attempt's doing.

        When the first attempt reached the server but its reply was lost,
        the retry finds the product already cancelled and answers code 1.
        One status check tells: a product now in build status -4 was
        cancelled by us. Returns the note for each product turned into code 0.
        """
        # A product this request already saw finish or get cancelled is truly "already finished":
        # a -4 for it now says nothing about this call.
        suspects = [name for name, v in per_product.items() if v["code"] == 1 and name not in self._finished]
        if not suspects:
            return {}
        status = self.checkProductStatus(suspects)
        notes = {}
        for name in suspects:
            entry = status.get(name)
            if isinstance(entry, dict) and entry.get("statusCode") == -4:
                per_product[name] = {"code": 0, "text": f"Cancelled ({LOST_REPLY_NOTE})"}
                notes[name] = LOST_REPLY_NOTE
        return notes

    def checkProductStatus(self, what: What = "all") -> dict[str, Any]:
        """The build status of products of the submitted job, in one request.

        Returns
        -------
        dict
            Long name -> ``{"statusCode", "statusText", "progress",
            "progressText"}``; a product the server did not report has
            ``statusCode`` -10. On any failure: ``{"ERROR": text}``.

        Raises
        ------
        RuntimeError
            If the request has not been submitted.
        ValueError
            If ``what`` names a product that was not requested.
        """
        chosen = self._what(what, "query")
        exchange = self._open_exchange("status", chosen)
        result = self._status_of(chosen, exchange)
        self._log.update(exchange, error=result.get("ERROR"), returned=result)
        return result

    def _status_of(self, chosen: list[Product], exchange: dict[str, Any]) -> dict[str, Any]:
        shorts = ",".join(p.short for p in chosen)
        body = {"UserID": self._user, "JobID": self._job_id, "what": shorts, "whatProg": shorts}
        try:
            reply = self._transport.post("status", body)
            self._log.update(exchange, retried=reply.retried, server=status_answers(reply.data, chosen))
            read_reply(reply, check_job_id, self._job_id)
            result = read_reply(reply, parse_status, chosen)
            self.last_warnings = reply.warnings
        except XRTError as exc:
            return {"ERROR": str(exc)}
        except Exception as exc:
            return {
                "ERROR": f"Unexpected error while checking status through "
                f"{redact_url(self._transport.url_for('status'))}: {type(exc).__name__}: {exc}"
            }
        for name, entry in result.items():
            if codes.lookup("build_status", entry["statusCode"]).terminal:
                self._finished.add(name)
        if {resolve(n).long for n in self._pars.products} <= self._finished:
            self._complete = True
            self._status = 2
        return result

    def listOldJobs(self) -> list[Any]:
        """Every job this user has submitted, most recent first, entries unchecked (see :func:`listOldJobs`).

        Raises
        ------
        ServiceError
            When the service refuses, as for a user it does not know (swifttools prints the message and returns
            None instead).
        XRTError
            When the request fails or the reply cannot be read.
        """
        return list_jobs_with(self._transport, self._user)

    def countActiveJobs(self) -> int:
        """How many of this user's jobs are queued or running.

        Raises
        ------
        ServiceError
            When the service refuses, as for a user it does not know (swifttools prints the message and returns
            -1 instead).
        XRTError
            When the request fails or the reply cannot be read.
        """
        return count_active_jobs_with(self._transport, self._user)

    def close(self) -> None:
        """Close the HTTP session this request made (a session passed in is left open)."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = f"JobID={self._job_id}" if self._submitted else STATUS_TEXTS[self._status].lower()
        return f"<XRTProductRequest {self._user} {state} products={self.products}>"
