"""The version matrix: the swifttools tests against every swifttools we support, the core tests at our floors.

Each row is a new venv made by uv from the built wheel: one per version in ``swift_compat.TESTED_SWIFTTOOLS``,
running every test that drives a swifttools request, and one made with ``--resolution lowest-direct`` from the
dependencies the wheel declares, running the unit tests and the core integration tests. The rows run side by
side (they mostly wait on sockets and timers) while the tests below each check one row: the versions
installed, and a pytest run from the checkout's tests with no failure, no error and no skip.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from xrt_widgets import __version__
from xrt_widgets.swift_compat import TESTED_SWIFTTOOLS

from venvs import ROOT, clean_env, install, installed_versions, make_venv

pytestmark = pytest.mark.timeout(600)

TESTS = ROOT / "tests"
ARTIFACTS = ROOT / "test-artifacts" / "version-matrix"
TEST_TOOLS = ["pytest>=8", "pytest-timeout", "hypothesis"]
REPORTED = ["swifttools", "ipywidgets", "traitlets", "requests", "urllib3", "xrt_widgets"]

#: Every test that drives a swifttools request: these modules whole, and elsewhere each test named for swifttools.
SWIFTTOOLS_MODULES = [
    "integration/test_swifttools_compat.py",
    "integration/test_swifttools_internals.py",
    "integration/test_adapter_outcomes.py",
    "integration/test_messages_name_url.py",
    "integration/test_dropin_names.py",
    "integration/test_dropin_tutorial.py",
    "unit/test_submit_parity.py",
]
SWIFTTOOLS_ELSEWHERE = [
    "integration/test_panel.py",
    "integration/test_one_truth.py",
    "integration/test_transport_hardening.py",
]

#: The core tests at the floors: tests/unit, the request, the client, the panel, the board, the import rules,
#: and the reply cap that needs urllib3 2.6. No swifttools there (4.x needs a newer requests than our floor), so
#: modules that import it are left out and tests named for it deselected.
CORE = [
    "unit",
    "integration/test_client.py",
    "integration/test_request.py",
    "integration/test_panel.py",
    "integration/test_board.py",
    "integration/test_import.py",
    "integration/test_transport_hardening.py::test_a_gzip_bomb_stops_at_the_cap",
]


@dataclass(frozen=True)
class Row:
    """One venv of the matrix: what was installed in it, and its pytest run."""

    versions: dict[str, str]
    returncode: int
    output: str

    def counts(self) -> dict[str, int]:
        """pytest's closing counts, e.g. ``{"passed": 151, "deselected": 76}``."""
        lines = self.output.strip().splitlines()
        return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", lines[-1] if lines else "")}


