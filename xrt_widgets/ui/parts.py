"""The small parts views are built from: shared layouts and styles, buttons, HTML lines, closing.

Every standard widget brings a ``Layout`` model of its own, and most a
style model too, unless one is passed in; a view of many rows would send
three models per widget. :class:`Parts` holds one set of layouts and styles
per view, shared by all its widgets, and makes widgets with their CSS
classes given at construction (``_dom_classes``), so that no update message
follows each creation. Visibility is a class (``xrtw-hidden``), so showing
or hiding a line costs one message and no layout model of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets
import traitlets
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_button import ButtonStyle
from ipywidgets.widgets.widget_string import HTMLStyle, LabelStyle

__all__ = ["Parts", "Disclosure", "close_all", "set_classes", "shown", "is_shown", "HIDDEN"]

HIDDEN = "xrtw-hidden"


class Parts:
    """One view's shared layouts and styles, and the factories that use them."""

    def __init__(self) -> None:
        self.auto = widgets.Layout(width="auto")
        self.fill = widgets.Layout(width="100%")
        self.row = widgets.Layout(width="100%")
        self.checkbox_layout = widgets.Layout(width="auto")
        self.html_style = HTMLStyle()
        self.label_style = LabelStyle()
        self.checkbox_style = CheckboxStyle()
        self.button_style = ButtonStyle()
        self.shared: tuple[widgets.Widget, ...] = (
            self.auto,
            self.fill,
            self.row,
            self.checkbox_layout,
            self.html_style,
            self.label_style,
            self.checkbox_style,
            self.button_style,
        )

    def html(self, value: str = "", *classes: str, hidden: bool = False) -> widgets.HTML:
        """An HTML widget with ``classes`` (and hidden, if asked) from the start."""
        return widgets.HTML(
            value, layout=self.auto, style=self.html_style, _dom_classes=tuple(classes) + ((HIDDEN,) if hidden else ())
        )

    def label(self, value: str = "", *classes: str, hidden: bool = False, focusable: bool = False) -> widgets.Label:
        """A line of plain text; ``focusable`` ones take focus from code (``label.focus()``), not from Tab.

        Of the text widgets only a Label takes focus from code: an HTML
        widget's front end focuses an inner element that has no tabindex.
        """
        return widgets.Label(
            value,
            layout=self.auto,
            style=self.label_style,
            _dom_classes=tuple(classes) + ((HIDDEN,) if hidden else ()),
            tabbable=False if focusable else None,
        )

    def button(
        self,
        description: str,
        *classes: str,
        icon: str = "",
        button_style: str = "",
        tooltip: str = "",
        hidden: bool = False,
    ) -> widgets.Button:
        """A Button sized to its label."""
        return widgets.Button(
            description=description,
            icon=icon,
            button_style=button_style,
            tooltip=tooltip,
            layout=self.auto,
            style=self.button_style,
            _dom_classes=tuple(classes) + ((HIDDEN,) if hidden else ()),
        )

    def checkbox(self, description: str, *classes: str) -> widgets.Checkbox:
        """A checkbox labelled ``description`` (plain text)."""
        return widgets.Checkbox(
            value=False,
            description=description,
            indent=False,
            layout=self.checkbox_layout,
            style=self.checkbox_style,
            _dom_classes=tuple(classes),
        )

    def hbox(
        self, children: Iterable[widgets.Widget], *classes: str, hidden: bool = False, layout: Any = None
    ) -> widgets.HBox:
        return widgets.HBox(
            tuple(children), layout=layout or self.fill, _dom_classes=tuple(classes) + ((HIDDEN,) if hidden else ())
        )

    def vbox(self, children: Iterable[widgets.Widget], *classes: str) -> widgets.VBox:
        return widgets.VBox(tuple(children), layout=self.fill, _dom_classes=tuple(classes))


class Disclosure(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no type information
    """A button that shows or hides one widget below it: an ``Accordion`` of one section that the keyboard reaches.

    The header of ipywidgets' Accordion is a ``div`` that only takes clicks:
    Tab never reaches it. Here the header is a Button whose words say what
    it does ("Show history (3)", "Hide history (3)"). ``selected_index``
    (0 open, None closed) and ``titles`` read and write as Accordion's do;
    neither is synced: the button and the content's class carry them.
    """

    selected_index = traitlets.Int(None, allow_none=True, help="0 while the content is shown, None while hidden.")
    titles = traitlets.Tuple(help="(title,): what the content is, e.g. ('History (3)',).")

    def __init__(self, parts: Parts, content: widgets.Widget, title: str, *classes: str) -> None:
        self.content = content
        self.toggle = parts.button(self._words(title, False), "xrtw-disclosure", icon="chevron-right")
        self.toggle.on_click(lambda _b: self.set_trait("selected_index", None if self.selected_index == 0 else 0))
        shown(content, False)  # made hidden, as a rule (hidden=True): then nothing is sent
        super().__init__((self.toggle, content), layout=parts.fill, _dom_classes=tuple(classes), titles=(title,))
        self.observe(self._render, names=["selected_index", "titles"])

    @staticmethod
    def _words(title: str, is_open: bool) -> str:
        return f"{'Hide' if is_open else 'Show'} {title[:1].lower()}{title[1:]}"

    def _render(self, change: Any = None) -> None:
        is_open = self.selected_index is not None
        with self.toggle.hold_sync():
            self.toggle.description = self._words(self.titles[0] if self.titles else "", is_open)
            self.toggle.icon = "chevron-down" if is_open else "chevron-right"
        shown(self.content, is_open)


def set_classes(widget: widgets.Widget, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
    """Change a widget's classes in one assignment (one message, not one per class)."""
    current = tuple(widget._dom_classes)
    dropped = set(remove)
    wanted = [c for c in current if c not in dropped]
    wanted += [c for c in add if c not in wanted]
    if tuple(wanted) != current:
        widget._dom_classes = tuple(wanted)


def shown(widget: widgets.Widget, visible: bool) -> None:
    """Show or hide ``widget`` (one message, only when it changes)."""
    set_classes(widget, remove=(HIDDEN,)) if visible else set_classes(widget, add=(HIDDEN,))


def is_shown(widget: widgets.Widget) -> bool:
    """Whether ``widget`` is not hidden by :func:`shown`."""
    return HIDDEN not in widget._dom_classes


def close_all(widget: widgets.Widget) -> None:
    """Close ``widget`` and every widget model it owns: children, layouts, styles.

    ``Widget.close()`` closes one model; a composite view owns dozens, which
    would otherwise stay alive in the kernel and the page.
    """
    seen: set[int] = set()

    def walk(w: Any) -> None:
        if not isinstance(w, widgets.Widget) or id(w) in seen:
            return
        seen.add(id(w))
        for child in getattr(w, "children", ()) or ():
            walk(child)
        for name in ("layout", "style"):
            walk(getattr(w, name, None))
        if w is widget:
            widgets.Widget.close(w)  # the root may be the caller's own close()
        else:
            w.close()

    walk(widget)
