"""Hostile text: XSS payloads in every server string that reaches the screen arrive inert.

One test per field: status text, cancel text, ``ERROR``, progress step
labels, ``PreProgress``, the job name, a ``listErr`` message, the job page
URL and an HTTP error page. Each test looks at every HTML widget value of
the panel (and of the job board, where the field shows there) and at the
panel's ``text/html`` fallback, parses them, and requires that no
dangerous element or event-handler attribute appears, while the payload's
words are visible as text.
"""

from __future__ import annotations

from html.parser import HTMLParser

import ipywidgets as widgets
import pytest

from xrt_widgets import CancelPanel, JobBoard, XRTProductRequest

from support import DEFAULT_BASE_URL, GLOBALS, PRODUCT_PARS, USER, XSS

PAYLOADS = [XSS, "<script>alert(1)</script>", '"><svg onload=alert(1)>']
#: For the progress texts, whose <em>/<strong>/<code> markup is kept: payloads that abuse that whitelist.
PROGRESS_PAYLOADS = [
    *PAYLOADS,
    "<em onmouseover=alert(1)>x</em>",
    "<em><img src=x onerror=alert(1)></em>",
    "<code><script>alert(1)</script></code>",
    "<strong>a</strong><svg/onload=alert(1)>",
]
DANGEROUS_TAGS = {
    "script",
    "img",
    "svg",
    "iframe",
    "object",
    "embed",
    "math",
    "link",
    "meta",
    "base",
    "form",
    "input",
    "video",
    "audio",
    "body",
    "html",
    "frame",
    "frameset",
    "template",
}


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def visible_text(markup: str) -> str:
    """The text a browser would show for ``markup``, after checking that nothing in it can run."""
    scan = _Scan()
    scan.feed(markup)
    scan.close()
    for tag, attrs in scan.tags:
        assert tag not in DANGEROUS_TAGS, (tag, markup[:300])
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, markup[:300])
            if name in ("href", "src", "action", "formaction"):
                assert (value or "").startswith(("https://", "http://")), (name, value)
    return "".join(scan.text)


def html_values(widget) -> list[str]:
    """Every string of ``widget``'s tree that a browser renders as HTML."""
    out = []
    if isinstance(widget, (widgets.HTML, widgets.HTMLMath)):
        out.append(widget.value)
    if getattr(widget, "description_allow_html", False):
        out.append(widget.description)
    for child in getattr(widget, "children", ()):
        out.extend(html_values(child))
    return out


def screen_text(panel) -> str:
    """The panel's visible text, widgets and static fallback, once every piece is checked inert."""
    pieces = [visible_text(v) for v in html_values(panel)]
    panel.refresh_on_display = False  # read here, not shown to a person: no status request of its own
    pieces.append(visible_text(panel._repr_mimebundle_()["text/html"]))
    return "\n".join(pieces)


def fallback_text(panel) -> str:
    panel.refresh_on_display = False
    return visible_text(panel._repr_mimebundle_()["text/html"])


# -- one test per field ---------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_status_text_is_inert(emu, make_request, payload):
    req = make_request("LightCurve", "Spectrum")
    emu.set_text(req.JobID, "LightCurve", statusText=payload)
    panel = CancelPanel(req)
    panel.refresh().result(timeout=10)
    assert panel.statuses["LightCurve"]["text"] == payload
    assert payload in visible_text(panel.rows["LightCurve"].state.value)
    assert payload in fallback_text(panel)
    screen_text(panel)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_cancel_text_is_inert(emu, make_request, payload):
    req = make_request("LightCurve", "Spectrum")
    emu.set_text(req.JobID, "LightCurve", cancelText=payload)
    panel = CancelPanel(req)
    _ok, per = panel.cancel(["LightCurve"]).result(timeout=10)
    assert per["LightCurve"] == {"code": 0, "text": payload}
    assert payload in visible_text(panel.rows["LightCurve"].state.value)
    assert payload in fallback_text(panel)
    screen_text(panel)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_error_of_a_refused_request_is_inert(emu, make_request, payload):
    req = make_request("LightCurve", "Spectrum")
    panel = CancelPanel(req)
    emu.inject("cancel", "refuse", error=payload)
    assert panel.cancel(["LightCurve"]).result(timeout=10) == (0, {"ERROR": payload})
    assert payload in visible_text(panel.error_line.value)
    panel.history_box.selected_index = 0  # the history is rendered when opened
    assert payload in visible_text(panel.history_html.value)
    screen_text(panel)
    emu.inject("status", "refuse", error=payload)
    assert panel.refresh().result(timeout=10) == {"ERROR": payload}
    assert payload in visible_text(panel.error_line.value)
    screen_text(panel)


