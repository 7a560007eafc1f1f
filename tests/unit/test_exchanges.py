"""The record of a request's exchanges: bounded, copied for readers, and the server's answers kept as they came."""

from __future__ import annotations

from xrt_widgets.exchanges import ExchangeLog, cancel_answers, status_answers
from xrt_widgets.products import resolve

URL = "http://127.0.0.1:9/user_objects/canceljob.php"
LC, SPEC, IMAGE = resolve("LightCurve"), resolve("Spectrum"), resolve("Image")


def test_entries_are_numbered_bounded_and_copied():
    log = ExchangeLog(length=2)
    first = log.open("cancel", URL, ["LightCurve"])
    assert first["endpoint"] == "canceljob.php" and first["url"] == URL and first["asked"] == ["LightCurve"]
    assert (first["retried"], first["server"], first["error"], first["notes"], first["returned"]) == (
        0,
        {},
        None,
        {},
        None,
    )
    server = {"LightCurve": {"code": 0}}
    log.update(first, server=server, returned=(1, {}))
    server["LightCurve"]["code"] = 9  # the caller's own dict, changed later: the record keeps what was given
    entries = log.entries()
    assert entries[0]["server"] == {"LightCurve": {"code": 0}}
    entries[0]["error"] = "changed by a reader"
    assert log.entries()[0]["error"] is None
    log.open("status", URL, [])
    log.open("status", URL, [])
    assert [e["number"] for e in log.entries()] == [2, 3]


def test_the_servers_answers_are_kept_as_they_came():
    data = {"statusCodes": {"lc": "0", "spec": [1]}, "status": {"lc": "OK"}}
    assert cancel_answers(data, [LC, SPEC, IMAGE]) == {
        "LightCurve": {"code": "0", "text": "OK"},
        "Spectrum": {"code": [1]},
    }
    assert cancel_answers({"statusCodes": "x", "status": None}, [LC]) == {}
    data = {"lc": {"statusCode": 3, "statusText": "Running", "progress": {}}, "spec": "odd"}
    assert status_answers(data, [LC, SPEC, IMAGE]) == {
        "LightCurve": {"statusCode": 3, "statusText": "Running"},
        "Spectrum": "odd",
    }
