"""swifttools' parameter tables as data, and how a request applies them while it is built.

A request is built as swifttools builds one: the user's Python names
(``pcCounts``, ``centroid``) are held with the values swifttools fills in
by itself (a product's defaults, the parameters a value triggers, the
position parameters the three positions share), and the submit body sends
them under their wire names (``pccounts``, ``cent``) with True and False as
1 and 0. The tables here are copied from swifttools 4.0.5; the functions
apply them to plain dicts, so that
:class:`~xrt_widgets.request.XRTProductRequest` sends the body swifttools
would send for the same calls. Nothing here talks to the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from .products import Product

__all__ = ["GLOBAL_WIRE_NAMES", "PRODUCT_WIRE_NAMES", "PRODUCT_DEFAULTS", "PRODUCT_TRIGGERS", "GLOBAL_TRIGGERS",
           "SHARED_GLOBALS", "DEPRECATED_PARS", "LOWERCASED_PARS", "GLOBAL_PYTHON_NAMES", "PRODUCT_PYTHON_NAMES",
           "wire_value", "set_global_pars", "set_product_pars", "new_product_pars", "submit_body"]

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


# Wire name -> Python name, as swifttools builds its reverse tables (a later Python name wins).
#: Global parameters: wire name -> Python name.
GLOBAL_PYTHON_NAMES: dict[str, str] = {wire: name for name, wire in GLOBAL_WIRE_NAMES.items()}
#: Product parameters, per product short name: wire name -> Python name.
PRODUCT_PYTHON_NAMES: dict[str, dict[str, str]] = {short: {wire: name for name, wire in renames.items()}
                                                   for short, renames in PRODUCT_WIRE_NAMES.items()}


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


def _is_none(value: Any) -> bool:
    # swifttools takes the text "None" for None in its trigger rules
    return value is None or (isinstance(value, str) and value == "None")


def _fire(pars: dict, triggers: dict, name: str, value: Any, *, any_needs_value: bool) -> None:
    """Apply the trigger rules for ``name = value`` to ``pars`` (as swifttools' setPars / setGlobalPars do).

    Product rules fire their ``ANY`` entry whatever the value; global rules only for a value other than
    None (``any_needs_value``). A ``None`` target removes the parameter.
    """
    rules = triggers.get(name)
    if not rules:
        return
    try:
        exact = rules.get(value)
    except TypeError:  # an unhashable value matches no specific value
        exact = None
    fired = [exact] if exact is not None else []
    if "ANY" in rules and not (any_needs_value and _is_none(value)):
        fired.append(rules["ANY"])
    for deps in fired:
        for dep, dep_value in deps.items():
            if _is_none(dep_value):
                pars.pop(dep, None)
            else:
                pars[dep] = dep_value
    if "NONE" in rules and _is_none(value):
        pars.update(rules["NONE"])


def set_global_pars(held: dict, pars: Mapping[str, Any]) -> None:
    """Set global parameters into ``held`` as swifttools' ``setGlobalPars`` does.

    A wire name given for a renamed global is held under its Python name;
    the rules of :data:`GLOBAL_TRIGGERS` fire (``targ`` sets ``getTargs``
    to False, ...); a later explicit value wins over a triggered one.

    Parameters
    ----------
    held : dict
        The globals held so far, by Python name; changed in place.
    pars : mapping
        The globals to set, as the user gave them.
    """
    for key, value in pars.items():
        key = GLOBAL_PYTHON_NAMES.get(key, key)
        held[key] = value
        _fire(held, GLOBAL_TRIGGERS, key, value, any_needs_value=True)


def set_product_pars(short: str, held: dict, pars: Mapping[str, Any]) -> dict:
    """Set a product's parameters into ``held`` as swifttools' ``ProductRequest.setPars`` does.

    Deprecated names are replaced, a wire name given for a renamed
    parameter is held under its Python name, values of the parameters of
    :data:`LOWERCASED_PARS` are lower-cased and the rules of
    :data:`PRODUCT_TRIGGERS` fire. The position parameters the three
    positions share (:data:`SHARED_GLOBALS`) are not held: they are
    returned, under their wire names, to be set as globals.

    Parameters
    ----------
    short : str
        The product's short name (``"lc"``).
    held : dict
        The product's parameters held so far, by Python name; changed in place.
    pars : mapping
        The parameters to set, as the user gave them.

    Returns
    -------
    dict
        The shared globals among ``pars``, by wire name (empty for most products).
    """
    renames, python_names = PRODUCT_WIRE_NAMES[short], PRODUCT_PYTHON_NAMES[short]
    shared_names, lowercased = SHARED_GLOBALS[short], LOWERCASED_PARS[short]
    shared: dict[str, Any] = {}
    for key, value in pars.items():
        key = DEPRECATED_PARS[short].get(key, key)
        if key not in renames:
            key = python_names.get(key, key)  # a wire name given for a renamed parameter
        if key in shared_names:
            shared[renames.get(key, key)] = value
            continue
        if key in lowercased and isinstance(value, str):
            value = value.lower()
        held[key] = value
        _fire(held, PRODUCT_TRIGGERS[short], key, value, any_needs_value=False)
    return shared


def new_product_pars(short: str, pars: Mapping[str, Any]) -> tuple[dict, dict]:
    """A new product's parameters: its defaults (:data:`PRODUCT_DEFAULTS`), then ``pars``.

    Parameters
    ----------
    short : str
        The product's short name.
    pars : mapping
        The parameters the user gave.

    Returns
    -------
    (dict, dict)
        The parameters to hold for the product, and the shared globals to
        set (see :func:`set_product_pars`).
    """
    held: dict[str, Any] = {}
    shared = set_product_pars(short, held, {**PRODUCT_DEFAULTS[short]})
    shared.update(set_product_pars(short, held, pars))
    return held, shared


def submit_body(user: str, held_globals: Mapping[str, Any], products: Iterable[tuple[Product, Mapping[str, Any]]]
                ) -> dict:
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
        The globals, as :func:`set_global_pars` holds them.
    products : iterable of (Product, mapping)
        Each product with its parameters, as :func:`new_product_pars` holds them.

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