@pytest.mark.parametrize("payload", PROGRESS_PAYLOADS)
def test_step_label_is_inert(emu, make_request, payload):
    req = make_request("LightCurve")
    emu.set_text(req.JobID, "LightCurve", StepLabel=payload)
    emu.advance(30)  # running: progress steps are sent
    panel = CancelPanel(req)
    statuses = panel.refresh().result(timeout=10)
    assert payload in statuses["LightCurve"]["progressText"]
    assert "alert(1)" in visible_text(panel.rows["LightCurve"].state.value)
    assert "xrtw-progress" in panel.rows["LightCurve"].state.value
    screen_text(panel)


@pytest.mark.parametrize("payload", PROGRESS_PAYLOADS)
def test_pre_progress_is_inert(emu, make_request, payload):
    req = make_request("LightCurve")
    emu.set_text(req.JobID, "LightCurve", PreProgress=payload)
    emu.advance(30)
    panel = CancelPanel(req)
    statuses = panel.refresh().result(timeout=10)
    assert payload in statuses["LightCurve"]["progressText"]
    assert "alert(1)" in visible_text(panel.rows["LightCurve"].state.value)
    screen_text(panel)


def test_pre_progress_keeps_its_harmless_markup(emu, make_request):
    """The control for the test above: the service's own <em>/<code> markup still renders as markup."""
    req = make_request("LightCurve")
    emu.set_text(req.JobID, "LightCurve", PreProgress="Using <em>all</em> of <code>00221755</code>")
    emu.advance(30)
    panel = CancelPanel(req)
    panel.refresh().result(timeout=10)
    shown = panel.rows["LightCurve"].state.value
    assert "<em>all</em>" in shown and "<code>00221755</code>" in shown
    assert "Using all of 00221755" in visible_text(shown)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_job_name_is_inert(emu, payload):
    req = XRTProductRequest(USER, base_url=emu.base_url)
    req.setGlobalPars(**dict(GLOBALS, name=payload))
    req.addLightCurve(**PRODUCT_PARS["LightCurve"])
    assert req.submit(), req.submitError
    assert req.jobPars["name"] == payload
    # The name shows on the job board, and in the header of the job's panel the board opens.
    board = JobBoard(USER, base_url=emu.base_url, load=False)
    board.reload().result(timeout=10)
    row = board.entries[req.JobID]
    assert payload in visible_text(row.summary.value)
    for value in html_values(board):
        visible_text(value)
    row.toggle.value = True
    panel = row.panel
    assert panel is not None
    assert payload in visible_text(panel.header.value)
    assert payload in fallback_text(panel)  # readable in the static fallback too: escaped once, not twice
    screen_text(panel)
    # A panel given the name as its title directly.
    own = CancelPanel(req, title=req.jobPars["name"])
    assert payload in visible_text(own.header.value) and payload in fallback_text(own)
    screen_text(own)
    board.close()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_list_err_message_is_inert(emu, payload):
    emu.inject(
        "submit",
        "json",
        value={
            "OK": 0,
            "APIVersion": "1.12",
            "ERROR": payload,
            "listErr": [{"label": payload, "list": [payload, "name: required"]}],
        },
    )
    req = XRTProductRequest(USER, base_url=emu.base_url)
    req.setGlobalPars(**GLOBALS)
    req.addLightCurve(**PRODUCT_PARS["LightCurve"])
    req.addSpectrum(**PRODUCT_PARS["Spectrum"])
    assert req.submit() is False
    assert req.submitError.count(payload) == 3  # plain text, for the user to read
    panel = CancelPanel(req)
    panel.cancel("all").result(timeout=10)  # refused locally: not submitted
    panel.refresh().result(timeout=10)
    assert "not been submitted" in screen_text(panel)
    assert emu.request_count("cancel") == emu.request_count("status") == 0


@pytest.mark.parametrize(
    "url",
    [
        f'{DEFAULT_BASE_URL}/tprods/USERPROD_1"><svg onload=alert(1)>',
        f"{DEFAULT_BASE_URL}/x' onmouseover='alert(1)",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_job_page_url_is_inert(emu, url):
    emu.inject("submit", "mutate", func=lambda reply: dict(reply, URL=url))
    req = XRTProductRequest(USER, base_url=emu.base_url)
    req.setGlobalPars(**GLOBALS)
    req.addLightCurve(**PRODUCT_PARS["LightCurve"])
    assert req.submit() and url == req.URL
    panel = CancelPanel(req)
    screen_text(panel)  # a link, if any, is http(s) and its href cannot break out of its quotes
    scan = _Scan()
    scan.feed(panel.header.value)
    links = [attrs["href"] for tag, attrs in scan.tags if tag == "a"]
    assert links == ([url] if url.startswith("https://") else [])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_http_error_page_is_inert(emu, make_request, payload):
    import html

    req = make_request("LightCurve")
    # Entities in the page decode to the payload's characters in the message: the panel must escape them.
    emu.inject("cancel", "status", status=500, body=f"Fatal error: {html.escape(payload)}")
    panel = CancelPanel(req)
    ok, per = panel.cancel("all").result(timeout=10)
    assert ok == -1 and payload in per["ERROR"]
    assert payload in visible_text(panel.error_line.value)
    screen_text(panel)
