"""The panel for everyone: axe-core, contrast from computed styles, reflow, keyboard and screen-reader cues.

Each test starts its own emulator (demo durations: Image complete at once,
the rest running for minutes), its own Jupyter server and a fresh browser
context that reaches 127.0.0.1 only. Contrast is measured twice over: by
axe-core (color-contrast enabled; it calls some text "incomplete" when it
cannot tell the background, e.g. beside a drawn icon) and from the
computed styles of every visible text and of the focus ring of every
control reached with Tab. The figures go to ``test-artifacts/a11y.txt``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

import xrt_widgets

NOTEBOOKS = Path(xrt_widgets.__file__).resolve().parent / "notebooks"  # the demo notebooks the package ships
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TEXT_MIN = 4.5
RING_MIN = 3.0
PANEL = ".xrtw-panel"


def row(page, name):
    return page.locator(f"{PANEL} .xrtw-product-{name}").first


def wait_for_statuses(page) -> None:
    """The panel is shown and has asked the build status of its products (one request, on display)."""
    expect(page.locator(PANEL).first).to_be_visible(timeout=60_000)
    expect(row(page, "LightCurve").locator(".xrtw-state")).to_have_class(
        re.compile(r"\bxrtw-status-(running|queued|requested)\b"), timeout=30_000
    )
    expect(row(page, "Image").locator(".xrtw-state")).to_have_class(re.compile(r"\bxrtw-status-complete\b"))


def show_everything(page) -> None:
    """Open what a panel can show besides its rows: the confirm bar, a summary, the history."""
    panel = page.locator(PANEL).first
    panel.locator(".xrtw-product-Spectrum input[type='checkbox']").check()
    panel.locator("button.xrtw-cancel").click()
    expect(panel.locator(".xrtw-confirm-box")).to_be_visible()
    panel.locator("button.xrtw-confirm").click()
    expect(row(page, "Spectrum").locator(".xrtw-state")).to_have_class(re.compile(r"\bxrtw-status-cancelled\b"))
    expect(panel.locator(".xrtw-summary")).to_contain_text("1 of 1 cancelled")
    panel.locator(".xrtw-product-StandardPos input[type='checkbox']").check()
    panel.locator("button.xrtw-cancel").click()
    expect(panel.locator(".xrtw-confirm-box")).to_be_visible()
    panel.locator("button.xrtw-disclosure", has_text="Show history").click()
    expect(panel.locator("button.xrtw-disclosure")).to_have_text("Hide history (2)")
    expect(panel.locator(".xrtw-history table")).to_be_visible()


def check_theme(page, run_axe, measure_text, tab_through, artifacts_dir: Path, theme: str, where: str) -> list[str]:
    """axe-core, text contrast and focus rings of the panel; returns a report line for each."""
    result = run_axe(page, PANEL)
    assert result["failing"] == [], f"{where} {theme}: axe: {result['failing']}"
    # In Voila axe's own contrast check runs on the view's text (and must pass); inside Lab's notebook it finds
    # nothing it applies to, which is why every text is measured from computed styles as well (below).
    if where.startswith("Voila"):
        assert result["passes"].get("color-contrast", 0) >= 10, result["passes"]
    texts = measure_text(page, PANEL)
    assert len(texts) >= 20, texts  # rows, buttons, confirm bar, summary, history: all measured
    low = [t for t in texts if t["ratio"] < TEXT_MIN]
    assert low == [], f"{where} {theme}: text below {TEXT_MIN}:1: {low}"
    rings = tab_through(page, PANEL)
    reached = " ".join(r["element"] for r in rings)
    for needed in (
        "xrtw-select-all",
        "xrtw-refresh",
        "xrtw-cancel",
        "xrtw-confirm",
        "xrtw-back",
        "xrtw-disclosure",
        "checkbox",
    ):
        assert needed in reached or (needed == "checkbox" and any(r["element"] == "input" for r in rings)), reached
    weak = [r for r in rings if not r["ring"] or r["ratio"] < RING_MIN or r["width"] < 2]
    assert weak == [], f"{where} {theme}: focus rings below {RING_MIN}:1 or thinner than 2 px: {weak}"
    with open(artifacts_dir / f"a11y-tab-order-{where.replace(' ', '-')}-{theme}.txt", "w") as out:
        out.write("".join(f"{r['element']} {r.get('colour', '')} {r['ratio']:.2f}\n" for r in rings))
    return report_lines(where, theme, result, texts, rings)


def report_lines(where: str, theme: str, result: dict, texts: list[dict], rings: list[dict]) -> list[str]:
    """What one view's accessibility run found, in three lines for test-artifacts/a11y.txt."""
    worst_text = min(texts, key=lambda t: t["ratio"])
    worst_ring = min(rings, key=lambda r: r["ratio"])
    return [
        (
            f"{where} {theme}: axe: {len(result['violations'])} violations "
            f"({', '.join(v['id'] + '/' + str(v['impact']) for v in result['violations']) or 'none'}), "
            f"{len(result['incomplete'])} incomplete ({', '.join(v['id'] for v in result['incomplete'])}), "
            f"{sum(result['passes'].values())} passing nodes, "
            f"{result['passes'].get('color-contrast', 0)} of them color-contrast"
        ),
        (
            f"{where} {theme}: {len(texts)} texts, lowest contrast {worst_text['ratio']:.2f}:1 "
            f"({worst_text['text']!r} {worst_text['fg']} on {worst_text['bg']})"
        ),
        (
            f"{where} {theme}: {len(rings)} focus rings, lowest {worst_ring['ratio']:.2f}:1 "
            f"({worst_ring['element']} {worst_ring['colour']} on {worst_ring['outside']})"
        ),
    ]


