"""``althedge lite``: the files an xlwings Lite user pastes or uploads, run where only numpy and xlwings are.

The bundle's ``main.py`` is imported in a fresh virtual environment holding numpy and xlwings alone
(what Lite's Pyodide has), with ``XLWINGS_ON_SERVER=true`` as Lite sets it, and driven through
xlwings' own ``custom_functions_meta``/``custom_functions_call`` (``office_js_runtime.py``'s bodies).
Expected numbers are DESIGN.md's worked examples.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest
import xlwings
from conftest import ROOT

from althedge_xl import __version__, udfs
from althedge_xl.cli import main
from althedge_xl.cli.lite import write_bundle
from althedge_xl.workbook.build import lite_template
from althedge_xl.workbook.samples import load_samples

PROBE = """\
import asyncio, importlib.util, json, os, sys
os.environ.update(XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
spec = importlib.util.spec_from_file_location("main", "main.py")
main = importlib.util.module_from_spec(spec)
spec.loader.exec_module(main)
from xlwings.server import custom_functions_call, custom_functions_meta
body = {"caller_address": "[AltHedge-Lite.xlsx]Hedge!B5", "version": "0.37.8", "client": "Office.js", "runtime": "1.4"}
calls = [
    ("HEDGE_NOTIONAL", [[[30000], [20000]], [[0.4]], None]),
    ("HEDGE_MARGIN", [[[20000]], [[20]]]),
    ("SCENARIO_TABLE", [[[50000], [50000]], [[-0.15], [-0.2]], [[20000]], [[-0.15]], None]),
]
results = [asyncio.run(custom_functions_call({**body, "func_name": f, "args": a}, main)) for f, a in calls]
heavy = [m for m in ("ccxt", "formulas", "openpyxl", "pandas", "matplotlib") if m in sys.modules]
print(json.dumps({
    "functions": sorted(f["id"] for f in custom_functions_meta(main)["functions"]),
    "results": results,
    "package": sys.modules["althedge_xl"].__file__,
    "heavy": heavy,
}))
"""


@pytest.fixture(scope="module")
def numpy_and_xlwings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python of a fresh virtual environment with numpy and xlwings installed, nothing else."""
    env = tmp_path_factory.mktemp("lite-venv")
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    # The same releases as this environment's, from pip's cache or the local index: no download.
    wanted = [f"numpy=={np.__version__}", f"xlwings=={xlwings.__version__}"]
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", *wanted]
    done = subprocess.run(install, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot install numpy and xlwings into a fresh environment here: {done.stderr[-300:]}")
    return python


def fresh_env() -> dict[str, str]:
    """This process's environment less PYTHONPATH, which would import the checkout in the fresh one."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def probe(python: Path, folder: Path) -> dict:
    done = subprocess.run(
        [str(python), "-c", PROBE], cwd=folder, env=fresh_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def assert_method_numbers(out: dict) -> None:
    assert out["functions"] == sorted(udfs.__all__)
    notional, margin, table = out["results"]
    assert notional == [[20000.0]]  # DESIGN.md: altcoins 50,000 x 40%
    assert margin == [[1000.0]]  # 20,000 at 20x
    # DESIGN.md's 15% correction, P/L column: -7,500; -10,000; -17,500; +3,000; net -14,500
    assert [row[-1] for row in table[1:]] == [-7500.0, -10000.0, -17500.0, 3000.0, -14500.0]
    assert out["heavy"] == []


def test_uploaded_package_computes_the_method(numpy_and_xlwings, tmp_path):
    assert main(["lite", str(tmp_path), "--no-workbook"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["main.py", "requirements.txt", "README.txt", f"althedge_xl-{__version__}.zip"]
    )
    out = probe(numpy_and_xlwings, tmp_path)
    assert out["package"].startswith(str(tmp_path / f"althedge_xl-{__version__}.zip"))  # the upload, not a copy
    assert_method_numbers(out)


def test_pypi_route_installs_numpy_only_and_computes(numpy_and_xlwings, built_wheel, tmp_path):
    # What Lite does with requirements.txt, with the wheel this checkout builds standing in for PyPI.
    write_bundle(tmp_path, pypi=True, workbook=False)
    requirements = (tmp_path / "requirements.txt").read_text().split()
    assert requirements == ["numpy", f"althedge-xl=={__version__}"]
    install = [sys.executable, "-m", "pip", "--python", str(numpy_and_xlwings), "install", "--quiet", "--no-index"]
    install += [
        "--find-links",
        str(built_wheel.parent),
        *requirements,
    ]  # numpy is there already: nothing else may be needed
    done = subprocess.run(install, env=fresh_env(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = probe(numpy_and_xlwings, tmp_path)
    assert "site-packages" in out["package"]
    assert_method_numbers(out)


def test_bundle_is_the_same_from_one_run_to_the_next(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_bundle(first, workbook=False)
    write_bundle(second, workbook=False)
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_zip_holds_the_function_list_alone(tmp_path):
    write_bundle(tmp_path, workbook=False)
    with zipfile.ZipFile(tmp_path / f"althedge_xl-{__version__}.zip") as archive:
        parts = {name.split("/")[1] for name in archive.namelist() if name.count("/") > 1}
    assert parts == {"core", "excel", "udfs"}


def test_lite_workbook_has_the_sheets_without_vba(tmp_path):
    # The .xlsx variant: the same formulas as the template, no VBA project, no macro names.
    samples = load_samples()
    with zipfile.ZipFile(io.BytesIO(lite_template(samples, {}))) as lite:
        names = lite.namelist()
        workbook_xml = lite.read("xl/workbook.xml").decode()
        hedge = "".join(lite.read(n).decode() for n in names if n.startswith("xl/worksheets/sheet"))
    assert "xl/vbaProject.bin" not in names
    assert "vbProcedure" not in workbook_xml and "AltHedgeUDFs" not in workbook_xml
    assert "<f>HEDGE_MARGIN(NOTIONAL,LEVERAGE)</f>" in hedge
    with zipfile.ZipFile(ROOT / "workbook" / "AltHedge.xlsm") as xlsm:
        template_sheets = "".join(xlsm.read(n).decode() for n in xlsm.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<f>HEDGE_MARGIN(NOTIONAL,LEVERAGE)</f>" in template_sheets


def test_missing_folder_is_created_and_files_replace_old_ones(tmp_path):
    target = tmp_path / "new" / "folder"
    write_bundle(target, workbook=False)
    (target / "main.py").write_text("old")
    write_bundle(target, workbook=False)
    assert "from althedge_xl.udfs import *" in (target / "main.py").read_text()
