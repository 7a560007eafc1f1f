"""The board's jobs as plain data: what is known of a job, the filters, pages, names in a confirmation, summaries."""

from __future__ import annotations

from types import SimpleNamespace

from xrt_widgets import codes
from xrt_widgets.codes import Status
from xrt_widgets.jobs import JobState
from xrt_widgets.outcomes import StatusOutcome
from xrt_widgets.ui.joblist import (
    Filters,
    JobEntry,
    bulk_summary,
    elsewhere_text,
    matches,
    may_be_active,
    names_of,
    page_count,
    page_of,
    pager_text,
)
from xrt_widgets.ui.polling import FINAL, GONE, UNFINISHED, UNKNOWN, refresh_rounds

BOARD = SimpleNamespace(user="u@example.org", transport=None)  # an entry reaches its board only to make a request


def entry(
    job_id: int, name: str = "GRB", products=("LightCurve", "Spectrum"), has_prod: bool = True, **known: int
) -> JobEntry:
    """An entry whose record knows these build statuses (long name -> code)."""
    e = JobEntry(BOARD, {"JobID": job_id, "Name": name, "products": list(products), "hasProd": has_prod})
    if known:
        e._state = JobState(("http://127.0.0.1/x", "u@example.org", job_id), products)
        per = {
            n: Status("build_status", c, codes.lookup("build_status", c).meaning, learned=1.0, source="status")
            for n, c in known.items()
        }
        e._state.apply_status(StatusOutcome(tuple(known), per, url="http://127.0.0.1/x/s", learned=1.0))
    return e


def test_what_is_known_of_a_job():
    assert entry(1).knowledge == UNKNOWN and not entry(1).asked
    assert entry(2, has_prod=False).knowledge == GONE  # never asked, products deleted: nothing to cancel
    assert entry(3, LightCurve=3, Spectrum=4).knowledge == UNFINISHED
    assert entry(4, LightCurve=4, Spectrum=-4).knowledge == FINAL
    partly = entry(5, LightCurve=4)  # Spectrum never asked
    assert partly.knowledge == UNKNOWN and partly.asked and partly.unfinished() == ["Spectrum"]
    assert entry(6, has_prod=False, LightCurve=3).knowledge == UNFINISHED  # what the server said wins


def test_filters():
    jobs = [
        entry(10, "GRB 221009A", LightCurve=3),
        entry(11, "SN 2023ixf"),
        entry(12, "GRB old", LightCurve=4, Spectrum=-3),
    ]
    unfinished = Filters(unfinished=True)
    assert [e.job_id for e in jobs if matches(e, unfinished, all_found=False)] == [10, 11]
    assert [e.job_id for e in jobs if matches(e, unfinished, all_found=True)] == [10]  # the count rules out 11
    assert [e.job_id for e in jobs if matches(e, Filters(cancellable=True), all_found=False)] == [10]
    assert [e.job_id for e in jobs if matches(e, Filters(text="grb"), all_found=False)] == [10, 12]
    assert [e.job_id for e in jobs if matches(e, Filters(text=" 11 "), all_found=False)] == [11]
    assert may_be_active(jobs[1], all_found=False) and not may_be_active(jobs[2], all_found=False)


def test_pages():
    ids = list(range(100, 47, -1))  # 53 jobs
    assert page_count(53, 25) == 3 and page_count(0, 25) == 1 and page_count(50, 25) == 2
    assert page_of(ids, 0, 25) == ids[:25] and page_of(ids, 2, 25) == ids[50:]
    assert page_of(ids, 7, 25) == ids[50:] and page_of(ids, -1, 25) == ids[:25]  # clamped


def test_a_confirmation_names_a_few_jobs_then_says_how_many_more():
    jobs = [entry(j, f"target {j}") for j in (1, 2, 3, 4, 5)]
    chosen = {1: ["LightCurve"], 2: ["LightCurve", "Spectrum", "Image"], 4: ["Spectrum"], 5: ["Spectrum"]}
    assert names_of(jobs, chosen) == "target 1 (1): LightCurve; target 2 (2); target 4 (4): Spectrum and 1 more"
    assert names_of(jobs, {3: ["Image"]}) == "target 3 (3): Image"


def test_a_bulk_summary_in_words_and_its_colour():
    assert bulk_summary({1: (1, {}), 2: (1, {})}) == ("2 of 2 jobs fully cancelled, 0 partly, 0 not at all", "ok")
    text, slug = bulk_summary({1: (1, {}), 2: (2, {}), 3: (-1, {"ERROR": "x"})})
    assert text == "1 of 3 jobs fully cancelled, 1 partly, 0 not at all; 1 failed (3)" and slug == "http-error"
    assert bulk_summary({1: (0, {})})[1] == "not-cancelled" and bulk_summary({1: (1, {}), 2: (0, {})})[1] == "partial"


def test_refresh_rounds_asks_until_the_rule_says_done_and_gathers_failures():
    truth = {5: UNFINISHED, 4: FINAL, 3: FINAL, 2: UNFINISHED, 1: FINAL}
    known: dict[int, str] = {}
    calls = []

    def ask(ids):
        calls.append(list(ids))
        known.update({j: truth[j] for j in ids if j != 4})  # job 4 fails to answer
        return [f"job {j}: down" for j in ids if j == 4]

    asked, failures = refresh_rounds([5, 4, 3, 2, 1], [5, 4], lambda: known, 2, ask, batch=2, budget=10)
    assert calls == [[5, 4], [3, 2]] and asked == [5, 4, 3, 2] and failures == ["job 4: down"]


def test_the_pager_line():
    assert pager_text(0, 0, 0, 25, 1, 0) == "No jobs listed"
    assert pager_text(0, 40, 0, 25, 1, 0) == "No job matches the filters (of 40 jobs)"
    assert pager_text(60, 60, 2, 25, 3, 0) == "Jobs 51-60 of 60 · page 3 of 3"
    assert pager_text(30, 60, 0, 25, 2, 1) == "Jobs 1-25 of 30 shown (of 60 listed) · page 1 of 2 · 1 job ticked"


def test_the_line_about_active_jobs_elsewhere():
    jobs = [entry(1, LightCurve=3), entry(2, LightCurve=2), entry(3), entry(4, LightCurve=4, Spectrum=4)]
    assert elsewhere_text(jobs, {1, 2}, 2) == ("", 0)  # both active jobs are on the page
    assert elsewhere_text(jobs, {1}, 2) == ("1 active job on other pages or filtered out", 1)
    text, away = elsewhere_text(jobs, {1, 2}, 4)
    assert text == "2 more active not found yet among 1 job not asked (each refresh looks further)" and away == 0
    text, _ = elsewhere_text([jobs[0], jobs[3]], {1}, 3)
    assert text == "2 active not in this list (submitted since it was loaded? Reload list)"
    assert elsewhere_text(jobs, set(), None) == ("2 active jobs on other pages or filtered out", 2)
