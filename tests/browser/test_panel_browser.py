"""The panel in real front ends: JupyterLab 4 and Voila, in headless Chromium.

Each test starts its own emulator process (demo durations: Image is complete
at once, everything else runs for minutes), its own Jupyter server and a
fresh browser context that can reach 127.0.0.1 only.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from playwright.sync_api import expect

from xrt_widgets import codes
from xrt_widgets.demo import NOTEBOOKS_DIR as NOTEBOOKS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


def background(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e).backgroundColor")


def row(page, name):
    return page.locator(f".xrtw-panel .xrtw-product-{name}").first


def state(page, name):
    """The element that carries a row's status class (the row's colour follows it in CSS)."""
    return row(page, name).locator(".xrtw-state")


def looks_inactive(locator) -> bool:
    """A final product's checkbox: it takes no pointer events and is faded (set by the stylesheet)."""
    return locator.evaluate("e => getComputedStyle(e).pointerEvents === 'none' && getComputedStyle(e).opacity < 1")


def tick(page, *names):
    for name in names:
        row(page, name).locator("input[type='checkbox']").check()


def cancel_with_confirmation(page, expected_prompt: str):
    page.locator(".xrtw-panel button.xrtw-cancel").first.click()
    expect(page.locator(".xrtw-confirm-box")).to_contain_text(expected_prompt)
    page.locator(".xrtw-panel button.xrtw-confirm").first.click()


def cancel_flow(page, artifacts_dir: Path, shot: str) -> None:
    """The flow of the issue: the status asked on display, two running products cancelled, then one more."""
    panel = page.locator(".xrtw-panel").first
    expect(panel).to_be_visible(timeout=60_000)
    # shown, the panel asks the build status of its products at once (one request)
    expect(state(page, "LightCurve")).to_have_class(
        re.compile(r"\bxrtw-status-(running|queued|requested)\b"), timeout=30_000
    )
    untouched_before = background(row(page, "AstromPos"))

    tick(page, "LightCurve", "Spectrum")
    # time from the Confirm click to the last of the two rows turning "cancelled" (recorded, not asserted)
    page.evaluate("""() => {
        window.__xrtwClick = null; window.__xrtwDone = null;
        const states = ['LightCurve', 'Spectrum'].map(
            n => document.querySelector(`.xrtw-panel .xrtw-product-${n} .xrtw-state`));
        const done = () => states.every(e => e.classList.contains('xrtw-status-cancelled'));
        const watch = new MutationObserver(() => {
            if (done() && window.__xrtwDone === null) { window.__xrtwDone = performance.now(); watch.disconnect(); }
        });
        states.forEach(e => watch.observe(e, {attributes: true, attributeFilter: ['class']}));
        document.querySelector('.xrtw-panel button.xrtw-confirm').addEventListener(
            'click', () => { window.__xrtwClick = performance.now(); }, {capture: true, once: true});
    }""")
    cancel_with_confirmation(page, "Cancel 2 products: LightCurve, Spectrum?")
    page.wait_for_function("() => window.__xrtwDone !== null", timeout=30_000)
    took = page.evaluate("() => window.__xrtwDone - window.__xrtwClick")
    assert took > 0
    with open(artifacts_dir / "confirm-to-colour.txt", "a") as out:
        out.write(f"{shot}: confirm click to both rows cancelled: {took:.1f} ms\n")
    cancelled = rgb(codes.CANCEL_CODE[0].colour)
    for name in ("LightCurve", "Spectrum"):
        expect(state(page, name)).to_have_class(re.compile(r"\bxrtw-status-cancelled\b"))
        assert background(row(page, name)) == cancelled
        expect(row(page, name)).to_contain_text("Job cancelled OK")
        assert looks_inactive(row(page, name).locator("input[type='checkbox']"))
    assert background(row(page, "AstromPos")) == untouched_before != cancelled
    expect(page.locator(".xrtw-summary").first).to_have_class(re.compile(r"\bxrtw-result-ok\b"))

    # Image completes at once on the demo emulator: the status asked on display shows it complete, and a
    # complete product can no longer be ticked
    expect(state(page, "Image")).to_have_class(re.compile(r"\bxrtw-status-complete\b"))
    assert background(row(page, "Image")) == rgb(codes.BUILD_STATUS[4].colour)
    assert looks_inactive(row(page, "Image").locator("input[type='checkbox']"))
    tick(page, "StandardPos")
    cancel_with_confirmation(page, "Cancel 1 product: StandardPos?")
    expect(state(page, "StandardPos")).to_have_class(re.compile(r"\bxrtw-status-cancelled\b"))
    summary = page.locator(".xrtw-summary").first
    expect(summary).to_have_class(re.compile(r"\bxrtw-result-ok\b"))
    expect(summary).to_contain_text("ok = 1")
    assert background(summary) == rgb(codes.CANCEL_RESULT[1].colour)
    panel.screenshot(path=str(artifacts_dir / shot))


