"""Typed outcomes of the two actions on a job: a cancel and a status request, built once and checked once.

A :class:`CancelOutcome` or :class:`StatusOutcome` is what
:class:`~xrt_widgets.adapter.RequestAdapter` makes of one call of ours or
swifttools' request, whatever the server or the network did. It is frozen
and validated when it is built (``ValueError`` or ``TypeError`` for values
that break its rules), so that :class:`~xrt_widgets.jobs.JobState` and the
views trust it without checking again. It lives in a module of its own,
apart from the adapter, so that the job state and the tests can use it
without importing the HTTP client.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import codes
from .codes import Status
from .products import in_order, resolve

__all__ = ["ProductAnswer", "CancelOutcome", "StatusOutcome", "frozen_copy", "plain_copy"]


def frozen_copy(value: Any) -> Any:
    """A read-only deep copy of plain data: dicts become mapping proxies, lists tuples.

    Parameters
    ----------
    value : Any
        JSON-like data (dicts, lists, strings, numbers, None).

    Returns
    -------
    Any
        The same data, which no caller can change in place.
    """
    if isinstance(value, Mapping):
        return types.MappingProxyType({key: frozen_copy(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(frozen_copy(item) for item in value)
    return copy.deepcopy(value)


def plain_copy(value: Any) -> Any:
    """The inverse of :func:`frozen_copy`: mappings become dicts and tuples lists, in a new copy.

    Parameters
    ----------
    value : Any
        Data made by :func:`frozen_copy` (or any JSON-like data).

    Returns
    -------
    Any
        Plain dicts and lists that the caller owns.
    """
    if isinstance(value, Mapping):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_copy(item) for item in value]
    return copy.deepcopy(value)


def _asked(names: Any) -> tuple[str, ...]:
    """Long names, in product order, from long or short names; repeats dropped."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise TypeError(f"asked must be a tuple of product names, not {type(names).__name__}")
    return tuple(p.long for p in in_order(resolve(n) for n in names))


def _check_time(learned: Any) -> None:
    if isinstance(learned, bool) or not isinstance(learned, (int, float)) or learned < 0:
        raise ValueError(f"learned must be a time in seconds, not {learned!r}")


