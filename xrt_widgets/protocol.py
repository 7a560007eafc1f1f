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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional

from .products import LONG_NAMES

__all__ = ["API_NAME", "API_VERSION", "ENDPOINTS", "ENVELOPE_KEYS", "Endpoint", "LISTING_PRODUCTS",
           "MAX_JOB_ID_DIGITS", "ListingResult", "endpoint_path", "excerpt", "ok_reply", "parse_flag",
           "parse_job_id", "parse_listing", "refusal"]

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

#: The product columns of a ``listOldJobs`` entry. The listing has no SourceDet column.
LISTING_PRODUCTS: tuple[str, ...] = tuple(name for name in LONG_NAMES if name != "SourceDet")

#: A JobID has at most this many decimal digits (it always fits a signed 64-bit integer).
MAX_JOB_ID_DIGITS = 18

_JOB_ID_TEXT = re.compile(r"[0-9]{1,%d}" % MAX_JOB_ID_DIGITS, re.ASCII)
_EXCERPT = 40
_YES = frozenset({"1", "true"})
_NO = frozenset({"0", "false"})


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


def ok_reply(**keys: Any) -> dict:
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


def refusal(message: str, **keys: Any) -> dict:
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
        if value >= 10 ** MAX_JOB_ID_DIGITS:
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


def parse_flag(value: Any) -> bool:
    """A yes/no flag of a listing entry, in the forms a PHP or JSON server sends.

    Parameters
    ----------
    value : bool, int or str
        ``True``, ``1``, ``"1"``, ``"true"`` for yes; ``False``, ``0``,
        ``"0"``, ``"false"`` for no.

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        For any other value (``None``, ``2``, ``"yes"``, ``"True"``, ``1.0``,
        containers): a flag that cannot be read is not taken as either answer.
    """
    if value is True or value is False:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        if value in _YES:
            return True
        if value in _NO:
            return False
    raise ValueError(f"{excerpt(value)} is not a yes/no flag")


def _text(value: Any, key: str) -> str:
    """A display field (Name, DateSubmitted): text, a number shown as text, or '' when absent."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excerpt(value, limit=200)
    raise ValueError(f"{key} is {excerpt(value)}, not text")


@dataclass(frozen=True)
class ListingResult:
    """A ``listOldJobs`` listing after checking: the usable jobs, and the entries that were skipped.

    Attributes
    ----------
    jobs : tuple of dict
        The well-formed entries, in the server's order (most recent first),
        each normalised to ``{"JobID": int, "Name": str, "DateSubmitted":
        str, <the six listing products>: bool, "hasProd": bool, "products":
        tuple of long names}``.
    skipped : tuple of (int, str, str)
        One ``(index, JobID, reason)`` per entry left out: its index in the
        server's list (from 0), a short excerpt of its JobID ('' when it had
        none to show) and why it was left out.
    """

    jobs: tuple[dict, ...]
    skipped: tuple[tuple[int, str, str], ...]

    def note(self, shown: int = 3) -> str:
        """One short line saying which entries were skipped and why ('' when none were).

        Parameters
        ----------
        shown : int
            How many entries to describe before "and N more".

        Returns
        -------
        str
        """
        if not self.skipped:
            return ""
        n = len(self.skipped)
        head = f"{n} {'entry' if n == 1 else 'entries'} of the listing {'was' if n == 1 else 'were'} skipped: "
        parts = []
        for index, job_id, reason in self.skipped[:shown]:
            where = f"jobs[{index}]" + (f" (JobID {job_id})" if job_id else "")
            parts.append(f"{where}: {reason}")
        more = f"; and {n - shown} more" if n > shown else ""
        return head + "; ".join(parts) + more


def _entry(raw: Any) -> tuple[Optional[dict], str, str]:
    """(normalised entry or None, JobID excerpt, reason it was refused)."""
    if not isinstance(raw, dict):
        return None, "", f"not an object but {excerpt(raw)}"
    if "JobID" not in raw:
        return None, "", "no JobID"
    shown = excerpt(raw["JobID"])
    try:
        job_id = parse_job_id(raw["JobID"])
    except ValueError as exc:
        return None, shown, str(exc)
    entry: dict[str, Any] = {"JobID": job_id}
    try:
        entry["Name"] = _text(raw.get("Name"), "Name")
        entry["DateSubmitted"] = _text(raw.get("DateSubmitted"), "DateSubmitted")
        for name in LISTING_PRODUCTS:
            try:
                entry[name] = parse_flag(raw[name]) if name in raw else False
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        # A listing without hasProd says nothing about the products; assuming them held keeps the
        # job cancellable, where assuming them gone would disable its checkbox.
        try:
            entry["hasProd"] = parse_flag(raw["hasProd"]) if "hasProd" in raw else True
        except ValueError as exc:
            raise ValueError(f"hasProd: {exc}") from None
    except ValueError as exc:
        return None, shown, str(exc)
    # The listing has no SourceDet column and every job has at least one product, so a well-formed
    # entry with all six flags false is a source detection.
    entry["products"] = tuple(n for n in LISTING_PRODUCTS if entry[n]) or ("SourceDet",)
    return entry, shown, ""


def parse_listing(jobs: list) -> ListingResult:
    """Check every entry of a ``listOldJobs`` reply's ``jobs`` list, keeping the good ones.

    A bad entry (not an object, no usable JobID, a flag that is not a
    yes/no form of :func:`parse_flag`, a Name or DateSubmitted that is not
    text) is skipped and reported, never allowed to hide the others. A JobID
    listed twice keeps its first entry; the later ones are skipped. Runs in
    time linear in the number of entries.

    Parameters
    ----------
    jobs : list
        The ``jobs`` value of the reply, as decoded from JSON.

    Returns
    -------
    ListingResult

    Raises
    ------
    TypeError
        If ``jobs`` is not a list (nothing in it can then be trusted).
    """
    if not isinstance(jobs, list):
        raise TypeError(f"the listing should be a list, not {excerpt(jobs)}")
    good: list[dict] = []
    skipped: list[tuple[int, str, str]] = []
    first_at: dict[int, int] = {}
    for index, raw in enumerate(jobs):
        entry, shown, reason = _entry(raw)
        if entry is None:
            skipped.append((index, shown, reason))
            continue
        earlier = first_at.setdefault(entry["JobID"], index)
        if earlier != index:
            skipped.append((index, shown, f"the same JobID as jobs[{earlier}]"))
            continue
        good.append(entry)
    return ListingResult(tuple(good), tuple(skipped))
