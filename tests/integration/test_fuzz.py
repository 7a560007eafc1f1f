"""Fuzzing: thousands of generated replies, served by the emulator, must never break the client or the panel.

Replies come through the emulator's ``json`` (any JSON value), ``raw`` (any
bytes, any content type) and ``mutate`` (the store's real reply, then
changed) faults. Each reply is judged by an oracle written here from the
protocol alone: when it is a valid reply, ``cancelProducts`` and
``checkProductStatus`` must return what it says; otherwise -1 (or
``{"ERROR": ...}``) with a short readable text; and nothing ever raises.
The panel must never show a product as cancelled unless the reply carried
code 0 for it. Job listings mixing good and hostile entries go through
``parse_listing`` and, served whole, a ``JobBoard``: every good entry is
shown with exactly the products its flags name, and every bad one is counted.

One emulator serves a whole module (a fresh job per example is made
directly in its store), so that each example costs one HTTP round trip.
The functions that read server text are also fed pathological text
directly, without a server.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from xrt_widgets import CancelPanel, Emulator, JobBoard, XRTProductRequest
from xrt_widgets.markup import html_to_text, render_progress, strip_tags
from xrt_widgets.products import LONG_NAMES, PRODUCTS
from xrt_widgets.protocol import parse_listing
from xrt_widgets.request import build_progress_text
from xrt_widgets.ui.parts import is_shown

from support import USER, XSS, assert_inline_markup_only

SHORT = {p.long: p.short for p in PRODUCTS}
CANCEL_CODES = frozenset({0, 1, 2, 3, 4})
#: The build statuses the protocol defines (-10 is the client's "no status", also accepted from the wire).
BUILD_CODES = frozenset({-10, -4, -3, -2, -1, 1, 2, 3, 4, 5})
INVALID = object()
_DECIMAL = re.compile(r"\s*-?[0-9]+\s*", re.ASCII)

# Sized so that the file runs in well under a minute while serving thousands of replies in all.
FUZZ = settings(
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@pytest.fixture(scope="module")
def emu():
    with Emulator(manual_clock=True) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def session(emu):
    """One session with the client's own retry adapter, shared by the requests of every example."""
    base = XRTProductRequest(USER, base_url=emu.base_url, timeout=(2.0, 10.0))
    yield base.transport.session
    base.transport.session.close()


def fresh_request(emu, session, age: float = 0.0, products=LONG_NAMES) -> XRTProductRequest:
    """A request bound to a new job (made in the store directly: no HTTP) of ``products``."""
    job = emu.add_job(USER, products, age=age)
    return XRTProductRequest.from_job(USER, job, products, base_url=emu.base_url, timeout=(2.0, 10.0), session=session)


# -- the oracle -------------------------------------------------------------------------------------


def as_code(value):
    """The integer a reply's code stands for: an int, or a plain decimal string; else INVALID."""
    if isinstance(value, bool):
        return INVALID
    if isinstance(value, int):
        return value
    if isinstance(value, str) and len(value) <= 40 and _DECIMAL.fullmatch(value):
        return int(value)
    return INVALID


def decode(body: bytes):
    """The JSON value a body holds, as the protocol defines it (UTF-8 JSON); INVALID if none."""
    try:
        return json.loads(body.decode("utf-8"))
    except Exception:  # not JSON, whatever the reason (bad UTF-8, recursion, 5000 digits)
        return INVALID


def top_level(reply, oks=(0, 1, 2)):
    """ "invalid", "refused" or "ok" for the parts every reply shares (``oks``: the OK values allowed)."""
    if not isinstance(reply, dict) or "OK" not in reply or "APIVersion" not in reply:
        return "invalid"
    ok = reply["OK"]
    if isinstance(ok, bool) or not isinstance(ok, int) or ok not in oks:
        return "invalid"
    return "refused" if ok == 0 else "ok"