def record(artifacts_dir: Path, lines: list[str]) -> None:
    with open(artifacts_dir / "a11y.txt", "a") as out:
        out.write("".join(line + "\n" for line in lines))


def test_panel_in_jupyterlab_light_and_dark(
    page,
    start_emulator_server,
    lab_server,
    open_lab_notebook,
    set_lab_theme,
    run_axe,
    measure_text,
    tab_through,
    artifacts_dir,
):
    base_url = start_emulator_server("--demo")
    lab = lab_server(env={"XRT_WIDGETS_BASE_URL": base_url})
    open_lab_notebook(page, lab, "cancel_demo.ipynb")
    wait_for_statuses(page)
    show_everything(page)
    lines = []
    for theme in ("light", "dark"):
        set_lab_theme(page, theme)
        panel = page.locator(PANEL).first
        # the theme reaches the rows: a dark tint and light text in the dark theme, and the reverse
        text_colour = row(page, "LightCurve").evaluate("e => getComputedStyle(e).color")
        assert (text_colour == "rgb(27, 27, 27)") == (theme == "light"), text_colour
        lines += check_theme(page, run_axe, measure_text, tab_through, artifacts_dir, theme, "JupyterLab panel")
        panel.screenshot(path=str(artifacts_dir / f"a11y-panel-lab-{theme}.png"))
    record(artifacts_dir, lines)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_panel_in_voila(
    theme, page, start_emulator_server, voila_server, run_axe, measure_text, tab_through, artifacts_dir
):
    base_url = start_emulator_server("--demo")
    voila = voila_server(NOTEBOOKS / "cancel_demo.ipynb", env={"XRT_WIDGETS_BASE_URL": base_url}, theme=theme)
    page.goto(voila.url)
    wait_for_statuses(page)
    show_everything(page)
    assert page.evaluate("() => document.body.dataset.jpThemeLight") == ("true" if theme == "light" else "false")
    record(artifacts_dir, check_theme(page, run_axe, measure_text, tab_through, artifacts_dir, theme, "Voila panel"))
    page.locator(PANEL).first.screenshot(path=str(artifacts_dir / f"a11y-panel-voila-{theme}.png"))


def labels_visible(page, overflow_report: dict) -> None:
    """Every button of the panel shows its whole label: nothing cut, nothing wider than the panel."""
    assert overflow_report["clipped"] == [], overflow_report["clipped"]
    assert overflow_report["wider"] == [], overflow_report["wider"]
    assert overflow_report["scroll"] == [], overflow_report["scroll"]
    for label in ("Select all", "Select none", "Refresh", "Cancel selected", "Confirm", "Back"):
        button = page.locator(f"{PANEL} button", has_text=label).first
        expect(button).to_be_visible()
        assert button.evaluate("e => e.scrollWidth <= e.clientWidth + 1 && e.textContent.trim()") == label


