"""The job listing is not trusted: bad entries are skipped and counted, never hide the others or name products.

Unit tests of :mod:`xrt_widgets.protocol` on plain data, then a
:class:`~xrt_widgets.JobBoard` against the emulator with listings changed on
their way out (``mutate`` faults), including one large enough to show that
applying a listing never keeps the kernel's thread waiting.
"""

from __future__ import annotations

import sys
import threading
import time

import ipywidgets
import pytest

from xrt_widgets import JobBoard, XRTProductRequest
from xrt_widgets.protocol import LISTING_PRODUCTS, excerpt, parse_flag, parse_job_id, parse_listing
from xrt_widgets.ui.parts import is_shown

from support import USER, XSS

YES = [True, 1, "1", "true"]
NO = [False, 0, "0", "false"]
BAD_FLAGS = ["yes", 2, -1, [], {}, None, "True", "TRUE", 1.0, 0.0, "", " 1", [1], {"v": 1}]


def entry(job_id, **flags):
    """A well-formed listing entry with every flag false unless given."""
    out = {"JobID": job_id, "Name": f"job {job_id}", "DateSubmitted": "2024-05-01 12:00:00", "hasProd": True}
    out.update(dict.fromkeys(LISTING_PRODUCTS, False))
    out.update(flags)
    return out


def nested(depth):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


# -- parse_job_id ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected", [(12, 12), ("12", 12), ("0012", 12), (1, 1), (10**18 - 1, 10**18 - 1), ("9" * 18, int("9" * 18))]
)
def test_job_ids_that_are_accepted(value, expected):
    got = parse_job_id(value)
    assert got == expected and type(got) is int


@pytest.mark.parametrize(
    "value",
    [
        None,
        "abc",
        "9" * 5000,
        "1" * 19,
        10**18,
        10**5000,
        1.9,
        12.0,
        True,
        False,
        -3,
        "-3",
        0,
        "0",
        "",
        " 12",
        "12 ",
        "+12",
        "1e3",
        "12.0",
        "0x1f",
        "١٢",
        "1_000",
        [12],
        {"JobID": 12},
        nested(100_000),
        b"12",
    ],
    ids=excerpt,
)
def test_job_ids_that_are_refused(value):
    with pytest.raises(ValueError) as info:
        parse_job_id(value)
    assert 0 < len(str(info.value)) <= 60


def test_excerpt_is_short_and_safe_for_any_value():
    for value in (
        None,
        "x" * 60_000,
        10**5000,
        nested(100_000),
        {str(i): i for i in range(10_000)},
        1.5,
        object(),
        XSS,
    ):
        assert len(excerpt(value)) <= 70
    assert excerpt("abc") == "'abc'" and excerpt(None) == "None" and excerpt(12) == "12"


# -- parse_flag -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", YES, ids=repr)
def test_yes_forms(value):
    assert parse_flag(value) is True


@pytest.mark.parametrize("value", NO, ids=repr)
def test_no_forms(value):
    assert parse_flag(value) is False


@pytest.mark.parametrize("value", BAD_FLAGS, ids=repr)
def test_other_flag_values_are_refused(value):
    with pytest.raises(ValueError, match="not a yes/no flag"):
        parse_flag(value)


# -- parse_listing --------------------------------------------------------------------------------


def test_bad_entries_are_skipped_with_a_reason_and_never_hide_the_others():
    jobs = [
        entry(1001, LightCurve=True),
        {"JobID": None},
        entry("abc"),
        entry("9" * 5000),
        entry(1.9),
        entry(True, Spectrum=True),
        entry("1002", Image=True),
        "not an entry",
        None,
        [entry(1003)],
        {"Name": "no id"},
        entry(1004, Spectrum="yes"),
        entry(1005, hasProd=None),
        entry(1006, Name=["x"]),
        entry(1001),
    ]
    result = parse_listing(jobs)
    assert [j["JobID"] for j in result.jobs] == [1001, 1002]
    assert [s[0] for s in result.skipped] == [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14]
    reasons = {s[0]: s for s in result.skipped}
    assert reasons[1] == (1, "None", "not a JobID")
    assert reasons[2][1] == "'abc'"
    assert "at most 18 digits" in reasons[3][2] and len(reasons[3][1]) < 70  # the 5000 digits are not quoted
    assert reasons[4][1] == "1.9" and reasons[5][1] == "True"
    assert reasons[7] == (7, "", "not an object but 'not an entry'")
    assert reasons[9][2] == "not an object but a list of 1 items"
    assert reasons[10] == (10, "", "no JobID")
    assert reasons[11] == (11, "1004", "Spectrum: 'yes' is not a yes/no flag")
    assert reasons[12][2].startswith("hasProd:") and reasons[13][2].startswith("Name is")
    assert reasons[14] == (14, "1001", "the same JobID as jobs[0]")
    for _index, shown, reason in result.skipped:
        assert len(shown) <= 70 and len(reason) <= 120


