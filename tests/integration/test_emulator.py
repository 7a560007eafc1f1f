"""The emulator as a service: life cycle, the build-state machine, every endpoint, faults, counts, threads."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from xrt_widgets import Emulator, XRTProductRequest
from xrt_widgets.client import ENDPOINTS, Transport
from xrt_widgets.emulator import DEFAULT_DURATIONS
from xrt_widgets.emulator.clock import Clock
from xrt_widgets.emulator.faults import ENDPOINT_ALIASES, KINDS, FaultQueue, endpoint_path
from xrt_widgets.errors import TransportError
from xrt_widgets.products import PRODUCTS

from support import GLOBALS, PRODUCT_PARS, USER

ROOT = Path(__file__).resolve().parents[2]
OTHER_USER = "frodo@mount.doom"
SUBMIT = {"UserID": USER, "name": "GRB 060729", "targ": "00221755", "RA": 95.37, "Dec": -62.21, "cent": 1, "poserr": 1}


def call(emu, endpoint: str, body, *, raw: bool = False):
    """POST ``body`` (JSON, or bytes when ``raw``) to ``endpoint``; the decoded reply."""
    url = f"{emu.base_url}/{endpoint_path(endpoint)}"
    response = requests.post(url, data=body, timeout=5) if raw else requests.post(url, json=body, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def submit(emu, **flags):
    reply = call(emu, "submit", {**SUBMIT, **flags})
    assert reply["OK"] == 1, reply
    return reply["JobID"]


def status(emu, job_id, what, prog=None, user=USER):
    body = {"UserID": user, "JobID": job_id, "what": what}
    if prog is not None:
        body["whatProg"] = prog
    return call(emu, "status", body)


def cancel(emu, job_id, what, user=USER):
    return call(emu, "cancel", {"UserID": user, "JobID": job_id, "what": what})


def _connect_refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


# -- life cycle ---------------------------------------------------------------------------------


def test_context_manager_and_base_url():
    with Emulator() as emu:
        assert emu.running
        assert emu.host == "127.0.0.1"
        assert emu.port > 0
        assert emu.base_url == f"http://127.0.0.1:{emu.port}/user_objects"
        assert call(emu, "count", {"UserID": USER})["numJobs"] == 0
        port = emu.port
    assert not emu.running
    assert _connect_refused(port)
    assert "stopped" in repr(emu)


def test_port_0_picks_a_free_port_each_time():
    with Emulator() as one, Emulator() as two:
        assert one.port != two.port
        assert call(one, "count", {"UserID": USER})["OK"] == call(two, "count", {"UserID": USER})["OK"] == 1


def test_start_and_stop_are_idempotent():
    emu = Emulator()
    assert emu.start() is emu
    port = emu.port
    assert emu.start() is emu and emu.port == port
    emu.stop()
    emu.stop()
    assert emu.request_count() == 0 and emu.log == [] and emu.counts == {}


def test_binds_loopback_only():
    with Emulator() as emu:
        assert emu._server.server_address[0] == "127.0.0.1"


def test_stop_closes_kept_alive_connections(emu):
    # A client that reused its connection must not keep talking to a stopped emulator.
    transport = Transport(emu.base_url, retries=0, timeout=(1.0, 2.0))
    assert transport.post("count", {"UserID": USER}).data["numJobs"] == 0
    emu.stop()
    with pytest.raises(TransportError):
        transport.post("count", {"UserID": USER})
    transport.close()


def test_a_stopped_emulator_starts_again_with_its_jobs(emu):
    job_id = submit(emu, lc=1)
    emu.stop()
    emu.start()
    assert status(emu, job_id, "lc")["lc"]["statusCode"] == 1


def test_not_found_and_get(emu):
    response = requests.post(f"http://127.0.0.1:{emu.port}/user_objects/nothing.php", json={}, timeout=5)
    assert response.status_code == 404 and "text/html" in response.headers["Content-Type"]
    response = requests.get(f"{emu.base_url}/canceljob.php", timeout=5)
    assert response.status_code == 405
    assert emu.counts["nothing.php"] == 1


def test_a_body_that_is_not_json(emu):
    reply = call(emu, "cancel", b"{not json", raw=True)
    assert reply["OK"] == 0 and reply["APIVersion"] == "1.12" and "not a JSON object" in reply["ERROR"]
    assert call(emu, "cancel", b"[1, 2]", raw=True)["OK"] == 0
    assert emu.request_count("cancel") == 2


def _raw_exchange(emu, request: bytes, *, more: bytes = b"", timeout: float = 5.0) -> bytes:
    """Send ``request`` (and then ``more``) on one raw connection; everything the emulator sends back."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=timeout) as sock:
        sock.sendall(request)
        if more:
            sock.sendall(more)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def _post_head(emu, path: str, headers: str) -> bytes:
    return (
        f"POST /user_objects/{path} HTTP/1.1\r\nHost: 127.0.0.1:{emu.port}\r\n"
        f"Content-Type: application/json\r\n{headers}\r\n"
    ).encode("latin-1")


