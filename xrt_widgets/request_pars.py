"""The parameters of a request being built: set, checked, read back and made into a submit body.

:class:`ParameterSet` holds a request's globals and its products'
parameters by their Python names and applies the tables of
:mod:`xrt_widgets.params` to them, as swifttools does for the same calls:
unknown names, wrong types and values outside a fixed set are refused when
set (ValueError, TypeError, ValueError), the values a setting triggers are
filled in, the parameters the positions share are held as globals, and
:meth:`ParameterSet.validity` says what is still missing before a submit, in
swifttools' words. After a submit, :meth:`ParameterSet.update_from_server`
reads the server's ``jobPars`` back. What swifttools prints when it is not
silent is said through the ``say`` callable, so that a user who sees its
chatter sees the same from ours. Nothing here talks to the server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .params import (
    DEPRECATED_PARS,
    GLOBAL_ALTERNATIVES,
    GLOBAL_CHOICES,
    GLOBAL_PYTHON_NAMES,
    GLOBAL_REQUIRES,
    GLOBAL_TRIGGERS,
    GLOBAL_TYPES,
    PRODUCT_CHOICES,
    PRODUCT_DEFAULTS,
    PRODUCT_NEEDS_GLOBALS,
    PRODUCT_PYTHON_NAMES,
    PRODUCT_REQUIRED,
    PRODUCT_REQUIRES,
    PRODUCT_TRIGGERS,
    PRODUCT_TYPES,
    PRODUCT_WIRE_NAMES,
    REQUIRED_GLOBALS,
    SERVER_DERIVED,
    SHARED_GLOBALS,
    SHARED_POSITION_GLOBALS,
    WAIVED_WHEN_ALONE,
    submit_body,
)
from .products import resolve

__all__ = ["ParameterSet"]

Say = Callable[[str], None]


def _is_none(value: Any) -> bool:
    # the trigger rules take the text "None" for None
    return value is None or (isinstance(value, str) and value == "None")


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in types)


def _checked_type(name: str, value: Any, types: tuple[type, ...]) -> None:
    if not isinstance(value, types):
        raise TypeError(f"{name} must be a {_type_names(types)}, not a {type(value).__name__} ({value!r}).")


def _from_server(name: str, value: Any, types: tuple[type, ...]) -> Any:
    """A value read back from ``jobPars`` as its parameter's type: flags from 0/1/"1"/"yes", numbers from text."""
    if bool in types and not isinstance(value, bool):
        return value == 1 or value == "yes" or value == "1"
    if not isinstance(value, types):
        return types[0](value)
    return value


