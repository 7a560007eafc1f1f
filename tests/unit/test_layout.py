"""The package's layout rules that can be checked by reading its source: no module imports another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import xrt_widgets

PACKAGE = Path(xrt_widgets.__file__).resolve().parent


def _private_imports(path: Path) -> list[str]:
    """``from .x import _y`` (or ``from xrt_widgets.x import _y``) in one module, as ``"line: module._y"``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        ours = node.level > 0 or (node.module or "").split(".")[0] == "xrt_widgets"
        for alias in node.names if ours else ():
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append(f"{node.lineno}: {'.' * node.level}{node.module or ''}.{alias.name}")
    return found


def test_no_module_imports_the_private_names_of_another():
    found = {str(p.relative_to(PACKAGE)): _private_imports(p) for p in sorted(PACKAGE.rglob("*.py"))}
    assert {name: lines for name, lines in found.items() if lines} == {}
