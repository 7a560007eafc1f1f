"""What the views put inside HTML widgets: escaping, status badges, live lines and the stylesheet.

Every server string is escaped here (:func:`escape`, and
:func:`render_progress_lines`, which keeps only balanced inline markup and
marks the active step in words); both are linear-time functions of
:mod:`xrt_widgets.markup`. The stylesheet is generated from the codes
table and ships inside each view, so rows are coloured in JupyterLab,
Notebook 7 and Voila without any CSS from the user.

Colours follow the page's theme: text, buttons and borders read
JupyterLab's own variables (``--jp-*``, with light fallbacks where there
are none), and the status tints come in two sets, the codes table's light
tints for light themes and a dark tint of the same hue for dark ones
(``[data-jp-theme-light="false"]``, which Lab, Notebook 7 and Voila set).
Each tint is paired with a text colour at 4.5:1 or better, and focus rings
with 3:1 or better against every background they sit on
(:func:`contrast_ratio`, checked by the unit tests).

A row's colour follows the status element inside it (``.xrtw-row:has(>
.xrtw-status-<slug>)``), so that a changed status costs one widget message:
the status HTML's value and class change together.
"""

from __future__ import annotations

import colorsys
import re
from typing import Any

from .. import codes
from ..codes import Status
from ..markup import escape, render_progress, render_progress_lines

__all__ = [
    "escape",
    "render_progress",
    "render_progress_lines",
    "stylesheet",
    "status_html",
    "header_html",
    "notice_html",
    "live_html",
    "error_html",
    "contrast_ratio",
    "dark_tint",
    "THEMES",
    "ICON_GLYPHS",
    "STATUS_CLASS",
]

#: The class of the element that carries a row's status (and its ``xrtw-status-<slug>``).
STATUS_CLASS = "xrtw-state"

#: Text on dark status tints.
DARK_TEXT = "#f2f2f2"

#: The colours each theme draws with, where JupyterLab has no variable that is readable enough on tints.
#: ``focus`` rings sit 2 px outside their control, on the page or a row's tint; ``check`` fills a ticked box.
THEMES: dict[str, dict[str, str]] = {
    "light": {
        "row-text": codes.TEXT_COLOUR,
        "focus": "#0d47a1",
        "check": "#0d47a1",
        "check-mark": "#ffffff",
        "link": "#0d47a1",
        "danger-bg": "#b3261e",
        "danger-text": "#ffffff",
        "warn-bg": "#8a4b00",
        "warn-text": "#ffffff",
        "active-bg": "#cfdcf2",
        "active-text": "#000000",
    },
    "dark": {
        "row-text": DARK_TEXT,
        "focus": "#8ab4f8",
        "check": "#8ab4f8",
        "check-mark": "#111111",
        "link": "#8ab4f8",
        "danger-bg": "#ff8a80",
        "danger-text": "#1b1b1b",
        "warn-bg": "#ffb74d",
        "warn-text": "#1b1b1b",
        "active-bg": "#35507a",
        "active-text": "#ffffff",
    },
}

#: JupyterLab's variables, with the light theme's values as fallbacks where the page defines none.
_JP = {
    "fg": "var(--jp-ui-font-color0,#000)",
    "bg": "var(--jp-layout-color0,#fff)",
    "button-bg": "var(--jp-layout-color2,#eee)",
    "border": "var(--jp-border-color1,#bdbdbd)",
    "font": "var(--jp-ui-font-family,system-ui,sans-serif)",
}


#: The Font Awesome 5 code points that ipywidgets 8 draws for the icons our buttons use. The stylesheet
#: draws the same glyph with empty alternative text, so that a button's accessible name is its words only
#: ("Cancel selected", not "\uf05e Cancel selected"); a browser test checks the glyphs still match.
ICON_GLYPHS: dict[str, int] = {
    "arrow-left": 0xF060,
    "ban": 0xF05E,
    "check": 0xF00C,
    "check-square": 0xF14A,
    "check-square-o": 0xF14A,
    "chevron-down": 0xF078,
    "chevron-left": 0xF053,
    "chevron-right": 0xF054,
    "chevron-up": 0xF077,
    "clock-o": 0xF017,
    "filter": 0xF0B0,
    "list": 0xF03A,
    "refresh": 0xF021,
    "square-o": 0xF0C8,
    "times": 0xF00D,
    "trash": 0xF2ED,
}


def _rgb(colour: str) -> tuple[float, float, float]:
    h = colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two opaque ``#rrggbb`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(colour)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def dark_tint(colour: str) -> str:
    """The dark theme's tint for a light status tint: the same hue, dark, a little more saturated.

    Paler tints give darker ones, so "not checked" stays quieter than any answer on both themes.
    """
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    saturation = min(0.6, saturation * 1.2) if saturation > 0.05 else 0.0
    r, g, b = colorsys.hls_to_rgb(hue, 0.4 - 0.25 * lightness, saturation)
    return "#" + "".join(f"{round(c * 255):02x}" for c in (r, g, b))


