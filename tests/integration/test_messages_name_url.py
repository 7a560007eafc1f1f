"""Every error that comes with ok = -1 (or a failed status check) names the endpoint's URL, and no password.

Each fault is injected into the emulator on 127.0.0.1 three times, so that
urllib3's two retries meet it too. Our request is called directly; a
swifttools 4.0.5 request is driven through a ``CancelPanel``, whose
``error`` is what the user reads.
"""

from __future__ import annotations

import pytest
import requests
import swifttools.ukssdc.xrt_prods as st

from xrt_widgets import CancelPanel
from xrt_widgets.errors import XRTError
from xrt_widgets.panel import RequestAdapter

from support import USER

ST_GLOBALS = dict(
    name="GRB 060729",
    targ="00221755",
    T0=175886400.0,
    RA=95.37,
    Dec=-62.21,
    centroid=True,
    centMeth="iterative",
    useSXPS=False,
    posErr=1,
)


def _replace(key: str, value):
    """A ``mutate`` function: every product's entry under ``key`` becomes ``value``."""

    def mutate(reply: dict) -> dict:
        return dict(reply, **{key: dict.fromkeys(reply[key], value)})

    return mutate


def _status_of_every_product(value):
    def mutate(reply: dict) -> dict:
        return {k: (value if isinstance(v, dict) and "statusCode" in v else v) for k, v in reply.items()}

    return mutate


def _field_of_every_product(field: str, value):
    def mutate(reply: dict) -> dict:
        return {
            k: (dict(v, **{field: value}) if isinstance(v, dict) and "statusCode" in v else v) for k, v in reply.items()
        }

    return mutate


ANOTHER_JOB = {
    "OK": 1,
    "APIVersion": "1.12",
    "JobID": 999999,
    "status": {"lc": "Job cancelled OK"},
    "statusCodes": {"lc": 0},
}

# (kind, params) of faults that every client must report as a failure.
TRANSPORT_FAULTS = {
    "not_json": ("not_json", {}),
    "json_list": ("json", {"value": [1, 2, 3]}),
    "reset": ("reset", {}),
    "drop": ("drop", {}),
    "http_500": ("status", {"status": 500}),
}
CANCEL_FAULTS = {
    **TRANSPORT_FAULTS,
    "missing_keys": ("missing_keys", {}),
    "another_job": ("json", {"value": ANOTHER_JOB}),
    "code_7": ("mutate", {"func": _replace("statusCodes", 7)}),
    "text_not_a_string": ("mutate", {"func": _replace("status", {"nested": True})}),
    "status_not_an_object": ("mutate", {"func": lambda reply: dict(reply, status=["Job cancelled OK"])}),
}
STATUS_FAULTS = {
    **TRANSPORT_FAULTS,
    "missing_keys": ("missing_keys", {}),
    "another_job": ("json", {"value": {"OK": 1, "APIVersion": "1.12", "JobID": 999999}}),
    "unknown_status_code": ("mutate", {"func": _field_of_every_product("statusCode", 99)}),
    "status_text_not_a_string": ("mutate", {"func": _field_of_every_product("statusText", 12)}),
    "entry_not_an_object": ("mutate", {"func": _status_of_every_product("Running")}),
}
# swifttools accepts a reply about another job and a text that is not a string, and finds nothing
# missing in a status reply without JobID: only what its client (or our adapter) refuses is listed.
SWIFTTOOLS_CANCEL_FAULTS = {k: v for k, v in CANCEL_FAULTS.items() if k not in ("another_job", "text_not_a_string")}
SWIFTTOOLS_CANCEL_FAULTS["refused"] = ("refuse", {"error": "The service is closed for maintenance."})
SWIFTTOOLS_STATUS_FAULTS = {
    **TRANSPORT_FAULTS,
    "entry_not_an_object": STATUS_FAULTS["entry_not_an_object"],
    "status_code_not_a_number": ("mutate", {"func": _field_of_every_product("statusCode", "soon")}),
}


def _url(emu, endpoint: str) -> str:
    return f"{emu.base_url}/{endpoint}"


# -- our request --------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", CANCEL_FAULTS.values(), ids=CANCEL_FAULTS.keys())
def test_a_failed_cancel_names_the_url(emu, make_request, fault):
    req = make_request("LightCurve")
    kind, params = fault
    emu.inject("cancel", kind, count=3, **params)
    ok, per = req.cancelProducts()
    assert ok == -1
    assert _url(emu, "canceljob.php") in per["ERROR"]


@pytest.mark.parametrize("fault", STATUS_FAULTS.values(), ids=STATUS_FAULTS.keys())
def test_a_failed_status_check_names_the_url(emu, make_request, fault):
    req = make_request("LightCurve", "Spectrum")
    kind, params = fault
    emu.inject("status", kind, count=3, **params)
    result = req.checkProductStatus()
    assert list(result) == ["ERROR"]
    assert _url(emu, "checkProductStatus.php") in result["ERROR"]


def test_a_reply_about_another_job_says_which_url_answered(emu, make_request):
    req = make_request("LightCurve")
    emu.inject("cancel", "json", value=ANOTHER_JOB)
    assert req.cancelProducts() == (
        -1,
        {
            "ERROR": (
                f"The reply from {_url(emu, 'canceljob.php')} could not be understood: it is about JobID '999999', "
                f"not {req.JobID}."
            )
        },
    )


