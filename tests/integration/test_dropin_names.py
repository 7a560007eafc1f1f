"""Each swifttools name ours offers, called the same way on both clients: the same values, the same exception types.

Building a request needs no server (ours is pointed at a host that cannot resolve and never contacted); the calls
that submit or ask about jobs use the emulator, and swifttools is pointed at it through ``_baseURL``.
"""

from __future__ import annotations

import pytest
import requests
import swifttools.ukssdc.xrt_prods as st
import swifttools.ukssdc.xrt_prods.prod_request as st_request

from xrt_widgets import XRTProductRequest as OurRequest
from xrt_widgets import countActiveJobs, listOldJobs
from xrt_widgets.client import DEFAULT_BASE_URL
from xrt_widgets.errors import ServiceError
from xrt_widgets.products import LONG_NAMES
from xrt_widgets.request_build import RETRIEVAL_METHODS, RETRIEVAL_PROPERTIES

from support import NOWHERE, SWIFT_GLOBALS, USER

OBS = "00221755001"


def made(client: str, **kwargs):
    if client == "swifttools":
        return st.XRTProductRequest(USER, **kwargs)
    return OurRequest(USER, base_url=f"https://{NOWHERE}", **kwargs)


def outcome(client: str, calls, **kwargs):
    """``calls(request)``'s value, or the type of what it raised; and the request's body and globals after it."""
    req = made(client, **kwargs)
    try:
        result = ("returned", calls(req))
    except Exception as exc:  # the type is what is compared
        result = ("raised", type(exc))
    after = (req.getJSONDict(), req.globalPars, req.productList)
    if client == "ours":
        req.close()
    return result, after


def both(calls, **kwargs):
    theirs, ours = outcome("swifttools", calls, **kwargs), outcome("ours", calls, **kwargs)
    assert ours == theirs
    return theirs[0]


def g(**pars):
    return lambda req: req.setGlobalPars(**pars)


def seq(*steps):
    def run(req):
        value = None
        for step in steps:
            value = step(req)
        return value

    return run


def full(req):
    req.setGlobalPars(**SWIFT_GLOBALS)
    req.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    req.addSpectrum(hasRedshift=True, redshift=0.5)
    req.addStandardPos(whichData="user", useObs=OBS, posRadius=15)
    req.addSourceDet(whichData="all")


# -- parameters: set, read, remove ---------------------------------------------------------------------------

