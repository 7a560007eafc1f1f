"""The real swifttools client (4.0.5) against the emulator: the emulator accepts exactly what it sends.

swifttools' module functions ``listOldJobs``/``countActiveJobs`` post to the real service's URL
whatever ``_baseURL`` says, so they are never called here: these tests only talk to 127.0.0.1.
"""

from __future__ import annotations

import json

import pytest
import swifttools.ukssdc.xrt_prods as st

from xrt_widgets import XRTProductRequest as OurRequest

from support import SWIFT_GLOBALS, SWIFT_T0, USER, swifttools_request

T0 = SWIFT_T0
ST_GLOBALS = SWIFT_GLOBALS


@pytest.fixture
def theirs(emu):
    """A swifttools request for a light curve, a spectrum and a standard position, pointed at ``emu``."""
    return swifttools_request(emu.base_url)


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
        "name": "GRB 060729",
        "targ": "00221755",
        "Tstart": T0,
        "RA": 95.37,
        "Dec": -62.21,
        "cent": 1,
        "centMeth": "iterative",
        "useSXPS": 0,
        "poserr": 1,
    }
    assert body["lc"] == body["spec"] == body["dopsf"] == 1
    assert "doenh" not in body and "doxastrom" not in body and "image" not in body
    assert body["binMeth"] == "counts" and body["dynamic"] == 1

    job = emu.job(submitted.JobID)
    assert job.user == USER and job.name == "GRB 060729"
    assert set(job.products) == {"lc", "spec", "psf"}
    assert submitted.submitted is True
    assert submitted.statusCode == 1
    assert f"{emu.base_url}/tprods/USERPROD_{submitted.JobID}" == submitted.URL
    assert submitted.jobPars["centMeth"] == "iterative"
    assert submitted.productList == ["lc", "spec", "psf"]


#: swifttools' own getTargs/getT0 triggers (setting targ or T0 sets them to False) are given explicitly,
#: so that both requests hold the same globals.
BODY_GLOBALS = dict(ST_GLOBALS, getTargs=False, getT0=False, wtPupRate=150, pcPupRate=0.6)

#: Python-named parameters for every product, covering most of swifttools' renames. swifttools fills in
#: some values itself (Spectrum's deltaFitStat default; hasRedshift=True sets galactic=True): they are
#: given explicitly so that both requests hold the same parameters.
BODY_PARS = {
    "LightCurve": dict(
        binMeth="counts",
        pcCounts=20,
        wtCounts=30,
        dynamic=True,
        minEnergy=0.3,
        maxEnergy=10.0,
        softLo=0.3,
        softHi=1.5,
        hardLo=1.5,
        hardHi=10.0,
        minSig=3.0,
        allowUL="both",
        allowBayes="pc",
        timeFormat="s",
        minFracExp=0.1,
        rateFact=10.0,
        binFact=1.5,
        minCounts=15,
        minSNR=2.5,
        matchHR=1,
        wtHRBinTime=10,
        pcHRBinTime=2500,
        grades="all",
    ),
    "Spectrum": dict(
        hasRedshift=True,
        redshift=0.54,
        galactic=True,
        deltaFitStat=2.706,
        whichData="hours",
        incHours=12.0,
        grades="0",
        specStem="grb",
        timeslice="single",
        doNotFit=False,
    ),
    "StandardPos": dict(whichData="user", useObs="00221755001", detOrCent="detect", centMeth="iterative", posRadius=20),
    "EnhancedPos": dict(whichData="user", useObs="00221755001", incHours=6.0),
    "AstromPos": dict(useAllObs=True),
    "Image": dict(energies="0.3-10", whichData="user", useObs="00221755001-00221755003"),
    "SourceDet": dict(whichData="user", useObs="00221755001", whichBands="all", fitStrayLight=False),
}


def test_our_rename_tables_are_swifttools_tables():
    from swifttools.ukssdc.xrt_prods.productVars import prodPythonParsToJSONPars

    from xrt_widgets.products import GLOBAL_WIRE_NAMES, PRODUCT_WIRE_NAMES

    assert prodPythonParsToJSONPars == PRODUCT_WIRE_NAMES
    assert st.XRTProductRequest._globalPythonParsToJSONPars == GLOBAL_WIRE_NAMES


def _swift_request(emu, products):
    req = st.XRTProductRequest(USER, silent=True)
    req._baseURL = emu.base_url
    req.setGlobalPars(**BODY_GLOBALS)
    for name in products:
        getattr(req, f"add{name}")(**BODY_PARS[name])
    assert req.isValid() == (True, "")
    return req


def _our_request(emu, products):
    req = OurRequest(USER, base_url=emu.base_url)
    req.setGlobalPars(**BODY_GLOBALS)
    for name in products:
        getattr(req, f"add{name}")(**BODY_PARS[name])
    return req


def _without_api(body):
    return {k: v for k, v in body.items() if k not in ("api_name", "api_version")}


