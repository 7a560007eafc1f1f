"""What the emulated service says it used for a job: the ``jobPars`` of a submit reply.

The real service does not echo the request back. Its ``jobPars`` (shown in
swifttools' ReturnData documentation) carry ``api_name``, ``api_version`` and
``UserID``, every parameter it filled in with a default, the values it worked
out itself (``targ`` when ``getTargs`` was set, ``Tstart`` from ``getT0``,
``RA``/``Dec`` from ``getCoords``), and most numbers quoted as strings
(``'RA': '335.6985'``, ``'pccounts': '20'``), while the 0/1 flags stay
numbers. :func:`job_pars` builds the same shape from a submit body. The
derived values are made up, but deterministic: the same name always gives the
same target, position and start time.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from ..protocol import API_NAME, API_VERSION

__all__ = ["GLOBAL_DEFAULTS", "PRODUCT_DEFAULTS", "derived_values", "job_pars", "quoted"]

#: Wire-named global defaults the service fills in when a request leaves them out.
GLOBAL_DEFAULTS: dict[str, Any] = {
    "centMeth": "simple",
    "maxCentTries": 10,
    "sss": 0,
    "wtpuprate": 150,
    "pcpuprate": 0.6,
    "whatSXPS": "LSXPS",
}

#: Per product flag key: the wire-named defaults filled in when that product is requested. The values
#: with a fixed set of choices are among the values swifttools accepts, so that it can read them back.
PRODUCT_DEFAULTS: dict[str, dict[str, Any]] = {
    "lc": {
        "lcobs": "all",
        "pcbin": 2.51,
        "wtbin": 0.5,
        "minen": 0.3,
        "maxen": 10,
        "soft1": 0.3,
        "soft2": 1.5,
        "hard1": 1.5,
        "hard2": 10,
        "sigmin": 3,
        "allowUL": "both",
        "allowB": "both",
        "lctimetype": "s",
        "ratefact": 10,
        "binfact": 1.5,
        "mincmin": 15,
    },
    "spec": {"specobs": "all", "specgrades": "all", "timeslice": "single", "specz": 0},
    "dopsf": {"posRadius": 20, "posobs": "all", "detornot": "detect", "detMeth": "simple"},
    "doenh": {"posRadius": 20, "posobs": "all", "detornot": "detect", "detMeth": "simple"},
    "doxastrom": {"posRadius": 20, "posobs": "all", "detornot": "detect", "detMeth": "simple", "allxastrom": 0},
    "image": {"imobs": "all", "imen": "0.3-10"},
    "sourceDet": {"detbands": "total"},
}

_ASKED = (1, True, "1", "yes")


def _seed(name: Any) -> int:
    return zlib.crc32(str(name).encode("utf-8"))


def derived_values(body: Mapping[str, Any]) -> dict[str, Any]:
    """The values the service works out when asked to (``getTargs``, ``getT0``, ``getCoords``).

    Parameters
    ----------
    body : mapping
        The submit body.

    Returns
    -------
    dict
        ``targ``, ``Tstart``, ``RA`` and ``Dec`` as far as asked for, made up
        from the object's name (the same name always gives the same values).
    """
    seed = _seed(body.get("name", ""))
    out: dict[str, Any] = {}
    if body.get("getCoords") in _ASKED:
        out["RA"] = round((seed % 3_600_000) / 10_000, 4)
        out["Dec"] = round(((seed >> 7) % 1_800_000) / 10_000 - 90, 4)
    if body.get("getTargs") in _ASKED:
        out["targ"] = f"{seed % 100_000_000:08d}"
    if body.get("getT0") in _ASKED:
        out["Tstart"] = 600_000_000 + (seed % 10_000_000) + 0.5
    return out


def quoted(value: Any) -> Any:
    """A value as the service sends it back: numbers other than 0 and 1 as text, everything else as it is.

    Parameters
    ----------
    value : Any

    Returns
    -------
    Any
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if value in (0, 1):
        return value
    return repr(value) if isinstance(value, float) else str(value)


def job_pars(body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``jobPars`` of a submit reply for ``body``.

    Parameters
    ----------
    body : mapping
        The submit body (wire names).

    Returns
    -------
    dict
        ``api_name``, ``api_version`` and ``UserID`` first, then the body's
        parameters, the defaults it left out and the derived values, with
        numbers quoted (see :func:`quoted`).
    """
    pars: dict[str, Any] = {"api_name": API_NAME, "api_version": API_VERSION, "UserID": body.get("UserID")}
    pars.update((k, v) for k, v in body.items() if k not in ("api_name", "api_version", "UserID"))
    for key, value in GLOBAL_DEFAULTS.items():
        pars.setdefault(key, value)
    for flag, defaults in PRODUCT_DEFAULTS.items():
        if body.get(flag) in _ASKED:
            for key, value in defaults.items():
                pars.setdefault(key, value)
    pars.update(derived_values(body))
    return {key: quoted(value) for key, value in pars.items()}