SAME = {
    # globals
    "getGlobalPars-all": seq(full, lambda r: r.getGlobalPars()),
    "getGlobalPars-one": seq(full, lambda r: (r.getGlobalPars("name"), r.getGlobalPars("T0"), r.getGlobalPars("sss"))),
    "getGlobalPars-not-omitShared": seq(full, lambda r: r.getGlobalPars(omitShared=False)),
    "getGlobalPars-showUnset": seq(full, lambda r: r.getGlobalPars(showUnset=True)),
    "getGlobalPars-unknown": lambda r: r.getGlobalPars("colour"),
    "getGlobalPars-wire-name": lambda r: r.getGlobalPars("cent"),
    "globalPars-triggered": seq(g(targ="1", T0=2.0, useposobs=OBS), lambda r: r.globalPars),
    "globalPars-posobs-all": seq(g(useposobs=OBS), g(posobs="all"), lambda r: r.globalPars),
    # all parameters
    "getAllPars": seq(full, lambda r: r.getAllPars()),
    "getAllPars-showUnset": seq(full, lambda r: r.getAllPars(showUnset=True)),
    # products
    "getProductPars": seq(full, lambda r: [r.getProductPars(p) for p in ("lc", "Spectrum", "psf", "SourceDet")]),
    "getProductPars-showUnset": seq(full, lambda r: r.getProductPars("StandardPos", showUnset=True)),
    "getProductPars-one": seq(
        full,
        lambda r: (
            r.getProductPars("lc", "pcCounts"),
            r.getProductPars("lc", "pccounts"),
            r.getProductPars("lc", "minSig"),
            r.getProductPars("psf", "useObs"),
        ),
    ),
    "getProductPars-unknown": seq(full, lambda r: r.getProductPars("lc", "colour")),
    "getProductPars-absent": lambda r: r.getProductPars("Image"),
    "setProductPars": seq(full, lambda r: r.setProductPars("lc", minSig=4, allowUL="PC"), lambda r: r.getAllPars()),
    "setProductPars-shared": seq(
        full,
        lambda r: r.setProductPars("EnhancedPos"),
        lambda r: r.addEnhancedPos(incHours=6, whichData="hours"),
        lambda r: r.getAllPars(),
    ),
    "setProductPars-absent": lambda r: r.setProductPars("Image", energies="0.3-10"),
    "removeProductPar": seq(full, lambda r: r.removeProductPar("lc", "pcCounts"), lambda r: r.getAllPars()),
    "removeProductPar-wire-name": seq(full, lambda r: r.removeProductPar("spec", "zval"), lambda r: r.getAllPars()),
    "removeProductPar-unset": seq(full, lambda r: r.removeProductPar("lc", "minSig"), lambda r: r.getAllPars()),
    "removeProductPar-unknown": seq(full, lambda r: r.removeProductPar("lc", "colour")),
    "removeProductPar-absent": lambda r: r.removeProductPar("Image", "energies"),
    "hasProd": seq(full, lambda r: [r.hasProd(n) for n in LONG_NAMES]),
    "hasProd-unknown": lambda r: r.hasProd("Banana"),
    "has-properties": seq(full, lambda r: [getattr(r, f"has{n}") for n in LONG_NAMES]),
    "getJSONDict": seq(full, lambda r: r.getJSONDict()),
    "getJSON": seq(full, lambda r: r.getJSON()),
    # misuse
    "add-twice": seq(full, lambda r: r.addLightCurve()),
    "add-unknown": lambda r: r.addProduct("Banana"),
    "remove-absent": lambda r: r.removeImage(),
    "remove-unknown": lambda r: r.removeProduct("Banana"),
    "remove-then-add": seq(
        full, lambda r: r.removeSpectrum(), lambda r: r.addSpectrum(hasRedshift=False), lambda r: r.getAllPars()
    ),
    # isValid
    "isValid-empty": lambda r: r.isValid(),
    "isValid-globals-only": seq(g(name="x"), lambda r: r.isValid()),
    "isValid-full": seq(full, lambda r: r.isValid()),
    "isValid-missing-product-pars": seq(
        g(**SWIFT_GLOBALS),
        lambda r: r.addLightCurve(binMeth="counts"),
        lambda r: r.addSpectrum(hasRedshift=True),
        lambda r: r.addImage(whichData="user"),
        lambda r: r.isValid(),
    ),
    "isValid-centroid-needs-posErr": seq(
        g(name="x", targ="1", RA=1.0, Dec=2.0, useSXPS=False, centroid=True),
        lambda r: r.addStandardPos(),
        lambda r: r.isValid(),
    ),
    "isValid-posobs-hours": seq(
        g(**SWIFT_GLOBALS), lambda r: r.addStandardPos(whichData="hours"), lambda r: r.isValid()
    ),
    "isValid-sourceDet-alone": seq(
        g(name="x", targ="1"), lambda r: r.addSourceDet(whichData="all"), lambda r: r.isValid()
    ),
    "isValid-getCoords-getTargs": seq(
        g(name="x", getCoords=True, getTargs=True, useSXPS=True, centroid=False),
        lambda r: r.addStandardPos(),
        lambda r: r.isValid(),
    ),
    "isValid-list": seq(
        g(**SWIFT_GLOBALS),
        lambda r: r.addLightCurve(),
        lambda r: (r.isValid(["LightCurve"]), r.isValid(("lc", "Image"))),
    ),
    "isValid-bad-what": lambda r: r.isValid("lc"),
    # silent and UserID
    "silent-default": lambda r: r.silent,
    "silent-set": seq(lambda r: setattr(r, "silent", False), lambda r: r.silent),
    "silent-not-bool": lambda r: setattr(r, "silent", "no"),
    "UserID-writable": seq(lambda r: setattr(r, "UserID", "other@example.org"), lambda r: (r.UserID, r.getJSONDict())),
    "subRetData-before": lambda r: r.subRetData,
    # accepted after a change: product choices are lower-cased, a deprecated name is replaced (and announced)
    "lc-binMeth-case": lambda r: r.addLightCurve(binMeth="COUNTS"),
    "lc-timeType-deprecated": lambda r: r.addLightCurve(timeType="MJD"),
}

