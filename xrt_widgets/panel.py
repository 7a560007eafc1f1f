"""``xrt_widgets.panel``: the old import path of :class:`CancelPanel`, kept so that users' imports work.

The panel lives in :mod:`xrt_widgets.ui.panel`; the request adapter in
:mod:`xrt_widgets.adapter`; escaping and the stylesheet in
:mod:`xrt_widgets.ui.html`.
"""

from __future__ import annotations

from .adapter import RequestAdapter
from .ui.html import escape, render_progress, stylesheet
from .ui.panel import CancelPanel

__all__ = ["CancelPanel", "RequestAdapter", "escape", "render_progress", "stylesheet"]
