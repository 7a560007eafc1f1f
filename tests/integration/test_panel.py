"""CancelPanel without a browser: real widgets, a real emulator on loopback, real requests."""

from __future__ import annotations

import html
import re

import pytest

from xrt_widgets import CancelPanel, XRTProductRequest, codes
from xrt_widgets.panel import render_progress, stylesheet
from xrt_widgets.ui.html import dark_tint
from xrt_widgets.ui.parts import is_shown

from support import GLOBALS, USER, XSS


def classes(panel, name):
    """The classes of a product's row and of its status element (whose class the row's colour follows)."""
    row = panel.rows[name]
    return set(row.box._dom_classes) | set(row.state._dom_classes)


def tick(panel, *names):
    for name in names:
        panel.rows[name].checkbox.value = True


def click_cancel(panel, *names):
    """Tick, click "Cancel selected", confirm; return the future of the request."""
    tick(panel, *names)
    panel.cancel_button.click()
    assert is_shown(panel.confirm_box)
    panel.confirm_button.click()
    assert panel.last_action is not None
    return panel.last_action


def test_rows_in_fixed_order_with_classes(make_request):
    req = make_request("StandardPos", "LightCurve", "Image", "Spectrum")
    panel = CancelPanel(req)
    assert panel.products == ["LightCurve", "Spectrum", "StandardPos", "Image"]
    for name in panel.products:
        assert {"xrtw-row", f"xrtw-product-{name}", "xrtw-status-not-checked"} <= classes(panel, name)
        assert panel.statuses[name]["source"] == "local"
    assert "xrtw-panel" in panel._dom_classes
    assert "<style>" in panel.style_sheet.value


