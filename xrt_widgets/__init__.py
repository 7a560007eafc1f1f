"""xrt_widgets: watch and cancel Swift XRT product-build jobs at the UKSSDC from Jupyter.

The public names are imported lazily, so that ``import xrt_widgets`` costs
almost nothing and a script that only uses the client never imports
ipywidgets:

- :class:`XRTProductRequest` (``xrt_widgets.request``): the swifttools-shaped request;
- :class:`CancelPanel` (``xrt_widgets.panel``): the point-and-click cancel panel;
- :class:`Emulator` (``xrt_widgets.emulator``): a local UKSSDC service for offline use.

(PYTEST_DONT_REWRITE: the package is imported before pytest starts when its pytest plugin
is used from a notebook; asking pytest not to rewrite it keeps that from warning.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

__all__ = [
    "__version__",
    "XRTProductRequest",
    "CancelPanel",
    "JobBoard",
    "Emulator",
    "listOldJobs",
    "countActiveJobs",
    "codes",
    "products",
    "errors",
]

_LAZY = {
    "XRTProductRequest": "xrt_widgets.request",
    "listOldJobs": "xrt_widgets.request",
    "countActiveJobs": "xrt_widgets.request",
    "CancelPanel": "xrt_widgets.panel",
    "JobBoard": "xrt_widgets.board",
    "Emulator": "xrt_widgets.emulator",
}
_SUBMODULES = {"codes", "products", "errors", "client", "request", "panel", "emulator", "board"}

if TYPE_CHECKING:  # pragma: no cover
    from .board import JobBoard
    from .emulator import Emulator
    from .panel import CancelPanel
    from .request import XRTProductRequest, countActiveJobs, listOldJobs


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"xrt_widgets.{name}")
    raise AttributeError(f"module 'xrt_widgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