def _tints() -> dict[str, str]:
    """Slug -> light tint, for every status a row or a summary line can show."""
    seen: dict[str, str] = {}
    for family in ("build_status", "cancel_code", "local"):
        for code in codes.FAMILIES[family].values():
            seen.setdefault(code.slug, code.colour)
    seen.setdefault("unknown-code", codes.TONES["danger"])
    for code in codes.CANCEL_RESULT.values():
        seen.setdefault(code.slug, code.colour)
    for tone, colour in codes.TONES.items():
        seen.setdefault(f"tone-{tone}", colour)
    return seen


def _variables(theme: str, tints: dict[str, str]) -> str:
    colours = THEMES[theme]
    names = [f"--xrtw-{name}:{value}" for name, value in colours.items()]
    for colour in sorted(set(tints.values())):
        names.append(f"--xrtw-tint-{colour.lstrip('#').lower()}:{colour if theme == 'light' else dark_tint(colour)}")
    names.append(f"color-scheme:{theme}")
    return ";".join(names)


def _tint(colour: str) -> str:
    return f"var(--xrtw-tint-{colour.lstrip('#').lower()})"


def _css_icon(icon: str) -> str:
    """A ``content`` value that draws ``icon`` with empty alternative text: screen readers skip it."""
    return "".join(f'"\\{ord(c):x}"' for c in icon) + ' / ""'