def test_an_unexpected_error_names_the_url(emu, make_request, monkeypatch):
    import xrt_widgets.request as request_module

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    req = make_request("LightCurve")
    monkeypatch.setattr(request_module, "parse_cancel", broken)
    monkeypatch.setattr(request_module, "parse_status", broken)
    ok, per = req.cancelProducts()
    assert ok == -1 and _url(emu, "canceljob.php") in per["ERROR"] and "KeyError" in per["ERROR"]
    result = req.checkProductStatus()
    assert _url(emu, "checkProductStatus.php") in result["ERROR"] and "KeyError" in result["ERROR"]


@pytest.mark.parametrize(
    "endpoint, call, value",
    [
        ("list", "listOldJobs", {"OK": 1, "APIVersion": "1.12", "jobs": "none"}),
        ("count", "countActiveJobs", {"OK": 1, "APIVersion": "1.12", "numJobs": "many"}),
    ],
)
def test_a_bad_listing_or_count_names_the_url(emu, make_request, endpoint, call, value):
    req = make_request("LightCurve")
    emu.inject(endpoint, "json", value=value)
    with pytest.raises(XRTError) as caught:
        getattr(req, call)()
    assert req.transport.url_for(endpoint) in str(caught.value)
    assert caught.value.url == req.transport.url_for(endpoint)


def test_the_panel_of_our_request_shows_the_url(emu, make_request):
    req = make_request("LightCurve")
    panel = CancelPanel(req, confirm=False)
    emu.inject("cancel", "mutate", func=_replace("statusCodes", 7))
    assert panel.cancel(["LightCurve"]).result(timeout=10)[0] == -1
    assert _url(emu, "canceljob.php") in panel.error
    emu.inject("status", "not_json")
    panel.refresh().result(timeout=10)
    assert panel.error.startswith("Refresh failed: ") and _url(emu, "checkProductStatus.php") in panel.error
    panel.close()


# -- a swifttools request, through the panel -------------------------------------------------------


def _theirs(base_url: str) -> st.XRTProductRequest:
    req = st.XRTProductRequest(USER, silent=True)
    req._baseURL = base_url
    req.setGlobalPars(**ST_GLOBALS)
    req.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    req.addSpectrum(hasRedshift=False)
    assert req.submit() is True, req.submitError
    return req


@pytest.mark.parametrize("fault", SWIFTTOOLS_CANCEL_FAULTS.values(), ids=SWIFTTOOLS_CANCEL_FAULTS.keys())
def test_a_failed_swifttools_cancel_names_the_url(emu, fault):
    panel = CancelPanel(_theirs(emu.base_url), confirm=False)
    kind, params = fault
    emu.inject("cancel", kind, count=3, **params)
    ok, per = panel.cancel(["LightCurve"]).result(timeout=10)
    assert ok == -1 and list(per) == ["ERROR"]
    assert _url(emu, "canceljob.php") in per["ERROR"]
    assert _url(emu, "canceljob.php") in panel.error
    assert [h["action"] for h in panel.history] == ["cancel"]  # returned, not raised
    panel.close()


@pytest.mark.parametrize("fault", SWIFTTOOLS_STATUS_FAULTS.values(), ids=SWIFTTOOLS_STATUS_FAULTS.keys())
def test_a_failed_swifttools_status_check_names_the_url(emu, fault):
    panel = CancelPanel(_theirs(emu.base_url), confirm=False)
    kind, params = fault
    emu.inject("status", kind, count=3, **params)
    panel.refresh().result(timeout=10)
    assert panel.error.startswith("Refresh failed: ")
    assert _url(emu, "checkProductStatus.php") in panel.error
    panel.close()


def test_a_wrong_call_of_swifttools_is_still_raised_not_blamed_on_the_server(emu):
    theirs = _theirs(emu.base_url)
    adapter = RequestAdapter(theirs)
    with pytest.raises(ValueError, match=r"(?i)image"):
        adapter.cancel(["Image"])  # not in the request: swifttools refuses before sending anything
    assert emu.request_count("cancel") == 0


def test_a_password_in_swifttools_base_url_never_reaches_a_message(emu, monkeypatch):
    """swifttools sends to whatever ``_baseURL`` says; our messages show it without ``user:password@``."""
    with_password = emu.base_url.replace("http://", "http://frodo:s3cret@", 1)
    shown = "http://***@" + emu.base_url.split("://", 1)[1]
    panel = CancelPanel(_theirs(with_password), confirm=False)

    emu.inject("cancel", "not_json")
    assert panel.cancel(["LightCurve"]).result(timeout=10)[0] == -1
    assert f"{shown}/canceljob.php" in panel.error

    def unreachable(url, **kwargs):  # an exception that quotes the URL it was given, password and all
        raise requests.exceptions.ConnectionError(f"cannot reach {url}")

    monkeypatch.setattr(st.prod_request.requests, "post", unreachable)
    panel.refresh().result(timeout=10)
    assert f"{shown}/checkProductStatus.php" in panel.error
    for text in [panel.error, *(h["error"] or "" for h in panel.history)]:
        assert "s3cret" not in text and "frodo" not in text
    panel.close()