def test_an_oversized_body_is_refused_with_413_and_the_connection_closed(emu):
    from xrt_widgets.emulator.server import MAX_BODY

    body = b'{"UserID": "' + b"x" * (MAX_BODY + 10) + b'"}'
    # A second request queued behind the first on the same kept-alive connection: if the server read
    # only part of the first body, it would take the rest for a new request.
    follow = _post_head(emu, "getNumJobs.php", "Content-Length: 2\r\n") + b"{}"
    reply = _raw_exchange(
        emu, _post_head(emu, "getNumJobs.php", f"Content-Length: {len(body)}\r\n"), more=body + follow
    )
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"Connection: close" in reply
    assert reply.count(b"HTTP/1.1 ") == 1  # nothing read from the rest of the body as a request
    assert emu.request_count("count") == 1
    with requests.Session() as session:  # through requests too: the client gets the 413, not a reset
        response = session.post(f"{emu.base_url}/getNumJobs.php", data=body, timeout=5)
        assert response.status_code == 413 and response.headers["Connection"] == "close"
        assert session.post(f"{emu.base_url}/getNumJobs.php", json={"UserID": USER}, timeout=5).json()["OK"] == 1


def test_a_body_of_exactly_max_body_is_read_whole(emu):
    from xrt_widgets.emulator.server import MAX_BODY

    body = b'{"UserID": "' + b"x" * (MAX_BODY - 16) + b'@"}'
    assert len(body) <= MAX_BODY
    response = requests.post(f"{emu.base_url}/getNumJobs.php", data=body, timeout=5)
    assert response.status_code == 200 and response.json() == {"OK": 1, "APIVersion": "1.12", "numJobs": 0}


@pytest.mark.parametrize(
    "header",
    [
        "Content-Length: abc\r\n",
        "Content-Length: -5\r\n",
        "Content-Length: 1e3\r\n",
        "Content-Length: 2\r\nContent-Length: 3\r\n",
    ],
)
def test_a_malformed_content_length_is_refused_with_400(emu, header, capsys):
    reply = _raw_exchange(emu, _post_head(emu, "canceljob.php", header) + b"{}")
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in reply and b"Content-Length" in reply.split(b"\r\n\r\n", 1)[1]
    assert "Traceback" not in capsys.readouterr().err
    assert emu.request_count("cancel") == 1


def test_a_chunked_body_is_refused_with_411(emu):
    reply = _raw_exchange(
        emu, _post_head(emu, "canceljob.php", "Transfer-Encoding: chunked\r\n") + b"2\r\n{}\r\n0\r\n\r\n"
    )
    assert reply.startswith(b"HTTP/1.1 411 ") and reply.count(b"HTTP/1.1 ") == 1
    assert b"Connection: close" in reply


def test_every_client_endpoint_is_served(emu):
    assert {path for path, _ in ENDPOINTS.values()} == set(ENDPOINT_ALIASES.values())
    assert set(ENDPOINTS) == set(ENDPOINT_ALIASES)
    job_id = submit(emu, lc=1)
    bodies = {
        "submit": {**SUBMIT, "spec": 1},
        "status": {"UserID": USER, "JobID": job_id, "what": "lc"},
        "cancel": {"UserID": USER, "JobID": job_id, "what": "lc"},
        "list": {"UserID": USER},
        "count": {"UserID": USER},
    }
    for endpoint, (_, keys) in ENDPOINTS.items():
        reply = call(emu, endpoint, bodies[endpoint])
        assert reply["OK"] in (1, 2) and reply["APIVersion"] == "1.12"
        assert set(keys) <= set(reply), endpoint


# -- the build-state machine ---------------------------------------------------------------------


def test_default_durations_cover_every_product():
    assert set(DEFAULT_DURATIONS) == {p.short for p in PRODUCTS}
    assert all(len(v) == 3 and all(x > 0 for x in v) for v in DEFAULT_DURATIONS.values())


