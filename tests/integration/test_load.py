"""Load: the emulator under 8 threads of mixed requests, and the panel under a storm of clicks.

The 8 threads share one user and one pool of jobs, so that they submit,
query, cancel, list and count at once and race each other to cancel the
same products. Each thread has its own session without retries, so every
operation is exactly one request and any failure shows. The clock is
manual and moves a little now and then, so that some cancels meet
finished products. At the end, after the clock has moved far ahead, every
product must be in one terminal state that agrees with what the threads
were told: cancelled (-4) exactly when one cancel said code 0 for it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import requests

from xrt_widgets import CancelPanel, XRTProductRequest, codes, countActiveJobs, listOldJobs
from xrt_widgets.products import LONG_NAMES

from support import GLOBALS, PRODUCT_PARS, USER

THREADS = 8
OPERATIONS = 250
OPS = ("submit", "status", "cancel", "list", "count")


def test_emulator_holds_8_threads_of_250_mixed_requests(emu):
    jobs: dict[int, list[str]] = {}
    cancelled: Counter = Counter()  # (JobID, product) -> how many cancels said code 0
    done: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def pick_job(rng):
        with lock:
            job = rng.choice(sorted(jobs))
            return job, list(jobs[job])

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        session = requests.Session()  # no retry adapter: a failure is a failure
        try:
            barrier.wait(timeout=10)
            for i in range(OPERATIONS):
                op = "submit" if i == 0 else rng.choice(OPS)
                if op == "submit":
                    req = XRTProductRequest(USER, base_url=emu.base_url, session=session, timeout=(5.0, 10.0))
                    req.setGlobalPars(**GLOBALS)
                    for name in rng.sample(LONG_NAMES, rng.randint(1, 4)):
                        req.addProduct(name, **PRODUCT_PARS.get(name, {}))
                    assert req.submit(), req.submitError
                    with lock:
                        jobs[req.JobID] = req.products
                elif op == "status":
                    job, products = pick_job(rng)
                    req = XRTProductRequest.from_job(USER, job, products, base_url=emu.base_url, session=session)
                    result = req.checkProductStatus()
                    assert "ERROR" not in result, result
                    for entry in result.values():
                        assert entry["statusCode"] in codes.BUILD_STATUS and entry["statusCode"] != -10, entry
                elif op == "cancel":
                    job, products = pick_job(rng)
                    chosen = rng.sample(products, rng.randint(1, len(products)))
                    req = XRTProductRequest.from_job(USER, job, products, base_url=emu.base_url, session=session)
                    ok, per = req.cancelProducts(chosen)
                    assert ok in (0, 1, 2) and set(per) == set(chosen), (ok, per)
                    assert all(v["code"] in (0, 1) for v in per.values()), per
                    with lock:
                        for name, outcome in per.items():
                            if outcome["code"] == 0:
                                cancelled[job, name] += 1
                elif op == "list":
                    listing = listOldJobs(USER, base_url=emu.base_url, session=session)
                    ids = [j["JobID"] for j in listing]
                    assert len(ids) == len(set(ids)) and ids, ids[:5]
                else:
                    assert countActiveJobs(USER, base_url=emu.base_url, session=session) >= 0
                with lock:
                    done[op] += 1
                if rng.random() < 0.03:
                    emu.advance(rng.choice([1, 5, 20, 120]))  # some products finish while others race
        except BaseException as exc:  # reported below, with the thread that saw it
            errors.append(f"thread {seed}: {type(exc).__name__}: {exc}")
        finally:
            session.close()

    threads = [threading.Thread(target=worker, args=(seed,), name=f"load-{seed}") for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=100)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sum(done.values()) == THREADS * OPERATIONS and set(done) == set(OPS)
    assert emu.request_count() == THREADS * OPERATIONS  # one request per operation, none lost or repeated
    assert emu.counts["run_userobject.php"] == done["submit"] == len(jobs)

    emu.advance(10**6)
    for job, products in jobs.items():
        for name in products:
            status = emu.status(job, name)
            assert codes.BUILD_STATUS[status].terminal, (job, name, status)
            assert cancelled[job, name] <= 1, (job, name)  # two threads never both cancelled one product
            if cancelled[job, name]:
                assert status == -4, (job, name, status)
            elif name == "AstromPos" and cancelled[job, "StandardPos"]:
                assert status == -3, (job, name, status)  # it waited on a standard position that never came
            else:
                assert status == 4, (job, name, status)
    listing = listOldJobs(USER, base_url=emu.base_url)
    assert sorted(j["JobID"] for j in listing) == sorted(jobs)
    assert countActiveJobs(USER, base_url=emu.base_url) == 0


def test_panel_survives_100_rapid_clicks_with_one_request(emu, make_request):
    req = make_request("LightCurve", "Spectrum", "StandardPos")
    emu.reset_counts()
    emu.inject("cancel", "delay", seconds=1.0)
    panel = CancelPanel(req, confirm=False)
    panel.select_all()
    for _ in range(100):
        panel.cancel_button.click()
    fut = panel.last_action
    assert fut is not None and not fut.done()  # a hundred clicks, and the reply is still on its way
    assert panel.busy and ("xrtw-is-busy" in panel._dom_classes)
    ok, per = fut.result(timeout=10)
    assert ok == 1 and all(v["code"] == 0 for v in per.values())
    time.sleep(0.2)  # nothing queued behind the first request either
    assert emu.request_count("cancel") == 1 and emu.request_count() == 1
    assert [h["action"] for h in panel.history] == ["cancel"]
    assert not panel.busy and panel.error == ""
    assert all("xrtw-status-cancelled" in panel.rows[n].state._dom_classes for n in panel.products)


def test_panel_survives_100_rapid_clicks_on_every_button(emu, make_request):
    req = make_request("LightCurve", "Spectrum")
    emu.reset_counts()
    emu.inject("cancel", "delay", seconds=1.0)
    panel = CancelPanel(req)  # with confirmation
    panel.select_all()
    panel.cancel_button.click()
    panel.confirm_button.click()
    fut = panel.last_action
    buttons = [
        panel.cancel_button,
        panel.confirm_button,
        panel.back_button,
        panel.refresh_button,
        panel.select_all_button,
        panel.select_none_button,
    ]
    rng = random.Random(5)
    for _ in range(100):
        rng.choice(buttons).click()
    assert not fut.done()
    ok, _ = fut.result(timeout=10)
    assert ok == 1
    time.sleep(0.2)
    assert emu.request_count("cancel") == 1 and emu.request_count() == 1
    assert not panel.busy and panel.error == ""
