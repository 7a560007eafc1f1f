"""Constants and helpers shared by the tests (importable as ``support``; conftest files are not for importing)."""

import contextlib
import socket
import time

USER = "astro@example.org"
GLOBALS = dict(name="GRB 060729", targ="00221755", RA=95.37, Dec=-62.21, centroid=True, posErr=1, useSXPS=False)
#: The parameters each product needs before a request is valid (``isValid``); the others need none.
PRODUCT_PARS = {
    "LightCurve": dict(binMeth="snapshot"),
    "Spectrum": dict(hasRedshift=False),
    "SourceDet": dict(whichData="all"),
}
XSS = "<img src=x onerror=alert(1)>"


@contextlib.contextmanager
def unanswered_listener():
    """A loopback port where a connect times out.

    Connecting to a non-routable address would leave this machine; instead the
    listener has a backlog of 0 and never accepts, and filler connections take
    its accept queue. Linux then drops further SYNs (``tcp_abort_on_overflow``
    is 0 by default) rather than refusing them, so the client's connect waits
    until its own connect timeout.
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(3):
                filler = socket.socket()
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    filler.connect(("127.0.0.1", port))
                fillers.append(filler)
            time.sleep(0.05)
            yield port
        finally:
            for filler in fillers:
                filler.close()


# URLs that tests parse or refuse but never contact (test_safety.py proves nothing but 127.0.0.1 is).
from xrt_widgets.client import DEFAULT_BASE_URL  # noqa: E402

#: The real service's base URL in plain http: the URL every "refused before sending" test feeds in.
REAL_SERVICE_HTTP = DEFAULT_BASE_URL.replace("https:", "http:", 1)
#: A host under ".invalid" (RFC 2606), which can never resolve.
NOWHERE = "outside.invalid"


def assert_inline_markup_only(shown: str, text: str) -> None:
    """Check ``shown``, a progress text as rendered, against ``text``, the progress text it came from.

    Its only tags are ``<em>``, ``<strong>`` and ``<code>`` without
    attributes, well-nested, and decoding its entities gives ``text`` back:
    nothing was lost, and nothing but those tags became markup. Runs in
    linear time, so that it can check megabytes.
    """
    import html
    import re

    tag_at = re.compile(r"<(/?)(em|strong|code)>")
    open_names: list[str] = []
    position = shown.find("<")
    while position >= 0:
        tag = tag_at.match(shown, position)
        assert tag, f"markup other than the inline tags: {shown[position : position + 60]!r}"
        if tag.group(1):
            assert open_names and open_names.pop() == tag.group(2), f"badly nested at {position}"
        else:
            open_names.append(tag.group(2))
        position = shown.find("<", tag.end())
    assert not open_names, f"unclosed {open_names[-1]}"
    assert '"' not in shown and "'" not in shown
    assert html.unescape(shown) == text


#: swifttools' globals for the tests' swifttools requests (its own Python names).
SWIFT_T0 = 175886400.0
SWIFT_GLOBALS = dict(
    name="GRB 060729",
    targ="00221755",
    T0=SWIFT_T0,
    RA=95.37,
    Dec=-62.21,
    centroid=True,
    centMeth="iterative",
    useSXPS=False,
    posErr=1,
)


def swifttools_request(base_url: str):
    """A swifttools request for a light curve, a spectrum and a standard position, pointed at ``base_url``."""
    import swifttools.ukssdc.xrt_prods as st

    req = st.XRTProductRequest(USER, silent=True)
    req._baseURL = base_url
    req.setGlobalPars(**SWIFT_GLOBALS)
    req.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    req.addSpectrum(hasRedshift=False)
    req.addStandardPos()
    return req
