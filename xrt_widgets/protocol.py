"""Facts of the UKSSDC protocol, and pure parsers that turn what a server sent into checked values.

The facts (API name and version, each endpoint's path and the keys its
reply must carry, the envelope every reply shares) are written here once,
for the client that sends requests and the emulator that answers them.
Nothing here touches the network or a widget: each parser takes plain data
(already decoded from JSON, or handed in by a caller) and returns a typed
result or says, in a short sentence, why it cannot. A server's values are
never trusted: a PHP server may quote numbers and send booleans as ``1`` or
``"true"``, and a broken or hostile one may send anything, so every parser
bounds the text it quotes back and never recurses into what it was given.
The ``listOldJobs`` listing, the one reply with many entries, is read in
:mod:`xrt_widgets.listing`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, TypeGuard

from . import codes
from .progress import build_progress_text

if TYPE_CHECKING:  # pragma: no cover
    from .listing import LISTING_PRODUCTS, ListingResult, parse_flag, parse_listing
    from .products import Product

__all__ = [
    "API_NAME",
    "API_VERSION",
    "ENDPOINTS",
    "ENVELOPE_KEYS",
    "Endpoint",
    "CancelAnswer",
    "StatusAnswer",
    "MAX_JOB_ID_DIGITS",
    "ReplyShapeError",
    "as_int",
    "check_job_id",
    "endpoint_path",
    "excerpt",
    "ok_reply",
    "parse_cancel",
    "parse_job_count",
    "parse_job_id",
    "parse_status",
    "refusal",
    # moved to .listing, still given here (see __getattr__ below)
    "LISTING_PRODUCTS",
    "ListingResult",
    "parse_flag",
    "parse_listing",
]

#: The API every request names (its ``api_name``), and the version of it this package speaks.
API_NAME = "xrt_prods"
API_VERSION = "1.12"

#: The keys of every reply, whatever the endpoint: ``OK`` (1 done, 0 refused, 2 a partial cancel)
#: and ``APIVersion``. A refusal (``OK: 0``) adds ``ERROR``, and a refused submit ``listErr``.
ENVELOPE_KEYS: tuple[str, ...] = ("OK", "APIVersion")


class Endpoint(NamedTuple):
    """One endpoint of the service: where it is, and what an ``OK`` reply of it must carry.

    Attributes
    ----------
    path : str
        The page below the base URL (``"canceljob.php"``).
    required : tuple of str
        The keys, besides :data:`ENVELOPE_KEYS`, that an ``OK`` reply has.
    """

    path: str
    required: tuple[str, ...]


#: Endpoint name -> its path and required reply keys. A cancel reply maps short product names to
#: the cancel code (``statusCodes``) and its words (``status``); a status reply has one object per
#: product asked, under its short name, with ``statusCode``, ``statusText`` and ``progress``.
ENDPOINTS: dict[str, Endpoint] = {
    "submit": Endpoint("run_userobject.php", ("JobID", "URL", "jobPars")),
    "status": Endpoint("checkProductStatus.php", ("JobID",)),
    "cancel": Endpoint("canceljob.php", ("JobID", "status", "statusCodes")),
    "list": Endpoint("listOldJobs.php", ("jobs",)),
    "count": Endpoint("getNumJobs.php", ("numJobs",)),
}

_PATHS = frozenset(e.path for e in ENDPOINTS.values())


class CancelAnswer(TypedDict):
    """What a cancel reply says of one product: its cancel code (0-4) and the server's words."""

    code: int
    text: str


class StatusAnswer(TypedDict):
    """What a status reply says of one product, with the progress text swifttools builds from it."""

    statusCode: int | None
    statusText: str
    progress: dict[str, Any]
    progressText: str


#: A JobID has at most this many decimal digits (it always fits a signed 64-bit integer).
MAX_JOB_ID_DIGITS = 18

_JOB_ID_TEXT = re.compile(rf"[0-9]{{1,{MAX_JOB_ID_DIGITS}}}", re.ASCII)
_EXCERPT = 40
_DECIMAL = re.compile(r"\s*-?\d+\s*", re.ASCII)
#: A longer text is never read as a number: int() refuses 4300+ digits, and no code has 40.
_DECIMAL_LIMIT = 40


def endpoint_path(endpoint: str) -> str:
    """The path of an endpoint given by name or by path: ``"cancel"`` or ``"canceljob.php"`` -> ``"canceljob.php"``.

    Parameters
    ----------
    endpoint : str
        A key of :data:`ENDPOINTS`, or one of their paths.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For any other name.
    """
    entry = ENDPOINTS.get(endpoint)
    if entry is not None:
        return entry.path
    if endpoint in _PATHS:
        return endpoint
    raise ValueError(f"unknown endpoint {endpoint!r}; use one of {sorted(ENDPOINTS)} or their .php paths")