def test_states_1_2_3_4_on_the_manual_clock(emu):
    job_id = emu.add_job(USER, ["LightCurve"])
    req, que, run = DEFAULT_DURATIONS["lc"]
    seen = [emu.status(job_id, "LightCurve")]
    for step in (req - 0.5, 0.5, que - 0.5, 0.5, run - 0.5, 0.5):
        emu.advance(step)
        seen.append(emu.status(job_id, "LightCurve"))
    assert seen == [1, 1, 2, 2, 3, 3, 4]
    # Time stands still without advance().
    time.sleep(0.05)
    assert emu.status(job_id, "lc") == 4


def test_the_state_on_the_wire_follows_the_clock(emu):
    job_id = submit(emu, lc=1, spec=1)
    codes = []
    for step in (0, 5, 10, 900):
        emu.advance(step)
        reply = status(emu, job_id, "lc,spec")
        codes.append((reply["lc"]["statusCode"], reply["spec"]["statusCode"]))
    assert codes == [(1, 1), (2, 2), (3, 3), (4, 4)]


def test_durations_are_configurable():
    with Emulator(manual_clock=True, durations={"LightCurve": 30, "spec": (1, 1, 1)}) as emu:
        job_id = emu.add_job(USER, ["lc", "spec"])
        emu.advance(3.5)
        assert emu.status(job_id, "spec") == 4
        assert emu.status(job_id, "lc") == 2  # lc keeps its default 2 s requested, 10 s queued
        emu.advance(2 + 10 + 30 - 3.5)
        assert emu.status(job_id, "lc") == 4


def test_astrometric_position_waits_for_the_standard_position(emu):
    job_id = emu.add_job(USER, ["StandardPos", "AstromPos"])
    preq, pque, prun = DEFAULT_DURATIONS["psf"]
    areq, aque, arun = DEFAULT_DURATIONS["xastrom"]
    emu.advance(areq + aque + 1)
    assert emu.status(job_id, "StandardPos") == 3
    assert emu.status(job_id, "AstromPos") == 5
    psf_done = preq + pque + prun
    emu.advance(psf_done - (areq + aque + 1) - 1)
    assert emu.status(job_id, "AstromPos") == 5
    emu.advance(1)
    assert emu.status(job_id, "StandardPos") == 4
    assert emu.status(job_id, "AstromPos") == 3  # starts only now
    emu.advance(arun - 1)
    assert emu.status(job_id, "AstromPos") == 3
    emu.advance(1)
    assert emu.status(job_id, "AstromPos") == 4


def test_astrometric_position_alone_does_not_wait(emu):
    job_id = emu.add_job(USER, ["AstromPos"])
    emu.advance(sum(DEFAULT_DURATIONS["xastrom"][:2]) + 1)
    assert emu.status(job_id, "AstromPos") == 3


def test_astrometric_position_gives_up_when_the_standard_position_is_cancelled(emu):
    job_id = emu.add_job(USER, ["StandardPos", "AstromPos"])
    emu.advance(10)
    assert cancel(emu, job_id, "psf")["statusCodes"] == {"psf": 0}
    assert emu.status(job_id, "AstromPos") == -3
    assert cancel(emu, job_id, "xastrom")["statusCodes"] == {"xastrom": 1}


def test_forced_status(emu):
    job_id = emu.add_job(USER, ["lc"])
    emu.set_status(job_id, "LightCurve", -2)
    assert status(emu, job_id, "lc")["lc"]["statusCode"] == -2
    emu.set_status(job_id, "lc", None)
    assert emu.status(job_id, "lc") == 1


def test_a_cancel_ends_a_forced_running_state(emu):
    job_id = emu.add_job(USER, ["lc", "spec"])
    emu.set_status(job_id, "lc", 3)
    first = cancel(emu, job_id, "lc")
    assert (first["OK"], first["statusCodes"]) == (1, {"lc": 0})
    assert emu.status(job_id, "lc") == -4
    assert status(emu, job_id, "lc")["lc"]["statusCode"] == -4
    second = cancel(emu, job_id, "lc")
    assert (second["OK"], second["statusCodes"]) == (2, {"lc": 1})
    emu.set_status(job_id, "lc", 3)  # forcing it again re-arms it, as the benchmark does between calls
    assert cancel(emu, job_id, "lc")["statusCodes"] == {"lc": 0}
    assert emu.status(job_id, "lc") == -4


