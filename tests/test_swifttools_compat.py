"""The real swifttools client (4.0.5) against the emulator: the emulator accepts exactly what it sends.

swifttools' module functions ``listOldJobs``/``countActiveJobs`` post to the real service's URL
whatever ``_baseURL`` says, so they are never called here: these tests only talk to 127.0.0.1.
"""

from __future__ import annotations

import json

import pytest
import swifttools.ukssdc.xrt_prods as st

from support import USER
from xrt_widgets import XRTProductRequest as OurRequest

T0 = 175886400.0
ST_GLOBALS = dict(name="GRB 060729", targ="00221755", T0=T0, RA=95.37, Dec=-62.21, centroid=True,
                  centMeth="iterative", useSXPS=False, posErr=1)


@pytest.fixture
def theirs(emu):
    """A swifttools request for a light curve, a spectrum and a standard position, pointed at ``emu``."""
    req = st.XRTProductRequest(USER, silent=True)
    req._baseURL = emu.base_url
    req.setGlobalPars(**ST_GLOBALS)
    req.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    req.addSpectrum(hasRedshift=False)
    req.addStandardPos()
    return req


@pytest.fixture
def submitted(theirs):
    assert theirs.isValid() == (True, "")
    assert theirs.submit() is True, theirs.submitError
    return theirs


def _bodies(emu, path):
    return [e for e in emu.log if e["endpoint"] == path]


def test_swifttools_is_the_version_the_protocol_describes():
    assert st.XRTProductRequest._apiVer == "1.12"
    assert st.XRTProductRequest._apiName == "xrt_prods"


def test_submit(emu, submitted):
    (entry,) = _bodies(emu, "run_userobject.php")
    body = entry["body"]
    assert entry["user_agent"].startswith("python-requests/")
    assert body["api_name"] == "xrt_prods" and body["api_version"] == "1.12"
    assert body["UserID"] == USER
    assert {k: body[k] for k in ("name", "targ", "Tstart", "RA", "Dec", "cent", "centMeth", "useSXPS", "poserr")} == {
        "name": "GRB 060729", "targ": "00221755", "Tstart": T0, "RA": 95.37, "Dec": -62.21, "cent": 1,
        "centMeth": "iterative", "useSXPS": 0, "poserr": 1}
    assert body["lc"] == body["spec"] == body["dopsf"] == 1
    assert "doenh" not in body and "doxastrom" not in body and "image" not in body
    assert body["binMeth"] == "counts" and body["dynamic"] == 1

    job = emu.job(submitted.JobID)
    assert job.user == USER and job.name == "GRB 060729"
    assert set(job.products) == {"lc", "spec", "psf"}
    assert submitted.submitted is True
    assert submitted.statusCode == 1
    assert submitted.URL == f"{emu.base_url}/tprods/USERPROD_{submitted.JobID}"
    assert submitted.jobPars["centMeth"] == "iterative"
    assert submitted.productList == ["lc", "spec", "psf"]


def test_our_submit_body_matches_swifttools(emu, theirs):
    ours = OurRequest(USER, base_url=emu.base_url)
    ours.setGlobalPars(**ST_GLOBALS)
    # swifttools translates product parameters (pcCounts -> pccounts); we pass them through as given.
    ours.addLightCurve(binMeth="counts", pccounts=20, wtcounts=30, dynamic=True)
    ours.addSpectrum(specz=False, dchi=2.706)
    ours.addStandardPos()
    expected = theirs.getJSONDict()
    got = {**ours.getJSONDict(), "api_name": "xrt_prods", "api_version": "1.12"}
    # swifttools adds getTargs/getT0 = 0 defaults of its own.
    assert {k: v for k, v in expected.items() if k not in ("getTargs", "getT0")} == got
    ours.transport.close()


