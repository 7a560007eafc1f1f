"""The typed outcomes of a cancel and a status request: the documented pair, and what they refuse to hold."""

from __future__ import annotations

import dataclasses

import pytest

from xrt_widgets import codes
from xrt_widgets.codes import Status
from xrt_widgets.outcomes import CancelOutcome, ProductAnswer, StatusOutcome, frozen_copy, plain_copy

URL = "http://127.0.0.1:9/user_objects/canceljob.php"
OK_TEXT = "Job cancelled OK"
FINISHED_TEXT = "Job could not be cancelled - has it already finished?"


def answered(**answers: int) -> CancelOutcome:
    per = {name: ProductAnswer(code, OK_TEXT if code == 0 else FINISHED_TEXT) for name, code in answers.items()}
    return CancelOutcome(tuple(answers), codes.derive_ok(answers.values()), per, url=URL, learned=10.0)


def running(text: str = "Running") -> Status:
    return Status("build_status", 3, text, learned=10.0, source="status")


def test_an_answered_cancel_gives_the_documented_pair_in_product_order():
    outcome = CancelOutcome(
        ("Spectrum", "lc"),
        2,
        {"Spectrum": ProductAnswer(1, FINISHED_TEXT), "LightCurve": ProductAnswer(0, OK_TEXT)},
        url=URL,
    )
    assert outcome.asked == ("LightCurve", "Spectrum")  # long names, product order
    ok, per = outcome.as_pair()
    assert ok == 2
    assert per == {"LightCurve": {"code": 0, "text": OK_TEXT}, "Spectrum": {"code": 1, "text": FINISHED_TEXT}}
    assert list(per) == ["LightCurve", "Spectrum"]


@pytest.mark.parametrize("ok, error", [(-1, f"The request to {URL} failed: reset"), (0, "You are not allowed")])
def test_a_failed_cancel_gives_the_error_pair(ok, error):
    outcome = CancelOutcome(("LightCurve",), ok, error=error, url=URL)
    assert outcome.as_pair() == (ok, {"ERROR": error})
    assert dict(outcome.answers) == {}


def test_the_pair_is_a_new_plain_copy_every_time():
    outcome = answered(LightCurve=0)
    _ok, per = outcome.as_pair()
    per["LightCurve"]["code"] = 3
    per["Spectrum"] = {}
    assert outcome.as_pair() == (1, {"LightCurve": {"code": 0, "text": OK_TEXT}})


def test_outcomes_are_frozen_and_read_only():
    reconciled = {"LightCurve": {"server": {"code": 1, "text": FINISHED_TEXT}, "note": "the first reply was lost"}}
    outcome = CancelOutcome(("LightCurve",), 1, {"LightCurve": ProductAnswer(0, OK_TEXT)}, reconciled=reconciled)
    reconciled["LightCurve"]["note"] = "changed afterwards"  # the outcome kept its own copy
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.ok = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        outcome.answers["LightCurve"] = ProductAnswer(3, "x")  # type: ignore[index]
    with pytest.raises(TypeError):
        outcome.reconciled["LightCurve"]["note"] = "x"  # type: ignore[index]
    assert plain_copy(outcome.reconciled) == {
        "LightCurve": {"server": {"code": 1, "text": FINISHED_TEXT}, "note": "the first reply was lost"}
    }


def test_frozen_and_plain_copies_round_trip():
    data = {"a": [1, {"b": None}], "c": "text"}
    frozen = frozen_copy(data)
    assert isinstance(frozen["a"], tuple)
    assert plain_copy(frozen) == data


@pytest.mark.parametrize("code", [5, -1, True, "0", None, 0.0])
def test_a_product_answer_holds_only_a_cancel_code(code):
    with pytest.raises(ValueError, match="cancel code"):
        ProductAnswer(code, "text")


def test_a_product_answer_text_is_a_string():
    with pytest.raises(TypeError):
        ProductAnswer(0, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(ok=3, answers={"LightCurve": ProductAnswer(0, OK_TEXT)}), "ok is one of"),
        (dict(ok=True, answers={"LightCurve": ProductAnswer(0, OK_TEXT)}), "ok is one of"),
        (dict(ok=-1, answers={"LightCurve": ProductAnswer(0, OK_TEXT)}), "ok -1 needs an error"),
        (dict(ok=2, answers={"LightCurve": ProductAnswer(0, OK_TEXT)}), "the codes give 1"),
        (dict(ok=0, answers={}), "not what was asked"),
        (
            dict(ok=1, answers={"LightCurve": ProductAnswer(0, OK_TEXT), "Spectrum": ProductAnswer(0, OK_TEXT)}),
            "not what was asked",
        ),
        (dict(ok=1, error="boom"), "ok -1 or 0"),
        (dict(ok=-1, error="boom", answers={"LightCurve": ProductAnswer(0, OK_TEXT)}), "no answers"),
        (dict(ok=1, answers={"LightCurve": ProductAnswer(0, OK_TEXT)}, reconciled={"Spectrum": {}}), "not asked"),
        (dict(ok=1, answers={"LightCurve": ProductAnswer(0, OK_TEXT)}, learned=-1.0), "learned"),
    ],
)
def test_a_cancel_outcome_that_breaks_its_rules_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CancelOutcome(("LightCurve",), **kwargs)


def test_a_cancel_outcome_holds_product_answers_and_known_products_only():
    with pytest.raises(TypeError, match="ProductAnswer"):
        CancelOutcome(("LightCurve",), 1, {"LightCurve": {"code": 0, "text": OK_TEXT}})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="not an XRT product"):
        CancelOutcome(("Photometry",), 0, error="x")
    with pytest.raises(TypeError, match="tuple of product names"):
        CancelOutcome("LightCurve", 0, error="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="error"):
        CancelOutcome(("LightCurve",), -1, error=RuntimeError("x"))  # type: ignore[arg-type]


def test_a_status_outcome_holds_a_build_status_for_every_product_asked():
    outcome = StatusOutcome(
        ("Spectrum", "LightCurve"), {"Spectrum": running(), "LightCurve": running()}, url=URL, learned=10.0
    )
    assert outcome.asked == ("LightCurve", "Spectrum")
    assert list(outcome.statuses) == ["LightCurve", "Spectrum"]
    with pytest.raises(TypeError):
        outcome.statuses["LightCurve"] = running()  # type: ignore[index]
    failed = StatusOutcome(("LightCurve",), error=f"The request to {URL} failed", url=URL)
    assert dict(failed.statuses) == {}


@pytest.mark.parametrize(
    "statuses, error, exc",
    [
        ({}, None, ValueError),
        ({"LightCurve": running(), "Spectrum": running()}, None, ValueError),
        ({"LightCurve": running()}, "boom", ValueError),
        ({"LightCurve": Status("cancel_code", 0, "x", source="cancel")}, None, TypeError),
        ({"LightCurve": Status("build_status", 3, "x", source="local")}, None, TypeError),
        ({"LightCurve": codes.NOT_CHECKED}, None, TypeError),
        ({"LightCurve": {"statusCode": 3}}, None, TypeError),
    ],
)
def test_a_status_outcome_that_breaks_its_rules_is_refused(statuses, error, exc):
    with pytest.raises(exc):
        StatusOutcome(("LightCurve",), statuses, error=error)
