"""Building a request before it is submitted: swifttools' parameter API on :class:`RequestBuilder`.

:class:`~xrt_widgets.request.XRTProductRequest` inherits these methods; they
keep swifttools' names, arguments, return values and exceptions, so that a
user's code that builds a request runs unchanged: ``setGlobalPars`` /
``getGlobalPars``, ``addProduct`` / ``removeProduct`` / ``hasProd``,
``setProductPars`` / ``getProductPars`` / ``removeProductPar`` and their
``add<Product>`` ... ``remove<Product>Par`` forms for every product,
``getAllPars``, ``isValid`` and ``getJSONDict``. The rules they apply are the
tables of :mod:`xrt_widgets.params`, held by
:class:`~xrt_widgets.request_pars.ParameterSet`. Product retrieval is not
offered: its names raise :class:`NotImplementedError` saying to use
swifttools.
"""

from __future__ import annotations

import json
from typing import Any

from .products import PRODUCTS, Product, in_order, resolve
from .protocol import API_NAME, API_VERSION
from .request_pars import ParameterSet

__all__ = ["RequestBuilder", "RETRIEVAL_METHODS", "RETRIEVAL_PROPERTIES"]

#: swifttools' product retrieval methods, which this package leaves to swifttools.
RETRIEVAL_METHODS = (
    "downloadProducts",
    "retrieveStandardPos",
    "retrieveEnhancedPos",
    "retrieveAstromPos",
    "retrieveSourceList",
    "retrieveLightCurve",
    "retrieveSpectralFits",
    "plotLC",
    "saveSpectralData",
    "rebinLightCurve",
    "checkRebinStatus",
    "rebinComplete",
    "cancelRebin",
    "getRebinnedLightCurve",
)
#: swifttools' properties that hold retrieved products.
RETRIEVAL_PROPERTIES = ("lcData", "specData", "sourceList", "standardPos", "enhancedPos", "astromPos", "RebinID")


def _retrieval_refused(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"{name} is product retrieval, which xrt_widgets does not offer: use swifttools for retrieval, for "
        "example swifttools.ukssdc.xrt_prods.XRTProductRequest(user) with the same globals and products, "
        "or download the products from the job's web page (its URL)."
    )


