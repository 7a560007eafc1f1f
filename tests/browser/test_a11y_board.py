"""The job board for everyone: axe-core, contrast from computed styles and reflow, in JupyterLab and Voila.

The board's rows, toolbars and lines take their colours from the shared
stylesheet (``xrt_widgets.ui.html``); a job's Details panel is a
``CancelPanel``. Each test opens the demo board (three jobs of one user on
the emulator), opens one job's Details and the confirm bar, so that every
kind of line and control is on the page when it is measured.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from test_a11y_panel import record, report_lines

import xrt_widgets

NOTEBOOKS = Path(xrt_widgets.__file__).resolve().parent / "notebooks"  # the demo notebooks the package ships
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TEXT_MIN = 4.5
RING_MIN = 3.0
BOARD = ".xrtw-board"


def show_everything(page) -> None:
    """The board listed, one job's Details open, two jobs ticked and the confirm bar open."""
    board = page.locator(BOARD).first
    expect(board.locator(".xrtw-job")).to_have_count(3, timeout=60_000)
    board.locator("button.xrtw-board-refresh").click()
    expect(board.locator(".xrtw-job.xrtw-status-not-checked")).to_have_count(0, timeout=30_000)
    board.locator(".xrtw-job").nth(2).locator("button.xrtw-job-details").click()
    expect(board.locator(".xrtw-panel .xrtw-row").first).to_be_visible()
    for n in (0, 1):
        board.locator(".xrtw-job").nth(n).locator("input[type='checkbox']").check()
    board.locator("button.xrtw-board-cancel").click()
    expect(board.locator("button.xrtw-board-confirm")).to_be_visible()


def check_theme(page, run_axe, measure_text, tab_through, artifacts_dir: Path, theme: str, where: str) -> list[str]:
    """axe-core (serious and critical fail), every text at 4.5:1, every focus ring at 3:1; a report line each."""
    result = run_axe(page, BOARD)
    texts = measure_text(page, BOARD)
    rings = tab_through(page, BOARD, limit=150)
    low = [t for t in texts if t["ratio"] < TEXT_MIN]
    weak = [r for r in rings if not r["ring"] or r["ratio"] < RING_MIN or r["width"] < 2]
    with open(artifacts_dir / f"a11y-board-{where.replace(' ', '-')}-{theme}.txt", "w") as out:
        out.write(
            f"axe violations: {result['violations']}\naxe incomplete: {result['incomplete']}\n"
            f"texts below {TEXT_MIN}: {low}\nweak rings: {weak}\n"
        )
        out.write("".join(f"ring {r['element']} {r.get('colour', '')} {r['ratio']:.2f}\n" for r in rings))
    assert result["failing"] == [], f"{where} {theme}: axe: {result['failing']}"
    # In Voila axe's own contrast check runs on the view's text (and must pass); inside Lab's notebook it finds
    # nothing it applies to, which is why every text is measured from computed styles as well (below).
    if where.startswith("Voila"):
        assert result["passes"].get("color-contrast", 0) >= 10, result["passes"]
    assert len(texts) >= 20, texts
    assert low == [], f"{where} {theme}: text below {TEXT_MIN}:1: {low}"
    reached = " ".join(r["element"] for r in rings)
    for needed in ("xrtw-board-refresh", "xrtw-board-cancel", "xrtw-board-confirm", "xrtw-job-details"):
        assert needed in reached, reached
    assert weak == [], f"{where} {theme}: focus rings below {RING_MIN}:1 or thinner than 2 px: {weak}"
    return report_lines(where, theme, result, texts, rings)


def test_board_in_jupyterlab_light_and_dark(
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
    lab = lab_server(NOTEBOOKS, env={"XRT_WIDGETS_BASE_URL": base_url})
    open_lab_notebook(page, lab, "job_board.ipynb")
    show_everything(page)
    lines = []
    for theme in ("light", "dark"):
        set_lab_theme(page, theme)
        colour = page.locator(f"{BOARD} .xrtw-job").first.evaluate("e => getComputedStyle(e).color")
        assert (colour == "rgb(27, 27, 27)") == (theme == "light"), colour
        lines += check_theme(page, run_axe, measure_text, tab_through, artifacts_dir, theme, "JupyterLab board")
        page.locator(BOARD).first.screenshot(path=str(artifacts_dir / f"a11y-board-lab-{theme}.png"))
    record(artifacts_dir, lines)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_board_in_voila(
    theme, page, start_emulator_server, voila_server, run_axe, measure_text, tab_through, artifacts_dir
):
    base_url = start_emulator_server("--demo")
    voila = voila_server(NOTEBOOKS / "job_board.ipynb", env={"XRT_WIDGETS_BASE_URL": base_url}, theme=theme)
    page.goto(voila.url)
    show_everything(page)
    record(artifacts_dir, check_theme(page, run_axe, measure_text, tab_through, artifacts_dir, theme, "Voila board"))


def no_sideways_scroll(page, overflow, width: int) -> None:
    report = overflow(page, BOARD)
    assert report["width"] <= width, report["width"]
    assert report["clipped"] == [], report["clipped"]
    assert report["wider"] == [], report["wider"]
    assert report["scroll"] == [], report["scroll"]
    for label in ("Reload list", "Refresh", "Cancel selected", "Confirm", "Back"):
        button = page.locator(f"{BOARD} button", has_text=re.compile(rf"^\s*{label}\s*$")).first
        expect(button).to_be_visible()
        assert button.evaluate("e => e.scrollWidth <= e.clientWidth + 1")


def test_board_reflows_at_320_css_px(page, start_emulator_server, voila_server, overflow, artifacts_dir):
    base_url = start_emulator_server("--demo")
    voila = voila_server(NOTEBOOKS / "job_board.ipynb", env={"XRT_WIDGETS_BASE_URL": base_url})
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto(voila.url)
    show_everything(page)
    no_sideways_scroll(page, overflow, 320)
    page.locator(BOARD).first.screenshot(path=str(artifacts_dir / "a11y-board-320px.png"))


def test_board_reflows_at_200_percent_zoom_in_jupyterlab(
    browser, start_emulator_server, lab_server, open_lab_notebook, overflow, artifacts_dir, _processes
):
    """1280 x 900 at 200%: a 640 x 450 CSS px window with two device pixels per CSS pixel."""
    base_url = start_emulator_server("--demo")
    lab = lab_server(NOTEBOOKS, env={"XRT_WIDGETS_BASE_URL": base_url})
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
        open_lab_notebook(page, lab, "job_board.ipynb")
        show_everything(page)
        assert page.evaluate("() => window.devicePixelRatio") == 2
        no_sideways_scroll(page, overflow, 640)
    finally:
        context.close()