#: Values refused when set: unknown names, wrong types, values outside a fixed set (and what was set before the
#: refused one in the same call stays set, in both).
REFUSED = {
    "global-unknown": g(name="x", colour="red"),
    "global-RA-int": g(RA=95),
    "global-targ-int": g(targ=221755),
    "global-centroid-int": g(centroid=1),
    "global-T0-text": g(T0="soon"),
    "global-centMeth-choice": g(centMeth="fancy"),
    "global-centMeth-case": g(centMeth="Simple"),
    "global-posobs-choice": g(posobs="some"),
    "global-None": g(targ=None),
    "lc-unknown": lambda r: r.addLightCurve(binMeth="counts", colour="red"),
    "lc-pcCounts-float": lambda r: r.addLightCurve(pcCounts=20.0),
    "lc-dynamic-int": lambda r: r.addLightCurve(dynamic=1),
    "lc-binMeth-choice": lambda r: r.addLightCurve(binMeth="weekly"),
    "lc-grades-choice": lambda r: r.addLightCurve(grades="12"),
    "spec-redshift-None": lambda r: r.addSpectrum(redshift=None),
    "spec-redshift-int": lambda r: r.addSpectrum(redshift=1),
    "spec-hasRedshift-int": lambda r: r.addSpectrum(hasRedshift=1),
    "spec-models-text": lambda r: r.addSpectrum(models="powerlaw"),
    "spec-whichData-choice": lambda r: r.addSpectrum(whichData="user", useObs=OBS, timeslice="monthly"),
    "psf-whichData-choice": lambda r: r.addStandardPos(whichData="some"),
    "psf-detOrCent-choice": lambda r: r.addStandardPos(detOrCent="guess"),
    "psf-unknown": lambda r: r.addStandardPos(binMeth="counts"),
    "xastrom-useAllObs-int": lambda r: r.addAstromPos(useAllObs=1),
    "image-energies-list": lambda r: r.addImage(energies=[0.3, 10]),
    "sourceDet-whichBands-choice": lambda r: r.addSourceDet(whichBands="soft"),
    "sourceDet-fitStrayLight-int": lambda r: r.addSourceDet(fitStrayLight=0),
}


@pytest.mark.parametrize("calls", list(SAME.values()), ids=list(SAME))
def test_the_same_as_swifttools(calls):
    both(calls)


@pytest.mark.parametrize("calls", list(REFUSED.values()), ids=list(REFUSED))
def test_refused_as_swifttools_refuses(calls):
    assert both(calls)[0] == "raised"


#: For each product: a parameter to set, read and remove through its own set<Product>Pars, get<Product>Pars and
#: remove<Product>Par (the positions share theirs as globals: removing one is refused by both).
PER_PRODUCT = {
    "LightCurve": dict(binMeth="counts", minSig=4.0),
    "Spectrum": dict(hasRedshift=False, grades="ALL"),
    "StandardPos": dict(posRadius=10, whichData="all"),
    "EnhancedPos": dict(incHours=6, whichData="hours"),
    "AstromPos": dict(useAllObs=True, detOrCent="centroid"),
    "Image": dict(energies="0.3-10", useObs=OBS),
    "SourceDet": dict(whichData="all", whichBands="total"),
}


