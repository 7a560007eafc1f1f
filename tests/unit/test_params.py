"""The parameter tables applied to a request being built (tests/unit/test_submit_parity.py compares with swifttools)."""

from __future__ import annotations

import pytest

from xrt_widgets import params, products
from xrt_widgets.params import submit_body, wire_value
from xrt_widgets.products import resolve
from xrt_widgets.request_pars import ParameterSet


def quiet() -> ParameterSet:
    return ParameterSet(lambda line: None)


def test_globals_are_held_by_python_name_and_fire_their_triggers():
    pars = quiet()
    pars.set_globals({"cent": True, "targ": "00221755", "Tstart": 5.0})
    assert pars.globals == {"centroid": True, "targ": "00221755", "getTargs": False, "T0": 5.0, "getT0": False}


def test_a_later_explicit_global_wins_over_a_triggered_one():
    pars = quiet()
    pars.set_globals({"targ": "00221755"})
    pars.set_globals({"getTargs": True})
    assert pars.globals["getTargs"] is True


def test_a_new_product_starts_with_its_defaults_and_moves_shared_position_pars_to_the_globals():
    pars = quiet()
    pars.add_product("spec", {})
    assert pars.products["spec"] == {"deltaFitStat": 2.706}
    pars.add_product("psf", {"useObs": "00221755002", "detMeth": "simple"})
    assert pars.products["psf"] == {}
    assert pars.globals == {"useposobs": "00221755002", "posobs": "user", "detMeth": "simple"}


def test_product_pars_are_renamed_lower_cased_and_triggered():
    pars = quiet()
    pars.add_product("lc", {})
    pars.set_product_pars("lc", {"timeFormat": "MJD", "pccounts": 20, "useObs": "x"})
    # a wire name held by its Python name; the choice lower-cased; useObs -> whichData
    assert pars.products["lc"] == {"timeFormat": "mjd", "pcCounts": 20, "useObs": "x", "whichData": "user"}


def test_unknown_names_wrong_types_and_values_outside_the_choices_are_refused():
    pars = quiet()
    with pytest.raises(ValueError, match="not a recognised global parameter"):
        pars.set_globals({"colour": "red"})
    with pytest.raises(TypeError, match="RA must be a float"):
        pars.set_globals({"RA": 95})
    with pytest.raises(ValueError, match="not a valid value for centMeth"):
        pars.set_globals({"centMeth": "Simple"})  # globals are not lower-cased
    pars.add_product("lc", {})
    with pytest.raises(ValueError, match="not a recognised lc parameter"):
        pars.set_product_pars("lc", {"colour": "red"})
    with pytest.raises(TypeError, match="pcCounts must be a int"):
        pars.set_product_pars("lc", {"pcCounts": 20.0})
    with pytest.raises(ValueError, match="not a valid value for binMeth"):
        pars.set_product_pars("lc", {"binMeth": "weekly"})


def test_the_say_callable_hears_what_swifttools_prints():
    lines: list[str] = []
    pars = ParameterSet(lines.append)
    pars.set_globals({"T0": 1.0})
    pars.add_product("lc", {"binMeth": "counts"})
    assert lines == [
        "Also setting global getT0 = False",
        "Successfully created a light curve",
        "OK, setting binMeth = counts",
    ]


def test_validity_lists_what_is_missing():
    pars = quiet()
    assert pars.validity() == (
        False,
        "The following problems were found:\n* No products have been requested.\n"
        + "".join(f"* Global parameter `{g}` is not set.\n" for g in ("centroid", "name", "useSXPS"))
        + "* Global parameter `RA` is not set, and nor is the alternative: `getCoords`.\n"
        + "* Global parameter `Dec` is not set, and nor is the alternative: "
        "`getCoords`.\n" + "* Global parameter `targ` is not set, and nor is the alternative: "
        "`getTargs`.\n",
    )
    pars.set_globals({"name": "x", "targ": "1", "useSXPS": False})
    pars.add_product("sourceDet", {"whichData": "all"})
    assert pars.validity() == (True, "")  # a source detection alone needs no position and no centroid


def test_reading_job_pars_back_casts_and_clears_the_get_flags():
    pars = quiet()
    pars.set_globals({"getTargs": True, "name": "x"})
    pars.add_product("lc", {"binMeth": "counts"})
    pars.update_from_server(
        {
            "targ": "00221755",
            "getTargs": 1,
            "pccounts": "20",
            "dynamic": "1",
            "RA": "95.37",
            "lcobs": "all",
            "whatSXPS": "LSXPS",
        }
    )
    assert pars.globals == {"name": "x", "targ": "00221755", "getTargs": False, "RA": 95.37}
    assert pars.products["lc"] == {"binMeth": "counts", "pcCounts": 20, "dynamic": True, "whichData": "all"}


def test_the_submit_body_uses_wire_names_flags_and_numbers_for_booleans():
    globals_ = {"centroid": True, "name": "GRB"}
    body = submit_body(
        "me@example.org",
        globals_,
        [(resolve("LightCurve"), {"pcCounts": 20, "dynamic": False}), (resolve("StandardPos"), {})],
    )
    assert body == {
        "UserID": "me@example.org",
        "cent": 1,
        "name": "GRB",
        "lc": 1,
        "pccounts": 20,
        "dynamic": 0,
        "dopsf": 1,
    }
    assert [wire_value(v) for v in (True, False, 1, "x", None)] == [1, 0, 1, "x", None]


def test_the_tables_are_still_importable_from_products():
    for name in (
        "GLOBAL_WIRE_NAMES",
        "PRODUCT_WIRE_NAMES",
        "PRODUCT_DEFAULTS",
        "PRODUCT_TRIGGERS",
        "GLOBAL_TRIGGERS",
        "SHARED_GLOBALS",
        "DEPRECATED_PARS",
        "LOWERCASED_PARS",
    ):
        assert getattr(products, name) is getattr(params, name)
        assert name in products.__all__ and name in params.__all__