def test_a_forced_state_that_cannot_be_cancelled_stays(emu):
    job_id = emu.add_job(USER, ["lc"])
    emu.set_status(job_id, "lc", 4)
    assert cancel(emu, job_id, "lc")["statusCodes"] == {"lc": 1}
    assert emu.status(job_id, "lc") == 4
    emu.set_status(job_id, "lc", 3)
    emu.inject("cancel", "code", code=3)  # "not cancelled, reason unknown": it goes on running
    assert cancel(emu, job_id, "lc")["statusCodes"] == {"lc": 3}
    assert emu.status(job_id, "lc") == 3


# -- checkProductStatus -------------------------------------------------------------------------


def test_status_reply_and_progress(emu):
    job_id = submit(emu, lc=1, spec=1, dopsf=1)
    emu.advance(2 + 10 + 300)
    reply = status(emu, job_id, "lc,spec,psf", prog="lc,psf")
    assert reply["OK"] == 1 and reply["JobID"] == job_id
    lc, spec, psf = reply["lc"], reply["spec"], reply["psf"]
    assert lc["statusCode"] == 3 and lc["statusText"] == "Running"
    progress = lc["progress"]
    assert progress["GotProgress"] == 1
    assert progress["TimeRunning"] == "00:05:00"
    assert "<em>" in progress["PreProgress"] and GLOBALS["targ"] in progress["PreProgress"]
    steps = progress["ProgressSteps"]
    assert [s["StepStatus"] for s in steps] == [2, 1, 0]
    assert steps[1]["StepExtra"].endswith("% done")
    assert [s["StepLabel"] for s in steps[1]["SubStep"]] == ["WT mode", "PC mode"]
    assert spec["statusCode"] == 3 and spec["progress"] == {"GotProgress": 0}  # not asked for
    assert psf["statusCode"] == 4 and psf["progress"] == {"GotProgress": 2}  # not running


def test_status_of_a_product_the_job_lacks(emu):
    job_id = submit(emu, lc=1)
    reply = status(emu, job_id, "lc,enh", prog="lc,enh")
    assert reply["enh"] == {"statusCode": None, "statusText": "Unknown status", "progress": {"GotProgress": 2}}


def test_set_text(emu):
    job_id = emu.add_job(USER, ["lc"])
    emu.advance(20)
    emu.set_text(job_id, "lc", statusText="Running <b>hot</b>", PreProgress="pre", StepLabel="First", cancelText="Gone")
    reply = status(emu, job_id, "lc", prog="lc")["lc"]
    assert reply["statusText"] == "Running <b>hot</b>"
    assert reply["progress"]["PreProgress"] == "pre"
    assert reply["progress"]["ProgressSteps"][0]["StepLabel"] == "First"
    assert cancel(emu, job_id, "lc")["status"] == {"lc": "Gone"}
    with pytest.raises(ValueError, match="unknown text keys"):
        emu.set_text(job_id, "lc", colour="red")


# -- canceljob ----------------------------------------------------------------------------------


def test_cancel_reply(emu):
    job_id = submit(emu, lc=1, dopsf=1)
    reply = cancel(emu, job_id, "lc")
    assert reply == {
        "OK": 1,
        "APIVersion": "1.12",
        "JobID": job_id,
        "status": {"lc": "Job cancelled OK"},
        "statusCodes": {"lc": 0},
    }
    assert emu.status(job_id, "lc") == -4
    reply = cancel(emu, job_id, "lc,psf,spec")
    assert reply["OK"] == 2
    assert reply["statusCodes"] == {"lc": 1, "psf": 0, "spec": 2}
    assert reply["status"]["lc"] == "Job could not be cancelled - has it already finished?"
    assert cancel(emu, job_id, "lc,psf")["OK"] == 2  # nothing cancelled: still "processed"


def test_cancel_accepts_a_list_for_what(emu):
    job_id = submit(emu, lc=1, spec=1)
    assert call(emu, "cancel", {"UserID": USER, "JobID": job_id, "what": ["lc", "spec"]})["OK"] == 1


@pytest.mark.parametrize(
    "body,error",
    [
        ({"UserID": USER, "JobID": 4242, "what": "lc"}, "Job 4242 does not exist."),
        ({"UserID": OTHER_USER, "JobID": 1001, "what": "lc"}, f"Job 1001 is not owned by user {OTHER_USER}"),
        ({"UserID": USER, "JobID": "abc", "what": "lc"}, "Invalid JobID 'abc'."),
        ({"UserID": USER, "JobID": 1001, "what": ""}, "No products were named in 'what'."),
        ({"JobID": 1001, "what": "lc"}, "No UserID was supplied."),
        ({"UserID": "not-an-address", "JobID": 1001, "what": "lc"}, "not registered"),
    ],
)
def test_cancel_refused(emu, body, error):
    assert submit(emu, lc=1) == 1001
    reply = call(emu, "cancel", body)
    assert reply["OK"] == 0 and reply["APIVersion"] == "1.12"
    assert error in reply["ERROR"]
    assert emu.status(1001, "lc") == 1