def expected_cancel(reply, chosen, job_id):
    """``None`` (must be -1), ``"refused"`` (must be 0), or long name -> (code, text or None)."""
    head = top_level(reply)
    if head != "ok":
        return None if head == "invalid" else "refused"
    if not all(k in reply for k in ("JobID", "status", "statusCodes")) or as_code(reply["JobID"]) != job_id:
        return None
    status, codes_ = reply["status"], reply["statusCodes"]
    if not isinstance(status, dict) or not isinstance(codes_, dict):
        return None
    out = {}
    for name in chosen:
        short = SHORT[name]
        if short not in codes_:
            return None
        code = as_code(codes_[short])
        if code not in CANCEL_CODES:
            return None
        text = status.get(short)
        if text is not None and not isinstance(text, str):
            return None
        out[name] = (code, text)
    return out


def expected_status(reply, chosen, job_id):
    """``None``, ``"refused"``, or long name -> (code, text or None, progress)."""
    head = top_level(reply, oks=(0, 1))  # OK=2 (partly) only answers a cancel
    if head != "ok":
        return None if head == "invalid" else "refused"
    if "JobID" not in reply or as_code(reply["JobID"]) != job_id:  # a reply about another job is not ours
        return None
    out = {}
    for name in chosen:
        entry = reply.get(SHORT[name])
        if entry is None:
            out[name] = (-10, None, {})
            continue
        if not isinstance(entry, dict) or "statusCode" not in entry:
            return None
        raw = entry["statusCode"]
        code = None if raw is None else as_code(raw)
        if code is not None and code not in BUILD_CODES:
            return None
        text = entry.get("statusText")
        if text is not None and not isinstance(text, str):
            return None
        progress = entry.get("progress")
        progress = {} if progress is None else progress
        if not isinstance(progress, dict):
            return None
        out[name] = (code, text, progress)
    return out


def assert_readable(text: str) -> None:
    """An error text a person can read: present, short, and not a bug of ours leaking out."""
    assert isinstance(text, str) and text.strip(), repr(text)
    assert len(text) <= 600, f"{len(text)} characters: {text[:200]!r}…"
    assert "Unexpected error" not in text and "Traceback" not in text, text


def check_cancel(result, reply, chosen, job_id):
    ok, per = result
    expected = expected_cancel(reply, chosen, job_id)
    event(f"cancel reply: {expected if expected in (None, 'refused') else 'valid'}")
    if expected is None:
        assert ok == -1 and set(per) == {"ERROR"}, (result, reply)
        assert_readable(per["ERROR"])
    elif expected == "refused":
        assert ok == 0 and set(per) == {"ERROR"}, (result, reply)
        message = reply.get("ERROR")
        if isinstance(message, str) and message.strip():
            assert per["ERROR"] == message
        else:
            assert_readable(per["ERROR"])
    else:
        assert set(per) == set(chosen), (result, reply)
        for name, (code, text) in expected.items():
            assert per[name]["code"] == code, (name, result, reply)
            if text is None:
                assert isinstance(per[name]["text"], str) and per[name]["text"]
            else:
                assert per[name]["text"] == text
        zeros = sum(1 for code, _ in expected.values() if code == 0)
        assert ok == (1 if zeros == len(expected) else 2 if zeros else 0), (result, reply)


def check_status(result, reply, chosen, job_id):
    assert isinstance(result, dict)
    expected = expected_status(reply, chosen, job_id)
    event(f"status reply: {expected if expected in (None, 'refused') else 'valid'}")
    if expected is None:
        assert set(result) == {"ERROR"}, (result, reply)
        assert_readable(result["ERROR"])
    elif expected == "refused":
        assert set(result) == {"ERROR"}, (result, reply)
        message = reply.get("ERROR")
        if isinstance(message, str) and message.strip():
            assert result["ERROR"] == message
    else:
        assert set(result) == set(chosen), (result, reply)
        for name, (code, text, progress) in expected.items():
            got = result[name]
            assert got["statusCode"] == code, (name, result, reply)
            if text is None:
                assert isinstance(got["statusText"], str) and got["statusText"]
            else:
                assert got["statusText"] == text
            if code != -10:
                assert got["progress"] == progress
            assert isinstance(got["progressText"], str) and got["progressText"]


# -- strategies ---------------------------------------------------------------------------------------