def ok_reply(**keys: Any) -> dict[str, Any]:
    """A reply that says the request was done (``OK: 1``), with ``keys`` after the envelope.

    Parameters
    ----------
    **keys
        The endpoint's own keys (see :data:`ENDPOINTS`).

    Returns
    -------
    dict
    """
    return {"OK": 1, "APIVersion": API_VERSION, **keys}


def refusal(message: str, **keys: Any) -> dict[str, Any]:
    """A reply that refuses the request (``OK: 0``) and says why in ``ERROR``.

    Parameters
    ----------
    message : str
        The ``ERROR`` text.
    **keys
        Anything more the reply carries (``listErr`` for a refused submit).

    Returns
    -------
    dict
    """
    return {"OK": 0, "APIVersion": API_VERSION, "ERROR": message, **keys}


def excerpt(value: Any, limit: int = _EXCERPT) -> str:
    """A short, safe description of any value, for an error message.

    Strings are cut to ``limit`` characters; containers are described by
    their size, never by their contents (which may be huge or nested beyond
    what ``repr`` can walk); integers too large to print are described by
    their size.

    Parameters
    ----------
    value : object
        Whatever a server (or a caller) sent.
    limit : int
        The longest text of ``value`` to quote.

    Returns
    -------
    str
    """
    if value is None or isinstance(value, (bool, float)):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 64:  # repr of an int of 4300+ digits raises; long ones say nothing useful
            return f"an integer of {value.bit_length()} bits"
        return repr(value)
    if isinstance(value, str):
        if len(value) > limit:
            return repr(value[:limit]) + f"… ({len(value)} characters)"
        return repr(value)
    if isinstance(value, dict):
        return f"an object of {len(value)} keys"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} items"
    return f"a {type(value).__name__}"


def parse_job_id(value: Any) -> int:
    """A JobID as an int, from an int or a string of decimal digits.

    A PHP server may quote the JobID (the swifttools tutorial shows
    ``'951'``). Anything that is not plainly a JobID is refused rather than
    coerced: ``int(1.9)`` and ``int(True)`` would name a job nobody asked for.

    Parameters
    ----------
    value : int or str
        An int that is not a bool, or a string of 1 to 18 ASCII digits (no
        sign, no spaces); the JobID must be positive.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        With a short reason, for anything else (floats, bools, None,
        negative or zero, more than 18 digits, other text, containers).
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a JobID")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError("a JobID is a positive integer")
        if value >= 10**MAX_JOB_ID_DIGITS:
            raise ValueError(f"a JobID has at most {MAX_JOB_ID_DIGITS} digits")
        return value
    if isinstance(value, str):
        if len(value) > MAX_JOB_ID_DIGITS and value.isascii() and value.isdigit():
            raise ValueError(f"a JobID has at most {MAX_JOB_ID_DIGITS} digits")
        if not _JOB_ID_TEXT.fullmatch(value):
            raise ValueError("not a JobID")
        job_id = int(value)
        if job_id == 0:
            raise ValueError("a JobID is a positive integer")
        return job_id
    if isinstance(value, float):
        raise ValueError("a number with a fraction or exponent is not a JobID")
    raise ValueError("not a JobID")


# -- replies ---------------------------------------------------------------------------------------
# The parsers below take a reply the transport has already checked (a JSON object, OK 1 or 2, the
# endpoint's keys present) and read what the endpoint says. A reply they cannot read raises
# ReplyShapeError with a phrase that completes "The reply from <url> could not be understood: ...".


class ReplyShapeError(ValueError):
    """A reply that does not say what its endpoint's replies say; the text is a phrase telling why."""


def as_int(value: Any) -> Any:
    """A plain decimal string as an int (a PHP server may quote numbers); anything else unchanged.

    Parameters
    ----------
    value : Any
        A number as the server sent it.

    Returns
    -------
    Any
        ``int(value)`` for a string of up to 40 characters of decimal
        digits (a sign and surrounding spaces allowed); ``value`` itself
        otherwise, for the caller to judge.
    """
    if isinstance(value, str) and len(value) <= _DECIMAL_LIMIT and _DECIMAL.fullmatch(value):
        return int(value)
    return value


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def check_job_id(data: dict[str, Any], job_id: int | None) -> None:
    """Check that a reply is about the job asked: one about another job is not a reply to the request.

    Parameters
    ----------
    data : dict
        A status or cancel reply.
    job_id : int
        The JobID the request named.

    Raises
    ------
    ReplyShapeError
        If the reply's ``JobID`` is not that JobID (quoted or not).
    """
    got = as_int(data.get("JobID"))
    if not _is_int(got) or got != job_id:
        raise ReplyShapeError(f"it is about JobID {str(got)[:20]!r}, not {job_id}")