def test_normalised_entries():
    raw = {
        "JobID": "1002",
        "Name": "GRB 1",
        "DateSubmitted": "2024-05-01",
        "LightCurve": "true",
        "Spectrum": 1,
        "StandardPos": "1",
        "EnhancedPos": "false",
        "AstromPos": 0,
        "hasProd": "0",
        "extra": [1, 2],
    }
    (job,) = parse_listing([raw]).jobs
    assert job == {
        "JobID": 1002,
        "Name": "GRB 1",
        "DateSubmitted": "2024-05-01",
        "LightCurve": True,
        "Spectrum": True,
        "StandardPos": True,
        "EnhancedPos": False,
        "AstromPos": False,
        "Image": False,
        "hasProd": False,
        "products": ("LightCurve", "Spectrum", "StandardPos"),
    }
    assert raw["JobID"] == "1002"  # the caller's data is left alone


@pytest.mark.parametrize("value", YES + NO, ids=repr)
def test_every_flag_form_in_every_column(value):
    expected = value in YES
    for name in LISTING_PRODUCTS:
        other = "Image" if name != "Image" else "LightCurve"
        (job,) = parse_listing([entry(7, **{name: value, other: True})]).jobs
        assert job[name] is expected
        assert job["products"] == tuple(n for n in LISTING_PRODUCTS if n == other or (n == name and expected))
    (job,) = parse_listing([entry(7, hasProd=value)]).jobs
    assert job["hasProd"] is expected


@pytest.mark.parametrize("value", BAD_FLAGS, ids=repr)
def test_a_bad_flag_makes_the_entry_bad_never_a_source_detection(value):
    result = parse_listing([entry(7, LightCurve=value), entry(8)])
    assert [j["JobID"] for j in result.jobs] == [8] and result.skipped[0][:2] == (0, "7")
    assert result.skipped[0][2].startswith("LightCurve:")


def test_missing_keys():
    (job,) = parse_listing([{"JobID": 5, "Spectrum": True}]).jobs
    assert job["Name"] == "" and job["DateSubmitted"] == "" and job["products"] == ("Spectrum",)
    assert job["LightCurve"] is False and job["hasProd"] is True  # unknown: assumed held, so still cancellable
    (job,) = parse_listing([{"JobID": 6, "Name": None, "DateSubmitted": 20240501, "hasProd": 1}]).jobs
    assert job["Name"] == "" and job["DateSubmitted"] == "20240501"


def test_only_a_well_formed_entry_with_no_product_is_a_source_detection():
    result = parse_listing(
        [entry(1), {"JobID": 2}, entry(3, LightCurve="yes"), entry(4, LightCurve=None), entry(5, Spectrum=2)]
    )
    assert [(j["JobID"], j["products"]) for j in result.jobs] == [(1, ("SourceDet",)), (2, ("SourceDet",))]
    assert len(result.skipped) == 3


def test_duplicates_keep_the_first():
    result = parse_listing([entry(1, LightCurve=True), entry("1", Image=True), entry(2), entry(1, Spectrum=True)])
    assert [(j["JobID"], j["products"]) for j in result.jobs] == [(1, ("LightCurve",)), (2, ("SourceDet",))]
    assert [(i, r) for i, _s, r in result.skipped] == [
        (1, "the same JobID as jobs[0]"),
        (3, "the same JobID as jobs[0]"),
    ]


def test_the_listing_itself_must_be_a_list():
    for value in ({"1001": {}}, None, "jobs", 3):
        with pytest.raises(TypeError, match="should be a list"):
            parse_listing(value)
    assert parse_listing([]).jobs == () and parse_listing([]).note() == ""


def test_the_note_is_short():
    result = parse_listing([{"JobID": None}, entry(1), "x" * 60_000, entry(XSS)] + [entry(-i) for i in range(1, 500)])
    note = result.note()
    assert note.startswith(
        "502 entries of the listing were skipped: jobs[0] (JobID None): not a JobID; jobs[2]: not an object but 'xxx"
    )
    assert note.endswith("; and 499 more") and len(note) < 400
    one = parse_listing([{"JobID": None}]).note()
    assert one == "1 entry of the listing was skipped: jobs[0] (JobID None): not a JobID"


