"""The numpy-only install resolves in Pyodide, the Python xlwings Lite runs.

The pyodide npm package (set up by ``scripts/ensure_pyodide.py`` in ``.cache/pyodide``) ships
Pyodide, its standard library and its lock file, not the wheels of the packages it provides: those
come from Pyodide's CDN, which the tests never reach. So numpy is not loaded here; what is checked
offline is (1) that every required dependency of the wheel is one Pyodide provides, by its lock
file, and (2) that micropip, running inside Pyodide under Node.js, resolves the wheel to itself plus
Pyodide's numpy, with the Windows-marked xlwings left out and nothing left unsatisfied.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from conftest import ROOT
from packaging.requirements import Requirement

CACHE = ROOT / ".cache" / "pyodide"
PYODIDE = CACHE / "node_modules" / "pyodide"
WHEELS = CACHE / "wheels"


@pytest.fixture(scope="module")
def pyodide_lock() -> dict:
    lock = PYODIDE / "pyodide-lock.json"
    if not lock.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("the pyodide npm package is missing: python scripts/ensure_pyodide.py")
        pytest.skip("the pyodide npm package is not set up: python scripts/ensure_pyodide.py")
    return json.loads(lock.read_text())


@pytest.fixture(scope="module")
def wheel(built_wheel: Path) -> Path:
    return built_wheel


def requirements_of(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode())
    return [Requirement(r) for r in metadata.get_all("Requires-Dist")]


def in_pyodide(requirement: Requirement) -> bool:
    """Whether the requirement applies in Pyodide (sys_platform "emscripten", no extra asked)."""
    environment = {"sys_platform": "emscripten", "platform_system": "Emscripten", "extra": ""}
    return requirement.marker is None or requirement.marker.evaluate(environment)


def test_every_required_dependency_is_provided_by_pyodide(pyodide_lock, wheel):
    packages = pyodide_lock["packages"]
    required = [r for r in requirements_of(wheel) if in_pyodide(r)]
    assert [r.name for r in required] == ["numpy"]
    for requirement in required:
        assert requirement.name in packages, requirement
        assert requirement.specifier.contains(packages[requirement.name]["version"]), requirement


def test_the_market_extra_is_not_in_pyodide(pyodide_lock, wheel):
    # Why ccxt is an extra: Pyodide does not provide it (and its pins have no pure-Python wheel).
    market = [r for r in requirements_of(wheel) if r.marker and "market" in str(r.marker)]
    assert "ccxt" in {r.name for r in market}
    assert "ccxt" not in pyodide_lock["packages"]


def test_micropip_in_pyodide_resolves_the_wheel_to_pyodides_numpy(pyodide_lock, wheel):
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing: python scripts/ensure_pyodide.py")
        pytest.skip("node is not installed: python scripts/ensure_pyodide.py")
    tools = [*WHEELS.glob("packaging-*.whl"), *WHEELS.glob("micropip-*.whl")]  # packaging first
    command = [node, str(ROOT / "tests" / "pyodide_resolve.mjs"), str(PYODIDE), str(wheel), *map(str, tools)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["platform"] == "emscripten"
    assert out["wheels"] == ["althedge-xl"]  # nothing else to fetch from PyPI
    assert out["pyodide"] == [["numpy", pyodide_lock["packages"]["numpy"]["version"]]]
    assert out["failed"] == []
