"""The protocol's facts, written once in :mod:`xrt_widgets.protocol` and shared by the client and the emulator,
and its reply parsers, run on plain dicts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from xrt_widgets import client, codes, protocol
from xrt_widgets.emulator import faults, store
from xrt_widgets.listing import parse_jobs
from xrt_widgets.products import resolve
from xrt_widgets.protocol import (
    API_VERSION,
    ENDPOINTS,
    ENVELOPE_KEYS,
    ReplyShapeError,
    as_int,
    check_job_id,
    endpoint_path,
    ok_reply,
    parse_cancel,
    parse_job_count,
    parse_status,
    refusal,
)

PACKAGE = Path(protocol.__file__).resolve().parent


def test_every_endpoint_has_a_php_path_and_the_keys_its_reply_carries():
    assert set(ENDPOINTS) == {"submit", "status", "cancel", "list", "count"}
    for endpoint in ENDPOINTS.values():
        assert endpoint.path.endswith(".php")
        assert endpoint.required and not set(endpoint.required) & set(ENVELOPE_KEYS)
        path, required = endpoint  # still the (path, keys) pair that older code unpacks
        assert (path, required) == (endpoint[0], endpoint[1])
    assert len({e.path for e in ENDPOINTS.values()}) == len(ENDPOINTS)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_an_endpoint_is_found_by_name_or_by_path(name):
    path = ENDPOINTS[name].path
    assert endpoint_path(name) == endpoint_path(path) == path


@pytest.mark.parametrize("bad", ["cancel.php", "", "CANCEL", "user_objects/canceljob.php"])
def test_an_unknown_endpoint_is_refused_with_the_names_to_use(bad):
    with pytest.raises(ValueError, match=r"unknown endpoint.*'cancel'"):
        endpoint_path(bad)


def test_replies_are_built_in_the_shared_envelope():
    assert ok_reply(numJobs=3) == {"OK": 1, "APIVersion": API_VERSION, "numJobs": 3}
    assert refusal("No UserID was supplied.") == {
        "OK": 0,
        "APIVersion": API_VERSION,
        "ERROR": "No UserID was supplied.",
    }
    assert list(refusal("no", listErr=[]))[:2] == list(ENVELOPE_KEYS)


def test_the_client_and_the_emulator_take_the_facts_from_the_protocol():
    assert client.ENDPOINTS is protocol.ENDPOINTS
    assert client.API_NAME == protocol.API_NAME and client.API_VERSION == protocol.API_VERSION
    assert store.API_VERSION == protocol.API_VERSION
    assert {name: e.path for name, e in ENDPOINTS.items()} == faults.ENDPOINT_ALIASES
    assert faults.endpoint_path is protocol.endpoint_path


def _literals(path: Path) -> set:
    """Every string constant of a module that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }


def test_no_other_module_writes_a_protocol_fact_again():
    facts = {e.path for e in ENDPOINTS.values()} | {protocol.API_NAME, API_VERSION}
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "protocol.py" and path.parent == PACKAGE:
            continue
        repeated = _literals(path) & facts
        if repeated:
            found[str(path.relative_to(PACKAGE))] = sorted(repeated)
    assert found == {}


# -- reply parsers, on plain dicts ---------------------------------------------------------------

LC, SPEC = resolve("LightCurve"), resolve("Spectrum")


@pytest.mark.parametrize(
    "value, expected",
    [("12", 12), (" -3 ", -3), (7, 7), ("1.5", "1.5"), ("x", "x"), ("9" * 41, "9" * 41), (None, None), (True, True)],
)
def test_as_int_reads_plain_decimal_text_and_leaves_anything_else(value, expected):
    assert as_int(value) == expected and type(as_int(value)) is type(expected)


def test_a_reply_about_another_job_is_refused():
    check_job_id({"JobID": "42"}, 42)
    check_job_id({"JobID": 42}, 42)
    for other in ({"JobID": 43}, {"JobID": True}, {}, {"JobID": "x" * 100}):
        with pytest.raises(ReplyShapeError, match=r"^it is about JobID '.{0,20}', not 42$"):
            check_job_id(other, 42)