def stylesheet() -> str:
    """The views' CSS: theme variables, reflow, focus rings, and one rule per status slug."""
    tints = _tints()
    jp = _JP
    panel = ".xrtw-panel"
    control = f"{panel} input[type=checkbox]"
    rules = [
        # -- theme: light by default, dark where the page says its theme is dark
        f"{panel}{{{_variables('light', tints)}}}",
        f"[data-jp-theme-light=false] {panel}{{{_variables('dark', tints)}}}",
        (
            f"{panel}{{--xrtw-text:var(--xrtw-row-text);color:{jp['fg']};max-width:980px;min-width:0;"
            "box-sizing:border-box}"
        ),
        (
            f"{panel} .widget-html,{panel} .widget-html-content,{panel} .widget-label,{panel} .widget-checkbox label"
            "{color:inherit}"
        ),
        f"{panel} a{{color:var(--xrtw-link);text-decoration:underline}}",
        # -- reflow: boxes wrap, nothing is wider than the panel, text wraps instead of being cut
        f"{panel} .widget-box,{panel} .widget-html,{panel} .widget-html-content{{min-width:0;max-width:100%}}",
        f"{panel} .widget-hbox{{flex-wrap:wrap;gap:4px 6px;align-items:center}}",
        f"{panel} .widget-html-content{{white-space:normal;overflow-wrap:anywhere;line-height:1.4;overflow:visible}}",
        f"{panel} .widget-html{{height:auto}}",
        # -- buttons keep their words: they never shrink below their label, and the row wraps instead
        (
            f"{panel} .jupyter-button{{flex:0 0 auto;width:auto;max-width:100%;height:auto;min-height:28px;"
            f"display:inline-flex;align-items:center;justify-content:center;gap:.4em;padding:2px 10px;"
            f"overflow:visible;white-space:nowrap;line-height:1.3;background:{jp['button-bg']};color:{jp['fg']};"
            f"border:1px solid {jp['border']};border-radius:3px}}"
        ),
        f"{panel} .jupyter-button i.fa{{margin:0;line-height:1;vertical-align:middle}}",
        (
            f"{panel} .jupyter-button.mod-danger{{background:var(--xrtw-danger-bg);color:var(--xrtw-danger-text);"
            "border-color:var(--xrtw-danger-bg)}"
        ),
        (
            f"{panel} .jupyter-button.mod-warning{{background:var(--xrtw-warn-bg);color:var(--xrtw-warn-text);"
            "border-color:var(--xrtw-warn-bg)}"
        ),
        (
            f"{panel} .jupyter-button.mod-active{{background:var(--xrtw-active-bg);color:var(--xrtw-active-text);"
            "box-shadow:none}"
        ),
        f"{panel} .jupyter-button:disabled{{cursor:not-allowed;opacity:.6}}",
        # -- focus: a 2 px ring outside the control, in a colour readable on the page and on every tint
        # (important: ipywidgets' text inputs and selects drop the outline on focus, for a faint border colour)
        (
            f"{panel} :is(button,input,select,textarea,a,[tabindex]):focus-visible"
            "{outline:2px solid var(--xrtw-focus)!important;outline-offset:2px!important;box-shadow:none}"
        ),
        # the summary takes focus from code after an action started by a click: its ring shows without Tab too
        f"{panel} .xrtw-summary:focus{{outline:2px solid var(--xrtw-focus);outline-offset:2px}}",
        # -- checkboxes drawn by the page: a dark box on light tints, a light box on dark ones; final ones dashed
        (
            f"{control}{{appearance:none;-webkit-appearance:none;box-sizing:border-box;width:18px;height:18px;"
            "flex:0 0 18px;margin:0 6px 0 2px;border:2px solid var(--xrtw-row-text);border-radius:3px;"
            "background:transparent;display:inline-grid;place-content:center;cursor:pointer;vertical-align:middle}"
        ),
        (
            f"{control}::before{{content:'';width:10px;height:10px;transform:scale(0);background:var(--xrtw-check-mark);"
            "clip-path:polygon(14% 44%,0 65%,50% 100%,100% 16%,80% 0%,43% 62%)}"
        ),
        f"{control}:checked{{background:var(--xrtw-check);border-color:var(--xrtw-check)}}",
        f"{control}:checked::before{{transform:scale(1)}}",
        (
            f"{control}:disabled,.xrtw-row:has(> .xrtw-final) input[type=checkbox]{{border-style:dashed;"
            "opacity:.55;cursor:not-allowed;background:transparent}"
        ),
        ".xrtw-row:has(> .xrtw-final) input[type=checkbox]{pointer-events:none}",
        f"{panel} .widget-checkbox label{{display:inline-flex;align-items:center;cursor:pointer}}",
        # -- rows: name, then status; the status goes under the name when there is no room beside it
        (
            ".xrtw-row{color:var(--xrtw-row-text);--jp-widgets-color:var(--xrtw-row-text);"
            "--jp-widgets-label-color:var(--xrtw-row-text);--jp-ui-font-color0:var(--xrtw-row-text);"
            "--jp-ui-font-color1:var(--xrtw-row-text);--jp-content-font-color1:var(--xrtw-row-text);border-radius:4px;"
            "padding:2px 8px;margin:1px 0;align-items:flex-start;border-left:6px solid rgba(127,127,127,.6);"
            "flex-wrap:wrap;box-sizing:border-box}"
        ),
        (
            ".xrtw-row .widget-checkbox{width:auto;min-width:min(150px,100%);flex:0 0 auto;font-weight:600;"
            "height:auto;min-height:28px}"
        ),
        f".{STATUS_CLASS}{{flex:1 1 260px;min-width:0}}",
        ".xrtw-badge{display:inline-block;min-width:min(150px,100%);font-weight:600}",
        ".xrtw-raw{font-weight:400;font-size:90%}",
        ".xrtw-text{white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.4;padding-top:2px}",
        (
            ".xrtw-progress{white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.35;"
            "font-family:var(--jp-code-font-family,monospace);font-size:90%;margin-top:2px}"
        ),
        ".xrtw-progress strong{font-weight:700}",
        (
            ".xrtw-sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
            "clip:rect(0,0,0,0);white-space:nowrap;border:0}"
        ),
        # -- lines: summary, error, warning, notice
        ".xrtw-summary,.xrtw-error,.xrtw-warning,.xrtw-notice{border-radius:4px;padding:2px 8px}",
        (
            f"{panel} .xrtw-summary{{display:block;white-space:normal;overflow-wrap:anywhere;height:auto;"
            "line-height:1.4;font-weight:600;overflow:visible}"
        ),
        ".xrtw-summary::before{margin-right:.35em}",
        f".xrtw-error{{background-color:{_tint(codes.TONES['danger'])};color:var(--xrtw-row-text)}}",
        f".xrtw-warning{{background-color:{_tint(codes.TONES['warning'])};color:var(--xrtw-row-text)}}",
        f".xrtw-notice{{background-color:{_tint(codes.TONES['neutral'])};color:var(--xrtw-row-text)}}",
        ".xrtw-hidden{display:none!important}",
        # While an action runs the buttons look inactive (a dashed border, a busy cursor); a click is still
        # safe (the runner joins or queues it), so they are not disabled one by one, which would cost a
        # message per button, and they stay as readable as ever.
        ".xrtw-is-busy .xrtw-actions button{border-style:dashed;cursor:progress}",
        ".xrtw-is-busy .xrtw-summary{font-style:italic}",
        # -- the history: a table at full width, a list of labelled cells when narrow; times never break
        ".xrtw-history-box>.xrtw-disclosure{align-self:flex-start}",
        ".xrtw-history{padding:2px 0 2px 8px;border-left:2px solid rgba(127,127,127,.5)}",
        (
            ".xrtw-history table{border-collapse:collapse;width:100%}.xrtw-history td,.xrtw-history th"
            "{padding:1px 8px;border-bottom:1px solid rgba(127,127,127,.4);text-align:left;vertical-align:top}"
        ),
        ".xrtw-history th,.xrtw-history .xrtw-nowrap{white-space:nowrap}",
        ".xrtw-history .xrtw-wrap{overflow-wrap:anywhere}",
        ".xrtw-history{container-type:inline-size}",
        (
            "@container (max-width:520px){.xrtw-history table,.xrtw-history tbody,.xrtw-history tr,.xrtw-history td"
            "{display:block}.xrtw-history tr:first-child{display:none}.xrtw-history tr{padding:4px 0;"
            "border-bottom:1px solid rgba(127,127,127,.4)}.xrtw-history td{border:0;padding:0 4px}"
            ".xrtw-history td::before{content:attr(data-label) ': ';font-weight:600}}"
        ),
    ]
    for slug, colour in tints.items():
        if slug.startswith("tone-"):
            continue
        rules.append(f".xrtw-row:has(> .xrtw-status-{slug}){{background-color:{_tint(colour)}}}")
        rules.append(f".xrtw-row.xrtw-status-{slug}{{background-color:{_tint(colour)}}}")  # a job's row
    for code in codes.CANCEL_RESULT.values():
        rules.append(
            f".xrtw-summary.xrtw-result-{code.slug}{{background-color:{_tint(code.colour)};color:var(--xrtw-row-text)}}"
        )
        rules.append(f".xrtw-summary.xrtw-result-{code.slug}::before{{content:{_css_icon(code.icon)}}}")
    rules.append(f".xrtw-is-busy .xrtw-summary::before{{content:{_css_icon('◌')}}}")
    for name, glyph in ICON_GLYPHS.items():  # decorative: the words name the button
        rules.append(f"{panel} i.fa-{name}::before{{content:{_css_icon(chr(glyph))}}}")
    return "<style>" + "".join(rules) + "</style>"