def test_panel_reflows_at_320_css_px(browser, page, start_emulator_server, voila_server, overflow, artifacts_dir):
    base_url = start_emulator_server("--demo")
    voila = voila_server(NOTEBOOKS / "cancel_demo.ipynb", env={"XRT_WIDGETS_BASE_URL": base_url})
    page.set_viewport_size({"width": 320, "height": 1100})
    page.goto(voila.url)
    wait_for_statuses(page)
    show_everything(page)
    report = overflow(page, PANEL)
    assert 250 <= report["width"] <= 320, report["width"]
    labels_visible(page, report)
    # the status goes under the product's name when there is no room beside it
    name = row(page, "LightCurve").locator(".widget-checkbox").bounding_box()
    status = row(page, "LightCurve").locator(".xrtw-state").bounding_box()
    assert status["y"] >= name["y"] + name["height"] - 1, (name, status)
    page.locator(PANEL).first.screenshot(path=str(artifacts_dir / "a11y-panel-320px.png"))


def test_panel_reflows_at_200_percent_zoom_in_jupyterlab(
    browser, start_emulator_server, lab_server, open_lab_notebook, overflow, artifacts_dir, _processes
):
    """1280 x 900 at 200%: a 640 x 450 CSS px window with two device pixels per CSS pixel."""
    base_url = start_emulator_server("--demo")
    lab = lab_server(env={"XRT_WIDGETS_BASE_URL": base_url})
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if urlsplit(route.request.url).hostname == "127.0.0.1" else route.abort("blockedbyclient")
        ),
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_lab_notebook(page, lab, "cancel_demo.ipynb")
        wait_for_statuses(page)
        assert page.evaluate("() => window.devicePixelRatio") == 2
        show_everything(page)
        page.locator(PANEL).first.scroll_into_view_if_needed()
        report = overflow(page, PANEL)
        assert report["width"] <= 640
        labels_visible(page, report)
        page.locator(PANEL).first.screenshot(path=str(artifacts_dir / "a11y-panel-lab-200pc.png"))
    finally:
        context.close()


def focused(page) -> str:
    """The classes of the focused element (and of the control around it, for a checkbox's input)."""
    return page.evaluate("""() => { const e = document.activeElement;
        const owner = e.closest('.widget-checkbox, .xrtw-summary, button');
        return (e.className || e.tagName) + ' | ' + (owner ? owner.className : '') + ' | '
               + (e.closest('.xrtw-row') ? e.closest('.xrtw-row').className : ''); }""")


def wait_focus(page, pattern: str) -> str:
    page.wait_for_function(
        """p => { const e = document.activeElement;
        const owner = e && e.closest('.widget-checkbox, .xrtw-summary, button');
        return !!owner && new RegExp(p).test(owner.className + ' ' + (e.closest('.xrtw-row') || {}).className); }""",
        arg=pattern,
        timeout=15_000,
    )
    return focused(page)


def tab_until(page, pattern: str, limit: int = 20) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if re.search(pattern, focused(page)):
            return
    raise AssertionError(f"Tab never reached {pattern}; focus is on {focused(page)}")


