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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

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
    value: Optional[int]
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


def _table(family: str, rows: list[tuple]) -> dict:
    return {
        value: Code(family, value, label, meaning, tone, icon, slug, terminal)
        for value, label, meaning, tone, icon, slug, terminal in rows
    }


CANCEL_RESULT: dict[int, Code] = _table(
    "cancel_result",
    [
        (-1, "HTTP error", "The request was not sent, was rejected, or its reply could not be understood.",
         "danger", "⚠", "http-error", False),
        (0, "Not cancelled", "The server received the request, but nothing was cancelled.",
         "warning", "⊘", "not-cancelled", False),
        (1, "Cancelled", "Every requested product was cancelled.", "success", "✔", "ok", True),
        (2, "Partly cancelled", "The request was processed, but not every requested product was cancelled.",
         "info", "◐", "partial", False),
    ],
)

CANCEL_CODE: dict[int, Code] = _table(
    "cancel_code",
    [
        (0, "Cancelled", "Success: the job was cancelled.", "success", "✔", "cancelled", True),
        (1, "Finished", "Not cancelled: most likely it has already completed.", "neutral", "■", "finished", True),
        (2, "No record", "Not cancelled: no record of this product could be found for this JobID.",
         "warning", "?", "no-record", True),
        (3, "Not cancelled", "Not cancelled, reason unknown.", "danger", "✖", "unknown-reason", False),
        (4, "Status unknown", "An error occurred: we can't tell whether or not the job was cancelled.",
         "danger", "⚠", "status-unknown", False),
    ],
)

BUILD_STATUS: dict[Optional[int], Code] = _table(
    "build_status",
    [
        (-10, "No status", "The server returned no status for this product.", "warning", "?", "no-status", False),
        (-4, "Cancelled", "Cancelled by the user.", "success", "✔", "cancelled", True),
        (-3, "No product", "The job ran but produced no product.", "danger", "∅", "no-product", True),
        (-2, "Queue failed", "Internal error: adding the job to the queue failed.", "danger", "✖", "queue-failed", True),
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
        Code("local", None, "Not checked", "No status has been asked of the server yet.",
             "neutral", "·", "not-checked", False, colour=UNCHECKED_COLOUR),
        Code("local", None, "Not submitted", "The request has not been submitted: nothing runs on the server.",
             "neutral", "○", "not-submitted", False, colour=UNCHECKED_COLOUR),
    ]
}

FAMILIES: dict[str, dict] = {
    "cancel_result": CANCEL_RESULT,
    "cancel_code": CANCEL_CODE,
    "build_status": BUILD_STATUS,
    "local": LOCAL,
}


def lookup(family: str, value) -> Code:
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
        return Code(family, None, f"Code {shown}", f"The server sent code {shown}, which this version does not know.",
                    "danger", "⚠", "unknown-code", False)


def derive_ok(codes) -> int:
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