def test_a_cancel_reply_gives_each_product_asked_its_code_and_words():
    data = {"statusCodes": {"lc": "0", "spec": 1}, "status": {"lc": "Job cancelled OK"}}
    assert parse_cancel(data, [LC, SPEC]) == {
        "LightCurve": {"code": 0, "text": "Job cancelled OK"},
        "Spectrum": {"code": 1, "text": codes.CANCEL_CODE[1].meaning},
    }


@pytest.mark.parametrize(
    "data, reason",
    [
        ({"statusCodes": [], "status": {}}, "'status' and 'statusCodes' should be objects"),
        ({"statusCodes": {}, "status": {}}, "no cancel code for LightCurve"),
        ({"statusCodes": {"lc": 5}, "status": {}}, "the cancel code for LightCurve is 5, not one of 0-4"),
        ({"statusCodes": {"lc": True}, "status": {}}, "the cancel code for LightCurve is True, not one of 0-4"),
        (
            {"statusCodes": {"lc": {"a": 1}}, "status": {}},
            "the cancel code for LightCurve is an object of 1 keys, not one of 0-4",
        ),
        ({"statusCodes": {"lc": 0}, "status": {"lc": 3}}, "the cancel text for LightCurve is not a string"),
    ],
)
def test_a_cancel_reply_that_cannot_be_read_says_why(data, reason):
    with pytest.raises(ReplyShapeError) as caught:
        parse_cancel(data, [LC])
    assert str(caught.value) == reason


def test_a_status_reply_gives_each_product_asked_its_status_and_progress_text():
    progress = {"GotProgress": 1, "ProgressSteps": [{"StepLabel": "Binning", "StepStatus": 1}]}
    data = {"lc": {"statusCode": "3", "statusText": "Running", "progress": progress}}
    result = parse_status(data, [LC, SPEC])
    assert result["LightCurve"] == {
        "statusCode": 3,
        "statusText": "Running",
        "progress": progress,
        "progressText": "  ** Binning - ACTIVE**\n",
    }
    assert result["Spectrum"]["statusCode"] == -10  # not in the reply
    assert (
        parse_status({"lc": {"statusCode": 4}}, [LC])["LightCurve"]["statusText"]
        == codes.lookup("build_status", 4).meaning
    )


@pytest.mark.parametrize(
    "entry, reason",
    [
        ("running", "the status of LightCurve is not an object with a statusCode"),
        ({"statusText": "x"}, "the status of LightCurve is not an object with a statusCode"),
        ({"statusCode": 99}, "the build status of LightCurve is 99, which is not a known code"),
        ({"statusCode": 3, "statusText": 3}, "the status text of LightCurve is not a string"),
        ({"statusCode": 3, "progress": []}, "the progress of LightCurve is not an object"),
    ],
)
def test_a_status_reply_that_cannot_be_read_says_why(entry, reason):
    with pytest.raises(ReplyShapeError) as caught:
        parse_status({"lc": entry}, [LC])
    assert str(caught.value) == reason


def test_the_job_count_is_a_number_quoted_or_not():
    assert parse_job_count({"numJobs": "2"}) == 2 and parse_job_count({"numJobs": 0}) == 0
    with pytest.raises(ReplyShapeError, match=r"^numJobs is 'many', not a number$"):
        parse_job_count({"numJobs": "many"})


def test_the_listing_reply_must_hold_a_list():
    assert parse_jobs({"jobs": [{"JobID": 1}]}) == [{"JobID": 1}]
    with pytest.raises(ReplyShapeError, match=r"^'jobs' should be a list, not 'none'$"):
        parse_jobs({"jobs": "none"})


def test_the_listing_parser_is_still_given_by_the_protocol_module():
    from xrt_widgets import listing

    for name in ("LISTING_PRODUCTS", "ListingResult", "parse_flag", "parse_listing"):
        assert getattr(protocol, name) is getattr(listing, name)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        protocol.nothing
