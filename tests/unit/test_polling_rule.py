"""The board's refresh rule as plain data: which jobs are asked, given the listing, what is known and the count."""

from __future__ import annotations

from xrt_widgets.ui.polling import FINAL, GONE, UNFINISHED, UNKNOWN, next_to_ask


def run_refresh(order, page, knowledge, active, truth, *, batch=4, budget=50):
    """Drive the rule as a board's refresh does: ask, learn the truth of what was asked, ask again."""
    known = dict(knowledge)
    asked: list[int] = []
    rounds = 0
    while True:
        nxt = next_to_ask(order, page, known, set(asked), active, batch=batch, budget=budget)
        if not nxt:
            return asked, known, rounds
        assert not set(nxt) & set(asked), "a job is asked at most once per refresh"
        asked.extend(nxt)
        for j in nxt:
            known[j] = truth[j]
        rounds += 1


def test_the_page_is_asked_first_and_only_what_is_not_known_final():
    order = list(range(100, 0, -1))
    page = order[:5]
    knowledge = {100: FINAL, 99: UNFINISHED, 98: GONE}
    assert next_to_ask(order, page, knowledge, set(), 3, batch=4, budget=50) == [99, 97, 96]


def test_a_thousand_jobs_with_three_active_on_the_first_page_cost_the_page_only():
    order = list(range(1000, 0, -1))
    page = order[:25]
    truth = {j: (UNFINISHED if j in (1000, 990, 980) else FINAL) for j in order}
    asked, _known, _ = run_refresh(order, page, {}, 3, truth)
    assert asked == page  # 25 status requests, no search: the count says all three are found


def test_active_jobs_on_later_pages_are_searched_newest_first_until_the_count_is_met():
    order = list(range(1000, 0, -1))
    page = order[:25]
    active_ids = {1000, 960, 951}  # one on the page, two just after it
    truth = {j: (UNFINISHED if j in active_ids else FINAL) for j in order}
    asked, known, _rounds = run_refresh(order, page, {}, 3, truth, batch=4)
    assert asked[:25] == page
    searched = asked[25:]
    assert searched == order[25 : 25 + len(searched)]  # newest first, in order
    assert 951 in searched and len(searched) <= 52 - 25 + 4  # stops within one batch of the last one found
    assert all(known[j] == UNFINISHED for j in active_ids)


def test_the_search_stops_at_its_budget():
    order = list(range(1000, 0, -1))
    page = order[:25]
    truth = {j: (UNFINISHED if j == 1 else FINAL) for j in order}  # the oldest job is the active one
    asked, _, _ = run_refresh(order, page, {}, 1, truth, batch=4, budget=50)
    assert len(asked) == 25 + 50
    # the next refresh goes on where this one stopped (those are known final now)
    asked2, _known2, _ = run_refresh(order, page, {j: truth[j] for j in asked}, 1, truth, batch=4, budget=50)
    assert asked2 == order[75:125]


def test_known_active_jobs_elsewhere_are_asked_again_only_when_the_count_drops():
    order = list(range(50, 0, -1))
    page = order[:10]
    knowledge = dict.fromkeys(order, FINAL) | {5: UNFINISHED, 3: UNFINISHED}
    # the count still says 2: nothing off the page is asked
    assert next_to_ask(order, page, knowledge, set(page), 2, batch=4, budget=50) == []
    # the count says 1: one of them finished; both are asked, once
    assert next_to_ask(order, page, knowledge, set(page), 1, batch=4, budget=50) == [5, 3]
    assert next_to_ask(order, page, knowledge, set(page) | {5, 3}, 1, batch=4, budget=50) == []


def test_no_count_means_no_search():
    order = list(range(50, 0, -1))
    page = order[:10]
    assert next_to_ask(order, page, {}, set(), None, batch=4, budget=50) == page
    assert next_to_ask(order, page, {}, set(page), None, batch=4, budget=50) == []


def test_jobs_whose_products_are_gone_are_never_asked():
    order = [3, 2, 1]
    knowledge = {3: GONE, 2: GONE, 1: UNKNOWN}
    # the page's two are skipped; the count says one job is active, so the search looks at job 1
    assert next_to_ask(order, [3, 2], knowledge, set(), 1, batch=4, budget=50) == [1]
    # with no active job there is nothing to find
    assert next_to_ask(order, [3, 2], knowledge, set(), 0, batch=4, budget=50) == []


def test_a_page_job_that_failed_to_answer_is_not_asked_twice_in_one_refresh():
    order = [2, 1]
    assert next_to_ask(order, [2, 1], {2: UNKNOWN, 1: UNKNOWN}, {2, 1}, 5, batch=4, budget=50) == []