HOSTILE = [
    XSS,
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "",
    " ",
    "\x00\x1b[2J\u202e",
    "Job cancelled OK",
    "Job could not be cancelled - has it already finished?",
]
KEYS = [
    "OK",
    "APIVersion",
    "ERROR",
    "JobID",
    "status",
    "statusCodes",
    "statusCode",
    "statusText",
    "progress",
    *SHORT.values(),
]


def _huge(n: int) -> str:
    return "Ω" * n


TEXTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(HOSTILE),
    st.sampled_from([5_000, 60_000]).map(_huge),  # huge strings (a reply too big to be valid is in RAW_ODDITIES)
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXTS,
)
JSON = st.recursive(
    SCALARS,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=8,
)
ODD_CODES = st.sampled_from(
    [
        "0",
        "1",
        " 2 ",
        "4\n",
        "--1",
        "-0",
        "\N{ARABIC-INDIC DIGIT ONE}",
        "²",
        "0x1",
        "1.0",
        "",
        "1_0",
        None,
        True,
        False,
        0.0,
        1.5,
        [],
        {},
        [0],
        {"code": 0},
        -1,
        5,
        99,
        -4,
        2**64,
    ]
)
CANCEL_CODE_VALUES = st.one_of(
    st.sampled_from(sorted(CANCEL_CODES)), st.sampled_from(sorted(CANCEL_CODES)), ODD_CODES, SCALARS
)
BUILD_CODE_VALUES = st.one_of(
    st.sampled_from([-4, -3, -2, -1, 1, 2, 3, 4, 5, None]), st.sampled_from([-4, 3, 4]), ODD_CODES, SCALARS
)

STEPS = st.recursive(
    st.fixed_dictionaries(
        {"StepLabel": TEXTS, "StepStatus": st.sampled_from([0, 1, 2]) | SCALARS},
        optional={"StepExtra": TEXTS | SCALARS},
    ),
    lambda kids: st.fixed_dictionaries(
        {"StepLabel": TEXTS | SCALARS, "StepStatus": st.sampled_from([0, 1, 2])},
        optional={"SubStep": st.lists(kids, max_size=3) | SCALARS},
    ),
    max_leaves=6,
)
PROGRESS = st.fixed_dictionaries(
    {"GotProgress": st.sampled_from([0, 1, 1, 2]) | SCALARS},
    optional={
        "PreProgress": TEXTS | SCALARS,
        "ProgressSteps": st.lists(STEPS | SCALARS, max_size=4) | SCALARS,
        "TimeRunning": TEXTS | SCALARS,
    },
)
NEW_VALUES = st.one_of(SCALARS, JSON, CANCEL_CODE_VALUES)


def cancel_paths(shorts):
    return [(), ("OK",), ("APIVersion",), ("JobID",), ("status",), ("statusCodes",)] + [
        (key, s) for s in shorts for key in ("status", "statusCodes")
    ]


def status_paths(shorts):
    paths = [(), ("OK",), ("APIVersion",), ("JobID",)]
    for s in shorts:
        paths += [
            (s,),
            (s, "statusCode"),
            (s, "statusText"),
            (s, "progress"),
            (s, "progress", "GotProgress"),
            (s, "progress", "PreProgress"),
            (s, "progress", "ProgressSteps"),
            (s, "progress", "ProgressSteps", 0),
            (s, "progress", "ProgressSteps", 0, "StepLabel"),
            (s, "progress", "ProgressSteps", 0, "SubStep"),
            (s, "progress", "TimeRunning"),
        ]
    return paths


def plans(paths):
    """A list of edits (path, "delete" | "set", value) to make to a reply."""
    edit = st.tuples(st.sampled_from(paths), st.sampled_from(["delete", "set", "set"]), NEW_VALUES)
    return st.lists(edit, max_size=3)


def apply_plan(reply, plan):
    """The reply after the edits; an edit whose path is not there is skipped."""
    value = copy.deepcopy(reply)
    for path, action, new in plan:
        if not path:
            value = copy.deepcopy(new)
            continue
        parent = value
        try:
            for key in path[:-1]:
                parent = parent[key]
            if isinstance(parent, dict) or (isinstance(parent, list) and isinstance(path[-1], int)):
                if action == "delete":
                    del parent[path[-1]]
                else:
                    parent[path[-1]] = copy.deepcopy(new)
        except (KeyError, IndexError, TypeError):
            continue
    return value


