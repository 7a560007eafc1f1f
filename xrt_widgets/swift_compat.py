"""What the adapter relies on inside swifttools' ``XRTProductRequest``, kept in one place.

swifttools answers a cancel or a status request with plain data that leaves
out facts we need: whether an exception came from the server's side or from
a wrong call, and which job the reply was about. Both are read here from its
internals (the frames of a traceback; its ``_submitAPICall`` method), so
that a new swifttools version has one module to check. Nothing here imports
swifttools.

The versions in :data:`TESTED_SWIFTTOOLS` are each installed in a venv of their
own by ``tests/packaging/test_version_matrix.py`` and run the compatibility
tests. Between them the ``xrt_prods`` module differs only in the order of its
imports: the same module path (``swifttools.ukssdc.xrt_prods``, with
``swifttools.xrt_prods`` re-exporting it), the same private attributes
(``_baseURL``, ``_submitAPICall``, ``jsonDict`` built before sending) and the
same API version (1.12), so no version needs a branch of its own here;
``tests/integration/test_swifttools_internals.py`` checks each of those facts.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["TESTED_SWIFTTOOLS", "ReplyWatch", "raised_after_sending", "watch_reply"]

#: The swifttools releases the version matrix runs against: the last 3.0, the first and the newest 4.0.
TESTED_SWIFTTOOLS = ("3.0.24", "4.0.0", "4.0.5")

#: The method of swifttools' request that sends every call and returns the decoded reply.
_SEND = "_submitAPICall"


def raised_after_sending(exc: BaseException) -> bool:
    """Whether swifttools raised ``exc`` once its own checks of the call had passed.

    swifttools (3.0.24 to 4.0.5) raises RuntimeError and ValueError both for a wrong
    call (not submitted, already finished, an unknown product) and for a
    bad reply (no ``OK``, not JSON, a status code that is not a number).
    Its checks of the call all come before it builds the request body
    (``jsonDict``) and sends it (``_submitAPICall``), so an exception whose
    traceback passes through either came from the server's side.

    Parameters
    ----------
    exc : BaseException
        An exception raised by a swifttools request method, with its traceback.

    Returns
    -------
    bool
    """
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == _SEND or "jsonDict" in frame.f_locals:
            return True
        tb = tb.tb_next
    return False


class ReplyWatch:
    """The reply a swifttools request decoded during one call (``reply``: a dict, or None if none was seen)."""

    def __init__(self, request: Any) -> None:
        self.request = request
        self.reply: dict[str, Any] | None = None


# Why wrap ``_submitAPICall``: swifttools' cancelProducts and checkProductStatus keep the reply's JobID to
# themselves, and every call they make goes through that one method, which returns the decoded reply with
# everything but ``OK`` and ``APIVersion`` in it. Shadowing it on the instance (an instance attribute is found
# before the class's method) shows that dict without re-implementing swifttools' call or its checks, and
# without patching ``requests.post``, which other code in the kernel shares. The shadow is installed while at
# least one call on the request is being watched and then removed (an attribute of the instance's own, if it
# had one, is put back). It records into the watch of the thread that made the call, so calls on one request
# from several threads each see their own reply and never wait for one another.
_LOCK = threading.Lock()
_INSTALLED: dict[int, list[Any]] = {}  # id(request) -> [calls watched now, its own attribute or _NOTHING]
_THREAD = threading.local()
_NOTHING = object()


def _shadow(request: Any, original: Any) -> Any:
    def send(*args: Any, **kwargs: Any) -> Any:
        reply = original(*args, **kwargs)
        watch = getattr(_THREAD, "watch", None)
        if watch is not None and watch.request is request:
            watch.reply = reply if isinstance(reply, dict) else None
        return reply

    return send


@contextlib.contextmanager
def watch_reply(request: Any) -> Iterator[ReplyWatch]:
    """While the block runs, record the reply that ``request`` decodes in this thread.

    Parameters
    ----------
    request : swifttools.ukssdc.xrt_prods.XRTProductRequest
        The request whose next call is watched.

    Yields
    ------
    ReplyWatch
        Its ``reply`` is the last reply decoded by a call made in the block
        (None when no call reached the server, or the request has no
        ``_submitAPICall`` to watch).
    """
    watch = ReplyWatch(request)
    if not callable(getattr(request, _SEND, None)) or not hasattr(request, "__dict__"):
        yield watch
        return
    with _LOCK:
        # Keyed by id: the entry lives only while a call is watched, and the request outlives its own call.
        entry = _INSTALLED.get(id(request))
        if entry is None:
            own = vars(request).get(_SEND, _NOTHING)
            setattr(request, _SEND, _shadow(request, getattr(request, _SEND)))
            entry = _INSTALLED[id(request)] = [0, own]
        entry[0] += 1
    outer = getattr(_THREAD, "watch", None)
    _THREAD.watch = watch
    try:
        yield watch
    finally:
        _THREAD.watch = outer
        with _LOCK:
            entry[0] -= 1
            if entry[0] == 0:
                del _INSTALLED[id(request)]
                if entry[1] is _NOTHING:
                    vars(request).pop(_SEND, None)
                else:
                    setattr(request, _SEND, entry[1])
