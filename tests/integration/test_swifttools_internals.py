"""The swifttools internals that ``xrt_widgets.swift_compat`` and the adapter rely on, checked one by one.

These run in the project's venv (swifttools 4.0.5) and, through tests/packaging/test_version_matrix.py, in a
venv of their own for each version in ``swift_compat.TESTED_SWIFTTOOLS``: a release that moved the module or
renamed one of these attributes fails here first, naming what changed.
"""

from __future__ import annotations

import importlib.metadata
import json

import pytest
import swifttools.ukssdc.xrt_prods as st

from xrt_widgets.adapter import RequestAdapter
from xrt_widgets.client import DEFAULT_BASE_URL
from xrt_widgets.swift_compat import TESTED_SWIFTTOOLS, raised_after_sending, watch_reply

from support import USER, swifttools_request


def test_this_swifttools_is_one_the_matrix_tests():
    assert importlib.metadata.version("swifttools") in TESTED_SWIFTTOOLS


def test_the_request_class_is_where_the_adapter_looks_under_both_import_paths():
    import swifttools.xrt_prods as old_path

    assert old_path.XRTProductRequest is st.XRTProductRequest
    assert type(st.XRTProductRequest(USER, silent=True)).__module__.startswith("swifttools.")
    assert RequestAdapter(old_path.XRTProductRequest(USER, silent=True)).kind == "swifttools"


def test_the_private_names_we_use_exist_with_the_meaning_we_use():
    req = st.XRTProductRequest(USER, silent=True)
    assert req._baseURL == DEFAULT_BASE_URL  # what users repoint, and what our messages name
    assert callable(type(req).__dict__["_submitAPICall"])  # a method of the class, which watch_reply shadows
    assert (st.XRTProductRequest._apiName, st.XRTProductRequest._apiVer) == ("xrt_prods", "1.12")
    assert req.productList == [] and req.submitted is False


def test_a_wrong_call_is_refused_before_sending_and_is_not_blamed_on_the_server(emu):
    req = swifttools_request(emu.base_url)  # not submitted
    with pytest.raises(RuntimeError) as caught:
        req.cancelProducts()
    assert raised_after_sending(caught.value) is False
    assert emu.request_count() == 0


def test_a_bad_reply_is_raised_after_sending_and_the_reply_of_a_call_is_seen(emu):
    req = swifttools_request(emu.base_url)
    assert req.submit(), req.submitError
    with watch_reply(req) as watch:
        req.checkProductStatus(["LightCurve"])
    assert watch.reply is not None and str(watch.reply["JobID"]) == str(req.JobID)
    assert "_submitAPICall" not in vars(req)  # the shadow is gone after the call

    emu.inject("cancel", "not_json")
    with pytest.raises(json.JSONDecodeError) as caught:
        req.cancelProducts(["LightCurve"])
    assert raised_after_sending(caught.value) is True