@st.composite
def cancel_reply(draw, shorts, job_id):
    """A cancel reply: half the time a valid one, else one with odd codes and a few edits."""
    valid = draw(st.booleans())
    code_values = st.sampled_from(sorted(CANCEL_CODES)) if valid else CANCEL_CODE_VALUES
    reply = {
        "OK": draw(st.sampled_from([1, 2])),
        "APIVersion": "1.12",
        "JobID": draw(st.sampled_from([job_id, job_id, str(job_id)])) if valid else job_id,
        "status": {s: draw(TEXTS | st.none()) for s in shorts},
        "statusCodes": {s: draw(code_values) for s in shorts},
    }
    return reply if valid else apply_plan(reply, draw(plans(cancel_paths(shorts))))


@st.composite
def status_reply(draw, shorts, job_id):
    """A status reply: half the time a valid one (any progress), else odd codes and a few edits."""
    valid = draw(st.booleans())
    code_values = st.sampled_from([*sorted(BUILD_CODES - {-10}), None]) if valid else BUILD_CODE_VALUES
    reply = {
        "OK": 1 if valid else draw(st.sampled_from([1, 1, 2])),
        "APIVersion": "1.12",
        "JobID": draw(st.sampled_from([job_id, job_id, str(job_id)])),
    }
    for s in shorts:
        reply[s] = {
            "statusCode": draw(code_values),
            "statusText": draw(TEXTS | st.none()),
            "progress": draw(PROGRESS | st.none()),
        }
    return reply if valid else apply_plan(reply, draw(plans(status_paths(shorts))))


REFUSALS = st.fixed_dictionaries(
    {"OK": st.just(0), "APIVersion": st.just("1.12")}, optional={"ERROR": TEXTS | SCALARS, "listErr": JSON}
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "text/html; charset=UTF-8",
        "text/plain",
        "",
        "application/octet-stream",
        "image/png",
        "application/json; charset=latin-1",
    ]
)


RAW_ODDITIES = [
    b'{"OK": 1, "APIVersion": "1.12", "x": "' + b"A" * (9 * 2**20) + b'"}',  # larger than any valid reply
    b"",
    b" ",
    b"null",
    b"[]",
    b"{}",
    b'"OK"',
    b"\xef\xbb\xbf{}",
    b"\xff\xfe{\x00}\x00",
    b'{"OK": NaN, "APIVersion": "1.12"}',
    b'{"OK": Infinity, "APIVersion": 1}',
    b'{"OK": 1' + b"1" * 5000 + b', "APIVersion": "1.12"}',  # beyond Python's int-string limit
    b"[" * 100_000 + b"]" * 100_000,  # deeper than any JSON parser recurses
    b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    b"Warning: mysqli_connect(): Too many connections",
    b'{"OK": 1, "APIVersion": "1.12"',  # cut off
]


@st.composite
def raw_body(draw, valid_reply):
    """Bytes: random, pathological, or a (nearly) valid reply in some encoding."""
    kind = draw(st.sampled_from(["binary", "pathological", "encoded", "encoded"]))
    if kind == "binary":
        return draw(st.binary(max_size=300))
    if kind == "pathological":
        return draw(st.sampled_from(RAW_ODDITIES))
    text = json.dumps(draw(valid_reply), ensure_ascii=draw(st.booleans()))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "latin-1", "utf-16"]))
    return text.encode(encoding, "replace")


@st.composite
def served(draw, endpoint, shorts, job_id):
    """(fault kind, fault params, how to learn what was served) for one request to ``endpoint``."""
    structured = cancel_reply(shorts, job_id) if endpoint == "cancel" else status_reply(shorts, job_id)
    kind = draw(st.sampled_from(["json", "json", "raw", "mutate"]))
    if kind == "json":
        value = draw(st.one_of(structured, structured, JSON, REFUSALS))
        return "json", {"value": value}, lambda: json.loads(json.dumps(value))
    if kind == "raw":
        body = draw(raw_body(structured))
        return "raw", {"body": body, "content_type": draw(CONTENT_TYPES)}, lambda: decode(body)
    plan = draw(plans(cancel_paths(shorts) if endpoint == "cancel" else status_paths(shorts)))
    seen = []

    def mutate(reply):
        out = apply_plan(reply, plan)
        seen.append(out)
        return out

    return "mutate", {"func": mutate}, lambda: json.loads(json.dumps(seen[-1]))


