"""Every status code of the UKSSDC protocol, as one table of data.

Four families are listed:

``CANCEL_RESULT``
    the overall result of ``cancelProducts`` (-1, 0, 1, 2);
``CANCEL_CODE``
    the per-product cancel code (0-4);
``BUILD_STATUS``
    the product build status from ``checkProductStatus`` (-10, -4..-1, 1..5
    and ``None``);
``LOCAL``
    states the panel shows before the server has said anything.

For each code: its meaning in words, a short label, an icon, a tone, a
colour, a stable slug (used in CSS classes) and whether it is terminal
(nothing left to cancel). Everything that shows a status looks it up here;
no other module decides what a number means.

The colours are light tints of the Okabe-Ito palette, which stays
distinguishable under the common colour-vision deficiencies; they are always
paired with :data:`TEXT_COLOUR` (near-black), so a row reads the same on a
light and a dark theme, and never carry meaning alone (each code also has a
word and an icon).

A product's current state is a :class:`Status`: a frozen value saying which
family its code belongs to, the code, the server's own words and when and
from what it was learned. Views show its :attr:`~Status.words`, one status
worded for a person; the number and its family are secondary
(:attr:`~Status.raw`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "Code",
    "TONES",
    "TEXT_COLOUR",
    "CANCEL_RESULT",
    "CANCEL_CODE",
    "BUILD_STATUS",
    "LOCAL",
    "FAMILIES",
    "lookup",
    "derive_ok",
    "Status",
    "ALREADY_CANCELLED",
    "NOT_CHECKED",
    "NOT_SUBMITTED",
]

#: Tone -> background colour (Okabe-Ito tints) used when a code has no colour of its own.
TONES: dict[str, str] = {
    "success": "#b8e3d2",  # bluish green #009E73
    "warning": "#f7dc9c",  # orange #E69F00
    "danger": "#f1bfa0",  # vermillion #D55E00
    "info": "#bfe1f5",  # sky blue #56B4E9
    "progress": "#b3cfe6",  # blue #0072B2
    "neutral": "#dedede",
}

#: The background of a row whose status nobody has asked yet: paler than any answer.
UNCHECKED_COLOUR = "#f3f3f3"

#: Text colour drawn on every status colour (contrast >= 10:1 on each of them).
TEXT_COLOUR = "#1b1b1b"


@dataclass(frozen=True)
class Code:
    """What one status code means, and how it is shown."""

    family: str
    value: int | None
    label: str
    meaning: str
    tone: str
    icon: str
    slug: str
    terminal: bool
    colour: str = ""

    def __post_init__(self) -> None:
        if not self.colour:
            object.__setattr__(self, "colour", TONES[self.tone])

    @property
    def known(self) -> bool:
        """Whether the code is one the protocol defines."""
        return not self.slug.startswith("unknown-code")


_Value = TypeVar("_Value", bound="int | None")


def _table(family: str, rows: list[tuple[_Value, str, str, str, str, str, bool]]) -> dict[_Value, Code]:
    """A code table from rows of (value, label, meaning, tone, icon, slug, terminal)."""
    return {
        value: Code(family, value, label, meaning, tone, icon, slug, terminal)
        for value, label, meaning, tone, icon, slug, terminal in rows
    }


CANCEL_RESULT: dict[int, Code] = _table(
    "cancel_result",
    [
        (
            -1,
            "HTTP error",
            "The request was not sent, was rejected, or its reply could not be understood.",
            "danger",
            "⚠",
            "http-error",
            False,
        ),
        (
            0,
            "Not cancelled",
            "The server received the request, but nothing was cancelled.",
            "warning",
            "⊘",
            "not-cancelled",
            False,
        ),
        (1, "Cancelled", "Every requested product was cancelled.", "success", "✔", "ok", True),
        (
            2,
            "Partly cancelled",
            "The request was processed, but not every requested product was cancelled.",
            "info",
            "◐",
            "partial",
            False,
        ),
    ],
)

CANCEL_CODE: dict[int, Code] = _table(
    "cancel_code",
    [
        (0, "Cancelled", "Success: the job was cancelled.", "success", "✔", "cancelled", True),
        (1, "Finished", "Not cancelled: most likely it has already completed.", "neutral", "■", "finished", True),
        (
            2,
            "No record",
            "Not cancelled: no record of this product could be found for this JobID.",
            "warning",
            "?",
            "no-record",
            True,
        ),
        (3, "Not cancelled", "Not cancelled, reason unknown.", "danger", "✖", "unknown-reason", False),
        (
            4,
            "Status unknown",
            "An error occurred: we can't tell whether or not the job was cancelled.",
            "danger",
            "⚠",
            "status-unknown",
            False,
        ),
    ],
)

BUILD_STATUS: dict[int | None, Code] = _table(
    "build_status",
    [
        (-10, "No status", "The server returned no status for this product.", "warning", "?", "no-status", False),
        (-4, "Cancelled", "Cancelled by the user.", "success", "✔", "cancelled", True),
        (-3, "No product", "The job ran but produced no product.", "danger", "∅", "no-product", True),
        (
            -2,
            "Queue failed",
            "Internal error: adding the job to the queue failed.",
            "danger",
            "✖",
            "queue-failed",
            True,
        ),
        (-1, "Failed", "Internal error: the job could not even be requested.", "danger", "✖", "failed", True),
        (1, "Requested", "Requested, not yet queued.", "info", "…", "requested", False),
        (2, "Queued", "In the processing queue.", "info", "◔", "queued", False),
        (3, "Running", "Running; progress may be available.", "progress", "▶", "running", False),
        (4, "Complete", "Complete: products available.", "neutral", "■", "complete", True),
        (5, "Waiting", "Astrometric position only: waiting for the standard position.", "info", "‖", "waiting", False),
        (None, "Not in job", "The job has no such product (unknown status).", "warning", "?", "not-in-job", True),
    ],
)

LOCAL: dict[str, Code] = {
    code.slug: code
    for code in [
        Code(
            "local",
            None,
            "Not checked",
            "No status has been asked of the server yet.",
            "neutral",
            "·",
            "not-checked",
            False,
            colour=UNCHECKED_COLOUR,
        ),
        Code(
            "local",
            None,
            "Not submitted",
            "The request has not been submitted: nothing runs on the server.",
            "neutral",
            "○",
            "not-submitted",
            False,
            colour=UNCHECKED_COLOUR,
        ),
    ]
}

#: Family name -> its table. The keys differ by family (ints, None, slugs); a lookup takes any value.
FAMILIES: dict[str, Mapping[Any, Code]] = {
    "cancel_result": CANCEL_RESULT,
    "cancel_code": CANCEL_CODE,
    "build_status": BUILD_STATUS,
    "local": LOCAL,
}


def lookup(family: str, value: object) -> Code:
    """Return the :class:`Code` for ``value`` in ``family``.

    A value the protocol does not define gives a "danger" code whose slug is
    ``unknown-code`` and which is never terminal, so that nothing is ever
    shown as finished or cancelled on the strength of a code we do not know.

    Parameters
    ----------
    family : str
        One of ``"cancel_result"``, ``"cancel_code"``, ``"build_status"``,
        ``"local"``.
    value : int, None or str
        The code (a slug for the ``local`` family).
    """
    table = FAMILIES[family]
    if isinstance(value, bool):  # True == 1 must not pass for a code
        value = repr(value)
    try:
        return table[value]
    except (KeyError, TypeError):
        shown = str(value)[:40]
        return Code(
            family,
            None,
            f"Code {shown}",
            f"The server sent code {shown}, which this version does not know.",
            "danger",
            "⚠",
            "unknown-code",
            False,
        )


def derive_ok(codes: Iterable[object]) -> int:
    """The overall cancel result from per-product cancel codes.

    All 0 gives 1 (cancelled as asked), some 0 gives 2 (partial), none 0
    gives 0 (nothing cancelled). An empty set of codes gives 0.
    """
    codes = list(codes)
    cancelled = sum(1 for c in codes if c == 0 and not isinstance(c, bool))
    if codes and cancelled == len(codes):
        return 1
    if cancelled:
        return 2
    return 0


#: The note of a product known to be cancelled whose later cancel answered code 1.
ALREADY_CANCELLED = "already cancelled"

_STATUS_FAMILIES = ("build_status", "cancel_code", "local")
_SOURCES = ("cancel", "status", "local")


@dataclass(frozen=True)
class Status:
    """What is known of one product now: a code of one family, the server's words, and where they came from.

    Built once, checked once (a value that breaks the rules below raises
    ``ValueError`` or ``TypeError`` here, never later in a view).

    Attributes
    ----------
    family : str
        ``"build_status"`` (from a status request), ``"cancel_code"`` (from
        a cancel) or ``"local"`` (nothing asked of the server yet).
    code : int, None or str
        The code: an int (or None, "not in job") for a build status, an int
        0-4 for a cancel code, a slug of :data:`LOCAL` for a local state.
    text : str
        The server's own text ('' for a local state).
    progress_text : str
        The product's progress steps as text ('' when there are none).
    learned : float
        ``time.time()`` when the server said it (0 for a local state).
    source : str
        ``"cancel"``, ``"status"`` or ``"local"``: the kind of request that told.
    note : str
        Why the status reads as it does, e.g. :data:`ALREADY_CANCELLED`.
    """

    family: str
    code: int | str | None
    text: str = ""
    progress_text: str = ""
    learned: float = 0.0
    source: str = "local"
    note: str = ""

    def __post_init__(self) -> None:
        if self.family not in _STATUS_FAMILIES:
            raise ValueError(f"family must be one of {_STATUS_FAMILIES}, not {self.family!r}")
        if self.source not in _SOURCES:
            raise ValueError(f"source must be one of {_SOURCES}, not {self.source!r}")
        for name in ("text", "progress_text", "note"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str, not {type(getattr(self, name)).__name__}")
        if isinstance(self.learned, bool) or not isinstance(self.learned, (int, float)) or self.learned < 0:
            raise ValueError(f"learned must be a time in seconds, not {self.learned!r}")
        code = self.code
        if self.family == "local":
            if code not in LOCAL:
                raise ValueError(f"a local status is one of {sorted(LOCAL)}, not {code!r}")
        elif isinstance(code, bool) or not (isinstance(code, int) or (code is None and self.family == "build_status")):
            # A build status the protocol does not define is kept (it is shown as unknown, never final);
            # anything but an int is not a code at all.
            raise TypeError(f"a {self.family.replace('_', ' ')} is an int, not {code!r}")
        elif self.family == "cancel_code" and code not in CANCEL_CODE:
            raise ValueError(f"a cancel code is one of 0-4, not {code!r}")
        if self.note == ALREADY_CANCELLED and (self.family, self.code) != ("cancel_code", 1):
            raise ValueError("only a cancel that answered code 1 can be noted as already cancelled")

    @property
    def cancelled(self) -> bool:
        """Whether the server said the product is cancelled (code 0, build status -4, or already cancelled)."""
        return (self.family, self.code) in (("cancel_code", 0), ("build_status", -4)) or self.note == ALREADY_CANCELLED

    @property
    def info(self) -> Code:
        """The :class:`Code` the status is shown with.

        That is :func:`lookup` of the family and code, except for a product
        already cancelled: its code 1 ("not cancelled, probably finished")
        answers a second cancel, so it is shown as the cancellation it is.
        """
        if self.note == ALREADY_CANCELLED:
            return CANCEL_CODE[0]
        return lookup(self.family, self.code)

    @property
    def slug(self) -> str:
        """The slug of :attr:`info`, for CSS classes."""
        return self.info.slug

    @property
    def label(self) -> str:
        """The short label of :attr:`info` ("Running", "Cancelled", ...)."""
        return self.info.label

    @property
    def icon(self) -> str:
        """The icon of :attr:`info`."""
        return self.info.icon

    @property
    def colour(self) -> str:
        """The background colour of :attr:`info`."""
        return self.info.colour

    @property
    def terminal(self) -> bool:
        """Whether nothing is left to cancel, as far as is known.

        A cancel code other than 0 is the server's guess ("most likely it
        has already completed"), not a build status: until a status request
        confirms it, the product is not taken as final, so a refresh still
        asks about it.
        """
        if self.family == "cancel_code":
            return self.cancelled
        return self.info.terminal

    @property
    def words(self) -> str:
        """One status worded for a person: "Running", "Cancelled (already cancelled)", "Not cancelled: ..."."""
        if self.note == ALREADY_CANCELLED:
            return f"Cancelled ({ALREADY_CANCELLED})"
        info = self.info
        # for a cancel code, "Finished" alone would claim what the server only guessed
        words = info.meaning.rstrip(".") if self.family == "cancel_code" and self.code != 0 else info.label
        return f"{words} ({self.note})" if self.note else words

    @property
    def raw(self) -> str:
        """The code and its family, as secondary text: "cancel code 1", "build status 3" ('' when local)."""
        if self.family == "local":
            return ""
        return f"{self.family.replace('_', ' ')} {self.code}"


#: A submitted job's product that nobody has asked the server about yet.
NOT_CHECKED = Status("local", "not-checked")
#: A product of a request that has not been submitted.
NOT_SUBMITTED = Status("local", "not-submitted")