def test_keyboard_only_cancel_in_jupyterlab(page, start_emulator_server, lab_server, open_lab_notebook, artifacts_dir):
    """Tick two products, open the confirm bar, step back, open it again, confirm: all from the keyboard."""
    base_url = start_emulator_server("--demo")
    lab = lab_server(env={"XRT_WIDGETS_BASE_URL": base_url})
    open_lab_notebook(page, lab, "cancel_demo.ipynb")
    wait_for_statuses(page)
    panel = page.locator(PANEL).first
    live = panel.locator(".xrtw-announce [role='status']")
    before = live.all_inner_texts()
    steps = []

    # into the panel from its heading's link, as Tab from the notebook would arrive
    panel.locator(".xrtw-header a").focus()
    tab_until(page, r"xrtw-product-LightCurve")
    page.keyboard.press("Space")
    tab_until(page, r"xrtw-product-Spectrum")
    page.keyboard.press("Space")
    expect(row(page, "LightCurve").locator("input[type='checkbox']")).to_be_checked()
    expect(row(page, "Spectrum").locator("input[type='checkbox']")).to_be_checked()
    steps.append("ticked LightCurve and Spectrum with Space")

    tab_until(page, r"xrtw-cancel")
    page.keyboard.press("Enter")
    # the question is an alert (read out as the bar appears), and focus goes to the safe choice
    question = panel.locator(".xrtw-confirm-box [role='alert']")
    expect(question).to_contain_text("Cancel 2 products: LightCurve, Spectrum?")
    steps.append("Enter on Cancel selected -> focus on " + wait_focus(page, r"xrtw-back"))
    assert page.evaluate("() => document.activeElement.matches(':focus-visible')")

    page.keyboard.press("Enter")  # Back
    expect(panel.locator(".xrtw-confirm-box")).to_be_hidden()
    steps.append("Enter on Back -> focus on " + wait_focus(page, r"xrtw-cancel"))

    page.keyboard.press("Enter")
    steps.append("Enter on Cancel selected -> focus on " + wait_focus(page, r"xrtw-back"))
    page.keyboard.press("Shift+Tab")
    steps.append("Shift+Tab -> focus on " + wait_focus(page, r"xrtw-confirm"))
    page.keyboard.press("Enter")
    steps.append("Enter on Confirm -> focus on " + wait_focus(page, r"xrtw-summary"))

    for name in ("LightCurve", "Spectrum"):
        expect(row(page, name).locator(".xrtw-state")).to_have_class(re.compile(r"\bxrtw-status-cancelled\b"))
    expect(row(page, "StandardPos").locator(".xrtw-state")).not_to_have_class(re.compile(r"\bxrtw-status-cancelled"))
    expect(live).to_contain_text("2 of 2 cancelled")
    after = live.all_inner_texts()
    assert after != before and "Cancelled" in " ".join(after), (before, after)
    # focus stays on the summary line once it shows the outcome; screen readers hear that outcome from the
    # live region beside it (the summary itself is a Label: the one text widget that can take focus)
    assert "xrtw-summary" in focused(page)
    assert panel.locator(".xrtw-announce [role='status'][aria-live='polite']").count() == 1
    steps.append(f"live region: {before} -> {after}")
    panel.screenshot(path=str(artifacts_dir / "a11y-panel-keyboard.png"))
    # the history opens from the keyboard too (ipywidgets' Accordion header cannot be reached with Tab)
    tab_until(page, r"xrtw-disclosure")
    page.keyboard.press("Enter")
    expect(panel.locator(".xrtw-history table")).to_be_visible()
    expect(panel.locator("button.xrtw-disclosure")).to_have_text(re.compile(r"Hide history \(\d+\)"))
    steps.append("Tab, Enter on Show history -> " + panel.locator("button.xrtw-disclosure").inner_text())
    with open(artifacts_dir / "a11y-keyboard.txt", "w") as out:
        out.write("".join(s + "\n" for s in steps))


def test_screen_reader_cues(page, start_emulator_server, voila_server):
    """Rows are named with product and status in words, icons are hidden, errors are alerts."""
    base_url = start_emulator_server("--demo")
    voila = voila_server(NOTEBOOKS / "cancel_demo.ipynb", env={"XRT_WIDGETS_BASE_URL": base_url})
    page.goto(voila.url)
    wait_for_statuses(page)
    group = row(page, "Image").locator("[role='group']")
    expect(group).to_have_attribute("aria-label", "Image: Complete")
    expect(row(page, "LightCurve").locator("[role='group']")).to_have_attribute(
        "aria-label", re.compile(r"^LightCurve: (Running|Queued|Requested)")
    )
    # every status icon is decorative: hidden from screen readers, the words say it
    icons = page.locator(f"{PANEL} .xrtw-badge > span").all()
    assert icons and all(i.get_attribute("aria-hidden") == "true" for i in icons)
    # a button's name is its words: its icon is drawn with empty alternative text, and is the glyph
    # ipywidgets itself draws for that icon (compared with one drawn outside the panel)
    panel = page.locator(PANEL).first
    for label in ("Select all", "Select none", "Refresh", "Cancel selected", "Show history (1)"):
        expect(panel.get_by_role("button", name=label, exact=True)).to_have_count(1)
    glyphs = page.evaluate("""() => [...document.querySelectorAll('.xrtw-panel button i.fa')].map(i => {
        const plain = document.createElement('i');
        plain.className = i.className;
        document.body.appendChild(plain);
        const first = c => (c.match(/^"[^"]*"/) || [''])[0];
        const pair = [i.className, first(getComputedStyle(i, '::before').content),
                      first(getComputedStyle(plain, '::before').content)];
        plain.remove();
        return pair; })""")
    assert len(glyphs) >= 4 and all(drawn == own and drawn not in ("", '""') for _c, drawn, own in glyphs), glyphs
    # nothing ticked: the error line is an alert
    page.locator(f"{PANEL} button.xrtw-cancel").click()
    expect(page.locator(f"{PANEL} .xrtw-error [role='alert']")).to_contain_text("Tick at least one product")
    # the checkbox of a row is named by its product
    expect(page.get_by_role("checkbox", name="Spectrum")).to_have_count(1)
