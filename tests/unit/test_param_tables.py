"""Our rule tables (xrt_widgets/params.py) against what swifttools 4.0.5 holds, table by table.

Ours were written from the documentation (RequestJob.md); these tests are what ties them to swifttools'
behaviour, so that a request refused or accepted by one is refused or accepted by the other.
"""

from __future__ import annotations

import swifttools.ukssdc.xrt_prods as st
from swifttools.ukssdc.xrt_prods import productVars

from xrt_widgets import params
from xrt_widgets.products import PRODUCTS

ST = st.XRTProductRequest


def test_the_globals_their_types_and_choices():
    assert ST._globalTypes == params.GLOBAL_TYPES
    assert list(params.GLOBAL_TYPES) == list(ST._globalTypes)  # getGlobalPars() lists them in this order
    assert {k: tuple(v) for k, v in ST._globalSpecificParValues.items()} == params.GLOBAL_CHOICES
    assert ST._globalPythonParsToJSONPars == params.GLOBAL_WIRE_NAMES
    assert ST._sharedGlobals == params.SHARED_POSITION_GLOBALS
    assert tuple(ST._makeWorkPars) == params.SERVER_DERIVED


def test_what_a_request_needs():
    assert ST._neededGlobals == params.REQUIRED_GLOBALS
    assert ST._altGlobals == params.GLOBAL_ALTERNATIVES
    assert ST._globalDeps == params.GLOBAL_REQUIRES
    assert productVars.skipGlobals == params.WAIVED_WHEN_ALONE


def test_each_products_parameters_choices_and_needs():
    assert productVars.prodParTypes == params.PRODUCT_TYPES
    assert productVars.prodSpecificParValues == params.PRODUCT_CHOICES
    assert productVars.prodNeedGlobals == params.PRODUCT_NEEDS_GLOBALS
    assert productVars.prodNeedPars == params.PRODUCT_REQUIRED
    assert productVars.prodParDeps == params.PRODUCT_REQUIRES
    assert productVars.prodPythonParsToJSONPars == params.PRODUCT_WIRE_NAMES


def test_every_product_has_an_entry_in_every_table():
    shorts = {p.short for p in PRODUCTS}
    for table in (
        params.PRODUCT_TYPES,
        params.PRODUCT_CHOICES,
        params.PRODUCT_NEEDS_GLOBALS,
        params.PRODUCT_REQUIRED,
        params.PRODUCT_REQUIRES,
        params.PRODUCT_WIRE_NAMES,
        params.PRODUCT_DEFAULTS,
        params.PRODUCT_TRIGGERS,
        params.SHARED_GLOBALS,
        params.DEPRECATED_PARS,
        params.LOWERCASED_PARS,
    ):
        assert set(table) == shorts


def test_the_tables_hold_together():
    """Every name a table mentions is a parameter some table lets a user set."""
    for short, choices in params.PRODUCT_CHOICES.items():
        assert set(choices) <= set(params.PRODUCT_TYPES[short])
    for short, needed in params.PRODUCT_REQUIRED.items():
        assert set(needed) <= set(params.PRODUCT_TYPES[short])
    for name in (
        *params.REQUIRED_GLOBALS,
        *params.GLOBAL_ALTERNATIVES.values(),
        *params.SHARED_POSITION_GLOBALS,
        *params.GLOBAL_CHOICES,
        *params.SERVER_DERIVED,
    ):
        assert name in params.GLOBAL_TYPES
    for wire_names in (params.GLOBAL_PYTHON_NAMES, *params.PRODUCT_PYTHON_NAMES.values()):
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in wire_names.items())