def parse_cancel(data: dict[str, Any], products: Iterable[Product]) -> dict[str, CancelAnswer]:
    """The cancel code and text for each product asked, from a ``canceljob.php`` reply.

    Parameters
    ----------
    data : dict
        The reply: ``statusCodes`` maps short product names to a cancel
        code (0-4, see :data:`xrt_widgets.codes.CANCEL_CODE`), ``status``
        to its words.
    products : iterable of Product
        The products asked.

    Returns
    -------
    dict
        Long name -> ``{"code": int, "text": str}``; a product with no
        text gets the code's meaning.

    Raises
    ------
    ReplyShapeError
        If ``status`` or ``statusCodes`` is not an object, or a product
        asked has no code, a code outside 0-4, or a text that is not a string.
    """
    status, status_codes = data.get("status"), data.get("statusCodes")
    if not isinstance(status, dict) or not isinstance(status_codes, dict):
        raise ReplyShapeError("'status' and 'statusCodes' should be objects")
    out: dict[str, CancelAnswer] = {}
    for product in products:
        if product.short not in status_codes:
            raise ReplyShapeError(f"no cancel code for {product.long}")
        code = as_int(status_codes[product.short])
        if not _is_int(code) or code not in codes.CANCEL_CODE:
            raise ReplyShapeError(f"the cancel code for {product.long} is {excerpt(code)}, not one of 0-4")
        text = status.get(product.short)
        if text is None:
            text = codes.CANCEL_CODE[code].meaning
        elif not isinstance(text, str):
            raise ReplyShapeError(f"the cancel text for {product.long} is not a string")
        out[product.long] = {"code": code, "text": text}
    return out


def parse_status(data: dict[str, Any], products: Iterable[Product]) -> dict[str, StatusAnswer]:
    """The build status of each product asked, from a ``checkProductStatus.php`` reply.

    Parameters
    ----------
    data : dict
        The reply: one object per product, under its short name, with
        ``statusCode`` (see :data:`xrt_widgets.codes.BUILD_STATUS`),
        ``statusText`` and ``progress``.
    products : iterable of Product
        The products asked.

    Returns
    -------
    dict
        Long name -> ``{"statusCode", "statusText", "progress",
        "progressText"}``; a product the reply leaves out has ``statusCode``
        -10 ("The server did not return the status").

    Raises
    ------
    ReplyShapeError
        If a product's entry is not an object with a ``statusCode``, its
        code is not a known build status, its text is not a string or its
        progress not an object.
    """
    out: dict[str, StatusAnswer] = {}
    for product in products:
        entry = data.get(product.short)
        if entry is None:
            out[product.long] = {
                "statusCode": -10,
                "statusText": "The server did not return the status",
                "progress": {},
                "progressText": build_progress_text(None),
            }
            continue
        if not isinstance(entry, dict) or "statusCode" not in entry:
            raise ReplyShapeError(f"the status of {product.long} is not an object with a statusCode")
        code = as_int(entry["statusCode"])
        if code is not None and (not _is_int(code) or code not in codes.BUILD_STATUS):
            raise ReplyShapeError(f"the build status of {product.long} is {excerpt(code)}, which is not a known code")
        text = entry.get("statusText")
        if text is None:
            text = codes.lookup("build_status", code).meaning
        elif not isinstance(text, str):
            raise ReplyShapeError(f"the status text of {product.long} is not a string")
        progress = entry.get("progress")
        if progress is None:
            progress = {}
        if not isinstance(progress, dict):
            raise ReplyShapeError(f"the progress of {product.long} is not an object")
        out[product.long] = {
            "statusCode": code,
            "statusText": text,
            "progress": progress,
            "progressText": build_progress_text(progress),
        }
    return out


def parse_job_count(data: dict[str, Any]) -> int:
    """The user's jobs queued or running, from a ``getNumJobs.php`` reply.

    Parameters
    ----------
    data : dict

    Returns
    -------
    int

    Raises
    ------
    ReplyShapeError
        If ``numJobs`` is not a number (quoted or not).
    """
    num = as_int(data.get("numJobs"))
    if not _is_int(num):
        raise ReplyShapeError(f"numJobs is {excerpt(num)}, not a number")
    return num


# The listing parser has a module of its own; its names are still given here, loaded when first asked
# for (it imports this module, so this one cannot import it at the top).
_IN_LISTING = frozenset({"LISTING_PRODUCTS", "ListingResult", "parse_flag", "parse_listing"})


def __getattr__(name: str) -> Any:
    if name in _IN_LISTING:
        from . import listing

        return getattr(listing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
