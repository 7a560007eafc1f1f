"""Helpers for the packaging tests: uv, an environment without the checkout, new venvs, the checkout's root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def uv_binary() -> str:
    """The uv of this venv (the test extra installs it), else one on PATH."""
    here = Path(sys.executable).with_name("uv")
    found = str(here) if here.exists() else shutil.which("uv")
    assert found, "uv is missing: install the project's test extra (pip install -e '.[test]')"
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what would put the checkout or this venv on a child's path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "XRT_WIDGETS_BASE_URL")
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def run(cmd: list[str], *, cwd: Path, timeout: float, env: dict[str, str] | None = None) -> str:
    """Run ``cmd`` and return its output; fail the test with that output if it exits non-zero."""
    done = subprocess.run(
        cmd, cwd=cwd, env=env or clean_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def make_venv(path: Path, *requirements: str, resolution: str = "highest", timeout: float = 300) -> Path:
    """A new venv at ``path`` with ``requirements`` installed by uv; returns its Python."""
    run([uv_binary(), "venv", "-q", "--python", sys.executable, str(path)], cwd=path.parent, timeout=60)
    python = path / "bin" / "python"
    install(python, *requirements, resolution=resolution, timeout=timeout)
    return python


def install(python: Path, *requirements: str, resolution: str = "highest", timeout: float = 300) -> None:
    """Install ``requirements`` into the venv of ``python`` with uv (``resolution``: uv's ``--resolution``)."""
    cmd = [uv_binary(), "pip", "install", "-q", "--python", str(python), f"--resolution={resolution}"]
    run([*cmd, *requirements], cwd=python.parent, timeout=timeout)


def installed_versions(python: Path, names: list[str]) -> dict[str, str]:
    """Name -> version of each of ``names`` installed in the venv of ``python`` (absent ones left out)."""
    code = (
        "import importlib.metadata as m, json, sys\n"
        "found = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        found[name] = m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
        "print(json.dumps(found))"
    )
    return json.loads(run([str(python), "-c", code, *names], cwd=python.parent, timeout=60))