CHOSEN = st.lists(st.sampled_from(LONG_NAMES), min_size=1, max_size=7, unique=True).map(
    lambda names: [n for n in LONG_NAMES if n in names]
)
AGES = st.sampled_from([0, 5, 13, 30, 100, 400, 100_000])  # requested, queued, running, partly complete


def shorts_of(names):
    return [SHORT[n] for n in names]


# -- the client -------------------------------------------------------------------------------------


@settings(FUZZ, max_examples=700)
@given(chosen=CHOSEN, age=AGES, data=st.data())
def test_cancel_products_never_raises_and_says_what_the_reply_says(emu, session, chosen, age, data):
    req = fresh_request(emu, session, age)
    kind, params, what_was_served = data.draw(served("cancel", shorts_of(chosen), req.JobID))
    emu.clear_faults()
    emu.inject("cancel", kind, **params)
    before = emu.request_count("cancel")
    result = req.cancelProducts(chosen)
    assert emu.request_count("cancel") == before + 1  # one request, really sent, never retried
    check_cancel(result, what_was_served(), chosen, req.JobID)


@settings(FUZZ, max_examples=700)
@given(chosen=CHOSEN, age=AGES, data=st.data())
def test_check_product_status_never_raises_and_says_what_the_reply_says(emu, session, chosen, age, data):
    req = fresh_request(emu, session, age)
    kind, params, what_was_served = data.draw(served("status", shorts_of(chosen), req.JobID))
    emu.clear_faults()
    emu.inject("status", kind, **params)
    before = emu.request_count("status")
    result = req.checkProductStatus(chosen)
    assert emu.request_count("status") == before + 1
    check_status(result, what_was_served(), chosen, req.JobID)


# -- the panel --------------------------------------------------------------------------------------

_STATIC_ROW = re.compile(r'<tr class="xrtw-status-([\w-]+)"[^>]*><td>(\w+)</td>')


def shown_cancelled(panel) -> set:
    """Products the panel shows as cancelled anywhere: row class, statuses trait, static HTML."""
    shown = {n for n, row in panel.rows.items() if "xrtw-status-cancelled" in row.state._dom_classes}
    shown |= {n for n, s in panel.statuses.items() if s.get("slug") == "cancelled"}
    shown |= {name for slug, name in _STATIC_ROW.findall(panel._repr_mimebundle_()["text/html"]) if slug == "cancelled"}
    return shown


def close_panel(panel) -> None:
    panel.close()  # its rows, layouts and styles too


@settings(FUZZ, max_examples=300)
@given(chosen=CHOSEN, age=AGES, data=st.data())
def test_panel_never_shows_cancelled_without_code_0(emu, session, chosen, age, data):
    req = fresh_request(emu, session, age, chosen)  # only the chosen rows: a panel costs ~5 ms a row to build
    kind, params, what_was_served = data.draw(served("cancel", shorts_of(chosen), req.JobID))
    emu.clear_faults()
    emu.inject("cancel", kind, **params)
    panel = CancelPanel(req, confirm=False, refresh_on_display=False)  # shown_cancelled() displays it
    try:
        result = panel.cancel(chosen).result(timeout=20)
        reply = what_was_served()
        expected = expected_cancel(reply, chosen, req.JobID)
        zero = {n for n, (code, _) in expected.items() if code == 0} if isinstance(expected, dict) else set()
        # A product that got another code is asked about at once (one status request, not faulted here):
        # the server's build status -4 for it is the other way a product is truly known cancelled.
        minus_4 = (
            {n for n, (code, _) in expected.items() if code != 0 and emu.status(req.JobID, n) == -4}
            if isinstance(expected, dict)
            else set()
        )
        assert shown_cancelled(panel) == zero | minus_4, (shown_cancelled(panel), reply)  # never more, no fewer
        assert panel.result == result and not panel.busy
        if result[0] == -1:
            assert panel.error and "xrtw-result-http-error" in panel.summary._dom_classes
    finally:
        close_panel(panel)


