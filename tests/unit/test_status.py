"""``Status``: one product's status as a frozen value, worded for a person, checked when built."""

from __future__ import annotations

import dataclasses

import pytest

from xrt_widgets import codes
from xrt_widgets.codes import ALREADY_CANCELLED, NOT_CHECKED, NOT_SUBMITTED, Status


def test_the_local_states():
    assert (NOT_CHECKED.family, NOT_CHECKED.code, NOT_CHECKED.source) == ("local", "not-checked", "local")
    assert NOT_CHECKED.words == "Not checked" and NOT_SUBMITTED.words == "Not submitted"
    assert not NOT_CHECKED.terminal and not NOT_CHECKED.cancelled
    assert NOT_CHECKED.raw == "" and NOT_CHECKED.colour == codes.UNCHECKED_COLOUR


@pytest.mark.parametrize(
    "status, cancelled",
    [
        (Status("cancel_code", 0, "Job cancelled OK", source="cancel"), True),
        (Status("build_status", -4, "Cancelled", source="status"), True),
        (Status("cancel_code", 1, "finished?", source="cancel", note=ALREADY_CANCELLED), True),
        (Status("cancel_code", 1, "finished?", source="cancel"), False),
        (Status("build_status", 4, "Complete", source="status"), False),
        (Status("build_status", -10, "nothing", source="status"), False),
    ],
)
def test_cancelled_only_after_code_0_or_build_status_minus_4(status, cancelled):
    assert status.cancelled is cancelled
    assert (status.slug == "cancelled") is cancelled
    assert (status.words.startswith("Cancelled")) is cancelled


def test_already_cancelled_reads_and_looks_cancelled_and_keeps_its_code():
    status = Status("cancel_code", 1, "Job could not be cancelled", source="cancel", note=ALREADY_CANCELLED)
    assert status.words == "Cancelled (already cancelled)"
    assert (status.label, status.icon, status.colour) == ("Cancelled", "✔", codes.CANCEL_CODE[0].colour)
    assert status.raw == "cancel code 1" and status.terminal


@pytest.mark.parametrize(
    "status, words, raw",
    [
        (Status("build_status", 3, "Running", source="status"), "Running", "build status 3"),
        (Status("build_status", 4, "Complete", source="status"), "Complete", "build status 4"),
        (Status("build_status", None, "?", source="status"), "Not in job", "build status None"),
        (Status("build_status", 7, "?", source="status"), "Code 7", "build status 7"),
        (Status("cancel_code", 0, "OK", source="cancel"), "Cancelled", "cancel code 0"),
        (
            Status("cancel_code", 1, "?", source="cancel"),
            "Not cancelled: most likely it has already completed",
            "cancel code 1",
        ),
        (Status("cancel_code", 3, "?", source="cancel"), "Not cancelled, reason unknown", "cancel code 3"),
        (
            Status("build_status", 3, "Running", source="status", note="from the board"),
            "Running (from the board)",
            "build status 3",
        ),
    ],
)
def test_one_status_worded_for_a_person_and_the_number_secondary(status, words, raw):
    assert status.words == words
    assert status.raw == raw


def test_a_cancel_code_other_than_0_is_not_final_until_a_build_status_says_so():
    assert not Status("cancel_code", 1, "?", source="cancel").terminal
    assert not Status("cancel_code", 2, "?", source="cancel").terminal
    assert Status("build_status", 4, "Complete", source="status").terminal
    assert not Status("build_status", 7, "?", source="status").terminal  # unknown is never final


def test_a_status_is_a_frozen_hashable_value():
    status = Status("build_status", 3, "Running", "step 1", 5.0, "status")
    with pytest.raises(dataclasses.FrozenInstanceError):
        status.code = 4  # type: ignore[misc]
    assert status == Status("build_status", 3, "Running", "step 1", 5.0, "status")
    assert len({status, Status("build_status", 3, "Running", "step 1", 5.0, "status")}) == 1


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        (dict(family="cancel_result", code=1), ValueError),
        (dict(family="build_status", code=3, source="server"), ValueError),
        (dict(family="build_status", code="3"), TypeError),
        (dict(family="build_status", code=True), TypeError),
        (dict(family="cancel_code", code=None), TypeError),
        (dict(family="cancel_code", code=5), ValueError),
        (dict(family="local", code="running"), ValueError),
        (dict(family="build_status", code=3, text=None), TypeError),
        (dict(family="build_status", code=3, learned=-1.0), ValueError),
        (dict(family="build_status", code=-4, note=ALREADY_CANCELLED), ValueError),
    ],
)
def test_a_status_that_breaks_its_rules_is_refused(kwargs, exc):
    with pytest.raises(exc):
        Status(**kwargs)
