"""The seven XRT products as data: long name, short wire name, submit flag.

The long names are what users type in Python (``"LightCurve"``); the short
names are what travels on the wire (``what="lc,spec"``) and what swifttools'
``productList`` holds; the flag is the key set to 1 in a submit body. The
order of :data:`PRODUCTS` is the order in which every panel lists them.
:data:`GLOBAL_WIRE_NAMES` and :data:`PRODUCT_WIRE_NAMES` hold the parameters
whose Python (swifttools) names differ from their names on the wire; the
tables after them hold the values swifttools fills in by itself while a
request is built (defaults, triggers, shared position parameters), so that
:class:`~xrt_widgets.request.XRTProductRequest` sends the body swifttools
would send for the same calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

__all__ = ["Product", "PRODUCTS", "LONG_NAMES", "SHORT_NAMES", "GLOBAL_WIRE_NAMES", "PRODUCT_WIRE_NAMES",
           "PRODUCT_DEFAULTS", "PRODUCT_TRIGGERS", "GLOBAL_TRIGGERS", "SHARED_GLOBALS", "DEPRECATED_PARS",
           "LOWERCASED_PARS", "resolve", "resolve_many"]


@dataclass(frozen=True)
class Product:
    """One product type of the XRT product builder."""

    long: str
    short: str
    flag: str
    label: str


PRODUCTS: tuple[Product, ...] = (
    Product("LightCurve", "lc", "lc", "light curve"),
    Product("Spectrum", "spec", "spec", "spectrum"),
    Product("StandardPos", "psf", "dopsf", "standard position"),
    Product("EnhancedPos", "enh", "doenh", "enhanced position"),
    Product("AstromPos", "xastrom", "doxastrom", "astrometric position"),
    Product("Image", "image", "image", "image"),
    Product("SourceDet", "sourceDet", "sourceDet", "source detection"),
)

LONG_NAMES: tuple[str, ...] = tuple(p.long for p in PRODUCTS)
SHORT_NAMES: tuple[str, ...] = tuple(p.short for p in PRODUCTS)

# The Python -> wire renames below are copied, as data, from swifttools 4.0.5:
# XRTProductRequest._globalPythonParsToJSONPars (ukssdc/xrt_prods/prod_request.py) and
# prodPythonParsToJSONPars (ukssdc/xrt_prods/productVars.py). A name in neither table travels as given.

#: Global parameters: Python name -> wire name.
GLOBAL_WIRE_NAMES: dict[str, str] = {
    "centroid": "cent",
    "T0": "Tstart",
    "posErr": "poserr",
    "wtPupRate": "wtpuprate",
    "pcPupRate": "pcpuprate",
}

#: Product parameters, per product short name: Python name -> wire name. The three positions share
#: their parameters (``posobs``, ``useposobs``, ...): on the wire they are one set for the whole job.
PRODUCT_WIRE_NAMES: dict[str, dict[str, str]] = {
    "lc": {
        "useObs": "uselcobs",
        "whichData": "lcobs",
        "allowBayes": "allowB",
        "timeType": "lctimetype",
        "timeFormat": "lctimetype",
        "minEnergy": "minen",
        "maxEnergy": "maxen",
        "softLo": "soft1",
        "softHi": "soft2",
        "hardLo": "hard1",
        "hardHi": "hard2",
        "minSig": "sigmin",
        "bintime": "wtbin",
        "minCounts": "mincmin",
        "matchHR": "hrbin",
        "wtHRBinTime": "wthrbin",
        "pcHRBinTime": "pchrbin",
        "minFracExp": "femin",
        "rateFact": "ratefact",
        "binFact": "binfact",
        "pcCounts": "pccounts",
        "wtCounts": "wtcounts",
        "pcBinTime": "pcbin",
        "wtBinTime": "wtbin",
        "minSNR": "minsnr",
        "wtMaxGap": "wtmaxgap",
        "pcMaxGap": "pcmaxgap",
    },
    "spec": {
        "hasRedshift": "specz",
        "redshift": "zval",
        "useObs": "usespecobs",
        "whichData": "specobs",
        "grades": "specgrades",
        "incHours": "specobstime",
        "specStem": "specstem",
        "deltaFitStat": "dchi",
    },
    "psf": {
        "whichData": "posobs",
        "useObs": "useposobs",
        "incHours": "posobstime",
        "detOrCent": "detornot",
        "centMeth": "detMeth",
    },
    "enh": {
        "whichData": "posobs",
        "useObs": "useposobs",
        "incHours": "posobstime",
        "detOrCent": "detornot",
        "centMeth": "detMeth",
    },
    "xastrom": {
        "useAllObs": "allxastrom",
        "whichData": "posobs",
        "useObs": "useposobs",
        "incHours": "posobstime",
        "detOrCent": "detornot",
        "centMeth": "detMeth",
    },
    "image": {"energies": "imen", "useObs": "useimobs", "whichData": "imobs"},
    "sourceDet": {"whichData": "detobs", "useObs": "usedetobs", "whichBands": "detbands"},
}

# The tables below are copied, as data, from swifttools 4.0.5 (ukssdc/xrt_prods/productVars.py), and are
# applied the way ProductRequest.setPars (prod_base.py) and XRTProductRequest.setGlobalPars /
# setProductPars (prod_request.py) apply them; swifttools' validation (types, allowed values, required
# parameters) is deliberately not reproduced. tests/test_submit_parity.py checks them against swifttools.

#: Per product: the parameters a new product starts with (``prodDefaults``).
PRODUCT_DEFAULTS: dict[str, dict[str, object]] = {
    "lc": {},
    "spec": {"deltaFitStat": 2.706},
    "psf": {},
    "enh": {},
    "xastrom": {},
    "image": {},
    "sourceDet": {},
}

#: Per product: setting parameter ``a`` to value ``v`` also sets other parameters (``prodParTriggers``).
#: ``{a: {v: {b: x}}}``; ``v`` is ``"ANY"`` for any value (and ``"NONE"`` for None); ``x`` None removes ``b``.
PRODUCT_TRIGGERS: dict[str, dict[str, dict]] = {
    "lc": {"useObs": {"ANY": {"whichData": "user"}}, "whichData": {"all": {"useObs": None}}},
    "spec": {
        "redshift": {"ANY": {"hasRedshift": True, "galactic": True}, "NONE": {"hasRedshift": False}},
        "hasRedshift": {True: {"galactic": True}},
        "useObs": {"ANY": {"whichData": "user"}},
        "whichData": {"all": {"useObs": None}},
        "doNotFit": {True: {"hasRedshift": False}},
    },
    "psf": {"useObs": {"ANY": {"whichData": "user"}}, "whichData": {"all": {"useObs": None}}},
    "enh": {"useObs": {"ANY": {"whichData": "user"}}, "whichData": {"all": {"useObs": None}}},
    "xastrom": {"useObs": {"ANY": {"whichData": "user"}}, "whichData": {"all": {"useObs": None}}},
    "image": {"useObs": {"ANY": {"whichData": "user"}}, "whichData": {"all": {"useObs": None}}},
    "sourceDet": {"useObs": {"ANY": {"whichData": "user"}}, "whichData": {"all": {"useObs": None}}},
}

#: Setting global ``a`` also sets other globals (``globalParTriggers``), keyed by Python (not wire) names.
#: RA and Dec have no rule: setting them does not turn ``getCoords`` off.
GLOBAL_TRIGGERS: dict[str, dict[str, dict]] = {
    "useposobs": {"ANY": {"posobs": "user"}},
    "posobs": {"all": {"useposobs": None}},
    "T0": {"ANY": {"getT0": False}},
    "targ": {"ANY": {"getTargs": False}},
}

#: Per product: parameters shared by the three positions, which swifttools moves to the globals, under
#: their wire names, when they are given to a product (``prodUseGlobals``).
SHARED_GLOBALS: dict[str, tuple[str, ...]] = {
    "lc": (),
    "spec": (),
    "psf": ("whichData", "incHours", "posRadius", "useObs", "detOrCent", "centMeth"),
    "enh": ("whichData", "incHours", "posRadius", "useObs", "detOrCent", "centMeth"),
    "xastrom": ("whichData", "incHours", "posRadius", "useObs", "detOrCent", "centMeth"),
    "image": (),
    "sourceDet": (),
}

#: Per product: deprecated parameter names and the names that replace them (``deprecatedPars``).
DEPRECATED_PARS: dict[str, dict[str, str]] = {
    "lc": {"timeType": "timeFormat"},
    "spec": {},
    "psf": {},
    "enh": {},
    "xastrom": {},
    "image": {},
    "sourceDet": {},
}

#: Per product: parameters whose (string) value swifttools lower-cases before storing it: the keys of
#: ``prodSpecificParValues``.
LOWERCASED_PARS: dict[str, tuple[str, ...]] = {
    "lc": ("binMeth", "allowUL", "allowBayes", "timeType", "timeFormat", "whichData", "grades"),
    "spec": ("whichData", "timeslice", "grades"),
    "psf": (),
    "enh": (),
    "xastrom": (),
    "image": ("whichData",),
    "sourceDet": ("whichData", "whichBands"),
}

_BY_NAME: dict[str, Product] = {}
for _p in PRODUCTS:
    _BY_NAME[_p.long] = _p
    _BY_NAME[_p.short] = _p
del _p


def resolve(name: str) -> Product:
    """Return the product called ``name`` (long or short name).

    Parameters
    ----------
    name : str
        A long name (``"LightCurve"``) or a short wire name (``"lc"``).

    Raises
    ------
    ValueError
        If ``name`` is not one of the seven products.
    """
    if isinstance(name, str):
        product = _BY_NAME.get(name)
        if product is not None:
            return product
    raise ValueError(
        f"{name!r} is not an XRT product; the products are " + ", ".join(LONG_NAMES)
    )


def resolve_many(names: Iterable[str]) -> list[Product]:
    """Resolve several names, keeping their order and dropping repeats."""
    seen: dict[str, Product] = {}
    for name in names:
        product = resolve(name)
        seen.setdefault(product.long, product)
    return list(seen.values())


def in_order(products: Iterable[Product]) -> list[Product]:
    """Sort products into the fixed order of :data:`PRODUCTS`."""
    wanted = {p.long for p in products}
    return [p for p in PRODUCTS if p.long in wanted]
