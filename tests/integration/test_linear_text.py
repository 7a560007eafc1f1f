"""Every function that reads server text runs in time linear in its input.

Each function meets megabyte-sized hostile inputs (unclosed and
alternating inline tags, ``<head`` and ``<script`` that never close, ``<``
with no ``>``, steps nested 100 000 deep, huge labels) and must answer
correctly in well under a second. Time alone depends on the machine, so
scaling is also checked in ways that do not: the number of Python lines
each function runs, counted with a trace function, must grow in proportion
to its input, and its best time on 1 MB must stay within a linear factor of
its best time on 256 KB.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from xrt_widgets import markup
from xrt_widgets.markup import escape, html_to_text, render_progress, strip_tags
from xrt_widgets.request import build_progress_text

from support import assert_inline_markup_only

MB = 2**20
#: Wall-time bound for one call on 1 MB, far above what a linear pass takes on a slow, busy machine.
BOUND = 0.5


def repeated(unit: str, size: int = MB) -> str:
    """``unit`` repeated to exactly ``size`` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def best_time(func: Callable[[Any], Any], arg: Any, runs: int = 3) -> float:
    """The shortest of ``runs`` timings of ``func(arg)``: the function's cost, without the machine's hiccups."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        func(arg)
        best = min(best, time.perf_counter() - start)
    return best


def lines_run(func: Callable[[Any], Any], arg: Any) -> int:
    """How many lines of xrt_widgets code ``func(arg)`` runs: a measure of work that no machine changes."""
    count = 0

    def local(frame, event, _arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def global_(frame, event, _arg):
        return local if frame.f_code.co_filename.startswith(_PACKAGE_DIR) else None

    previous = sys.gettrace()
    sys.settrace(global_)
    try:
        func(arg)
    finally:
        sys.settrace(previous)
    return count


_PACKAGE_DIR = markup.__file__.rsplit("/", 1)[0]


def nested_progress(depth: int) -> dict:
    """A progress object whose one step holds a step, which holds a step... ``depth`` times."""
    step: dict = {"StepLabel": "leaf", "StepStatus": 1}
    for _ in range(depth):
        step = {"StepLabel": "level", "StepStatus": 2, "SubStep": [step]}
    return {"GotProgress": 1, "ProgressSteps": [step]}


def flat_progress(count: int, label: str = "step label") -> dict:
    return {"GotProgress": 1, "ProgressSteps": [{"StepLabel": label, "StepStatus": i % 3} for i in range(count)]}


@pytest.fixture
def whole_pages(monkeypatch):
    """html_to_text reads whole pages: its scanning is tested alone, without the prefix that bounds it."""
    monkeypatch.setattr(markup, "PAGE_PREFIX", 64 * MB)


# -- render_progress --------------------------------------------------------------------------------

PROGRESS_HOSTILE = {
    "unclosed opens": repeated("<em>x"),
    "opens then as many closes": "<em>" * (MB // 9) + "</em>" * (MB // 9),
    "alternating opens": repeated("<em><strong><code>"),
    "closes under a deeper open": repeated("<em><strong></em>"),
    "closes with no open": repeated("</code>"),
    "escaped tags in the text": repeated("&lt;em&gt;"),
    "opens with attributes": repeated("<em class=x>"),
    "tags and quotes": repeated("<em>'\"<strong>&<</code>>"),
}


@pytest.mark.parametrize("text", PROGRESS_HOSTILE.values(), ids=PROGRESS_HOSTILE.keys())
def test_render_progress_of_a_megabyte(text):
    assert best_time(render_progress, text) < BOUND
    assert_inline_markup_only(render_progress(text), text)


def test_render_progress_restores_every_balanced_pair_however_deep():
    text = "<em>" * (MB // 9) + "</em>" * (MB // 9)
    assert render_progress(text) == text


def test_render_progress_of_80_kb_of_real_looking_progress():
    """The 80 KB progress text that once froze the kernel for 12 s, rendered again on every refresh."""
    text = repeated("Binning <em>PC</em> mode events of <code>00221755</code>; <em>waiting for ", 80 * 1024)
    for _ in range(3):
        assert best_time(render_progress, text, runs=1) < BOUND / 5
    shown = render_progress(text)
    assert_inline_markup_only(shown, text)
    assert "<em>PC</em>" in shown and "<code>00221755</code>" in shown and "&lt;em&gt;waiting" in shown


@pytest.mark.parametrize(
    "text,shown",
    [
        ("<em><code>x</em></code>", "<em>&lt;code&gt;x</em>&lt;/code&gt;"),  # never badly nested
        ("<em>a<em>b</em>", "&lt;em&gt;a<em>b</em>"),  # a close pairs with the nearest open
        ("</em><em>", "&lt;/em&gt;&lt;em&gt;"),
        ("<EM>x</EM>", "&lt;EM&gt;x&lt;/EM&gt;"),
        ("<strong><em>a</em><code>b</code></strong>", "<strong><em>a</em><code>b</code></strong>"),
        ("&lt;em&gt;x&lt;/em&gt;", "&amp;lt;em&amp;gt;x&amp;lt;/em&amp;gt;"),  # the text's own entities stay text
        (None, ""),
        (7, "7"),
    ],
)
def test_render_progress_pairs_tags_like_a_stack(text, shown):
    assert render_progress(text) == shown


def test_escape_is_html_escape_with_quotes():
    assert escape(None) == ""
    assert escape(3) == "3"
    assert escape("<a href='x'>\"&") == html.escape("<a href='x'>\"&", quote=True)


# -- html_to_text -----------------------------------------------------------------------------------

PAGE_HOSTILE = {
    "<head repeated, never closed": repeated("<head>"),
    "<script never ended": repeated("<script x"),
    "</script without its >": "<script>" + repeated("</script "),
    "< without >": repeated("<a"),
    "only <": repeated("<"),
    "many closed elements": repeated("<style>p{}</style ><b>x</b>"),
    "text and tags": repeated("Fatal <b>error</b> &amp; more "),
    "one long word": repeated("x"),
}


@pytest.mark.parametrize("page", PAGE_HOSTILE.values(), ids=PAGE_HOSTILE.keys())
@pytest.mark.parametrize("limit", [200, 80, 0])
def test_html_to_text_of_a_megabyte(page, limit):
    assert best_time(lambda p: html_to_text(p, limit), page) < BOUND / 10  # only a prefix is read
    text = html_to_text(page, limit)
    assert len(text) <= limit + 1
    assert "<" not in text  # the pages hold no entity that decodes to "<"


@pytest.mark.parametrize("page", PAGE_HOSTILE.values(), ids=PAGE_HOSTILE.keys())
def test_html_to_text_scans_a_whole_megabyte_in_linear_time(whole_pages, page):
    assert best_time(html_to_text, page) < BOUND
    assert len(html_to_text(page)) <= 201 and "<" not in html_to_text(page)


def test_html_to_text_reads_only_a_prefix():
    page = repeated("<p>", markup.PAGE_PREFIX) + "Fatal error beyond the prefix"
    assert html_to_text(page) == ""


@pytest.mark.parametrize(
    "page,text",
    [
        ("<html><head><title>500</title></head><body><h1>500</h1><p>Fatal</p></body></html>", "500 Fatal"),
        ("<script>alert(1)</script>Fatal error: database went away", "Fatal error: database went away"),
        ("Fatal error: <b>database</b> went away", "Fatal error: database went away"),
        ("<SCRIPT type=x>alert(1)</SCRIPT\n >Gone", "Gone"),
        ("<header>Title</header> <scripts>x</scripts>", "Title x"),  # other elements whose names start alike
        ("Error<script>alert(1)", "Error"),  # an unclosed script takes the rest with it
        ("Error<style>p{} </style x> still style", "Error"),
        ("a < b", "a"),  # a tag that never ends, likewise
        ("İİ<script>x</script>after", "İİ after"),  # lower() would make "İ" two characters and shift indices
        ("&lt;b&gt; &amp; &#62; &nbsp;x", "<b> & > x"),  # entities decode after the tags are gone; &nbsp; is space
        ("  lots \n\t of   space  ", "lots of space"),
        ("", ""),
        (None, ""),
    ],
)
def test_html_to_text_reads_error_pages(page, text):
    assert html_to_text(page) == text


def test_html_to_text_cuts_to_its_limit():
    assert html_to_text("x" * 300) == "x" * 200 + "…"
    assert html_to_text("x" * 300, 80) == "x" * 80 + "…"
    assert html_to_text("x" * 80, 80) == "x" * 80


# -- strip_tags -------------------------------------------------------------------------------------

STRIP_HOSTILE = {
    "< without >": repeated("<a"),
    "only <": repeated("<"),
    "tags": repeated("<b>x</b>"),
    "<>": repeated("<>y"),
}


@pytest.mark.parametrize("text", STRIP_HOSTILE.values(), ids=STRIP_HOSTILE.keys())
def test_strip_tags_of_a_megabyte(text):
    assert best_time(strip_tags, text) < BOUND
    assert "<" not in strip_tags(text)


@pytest.mark.parametrize(
    "text,stripped",
    [
        ("<b>Swift XRT job 7</b> · <a href='x'>job page</a>", "Swift XRT job 7 · job page"),
        ("a &lt;b&gt; c", "a &lt;b&gt; c"),  # entities are the caller's to decode
        ("a<>b", "ab"),
        ("a > b", "a > b"),
        ("keep <this", "keep "),
        ("", ""),
    ],
)
def test_strip_tags(text, stripped):
    assert strip_tags(text) == stripped


# -- build_progress_text ----------------------------------------------------------------------------


def test_progress_text_of_steps_nested_100_000_deep():
    progress = nested_progress(100_000)
    assert best_time(build_progress_text, progress) < BOUND
    lines = build_progress_text(progress).splitlines()
    assert lines == ["  " * (depth + 1) + "level - DONE" for depth in range(51)]  # 50 levels down, as before


def test_progress_text_needs_no_recursion():
    """Close to the recursion limit, steps 50 deep still render: the walk keeps its own stack."""
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 25)
    try:
        text = build_progress_text(nested_progress(60))
    finally:
        sys.setrecursionlimit(previous)
    assert len(text.splitlines()) == 51


def test_progress_text_of_huge_labels():
    label, extra = "<em>" * (MB // 4), "x" * MB
    progress = {
        "GotProgress": 1,
        "PreProgress": label,
        "TimeRunning": "1s",
        "ProgressSteps": [
            {
                "StepLabel": label,
                "StepStatus": 1,
                "StepExtra": extra,
                "SubStep": [{"StepLabel": label, "StepStatus": 2}],
            },
        ],
    }
    assert best_time(build_progress_text, progress) < BOUND
    assert build_progress_text(progress).splitlines() == [
        label,
        f"  ** {label} - ACTIVE -- {extra}**",
        f"    {label} - DONE",
        "",
        "The job has been running for 1s",
    ]


def test_progress_text_of_100_000_steps():
    progress = flat_progress(100_000)
    assert best_time(build_progress_text, progress) < BOUND
    lines = build_progress_text(progress).splitlines()
    assert len(lines) == 100_000 and lines[:3] == ["  step label", "  ** step label - ACTIVE**", "  step label - DONE"]


# -- scaling, measured without a clock ---------------------------------------------------------------

SCALING_INPUTS = {
    "render_progress, unclosed opens": (render_progress, lambda size: repeated("<em>x", size)),
    "render_progress, nested pairs": (render_progress, lambda size: "<em>" * (size // 9) + "</em>" * (size // 9)),
    "render_progress, closes under deeper opens": (render_progress, lambda size: repeated("<em><strong></em>", size)),
    "strip_tags": (strip_tags, lambda size: repeated("<b>x</b>", size)),
    "html_to_text": (html_to_text, lambda size: repeated("<style>p{}</style ><b>x</b>", size)),
    "build_progress_text, flat": (build_progress_text, lambda size: flat_progress(size // 16)),
    "build_progress_text, nested lists": (
        build_progress_text,
        lambda size: {
            "GotProgress": 1,
            "ProgressSteps": [{"StepLabel": "a", "SubStep": [{"StepLabel": "b", "SubStep": [{"StepLabel": "c"}]}] * 4}]
            * (size // 256),
        },
    ),
}


@pytest.mark.parametrize("func,make", SCALING_INPUTS.values(), ids=SCALING_INPUTS.keys())
def test_work_grows_in_proportion_to_the_input(whole_pages, func, make):
    small, large = lines_run(func, make(64 * 1024)), lines_run(func, make(256 * 1024))
    assert small > 0 and large / small < 4 * 1.25, (small, large)  # a quadratic pass would give 16


@pytest.mark.parametrize("func,make", SCALING_INPUTS.values(), ids=SCALING_INPUTS.keys())
def test_time_grows_in_proportion_to_the_input(whole_pages, func, make):
    """Within the same run, so that the machine's speed cancels out; the best of five, so that its hiccups do."""
    small, large = make(MB // 4), make(MB)
    ratio = best_time(func, large, runs=5) / best_time(func, small, runs=5)
    assert ratio < 8, ratio  # linear is 4, quadratic 16


@pytest.mark.parametrize(
    "text",
    [
        "a" * 1_000_000,  # letters and no "://": the old regex rescanned from every one
        "x://" * 250_000,
        "http://" + "u:p@" * 250_000,
        ("@" * 1000 + "/") * 1000,
    ],
)
def test_hiding_passwords_in_a_message_is_linear(text):
    from xrt_widgets.adapter import without_passwords
    from xrt_widgets.errors import redact_url

    for fn in (without_passwords, lambda t: redact_url(t, limit=len(t) + 10)):
        start = time.perf_counter()
        out = fn(text)
        assert time.perf_counter() - start < 0.5
        assert "u:p@" not in out
