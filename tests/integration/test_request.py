"""XRTProductRequest against a running emulator: submit, from_job, status, and cancel as the seed documents."""

from __future__ import annotations

import socket

import pytest
import requests

from xrt_widgets import XRTProductRequest, countActiveJobs, listOldJobs
from xrt_widgets.errors import InsecureURLError, ReplyError, ServiceError
from xrt_widgets.products import LONG_NAMES, SHORT_NAMES
from xrt_widgets.request import build_progress_text

from support import DEFAULT_BASE_URL, GLOBALS, NOWHERE, REAL_SERVICE_HTTP, USER, unanswered_listener

OTHER_USER = "frodo@mount.doom"
CANCELLED_OK = {"code": 0, "text": "Job cancelled OK"}
ALREADY_FINISHED = {"code": 1, "text": "Job could not be cancelled - has it already finished?"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bodies(emu, path: str) -> list:
    return [entry["body"] for entry in emu.log if entry["endpoint"] == path]


def _assert_error(result, ok: int):
    """A cancel result that failed as a whole: (ok, {"ERROR": text})."""
    assert isinstance(result, tuple) and len(result) == 2
    assert result[0] == ok
    assert list(result[1]) == ["ERROR"]
    assert isinstance(result[1]["ERROR"], str) and result[1]["ERROR"].strip()
    return result[1]["ERROR"]


@pytest.fixture
def bound(emu):
    """``bound(products, job_products=None, user=USER, **kw)`` -> a from_job request on a job added directly."""
    made = []

    def bind(products, job_products=None, *, user=USER, owner=USER, **kwargs):
        job_id = emu.add_job(owner, job_products if job_products is not None else products)
        kwargs.setdefault("timeout", (2.0, 5.0))
        req = XRTProductRequest.from_job(user, job_id, products, base_url=emu.base_url, **kwargs)
        made.append(req)
        return req

    yield bind
    for req in made:
        req.transport.close()


# -- the seed's examples, exactly ---------------------------------------------------------------


def test_seed_example_cancel_a_light_curve(make_request):
    my_req = make_request("LightCurve", "StandardPos")
    cancel_status = my_req.cancelProducts(("LightCurve",))
    assert str(cancel_status) == "(1, {'LightCurve': {'code': 0, 'text': 'Job cancelled OK'}})"
    assert cancel_status[0] == 1
    assert cancel_status[1]["LightCurve"] == {"code": 0, "text": "Job cancelled OK"}


def test_seed_example_light_curve_then_everything(make_request, emu):
    my_req = make_request("LightCurve", "StandardPos")
    ok, cancel_status = my_req.cancelProducts(["LightCurve"])
    assert ok == 1
    assert cancel_status == {"LightCurve": {"code": 0, "text": "Job cancelled OK"}}

    ok, cancel_status = my_req.cancelProducts()
    assert ok == 2
    assert cancel_status == {
        "LightCurve": {"code": 1, "text": "Job could not be cancelled - has it already finished?"},
        "StandardPos": {"code": 0, "text": "Job cancelled OK"},
    }
    assert list(cancel_status) == ["LightCurve", "StandardPos"]
    assert [b["what"] for b in _bodies(emu, "canceljob.php")] == ["lc", "lc,psf"]


def test_seed_example_forms_of_what(make_request, emu):
    req = make_request("LightCurve", "Spectrum", "StandardPos")
    req.cancelProducts(("LightCurve", "StandardPos"))
    req.cancelProducts()
    req.cancelProducts("all")
    assert [b["what"] for b in _bodies(emu, "canceljob.php")] == ["lc,psf", "lc,spec,psf", "lc,spec,psf"]


def test_cancel_body_is_what_the_protocol_says(make_request, emu):
    req = make_request("LightCurve")
    req.cancelProducts()
    (body,) = _bodies(emu, "canceljob.php")
    assert body == {"UserID": USER, "JobID": req.JobID, "what": "lc", "api_name": "xrt_prods", "api_version": "1.12"}


# -- per-product cancel codes, from real job states ---------------------------------------------


@pytest.mark.parametrize(
    "product,seconds,state",
    [
        ("LightCurve", 0, 1),  # requested
        ("LightCurve", 5, 2),  # queued
        ("LightCurve", 20, 3),  # running
        ("AstromPos", 10, 5),  # waiting for the standard position
    ],
)
def test_code_0_for_a_product_still_building(make_request, emu, product, seconds, state):
    req = make_request(product, "StandardPos")
    emu.advance(seconds)
    assert emu.status(req.JobID, product) == state
    ok, per_product = req.cancelProducts([product])
    assert (ok, per_product) == (1, {product: CANCELLED_OK})
    assert emu.status(req.JobID, product) == -4
    assert req.checkProductStatus([product])[product]["statusCode"] == -4


@pytest.mark.parametrize("how", ["complete", "no product", "failed", "queue failed", "already cancelled"])
def test_code_1_for_a_product_that_has_finished(make_request, emu, how):
    req = make_request("LightCurve")
    if how == "complete":
        emu.advance(2 + 10 + 600)
        assert emu.status(req.JobID, "LightCurve") == 4
    elif how == "already cancelled":
        assert req.cancelProducts()[0] == 1
    else:
        emu.set_status(req.JobID, "LightCurve", {"no product": -3, "failed": -1, "queue failed": -2}[how])
    assert req.cancelProducts() == (0, {"LightCurve": ALREADY_FINISHED})


def test_code_2_for_a_product_the_job_lacks(bound, emu):
    req = bound(["LightCurve", "Spectrum"], job_products=["LightCurve"])
    emu.advance(20)
    ok, per_product = req.cancelProducts()
    assert ok == 2
    assert per_product["LightCurve"] == CANCELLED_OK
    assert per_product["Spectrum"]["code"] == 2
    assert per_product["Spectrum"]["text"]
    assert req.cancelProducts(["Spectrum"])[0] == 0


def test_code_3_leaves_the_product_running(make_request, emu):
    req = make_request("LightCurve", "StandardPos")
    emu.advance(20)
    emu.inject("cancel", "code", code=3)
    ok, per_product = req.cancelProducts()
    assert ok == 0
    assert [v["code"] for v in per_product.values()] == [3, 3]
    assert all("reason unknown" in v["text"] for v in per_product.values())
    assert emu.status(req.JobID, "LightCurve") == 3
    # Nothing was cancelled, so a second try works.
    assert req.cancelProducts() == (1, {"LightCurve": CANCELLED_OK, "StandardPos": CANCELLED_OK})


def test_code_4_status_unknown(make_request, emu):
    req = make_request("LightCurve")
    emu.advance(20)
    emu.inject("cancel", "code", code=4)
    ok, per_product = req.cancelProducts()
    assert ok == 0
    assert per_product["LightCurve"]["code"] == 4
    assert per_product["LightCurve"]["text"]


def test_codes_mixed_in_one_request(make_request, emu):
    req = make_request("LightCurve", "Spectrum", "StandardPos")
    emu.advance(20)
    emu.inject("cancel", "code", code=3, products=["StandardPos"])
    ok, per_product = req.cancelProducts()
    assert ok == 2
    assert {k: v["code"] for k, v in per_product.items()} == {"LightCurve": 0, "Spectrum": 0, "StandardPos": 3}
    assert emu.status(req.JobID, "StandardPos") == 3


def test_cancelling_the_standard_position_and_the_astrometric_one_waiting_on_it(make_request, emu):
    req = make_request("StandardPos", "AstromPos")
    emu.advance(10)
    assert emu.status(req.JobID, "AstromPos") == 5
    assert req.cancelProducts() == (1, {"StandardPos": CANCELLED_OK, "AstromPos": CANCELLED_OK})


# -- the overall ok -----------------------------------------------------------------------------


def test_ok_is_derived_from_the_codes_not_the_servers_ok(make_request, emu):
    req = make_request("LightCurve", "StandardPos")
    req.cancelProducts(["LightCurve"])
    emu.inject("cancel", "mutate", func=lambda reply: {**reply, "OK": 1})
    assert req.cancelProducts()[0] == 2
    req2 = make_request("LightCurve")
    emu.inject("cancel", "mutate", func=lambda reply: {**reply, "OK": 2})
    assert req2.cancelProducts()[0] == 1


def test_cancel_codes_sent_as_strings_are_read(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("cancel", "mutate", func=lambda reply: {**reply, "statusCodes": {"lc": "0"}})
    assert req.cancelProducts() == (1, {"LightCurve": CANCELLED_OK})


def test_missing_cancel_text_falls_back_to_the_codes_meaning(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("cancel", "mutate", func=lambda reply: {**reply, "status": {}})
    ok, per_product = req.cancelProducts()
    assert ok == 1
    assert per_product == {"LightCurve": {"code": 0, "text": "Success: the job was cancelled."}}


def test_ok_0_when_the_server_refuses_an_unknown_job(emu):
    req = XRTProductRequest.from_job(USER, 9999, ["LightCurve"], base_url=emu.base_url)
    assert _assert_error(req.cancelProducts(), 0) == "Job 9999 does not exist."
    req.transport.close()


def test_ok_0_for_a_job_of_another_user(bound):
    req = bound(["LightCurve"], user=OTHER_USER)
    text = _assert_error(req.cancelProducts(), 0)
    assert text == f"Job {req.JobID} is not owned by user {OTHER_USER}"


def test_ok_0_for_a_refused_request(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("cancel", "refuse", error="Cancelling is disabled for maintenance")
    assert _assert_error(req.cancelProducts(), 0) == "Cancelling is disabled for maintenance"
    assert emu.status(req.JobID, "LightCurve") == 1


def test_ok_minus_1_connection_refused():
    url = f"http://127.0.0.1:{_free_port()}/user_objects"
    req = XRTProductRequest.from_job(USER, 1001, ["LightCurve"], base_url=url)
    assert "connection refused" in _assert_error(req.cancelProducts(), -1)


def test_ok_minus_1_connect_timeout():
    with unanswered_listener() as port:
        req = XRTProductRequest.from_job(
            USER, 1001, ["LightCurve"], base_url=f"http://127.0.0.1:{port}/user_objects", timeout=(0.2, 1.0), retries=0
        )
        assert "Timed out connecting" in _assert_error(req.cancelProducts(), -1)


def test_ok_minus_1_read_timeout(make_request, emu):
    req = make_request("LightCurve", timeout=(2.0, 0.2))
    emu.inject("cancel", "delay", seconds=0.5)
    assert "Timed out waiting" in _assert_error(req.cancelProducts(), -1)
    assert emu.request_count("cancel") == 1


def test_ok_minus_1_http_500_with_html(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("cancel", "status", status=500)
    text = _assert_error(req.cancelProducts(), -1)
    assert "HTTP 500" in text and "<" not in text
    assert emu.status(req.JobID, "LightCurve") == 1


def test_ok_minus_1_http_503_after_retries(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("cancel", "status", status=503, count=3)
    assert "HTTP 503" in _assert_error(req.cancelProducts(), -1)
    assert emu.request_count("cancel") == 3


def test_ok_minus_1_not_json(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("cancel", "not_json")
    assert "not JSON" in _assert_error(req.cancelProducts(), -1)


@pytest.mark.parametrize("keys", [None, ["statusCodes"], ["status"], ["JobID"], ["OK"], ["APIVersion"]])
def test_ok_minus_1_missing_keys(make_request, emu, keys):
    req = make_request("LightCurve")
    emu.inject("cancel", "missing_keys", keys=keys)
    _assert_error(req.cancelProducts(), -1)


WRONG_TYPES = {
    "status is a list": {"status": ["Job cancelled OK"], "statusCodes": {"lc": 0}},
    "statusCodes is a string": {"status": {"lc": "x"}, "statusCodes": "0"},
    "code missing": {"status": {"lc": "x"}, "statusCodes": {"spec": 0}},
    "code out of range": {"status": {"lc": "x"}, "statusCodes": {"lc": 7}},
    "code negative": {"status": {"lc": "x"}, "statusCodes": {"lc": -1}},
    "code a bool": {"status": {"lc": "x"}, "statusCodes": {"lc": True}},
    "code null": {"status": {"lc": "x"}, "statusCodes": {"lc": None}},
    "code a float": {"status": {"lc": "x"}, "statusCodes": {"lc": 0.5}},
    "code a word": {"status": {"lc": "x"}, "statusCodes": {"lc": "zero"}},
    "text a number": {"status": {"lc": 0}, "statusCodes": {"lc": 0}},
}


@pytest.mark.parametrize("keys", list(WRONG_TYPES.values()), ids=list(WRONG_TYPES))
def test_ok_minus_1_wrong_types(make_request, emu, keys):
    req = make_request("LightCurve")
    emu.inject("cancel", "json", value={"OK": 1, "APIVersion": "1.12", "JobID": req.JobID, **keys})
    _assert_error(req.cancelProducts(), -1)


@pytest.mark.parametrize("value", [[1, 2], None, "OK", {"OK": "1", "APIVersion": "1.12"}, {"OK": 5, "APIVersion": 1}])
def test_ok_minus_1_not_a_reply(make_request, emu, value):
    req = make_request("LightCurve")
    emu.inject("cancel", "json", value=value)
    _assert_error(req.cancelProducts(), -1)


def test_ok_minus_1_dropped_connection_every_retry(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("cancel", "drop", count=3)
    assert "closed the connection" in _assert_error(req.cancelProducts(), -1)
    assert emu.request_count("cancel") == 3
    assert emu.status(req.JobID, "LightCurve") == 1  # "drop" never reached the job


def test_ok_minus_1_dropped_connection_without_retries(make_request, emu):
    req = make_request("LightCurve", retries=0)
    emu.inject("cancel", "drop")
    _assert_error(req.cancelProducts(), -1)
    assert emu.request_count("cancel") == 1


def test_ok_minus_1_reset_in_the_middle_of_the_body(make_request, emu):
    req = make_request("LightCurve", retries=0)
    emu.inject("cancel", "reset")
    _assert_error(req.cancelProducts(), -1)
    assert emu.request_count("cancel") == 1


def test_a_dropped_connection_retried_transparently(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("cancel", "drop")
    assert req.cancelProducts() == (1, {"LightCurve": CANCELLED_OK})
    assert emu.request_count("cancel") == 2
    assert emu.request_count("status") == 0


def test_a_lost_reply_is_reconciled_by_a_status_check(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("cancel", "drop_after")  # the first attempt cancels, then its reply is lost
    ok, per_product = req.cancelProducts()
    assert ok == 1
    assert per_product["LightCurve"]["code"] == 0
    assert "first reply was lost" in per_product["LightCurve"]["text"]
    assert emu.request_count("cancel") == 2
    assert emu.request_count("status") == 1


def test_a_retry_does_not_claim_a_product_cancelled_earlier(make_request, emu):
    # The seed's example, with a dropped first attempt of the second call: the light curve was
    # cancelled by the first call, so the retry's "already finished" is the truth.
    req = make_request("LightCurve", "StandardPos")
    assert req.cancelProducts(["LightCurve"]) == (1, {"LightCurve": CANCELLED_OK})
    emu.inject("cancel", "drop")
    assert req.cancelProducts() == (2, {"LightCurve": ALREADY_FINISHED, "StandardPos": CANCELLED_OK})


def test_cancel_never_raises_for_a_fault(make_request, emu):
    req = make_request("LightCurve", retries=0)
    for kind, params in [
        ("status", {"status": 404}),
        ("not_json", {}),
        ("drop", {}),
        ("reset", {}),
        ("json", {"value": {}}),
        ("raw", {"body": b"\x00\x01"}),
        ("missing_keys", {}),
    ]:
        emu.inject("cancel", kind, **params)
        assert req.cancelProducts()[0] == -1, kind


# -- one request per call -----------------------------------------------------------------------


def test_one_request_per_cancel_whatever_the_number_of_products(make_request, emu):
    req = make_request(*LONG_NAMES)
    ok, per_product = req.cancelProducts()
    assert ok == 1 and list(per_product) == list(LONG_NAMES)
    assert emu.request_count("cancel") == 1
    assert _bodies(emu, "canceljob.php")[0]["what"] == ",".join(SHORT_NAMES)
    req.cancelProducts(["Image", "LightCurve", "lc"])
    assert emu.request_count("cancel") == 2
    assert _bodies(emu, "canceljob.php")[1]["what"] == "lc,image"


def test_one_request_per_status_whatever_the_number_of_products(make_request, emu):
    req = make_request(*LONG_NAMES)
    status = req.checkProductStatus()
    assert list(status) == list(LONG_NAMES)
    assert emu.request_count("status") == 1
    (body,) = _bodies(emu, "checkProductStatus.php")
    assert body["what"] == body["whatProg"] == ",".join(SHORT_NAMES)


# -- programmer errors --------------------------------------------------------------------------


def test_runtime_error_when_not_submitted(make_request, emu):
    req = make_request("LightCurve", submit=False)
    with pytest.raises(RuntimeError, match="hasn't been submitted"):
        req.cancelProducts()
    with pytest.raises(RuntimeError, match="hasn't been submitted"):
        req.checkProductStatus()
    for name in ("JobID", "URL", "jobPars", "complete"):
        with pytest.raises(RuntimeError):
            getattr(req, name)
    assert emu.request_count() == 0


@pytest.mark.parametrize("what", [["Spectrum"], ("LightCurve", "spec"), ["psf"]])
def test_value_error_for_a_product_not_requested(make_request, emu, what):
    req = make_request("LightCurve")
    with pytest.raises(ValueError, match="did not request"):
        req.cancelProducts(what)
    with pytest.raises(ValueError, match="did not request"):
        req.checkProductStatus(what)
    assert emu.request_count("cancel") == emu.request_count("status") == 0


@pytest.mark.parametrize("what", [["Banana"], ["lightcurve"], "LightCurve", "", 5, None, [], {"LightCurve"}])
def test_value_error_for_bad_what(make_request, emu, what):
    req = make_request("LightCurve")
    with pytest.raises(ValueError):
        req.cancelProducts(what)
    with pytest.raises(ValueError):
        req.checkProductStatus(what)
    assert emu.request_count("cancel") == emu.request_count("status") == 0


def test_short_names_are_accepted_and_answers_use_long_names(make_request):
    req = make_request("LightCurve", "StandardPos")
    assert list(req.checkProductStatus(["psf"])) == ["StandardPos"]
    assert req.cancelProducts(["lc"]) == (1, {"LightCurve": CANCELLED_OK})


# -- from_job -----------------------------------------------------------------------------------


@pytest.mark.parametrize("names", [["LightCurve", "StandardPos"], ["lc", "psf"], ["psf", "LightCurve"], ("lc", "psf")])
def test_from_job_with_long_and_short_names(bound, emu, names):
    req = bound(names, job_products=["LightCurve", "StandardPos"])
    assert req.submitted is True
    assert req.statusCode == 1
    assert req.UserID == USER
    assert isinstance(req.JobID, int) and req.JobID in emu.store.jobs
    assert req.URL is None
    assert req.products == ["LightCurve", "StandardPos"]
    assert req.productList == ["lc", "psf"]
    assert set(req.checkProductStatus()) == {"LightCurve", "StandardPos"}
    assert req.cancelProducts(["StandardPos"]) == (1, {"StandardPos": CANCELLED_OK})
    assert emu.status(req.JobID, "StandardPos") == -4
    assert emu.status(req.JobID, "LightCurve") == 1


def test_from_job_of_a_job_submitted_elsewhere(make_request, emu):
    first = make_request("LightCurve", "Spectrum")
    later = XRTProductRequest.from_job(USER, first.JobID, first.productList, base_url=emu.base_url)
    assert later.cancelProducts(["Spectrum"]) == (1, {"Spectrum": CANCELLED_OK})
    assert first.checkProductStatus(["Spectrum"])["Spectrum"]["statusCode"] == -4
    later.transport.close()


def test_from_job_takes_the_constructors_options(emu):
    session = requests.Session()
    req = XRTProductRequest.from_job(
        USER, "1001", "lc", base_url=emu.base_url, timeout=(1.5, 4), session=session, retries=0
    )
    assert req.JobID == 1001
    assert req.products == ["LightCurve"]
    assert req.transport.timeout == (1.5, 4.0)
    assert req.transport.session is session
    assert req.transport.base_url == emu.base_url
    session.close()


@pytest.mark.parametrize(
    "job_id,products,match",
    [
        ("abc", ["lc"], "job_id"),
        (None, ["lc"], "job_id"),
        (1001, [], "at least one product"),
        (1001, ["Banana"], "not an XRT product"),
    ],
)
def test_from_job_rejects_bad_arguments(emu, job_id, products, match):
    with pytest.raises(ValueError, match=match):
        XRTProductRequest.from_job(USER, job_id, products, base_url=emu.base_url)


# -- submit -------------------------------------------------------------------------------------


def test_submit_success(make_request, emu):
    req = make_request("LightCurve", "Spectrum", "StandardPos", submit=False)
    assert req.statusCode == 0 and req.statusText == "Preparing the request"
    assert req.submitted is False
    assert req.submit() is True
    assert req.submitted is True
    assert req.status == (1, "Request submitted")
    job = emu.job(req.JobID)
    assert job.user == USER
    assert set(job.products) == {"lc", "spec", "psf"}
    assert emu.store.job_url(req.JobID) == req.URL and req.URL.startswith(emu.base_url)
    assert req.jobPars["name"] == GLOBALS["name"]
    assert req.jobPars["centMeth"] == "simple"  # filled in by the server
    assert req.productList == ["lc", "spec", "psf"]
    assert req.products == ["LightCurve", "Spectrum", "StandardPos"]
    with pytest.raises(RuntimeError, match="submitError"):
        req.submitError
    with pytest.raises(RuntimeError, match="already been submitted"):
        req.submit()
    assert f"JobID={req.JobID}" in repr(req)


def test_submit_body(make_request, emu):
    req = make_request(submit=False)
    req.addImage(energies="0.3-10", clobber=False)
    req.setGlobalPars(T0=175886400.0)
    req.removeSpectrum()
    req.addLightCurve(clobber=True, binMeth="counts", pcCounts=20, dynamic=True)
    req.setProductPars("LightCurve", wtCounts=30)
    expected = req.getJSONDict()
    assert req.submit(), req.submitError
    (body,) = _bodies(emu, "run_userobject.php")
    assert body == expected and body["api_name"] == "xrt_prods" and body["api_version"] == "1.12"
    assert body["UserID"] == USER
    assert body["cent"] == 1 and "centroid" not in body
    assert body["poserr"] == 1 and body["Tstart"] == 175886400.0 and body["useSXPS"] == 0
    assert body["lc"] == 1 and body["dopsf"] == 1 and body["image"] == 1 and "spec" not in body
    assert body["binMeth"] == "counts" and body["pccounts"] == 20 and body["dynamic"] == 1
    assert body["imen"] == "0.3-10" and "pcCounts" not in body and "energies" not in body


def test_parameter_names_in_wire_form_are_taken_and_unknown_ones_refused_as_swifttools_does(emu):
    req = XRTProductRequest(USER, base_url=emu.base_url)
    with pytest.raises(ValueError, match="futureGlobal"):
        req.setGlobalPars(name="x", futureGlobal=True)
    req.addLightCurve(pccounts=20)  # already in wire form
    with pytest.raises(ValueError, match="futurePar"):
        req.setLightCurvePars(futurePar="a")
    req.addImage(imen="0.5-2")
    body = req.getJSONDict()
    assert body["name"] == "x" and body["pccounts"] == 20 and body["imen"] == "0.5-2"  # set before the refusal
    assert "futureGlobal" not in body and "futurePar" not in body
    req.transport.close()


def test_submit_failure_with_list_errors(emu):
    req = XRTProductRequest(USER, base_url=emu.base_url)
    req.setGlobalPars(RA=95.37, Dec=-62.21, centroid=False, useSXPS=False, getTargs=False)
    req.addLightCurve(binMeth="snapshot")
    req.setGlobalPars(name="")  # complete for isValid, but not for the server
    req.setGlobalPars(targ="")
    assert req.isValid() == (True, "")
    assert req.submit() is False
    assert req.submitted is False
    assert req.status == (3, "Error, something has gone wrong")
    text = req.submitError
    assert "some parameters are invalid" in text
    assert "Global parameters" in text
    assert "* name: a name for the object is required" in text
    assert "* targ: the target ID(s) are required, or set getTargs" in text
    with pytest.raises(RuntimeError):
        req.JobID
    # Fix it and try again.
    req.setGlobalPars(name="GRB 060729", targ="00221755")
    assert req.submit() is True
    assert req.statusCode == 1
    req.transport.close()


def test_submit_failure_from_the_transport(emu):
    url = f"http://127.0.0.1:{_free_port()}/user_objects"
    req = XRTProductRequest(USER, base_url=url, retries=0)
    req.setGlobalPars(**GLOBALS)
    req.addLightCurve(binMeth="snapshot")
    assert req.submit() is False
    assert req.statusCode == 3
    assert "connection refused" in req.submitError


@pytest.mark.parametrize("job_id", ["abc", True, None, -5, 1.5])
def test_submit_with_an_invalid_job_id(make_request, emu, job_id):
    req = make_request("LightCurve", submit=False)
    emu.inject("submit", "json", value={"OK": 1, "APIVersion": "1.12", "JobID": job_id, "URL": "x", "jobPars": {}})
    assert req.submit() is False
    assert "invalid JobID" in req.submitError


def test_submit_with_nothing_to_submit(emu):
    req = XRTProductRequest(USER, base_url=emu.base_url)
    req.setGlobalPars(**GLOBALS)
    assert req.submit() is False
    assert req.submitError == (
        "The request is not ready to submit:\n\nThe following problems were found:\n"
        "* No products have been requested.\n"
    )
    assert emu.request_count("submit") == 0


def test_submit_keeps_deprecation_warnings(make_request, emu):
    req = make_request("LightCurve", submit=False)
    emu.inject(
        "submit", "mutate", func=lambda r: {**r, "deprecationWarning": {"type": "t", "message": "cent will be renamed"}}
    )
    assert req.submit()
    assert req.last_warnings == ["cent will be renamed"]


# -- building a request -------------------------------------------------------------------------


def test_add_and_remove_methods_for_every_product(emu):
    req = XRTProductRequest(USER, base_url=emu.base_url)
    for name in LONG_NAMES:
        getattr(req, f"add{name}")()
        assert req.hasProd(name)
    assert req.products == list(LONG_NAMES)
    for name in LONG_NAMES:
        getattr(req, f"remove{name}")()
        assert not req.hasProd(name)
    assert req.products == []


def test_add_product_rules(emu):
    req = XRTProductRequest(USER, base_url=emu.base_url)
    with pytest.raises(ValueError, match="not an XRT product"):
        req.addProduct("Banana")
    req.addProduct("lc", binMeth="snapshot")
    with pytest.raises(RuntimeError, match="already have one"):  # as swifttools
        req.addLightCurve()
    req.addLightCurve(clobber=True, binMeth="counts")
    assert req.getJSONDict()["binMeth"] == "counts"
    with pytest.raises(RuntimeError, match="don't have one"):  # as swifttools
        req.removeProduct("Spectrum")
    with pytest.raises(ValueError, match="not an XRT product"):
        req.removeProduct("Banana")
    assert req.hasProd("LightCurve") and req.hasProd("lc") and not req.hasProd("spec")


def test_a_submitted_request_cannot_change(make_request):
    req = make_request("LightCurve")
    with pytest.raises(RuntimeError):
        req.addSpectrum()
    with pytest.raises(RuntimeError, match="cancelProducts"):
        req.removeLightCurve()
    with pytest.raises(RuntimeError):
        req.setGlobalPars(name="other")


@pytest.mark.parametrize("user", ["", "   ", None, 42])
def test_user_is_required(user):
    with pytest.raises(ValueError):
        XRTProductRequest(user, base_url=f"https://{NOWHERE}")


def test_globals_are_kept(emu):
    req = XRTProductRequest(USER, base_url=emu.base_url)
    req.setGlobalPars(name="x")
    req.setGlobalPars(targ="1")
    assert req.globalPars == {"name": "x", "targ": "1", "getTargs": False}  # the flag targ triggers, as swifttools


# -- base URL, session, user agent --------------------------------------------------------------


def test_base_url_from_the_environment(emu, monkeypatch):
    monkeypatch.setenv("XRT_WIDGETS_BASE_URL", emu.base_url)
    req = XRTProductRequest(USER)
    req.setGlobalPars(**GLOBALS)
    req.addLightCurve(binMeth="snapshot")
    assert req.submit()
    assert emu.request_count("submit") == 1
    req.transport.close()


def test_explicit_base_url_beats_the_environment(emu, monkeypatch):
    monkeypatch.setenv("XRT_WIDGETS_BASE_URL", f"http://127.0.0.1:{_free_port()}/user_objects")
    req = XRTProductRequest.from_job(USER, emu.add_job(USER, ["lc"]), ["lc"], base_url=emu.base_url)
    assert req.cancelProducts()[0] == 1
    req.transport.close()


def test_default_base_url_is_the_real_service(monkeypatch):
    monkeypatch.delenv("XRT_WIDGETS_BASE_URL", raising=False)
    assert XRTProductRequest(USER).transport.base_url == DEFAULT_BASE_URL


@pytest.mark.parametrize("url", [REAL_SERVICE_HTTP, "http://10.0.0.1/user_objects"])
def test_plain_http_to_another_host_is_refused(url):
    with pytest.raises(InsecureURLError):
        XRTProductRequest(USER, base_url=url)
    with pytest.raises(InsecureURLError):
        XRTProductRequest.from_job(USER, 1, ["lc"], base_url=url)


def test_session_without_tls_verification_is_refused():
    session = requests.Session()
    session.verify = False
    with pytest.raises(ValueError, match="verif"):
        XRTProductRequest(USER, session=session)
    session.close()


def test_every_request_names_the_package(make_request, emu):
    req = make_request("LightCurve")
    req.checkProductStatus()
    req.cancelProducts()
    req.listOldJobs()
    req.countActiveJobs()
    agents = {entry["user_agent"] for entry in emu.log}
    assert len(emu.log) == 5
    from xrt_widgets import __version__

    assert len(agents) == 1 and agents.pop().startswith(f"xrt_widgets/{__version__} ")


# -- statusCode and complete --------------------------------------------------------------------


def test_status_code_becomes_2_when_every_product_is_finished(make_request, emu):
    req = make_request("LightCurve", "Image")
    emu.advance(20)
    req.checkProductStatus()
    assert req.statusCode == 1  # the light curve still runs; the image is done
    req.cancelProducts(["LightCurve"])
    assert req.checkProductStatus()["LightCurve"]["statusCode"] == -4
    assert req.status == (2, "Job finished, all products complete or failed")


def test_complete_asks_the_server_until_it_is_true(make_request, emu):
    req = make_request("Image", "StandardPos")
    assert req.complete is False
    assert emu.request_count("status") == 1
    emu.advance(2 + 5 + 60)
    assert req.complete is True
    assert req.statusCode == 2
    assert req.complete is True
    assert emu.request_count("status") == 2  # once complete, answered from memory


def test_complete_after_cancelling_everything(make_request, emu):
    req = make_request("LightCurve", "Spectrum")
    req.cancelProducts()
    assert req.complete is True
    assert req.statusCode == 2


# -- checkProductStatus -------------------------------------------------------------------------


def test_status_shape_and_progress_text(make_request, emu):
    req = make_request("LightCurve", "Spectrum", "StandardPos")
    emu.advance(2 + 10 + 500)  # spectrum in its nested "PC mode" steps, standard position complete
    status = req.checkProductStatus()
    assert list(status) == ["LightCurve", "Spectrum", "StandardPos"]
    for entry in status.values():
        assert set(entry) == {"statusCode", "statusText", "progress", "progressText"}
        assert isinstance(entry["statusText"], str) and isinstance(entry["progress"], dict)
    spec = status["Spectrum"]
    assert spec["statusCode"] == 3 and spec["statusText"] == "Running"
    assert spec["progress"]["GotProgress"] == 1
    lines = spec["progressText"].splitlines()
    assert lines[0] == "Using <em>all</em> observations of target <code>00221755</code>"
    assert "  Identifying snapshots - DONE" in lines
    assert "    WT mode - DONE" in lines
    assert any(line.startswith("      ** Source - ACTIVE -- ") for line in lines)  # third level
    assert "      Background" in lines
    assert "  Fitting" in lines
    assert lines[-1] == "The job has been running for 00:08:20"
    pos = status["StandardPos"]
    assert pos["statusCode"] == 4 and pos["statusText"] == "Complete"
    assert pos["progressText"] == "No progress information available"


def test_status_codes_through_the_states(make_request, emu):
    req = make_request("LightCurve")
    seen = []
    for step in (0, 5, 10, 600):
        emu.advance(step)
        seen.append(req.checkProductStatus()["LightCurve"]["statusCode"])
    assert seen == [1, 2, 3, 4]


def test_status_minus_10_for_a_product_missing_from_the_reply(make_request, emu):
    req = make_request("LightCurve", "StandardPos")
    emu.inject("status", "mutate", func=lambda reply: {k: v for k, v in reply.items() if k != "psf"})
    status = req.checkProductStatus()
    assert status["LightCurve"]["statusCode"] == 1
    assert status["StandardPos"] == {
        "statusCode": -10,
        "statusText": "The server did not return the status",
        "progress": {},
        "progressText": "No progress information available",
    }
    assert req.statusCode == 1


def test_status_none_for_a_product_the_job_lacks(bound):
    req = bound(["LightCurve", "Spectrum"], job_products=["LightCurve"])
    status = req.checkProductStatus()
    assert status["Spectrum"]["statusCode"] is None
    assert status["Spectrum"]["statusText"] == "Unknown status"
    assert status["LightCurve"]["statusCode"] == 1


def test_status_code_sent_as_a_string(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("status", "mutate", func=lambda r: {**r, "lc": {**r["lc"], "statusCode": "2"}})
    assert req.checkProductStatus()["LightCurve"]["statusCode"] == 2


def test_status_text_missing_falls_back_to_the_meaning(make_request, emu):
    req = make_request("LightCurve")
    emu.inject("status", "mutate", func=lambda r: {**r, "lc": {"statusCode": 1}})
    entry = req.checkProductStatus()["LightCurve"]
    assert entry["statusText"] == "Requested, not yet queued."
    assert entry["progress"] == {}


@pytest.mark.parametrize(
    "kind,params",
    [
        ("status", {"status": 500}),
        ("not_json", {}),
        ("missing_keys", {}),
        ("drop", {"count": 3}),
        ("refuse", {"error": "Database busy"}),
        ("json", {"value": [1]}),
        ("json", {"value": {"OK": 1, "APIVersion": "1.12", "JobID": 1001, "lc": "running"}}),
        ("json", {"value": {"OK": 1, "APIVersion": "1.12", "JobID": 1001, "lc": {"statusCode": 42}}}),
        ("json", {"value": {"OK": 1, "APIVersion": "1.12", "JobID": 1001, "lc": {"statusCode": True}}}),
        ("json", {"value": {"OK": 1, "APIVersion": "1.12", "JobID": 1001, "lc": {"statusCode": 3, "statusText": 3}}}),
        ("json", {"value": {"OK": 1, "APIVersion": "1.12", "JobID": 1001, "lc": {"statusCode": 3, "progress": []}}}),
        ("json", {"value": {"OK": 1, "APIVersion": "1.12", "JobID": 1001, "lc": {"statusText": "x"}}}),
    ],
)
def test_status_error_on_faults(make_request, emu, kind, params):
    req = make_request("LightCurve")
    emu.inject("status", kind, **params)
    status = req.checkProductStatus()
    assert list(status) == ["ERROR"] and status["ERROR"].strip()
    assert req.statusCode == 1
    if kind == "refuse":
        assert status["ERROR"] == "Database busy"


def test_status_error_for_a_reset_and_a_timeout(make_request, emu):
    req = make_request("LightCurve", retries=0, timeout=(2.0, 0.2))
    emu.inject("status", "reset")
    assert list(req.checkProductStatus()) == ["ERROR"]
    emu.inject("status", "delay", seconds=0.5)
    assert "Timed out" in req.checkProductStatus()["ERROR"]


def test_status_error_for_another_users_job(bound):
    req = bound(["LightCurve"], user=OTHER_USER)
    assert req.checkProductStatus() == {"ERROR": f"Job {req.JobID} is not owned by user {OTHER_USER}"}


def test_status_of_a_subset(make_request, emu):
    req = make_request("LightCurve", "Spectrum", "StandardPos")
    assert list(req.checkProductStatus(["Spectrum"])) == ["Spectrum"]
    (body,) = _bodies(emu, "checkProductStatus.php")
    assert body["what"] == "spec" and body["JobID"] == req.JobID and body["UserID"] == USER


# -- build_progress_text ------------------------------------------------------------------------


def test_progress_text_any_depth():
    def nest(depth):
        step = {"StepLabel": f"level {depth}", "StepStatus": 1 if depth == 6 else 2}
        if depth < 6:
            step["SubStep"] = [nest(depth + 1)]
        return step

    text = build_progress_text({"GotProgress": 1, "ProgressSteps": [nest(0)], "TimeRunning": "01:02:03"})
    lines = text.splitlines()
    assert lines[0] == "  level 0 - DONE"
    assert lines[5] == "            level 5 - DONE"
    assert lines[6] == "              ** level 6 - ACTIVE**"
    assert lines[-1] == "The job has been running for 01:02:03"


def test_progress_text_of_each_step_state():
    text = build_progress_text(
        {
            "GotProgress": 1,
            "PreProgress": "Using <em>PC</em> mode",
            "ProgressSteps": [
                {"StepLabel": "A", "StepStatus": 2},
                {"StepLabel": "B", "StepStatus": 1, "StepExtra": "3/7 snapshots"},
                {"StepLabel": "C", "StepStatus": 0},
            ],
        }
    )
    assert text == "Using <em>PC</em> mode\n  A - DONE\n  ** B - ACTIVE -- 3/7 snapshots**\n  C\n"


@pytest.mark.parametrize(
    "progress",
    [
        None,
        {},
        {"GotProgress": 0},
        {"GotProgress": 2},
        [],
        "x",
        {"GotProgress": 1},
        {"GotProgress": 1, "ProgressSteps": []},
    ],
)
def test_progress_text_without_progress(progress):
    assert build_progress_text(progress) == "No progress information available"


def test_progress_text_skips_malformed_steps():
    text = build_progress_text(
        {
            "GotProgress": 1,
            "ProgressSteps": [
                "junk",
                None,
                {"StepLabel": "ok", "StepStatus": 2, "SubStep": "not a list"},
                {"StepStatus": 1, "StepExtra": {"no": "dict"}},
                {"StepLabel": 5, "SubStep": [7, {"StepLabel": "deep"}]},
            ],
            "TimeRunning": 12,
        }
    )
    assert text == "  ok - DONE\n  **  - ACTIVE**\n  5\n    deep\n"  # a TimeRunning that is not text is left out


def test_progress_text_survives_a_cycle():
    step: dict = {"StepLabel": "loop", "StepStatus": 0}
    step["SubStep"] = [step]
    assert build_progress_text({"GotProgress": 1, "ProgressSteps": [step]}).count("loop") > 10


# -- listOldJobs / countActiveJobs ----------------------------------------------------------------


def test_list_old_jobs_newest_first(make_request, emu):
    old = emu.add_job(USER, ["Spectrum"], name="old one", age=86400)
    req = make_request("LightCurve", "StandardPos")
    emu.add_job(OTHER_USER, ["lc"])
    for jobs in (req.listOldJobs(), listOldJobs(USER, base_url=emu.base_url)):
        assert [j["JobID"] for j in jobs] == [req.JobID, old]
        assert jobs[0]["Name"] == GLOBALS["name"] and jobs[1]["Name"] == "old one"
        assert jobs[0]["LightCurve"] is True and jobs[0]["StandardPos"] is True and jobs[0]["Spectrum"] is False
        assert jobs[1]["Spectrum"] is True
        assert set(jobs[0]) == {
            "JobID",
            "Name",
            "DateSubmitted",
            "LightCurve",
            "Spectrum",
            "StandardPos",
            "EnhancedPos",
            "AstromPos",
            "Image",
            "hasProd",
        }


def test_count_active_jobs(make_request, emu):
    first = make_request("LightCurve")
    make_request("Image")
    assert first.countActiveJobs() == 2
    assert countActiveJobs(USER, base_url=emu.base_url) == 2
    first.cancelProducts()
    assert countActiveJobs(USER, base_url=emu.base_url) == 1
    emu.advance(10)  # the image is done
    assert first.countActiveJobs() == 0
    assert countActiveJobs(OTHER_USER, base_url=emu.base_url) == 0


def test_list_and_count_raise_on_faults(emu):
    emu.inject("count", "refuse", error="nope")
    with pytest.raises(ServiceError, match="nope"):
        countActiveJobs(USER, base_url=emu.base_url)
    emu.inject("count", "mutate", func=lambda r: {**r, "numJobs": "many"})
    with pytest.raises(ReplyError):
        countActiveJobs(USER, base_url=emu.base_url)
    emu.inject("count", "mutate", func=lambda r: {**r, "numJobs": "3"})
    assert countActiveJobs(USER, base_url=emu.base_url) == 3
    emu.inject("list", "mutate", func=lambda r: {**r, "jobs": {"1001": {}}})
    with pytest.raises(ReplyError):
        listOldJobs(USER, base_url=emu.base_url)
    # the entries come back unchecked: one bad entry must not hide the others (protocol.parse_listing checks them)
    emu.inject("list", "mutate", func=lambda r: {**r, "jobs": [{"Name": "no id"}, {"JobID": "1001"}]})
    assert listOldJobs(USER, base_url=emu.base_url) == [{"Name": "no id"}, {"JobID": "1001"}]


def test_a_reply_about_another_job_is_not_understood(emu, make_request):
    req = make_request("LightCurve")
    emu.inject("cancel", "mutate", func=lambda reply: {**reply, "JobID": reply["JobID"] + 1})
    ok, per = req.cancelProducts()
    assert ok == -1 and "JobID" in per["ERROR"]
    emu.inject("status", "mutate", func=lambda reply: {**reply, "JobID": 7})
    assert "JobID" in req.checkProductStatus()["ERROR"]


def test_request_is_a_context_manager_that_closes_its_session(emu):
    from xrt_widgets import XRTProductRequest

    with XRTProductRequest("astro@example.org", base_url=emu.base_url) as req:
        adapter = req.transport.session.get_adapter(emu.base_url)
    assert not adapter.poolmanager.pools  # closed: no pooled connections left
