"""The ``listOldJobs`` listing: every entry checked, the good ones kept, the others said why.

A listing is the one reply that may hold thousands of entries, each
written by the server in its own way (a PHP server quotes numbers and
sends flags as ``1`` or ``"true"``). :func:`parse_listing` checks each
entry on its own, so that one bad entry never hides the others, and
returns a :class:`ListingResult`: the usable jobs, normalised, and a note
of the skipped ones. It takes plain data, decoded from JSON, and imports
nothing of the HTTP client. The listing's names used to live in
:mod:`xrt_widgets.protocol`, which still gives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .products import LONG_NAMES
from .protocol import ReplyShapeError, excerpt, parse_job_id

__all__ = ["LISTING_PRODUCTS", "ListingResult", "parse_flag", "parse_jobs", "parse_listing"]

#: The product columns of a ``listOldJobs`` entry. The listing has no SourceDet column.
LISTING_PRODUCTS: tuple[str, ...] = tuple(name for name in LONG_NAMES if name != "SourceDet")

_YES = frozenset({"1", "true"})
_NO = frozenset({"0", "false"})


def parse_jobs(data: dict[str, Any]) -> list[Any]:
    """The ``jobs`` list of a ``listOldJobs.php`` reply, its entries unchecked.

    Parameters
    ----------
    data : dict

    Returns
    -------
    list

    Raises
    ------
    ReplyShapeError
        If ``jobs`` is not a list.

    See Also
    --------
    parse_listing : checks the entries.
    """
    jobs = data.get("jobs")
    if not isinstance(jobs, list):
        raise ReplyShapeError(f"'jobs' should be a list, not {excerpt(jobs)}")
    return jobs


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

    jobs: tuple[dict[str, Any], ...]
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


def _entry(raw: Any) -> tuple[dict[str, Any] | None, str, str]:
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


def parse_listing(jobs: list[Any]) -> ListingResult:
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
    good: list[dict[str, Any]] = []
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
