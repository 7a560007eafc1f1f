"""A product's progress, as a status reply gives it, turned into the indented text swifttools shows.

A status reply carries, for a product being built, a ``progress`` object:
a ``PreProgress`` line, nested ``ProgressSteps`` (each with a label, a
state and perhaps sub-steps) and the time the job has been running.
:func:`build_progress_text` lays it out one step a line, as swifttools'
``progressText`` does, for the request's ``checkProductStatus`` and for the
adapter that reads swifttools' requests. It is pure and imports nothing
of the HTTP client, so that views can use it without loading ``requests``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NO_PROGRESS", "MAX_DEPTH", "build_progress_text"]

#: The text for a product that reports no progress (the words swifttools uses).
NO_PROGRESS = "No progress information available"
#: Steps nested deeper than this are not shown.
MAX_DEPTH = 50

_NO_STEP = object()  # what a level's iterator gives once its steps are all read


def build_progress_text(progress: Any) -> str:
    """A readable, indented text of a product's progress (``PreProgress``, nested steps, time running).

    The layout is swifttools' ``progressText`` exactly: the intro line,
    one line per step (each line ending in a newline), then a blank line
    and ``The job has been running for HH:MM:SS`` with a final newline.
    Active steps are marked ``** … - ACTIVE -- extra**`` and finished ones
    ``- DONE``. Anything of the wrong shape is skipped, never raised.
    Steps nested deeper than 50 levels are not shown. For steps decoded
    from a reply, the time taken is linear in their size, however deep or
    long they are.

    Parameters
    ----------
    progress : Any
        A product's ``progress`` object from a status reply.

    Returns
    -------
    str
        One line per step, indented two spaces a level, or "No progress
        information available" when the product reports none (``GotProgress``
        other than 1).
    """
    if not isinstance(progress, dict) or progress.get("GotProgress") != 1:
        return NO_PROGRESS
    lines: list[str] = []
    pre = progress.get("PreProgress")
    if isinstance(pre, str):
        lines.append(pre)

    # An explicit stack of (steps left at this level, depth) instead of recursion: a reply nested
    # deeper than Python's recursion limit must not raise. Below MAX_DEPTH nothing is shown, which
    # also bounds a cycle in a reply built in Python.
    top = progress.get("ProgressSteps")
    pending = [(iter(top), 0)] if isinstance(top, list) else []
    while pending:
        steps, depth = pending[-1]
        step = next(steps, _NO_STEP)
        if step is _NO_STEP:
            pending.pop()
            continue
        if not isinstance(step, dict):
            continue
        label = str(step.get("StepLabel", ""))
        state = step.get("StepStatus")
        indent = "  " * (depth + 1)
        if state == 1:
            extra = step.get("StepExtra")
            extra = f" -- {extra}" if isinstance(extra, (str, int, float)) and extra != "" else ""
            lines.append(f"{indent}** {label} - ACTIVE{extra}**")
        elif state == 2:
            lines.append(f"{indent}{label} - DONE")
        else:
            lines.append(f"{indent}{label}")
        sub = step.get("SubStep")
        if isinstance(sub, list) and depth < MAX_DEPTH:
            pending.append((iter(sub), depth + 1))  # its steps come next, before this level's others
    text = "".join(line + "\n" for line in lines)
    running = progress.get("TimeRunning")
    if isinstance(running, str):
        text += f"\nThe job has been running for {running}\n"
    return text if text else NO_PROGRESS  # swifttools gives "" here; a blank text would say nothing at all
