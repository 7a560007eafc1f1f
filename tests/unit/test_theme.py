"""The stylesheet's colours, checked on paper: every text at 4.5:1 or better, every focus ring at 3:1, both themes.

The browser tests measure the same from computed styles in JupyterLab and
Voila; these catch a bad colour in the table before any browser starts.
"""

from __future__ import annotations

import re

import pytest

from xrt_widgets import codes
from xrt_widgets.markup import render_progress_lines
from xrt_widgets.ui.html import THEMES, contrast_ratio, dark_tint, stylesheet

#: The page backgrounds of JupyterLab's themes (--jp-layout-color0 and 1), where lines without a tint sit.
PAGES = {"light": ("#ffffff",), "dark": ("#111111", "#212121")}
LIGHT_TINTS = sorted(
    {c.colour for family in codes.FAMILIES.values() for c in family.values()} | set(codes.TONES.values())
)


def tints(theme: str) -> list[str]:
    return LIGHT_TINTS if theme == "light" else [dark_tint(c) for c in LIGHT_TINTS]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_row_text_reads_on_every_tint(theme):
    worst = min(contrast_ratio(THEMES[theme]["row-text"], tint) for tint in tints(theme))
    assert worst >= 7.0, worst  # AAA, with room for the smaller text of the raw code


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_focus_rings_and_ticked_boxes_show_on_every_background(theme):
    colours = THEMES[theme]
    for background in [*tints(theme), *PAGES[theme]]:
        assert contrast_ratio(colours["focus"], background) >= 3.0, (theme, background)
        assert contrast_ratio(colours["check"], background) >= 3.0, (theme, background)
        assert contrast_ratio(colours["row-text"], background) >= 3.0 or background in PAGES[theme]
    assert contrast_ratio(colours["check-mark"], colours["check"]) >= 4.5


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_button_words_read(theme):
    colours = THEMES[theme]
    for fill, text in (("danger-bg", "danger-text"), ("warn-bg", "warn-text"), ("active-bg", "active-text")):
        assert contrast_ratio(colours[fill], colours[text]) >= 4.5, (theme, fill)
    for page in PAGES[theme]:
        assert contrast_ratio(colours["link"], page) >= 4.5


def test_dark_tints_keep_their_order_and_differ():
    """Each status keeps a tint of its own in the dark theme; "not checked" stays quieter than the answers."""
    dark = [dark_tint(c) for c in LIGHT_TINTS]
    assert len(set(dark)) == len(dark)
    unchecked = dark_tint(codes.UNCHECKED_COLOUR)
    assert all(contrast_ratio(unchecked, "#111111") <= contrast_ratio(t, "#111111") for t in dark if t != unchecked)


def test_the_stylesheet_switches_on_jupyterlabs_theme_attribute():
    css = stylesheet()
    dark_block = re.search(r"\[data-jp-theme-light=false\] \.xrtw-panel\{([^}]*)\}", css).group(1)
    assert "color-scheme:dark" in dark_block and f"--xrtw-row-text:{THEMES['dark']['row-text']}" in dark_block
    assert "var(--jp-ui-font-color0" in css and "var(--jp-layout-color2" in css  # follows the page's theme
    assert ":focus-visible{outline:2px solid var(--xrtw-focus)" in css


def test_the_active_step_is_bold_with_active_in_words():
    text = (
        "Preparing\n  Step one - DONE\n  ** Building <em>light</em> curve - ACTIVE -- 45%**\n"
        "  <b>later</b>\n\nThe job has been running for 00:01:02\n"
    )
    html = render_progress_lines(text)
    assert '<strong class="xrtw-step-active">Building <em>light</em> curve</strong> (active: 45%)' in html
    assert "Step one (done)" in html and "&lt;b&gt;later&lt;/b&gt;" in html
    assert "**" not in html and "ACTIVE" not in html and "DONE" not in html
    assert render_progress_lines("  ** not a step **") == "  ** not a step **"