def test_cancel_codes_0_and_1_reach_rows_and_ok_2(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    emu.set_status(req.JobID, "Spectrum", 4)  # already finished
    panel = CancelPanel(req)
    ok, per = click_cancel(panel, "LightCurve", "Spectrum").result(timeout=10)
    assert ok == 2 and per["LightCurve"]["code"] == 0 and per["Spectrum"]["code"] == 1
    assert "xrtw-status-cancelled" in classes(panel, "LightCurve")
    # code 1 ("probably finished") is followed, in the same action, by one status request: the row says what
    # Spectrum really is, and the cancel's answer stays in the history
    assert "xrtw-status-complete" in classes(panel, "Spectrum")
    assert emu.request_count("status") == 1 and emu.log[-1]["body"]["what"] == "spec"
    assert panel.history[-2]["codes"] == {"LightCurve": 0, "Spectrum": 1}
    assert {k: panel.statuses["LightCurve"][k] for k in ("code", "text", "slug", "source")} == {
        "code": 0,
        "text": "Job cancelled OK",
        "slug": "cancelled",
        "source": "cancel",
    }
    assert panel.result == (ok, per)
    assert "xrtw-result-partial" in panel.summary._dom_classes
    assert "(ok = 2)" in panel.summary.value
    assert emu.request_count("cancel") == 1
    assert panel.rows["LightCurve"].final and panel.rows["Spectrum"].final
    assert panel.selected == []
    assert emu.status(req.JobID, "LightCurve") == -4


def test_cancel_code_2_reaches_row(emu):
    job = emu.add_job(USER, ["LightCurve"])
    req = XRTProductRequest.from_job(USER, job, ["LightCurve", "Spectrum"], base_url=emu.base_url)
    panel = CancelPanel(req)
    ok, per = panel.cancel(["Spectrum"]).result(timeout=10)
    assert (ok, per["Spectrum"]["code"]) == (0, 2)
    assert "xrtw-status-not-in-job" in classes(panel, "Spectrum")  # what the status request then said
    assert "xrtw-result-not-cancelled" in panel.summary._dom_classes


@pytest.mark.parametrize("code,slug", [(3, "unknown-reason"), (4, "status-unknown")])
def test_cancel_codes_3_and_4_reach_rows_and_never_show_cancelled(emu, make_request, code, slug):
    req = make_request("LightCurve", "Spectrum")
    emu.inject("cancel", "code", code=code, products=["LightCurve"])
    panel = CancelPanel(req)
    ok, per = click_cancel(panel, "LightCurve", "Spectrum").result(timeout=10)
    assert ok == 2 and per["LightCurve"]["code"] == code
    # the follow-up status request tells the truth: code 3 cancelled nothing (still requested); the
    # emulator's code 4 did cancel, but said it could not tell: build status -4 shows it cancelled
    truth = "requested" if code == 3 else "cancelled"
    assert f"xrtw-status-{truth}" in classes(panel, "LightCurve")
    assert panel.history[-2]["codes"]["LightCurve"] == code
    assert "xrtw-status-cancelled" in classes(panel, "Spectrum")
    assert panel.rows["LightCurve"].final == (code == 4)


def test_all_cancelled_gives_ok_1(make_request):
    req = make_request("LightCurve", "Spectrum", "StandardPos")
    panel = CancelPanel(req, confirm=False)
    panel.select_all_button.click()
    assert panel.selected == ["LightCurve", "Spectrum", "StandardPos"]
    panel.cancel_button.click()
    ok, per = panel.last_action.result(timeout=10)
    assert ok == 1 and all(v["code"] == 0 for v in per.values())
    assert "xrtw-result-ok" in panel.summary._dom_classes
    assert all("xrtw-status-cancelled" in classes(panel, n) for n in panel.products)


def test_refused_gives_ok_0_and_keeps_rows(emu):
    job = emu.add_job("someone.else@example.org", ["LightCurve"])
    req = XRTProductRequest.from_job(USER, job, ["LightCurve"], base_url=emu.base_url)
    panel = CancelPanel(req)
    ok, per = panel.cancel("all").result(timeout=10)
    assert ok == 0 and "not owned" in per["ERROR"]
    assert "not owned" in panel.error
    assert "xrtw-status-not-checked" in classes(panel, "LightCurve")
    assert emu.status(job, "LightCurve") == 1


@pytest.mark.parametrize(
    "fault",
    [
        dict(kind="status", status=500),
        dict(kind="not_json"),
        dict(kind="missing_keys"),
        dict(kind="json", value={"OK": 1, "APIVersion": "1.12", "JobID": 1, "status": {}, "statusCodes": []}),
        dict(kind="drop", count=5),
        dict(kind="reset"),
    ],
)
def test_faults_give_ok_minus_1_with_a_message(emu, make_request, fault):
    req = make_request("LightCurve", "Spectrum")
    emu.inject("cancel", **fault)
    panel = CancelPanel(req)
    ok, per = panel.cancel("all").result(timeout=20)
    assert ok == -1 and per["ERROR"]
    assert panel.error and "xrtw-result-http-error" in panel.summary._dom_classes
    assert is_shown(panel.error_line)
    for name in panel.products:
        assert "xrtw-status-cancelled" not in classes(panel, name)
    assert not panel.busy and "xrtw-is-busy" not in panel._dom_classes


def test_lost_reply_is_not_shown_as_cancelled(emu, make_request):
    """The server cancelled but the reply never arrived: the panel must not claim either way."""
    req = make_request("LightCurve", retries=0)
    emu.inject("cancel", "drop_after")
    panel = CancelPanel(req)
    ok, _ = panel.cancel("all").result(timeout=10)
    assert ok == -1
    assert "xrtw-status-cancelled" not in classes(panel, "LightCurve")
    panel.refresh().result(timeout=10)  # the truth comes from a status check
    assert "xrtw-status-cancelled" in classes(panel, "LightCurve")
    assert panel.statuses["LightCurve"]["source"] == "status"


def test_confirmation_names_products_and_back_sends_nothing(emu, make_request):
    req = make_request("LightCurve", "Spectrum", "StandardPos")
    panel = CancelPanel(req)
    tick(panel, "LightCurve", "Spectrum")
    panel.cancel_button.click()
    assert is_shown(panel.confirm_box)
    assert "Cancel 2 products: LightCurve, Spectrum?" in panel.confirm_text.value
    assert "cannot be undone" in panel.confirm_text.value
    panel.back_button.click()
    assert not is_shown(panel.confirm_box)
    assert emu.request_count("cancel") == 0
    assert panel.selected == ["LightCurve", "Spectrum"]
    assert "xrtw-is-busy" not in panel._dom_classes


def test_double_click_sends_one_request_and_handler_returns_first(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    emu.inject("cancel", "delay", seconds=1.0)
    panel = CancelPanel(req, confirm=False)
    tick(panel, "LightCurve", "Spectrum")
    panel.cancel_button.click()
    fut = panel.last_action
    assert fut is not None and not fut.done()  # the handler returned before the delayed reply
    assert panel.busy and ("xrtw-is-busy" in panel._dom_classes)
    assert "Cancelling 2 products" in panel.busy_indicator.value
    panel.cancel_button.click()
    assert panel.cancel() is fut  # the method also joins the in-flight call
    ok, _ = fut.result(timeout=10)
    assert ok == 1
    assert emu.request_count("cancel") == 1
    assert not panel.busy and "xrtw-is-busy" not in panel._dom_classes


def test_busy_trait_is_observable(emu, make_request):
    req = make_request("LightCurve")
    panel = CancelPanel(req)
    seen = []
    panel.observe(lambda change: seen.append(change["new"]), names=["busy"])
    panel.refresh().result(timeout=10)
    assert seen == [True, False]


def test_unsubmitted_request_removes_without_a_request(emu, make_request):
    req = make_request("LightCurve", "Spectrum", "StandardPos", submit=False)
    panel = CancelPanel(req)
    assert is_shown(panel.notice) and "not been submitted" in panel.notice.value
    assert not is_shown(panel.cancel_button)
    assert is_shown(panel.remove_button)
    assert all("xrtw-status-not-submitted" in classes(panel, n) for n in panel.products)
    tick(panel, "Spectrum")
    panel.remove_button.click()
    assert req.products == ["LightCurve", "StandardPos"]
    assert panel.products == ["LightCurve", "StandardPos"]
    assert panel.history[-1]["action"] == "remove" and "Spectrum" in panel.history[-1]["text"]
    assert panel.cancel("all").result(timeout=1) is None and "not been submitted" in panel.error
    assert emu.request_count() == 0
    # once submitted, a refresh switches the panel to cancelling
    assert req.submit()
    panel.refresh().result(timeout=10)
    assert is_shown(panel.cancel_button) and not is_shown(panel.remove_button)


def test_refresh_shows_build_status_and_progress_and_disables_finished(emu, make_request):
    req = make_request("LightCurve", "Spectrum", "Image")
    emu.advance(30)  # lc and spec running; Image (5 s) complete
    panel = CancelPanel(req)
    statuses = panel.refresh().result(timeout=10)
    assert set(statuses) == {"LightCurve", "Spectrum", "Image"}
    assert "xrtw-status-running" in classes(panel, "LightCurve")
    assert "xrtw-status-complete" in classes(panel, "Image")
    assert panel.rows["Image"].final and not panel.rows["LightCurve"].final
    progress = panel.rows["LightCurve"].state.value
    assert "xrtw-progress" in progress and "<em>all</em>" in progress
    # the active step is bold and says "active" in words; swifttools' "** ... **" markers are not shown
    assert '<strong class="xrtw-step-active">' in progress and "(active" in progress
    assert "**" not in progress and "ACTIVE" not in progress
    panel.select_all()
    assert panel.selected == ["LightCurve", "Spectrum"]
    panel.selected = ["Image"]  # a finished product cannot be ticked
    assert panel.selected == []
    # the next refresh asks only for the unfinished products, in one request
    emu.reset_counts()
    panel.refresh().result(timeout=10)
    assert emu.request_count("status") == 1
    assert emu.log[-1]["body"]["what"] == "lc,spec"
    emu.advance(10_000)
    panel.refresh().result(timeout=10)
    emu.reset_counts()
    assert panel.refresh().result(timeout=1) is None  # everything finished: nothing is sent
    assert emu.request_count() == 0


def test_standardpos_warning_while_astrompos_waits(emu, make_request):
    req = make_request("StandardPos", "AstromPos")
    emu.advance(10)
    panel = CancelPanel(req)
    panel.refresh().result(timeout=10)
    assert panel.statuses["AstromPos"]["code"] == 5
    assert not is_shown(panel.warning)
    tick(panel, "StandardPos")
    assert is_shown(panel.warning)
    assert "AstromPos" in panel.warning.value and "depends on" in panel.warning.value
    panel.rows["StandardPos"].checkbox.value = False
    assert not is_shown(panel.warning)


def test_xss_in_server_texts_arrives_escaped(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    emu.set_text(req.JobID, "LightCurve", statusText=XSS, cancelText=XSS, PreProgress=XSS, StepLabel=XSS)
    emu.advance(30)
    panel = CancelPanel(req)
    panel.refresh().result(timeout=10)
    shown = panel.rows["LightCurve"].state.value
    assert XSS not in shown and html.escape(XSS) in shown
    panel.cancel(["LightCurve"]).result(timeout=10)
    shown = panel.rows["LightCurve"].state.value
    assert XSS not in shown and html.escape(XSS) in shown
    emu.inject("cancel", "refuse", error=XSS)
    panel.cancel(["Spectrum"]).result(timeout=10)
    assert XSS not in panel.error_line.value and html.escape(XSS) in panel.error_line.value
    panel.history_box.selected_index = 0
    assert XSS not in panel.history_html.value and html.escape(XSS) in panel.history_html.value
    bundle = panel._repr_mimebundle_()
    assert XSS not in bundle["text/html"]


def test_progress_whitelist():
    assert (
        render_progress("<em>a</em> <strong>b</strong> <code>c</code>")
        == "<em>a</em> <strong>b</strong> <code>c</code>"
    )
    assert render_progress("<em onclick=x>a</em>") == "&lt;em onclick=x&gt;a&lt;/em&gt;"
    assert render_progress("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert render_progress("<em>open") == "&lt;em&gt;open"
    assert render_progress("<em><code>x</code></em>") == "<em><code>x</code></em>"


def test_history_records_every_action(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    panel = CancelPanel(req)
    panel.refresh().result(timeout=10)
    panel.cancel(["LightCurve"]).result(timeout=10)
    emu.inject("cancel", "status", status=503, count=5)
    panel.cancel(["Spectrum"]).result(timeout=20)
    history = panel.history
    assert [h["action"] for h in history] == ["status", "cancel", "cancel"]
    assert history[1]["asked"] == ["LightCurve"] and history[1]["ok"] == 1
    assert history[1]["codes"] == {"LightCurve": 0}
    assert history[2]["ok"] == -1 and "503" in history[2]["error"]
    assert all(h["time"].endswith("Z") for h in history)
    assert panel.history_box.selected_index is None  # collapsed
    assert panel.history_box.titles == ("History (3)",)
    history[0]["asked"].append("mutated")
    assert panel.history[0]["asked"] == ["LightCurve", "Spectrum"]


def test_unexpected_exception_is_shown_and_buttons_come_back(make_request):
    req = make_request("LightCurve")

    def boom(what="all"):
        raise KeyError("surprise")

    req.cancelProducts = boom  # an exception no request should raise
    panel = CancelPanel(req, confirm=False)
    tick(panel, "LightCurve")
    panel.cancel_button.click()
    panel.last_action.result(timeout=10)
    assert "surprise" in panel.error and is_shown(panel.error_line)
    assert not panel.busy and "xrtw-is-busy" not in panel._dom_classes


def test_nothing_ticked_says_so(emu, make_request):
    panel = CancelPanel(make_request("LightCurve"))
    panel.cancel_button.click()
    assert "Tick at least one product" in panel.error
    assert emu.request_count("cancel") == 0


def test_stylesheet_colours_come_from_the_codes_table():
    """A row's tint is a variable: the codes table's colour in light themes, a dark tint of it in dark ones."""
    css = stylesheet()
    light, dark = (
        re.search(pattern + r"\{([^}]*)\}", css).group(1)
        for pattern in (r"<style>\.xrtw-panel", r"\[data-jp-theme-light=false\] \.xrtw-panel")
    )
    for code in [*codes.CANCEL_CODE.values(), *codes.BUILD_STATUS.values()]:
        var = f"--xrtw-tint-{code.colour.lstrip('#').lower()}"
        assert f".xrtw-row.xrtw-status-{code.slug}{{background-color:var({var})}}" in css
        assert f"xrtw-status-{code.slug}){{background-color:var({var})}}" in css
        assert f"{var}:{code.colour}" in light
        assert f"{var}:{dark_tint(code.colour)}" in dark and dark_tint(code.colour) != code.colour


def test_static_fallback_bundle(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    panel = CancelPanel(req)
    panel.cancel(["LightCurve"]).result(timeout=10)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "LightCurve" in bundle["text/plain"] and "Cancelled (cancel code 0)" in bundle["text/plain"]
    assert "<table>" in bundle["text/html"] and codes.CANCEL_CODE[0].colour in bundle["text/html"]


def test_panel_drives_a_real_swifttools_request(emu):
    from swifttools.ukssdc.xrt_prods import XRTProductRequest as SwiftRequest

    req = SwiftRequest(USER, silent=True)
    req._baseURL = emu.base_url
    req.setGlobalPars(
        name=GLOBALS["name"],
        targ=GLOBALS["targ"],
        T0=175892061.8,
        RA=GLOBALS["RA"],
        Dec=GLOBALS["Dec"],
        centroid=True,
        centMeth="simple",
        useSXPS=False,
        posErr=1,
    )
    req.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    req.addSpectrum(hasRedshift=False)
    req.addStandardPos()
    assert req.submit(), req.submitError
    emu.set_status(req.JobID, "Spectrum", 4)
    panel = CancelPanel(req)
    assert panel._adapter.kind == "swifttools"
    assert panel.products == ["LightCurve", "Spectrum", "StandardPos"]  # from short names
    panel.refresh().result(timeout=10)
    assert "xrtw-status-complete" in classes(panel, "Spectrum")
    assert "xrtw-status-running" not in classes(panel, "Spectrum")
    ok, per = panel.cancel(["LightCurve", "StandardPos"]).result(timeout=10)
    assert ok == 1 and "xrtw-status-cancelled" in classes(panel, "LightCurve")
    emu.set_status(req.JobID, "LightCurve", None)
    ok, per = panel.cancel(["LightCurve"]).result(timeout=10)
    # swifttools says ok == 1 for any answer; the panel derives 0 from the codes
    assert ok == 0 and per["LightCurve"]["code"] == 1
    assert "xrtw-result-not-cancelled" in panel.summary._dom_classes
    assert emu.request_count("cancel") == 2


def test_a_failed_submission_shows_its_errors_escaped(emu):
    req = XRTProductRequest(USER, base_url=emu.base_url)
    req.setGlobalPars(name=XSS, RA=1.0, Dec=2.0)  # no targ: the service lists what is wrong
    req.addLightCurve()
    assert not req.submit()
    panel = CancelPanel(req)
    assert "The last submission failed" in panel.notice.value
    assert "targ" in panel.notice.value
    assert XSS not in panel.notice.value


def test_a_cancel_during_a_refresh_is_sent_after_it(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    panel = CancelPanel(req, confirm=False)
    emu.inject("status", "delay", seconds=0.5)
    refreshing = panel.refresh()
    cancelling = panel.cancel(["LightCurve"])
    assert cancelling is not refreshing
    ok, per = cancelling.result(timeout=10)
    assert refreshing.done() and ok == 1 and per["LightCurve"]["code"] == 0
    assert "xrtw-status-cancelled" in classes(panel, "LightCurve")
    assert emu.request_count("status") == 1 and emu.request_count("cancel") == 1
    # and a refresh asked during a cancel waits, then asks only what is still unfinished
    emu.inject("cancel", "delay", seconds=0.5)
    cancelling = panel.cancel(["Spectrum"])
    refreshed = panel.refresh()
    assert refreshed.result(timeout=10) is None  # both cancelled by then: nothing left to ask
    assert emu.request_count("status") == 1


def test_an_unknown_build_code_from_swifttools_is_shown_as_unknown(emu):
    from swifttools.ukssdc.xrt_prods import XRTProductRequest as SwiftRequest

    req = SwiftRequest(USER, silent=True)
    req._baseURL = emu.base_url
    req.setGlobalPars(name="GRB", targ="00221755", T0=1.0, RA=1.0, Dec=2.0, centroid=False, useSXPS=False)
    req.addStandardPos()
    assert req.submit(), req.submitError

    def seven(reply):
        reply["psf"]["statusCode"] = 7
        return reply

    emu.inject("status", "mutate", func=seven)
    panel = CancelPanel(req)
    panel.refresh().result(timeout=10)
    assert panel.statuses["StandardPos"]["slug"] == "unknown-code"
    assert "xrtw-status-unknown-code" in classes(panel, "StandardPos")
    assert "Not in job" not in panel.rows["StandardPos"].state.value
    assert not panel.rows["StandardPos"].final  # unknown is never final


def test_closing_the_panel_closes_every_widget_it_made(make_request):
    import ipywidgets

    req = make_request("LightCurve", "Spectrum")
    before = set(ipywidgets.widgets.widget._instances)
    panel = CancelPanel(req)
    assert len(set(ipywidgets.widgets.widget._instances) - before) > 20
    panel.close()
    assert set(ipywidgets.widgets.widget._instances) - before == set()