def test_registered_users_only():
    with Emulator(manual_clock=True, users=[USER]) as emu:
        assert call(emu, "count", {"UserID": USER})["OK"] == 1
        reply = call(emu, "count", {"UserID": OTHER_USER})
        assert reply["OK"] == 0 and "register" in reply["ERROR"]


# -- run_userobject -----------------------------------------------------------------------------


def test_submit_reply(emu):
    reply = call(
        emu,
        "submit",
        {**SUBMIT, "lc": 1, "dopsf": 1, "binMeth": "counts", "api_name": "xrt_prods", "api_version": "1.12"},
    )
    assert reply["OK"] == 1
    assert reply["JobID"] == 1001
    assert reply["URL"] == f"{emu.base_url}/tprods/USERPROD_1001"
    assert reply["jobPars"]["binMeth"] == "counts" and reply["jobPars"]["centMeth"] == "simple"
    # Not an echo: the API name and version and the UserID come first, numbers come back quoted.
    assert list(reply["jobPars"])[:3] == ["api_name", "api_version", "UserID"]
    assert reply["jobPars"]["UserID"] == USER and reply["jobPars"]["RA"] == "95.37"
    assert set(emu.job(1001).products) == {"lc", "psf"}
    assert submit(emu, spec=1) == 1002


def test_submit_flags_for_every_product(emu):
    job_id = submit(emu, **{p.flag: 1 for p in PRODUCTS})
    assert set(emu.job(job_id).products) == {p.short for p in PRODUCTS}


def test_submit_without_products(emu):
    reply = call(emu, "submit", SUBMIT)
    assert reply["OK"] == 0 and "dopsf" in reply["ERROR"]


def test_submit_with_missing_parameters(emu):
    reply = call(emu, "submit", {"UserID": USER, "lc": 1})
    assert reply["OK"] == 0
    assert reply["listErr"][0]["label"] == "Global parameters"
    messages = reply["listErr"][0]["list"]
    assert [m.split(":")[0] for m in messages] == ["name", "targ", "RA, Dec"]
    assert emu.store.jobs == {}


def test_submit_with_server_side_lookups(emu):
    # getTargs / getCoords stand in for targ and RA/Dec, as swifttools' _altGlobals says.
    reply = call(emu, "submit", {"UserID": USER, "name": "x", "getTargs": 1, "getCoords": 1, "lc": 1})
    assert reply["OK"] == 1
    assert reply["jobPars"]["getTargs"] == 1


# -- listOldJobs / getNumJobs -------------------------------------------------------------------


def test_list_old_jobs(emu):
    old = emu.add_job(USER, ["Spectrum", "SourceDet"], name="old", age=3600)
    new = submit(emu, lc=1)
    emu.add_job(OTHER_USER, ["lc"])
    jobs = call(emu, "list", {"UserID": USER})["jobs"]
    assert [j["JobID"] for j in jobs] == [new, old]
    assert jobs[1] == {
        "JobID": old,
        "Name": "old",
        "DateSubmitted": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(emu.job(old).submitted)),
        "LightCurve": False,
        "Spectrum": True,
        "StandardPos": False,
        "EnhancedPos": False,
        "AstromPos": False,
        "Image": False,
        "hasProd": True,
    }
    assert jobs[0]["Name"] == SUBMIT["name"] and jobs[0]["LightCurve"] is True


def test_list_old_jobs_ties_are_broken_by_job_id(emu):
    ids = [emu.add_job(USER, ["lc"]) for _ in range(4)]
    assert [j["JobID"] for j in call(emu, "list", {"UserID": USER})["jobs"]] == ids[::-1]


def test_num_jobs(emu):
    a = emu.add_job(USER, ["lc"])
    b = emu.add_job(USER, ["image", "lc"])
    emu.add_job(OTHER_USER, ["lc"])
    assert call(emu, "count", {"UserID": USER})["numJobs"] == 2
    cancel(emu, a, "lc")
    assert call(emu, "count", {"UserID": USER})["numJobs"] == 1
    emu.set_status(b, "lc", 4)
    emu.advance(10)
    assert call(emu, "count", {"UserID": USER})["numJobs"] == 0
    assert call(emu, "count", {"UserID": OTHER_USER})["numJobs"] == 1


# -- faults -------------------------------------------------------------------------------------