@settings(FUZZ, max_examples=250)
@given(chosen=CHOSEN, age=AGES, data=st.data())
def test_panel_refresh_shows_cancelled_only_for_build_status_minus_4(emu, session, chosen, age, data):
    req = fresh_request(emu, session, age, chosen)  # a fresh panel asks about each of its products
    kind, params, what_was_served = data.draw(served("status", shorts_of(chosen), req.JobID))
    emu.clear_faults()
    emu.inject("status", kind, **params)
    panel = CancelPanel(req, confirm=False, refresh_on_display=False)  # shown_cancelled() displays it
    try:
        panel.refresh().result(timeout=20)
        expected = expected_status(what_was_served(), chosen, req.JobID)
        minus_4 = {n for n, (code, _, _) in expected.items() if code == -4} if isinstance(expected, dict) else set()
        assert shown_cancelled(panel) == minus_4, what_was_served()
        assert not panel.busy
    finally:
        close_panel(panel)


# -- the text functions, without a server ------------------------------------------------------------

_MARKUP_PIECES = [
    "<em>",
    "</em>",
    "<strong>",
    "</strong>",
    "<code>",
    "</code>",
    "<em onclick=x>",
    "<EM>",
    "<",
    ">",
    "</",
    "/",
    "&lt;",
    "&gt;",
    "&amp;",
    "&lt;em&gt;",
    "&lt;/em&gt;",
    "&",
    ";",
    "&#60;",
    "<script",
    "<script>",
    "</script>",
    "</script",
    "<head",
    "<head>",
    "</head >",
    "<style>",
    "</style>",
    "<SCRIPT>",
    '"',
    "'",
    "=",
    " ",
    "\n",
    "\t",
    "em",
    "İ",
    "x",
]
#: Text made of markup fragments, single or in long runs, and a little of anything.
PATHOLOGICAL_TEXT = st.lists(
    st.one_of(
        st.sampled_from(_MARKUP_PIECES),
        st.tuples(st.sampled_from(_MARKUP_PIECES), st.integers(2, 300)).map(lambda run: run[0] * run[1]),
        st.text(max_size=5),
    ),
    max_size=40,
).map("".join)
PATHOLOGICAL_STEPS = st.recursive(
    st.fixed_dictionaries(
        {"StepLabel": PATHOLOGICAL_TEXT, "StepStatus": st.sampled_from([0, 1, 2])},
        optional={"StepExtra": PATHOLOGICAL_TEXT},
    ),
    lambda kids: st.fixed_dictionaries(
        {"StepLabel": PATHOLOGICAL_TEXT, "StepStatus": st.sampled_from([0, 1, 2])},
        optional={"SubStep": st.lists(kids, max_size=3)},
    ),
    max_leaves=10,
)
PATHOLOGICAL_PROGRESS = st.one_of(
    PROGRESS,
    st.fixed_dictionaries(
        {"GotProgress": st.just(1)},
        optional={
            "PreProgress": PATHOLOGICAL_TEXT,
            "ProgressSteps": st.lists(PATHOLOGICAL_STEPS, max_size=4),
            "TimeRunning": PATHOLOGICAL_TEXT,
        },
    ),
)


@settings(FUZZ, max_examples=200)
@given(text=PATHOLOGICAL_TEXT)
def test_render_progress_keeps_only_balanced_inline_tags(text):
    assert_inline_markup_only(render_progress(text), text)


@settings(FUZZ, max_examples=200)
@given(page=PATHOLOGICAL_TEXT, limit=st.integers(min_value=0, max_value=300))
def test_html_to_text_gives_short_text_without_tags(page, limit):
    assert len(html_to_text(page, limit)) <= limit + 1
    # Entities decode (the caller escapes the result); with every "&" made literal, no "<" may remain.
    assert "<" not in html_to_text(page.replace("&", "&amp;"), limit)


@settings(FUZZ, max_examples=200)
@given(text=PATHOLOGICAL_TEXT)
def test_strip_tags_leaves_no_tag(text):
    stripped = strip_tags(text)
    assert "<" not in stripped
    assert stripped == re.sub(r"<[^>]*>?", "", text)  # the same rule, as a regex that cannot backtrack


