"""The functions computed inside Pyodide, the Python xlwings Lite runs: Node.js, offline, the Lite bundle.

``scripts/ensure_pyodide.py`` sets up ``.cache/pyodide``: the ``pyodide@0.27.7`` npm package (the
interpreter, its standard library, its lock file), Pyodide's own numpy, micropip and packaging
wheels copied beside it from ``../shared/pyodide`` once their sha256 matched the lock file, and the
pure-Python ``xlwings==0.37.8`` wheel. One run of Pyodide (``pyodide_run.mjs``, network refused)
then does what xlwings Lite does with the files of ``althedge lite``:

* installs the bundle's ``requirements.txt`` (``numpy``, which micropip finds in the lock file and
  loads from Pyodide's own wheel) and xlwings 0.37.8 with micropip;
* keeps ``althedge_xl-VERSION.zip`` in ``/data`` (where *Files > Import/Export* puts it) and loads
  ``main.py``, which imports the function list from that zip;
* with ``XLWINGS_ON_SERVER=true`` calls the functions through ``xlwings.server.custom_functions_call``
  with the add-in's bodies (``office_js_runtime.py``, imported into Pyodide: the same request
  bodies and the same ``serve`` as the CPython tests).

Checked: the method's numbers (DESIGN.md), a spilled table, an error raised as xlwings' error with
its reason, and the same metadata and results as the same bodies give under CPython through the
same xlwings code. The same run resolves the wheel this checkout builds with micropip, as Lite would
install it from PyPI: itself plus Pyodide's numpy, nothing to fetch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT
from packaging.requirements import Requirement

from althedge_xl import __version__
from althedge_xl.cli.lite import write_bundle


def load_setup_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ensure_pyodide", ROOT / "scripts" / "ensure_pyodide.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SETUP = load_setup_script()
#: An error cell as Office.js hands it to a custom function (allowErrorForDataTypeAny).
NA_CELL = {"type": "Error", "basicType": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
#: DESIGN.md's 15 % correction: BTC 50,000 and altcoins 50,000 fall 15 % and 20 %; a 20,000 short; BTC -15 %.
CORRECTION = [[[50_000], [50_000]], [[-0.15], [-0.2]], [[20_000]], [[-0.15]]]
#: Office.js bodies (2-D ``args``, ``null`` for an omitted optional), each run in Pyodide and in CPython.
CALLS: dict[str, tuple[str, list[Any]]] = {
    "notional": ("HEDGE_NOTIONAL", [[[30_000], [20_000]], [[0.4]], None]),
    "margin": ("HEDGE_MARGIN", [[[20_000]], [[20]]]),
    "pnl": ("SCENARIO_PNL", CORRECTION),
    "table": ("SCENARIO_TABLE", [*CORRECTION, [["BTC"], ["Altcoins"]]]),
    "leverage_zero": ("HEDGE_MARGIN", [[[20_000]], [[0]]]),
    "leverage_blank": ("HEDGE_MARGIN", [[[20_000]], [[""]]]),
    "leverage_error_cell": ("HEDGE_MARGIN", [[[20_000]], [[NA_CELL]]]),
    # numpy at work (returns, variances, a regression, a day-by-day replay): compared with CPython only
    "beta": ("HEDGE_BETA", [[[100], [104], [99], [103], [108], [101]], [[50], [51], [49.5], [50.5], [52], [50]]]),
    "effectiveness": (
        "HEDGE_EFFECTIVENESS",
        [[[100], [104], [99], [103], [108], [101]], [[50], [51], [49.5], [50.5], [52], [50]], [[0.5], [1], [1.5]]],
    ),
    "stress": ("STRESS_GRID", [[[50_000]], [[50_000]], [[20_000]], [[-0.3], [-0.15], [0.1]], [[-0.1, 0, 0.1]]]),
    "backtest": (
        "BACKTEST",
        [
            [["2024-01-01"], ["2024-01-02"], ["2024-01-03"]],
            [[100], [90], [99]],
            [[10], [8], [9]],
            [[1000]],
            *[None] * 3,
            [["flat50"]],
            [[0.5]],
            [[0]],
            *[None] * 3,
        ],
    ),
}

PROGRAM = """
import json, sys
import micropip
from packaging.markers import default_environment
from micropip import package_index
from micropip.transaction import Transaction

