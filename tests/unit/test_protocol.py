"""The protocol's facts, written once in :mod:`xrt_widgets.protocol` and shared by the client and the emulator."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from xrt_widgets import client, protocol
from xrt_widgets.emulator import faults, store
from xrt_widgets.protocol import API_VERSION, ENDPOINTS, ENVELOPE_KEYS, endpoint_path, ok_reply, refusal

PACKAGE = Path(protocol.__file__).resolve().parent


def test_every_endpoint_has_a_php_path_and_the_keys_its_reply_carries():
    assert set(ENDPOINTS) == {"submit", "status", "cancel", "list", "count"}
    for name, endpoint in ENDPOINTS.items():
        assert endpoint.path.endswith(".php")
        assert endpoint.required and not set(endpoint.required) & set(ENVELOPE_KEYS)
        path, required = endpoint  # still the (path, keys) pair that older code unpacks
        assert (path, required) == (endpoint[0], endpoint[1])
    assert len({e.path for e in ENDPOINTS.values()}) == len(ENDPOINTS)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_an_endpoint_is_found_by_name_or_by_path(name):
    path = ENDPOINTS[name].path
    assert endpoint_path(name) == endpoint_path(path) == path


@pytest.mark.parametrize("bad", ["cancel.php", "", "CANCEL", "user_objects/canceljob.php"])
def test_an_unknown_endpoint_is_refused_with_the_names_to_use(bad):
    with pytest.raises(ValueError, match="unknown endpoint.*'cancel'"):
        endpoint_path(bad)


def test_replies_are_built_in_the_shared_envelope():
    assert ok_reply(numJobs=3) == {"OK": 1, "APIVersion": API_VERSION, "numJobs": 3}
    assert refusal("No UserID was supplied.") == {"OK": 0, "APIVersion": API_VERSION,
                                                  "ERROR": "No UserID was supplied."}
    assert list(refusal("no", listErr=[]))[:2] == list(ENVELOPE_KEYS)


def test_the_client_and_the_emulator_take_the_facts_from_the_protocol():
    assert client.ENDPOINTS is protocol.ENDPOINTS
    assert client.API_NAME == protocol.API_NAME and client.API_VERSION == protocol.API_VERSION
    assert store.API_VERSION == protocol.API_VERSION
    assert faults.ENDPOINT_ALIASES == {name: e.path for name, e in ENDPOINTS.items()}
    assert faults.endpoint_path is protocol.endpoint_path


def _literals(path: Path) -> set:
    """Every string constant of a module that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings}


def test_no_other_module_writes_a_protocol_fact_again():
    facts = {e.path for e in ENDPOINTS.values()} | {protocol.API_NAME, API_VERSION}
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "protocol.py" and path.parent == PACKAGE:
            continue
        repeated = _literals(path) & facts
        if repeated:
            found[str(path.relative_to(PACKAGE))] = sorted(repeated)
    assert found == {}