class RequestBuilder:
    """swifttools' methods for building a request; the base of :class:`~xrt_widgets.request.XRTProductRequest`.

    Parameters
    ----------
    user : str
        The email address registered with the UKSSDC.
    silent : bool
        If False, print what swifttools prints while a request is built
        and submitted ("Successfully created a light curve", ...).
    """

    def __init__(self, user: str, *, silent: bool = True) -> None:
        self._user = self._checked_user(user)
        self._silent = self._checked_silent(silent)
        self._pars = ParameterSet(self._say)
        self._submitted = False

    @staticmethod
    def _checked_user(user: Any) -> str:
        if not isinstance(user, str) or not user.strip():
            raise ValueError("user must be the email address registered with the UKSSDC")
        return user

    @staticmethod
    def _checked_silent(silent: Any) -> bool:
        if not isinstance(silent, bool):
            raise ValueError("Silent must be a bool")
        return silent

    def _say(self, line: str) -> None:
        if not self._silent:
            print(line)

    # -- swifttools' attributes ----------------------------------------------------------------------
    @property
    def UserID(self) -> str:
        """The registered ID (email address) of the user; it may be changed until the request is submitted."""
        return self._user

    @UserID.setter
    def UserID(self, email: str) -> None:
        if self._submitted:
            raise RuntimeError("Cannot change the userID of a request after submission")
        self._user = self._checked_user(email)

    @property
    def silent(self) -> bool:
        """Whether to print nothing (True, the default) or what swifttools prints (False)."""
        return self._silent

    @silent.setter
    def silent(self, silent: bool) -> None:
        self._silent = self._checked_silent(silent)

    @property
    def globalPars(self) -> dict[str, Any]:
        """The global parameters by Python name, with the values setting them triggered (``getTargs``, ...)."""
        return dict(self._pars.globals)

    @property
    def productList(self) -> list[str]:
        """The requested products in short (wire) names, in the order they were added, as swifttools gives them."""
        return list(self._pars.products)

    @property
    def products(self) -> list[str]:
        """The requested products in long names, in the fixed product order."""
        return [p.long for p in in_order(resolve(n) for n in self._pars.products)]

    # -- globals --------------------------------------------------------------------------------------
    def _not_after_submit(self, what: str) -> None:
        if self._submitted:
            raise RuntimeError(f"Cannot {what} a request that has already been submitted")

    def setGlobalPars(self, **pars: Any) -> None:
        """Set global parameters (``name``, ``targ``, ``RA``, ``Dec``, ``centroid``, ...).

        Names are swifttools' Python names (``centroid``, ``T0``, ``posErr``)
        or their wire names (``cent``, ``Tstart``, ``poserr``). Setting
        ``targ`` or ``T0`` also sets ``getTargs`` / ``getT0`` to False,
        ``useposobs`` sets ``posobs="user"``, ``posobs="all"`` drops
        ``useposobs`` (:data:`xrt_widgets.params.GLOBAL_TRIGGERS`).

        Raises
        ------
        ValueError
            For a name that is not a global, or a value outside its choices
            (:data:`xrt_widgets.params.GLOBAL_CHOICES`).
        TypeError
            For a value of another type than :data:`xrt_widgets.params.GLOBAL_TYPES` allows.
        RuntimeError
            After submission.
        """
        self._not_after_submit("change the parameters of")
        self._pars.set_globals(pars)

    def getGlobalPars(self, globPar: str = "all", omitShared: bool = True, showUnset: bool = False) -> Any:
        """One global's value (None if unset), or with ``"all"`` a dict of them in swifttools' order.

        ``omitShared`` leaves out the position parameters the positions
        share; ``showUnset`` lists unset globals as None. ValueError for a
        name that is not a global.
        """
        if globPar == "all":
            return self._pars.all_globals(omit_shared=omitShared, show_unset=showUnset)
        return self._pars.get_global(globPar)

    # -- products -------------------------------------------------------------------------------------
    def hasProd(self, what: str) -> bool:
        """Whether the request contains ``what`` (long or short name). ValueError for a name that is no product."""
        return resolve(what).short in self._pars.products

    def _added(self, what: str, verb: str) -> Product:
        product = resolve(what)
        if product.short not in self._pars.products:
            raise RuntimeError(f"Can't {verb} a {product.label} as you don't have one!")
        return product

    def addProduct(self, what: str, clobber: bool = False, **pars: Any) -> None:
        """Add a product (long or short name) with its parameters.

        It starts with its defaults (a Spectrum's ``deltaFitStat=2.706``);
        the parameters are then set as :meth:`setProductPars` sets them.

        Raises
        ------
        ValueError
            For an unknown product, parameter name or choice.
        TypeError
            For a parameter value of the wrong type.
        RuntimeError
            For a product already added without ``clobber=True``, or after submission.
        """
        if self._submitted:
            raise RuntimeError(
                "You cannot add a product after request is successfully submitted; you must create a new request"
            )
        product = resolve(what)
        if product.short in self._pars.products:
            if not clobber:
                raise RuntimeError(
                    f"Can't add a {product.label} as you already have one. Remove it or set clobber=True to remove it."
                )
            self._say(f"Deleting old {product.label} request")
            del self._pars.products[product.short]
        self._pars.add_product(product.short, pars)

    def removeProduct(self, what: str) -> None:
        """Remove a product from a request that has not been submitted.

        Raises
        ------
        ValueError
            For an unknown product.
        RuntimeError
            For a product not in the request, or after submission (cancel it instead).
        """
        product = resolve(what)
        if self._submitted:
            raise RuntimeError(f"Cannot remove {product.long} after submission; cancel it with cancelProducts()")
        self._added(what, "remove")
        del self._pars.products[product.short]
        self._say(f"Successfully removed {product.label}")

    def setProductPars(self, what: str, **pars: Any) -> None:
        """Set parameters of a product already added (Python or wire names).

        The position parameters the three positions share (``whichData``,
        ``useObs``, ``incHours``, ``posRadius``, ``detOrCent``, ``centMeth``)
        are held as globals, for all three.

        Raises
        ------
        ValueError, TypeError
            As :meth:`setGlobalPars`, for the product's own tables.
        RuntimeError
            For a product not in the request, or after submission.
        """
        if self._submitted:
            raise RuntimeError(
                "You cannot edit product properties after the request has been successfully "
                "submitted; you must create a new job"
            )
        product = self._added(what, "set the parameters for")
        self._pars.set_product_pars(product.short, pars)

    def getProductPars(self, what: str, parName: str = "all", showUnset: bool = False) -> Any:
        """A product's parameter (None if unset), or with ``"all"`` a new dict of its parameters.

        Raises
        ------
        ValueError
            For a name the product does not take.
        RuntimeError
            For a product not in the request.
        """
        product = self._added(what, "get the parameters for")
        return self._pars.product_pars(product.short, parName, show_unset=showUnset)

    def removeProductPar(self, what: str, parName: str) -> None:
        """Unset a product's parameter (nothing happens if it is not set).

        Raises
        ------
        ValueError
            For a name the product does not take.
        RuntimeError
            For a product not in the request.
        """
        product = self._added(what, "remove a parameter from")
        self._pars.remove_product_par(product.short, parName)

    def getAllPars(self, showUnset: bool = False) -> dict[str, Any]:
        """The globals (without the shared position ones), then one dict per product under its long name."""
        pars = self._pars.all_globals()
        for short in self._pars.products:
            pars[resolve(short).long] = self._pars.product_pars(short, show_unset=showUnset)
        return pars

    # -- checking and sending -------------------------------------------------------------------------
    def isValid(self, what: str | list[str] | tuple[str, ...] = "all") -> tuple[bool, str]:
        """Whether the request has everything it needs to be submitted: ``(True, "")`` or ``(False, problems)``.

        The problems are listed in swifttools' words (missing globals, then
        each product's). With a list or tuple of products, only those are
        checked. It does not check that the values will satisfy the server.

        Raises
        ------
        ValueError
            For ``what`` neither "all" nor a list/tuple of products.
        """
        if isinstance(what, str):
            if what != "all":
                raise ValueError(f"what should be 'all' or a list/tuple, not `{what}`")
            return self._pars.validity()
        if not isinstance(what, (list, tuple)):
            raise ValueError(f"what should be 'all' or a list/tuple, not {type(what).__name__}")
        return self._pars.validity([resolve(name).short for name in what])

    def getJSONDict(self) -> dict[str, Any]:
        """The body that ``submit()`` sends; equal to swifttools' ``getJSONDict()`` for the same calls.

        ``api_name``, ``api_version`` and ``UserID`` come first, then the
        globals, then each product in the order it was added: its flag set
        to 1 and its parameters (a later product's parameter of the same wire
        name, such as ``srcrad``, wins), all under their wire names, with
        True and False as 1 and 0.
        """
        return {"api_name": API_NAME, "api_version": API_VERSION, **self._pars.body(self._user)}

    def getJSON(self) -> str:
        """:meth:`getJSONDict` as a JSON string."""
        return json.dumps(self.getJSONDict())