def test_linear_time_on_a_large_hostile_listing():
    jobs = [entry(1)] * 50_000 + [entry(i) for i in range(2, 50_002)] + ["x" * 10_000] * 1000
    start = time.perf_counter()
    result = parse_listing(jobs)
    elapsed = time.perf_counter() - start
    assert len(result.jobs) == 50_001 and len(result.skipped) == 49_999 + 1000
    assert elapsed < 10, elapsed  # about 0.3 s here; a quadratic duplicate check would take minutes


# -- from_job -------------------------------------------------------------------------------------


@pytest.mark.parametrize("job_id", [True, False, 1.9, 1001.0, None, "abc", "9" * 5000, -3, 0, "1" * 19, [1001]])
def test_from_job_refuses_what_is_not_plainly_a_job_id(job_id):
    with pytest.raises(ValueError, match="job_id must be an integer JobID"):
        XRTProductRequest.from_job(USER, job_id, ["LightCurve"], base_url="http://127.0.0.1:9/user_objects")


def test_from_job_accepts_an_int_or_digits():
    for job_id in (1001, "1001"):
        req = XRTProductRequest.from_job(USER, job_id, ["LightCurve"], base_url="http://127.0.0.1:9/user_objects")
        assert req.JobID == 1001 and type(req.JobID) is int
        req.close()


# -- the board ------------------------------------------------------------------------------------


def make_board(emu, **kwargs):
    kwargs.setdefault("confirm", False)
    board = JobBoard(USER, base_url=emu.base_url, load=False, **kwargs)
    board.reload().result(timeout=20)
    return board


def cancels(emu):
    return [e["body"] for e in emu.log if e["endpoint"] == "canceljob.php"]


def test_board_shows_the_good_jobs_and_a_note_with_the_count(emu):
    good = emu.add_job(USER, ["LightCurve"], name="good one", age=60)
    newer = emu.add_job(USER, ["Spectrum"], name="newer", age=10)
    bad = [
        {"JobID": None, "LightCurve": True},
        entry("abc", LightCurve=True),
        entry("9" * 5000),
        entry(XSS, Image=True),
        "x" * 100_000,
    ]
    emu.inject("list", "mutate", func=lambda r: {**r, "jobs": r["jobs"][:1] + bad + r["jobs"][1:]})
    board = make_board(emu)
    assert list(board.entries) == [newer, good] and [j["JobID"] for j in board.jobs] == [newer, good]
    assert len(board.skipped) == 5 and [s[0] for s in board.skipped] == [1, 2, 3, 4, 5]
    assert board.listing_note.startswith("5 entries of the listing were skipped: jobs[1] (JobID None): not a JobID; ")
    assert board.listing_note.endswith("; and 2 more")
    line = board.listing_line
    assert line in board.children and "xrtw-listing-note" in line._dom_classes
    assert is_shown(line) and "5 entries of the listing were skipped" in line.value
    assert "<img" not in line.value and len(line.value) < 400
    assert "2 jobs" in board.title.value and board.error == ""
    # a clean listing clears the note
    board.reload().result(timeout=20)
    assert board.listing_note == "" and board.skipped == [] and not is_shown(line) and line.value == ""
    board.close()


def test_flags_in_php_forms_name_the_right_products_and_only_those_are_cancelled(emu):
    job = emu.add_job(USER, ["LightCurve", "Spectrum", "Image"], name="php flags")
    sloppy = emu.add_job(USER, ["LightCurve", "StandardPos"], name="unreadable flag")
    forms = {"LightCurve": "true", "Spectrum": 1, "StandardPos": "0", "EnhancedPos": "false", "AstromPos": 0}

    def php(reply):
        jobs = []
        for e in reply["jobs"]:
            if e["JobID"] == job:
                e = {k: v for k, v in e.items() if k != "Image"} | forms | {"Image": "1", "JobID": str(job)}
            else:
                e = e | {"StandardPos": "yes"}
            jobs.append(e)
        return {**reply, "jobs": jobs}

    emu.inject("list", "mutate", func=php)
    board = make_board(emu)
    assert list(board.entries) == [job]
    assert board.entries[job].products == ["LightCurve", "Spectrum", "Image"]
    assert board.skipped == [(0, str(sloppy), "StandardPos: 'yes' is not a yes/no flag")]
    emu.reset_counts()
    board.entries[job].checkbox.value = True
    board.cancel_button.click()
    results = board.last_action.result(timeout=20)
    assert results[job][0] == 1
    assert [(b["JobID"], b["what"]) for b in cancels(emu)] == [(job, "lc,spec,image")]
    for name in ("LightCurve", "Spectrum", "Image"):
        assert emu.status(job, name) == -4
    assert emu.status(sloppy, "LightCurve") == 1 and emu.status(sloppy, "StandardPos") == 1
    with pytest.raises(ValueError, match="unknown JobIDs"):
        board.cancel_selected({sloppy: ["LightCurve"]})
    assert all("sourceDet" not in b["what"] for b in cancels(emu))
    board.close()


