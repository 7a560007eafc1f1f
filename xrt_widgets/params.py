"""The rules of an XRT product request, as data tables: names, types, choices, requirements, defaults, renames.

A request is built as swifttools builds one: the user's Python names
(``pcCounts``, ``centroid``) are held with the values filled in along the
way (a product's defaults, the parameters a value triggers, the position
parameters the three positions share), and the submit body sends them under
their wire names (``pccounts``, ``cent``) with True and False as 1 and 0.
Which names exist, which types and values they take and which are needed
before a submit are tables here too; :mod:`xrt_widgets.request_pars` applies
them. The tables were written from swifttools' documentation (RequestJob.md)
and from what swifttools 4.0.5 does with the same calls; the tests compare
them with swifttools. Nothing here talks to the server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .products import Product

__all__ = [
    "GLOBAL_WIRE_NAMES",
    "PRODUCT_WIRE_NAMES",
    "PRODUCT_DEFAULTS",
    "PRODUCT_TRIGGERS",
    "GLOBAL_TRIGGERS",
    "SHARED_GLOBALS",
    "DEPRECATED_PARS",
    "LOWERCASED_PARS",
    "GLOBAL_PYTHON_NAMES",
    "PRODUCT_PYTHON_NAMES",
    "GLOBAL_TYPES",
    "GLOBAL_CHOICES",
    "SHARED_POSITION_GLOBALS",
    "SERVER_DERIVED",
    "PRODUCT_TYPES",
    "PRODUCT_CHOICES",
    "REQUIRED_GLOBALS",
    "GLOBAL_ALTERNATIVES",
    "WAIVED_WHEN_ALONE",
    "GLOBAL_REQUIRES",
    "PRODUCT_NEEDS_GLOBALS",
    "PRODUCT_REQUIRED",
    "PRODUCT_REQUIRES",
    "wire_value",
    "submit_body",
]

# -- renames: a name in neither table travels as given ----------------------------------------------

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

# -- values filled in while a request is built ------------------------------------------------------
# tests/unit/test_submit_parity.py checks that the bodies they give equal swifttools' for the same calls.

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
PRODUCT_TRIGGERS: dict[str, dict[str, dict[Any, dict[str, Any]]]] = {
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
GLOBAL_TRIGGERS: dict[str, dict[str, dict[str, Any]]] = {
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

# -- what may be set, and to what --------------------------------------------------------------------
# Written from the parameter tables of swifttools' RequestJob.md and checked against what swifttools 4.0.5
# accepts and refuses (tests/unit/test_param_tables.py). A name missing from these tables is refused with
# ValueError, a value of another type with TypeError, a value outside its choices with ValueError.

#: Global parameters, by Python name, in the order ``getGlobalPars()`` lists them: the types a value may have.
GLOBAL_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "targ": (str,),
    "T0": (float, int),
    "SinceT0": (bool,),
    "RA": (float,),
    "Dec": (float,),
    "centroid": (bool,),
    "centMeth": (str,),
    "maxCentTries": (int,),
    "posErr": (float, int),
    "sss": (bool,),
    "useSXPS": (bool,),
    "wtPupRate": (float, int),
    "pcPupRate": (float, int),
    "notify": (bool,),
    "getCoords": (bool,),
    "getTargs": (bool,),
    "getT0": (bool,),
    "posRadius": (float, int),
    "posobs": (str,),
    "useposobs": (str,),
    "posobstime": (float, int),
    "detMeth": (str,),
    "detornot": (str,),
}

#: Globals whose value must be one of a fixed set (compared as given: globals are not lower-cased).
GLOBAL_CHOICES: dict[str, tuple[str, ...]] = {
    "centMeth": ("simple", "iterative"),
    "posobs": ("all", "user", "hours"),
    "detornot": ("detect", "centroid"),
    "detMeth": ("simple", "iterative"),
}

#: The globals that the positions share: listed by ``getProductPars`` of a position, left out of
#: ``getGlobalPars()`` unless ``omitShared=False``.
SHARED_POSITION_GLOBALS: tuple[str, ...] = ("posRadius", "posobs", "useposobs", "posobstime", "detMeth", "detornot")

#: Globals the server works out when asked; after a submit they are read back as False, so that a
#: request used again as a template repeats the values the server found rather than asking again.
SERVER_DERIVED: tuple[str, ...] = ("getCoords", "getTargs", "getT0")

#: Per product short name: each parameter it takes, by Python name, and the types its value may have.
#: The positions take only the parameters they share, which are held as globals (:data:`SHARED_GLOBALS`).
PRODUCT_TYPES: dict[str, dict[str, tuple[type, ...]]] = {
    "lc": {
        "binMeth": (str,),
        "softLo": (float, int),
        "softHi": (float, int),
        "hardLo": (float, int),
        "hardHi": (float, int),
        "minSig": (float, int),
        "minEnergy": (float, int),
        "maxEnergy": (float, int),
        "grades": (str,),
        "allowUL": (str,),
        "allowBayes": (str,),
        "bayesCounts": (float, int),
        "bayesSNR": (float, int),
        "timeType": (str,),
        "timeFormat": (str,),
        "useObs": (str,),
        "pcCounts": (int,),
        "wtCounts": (int,),
        "pcBinTime": (float, int),
        "wtBinTime": (float, int),
        "dynamic": (bool,),
        "rateFact": (float, int),
        "binFact": (float, int),
        "minCounts": (int,),
        "minSNR": (float, int),
        "wtmaxGap": (float, int),
        "pcmaxGap": (float, int),
        "matchHR": (float, int),
        "wtHRBinTime": (float, int),
        "pcHRBinTime": (float, int),
        "minFracExp": (float, int),
        "whichData": (str,),
        "srcrad": (int,),
    },
    "spec": {
        "hasRedshift": (bool,),
        "redshift": (float,),
        "whichData": (str,),
        "useObs": (str,),
        "incHours": (float, int),
        "timeslice": (str,),
        "grades": (str,),
        "rname1": (str,),
        "gti1": (str,),
        "rname2": (str,),
        "gti2": (str,),
        "rname3": (str,),
        "gti3": (str,),
        "rname4": (str,),
        "gti4": (str,),
        "specStem": (str,),
        "doNotFit": (bool,),
        "galactic": (bool,),
        "models": (list, tuple),
        "deltaFitStat": (float,),
        "srcrad": (int,),
    },
    "psf": {},
    "enh": {},
    "xastrom": {"useAllObs": (bool,)},
    "image": {"energies": (str,), "whichData": (str,), "useObs": (str,)},
    "sourceDet": {"useObs": (str,), "whichData": (str,), "whichBands": (str,), "fitStrayLight": (bool,)},
}

#: Per product: parameters whose value must be one of a fixed set. Values are lower-cased before the check.
PRODUCT_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "lc": {
        "binMeth": ("counts", "time", "snapshot", "obsid"),
        "allowUL": ("no", "pc", "wt", "both"),
        "allowBayes": ("no", "pc", "wt", "both"),
        "timeType": ("m", "s", "mjd", "sec"),
        "timeFormat": ("m", "s", "mjd", "sec"),
        "whichData": ("all", "user"),
        "grades": ("0", "all", "4"),
    },
    "spec": {
        "whichData": ("all", "user", "hours"),
        "timeslice": ("single", "user", "snapshot", "obsid"),
        "grades": ("0", "all", "4"),
    },
    "psf": {},
    "enh": {},
    "xastrom": {},
    "image": {"whichData": ("all", "user")},
    "sourceDet": {"whichData": ("all", "user"), "whichBands": ("total", "all")},
}

# -- what must be set before a submit ------------------------------------------------------------------

#: Globals every request needs (some products waive some, see :data:`WAIVED_WHEN_ALONE`).
REQUIRED_GLOBALS: tuple[str, ...] = ("centroid", "name", "useSXPS", "RA", "Dec", "targ")

#: A required global is also satisfied when this other global is set: the server works it out.
GLOBAL_ALTERNATIVES: dict[str, str] = {"targ": "getTargs", "RA": "getCoords", "Dec": "getCoords"}

#: When a product is the only one requested, these required globals are not needed (a source detection
#: searches the whole field, so it needs no position).
WAIVED_WHEN_ALONE: dict[str, tuple[str, ...]] = {"sourceDet": ("RA", "Dec", "centroid", "useSXPS")}

#: Globals needed when another global has a value: ``{a: {str(value): (needed, ...)}}``.
GLOBAL_REQUIRES: dict[str, dict[str, tuple[str, ...]]] = {
    "centroid": {"True": ("posErr",)},
    "posobs": {"hours": ("posobstime",), "user": ("useposobs",)},
}

#: Per product: globals it needs.
PRODUCT_NEEDS_GLOBALS: dict[str, tuple[str, ...]] = {
    "lc": ("centroid",),
    "spec": ("centroid",),
    "psf": (),
    "enh": (),
    "xastrom": (),
    "image": (),
    "sourceDet": (),
}

#: Per product: parameters that must be set.
PRODUCT_REQUIRED: dict[str, tuple[str, ...]] = {
    "lc": ("binMeth",),
    "spec": ("hasRedshift", "deltaFitStat"),
    "psf": (),
    "enh": (),
    "xastrom": (),
    "image": (),
    "sourceDet": ("whichData",),
}

#: Per product: parameters needed when another has a value, ``{a: {str(value): (needed, ...)}}``. The "too"
#: entry is kept as swifttools has it: no allowed value of binMeth is "too", so time binning needs nothing.
PRODUCT_REQUIRES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "lc": {
        "binMeth": {"too": ("pcBinTime", "wtBinTime"), "counts": ("pcCounts", "wtCounts", "dynamic")},
        "whichData": {"user": ("useObs",)},
    },
    "spec": {"whichData": {"user": ("useObs",), "hours": ("incHours",)}, "hasRedshift": {"True": ("redshift",)}},
    "psf": {},
    "enh": {},
    "xastrom": {},
    "image": {"whichData": {"user": ("useObs",)}},
    "sourceDet": {"whichData": {"user": ("useObs",)}},
}

#: Per product: the parameters whose (string) value is lower-cased before it is checked and held.
LOWERCASED_PARS: dict[str, tuple[str, ...]] = {short: tuple(choices) for short, choices in PRODUCT_CHOICES.items()}

# Wire name -> Python name, as swifttools builds its reverse tables (a later Python name wins).
#: Global parameters: wire name -> Python name.
GLOBAL_PYTHON_NAMES: dict[str, str] = {wire: name for name, wire in GLOBAL_WIRE_NAMES.items()}
#: Product parameters, per product short name: wire name -> Python name.
PRODUCT_PYTHON_NAMES: dict[str, dict[str, str]] = {
    short: {wire: name for name, wire in renames.items()} for short, renames in PRODUCT_WIRE_NAMES.items()
}


def wire_value(value: Any) -> Any:
    """A parameter's value as it travels: True and False as 1 and 0, anything else as given.

    Parameters
    ----------
    value : Any

    Returns
    -------
    Any
    """
    if isinstance(value, bool):
        return 1 if value else 0
    return value


def submit_body(
    user: str, held_globals: Mapping[str, Any], products: Iterable[tuple[Product, Mapping[str, Any]]]
) -> dict[str, Any]:
    """The body of a submit, as swifttools' ``getJSONDict()`` makes it (less ``api_name`` and ``api_version``).

    Globals come first, then each product in the order given: its flag set
    to 1, then its parameters (a later product's parameter of the same wire
    name, such as ``srcrad``, wins, as in swifttools). Names are translated
    to their wire names, and True and False sent as 1 and 0.

    Parameters
    ----------
    user : str
        The UserID.
    held_globals : mapping
        The globals, by Python name (as :class:`~xrt_widgets.request_pars.ParameterSet` holds them).
    products : iterable of (Product, mapping)
        Each product with its parameters, by Python name.

    Returns
    -------
    dict
    """
    body: dict[str, Any] = {"UserID": user}
    for key, value in held_globals.items():
        body[GLOBAL_WIRE_NAMES.get(key, key)] = wire_value(value)
    for product, pars in products:
        body[product.flag] = 1
        renames = PRODUCT_WIRE_NAMES[product.short]
        for key, value in pars.items():
            body[renames.get(key, key)] = wire_value(value)
    return body