def test_jupyterlab_cancel_flow(
    page, start_emulator_server, lab_server, open_lab_notebook, artifacts_dir, blocked_requests
):
    base_url = start_emulator_server("--demo")
    lab = lab_server(env={"XRT_WIDGETS_BASE_URL": base_url})
    open_lab_notebook(page, lab, "cancel_demo.ipynb")
    expect(page.locator(".jp-OutputArea-output", has_text=base_url).first).to_be_visible(timeout=60_000)
    cancel_flow(page, artifacts_dir, "panel-jupyterlab.png")
    assert all("127.0.0.1" not in url for url in blocked_requests)


def test_voila_cancel_flow(page, start_emulator_server, voila_server, artifacts_dir):
    base_url = start_emulator_server("--demo")
    voila = voila_server(NOTEBOOKS / "cancel_demo.ipynb", env={"XRT_WIDGETS_BASE_URL": base_url})
    page.goto(voila.url)
    cancel_flow(page, artifacts_dir, "panel-voila.png")


def test_notebook7_cancel_flow(page, start_emulator_server, notebook7_server, artifacts_dir):
    base_url = start_emulator_server("--demo")
    nb7 = notebook7_server(env={"XRT_WIDGETS_BASE_URL": base_url})
    page.goto(f"{nb7.url}notebooks/cancel_demo.ipynb?token={nb7.token}")
    # Notebook 7 has no Lab status bar: ask the app for the kernel's status (exposed for tests)
    page.wait_for_function(
        """() => { try {
        return window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle';
    } catch (e) { return false; } }""",
        timeout=60_000,
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    cancel_flow(page, artifacts_dir, "panel-notebook7.png")


XSS_MARK = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'


def test_xss_from_the_server_is_inert(page, lab_server, open_lab_notebook, tmp_path, artifacts_dir):
    """Every server string that reaches the panel carries a payload; none may become markup."""
    nb = new_notebook(
        cells=[
            new_code_cell(f"""
from xrt_widgets import CancelPanel, Emulator, XRTProductRequest
XSS = {XSS_MARK!r}
emu = Emulator(manual_clock=True).start()
req = XRTProductRequest("x@example.org", base_url=emu.base_url)
req.setGlobalPars(name=XSS, targ="00221755", RA=1.0, Dec=2.0, centroid=False, useSXPS=False)
req.addLightCurve(binMeth="snapshot"); req.addSpectrum(hasRedshift=False)
assert req.submit()
emu.set_text(req.JobID, "LightCurve", statusText=XSS, PreProgress=XSS, StepLabel=XSS, cancelText=XSS)
emu.advance(30)
panel = CancelPanel(req, title=XSS)
panel.refresh().result(timeout=30)
emu.inject("cancel", "refuse", error=XSS)
panel.cancel(["Spectrum"]).result(timeout=30)
panel""")
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    root = tmp_path / "xss"
    root.mkdir()
    nbformat.write(nb, root / "xss.ipynb")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    lab = lab_server(root_dir=root)
    open_lab_notebook(page, lab, "xss.ipynb")
    panel = page.locator(".xrtw-panel").first
    expect(panel.locator(".xrtw-error")).to_contain_text("<img src=x", timeout=60_000)
    expect(row(page, "LightCurve")).to_contain_text("<img src=x onerror=")  # shown as text
    page.wait_for_timeout(500)  # give a broken image time to fire its onerror
    assert panel.locator("img").count() == 0
    assert page.evaluate("window.__xss === undefined")
    assert dialogs == []
    panel.screenshot(path=str(artifacts_dir / "panel-xss.png"))


def test_job_board_bulk_cancel_in_two_jobs(page, start_emulator_server, lab_server, open_lab_notebook, artifacts_dir):
    base_url = start_emulator_server("--demo")
    lab = lab_server(env={"XRT_WIDGETS_BASE_URL": base_url})
    open_lab_notebook(page, lab, "job_board.ipynb")
    board = page.locator(".xrtw-board").first
    expect(board.locator(".xrtw-job")).to_have_count(3, timeout=60_000)
    for job in (1001, 1002):
        board.locator(f".xrtw-job-{job} input[type='checkbox']").check()
    board.locator("button.xrtw-board-cancel").click()
    expect(board).to_contain_text("Cancel 4 products in 2 jobs?")
    board.locator("button.xrtw-board-confirm").click()
    for job in (1001, 1002):
        expect(board.locator(f".xrtw-job-{job}")).to_have_class(re.compile(r"\bxrtw-status-ok\b"))
        expect(board.locator(f".xrtw-job-{job}")).to_contain_text("Cancelled")
    expect(board.locator(".xrtw-job-1003")).to_have_class(re.compile(r"\bxrtw-status-not-checked\b"))
    expect(board.locator(".xrtw-board-summary")).to_contain_text("2 of 2 jobs fully cancelled")
    board.screenshot(path=str(artifacts_dir / "job-board.png"))
    # a product ticked inside a job's own panel ("Details") is what the board cancels
    board.locator(".xrtw-job-1003 button.xrtw-job-details").click()
    job = board.locator(".xrtw-jobs .xrtw-panel")  # the Details panel, made when opened, after its row
    expect(job).to_have_count(1)
    job.locator(".xrtw-product-Spectrum input[type='checkbox']").check()
    board.locator("button.xrtw-board-cancel").click()
    expect(board).to_contain_text("Cancel 1 product in 1 job?")
    board.locator("button.xrtw-board-confirm").click()
    expect(job.locator(".xrtw-product-Spectrum .xrtw-state")).to_have_class(re.compile(r"\bxrtw-status-cancelled\b"))
    expect(job.locator(".xrtw-product-Image .xrtw-state")).not_to_have_class(re.compile(r"\bxrtw-status-cancelled\b"))
    expect(board.locator(".xrtw-job-1003")).to_have_class(re.compile(r"\bxrtw-status-ok\b"))


def test_a_rerun_cell_shows_what_is_known_of_the_job(page, lab_server, open_lab_notebook, tmp_path, artifacts_dir):
    """Cancel LightCurve, re-run the ``CancelPanel(req)`` cell, cancel it again: the new panel says Cancelled
    (already cancelled), in the cancelled colour, never "Finished"; one cancel and no status request more."""
    nb = new_notebook(
        cells=[
            new_code_cell("""
from xrt_widgets import CancelPanel, Emulator, XRTProductRequest
emu = Emulator(manual_clock=True).start()
req = XRTProductRequest("x@example.org", base_url=emu.base_url)
req.setGlobalPars(name="GRB 060729", targ="00221755", RA=95.37, Dec=-62.21, centroid=False, useSXPS=False)
req.addLightCurve(binMeth="snapshot")
assert req.submit()
first = CancelPanel(req, confirm=False)
print("first", first.cancel(["LightCurve"]).result(timeout=30))
emu.reset_counts()"""),
            new_code_cell("""panel = CancelPanel(req, confirm=False)  # the re-run cell
panel"""),
            new_code_cell("""again = panel.cancel(["LightCurve"]).result(timeout=30)
print("again", again, "cancel requests", emu.request_count("cancel"),
      "status requests", emu.request_count("status"))"""),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    root = tmp_path / "rerun"
    root.mkdir()
    nbformat.write(nb, root / "rerun.ipynb")
    lab = lab_server(root_dir=root)
    open_lab_notebook(page, lab, "rerun.ipynb")
    expect(page.locator(".jp-OutputArea-output", has_text="cancel requests 1 status requests 0").first).to_be_visible(
        timeout=60_000
    )
    expect(page.locator(".jp-OutputArea-output", has_text="again (0, {'LightCurve': {'code': 1,").first).to_be_visible()
    light_curve = state(page, "LightCurve")
    expect(light_curve).to_have_class(re.compile(r"\bxrtw-status-cancelled\b"))
    expect(light_curve).to_contain_text("Cancelled (already cancelled)")
    expect(light_curve).not_to_contain_text("Finished")
    assert background(row(page, "LightCurve")) == rgb(codes.CANCEL_CODE[0].colour)
    page.locator(".xrtw-panel").first.screenshot(path=str(artifacts_dir / "panel-rerun-cell.png"))
