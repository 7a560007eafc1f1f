"""The status-code tables and the product table: complete, well-formed, and looked up safely."""

from __future__ import annotations

import re

import pytest

from xrt_widgets import codes, products
from xrt_widgets.emulator.store import CANCELLABLE

EXPECTED_VALUES = {
    "cancel_result": {-1, 0, 1, 2},
    "cancel_code": {0, 1, 2, 3, 4},
    "build_status": {-10, -4, -3, -2, -1, 1, 2, 3, 4, 5, None},
    "local": {"not-checked", "not-submitted"},
}
TONES = {"success", "warning", "danger", "info", "neutral", "progress"}
ALL_CODES = [(family, key, code) for family, table in codes.FAMILIES.items() for key, code in table.items()]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("family", sorted(EXPECTED_VALUES))
def test_every_family_is_complete(family):
    assert set(codes.FAMILIES[family]) == EXPECTED_VALUES[family]


def test_families_are_the_public_tables():
    assert codes.FAMILIES["cancel_result"] is codes.CANCEL_RESULT
    assert codes.FAMILIES["cancel_code"] is codes.CANCEL_CODE
    assert codes.FAMILIES["build_status"] is codes.BUILD_STATUS
    assert codes.FAMILIES["local"] is codes.LOCAL


@pytest.mark.parametrize("family,key,code", ALL_CODES, ids=[f"{f}:{k}" for f, k, _ in ALL_CODES])
def test_every_code_is_fully_described(family, key, code):
    assert code.family == family
    if family != "local":
        assert code.value == key
    assert code.label.strip() and len(code.label) <= 24
    assert code.meaning.strip() and code.meaning != code.label
    assert code.tone in TONES
    assert code.icon.strip()
    assert re.fullmatch(r"#[0-9a-f]{6}", code.colour)
    assert re.fullmatch(r"[a-z][a-z0-9-]*", code.slug)
    assert isinstance(code.terminal, bool)
    assert code.known


@pytest.mark.parametrize("family", sorted(codes.FAMILIES))
def test_slugs_are_unique_within_a_family(family):
    slugs = [c.slug for c in codes.FAMILIES[family].values()]
    assert len(slugs) == len(set(slugs))


@pytest.mark.parametrize("family,key,code", ALL_CODES, ids=[f"{f}:{k}" for f, k, _ in ALL_CODES])
def test_text_reads_on_every_colour(family, key, code):
    # The module promises >= 10:1 for its near-black text on every tint (WCAG AAA asks 7:1).
    assert _contrast(codes.TEXT_COLOUR, code.colour) >= 10


def test_tones_have_their_own_colours():
    assert set(codes.TONES) == TONES
    assert len(set(codes.TONES.values())) == len(codes.TONES)
    for tone, colour in codes.TONES.items():
        assert _contrast(codes.TEXT_COLOUR, colour) >= 10, tone


def test_colour_never_carries_meaning_alone():
    # Two codes of a family may share a colour, but never both their label and icon.
    for table in codes.FAMILIES.values():
        shown = [(c.label, c.icon) for c in table.values()]
        assert len(shown) == len(set(shown))


def test_build_status_terminal_matches_what_the_service_can_cancel():
    for value, code in codes.BUILD_STATUS.items():
        if value == -10:  # no status from the server: we do not know, so never terminal
            assert code.terminal is False
        else:
            assert code.terminal is (value not in CANCELLABLE), value


def test_cancel_code_terminal_and_tones():
    assert [v for v, c in codes.CANCEL_CODE.items() if c.terminal] == [0, 1, 2]
    assert codes.CANCEL_CODE[0].tone == "success"
    assert codes.CANCEL_CODE[3].tone == codes.CANCEL_CODE[4].tone == "danger"
    assert codes.CANCEL_RESULT[-1].tone == "danger"
    assert codes.CANCEL_RESULT[1].tone == "success"


@pytest.mark.parametrize("family", ["cancel_result", "cancel_code", "build_status", "local"])
@pytest.mark.parametrize("value", [99, -99, "3", 2.5, True, False, "cancelled", [1], {"a": 1}])
def test_lookup_of_an_unknown_value_is_never_terminal(family, value):
    code = codes.lookup(family, value)
    assert code.terminal is False
    assert code.slug == "unknown-code"
    assert code.tone == "danger"
    assert code.known is False
    assert code.family == family


def test_lookup_of_known_values():
    assert codes.lookup("cancel_code", 0) is codes.CANCEL_CODE[0]
    assert codes.lookup("build_status", None) is codes.BUILD_STATUS[None]
    assert codes.lookup("build_status", -4).slug == "cancelled"
    assert codes.lookup("local", "not-checked") is codes.LOCAL["not-checked"]
    # True == 1 and hash(True) == hash(1), but a boolean is not a code.
    assert codes.lookup("cancel_code", True).slug == "unknown-code"
    assert codes.lookup("cancel_result", False).slug == "unknown-code"


def test_lookup_of_an_unknown_family_raises():
    with pytest.raises(KeyError):
        codes.lookup("nonsense", 1)


def test_lookup_of_a_long_unknown_value_keeps_the_label_short():
    code = codes.lookup("cancel_code", "x" * 500)
    assert len(code.label) < 60


@pytest.mark.parametrize(
    "per_product,expected",
    [
        ([0], 1),
        ([0, 0, 0], 1),
        ([0, 1], 2),
        ([2, 0, 4], 2),
        ([1], 0),
        ([1, 2, 3, 4], 0),
        ([], 0),
        ([False], 0),  # False == 0, but it is not a code
        ([False, 0], 2),
    ],
)
def test_derive_ok(per_product, expected):
    assert codes.derive_ok(per_product) == expected
    assert codes.derive_ok(iter(per_product)) == expected


def test_derive_ok_gives_only_cancel_results():
    for combo in ([a, b] for a in range(5) for b in range(5)):
        assert codes.derive_ok(combo) in codes.CANCEL_RESULT


# -- the product table --------------------------------------------------------------------------

PROTOCOL_TABLE = [
    ("LightCurve", "lc", "lc"),
    ("Spectrum", "spec", "spec"),
    ("StandardPos", "psf", "dopsf"),
    ("EnhancedPos", "enh", "doenh"),
    ("AstromPos", "xastrom", "doxastrom"),
    ("Image", "image", "image"),
    ("SourceDet", "sourceDet", "sourceDet"),
]


def test_product_table_is_the_protocols():
    assert [(p.long, p.short, p.flag) for p in products.PRODUCTS] == PROTOCOL_TABLE
    assert tuple(row[0] for row in PROTOCOL_TABLE) == products.LONG_NAMES
    assert tuple(row[1] for row in PROTOCOL_TABLE) == products.SHORT_NAMES
    assert all(p.label for p in products.PRODUCTS)


@pytest.mark.parametrize("long,short,flag", PROTOCOL_TABLE)
def test_resolve_long_and_short(long, short, flag):
    assert products.resolve(long) is products.resolve(short)
    assert products.resolve(short).flag == flag


@pytest.mark.parametrize("bad", ["lightcurve", "Banana", "", "dopsf", None, 3, ("lc",)])
def test_resolve_unknown_raises_value_error(bad):
    with pytest.raises(ValueError, match="not an XRT product"):
        products.resolve(bad)


def test_resolve_many_and_in_order():
    got = products.resolve_many(["psf", "LightCurve", "StandardPos", "lc"])
    assert [p.long for p in got] == ["StandardPos", "LightCurve"]
    assert [p.long for p in products.in_order(got)] == ["LightCurve", "StandardPos"]