@pytest.mark.parametrize("product", list(PER_PRODUCT))
def test_each_products_own_methods_as_swifttools(product):
    (first, second), (value_first, _) = list(PER_PRODUCT[product]), list(PER_PRODUCT[product].values())

    def own(step):
        return lambda r: getattr(r, step.format(product))

    steps = [
        lambda r: own("add{}")(r)(),
        lambda r: own("set{}Pars")(r)(**PER_PRODUCT[product]),
        lambda r: (own("get{}Pars")(r)(), own("get{}Pars")(r)(showUnset=True), own("get{}Pars")(r)(first)),
        lambda r: own("get{}Pars")(r)(second),
        lambda r: getattr(r, f"has{product}"),
    ]
    for upto in range(1, len(steps) + 1):
        result = both(seq(*steps[:upto]))
        assert result[0] == "returned", (upto, result)
    assert both(seq(*steps[:2], lambda r: own("get{}Pars")(r)(first)))[1] == value_first
    removed = both(seq(*steps[:2], lambda r: own("remove{}Par")(r)(first), lambda r: own("get{}Pars")(r)()))
    assert removed[0] == ("raised" if product in ("StandardPos", "EnhancedPos") else "returned")
    assert both(seq(lambda r: own("remove{}Par")(r)(first)))[1] is RuntimeError  # no such product yet
    assert both(seq(*steps[:1], lambda r: own("remove{}")(r)(), lambda r: r.productList)) == ("returned", [])


def test_what_the_refusals_are():
    """Spot checks, so that the comparison above is not a comparison of two empty outcomes."""
    assert both(REFUSED["global-unknown"]) == ("raised", ValueError)
    assert both(REFUSED["global-RA-int"]) == ("raised", TypeError)
    assert both(REFUSED["global-centMeth-case"]) == ("raised", ValueError)
    assert both(REFUSED["lc-pcCounts-float"]) == ("raised", TypeError)
    assert both(REFUSED["lc-binMeth-choice"]) == ("raised", ValueError)
    assert both(SAME["lc-binMeth-case"]) == ("returned", None)  # product choices are lower-cased first
    assert both(SAME["add-twice"]) == ("raised", RuntimeError)
    assert both(SAME["remove-absent"]) == ("raised", RuntimeError)
    assert both(SAME["add-unknown"]) == ("raised", ValueError)
    assert both(SAME["getProductPars-absent"]) == ("raised", RuntimeError)
    assert both(SAME["removeProductPar-unknown"]) == ("raised", ValueError)
    ok, problems = both(SAME["isValid-missing-product-pars"])[1]
    assert ok is False and "* The light curve parameter `pcCounts` is not set." in problems
    assert "* The spectrum parameter `redshift` is not set." in problems
    assert both(SAME["isValid-sourceDet-alone"])[1] == (True, "")


def test_silent_false_prints_what_swifttools_prints(capsys):
    def build(req):
        full(req)
        req.setProductPars("lc", minSig=4)
        req.removeSpectrum()
        req.addSpectrum(clobber=False, hasRedshift=False)

    outcome("swifttools", build, silent=False)
    theirs = capsys.readouterr().out
    outcome("ours", build, silent=False)
    ours = capsys.readouterr().out
    assert ours == theirs
    assert "Successfully removed spectrum" in ours and "WARNING: Changing some parameters" in ours
    outcome("ours", build)
    assert capsys.readouterr().out == ""  # silent by default, as swifttools


def test_retrieval_names_say_to_use_swifttools():
    req = made("ours")
    for name in RETRIEVAL_METHODS:
        assert callable(getattr(st.XRTProductRequest, name))  # a name swifttools has
        with pytest.raises(NotImplementedError, match="use swifttools for retrieval"):
            getattr(req, name)()
    for name in RETRIEVAL_PROPERTIES:
        assert isinstance(getattr(st.XRTProductRequest, name), property)
        with pytest.raises(NotImplementedError, match="use swifttools for retrieval"):
            getattr(req, name)
    req.close()


# -- submitting ------------------------------------------------------------------------------------------------


def pointed(client: str, emu, **kwargs):
    if client == "swifttools":
        req = st.XRTProductRequest(USER, **kwargs)
        req._baseURL = emu.base_url
        return req
    return OurRequest(USER, base_url=emu.base_url, **kwargs)