def declared_floors(wheel: Path) -> dict[str, str]:
    """Name -> the lowest version the wheel's metadata allows, for each runtime dependency."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        lines = archive.read(metadata).decode().splitlines()
    floors = {}
    for line in lines:
        if line.startswith("Requires-Dist: "):
            req = Requirement(line.split(": ", 1)[1])
            if req.marker is None:  # not an extra
                (floor,) = [s.version for s in req.specifier if s.operator == ">="]
                floors[req.name] = floor
    return floors


def _imports_swifttools(path: Path) -> bool:
    return bool(re.search(r"^(import|from) swifttools\b", path.read_text(encoding="utf-8"), flags=re.M))


def swifttools_args() -> list[str]:
    modules = [Path(m).stem for m in SWIFTTOOLS_MODULES]
    files = [str(TESTS / f) for f in SWIFTTOOLS_MODULES + SWIFTTOOLS_ELSEWHERE]
    return [*files, "-k", " or ".join([*modules, "swifttools"])]


def core_args() -> list[str]:
    files = {(TESTS / target.split("::")[0]) for target in CORE}
    modules = [p for f in files for p in ([f] if f.is_file() else sorted(f.glob("test_*.py")))]
    ignored = [f"--ignore={p}" for p in modules if _imports_swifttools(p)]
    return [*(str(TESTS / target) for target in CORE), *ignored, "-k", "not swifttools"]


def run_row(folder: Path, requirements: list[str], pytest_args: list[str], *, resolution: str = "highest") -> Row:
    """Make the venv (the requirements with ``resolution``, then the test tools at their newest) and run pytest."""
    python = make_venv(folder / "venv", *requirements, resolution=resolution)
    install(python, *TEST_TOOLS)
    versions = installed_versions(python, REPORTED)
    # The project's settings (warnings are errors, timeouts) and conftest files; the package from the wheel:
    # run from a folder of its own, the checkout is not on the path (the tests' folders are, for `support`).
    done = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEs", "--durations=8",
         "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT), *pytest_args],
        cwd=folder, env=clean_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=540,
    )  # fmt: skip
    return Row(versions=versions, returncode=done.returncode, output=done.stdout + done.stderr)


@pytest.fixture(scope="module")
def rows(dist, tmp_path_factory) -> Iterator[dict[str, Future[Row]]]:
    """Every row of the matrix, started at once; a test waits for its own."""
    plans = {
        f"swifttools {version}": ([str(dist.wheel), f"swifttools=={version}"], swifttools_args(), "highest")
        for version in TESTED_SWIFTTOOLS
    }
    floors = [f"{name}>={version}" for name, version in declared_floors(dist.wheel).items()]
    plans["lowest-direct"] = ([str(dist.wheel), *floors], core_args(), "lowest-direct")
    with ThreadPoolExecutor(max_workers=len(plans)) as pool:
        yield {
            name: pool.submit(run_row, tmp_path_factory.mktemp("matrix"), reqs, args, resolution=resolution)
            for name, (reqs, args, resolution) in plans.items()
        }


def _check_run(name: str, row: Row, *, at_least: int) -> None:
    counts = row.counts()
    # What each row installed and ran, for the record (CI keeps test-artifacts/).
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name.replace(' ', '-')}.txt").write_text(f"{row.versions}\n{row.output}")
    assert row.returncode == 0, row.output[-6000:]
    assert counts.get("passed", 0) >= at_least, row.output[-3000:]
    assert set(counts) <= {"passed", "deselected"}, row.output[-3000:]  # no skip, xfail or warning


@pytest.mark.parametrize("version", TESTED_SWIFTTOOLS)
def test_the_swifttools_tests_pass_with_swifttools(rows, version):
    row = rows[f"swifttools {version}"].result(timeout=560)
    assert row.versions["swifttools"] == version
    assert row.versions["xrt_widgets"] == __version__
    _check_run(f"swifttools {version}", row, at_least=150)


def test_the_core_tests_pass_with_the_lowest_versions_we_declare(rows, dist):
    floors = declared_floors(dist.wheel)
    assert set(floors) == {"ipywidgets", "traitlets", "requests", "urllib3"}
    row = rows["lowest-direct"].result(timeout=560)
    # uv installed exactly the floors: each is tested, none is a claim.
    assert {name: row.versions[name] for name in floors} == floors
    assert "swifttools" not in row.versions
    _check_run("lowest-direct", row, at_least=550)


@pytest.mark.parametrize(
    ("version", "refusal"),
    [
        # It opens its comm through ipykernel's deprecated Comm class: a warning, so an error in this project.
        ("8.0.4", "The `ipykernel.comm.Comm` class has been deprecated"),
        # It uses the `comm` package, but declares neither it nor ipykernel: alone, it cannot open a comm.
        ("8.0.5", "No module named 'ipykernel'"),
    ],
    ids=["8.0.4", "8.0.5"],
)
def test_ipywidgets_below_the_floor_cannot_make_a_widget(tmp_path, version, refusal):
    """Why the ipywidgets floor is 8.0.6, shown on the releases just below it with today's IPython."""
    python = make_venv(tmp_path / "venv", f"ipywidgets=={version}")
    if version == "8.0.4":
        install(python, "ipykernel>=7")
    code = "import warnings; warnings.simplefilter('error'); import ipywidgets; ipywidgets.HTML('x')"
    done = subprocess.run([str(python), "-c", code], cwd=tmp_path, env=clean_env(), capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode != 0
    assert refusal in done.stderr