def test_flags_as_strings_are_never_taken_for_a_source_detection(emu):
    job = emu.add_job(USER, ["LightCurve"], name="quoted")
    emu.inject(
        "list",
        "mutate",
        func=lambda r: {
            **r,
            "jobs": [{**e, **{n: "true" if e[n] else "false" for n in LISTING_PRODUCTS}} for e in r["jobs"]],
        },
    )
    board = make_board(emu)
    assert board.entries[job].products == ["LightCurve"]
    board.cancel_selected({job: ["LightCurve"]}).result(timeout=20)
    assert [b["what"] for b in cancels(emu)] == ["lc"]
    board.close()


def test_reload_keeps_rows_that_still_fit_and_rebuilds_those_that_do_not(emu):
    a = emu.add_job(USER, ["LightCurve"], name="a", age=20)
    b = emu.add_job(USER, ["Spectrum"], name="b", age=10)
    board = make_board(emu)
    row_a, row_b = board.entries[a], board.entries[b]
    emu.inject(
        "list",
        "mutate",
        func=lambda r: {
            **r,
            "jobs": [{**e, "hasProd": False} if e["JobID"] == a else {**e, "Image": True} for e in r["jobs"]],
        },
    )
    board.reload().result(timeout=20)
    assert board.entries[a] is row_a and "products no longer held" in row_a.summary.value
    assert board.entries[b] is not row_b and board.entries[b].products == ["Spectrum", "Image"]
    assert board.entries[b].request.products == ["Spectrum", "Image"]
    board.close()


def test_closing_the_board_while_a_listing_is_on_its_way_leaves_no_widget_open(emu):
    before = set(ipywidgets.widgets.widget._instances)
    for i in range(5):
        emu.add_job(USER, ["LightCurve"], name=f"job {i}")
    board = JobBoard(USER, base_url=emu.base_url, load=False, confirm=False)
    emu.inject("list", "delay", seconds=0.3)
    pending = board.reload()
    board.close()
    pending.result(timeout=20)
    assert board.entries == {}
    assert set(ipywidgets.widgets.widget._instances) - before == set()


def worst_wait_during_reload(emu, n_jobs: int) -> tuple[float, float]:
    """(worst seconds the calling thread waited for the board, seconds the reload took) for ``n_jobs``.

    The calling thread plays the kernel's: it clicks and takes the board's lock
    in a loop, as widget handlers do, while the listing is applied in the background.
    """
    for i in range(n_jobs):
        emu.add_job(USER, ["LightCurve", "Spectrum"], name=f"job {i}")
    board = JobBoard(USER, base_url=emu.base_url, load=False, confirm=False, timeout=(5.0, 120.0))
    start = time.perf_counter()
    pending = board.reload()
    worst = 0.0
    while not pending.done():
        tick = time.perf_counter()
        with board._lock:
            pass
        board.cancel_button.click()  # nothing ticked: it says so, and sends nothing
        worst = max(worst, time.perf_counter() - tick)
        time.sleep(0.002)
    pending.result()
    took = time.perf_counter() - start
    assert len(board.entries) == n_jobs and board.error == "Tick at least one job or product to cancel."
    board.close()
    return worst, took


@pytest.mark.timeout(60)
def test_applying_a_large_listing_never_blocks_the_kernel_thread(emu):
    worst, took = worst_wait_during_reload(emu, 2000)
    print(f"2000 jobs: worst wait {worst:.3f} s while the reload took {took:.1f} s", file=sys.stderr)
    assert worst < 0.5, (worst, took)
    assert emu.request_count("cancel") == 0


def test_the_lock_is_free_while_rows_are_built(emu):
    """Deterministic companion of the timing test: the lock is not held while ``work()`` builds entries."""
    for i in range(3):
        emu.add_job(USER, ["LightCurve"], name=f"job {i}")
    board = JobBoard(USER, base_url=emu.base_url, load=False, confirm=False)
    seen = []
    build = board._entries_for

    def spying(listing):
        free = threading.Event()

        def probe():
            if board._lock.acquire(timeout=5):
                board._lock.release()
                free.set()

        prober = threading.Thread(target=probe)
        prober.start()
        prober.join(10)
        seen.append(free.is_set())
        return build(listing)

    board._entries_for = spying
    board.reload().result(timeout=20)
    assert seen == [True] and len(board.entries) == 3
    board.close()