@pytest.mark.parametrize("products", [[name] for name in BODY_PARS] + [list(BODY_PARS)], ids=[*BODY_PARS, "all"])
def test_our_submit_body_matches_swifttools(emu, products):
    ours = _our_request(emu, products)
    assert ours.getJSONDict() == _swift_request(emu, products).getJSONDict()
    ours.transport.close()


def test_the_wire_names_of_product_parameters(emu):
    ours = _our_request(emu, ["LightCurve", "Spectrum", "StandardPos"])
    body = ours.getJSONDict()
    assert body["pccounts"] == 20 and body["wtcounts"] == 30 and body["dynamic"] == 1
    assert body["specz"] == 1 and body["zval"] == 0.54 and body["dchi"] == 2.706 and body["specobs"] == "hours"
    assert body["posobs"] == "user" and body["useposobs"] == "00221755001" and body["detMeth"] == "iterative"
    assert body["centMeth"] == "iterative"  # the global keeps its name; StandardPos' centMeth is detMeth
    assert not {"pcCounts", "wtCounts", "hasRedshift", "redshift", "deltaFitStat", "whichData", "useObs"} & set(body)
    ours.transport.close()


def test_the_emulator_accepts_our_translated_submit_as_it_accepts_swifttools(emu):
    ours = _our_request(emu, list(BODY_PARS))
    sent = ours.getJSONDict()
    assert ours.submit() is True, ours.submitError
    theirs = _swift_request(emu, list(BODY_PARS))
    assert theirs.submit() is True, theirs.submitError
    mine, their = (e["body"] for e in _bodies(emu, "run_userobject.php"))
    assert mine == their == sent
    assert ours.getJSONDict() == theirs.getJSONDict()  # both read the server's jobPars back the same way
    assert (
        set(emu.job(ours.JobID).products)
        == set(emu.job(theirs.JobID).products)
        == {"lc", "spec", "psf", "enh", "xastrom", "image", "sourceDet"}
    )
    assert ours.jobPars == theirs.jobPars and ours.jobPars["pccounts"] == "20" and ours.jobPars["specz"] == 1
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
    assert entry["body"] == {
        "UserID": USER,
        "JobID": submitted.JobID,
        "what": "lc,spec,psf",
        "whatProg": "lc,spec,psf",
        "api_name": "xrt_prods",
        "api_version": "1.12",
    }


def test_progress_text_matches_swifttools_line_for_line(emu, submitted):
    emu.advance(2 + 10 + 480)  # the spectrum deep in its nested steps
    ours = OurRequest.from_job(USER, submitted.JobID, submitted.productList, base_url=emu.base_url)
    mine, their = ours.checkProductStatus(), submitted.checkProductStatus()
    for name in ("LightCurve", "Spectrum", "StandardPos"):
        assert mine[name]["statusCode"] == their[name]["statusCode"]
        assert mine[name]["progress"] == their[name]["progress"]
        assert mine[name]["progressText"] == their[name]["progressText"]  # character for character
    assert "      Background" in mine["Spectrum"]["progressText"].splitlines()  # three levels deep
    ours.transport.close()


def test_cancel_one_product(emu, submitted):
    emu.advance(20)
    assert submitted.cancelProducts(["LightCurve"]) == (1, {"LightCurve": {"code": 0, "text": "Job cancelled OK"}})
    assert emu.request_count("cancel") == 1
    (entry,) = _bodies(emu, "canceljob.php")
    assert entry["body"] == {
        "UserID": USER,
        "JobID": submitted.JobID,
        "what": "lc",
        "api_name": "xrt_prods",
        "api_version": "1.12",
    }
    assert emu.status(submitted.JobID, "LightCurve") == -4
    assert emu.status(submitted.JobID, "Spectrum") == 3
    status = submitted.checkProductStatus(["LightCurve"])
    assert status["LightCurve"]["statusCode"] == -4
    assert status["LightCurve"]["statusText"] == "Cancelled at your request"


def test_where_we_do_better_than_swifttools(emu, submitted):
    """The known faults of swifttools 4.0.5, side by side with ours on the same job."""
    ours = OurRequest.from_job(USER, submitted.JobID, submitted.productList, base_url=emu.base_url)
    assert submitted.cancelProducts(["LightCurve"])[0] == 1

    # Cancelling again: the server says OK 2 / code 1; swifttools still says 1.
    theirs_ok, theirs_codes = submitted.cancelProducts(["LightCurve"])
    assert theirs_ok == 1 and theirs_codes["LightCurve"]["code"] == 1
    assert ours.cancelProducts(["LightCurve"]) == (
        0,
        {"LightCurve": {"code": 1, "text": "Job could not be cancelled - has it already finished?"}},
    )

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
    assert ours.cancelProducts() == (
        1,
        {name: {"code": 0, "text": "Job cancelled OK"} for name in ("LightCurve", "Spectrum", "StandardPos")},
    )
    assert emu.request_count("cancel") == 1
    status = submitted.checkProductStatus()
    assert [v["statusCode"] for v in status.values()] == [-4, -4, -4]
    assert submitted.statusCode == 2  # swifttools sees every product finished
    ours.transport.close()