def test_fault_kinds_and_endpoints():
    assert {
        "status",
        "delay",
        "not_json",
        "missing_keys",
        "drop",
        "drop_after",
        "reset",
        "code",
        "refuse",
        "json",
        "raw",
        "mutate",
        "stall",
        "drip",
        "continue",
        "endless",
        "gzip_bomb",
    } == KINDS
    assert endpoint_path("cancel") == endpoint_path("canceljob.php") == "canceljob.php"
    with pytest.raises(ValueError, match="unknown endpoint"):
        endpoint_path("cancel.php")
    queue = FaultQueue()
    with pytest.raises(ValueError, match="unknown fault kind"):
        queue.add("cancel", "explode")
    with pytest.raises(ValueError, match="at least 1"):
        queue.add("cancel", "drop", count=0)


def test_faults_apply_to_the_next_n_requests_in_order(emu):
    emu.inject("count", "status", count=2, status=502)
    emu.inject("count", "refuse", error="busy")
    assert emu.faults.pending() == {"getNumJobs.php": 3}
    url = f"{emu.base_url}/getNumJobs.php"
    got = [requests.post(url, json={"UserID": USER}, timeout=5) for _ in range(4)]
    assert [r.status_code for r in got] == [502, 502, 200, 200]
    assert got[2].json()["ERROR"] == "busy"
    assert got[3].json()["OK"] == 1
    assert emu.faults.pending() == {}


def test_faults_are_per_endpoint(emu):
    emu.inject("cancel", "status", status=500)
    assert call(emu, "count", {"UserID": USER})["OK"] == 1
    assert emu.faults.pending() == {"canceljob.php": 1}
    emu.clear_faults()
    assert emu.faults.pending() == {}


def test_fault_status_and_not_json(emu):
    emu.inject("count", "status", status=500, body="Fatal error")
    response = requests.post(f"{emu.base_url}/getNumJobs.php", json={"UserID": USER}, timeout=5)
    assert response.status_code == 500 and "<html>" in response.text and "Fatal error" in response.text
    emu.inject("count", "not_json")
    response = requests.post(f"{emu.base_url}/getNumJobs.php", json={"UserID": USER}, timeout=5)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_fault_delay(emu):
    emu.inject("count", "delay", seconds=0.3)
    started = time.monotonic()
    assert call(emu, "count", {"UserID": USER})["OK"] == 1
    assert time.monotonic() - started >= 0.3


def test_reply_delay(emu):
    emu.reply_delay = 0.2
    assert emu.reply_delay == 0.2
    started = time.monotonic()
    call(emu, "count", {"UserID": USER})
    assert time.monotonic() - started >= 0.2
    emu.reply_delay = 0


def test_fault_missing_keys_and_json_and_raw_and_mutate(emu):
    emu.inject("count", "missing_keys")
    assert call(emu, "count", {"UserID": USER}) == {"OK": 1, "APIVersion": "1.12"}
    emu.inject("count", "missing_keys", keys=["APIVersion"])
    assert call(emu, "count", {"UserID": USER}) == {"OK": 1, "numJobs": 0}
    emu.inject("count", "json", value=[1, "two"])
    assert call(emu, "count", {"UserID": USER}) == [1, "two"]
    emu.inject("count", "raw", body="hello", content_type="text/plain")
    response = requests.post(f"{emu.base_url}/getNumJobs.php", json={"UserID": USER}, timeout=5)
    assert response.text == "hello" and response.headers["Content-Type"] == "text/plain"
    emu.inject("count", "mutate", func=lambda r: {**r, "numJobs": 99})
    assert call(emu, "count", {"UserID": USER})["numJobs"] == 99


def test_fault_drop_does_not_process(emu):
    job_id = submit(emu, lc=1)
    emu.inject("cancel", "drop")
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{emu.base_url}/canceljob.php", json={"UserID": USER, "JobID": job_id, "what": "lc"}, timeout=5)
    assert emu.status(job_id, "lc") == 1


def test_fault_drop_after_processes(emu):
    job_id = submit(emu, lc=1)
    emu.inject("cancel", "drop_after")
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{emu.base_url}/canceljob.php", json={"UserID": USER, "JobID": job_id, "what": "lc"}, timeout=5)
    assert emu.status(job_id, "lc") == -4


def test_fault_reset(emu):
    job_id = submit(emu, lc=1)
    emu.inject("cancel", "reset")
    with pytest.raises(requests.RequestException):
        response = requests.post(
            f"{emu.base_url}/canceljob.php", json={"UserID": USER, "JobID": job_id, "what": "lc"}, timeout=5
        )
        response.json()
    assert emu.status(job_id, "lc") == -4  # the cancel happened; only its reply was cut