def _check_text(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a str or None, not {type(value).__name__}")


@dataclass(frozen=True)
class ProductAnswer:
    """One product's answer to a cancel.

    Attributes
    ----------
    code : int
        The cancel code, 0-4 (:data:`xrt_widgets.codes.CANCEL_CODE`).
    text : str
        The server's text, or the code's meaning when it sent none.
    """

    code: int
    text: str

    def __post_init__(self) -> None:
        if isinstance(self.code, bool) or not isinstance(self.code, int) or self.code not in codes.CANCEL_CODE:
            raise ValueError(f"a cancel code is one of 0-4, not {self.code!r}")
        if not isinstance(self.text, str):
            raise TypeError(f"text must be a str, not {type(self.text).__name__}")


@dataclass(frozen=True)
class CancelOutcome:
    """What one cancel request did: the overall result and each product's answer, or why there is none.

    Attributes
    ----------
    asked : tuple of str
        The long names asked for, in product order (short names are accepted and turned into long ones).
    ok : int
        The overall result, -1, 0, 1 or 2 (:data:`xrt_widgets.codes.CANCEL_RESULT`), derived from the
        codes whenever the server answered, for swifttools' request too.
    answers : Mapping[str, ProductAnswer]
        Each asked product's answer; empty when there is an ``error``.
    error : str or None
        Why there are no answers: for ok -1 a message naming the URL; for ok 0 the service's refusal
        in its own words. None when the server answered.
    url : str or None
        The endpoint's URL, without any ``user:password@`` part (None when the request tells none).
    reconciled : Mapping[str, Mapping]
        For a cancel whose first reply was lost: long name -> ``{"server": the server's own answer,
        "note": why the answer returned differs}``.
    learned : float
        ``time.time()`` when the reply was read (or the call failed).
    """

    asked: tuple[str, ...]
    ok: int
    answers: Mapping[str, ProductAnswer] = field(default_factory=dict)
    error: str | None = None
    url: str | None = None
    reconciled: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    learned: float = 0.0

    def __post_init__(self) -> None:
        asked = _asked(self.asked)
        object.__setattr__(self, "asked", asked)
        if isinstance(self.ok, bool) or not isinstance(self.ok, int) or self.ok not in codes.CANCEL_RESULT:
            raise ValueError(f"ok is one of -1, 0, 1, 2, not {self.ok!r}")
        _check_text("error", self.error)
        _check_text("url", self.url)
        _check_time(self.learned)
        if not isinstance(self.answers, Mapping) or not isinstance(self.reconciled, Mapping):
            raise TypeError("answers and reconciled must be mappings")
        for name, answer in self.answers.items():
            if not isinstance(answer, ProductAnswer):
                raise TypeError(f"the answer for {name} must be a ProductAnswer, not {type(answer).__name__}")
        if self.error is not None:
            if self.ok not in (-1, 0):
                raise ValueError(f"an outcome with an error has ok -1 or 0, not {self.ok}")
            if self.answers or self.reconciled:
                raise ValueError("an outcome with an error has no answers")
        else:
            if self.ok == -1:
                raise ValueError("ok -1 needs an error saying what failed")
            if set(self.answers) != set(asked):
                raise ValueError(f"the answers are about {sorted(self.answers)}, not what was asked: {list(asked)}")
            derived = codes.derive_ok(a.code for a in self.answers.values())
            if self.ok != derived:
                raise ValueError(f"ok is {self.ok}, but the codes give {derived}")
            unknown = set(self.reconciled) - set(asked)
            if unknown:
                raise ValueError(f"reconciled names products not asked: {sorted(unknown)}")
        object.__setattr__(
            self, "answers", types.MappingProxyType({n: self.answers[n] for n in asked if n in self.answers})
        )
        object.__setattr__(self, "reconciled", frozen_copy(self.reconciled))

    def as_pair(self) -> tuple[int, dict[str, Any]]:
        """The documented ``(ok, perProduct)`` pair of ``cancelProducts``, as new plain dicts.

        Returns
        -------
        (int, dict)
            ``(ok, {"ERROR": error})`` when there is an error, else ``(ok, {long name: {"code": int,
            "text": str}})`` in product order.
        """
        if self.error is not None:
            return (self.ok, {"ERROR": self.error})
        return (self.ok, {name: {"code": a.code, "text": a.text} for name, a in self.answers.items()})


@dataclass(frozen=True)
class StatusOutcome:
    """What one status request said: each asked product's build status, or why there is none.

    Attributes
    ----------
    asked : tuple of str
        The long names asked for, in product order.
    statuses : Mapping[str, Status]
        A ``build_status`` :class:`~xrt_widgets.codes.Status` learned from a status request for every
        product asked (-10 for a product the server did not report); empty when there is an ``error``.
    error : str or None
        Why there are no statuses (naming the URL when the call or its reply failed), else None.
    url : str or None
        The endpoint's URL, without any ``user:password@`` part.
    learned : float
        ``time.time()`` when the reply was read (or the call failed).
    """

    asked: tuple[str, ...]
    statuses: Mapping[str, Status] = field(default_factory=dict)
    error: str | None = None
    url: str | None = None
    learned: float = 0.0

    def __post_init__(self) -> None:
        asked = _asked(self.asked)
        object.__setattr__(self, "asked", asked)
        _check_text("error", self.error)
        _check_text("url", self.url)
        _check_time(self.learned)
        if not isinstance(self.statuses, Mapping):
            raise TypeError("statuses must be a mapping")
        for name, status in self.statuses.items():
            if not isinstance(status, Status) or (status.family, status.source) != ("build_status", "status"):
                raise TypeError(f"the status of {name} must be a build-status Status from a status request")
        if self.error is not None and self.statuses:
            raise ValueError("an outcome with an error has no statuses")
        if self.error is None and set(self.statuses) != set(asked):
            raise ValueError(f"the statuses are about {sorted(self.statuses)}, not what was asked: {list(asked)}")
        object.__setattr__(
            self, "statuses", types.MappingProxyType({n: self.statuses[n] for n in asked if n in self.statuses})
        )