@pytest.mark.parametrize("client", ["swifttools", "ours"])
def test_an_incomplete_request_is_not_sent(emu, client):
    req = pointed(client, emu)
    req.setGlobalPars(name="x")
    req.addLightCurve(binMeth="counts")
    assert req.submit() is False
    assert emu.request_count() == 0
    assert req.statusCode == 3 and req.submitted is False
    assert req.submitError.startswith("The request is not ready to submit:\n\nThe following problems were found:\n")
    assert req.subRetData == {"submitError": req.submitError}
    assert "* The light curve parameter `pcCounts` is not set." in req.submitError


def test_an_incomplete_request_gives_the_same_submit_error(emu):
    errors = []
    for client in ("swifttools", "ours"):
        req = pointed(client, emu)
        req.setGlobalPars(RA=1.0)
        req.addSpectrum()
        req.addImage()
        assert req.submit() is False
        errors.append(req.submitError)
    assert errors[0] == errors[1]


@pytest.mark.parametrize("update", [True, False])
def test_submit_reads_job_pars_back_as_swifttools_does(emu, update):
    got = {}
    for client in ("swifttools", "ours"):
        req = pointed(client, emu)
        full(req)
        req.setGlobalPars(getTargs=True, getT0=True, getCoords=True)
        assert req.submit(updateProds=update) is True
        got[client] = (req.getAllPars(), req.globalPars, req.getJSONDict(), sorted(req.subRetData))
    assert got["ours"] == got["swifttools"]
    pars, globals_ = got["ours"][:2]
    assert ("targ" in globals_ and globals_["getTargs"] is False) == update  # worked out by the server, read back
    assert (pars["LightCurve"].get("whichData") == "all") == update  # a default the server filled in


#: The jobPars the swifttools documentation shows the real service returning (ReturnData.md), as printed there.
DOCUMENTED_JOB_PARS = {
    "api_name": "xrt_prods", "api_version": "0.1", "UserID": USER, "cent": 1, "name": "GRB 200416A",
    "RA": "335.6985", "Dec": "-7.5179", "centMeth": "simple", "useSXPS": 0, "Tstart": 608713541.952, "poserr": 1,
    "lc": 1, "binMeth": "counts", "pccounts": "20", "wtcounts": "30", "dynamic": 1, "spec": 1, "specz": 0,
    "dopsf": 1, "doenh": 1, "doxastrom": 1, "allxastrom": 1, "whatSXPS": "2SXPS", "image": 0, "sss": "0",
    "sinceT0": 0, "lcobs": 0, "hrbin": 0, "do3col": 0, "enh": 0, "wtpuprate": 150, "pcpuprate": 0.6,
    "maxCentTries": "10", "soft1": "0.3", "soft2": "1.5", "hard1": "1.5", "hard2": "10", "minen": "0.3",
    "maxen": "10", "grades": "all", "sigmin": "3", "allowUL": "both", "allowB": "both", "bayesCounts": 15,
    "bayesSNR": 2.4, "lctimetype": "s", "pcbin": "2.51", "wtbin": "0.5", "ratefact": "10", "binfact": "1.5",
    "mincmin": "15", "minsnr": 1.5, "pcmaxbin": 100000000, "wtmaxbin": 100000000, "pcmaxgap": 100000000,
    "wtmaxgap": 100000000, "femin": "0", "timeslice": "single", "specobs": "hours", "specobstime": 12,
    "specgrades": "all", "posRadius": "20", "posobs": "hours", "posobstime": 12, "detornot": "detect",
    "detMeth": "simple", "targ": "00966554",
}  # fmt: skip


