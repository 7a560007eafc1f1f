"""Reading untrusted server text: escaping, the progress whitelist, error pages and tag stripping.

Everything the service sends may be hostile, and all of it is read on the
kernel's thread, so every function here runs in time linear in its input:
none uses a regular expression that can backtrack over the text, and none
rescans it in a loop until nothing changes. Error pages are first cut to a
short prefix, since only their first words end up in a message. This
module uses the standard library only and knows nothing of widgets, so the
client can use it as well as the views.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Iterator
from typing import Any

__all__ = ["PAGE_PREFIX", "escape", "html_to_text", "render_progress", "render_progress_lines", "strip_tags"]

#: How many characters of an error page are read at most; its message is in its first few hundred.
PAGE_PREFIX = 16 * 1024

# Each match is a fixed literal around one of three names: nothing to backtrack over, one pass.
_INLINE_TAG = re.compile(r"&lt;(/?)(em|strong|code)&gt;")
# How a token of _INLINE_TAG is written back: split in two, its "<" or "</" and its name with ">".
_START_TAG = {"": "<", "/": "</"}
_START_TEXT = {"": "&lt;", "/": "&lt;/"}
_END_TAG = {"em": "em>", "strong": "strong>", "code": "code>"}
_END_TEXT = {"em": "em&gt;", "strong": "strong&gt;", "code": "code&gt;"}
_WHITESPACE = re.compile(r"\s+")
# Tag names are ASCII; str.lower() could change the length of the text (e.g. "İ") and shift every index.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Elements whose content is not page text: <head> only repeats the status line in its <title>.
_DROPPED_ELEMENTS = ("head", "script", "style")


def escape(text: Any) -> str:
    """Escape untrusted text for an HTML widget, quotes included.

    Parameters
    ----------
    text : Any
        The text; anything else is converted with :func:`str`, and ``None``
        becomes the empty string.

    Returns
    -------
    str
        The text with ``&``, ``<``, ``>``, ``"`` and ``'`` escaped.
    """
    return html.escape("" if text is None else str(text), quote=True)


def render_progress(text: Any) -> str:
    """Escape a progress text, then restore only balanced ``<em>``, ``<strong>`` and ``<code>``.

    Tags with attributes, unbalanced tags and every other element stay
    visible as text. A closing tag pairs with the nearest open tag of its
    name; open tags between the two stay text, so the result is always
    well-nested HTML.

    Parameters
    ----------
    text : Any
        The progress text, as the service sent it (``None`` gives ``""``).

    Returns
    -------
    str
        HTML safe to show in a widget.
    """
    # split gives [text, "/" or "", name, text, "/" or "", name, ..., text]: plain strings, no match objects.
    parts = _INLINE_TAG.split(escape(text))
    if len(parts) == 1:
        return parts[0]
    closings = parts[1::3]
    names = parts[2::3]
    kept: list[int] = []
    unpaired: list[int] = []  # indices of the open tags not yet paired, innermost last
    open_count = dict.fromkeys(_END_TAG, 0)  # so that "is one open?" never walks the stack
    for index, closing in enumerate(closings):
        name = names[index]
        if not closing:
            unpaired.append(index)
            open_count[name] += 1
        elif open_count[name]:
            # Each open tag is pushed and popped once, so all the popping costs linear time overall.
            while True:
                top = unpaired.pop()
                open_count[names[top]] -= 1
                if names[top] == name:
                    kept += (top, index)
                    break
    parts[1::3] = map(_START_TEXT.__getitem__, closings)
    parts[2::3] = map(_END_TEXT.__getitem__, names)
    for index in kept:
        parts[3 * index + 1] = _START_TAG[closings[index]]
        parts[3 * index + 2] = _END_TAG[names[index]]
    return "".join(parts)


_ACTIVE = " - ACTIVE"
_DONE = " - DONE"


def _progress_line(line: str) -> str:
    """One line of a progress text as HTML: the active step in bold with "active" in words."""
    step = line.lstrip(" ")
    indent = line[: len(line) - len(step)]
    body = step.rstrip()
    if len(body) > 4 and body.startswith("**") and body.endswith("**"):
        label, marker, extra = body[2:-2].strip().rpartition(_ACTIVE)
        if marker and (not extra or extra.startswith(" -- ")):
            extra = extra[4:].strip()
            note = f": {render_progress(extra)}" if extra else ""
            return f'{indent}<strong class="xrtw-step-active">{render_progress(label.strip())}</strong> (active{note})'
    if body.endswith(_DONE):
        return f"{indent}{render_progress(body[: -len(_DONE)])} (done)"
    return indent + render_progress(step)


def render_progress_lines(text: Any) -> str:
    """A progress text as swifttools lays it out (one step a line), as safe HTML for a ``pre-wrap`` block.

    The active step, which swifttools marks ``** label - ACTIVE -- extra**``,
    is shown in bold and followed by "(active: extra)" in words; a finished
    one, marked ``label - DONE``, by "(done)". Every other character is
    escaped as :func:`render_progress` does. Each line is read once, so the
    time taken is linear in the text.

    Parameters
    ----------
    text : Any
        The progress text (``None`` gives ``""``).

    Returns
    -------
    str
        HTML safe to show in a widget; lines are kept as newlines.
    """
    return "\n".join(_progress_line(line) for line in ("" if text is None else str(text)).strip("\n").split("\n"))


def _dropped_element(lower: str, at: int) -> str | None:
    """The name of a head/script/style element whose start tag begins at ``lower[at]``, else None."""
    for name in _DROPPED_ELEMENTS:
        if lower.startswith(name, at + 1):
            after = at + 1 + len(name)
            if after == len(lower) or not (lower[after].isalnum() or lower[after] == "_"):
                return name
    return None


def _end_of_element(lower: str, name: str, start: int) -> int:
    """The index just past the ``</name\\s*>`` that closes an element, or -1 when none does."""
    needle = "</" + name
    found = lower.find(needle, start)
    while found >= 0:
        after = found + len(needle)
        while after < len(lower) and lower[after].isspace():
            after += 1
        if after < len(lower) and lower[after] == ">":
            return after + 1
        found = lower.find(needle, after)  # resumes past what was read: no character is read twice
    return -1


def _outside_tags(text: str, *, drop_elements: bool) -> Iterator[str]:
    """The runs of ``text`` between tags; a tag that never ends takes the rest of the text with it.

    Every ``<`` starts a tag that runs to the next ``>``. With
    ``drop_elements``, a head, script or style element goes with its
    content, and one that is never closed takes the rest of the text.
    """
    lower = text.translate(_ASCII_LOWER) if drop_elements else text
    position = 0
    while True:
        start = text.find("<", position)
        if start < 0:
            yield text[position:]
            return
        yield text[position:start]
        name = _dropped_element(lower, start) if drop_elements else None
        if name is not None:
            position = _end_of_element(lower, name, start + 1 + len(name))
        else:
            end = text.find(">", start + 1)
            position = end + 1 if end >= 0 else -1
        if position < 0:
            return


def html_to_text(text: Any, limit: int = 200) -> str:
    """A short plain-text excerpt of an HTML error page, for an error message.

    Only the first :data:`PAGE_PREFIX` characters are read. Head, script
    and style elements are dropped with their content, other tags are
    dropped, entities are decoded, and runs of whitespace become one space.
    A tag or element that is never closed drops the rest of the page.

    Parameters
    ----------
    text : Any
        The page (``None`` gives ``""``).
    limit : int, optional
        At most this many characters are kept; a longer text is cut and
        ends with "…".

    Returns
    -------
    str
        Plain text, not escaped: entities such as ``&lt;`` are decoded, so
        the result must be escaped before it is shown as HTML.
    """
    page = ("" if text is None else str(text))[:PAGE_PREFIX]
    words = html.unescape(" ".join(_outside_tags(page, drop_elements=True)))
    words = _WHITESPACE.sub(" ", words).strip()
    return words[:limit] + ("…" if len(words) > limit else "")


def strip_tags(text: str) -> str:
    """``text`` without its tags, each ``<`` to the next ``>``; entities are left as they are.

    A ``<`` with no ``>`` after it starts a tag that never ends, so the
    rest of the text goes, and the result never contains ``<``.

    Parameters
    ----------
    text : str
        HTML.

    Returns
    -------
    str
        The text between the tags.
    """
    return "".join(_outside_tags(text, drop_elements=False))