# The PyPI route: micropip's resolver on the built wheel (the step before any download).
transaction = Transaction(
    ctx=default_environment(), ctx_extras=[], keep_going=True, deps=True, pre=False,
    fetch_kwargs={}, index_urls=package_index.DEFAULT_INDEX_URLS,
)
await transaction.gather_requirements([WHEEL])
resolved = {
    "wheels": sorted(w.name for w in transaction.wheels),
    "pyodide": sorted([p.name, p.version] for p in transaction.pyodide_packages),
    "failed": [str(r) for r in transaction.failed],
}

# The upload route, as xlwings Lite runs it: requirements.txt and xlwings, the zip in /data, main.py.
await micropip.install([*REQUIREMENTS, XLWINGS])
sys.path.insert(0, "/tests")
import office_js_runtime
import os
os.environ.update(office_js_runtime.ENVIRONMENT)  # before xlwings and main.py are imported
main = office_js_runtime.load("/home/pyodide/main.py")
out = await office_js_runtime.serve(json.loads(BODIES), main)
import numpy, xlwings
out["runtime"] = {
    "platform": sys.platform,
    "numpy": numpy.__version__,
    "numpy_file": numpy.__file__,
    "xlwings": xlwings.__version__,
    "package": sys.modules["althedge_xl"].__file__,
    "numpy_source": micropip.list()["numpy"].source,
}
out["resolved"] = resolved
json.dumps(out)
"""


def missing_setup(reason: str) -> None:
    """Skip, except in CI, where a check that cannot run is a failure."""
    message = f"{reason}: python scripts/ensure_pyodide.py"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def pyodide_lock() -> dict:
    """The lock file of the installed pyodide npm package, once it is the pinned release with its wheels in place."""
    if shutil.which("node") is None:
        missing_setup("node is not installed")
    if SETUP.installed_version() != SETUP.PYODIDE_VERSION:
        missing_setup(f"pyodide {SETUP.PYODIDE_VERSION} is not installed in {SETUP.CACHE}")
    lock = json.loads(SETUP.lock_file().read_text())
    assert lock["info"]["version"] == SETUP.PYODIDE_VERSION == "0.27.7"  # xlwings Lite's line
    for name in SETUP.LOCKED_WHEELS:
        path = SETUP.PYODIDE_DIR / lock["packages"][name]["file_name"]
        if not path.is_file():
            missing_setup(f"{path.name} is not in {SETUP.PYODIDE_DIR}")
        # The copy the tests load must still be the file the lock file names, whatever happened since setup.
        assert hashlib.sha256(path.read_bytes()).hexdigest() == lock["packages"][name]["sha256"], path
    if SETUP.xlwings_wheel() is None:
        missing_setup(f"the {SETUP.XLWINGS} wheel is not in {SETUP.WHEELS}")
    return lock


def requirements_of(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode())
    return [Requirement(r) for r in metadata.get_all("Requires-Dist")]


def in_pyodide(requirement: Requirement) -> bool:
    """Whether the requirement applies in Pyodide (sys_platform "emscripten", no extra asked)."""
    environment = {"sys_platform": "emscripten", "platform_system": "Emscripten", "extra": ""}
    return requirement.marker is None or requirement.marker.evaluate(environment)


def bodies() -> list[dict[str, Any]]:
    return [{"func_name": name, "args": args} for name, args in CALLS.values()]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files ``althedge lite`` writes for the upload route (no workbook)."""
    folder = tmp_path_factory.mktemp("lite")
    write_bundle(folder, workbook=False)
    return folder


