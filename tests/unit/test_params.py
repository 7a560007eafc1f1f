"""swifttools' parameter rules, applied to plain dicts (tests/test_submit_parity.py checks them against swifttools)."""

from __future__ import annotations

from xrt_widgets import params, products
from xrt_widgets.params import new_product_pars, set_global_pars, set_product_pars, submit_body, wire_value
from xrt_widgets.products import resolve


def test_globals_are_held_by_python_name_and_fire_their_triggers():
    held: dict = {}
    set_global_pars(held, {"cent": True, "targ": "00221755", "T0": None})
    assert held == {"centroid": True, "targ": "00221755", "getTargs": False, "T0": None}  # None fires no ANY rule


def test_a_later_explicit_global_wins_over_a_triggered_one():
    held: dict = {}
    set_global_pars(held, {"targ": "00221755"})
    set_global_pars(held, {"getTargs": True})
    assert held["getTargs"] is True


def test_a_new_product_starts_with_its_defaults_and_moves_shared_position_pars_to_the_globals():
    held, shared = new_product_pars("spec", {})
    assert (held, shared) == ({"deltaFitStat": 2.706}, {})
    held, shared = new_product_pars("psf", {"useObs": "00221755002", "detMeth": "simple"})
    assert held == {} and shared == {"useposobs": "00221755002", "detMeth": "simple"}


def test_product_pars_are_renamed_lower_cased_and_triggered():
    held: dict = {}
    assert set_product_pars("lc", held, {"timeType": "MET", "pccounts": 20, "useObs": "x"}) == {}
    # deprecated timeType -> timeFormat, lower-cased; a wire name held by its Python name; useObs -> whichData
    assert held == {"timeFormat": "met", "pcCounts": 20, "useObs": "x", "whichData": "user"}


def test_the_submit_body_uses_wire_names_flags_and_numbers_for_booleans():
    globals_: dict = {}
    set_global_pars(globals_, {"centroid": True, "name": "GRB"})
    lc, _ = new_product_pars("lc", {"pcCounts": 20, "dynamic": False})
    body = submit_body("me@example.org", globals_, [(resolve("LightCurve"), lc), (resolve("StandardPos"), {})])
    assert body == {"UserID": "me@example.org", "cent": 1, "name": "GRB", "lc": 1, "pccounts": 20, "dynamic": 0,
                    "dopsf": 1}
    assert [wire_value(v) for v in (True, False, 1, "x", None)] == [1, 0, 1, "x", None]


def test_the_tables_are_still_importable_from_products():
    for name in ("GLOBAL_WIRE_NAMES", "PRODUCT_WIRE_NAMES", "PRODUCT_DEFAULTS", "PRODUCT_TRIGGERS",
                 "GLOBAL_TRIGGERS", "SHARED_GLOBALS", "DEPRECATED_PARS", "LOWERCASED_PARS"):
        assert getattr(products, name) is getattr(params, name)
        assert name in products.__all__ and name in params.__all__
