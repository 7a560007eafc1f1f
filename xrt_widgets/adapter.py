"""``RequestAdapter``: ours or swifttools' ``XRTProductRequest``, read and driven the same way.

Views never call a request directly: they go through the adapter, which
hides how the two requests differ (short or long product names, raising or
returning on a network fault, ``ok`` taken from the reply or derived from the
codes) and returns plain data that names the endpoint's URL whenever a call
failed, never with a ``user:password@`` part.
"""

from __future__ import annotations

from typing import Any, Optional

from . import codes
from .client import ENDPOINTS
from .errors import redact_url
from .products import in_order, resolve

__all__ = ["RequestAdapter", "without_passwords"]

class RequestAdapter:
    """Reads and drives an ``XRTProductRequest``: ours or swifttools'.

    It hides their differences: swifttools' ``productList`` holds short
    names, its ``cancelProducts`` reports ``ok == 1`` whenever the server
    answered and it raises on network faults. Here every call returns plain
    data, the overall result is derived from the per-product codes, and a
    reply of the wrong shape becomes ``(-1, {"ERROR": ...})``. Every error
    that a failed call returns names the endpoint's URL, never with a
    ``user:password@`` part.
    """

    def __init__(self, request: Any) -> None:
        for name in ("cancelProducts", "checkProductStatus", "productList", "submitted"):
            if not hasattr(type(request), name) and not hasattr(request, name):
                raise TypeError(f"{type(request).__name__} does not look like an XRTProductRequest "
                                f"(it has no {name})")
        self.request = request
        module = type(request).__module__ or ""
        self.kind = "swifttools" if module.startswith("swifttools") else "xrt_widgets"
        #: After :meth:`cancel`: long name -> ``{"server": answer, "note": why}`` for each product
        #: returned with another outcome than the server's own answer (a lost reply, reconciled).
        self.last_reconciled: dict[str, dict] = {}

    @property
    def products(self) -> list[str]:
        """Long names of the requested products, in the fixed order."""
        return [p.long for p in in_order(resolve(n) for n in list(self.request.productList))]

    @property
    def submitted(self) -> bool:
        return bool(self.request.submitted)

    @property
    def job_id(self) -> Optional[int]:
        return self.request.JobID if self.submitted else None

    @property
    def submit_error(self) -> Optional[str]:
        """Why the last submission failed (swifttools' and our statusCode 3), else None."""
        try:
            return self.request.submitError if self.request.statusCode == 3 else None
        except Exception:
            return None

    @property
    def url(self) -> Optional[str]:
        try:
            return self.request.URL if self.submitted else None
        except Exception:  # swifttools raises for a missing URL
            return None

    def endpoint_url(self, endpoint: str) -> Optional[str]:
        """The URL of ``endpoint``, as a message shows it.

        Ours asks its transport; swifttools' request keeps its base URL in
        ``_baseURL``.

        Parameters
        ----------
        endpoint : str
            A key of :data:`xrt_widgets.client.ENDPOINTS` ("cancel", "status", ...).

        Returns
        -------
        str or None
            The URL without any ``user:password@`` part, or None when the
            request tells no base URL.
        """
        transport = getattr(self.request, "transport", None)
        if callable(getattr(transport, "url_for", None)):
            url = transport.url_for(endpoint)
        else:
            base = getattr(self.request, "_baseURL", None)
            if not isinstance(base, str) or not base:
                return None
            url = f"{base.rstrip('/')}/{ENDPOINTS[endpoint][0]}"
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
        return self.kind == "swifttools" and _raised_after_sending(exc)

    def _exchanges(self) -> list[dict]:
        """Our request's record of its exchanges with the server (swifttools' keeps none)."""
        history = getattr(self.request, "history", None) if self.kind == "xrt_widgets" else None
        return history if isinstance(history, list) else []

    def _reconciled_since(self, number: int) -> dict[str, dict]:
        """The server's answer and the note for each product the newest cancel after ``number`` reconciled."""
        for entry in reversed(self._exchanges()):
            if not isinstance(entry, dict) or entry.get("number", 0) <= number:
                break
            if entry.get("endpoint") == ENDPOINTS["cancel"][0]:
                server = entry.get("server") or {}
                return {name: {"server": server.get(name), "note": note}
                        for name, note in (entry.get("notes") or {}).items()}
        return {}

    def cancel(self, names: list[str]) -> tuple[int, dict]:
        """One ``cancelProducts`` call; never raises for what the server does."""
        self.last_reconciled = {}
        exchanges = self._exchanges()
        before = exchanges[-1].get("number", 0) if exchanges and isinstance(exchanges[-1], dict) else 0
        try:
            ok, per = self.request.cancelProducts(list(names))
        except (RuntimeError, ValueError) as exc:
            if not self._is_fault(exc):
                raise  # programmer errors: shown by the panel as such
            return (-1, {"ERROR": self._failure("cancel", f"{type(exc).__name__}: {exc}")})
        except Exception as exc:  # swifttools raises on connection errors and non-JSON replies
            return (-1, {"ERROR": self._failure("cancel", f"{type(exc).__name__}: {exc}")})
        if not isinstance(per, dict):
            return (-1, {"ERROR": self._failure("cancel", "the per-product result is not a dict.")})
        if "ERROR" in per:
            text = per["ERROR"] if isinstance(per["ERROR"], str) else repr(per["ERROR"])
            ok = ok if ok in (-1, 0) else -1
            # ok 0 is the service's own refusal, in its own words; -1 is a fault of the call or the reply.
            return (ok, {"ERROR": self._failure("cancel", text) if ok == -1 else text})
        clean = {}
        for name in names:
            entry = per.get(name)
            code = entry.get("code") if isinstance(entry, dict) else None
            text = entry.get("text") if isinstance(entry, dict) else None
            if isinstance(code, bool) or not isinstance(code, int) or code not in codes.CANCEL_CODE:
                where = self.endpoint_url("cancel") or "the service"
                return (-1, {"ERROR": without_passwords(
                    f"The reply from {where} about {name} could not be understood (code {code!r}).")})
            clean[name] = {"code": code, "text": text if isinstance(text, str) else codes.CANCEL_CODE[code].meaning}
        self.last_reconciled = self._reconciled_since(before)
        return (codes.derive_ok(v["code"] for v in clean.values()), clean)

    def status(self, names: list[str]) -> dict:
        """One ``checkProductStatus`` call; ``{"ERROR": text}`` on any failure."""
        try:
            result = self.request.checkProductStatus(list(names))
        except (RuntimeError, ValueError) as exc:
            if not self._is_fault(exc):
                raise
            return {"ERROR": self._failure("status", f"{type(exc).__name__}: {exc}")}
        except Exception as exc:
            return {"ERROR": self._failure("status", f"{type(exc).__name__}: {exc}")}
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


def _raised_after_sending(exc: BaseException) -> bool:
    """Whether swifttools raised ``exc`` once its own checks of the call had passed.

    swifttools 4.0.5 raises RuntimeError and ValueError both for a wrong
    call (not submitted, already finished, an unknown product) and for a
    bad reply (no ``OK``, not JSON, a status code that is not a number).
    Its checks of the call all come before it builds the request body
    (``jsonDict``) and sends it (``_submitAPICall``), so an exception whose
    traceback passes through either came from the server's side.
    """
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "_submitAPICall" or "jsonDict" in frame.f_locals:
            return True
        tb = tb.tb_next
    return False