@settings(FUZZ, max_examples=200)
@given(progress=PATHOLOGICAL_PROGRESS)
def test_progress_text_of_pathological_steps_renders_safely(progress):
    text = build_progress_text(progress)
    assert_inline_markup_only(render_progress(text), text)


# -- the listing ------------------------------------------------------------------------------------

FLAG_YES = [True, 1, "1", "true"]
FLAG_NO = [False, 0, "0", "false"]
_ODD_FLAGS = ["yes", "no", "True", "FALSE", "", " 1", "1.0", 2, -1, 1.0, 0.0, None, [], {}, [1], {"1": 1}]
_ANY_BAD_FLAG = st.one_of(
    TEXTS.filter(lambda t: t not in ("0", "1", "true", "false")),
    st.integers().filter(lambda i: i not in (0, 1)),
    JSON.filter(lambda v: isinstance(v, (list, dict))),
)


@st.composite
def bad_flag(draw):
    """A flag value no server should send: mostly a likely mistake of a real one, else anything."""
    return draw(st.sampled_from(_ODD_FLAGS) if draw(st.integers(0, 3)) else _ANY_BAD_FLAG)


BAD_JOB_IDS = st.one_of(
    st.sampled_from(
        [
            None,
            "abc",
            "9" * 5000,
            "1" * 19,
            10**18,
            1.9,
            1001.0,
            True,
            False,
            -3,
            0,
            "0",
            "-3",
            "",
            " 12",
            "12 ",
            "+12",
            "1e3",
            "١٢",
            [1001],
            {"JobID": 1001},
        ]
    ),
    TEXTS.filter(lambda t: not (t.isascii() and t.isdigit())),
    st.integers(max_value=0),
    st.floats(allow_nan=False, allow_infinity=False),
    JSON.filter(lambda v: isinstance(v, (list, dict))),
)
LISTING_COLUMNS = [n for n in LONG_NAMES if n != "SourceDet"]


@st.composite
def good_entry(draw, job_id):
    """A well-formed entry in the forms a PHP or JSON server may send; returns (entry, its products)."""
    entry = {"JobID": draw(st.sampled_from([job_id, str(job_id)]))}
    for key in ("Name", "DateSubmitted"):
        if draw(st.booleans()):
            entry[key] = draw(TEXTS)
    yes = []
    for name in [*LISTING_COLUMNS, "hasProd"]:
        form = draw(st.sampled_from(["yes", "no", "missing"]))
        if form != "missing":
            entry[name] = draw(st.sampled_from(FLAG_YES if form == "yes" else FLAG_NO))
        if form == "yes" and name != "hasProd":
            yes.append(name)
    return entry, tuple(yes) or ("SourceDet",)


@st.composite
def hostile_entry(draw, good_ids):
    """An entry parse_listing must skip: not an object, no usable JobID, or one unreadable flag."""
    kind = draw(st.sampled_from(["not an object", "no JobID", "bad JobID", "bad flag", "bad flag"]))
    if kind == "not an object":
        return draw(JSON.filter(lambda v: not isinstance(v, dict)))
    # mostly a JobID of its own (a mistake there must show in the count), sometimes one a good entry has
    ids = st.integers(41, 10**6) | st.sampled_from(good_ids) if good_ids else st.integers(41, 10**6)
    entry, _ = draw(good_entry(draw(ids)))
    if kind == "no JobID":
        del entry["JobID"]
    elif kind == "bad JobID":
        entry["JobID"] = draw(BAD_JOB_IDS)
    else:
        entry[draw(st.sampled_from([*LISTING_COLUMNS, "hasProd"]))] = draw(bad_flag())
    return entry


@st.composite
def listings(draw):
    """(jobs list, [(JobID, products) expected shown, in order], number of entries expected skipped)."""
    good_ids = draw(st.lists(st.integers(1, 40), max_size=6, unique=True))
    jobs, expected, first = [], [], {}
    for job_id in good_ids:
        entry, products = draw(good_entry(job_id))
        jobs.append(entry)
        expected.append((job_id, products))
        first[job_id] = entry
    bad = draw(st.integers(0, 6))
    for _ in range(bad):
        if good_ids and draw(st.booleans()):  # a repeat of a JobID, somewhere after its first entry
            job_id = draw(st.sampled_from(good_ids))
            after = next(i for i, e in enumerate(jobs) if e is first[job_id])
            jobs.insert(draw(st.integers(after + 1, len(jobs))), draw(good_entry(job_id))[0])
        else:
            jobs.insert(draw(st.integers(0, len(jobs))), draw(hostile_entry(good_ids)))
    return jobs, expected, bad