def test_check_status(emu, submitted):
    emu.advance(20)
    status = submitted.checkProductStatus()
    assert list(status) == ["LightCurve", "Spectrum", "StandardPos"]
    for entry in status.values():
        assert entry["statusCode"] == 3
        assert entry["statusText"] == "Running"
        assert entry["progress"]["GotProgress"] == 1
        assert "ACTIVE" in entry["progressText"]
    (entry,) = _bodies(emu, "checkProductStatus.php")
    assert entry["body"] == {"UserID": USER, "JobID": submitted.JobID, "what": "lc,spec,psf",
                             "whatProg": "lc,spec,psf", "api_name": "xrt_prods", "api_version": "1.12"}


def test_progress_text_matches_swifttools_line_for_line(emu, submitted):
    emu.advance(2 + 10 + 480)  # the spectrum deep in its nested steps
    ours = OurRequest.from_job(USER, submitted.JobID, submitted.productList, base_url=emu.base_url)
    mine, their = ours.checkProductStatus(), submitted.checkProductStatus()
    for name in ("LightCurve", "Spectrum", "StandardPos"):
        assert mine[name]["statusCode"] == their[name]["statusCode"]
        assert mine[name]["progress"] == their[name]["progress"]
        assert mine[name]["progressText"].splitlines() == [
            line for line in their[name]["progressText"].splitlines() if line]
    assert "      Background" in mine["Spectrum"]["progressText"].splitlines()  # three levels deep
    ours.transport.close()


def test_cancel_one_product(emu, submitted):
    emu.advance(20)
    assert submitted.cancelProducts(["LightCurve"]) == (1, {"LightCurve": {"code": 0, "text": "Job cancelled OK"}})
    assert emu.request_count("cancel") == 1
    (entry,) = _bodies(emu, "canceljob.php")
    assert entry["body"] == {"UserID": USER, "JobID": submitted.JobID, "what": "lc", "api_name": "xrt_prods",
                             "api_version": "1.12"}
    assert emu.status(submitted.JobID, "LightCurve") == -4
    assert emu.status(submitted.JobID, "Spectrum") == 3
    status = submitted.checkProductStatus(["LightCurve"])
    assert status["LightCurve"]["statusCode"] == -4
    assert status["LightCurve"]["statusText"] == "Cancelled by user"


def test_where_we_do_better_than_swifttools(emu, submitted):
    """The known faults of swifttools 4.0.5, side by side with ours on the same job."""
    ours = OurRequest.from_job(USER, submitted.JobID, submitted.productList, base_url=emu.base_url)
    assert submitted.cancelProducts(["LightCurve"])[0] == 1

    # Cancelling again: the server says OK 2 / code 1; swifttools still says 1.
    theirs_ok, theirs_codes = submitted.cancelProducts(["LightCurve"])
    assert theirs_ok == 1 and theirs_codes["LightCurve"]["code"] == 1
    assert ours.cancelProducts(["LightCurve"]) == (0, {"LightCurve": {
        "code": 1, "text": "Job could not be cancelled - has it already finished?"}})

    # A body that is not JSON: swifttools raises, we return -1.
    emu.inject("cancel", "not_json", count=2)
    with pytest.raises(json.JSONDecodeError):
        submitted.cancelProducts(["Spectrum"])
    ok, detail = ours.cancelProducts(["Spectrum"])
    assert ok == -1 and "not JSON" in detail["ERROR"]
    assert emu.status(submitted.JobID, "Spectrum") == 1
    ours.transport.close()


def test_a_job_submitted_by_swifttools_is_cancelled_by_ours(emu, submitted):
    ours = OurRequest.from_job(submitted.UserID, submitted.JobID, submitted.productList, base_url=emu.base_url)
    emu.advance(10)
    assert ours.cancelProducts() == (1, {name: {"code": 0, "text": "Job cancelled OK"}
                                         for name in ("LightCurve", "Spectrum", "StandardPos")})
    assert emu.request_count("cancel") == 1
    status = submitted.checkProductStatus()
    assert [v["statusCode"] for v in status.values()] == [-4, -4, -4]
    assert submitted.statusCode == 2  # swifttools sees every product finished
    ours.transport.close()