def _product_methods(product: Product) -> None:
    long, short, label = product.long, product.short, product.label

    def add(self: RequestBuilder, clobber: bool = False, **pars: Any) -> None:
        self.addProduct(short, clobber, **pars)

    def remove(self: RequestBuilder) -> None:
        self.removeProduct(short)

    def set_pars(self: RequestBuilder, **pars: Any) -> None:
        self.setProductPars(short, **pars)

    def get_pars(self: RequestBuilder, parName: str = "all", showUnset: bool = False) -> Any:
        return self.getProductPars(short, parName, showUnset)

    def remove_par(self: RequestBuilder, parName: str) -> None:
        self.removeProductPar(short, parName)

    def has(self: RequestBuilder) -> bool:
        return self.hasProd(short)

    methods = {
        f"add{long}": (add, f"Add a {label} to the request (see addProduct)."),
        f"remove{long}": (remove, f"Remove the {label} from a request not yet submitted (see removeProduct)."),
        f"set{long}Pars": (set_pars, f"Set parameters of the {label} (see setProductPars)."),
        f"get{long}Pars": (get_pars, f"Parameters of the {label} (see getProductPars)."),
        f"remove{long}Par": (remove_par, f"Unset a parameter of the {label} (see removeProductPar)."),
    }
    for name, (func, doc) in methods.items():
        func.__name__ = name
        func.__qualname__ = f"RequestBuilder.{name}"
        func.__doc__ = doc
        setattr(RequestBuilder, name, func)
    has.__doc__ = f"Whether the request has a {label}."
    setattr(RequestBuilder, f"has{long}", property(has))


def _retrieval(name: str, *, as_property: bool) -> None:
    def refuse(self: RequestBuilder, *args: Any, **kwargs: Any) -> Any:
        raise _retrieval_refused(name)

    refuse.__name__ = name
    refuse.__qualname__ = f"RequestBuilder.{name}"
    refuse.__doc__ = f"Not offered: {name} is product retrieval; use swifttools for retrieval."
    setattr(RequestBuilder, name, property(refuse) if as_property else refuse)


for _product in PRODUCTS:
    _product_methods(_product)
for _name in RETRIEVAL_METHODS:
    _retrieval(_name, as_property=False)
for _name in RETRIEVAL_PROPERTIES:
    _retrieval(_name, as_property=True)
del _product, _name