def test_the_documented_job_pars_are_read_back_as_swifttools_reads_them(emu):
    """The documented reply has ``'lcobs': 0``, which neither client can read as the light curve's whichData:
    both warn that the parameters could not all be updated, and hold the same ones."""
    got = {}
    for client in ("swifttools", "ours"):
        req = pointed(client, emu)
        full(req)
        emu.inject("submit", "mutate", func=lambda reply: {**reply, "jobPars": DOCUMENTED_JOB_PARS})
        with pytest.warns(UserWarning, match="error occured updating the parameters"):
            assert req.submit() is True
        got[client] = (req.getAllPars(), req.globalPars, req.jobPars)
    assert got["ours"] == got["swifttools"]
    pars, globals_ = got["ours"][:2]
    assert globals_["targ"] == "00966554" and globals_["RA"] == 335.6985 and globals_["maxCentTries"] == 10
    assert pars["LightCurve"]["pcCounts"] == 20  # read before the light curve's lcobs stopped the update


def test_user_id_cannot_change_after_submission(emu):
    for client in ("swifttools", "ours"):
        req = pointed(client, emu)
        full(req)
        req.UserID = "someone@example.org"
        req.UserID = USER
        assert req.submit() is True
        with pytest.raises(RuntimeError):
            req.UserID = "someone@example.org"
        assert req.UserID == USER


@pytest.mark.parametrize("client", ["swifttools", "ours"])
def test_both_clients_work_with_job_ids_served_as_strings(client):
    from xrt_widgets import Emulator

    with Emulator(manual_clock=True, string_job_ids=True) as emu:
        req = pointed(client, emu)
        full(req)
        assert req.submit() is True
        assert str(req.JobID) == "1001" and req.URL.endswith("/tprods/USERPROD_1001")
        emu.advance(20)
        assert req.checkProductStatus(["LightCurve"])["LightCurve"]["statusCode"] == 3
        ok, per = req.cancelProducts(["LightCurve", "Spectrum"])
        assert ok == 1 and per["LightCurve"]["code"] == per["Spectrum"]["code"] == 0
        assert emu.status(1001, "LightCurve") == -4
        assert [job["JobID"] for job in emu.store.list_jobs({"UserID": USER})["jobs"]] == ["1001"]
        from xrt_widgets.adapter import RequestAdapter

        adapter = RequestAdapter(req)
        assert adapter.job_id == 1001 and adapter.job_key()[2] == 1001
        assert adapter.cancel_outcome(["StandardPos"]).ok == 1


# -- a user the service does not know ------------------------------------------------------------------------


@pytest.fixture
def swifttools_on(emu, monkeypatch):
    """swifttools' module functions post to the real service's URL: send them to the emulator instead."""
    post = requests.post

    def to_emulator(url, *args, **kwargs):
        assert url.startswith(DEFAULT_BASE_URL)
        return post(emu.base_url + url[len(DEFAULT_BASE_URL) :], *args, timeout=10, **kwargs)

    monkeypatch.setattr(st_request.requests, "post", to_emulator)
    return emu


def test_an_unregistered_user_listing_and_counting(swifttools_on, capsys):
    emu = swifttools_on
    emu.store.users = {USER}
    stranger = "stranger@example.org"
    # swifttools prints the server's message and returns None / -1 ...
    assert st.listOldJobs(stranger) is None
    assert st.countActiveJobs(stranger) == -1
    printed = capsys.readouterr().out
    assert printed.count("ERROR: The user stranger@example.org is not registered") == 2
    # ... ours raises ServiceError with that message, so that a failure is never taken for "no jobs".
    for call in (listOldJobs, countActiveJobs):
        with pytest.raises(ServiceError, match="not registered") as caught:
            call(stranger, base_url=emu.base_url)
        assert caught.value.message in printed
    req = OurRequest(stranger, base_url=emu.base_url)
    for method in (req.listOldJobs, req.countActiveJobs):
        with pytest.raises(ServiceError, match="not registered"):
            method()
    req.close()
    assert capsys.readouterr().out == ""  # and prints nothing
    # A registered user with no jobs: an empty list and 0 from both.
    assert listOldJobs(USER, base_url=emu.base_url) == [] and countActiveJobs(USER, base_url=emu.base_url) == 0
    assert st.listOldJobs(USER) == [] and st.countActiveJobs(USER) == 0