@pytest.mark.parametrize("code", [3, 4])
def test_fault_code(emu, code):
    job_id = submit(emu, lc=1, spec=1, dopsf=1)
    emu.set_status(job_id, "psf", 4)
    emu.inject("cancel", "code", code=code, products=["LightCurve", "psf"])
    reply = cancel(emu, job_id, "lc,spec,psf")
    assert reply["OK"] == 2
    assert reply["statusCodes"] == {"lc": code, "spec": 0, "psf": code}
    # Code 3: nothing was cancelled. Code 4: it was, but the server could not say.
    assert emu.status(job_id, "lc") == (1 if code == 3 else -4)
    assert emu.status(job_id, "psf") == 4
    assert emu.status(job_id, "spec") == -4


def test_fault_code_default_targets_every_product_asked(emu):
    job_id = submit(emu, lc=1, spec=1)
    emu.inject("cancel", "code", code=3)
    reply = cancel(emu, job_id, "lc,spec")
    assert reply["statusCodes"] == {"lc": 3, "spec": 3} and reply["OK"] == 2


def test_fault_refuse(emu):
    emu.inject("status", "refuse", error="Try later")
    assert call(emu, "status", {"UserID": USER, "JobID": 1, "what": "lc"}) == {
        "OK": 0,
        "APIVersion": "1.12",
        "ERROR": "Try later",
    }


# -- counts and log -----------------------------------------------------------------------------


def test_request_counts_and_log(emu):
    job_id = submit(emu, lc=1)
    status(emu, job_id, "lc")
    cancel(emu, job_id, "lc")
    cancel(emu, job_id, "lc")
    assert emu.request_count() == 4
    assert emu.request_count("cancel") == emu.request_count("canceljob.php") == 2
    assert emu.request_count("submit") == emu.request_count("status") == 1
    assert emu.request_count("list") == 0
    assert emu.counts == {"run_userobject.php": 1, "checkProductStatus.php": 1, "canceljob.php": 2}
    log = emu.log
    assert [e["endpoint"] for e in log] == [
        "run_userobject.php",
        "checkProductStatus.php",
        "canceljob.php",
        "canceljob.php",
    ]
    assert log[2]["body"] == {"UserID": USER, "JobID": job_id, "what": "lc"}
    assert log[0]["user_agent"].startswith("python-requests/")
    assert all(isinstance(e["time"], float) for e in log)
    emu.reset_counts()
    assert emu.request_count() == 0 and emu.log == []
    with pytest.raises(ValueError):
        emu.request_count("nowhere")


def test_counts_include_faulted_requests(emu):
    emu.inject("cancel", "drop", count=2)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{emu.base_url}/canceljob.php", json={}, timeout=5)
    assert emu.request_count("cancel") == 2


# -- threads ------------------------------------------------------------------------------------


def test_thread_safety_under_concurrent_requests(emu):
    n_threads, rounds = 8, 6
    errors: list = []
    job_ids: list = []
    lock = threading.Lock()
    barrier = threading.Barrier(n_threads)

    def worker(index: int) -> None:
        transport = Transport(emu.base_url, timeout=(5.0, 10.0), retries=0)
        try:
            barrier.wait()
            for _ in range(rounds):
                body = {**SUBMIT, "lc": 1, "spec": 1, "name": f"thread {index}"}
                job_id = transport.post("submit", body).data["JobID"]
                with lock:
                    job_ids.append(job_id)
                transport.post("status", {"UserID": USER, "JobID": job_id, "what": "lc,spec", "whatProg": "lc"})
                emu.advance(0.01)
                reply = transport.post("cancel", {"UserID": USER, "JobID": job_id, "what": "lc,spec"}).data
                if reply["statusCodes"] != {"lc": 0, "spec": 0}:
                    raise AssertionError(reply)
                transport.post("list", {"UserID": USER})
                transport.post("count", {"UserID": USER})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            transport.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    total = n_threads * rounds
    assert sorted(job_ids) == list(range(1001, 1001 + total))
    for endpoint in ENDPOINTS:
        assert emu.request_count(endpoint) == total
    assert len(emu.log) == 5 * total
    assert all(emu.status(j, "lc") == -4 for j in job_ids)
    assert call(emu, "count", {"UserID": USER})["numJobs"] == 0


def _settled(emu) -> int:
    """``emu.in_flight`` once the handlers have returned (a client can read its reply a moment before)."""
    deadline = time.monotonic() + 5
    while emu.in_flight and time.monotonic() < deadline:
        time.sleep(0.005)
    return emu.in_flight


