"""The seven XRT products as data: long name, short wire name, submit flag.

The long names are what users type in Python (``"LightCurve"``); the short
names are what travels on the wire (``what="lc,spec"``) and what swifttools'
``productList`` holds; the flag is the key set to 1 in a submit body. The
order of :data:`PRODUCTS` is the order in which every panel lists them.
swifttools' parameter tables (renames, defaults, triggers, shared position
parameters) live in :mod:`xrt_widgets.params`; they are still importable
from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# The parameter tables moved to .params; imported here so that older code finds them where it did.
from .params import (
    DEPRECATED_PARS,
    GLOBAL_TRIGGERS,
    GLOBAL_WIRE_NAMES,
    LOWERCASED_PARS,
    PRODUCT_DEFAULTS,
    PRODUCT_TRIGGERS,
    PRODUCT_WIRE_NAMES,
    SHARED_GLOBALS,
)

__all__ = [
    "Product",
    "PRODUCTS",
    "LONG_NAMES",
    "SHORT_NAMES",
    "GLOBAL_WIRE_NAMES",
    "PRODUCT_WIRE_NAMES",
    "PRODUCT_DEFAULTS",
    "PRODUCT_TRIGGERS",
    "GLOBAL_TRIGGERS",
    "SHARED_GLOBALS",
    "DEPRECATED_PARS",
    "LOWERCASED_PARS",
    "in_order",
    "resolve",
    "resolve_many",
]


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
    raise ValueError(f"{name!r} is not an XRT product; the products are " + ", ".join(LONG_NAMES))


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