@pytest.fixture(scope="module")
def in_pyodide_run(pyodide_lock: dict, bundle: Path, built_wheel: Path) -> dict[str, Any]:
    """One offline Pyodide run of :data:`PROGRAM`: the resolved wheel, then every call of :data:`CALLS`."""
    zip_name = f"althedge_xl-{__version__}.zip"
    xlwings_wheel = SETUP.xlwings_wheel()
    assert xlwings_wheel is not None
    files = {
        bundle / "main.py": "/home/pyodide/main.py",  # Pyodide's working folder
        bundle / zip_name: f"/data/{zip_name}",  # where Lite keeps uploaded files
        ROOT / "tests" / "office_js_runtime.py": "/tests/office_js_runtime.py",
        xlwings_wheel: f"/wheels/{xlwings_wheel.name}",
        built_wheel: f"/wheels/{built_wheel.name}",
    }
    requirements = (bundle / "requirements.txt").read_text().split()
    program = (
        f"WHEEL = 'emfs:/wheels/{built_wheel.name}'\n"
        f"XLWINGS = 'emfs:/wheels/{xlwings_wheel.name}'\n"
        f"REQUIREMENTS = {requirements!r}\n"
        f"BODIES = {json.dumps(bodies())!r}\n" + PROGRAM
    )
    command = [
        str(shutil.which("node")),
        str(ROOT / "tests" / "pyodide_run.mjs"),
        str(SETUP.PYODIDE_DIR),
        *(f"{host}={target}" for host, target in files.items()),
    ]
    done = subprocess.run(command, input=program, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {**out, "calls": dict(zip(CALLS, out["results"], strict=True))}


@pytest.fixture(scope="module")
def in_cpython_run(bundle: Path) -> dict[str, Any]:
    """The same bodies through the same xlwings code and the bundle's ``main.py``, under CPython."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "office_js_runtime.py"), str(bundle / "main.py")],
        input=json.dumps(bodies()),
        cwd=bundle,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_every_required_dependency_is_provided_by_pyodide(pyodide_lock, built_wheel):
    packages = pyodide_lock["packages"]
    required = [r for r in requirements_of(built_wheel) if in_pyodide(r)]
    assert [r.name for r in required] == ["numpy"]
    for requirement in required:
        assert requirement.name in packages, requirement
        assert requirement.specifier.contains(packages[requirement.name]["version"]), requirement


def test_the_market_extra_is_not_in_pyodide(pyodide_lock, built_wheel):
    # Why ccxt is an extra: Pyodide does not provide it (and its pins have no pure-Python wheel).
    market = [r for r in requirements_of(built_wheel) if r.marker and "market" in str(r.marker)]
    assert "ccxt" in {r.name for r in market}
    assert "ccxt" not in pyodide_lock["packages"]


def test_micropip_in_pyodide_resolves_the_wheel_to_pyodides_numpy(in_pyodide_run, pyodide_lock):
    resolved = in_pyodide_run["resolved"]
    assert resolved["wheels"] == ["althedge-xl"]  # nothing else to fetch from PyPI
    assert resolved["pyodide"] == [["numpy", pyodide_lock["packages"]["numpy"]["version"]]]
    assert resolved["failed"] == []


def test_the_functions_run_on_pyodides_numpy_from_the_uploaded_zip(in_pyodide_run, pyodide_lock):
    runtime = in_pyodide_run["runtime"]
    assert runtime["platform"] == "emscripten"
    assert runtime["numpy"] == pyodide_lock["packages"]["numpy"]["version"] == "2.0.2"
    assert runtime["numpy_file"].startswith("/lib/python3.12/site-packages/numpy/")
    assert runtime["numpy_source"] == "pyodide"  # installed from Pyodide's own wheel, not PyPI
    assert runtime["xlwings"] == "0.37.8"
    assert runtime["package"].startswith(f"/data/althedge_xl-{__version__}.zip/")  # the upload, in /data
    functions = sorted(f["id"] for f in in_pyodide_run["meta"]["functions"])
    assert "HEDGE_MARGIN" in functions and "SCENARIO_TABLE" in functions


def test_method_numbers_inside_pyodide(in_pyodide_run):
    calls = in_pyodide_run["calls"]
    # Office.js results are 2-D: a single cell is [[value]].
    assert calls["notional"] == {"value": [[20_000.0]]}  # DESIGN.md: altcoins 50,000 x 40%
    assert calls["margin"] == {"value": [[1_000.0]]}  # 20,000 at 20x: 20,000 / 20
    # The 15% correction by hand: -7,500 - 10,000 on the spot, +3,000 on the short (20,000 x 15%)
    assert calls["pnl"] == {"value": [[-7_500.0 - 10_000.0 + 3_000.0]]}


def test_scenario_table_inside_pyodide(in_pyodide_run):
    table = in_pyodide_run["calls"]["table"]["value"]
    assert table[0][0] == "Position"
    assert [row[0] for row in table[1:3]] == ["BTC", "Altcoins"]
    # DESIGN.md's 15% correction, P/L column: BTC -7,500; altcoins -10,000; spot -17,500; short +3,000; net -14,500
    assert [row[-1] for row in table[1:]] == [-7_500.0, -10_000.0, -17_500.0, 3_000.0, -14_500.0]


def test_errors_inside_pyodide_are_xlwings_errors_with_the_reason(in_pyodide_run):
    calls = in_pyodide_run["calls"]
    # Leverage below 1 is impossible (DESIGN.md): the cell shows #VALUE! and its flag gives the reason.
    assert calls["leverage_zero"] == {"raised": "XlwingsError", "message": "#NUM! leverage must be at least 1"}
    assert calls["leverage_blank"]["raised"] == "XlwingsError"
    assert calls["leverage_blank"]["message"].startswith("#N/A leverage")
    assert calls["leverage_error_cell"] == {"value": [[{"type": "Error", "errorType": "NotAvailable"}]]}


def test_pyodide_gives_what_cpython_gives(in_pyodide_run, in_cpython_run):
    assert in_pyodide_run["meta"] == in_cpython_run["meta"]  # every function, its help, its arguments
    expected = dict(zip(CALLS, in_cpython_run["results"], strict=True))
    for name, result in in_pyodide_run["calls"].items():
        assert result == expected[name], name


@pytest.fixture
def fake_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, dict[str, bytes]]:
    """An installed Pyodide folder whose lock file names three small wheels, and an empty shared folder."""
    pyodide_dir, shared = tmp_path / "pyodide", tmp_path / "shared"
    pyodide_dir.mkdir()
    shared.mkdir()
    wheels = {name: f"the {name} wheel".encode() for name in SETUP.LOCKED_WHEELS}
    packages = {
        name: {"file_name": f"{name}-1.0-py3-none-any.whl", "sha256": hashlib.sha256(content).hexdigest()}
        for name, content in wheels.items()
    }
    (pyodide_dir / "pyodide-lock.json").write_text(json.dumps({"packages": packages}))
    monkeypatch.setattr(SETUP, "PYODIDE_DIR", pyodide_dir)
    monkeypatch.setattr(SETUP, "SHARED", shared)
    return pyodide_dir, shared, wheels


def test_setup_copies_the_shared_wheels_whose_sha256_is_the_locks(fake_setup):
    pyodide_dir, shared, wheels = fake_setup
    for name, content in wheels.items():
        (shared / f"{name}-1.0-py3-none-any.whl").write_bytes(content)
    assert SETUP.copy_locked_wheels() is None
    assert {name: (pyodide_dir / f"{name}-1.0-py3-none-any.whl").read_bytes() for name in wheels} == wheels
    assert SETUP.index_problems() == []


def test_setup_refuses_a_shared_wheel_whose_sha256_is_not_the_locks(fake_setup):
    pyodide_dir, shared, wheels = fake_setup
    for name, content in wheels.items():
        (shared / f"{name}-1.0-py3-none-any.whl").write_bytes(content)
    (shared / "numpy-1.0-py3-none-any.whl").write_bytes(b"another numpy")
    reason = SETUP.copy_locked_wheels()
    assert reason is not None and "refusing" in reason and "numpy-1.0-py3-none-any.whl" in reason
    assert hashlib.sha256(b"another numpy").hexdigest() in reason  # what the file is
    assert hashlib.sha256(wheels["numpy"]).hexdigest() in reason  # what the lock file says
    assert not (pyodide_dir / "numpy-1.0-py3-none-any.whl").exists()
    assert SETUP.index_problems()  # the folder is not ready


def test_setup_names_a_missing_shared_wheel(fake_setup):
    _, shared, _ = fake_setup
    reason = SETUP.copy_locked_wheels()
    assert reason is not None and str(shared / "numpy-1.0-py3-none-any.whl") in reason and "missing" in reason