def test_max_in_flight_counts_requests_handled_at_the_same_moment(emu):
    assert (emu.in_flight, emu.max_in_flight) == (0, 0)
    with requests.Session() as session:  # a sequential loop on one kept-alive connection: one at a time
        for _ in range(5):
            assert session.post(f"{emu.base_url}/getNumJobs.php", json={"UserID": USER}, timeout=5).ok
    assert (_settled(emu), emu.max_in_flight) == (0, 1)

    n_clients = 4
    emu.reply_delay = 0.3
    emu.reset_counts()
    assert emu.max_in_flight == 0
    barrier = threading.Barrier(n_clients)
    replies = []

    def client() -> None:
        with requests.Session() as session:  # one connection per client
            barrier.wait(timeout=10)
            replies.append(session.post(f"{emu.base_url}/getNumJobs.php", json={"UserID": USER}, timeout=10))

    threads = [threading.Thread(target=client) for _ in range(n_clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in replies] == [200] * n_clients
    assert emu.max_in_flight == n_clients  # all four were inside their 0.3 s reply delay at once
    assert _settled(emu) == 0 and emu.request_count("count") == n_clients

    emu.reply_delay = 0.0
    emu.reset_counts()  # the maximum starts again from the requests in flight now
    assert emu.max_in_flight == 0
    for _ in range(3):  # sequential again, a new connection each time
        assert call(emu, "count", {"UserID": USER})["OK"] == 1
        _settled(emu)  # the next connection's handler may start before this one's has returned
    assert emu.max_in_flight == 1


def test_max_in_flight_of_a_stopped_emulator():
    emu = Emulator()
    assert (emu.in_flight, emu.max_in_flight) == (0, 0)


def test_fault_queue_is_thread_safe():
    queue = FaultQueue()
    queue.add("cancel", "drop", count=1000)
    taken = []

    def take():
        for _ in range(200):
            taken.append(queue.take("canceljob.php"))

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for f in taken if f is not None) == 1000
    assert queue.pending() == {}


# -- clock and persistence ----------------------------------------------------------------------


def test_clocks():
    manual = Clock(manual=True)
    start = manual.now()
    time.sleep(0.02)
    assert manual.now() == start
    assert manual.advance(5) == start + 5
    with pytest.raises(ValueError):
        manual.advance(-1)
    wall = Clock()
    first = wall.now()
    time.sleep(0.02)
    assert wall.now() > first
    assert abs(wall.now() - time.time()) < 1


def test_real_clock_moves_jobs_on():
    with Emulator(durations={"image": (0.1, 0.1, 0.1)}) as emu:
        job_id = emu.add_job(USER, ["Image"])
        assert emu.status(job_id, "image") == 1
        time.sleep(0.5)
        assert emu.status(job_id, "image") == 4


def test_state_file_keeps_jobs_across_restarts(tmp_path):
    state = tmp_path / "jobs.json"
    with Emulator(manual_clock=True, state_file=str(state)) as emu:
        job_id = submit(emu, lc=1, spec=1)
        cancel(emu, job_id, "lc")
    assert json.loads(state.read_text())["jobs"][0]["job_id"] == job_id
    with Emulator(manual_clock=True, state_file=str(state)) as emu:
        assert emu.status(job_id, "lc") == -4
        assert emu.status(job_id, "spec") in (1, 2, 3)
        assert submit(emu, lc=1) == job_id + 1
        assert cancel(emu, job_id, "lc,spec")["statusCodes"] == {"lc": 1, "spec": 0}


# -- the command line ---------------------------------------------------------------------------


def test_python_m_xrt_widgets_emulator():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "xrt_widgets.emulator", "--host", "127.0.0.1", "--port", "0", "--durations", "lc=1:1:1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("UKSSDC emulator serving at http://127.0.0.1:")
        base_url = line.split()[-1]
        assert base_url.endswith("/user_objects")
        assert proc.stdout.readline().strip() == f"export XRT_WIDGETS_BASE_URL={base_url}"
        req = XRTProductRequest(USER, base_url=base_url)
        req.setGlobalPars(**GLOBALS)
        req.addLightCurve(**PRODUCT_PARS["LightCurve"])
        assert req.submit()
        assert req.cancelProducts() == (1, {"LightCurve": {"code": 0, "text": "Job cancelled OK"}})
        req.transport.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        finally:
            proc.stdout.close()
            proc.stderr.close()
    assert proc.returncode == 0