def check_listing(result, expected, bad):
    assert [(j["JobID"], j["products"]) for j in result.jobs] == expected
    assert len(result.skipped) == bad
    for _index, shown, reason in result.skipped:
        assert len(shown) <= 80 and 0 < len(reason) <= 160, (shown, reason)
    note = result.note()
    assert (note == "") == (bad == 0) and len(note) <= 700


@settings(FUZZ, max_examples=300)
@given(listing=listings())
def test_parse_listing_keeps_every_good_entry_and_counts_the_bad(listing):
    jobs, expected, bad = listing
    check_listing(parse_listing(jobs), expected, bad)


@pytest.fixture(scope="module")
def board(emu):
    """One board for every example: its reloads also exercise keeping and rebuilding rows."""
    board = JobBoard(USER, base_url=emu.base_url, load=False, confirm=False, timeout=(2.0, 10.0))
    yield board
    board.close()


@settings(FUZZ, max_examples=100)
@given(listing=listings())
def test_board_shows_every_good_entry_with_exactly_its_products(emu, board, listing):
    jobs, expected, bad = listing
    emu.clear_faults()
    emu.inject("list", "json", value={"OK": 1, "APIVersion": "1.12", "jobs": jobs})
    board.reload().result(timeout=20)
    assert board.error == ""
    assert [(j, tuple(e.products)) for j, e in board.entries.items()] == expected
    shown = zip(expected, board.entries.values(), strict=True)
    assert all(e.request.products == list(products) for (_, products), e in shown)
    assert len(board.skipped) == bad and (board.listing_note == "") == (bad == 0)
    assert is_shown(board.listing_line) == bool(bad)
    assert "<" not in board.listing_line.value  # the note is text, escaped


# -- base URLs ------------------------------------------------------------------------------------
# Pieces that URL parsers are known to read differently, mixed into URL-shaped text: the policy must
# either refuse the URL (InsecureURLError, nothing else) or accept one whose host, as urllib3 and
# urllib.parse both read it, is the host it reports, and plain http only to loopback.

URL_PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTP://",
        "ftp://",
        "//",
        "127.0.0.1",
        "localhost",
        "[::1]",
        "evil.invalid",
        "outside.invalid",
        "@",
        ":",
        ":80",
        ":0",
        ":99999",
        "\\",
        "/",
        "?",
        "#",
        "%",
        "%31",
        "%2F",
        " ",
        "\t",
        "\n",
        "\x00",
        "\uff11\uff12\uff17",  # fullwidth "127"
        "user:pw",
        ".",
        "..",
        "[",
        "]",
        "user_objects",
        ";",
        ",",
        "&",
        "=",
    ]
)
URL_TEXT = st.lists(URL_PIECES, min_size=1, max_size=10).map("".join) | st.text(max_size=60)


@settings(FUZZ, max_examples=400)
@given(text=URL_TEXT)
def test_a_base_url_is_refused_or_read_the_same_by_both_parsers(text):
    from urllib.parse import urlsplit

    from urllib3.util import parse_url

    from xrt_widgets.errors import InsecureURLError
    from xrt_widgets.urls import is_loopback, parse_base_url

    try:
        base = parse_base_url(text)
    except InsecureURLError as exc:
        assert "pw@" not in str(exc)
        return
    event("accepted")
    for url in (text.strip(), base.url):
        split, parsed = urlsplit(url), parse_url(url)
        assert (split.hostname or "").lower() == base.host == (parsed.host or "").lower().strip("[]")
        assert split.port == parsed.port == base.port
        assert not parsed.auth and parsed.query is None and parsed.fragment is None
    assert base.scheme in ("http", "https")
    assert base.scheme == "https" or is_loopback(base.host)