class ParameterSet:
    """A request's globals and products, held by Python name, with the rules of :mod:`xrt_widgets.params` applied.

    Parameters
    ----------
    say : callable
        Called with each line swifttools would print when not silent.
    """

    def __init__(self, say: Say) -> None:
        self.say = say
        #: Globals by Python name, triggered values included, in the order they were set.
        self.globals: dict[str, Any] = {}
        #: short name -> that product's parameters by Python name, in the order the products were added.
        self.products: dict[str, dict[str, Any]] = {}

    # -- globals -------------------------------------------------------------------------------------
    def set_globals(self, pars: Mapping[str, Any]) -> None:
        """Set globals, one after the other, as ``setGlobalPars`` does.

        Raises
        ------
        ValueError
            For an unknown name or a value outside the global's choices.
        TypeError
            For a value of the wrong type.
        """
        for name, value in pars.items():
            if name not in GLOBAL_TYPES:
                if name not in GLOBAL_PYTHON_NAMES:
                    raise ValueError(f"{name} is not a recognised global parameter")
                name = GLOBAL_PYTHON_NAMES[name]
            _checked_type(name, value, GLOBAL_TYPES[name])
            choices = GLOBAL_CHOICES.get(name)
            if choices is not None and value not in choices:
                raise ValueError(f"'{value}' is not a valid value for {name}. Options are: {','.join(choices)}.")
            self.globals[name] = value
            rules = GLOBAL_TRIGGERS.get(name, {})
            for dep, dep_value in rules.get(value, {}).items():
                self._set_or_drop(self.globals, dep, dep_value)
                self.say(f"Also setting {dep} = {dep_value}")
            if "ANY" in rules and not _is_none(value):
                for dep, dep_value in rules["ANY"].items():
                    self._set_or_drop(self.globals, dep, dep_value)
                    self.say(f"Also setting global {dep} = {dep_value}")

    @staticmethod
    def _set_or_drop(held: dict[str, Any], name: str, value: Any) -> None:
        if _is_none(value):
            held.pop(name, None)
        else:
            held[name] = value

    def get_global(self, name: str) -> Any:
        """One global's value (None if unset). ValueError for a name that is not a global."""
        if name not in GLOBAL_TYPES:
            raise ValueError(f"`{name}` is not a recognised global parameter")
        return self.globals.get(name)

    def all_globals(self, *, omit_shared: bool = True, show_unset: bool = False) -> dict[str, Any]:
        """The globals in the order of :data:`~xrt_widgets.params.GLOBAL_TYPES`, as ``getGlobalPars()`` lists them."""
        return {
            name: self.globals.get(name)
            for name in GLOBAL_TYPES
            if (show_unset or name in self.globals) and not (omit_shared and name in SHARED_POSITION_GLOBALS)
        }

    # -- products ------------------------------------------------------------------------------------
    def add_product(self, short: str, pars: Mapping[str, Any]) -> None:
        """Add a product with its defaults, then ``pars`` (the caller checks that it is not there yet)."""
        self.products[short] = {}
        self._set_product_pars(short, dict(PRODUCT_DEFAULTS[short]))
        self.say(f"Successfully created a {resolve(short).label}")
        if pars:
            self.set_product_pars(short, pars)

    def set_product_pars(self, short: str, pars: Mapping[str, Any]) -> None:
        """Set a product's parameters; the ones the positions share go to the globals (as ``setProductPars``)."""
        shared = self._set_product_pars(short, pars)
        if shared:
            self.say("WARNING: Changing some parameters which affect multiple products:")
            for name, value in shared.items():
                self.say(f"      {name} => {value}")
            self.set_globals(shared)

    def _set_product_pars(self, short: str, pars: Mapping[str, Any]) -> dict[str, Any]:
        held, types, choices = self.products[short], PRODUCT_TYPES[short], PRODUCT_CHOICES[short]
        renames, python_names = PRODUCT_WIRE_NAMES[short], PRODUCT_PYTHON_NAMES[short]
        shared_names = SHARED_GLOBALS[short]
        shared: dict[str, Any] = {}
        for name, value in pars.items():
            if name in DEPRECATED_PARS[short]:
                print(f"WARNING: {name} is deprecated, replaced with {DEPRECATED_PARS[short][name]}")
                name = DEPRECATED_PARS[short][name]
            if name in shared_names:
                wire = renames.get(name, name)
                self.say(f"Adding {wire} to change globals")
                shared[wire] = value
                continue
            if python_names.get(name) in shared_names:  # a shared one given by its wire name
                shared[name] = value
                continue
            if name not in types:
                name = python_names.get(name, name)
                if name not in types:
                    raise ValueError(f"{name} is not a recognised {short} parameter")
            _checked_type(name, value, types[name])
            if name in choices:
                value = value.lower()
                if value not in choices[name]:
                    raise ValueError(
                        f"'{value}' is not a valid value for {name}. Options are: {','.join(choices[name])}."
                    )
            self.say(f"OK, setting {name} = {value}")
            held[name] = value
            self._fire(short, name, value, any_needs_value=False)
        return shared

    def _fire(self, short: str, name: str, value: Any, *, any_needs_value: bool) -> None:
        """The values that ``name = value`` sets in turn (:data:`~xrt_widgets.params.PRODUCT_TRIGGERS`)."""
        rules = PRODUCT_TRIGGERS[short].get(name)
        if not rules:
            return
        held = self.products[short]
        for dep, dep_value in rules.get(value, {}).items():
            self._set_or_drop(held, dep, dep_value)
            self.say(f"Also setting {short} {dep} = {dep_value}, because {name} = {value}")
        if "ANY" in rules and not (any_needs_value and _is_none(value)):
            for dep, dep_value in rules["ANY"].items():
                self._set_or_drop(held, dep, dep_value)
                self.say(f"Also setting {short} {dep} = {dep_value}, because {name} = {value} (ANY)")
        if "NONE" in rules and _is_none(value):
            for dep, dep_value in rules["NONE"].items():
                held[dep] = dep_value
                self.say(f"Also setting {dep} = {dep_value}, because {name} = {value}")

    def _python_name(self, short: str, name: str, label: str) -> str:
        if name in PRODUCT_TYPES[short]:
            return name
        if name in PRODUCT_PYTHON_NAMES[short]:
            return PRODUCT_PYTHON_NAMES[short][name]
        raise ValueError(f"`{name}` is not a recognised {label} parameter")

    def product_pars(self, short: str, name: str = "all", *, show_unset: bool = False) -> Any:
        """A product's parameters (a new dict) or one of them, as ``getProductPars`` gives them.

        A position lists the parameters it shares with the other positions,
        read from the globals. ValueError for a name the product does not take.
        """
        renames = PRODUCT_WIRE_NAMES[short]
        if name in SHARED_GLOBALS[short]:
            return self.get_global(renames.get(name, name))
        held = self.products[short]
        if name != "all":
            return held.get(self._python_name(short, name, resolve(short).label))
        pars = {key: held.get(key) for key in PRODUCT_TYPES[short]} if show_unset else dict(held)
        for shared in SHARED_GLOBALS[short]:
            wire = renames.get(shared, shared)
            if wire in self.globals or show_unset:
                pars[shared] = self.globals.get(wire)
        return pars

    def remove_product_par(self, short: str, name: str) -> None:
        """Unset a product parameter (ValueError for a name the product does not take)."""
        name = self._python_name(short, name, short)
        held = self.products[short]
        if name not in held:
            return
        rules = PRODUCT_TRIGGERS[short].get(name, {})
        for dep, dep_value in rules.get("NONE", {}).items():
            held[dep] = dep_value
            self.say(f"Also setting {dep} = {dep_value}")
        del held[name]

    # -- before and after a submit ------------------------------------------------------------------
    def _global_is_set(self, name: str) -> tuple[bool, str]:
        alternative = GLOBAL_ALTERNATIVES.get(name)
        if name in self.globals or (alternative is not None and alternative in self.globals):
            return True, ""
        also = f", and nor is the alternative: `{alternative}`" if alternative else ""
        return False, f"* Global parameter `{name}` is not set{also}.\n"

    def _product_problems(self, short: str) -> str:
        label, held = resolve(short).label, self.products[short]
        needed = [*PRODUCT_REQUIRED[short]]
        for key, by_value in PRODUCT_REQUIRES[short].items():
            if key in held:
                needed += [*by_value.get(str(held[key]), ()), *by_value.get("ANY", ())]
        problems = "".join(self._global_is_set(g)[1] for g in PRODUCT_NEEDS_GLOBALS[short])
        return problems + "".join(
            f"* The {label} parameter `{name}` is not set.\n" for name in needed if name not in held
        )

    def validity(self, what: list[str] | None = None) -> tuple[bool, str]:
        """``(ok, problems)`` as swifttools' ``isValid`` gives them, for the whole request or the products ``what``.

        Parameters
        ----------
        what : list of str, optional
            Short names: check only these products (and no globals).
        """
        report = ""
        ok = True
        if what is None:
            what = list(self.products)
            if not what:
                ok, report = False, "* No products have been requested.\n"
            waived = WAIVED_WHEN_ALONE.get(what[0], ()) if len(what) == 1 else ()
            needed = [g for g in REQUIRED_GLOBALS if g not in waived]
            for key, by_value in GLOBAL_REQUIRES.items():
                if key in self.globals:
                    needed += [*by_value.get(str(self.globals[key]), ()), *by_value.get("ANY", ())]
            for name in needed:
                found, problem = self._global_is_set(name)
                ok, report = ok and found, report + problem
        for short in what:
            label = resolve(short).label
            problems = (
                self._product_problems(short) if short in self.products else f"* You have not requested a {label}."
            )
            if problems:
                ok, report = False, report + f"\n{label} problems:\n" + problems
        return (True, "") if ok else (False, "The following problems were found:\n" + report)

    def body(self, user: str) -> dict[str, Any]:
        """The submit body (without the API name and version)."""
        return submit_body(user, self.globals, [(resolve(short), pars) for short, pars in self.products.items()])

    def update_from_server(self, job_pars: Mapping[str, Any]) -> None:
        """Read a submit reply's ``jobPars`` back into the parameters, as swifttools' ``submit(updateProds=True)``.

        Globals and product parameters the server sent are held under their
        Python names and types (``'20'`` becomes 20, ``'1'`` True); the
        ``get*`` flags become False, so that the request repeats the values
        the server worked out. Names that are not parameters are skipped.

        Raises
        ------
        ValueError, TypeError
            For a value that cannot be read as its parameter's type or choices.
        """
        for name in SERVER_DERIVED:
            self.globals.pop(name, None)
        self._update_globals(job_pars)
        for short in self.products:
            shared = self._update_product(short, job_pars)
            if shared:
                self._update_globals(shared)

    def _update_globals(self, pars: Mapping[str, Any]) -> None:
        for name, value in pars.items():
            name = GLOBAL_PYTHON_NAMES.get(name, name)
            if name not in GLOBAL_TYPES:
                continue
            try:
                value = _from_server(name, value, GLOBAL_TYPES[name])
            except (TypeError, ValueError):
                print(f"Cannot convert parameter {name}={value} to a {GLOBAL_TYPES[name][0]}, set it to None")
                value = None
            choices = GLOBAL_CHOICES.get(name)
            if choices is not None and value not in choices:
                raise ValueError(f"'{value}' is not a valid value for {name}. Options are: {','.join(choices)}.")
            self.globals[name] = False if name in SERVER_DERIVED else value

    def _update_product(self, short: str, pars: Mapping[str, Any]) -> dict[str, Any]:
        held, types, choices = self.products[short], PRODUCT_TYPES[short], PRODUCT_CHOICES[short]
        renames, python_names = PRODUCT_WIRE_NAMES[short], PRODUCT_PYTHON_NAMES[short]
        shared: dict[str, Any] = {}
        for name, value in pars.items():
            if name in SHARED_GLOBALS[short]:
                shared[renames.get(name, name)] = value
                continue
            name = python_names.get(name, name)
            if name not in types:
                continue
            value = _from_server(name, value, types[name])
            if name in choices and value not in choices[name]:
                raise ValueError(
                    f"'{value}' is not a valid value for {short} parameter {name}. "
                    f"Options are: {','.join(choices[name])}."
                )
            held[name] = value
            self._fire(short, name, value, any_needs_value=True)
        return shared