def status_html(status: Status, name: str = "") -> str:
    """A row's status, worded for a person: icon and words first, the raw code secondary.

    With ``name`` (the product), the status is a group named "product: status" for screen readers.
    """
    info = status.info
    raw = status.raw
    badge = (
        f'<span class="xrtw-badge" title="{escape(info.meaning)}"><span aria-hidden="true">{info.icon}'
        f"</span> {escape(status.words)}</span>"
    )
    if raw:
        badge += f' <span class="xrtw-raw">({escape(raw)})</span>'
    body = f"<div>{badge}</div>"
    if status.text and status.text != status.words:
        body += f'<div class="xrtw-text">{escape(status.text)}</div>'
    if status.progress_text:
        body += f'<div class="xrtw-progress">{render_progress_lines(status.progress_text)}</div>'
    if name:
        return f'<div role="group" aria-label="{escape(name)}: {escape(status.words)}">{body}</div>'
    return body


def live_html(text: str) -> str:
    """What a live region says: a polite one (``role=status``), read out when it changes. ``text`` is escaped here."""
    return f'<div role="status" aria-live="polite" aria-atomic="true">{escape(text)}</div>'


def error_html(text: str) -> str:
    """An error line: an assertive live region ("alert"); ``''`` for no error. ``text`` is escaped here."""
    if not text:
        return ""
    return (
        f'<div role="alert"><span aria-hidden="true">⚠</span> <span class="xrtw-sr">Error: </span>{escape(text)}</div>'
    )


def header_html(title: str | None, job_id: Any, products: int, url: Any) -> str:
    """A panel's heading: its title (by default the JobID), how many products, and the job's page."""
    if title is not None:
        shown = escape(title)
    elif job_id is not None:
        shown = f"Swift XRT job {escape(job_id)}"
    else:
        shown = "Swift XRT request (not submitted)"
    link = ""
    if isinstance(url, str) and re.match(r"^https?://", url):
        link = (
            f' · <a href="{escape(url)}" target="_blank" rel="noopener noreferrer">job page'
            '<span class="xrtw-sr"> (opens in a new tab)</span></a>'
        )
    return f"<b>{shown}</b> · {products} product{'s' if products != 1 else ''}{link}"


def notice_html(submit_error: str | None) -> str:
    """What an unsubmitted request's panel says, with the last submission's errors if it failed."""
    failure = (
        f'<div class="xrtw-submit-error"><b>The last submission failed:</b>'
        f'<div class="xrtw-text">{escape(submit_error)}</div></div>'
        if submit_error
        else ""
    )
    return (
        "This request has not been submitted yet, so nothing runs on the server. Tick products and press "
        "<b>Remove selected</b> to take them out of the request before you submit it." + failure
    )
