"""The LibreOffice Calc add-in: built from the function list, and computing typed formulas in a new document.

One headless LibreOffice runs for the whole module (:func:`session`): it registers the extension in
a private profile, types every formula of :data:`FORMULAS` into a new spreadsheet and reads the
values back. Expected values come from the method's worked examples (DESIGN.md) and Binance's
published formula, computed by hand below, not from the add-in.
"""

from __future__ import annotations

import inspect
import math
import os
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest
from libreoffice_session import missing, require_libreoffice

from althedge_xl import udfs
from althedge_xl.excel.errors import ExcelError
from althedge_xl.libreoffice.addin_spec import addin_functions, idl_identifier
from althedge_xl.libreoffice.cells import CALC_ERROR_CODES, calc_error, calc_result, error_code_of_calc
from althedge_xl.libreoffice.extension import RDB_PATH, compile_rdb, extension_bytes, extension_files
from althedge_xl.libreoffice.headless import LibreOfficeError, run_job
from althedge_xl.libreoffice.idl import interface_idl
from althedge_xl.libreoffice.xcu import calc_addins_xcu

OOR = "{http://openoffice.org/2001/registry}"

# Binance's short liquidation price with WB = Q·EP/L (DESIGN.md): LP = EP·(1 + 1/L + cum/(Q·EP)) / (1 + MMR).
SHORT_LP_20X = 100_000 * (1 + 1 / 20) / (1 + 0.004)  # first tier: MMR 0.4 %, cum 0 -> 104,581.67
SHORT_LP_20X_NO_MMR = 100_000 * (1 + 1 / 20)  # a typed maintenance rate of 0: 105,000

#: Cells typed into Sheet1 before the formulas (inputs of the method's worked examples).
INPUTS = {
    "A1": 20000,  # hedge notional
    "A2": 20,  # leverage
    "A3": 30000,  # ETH + SOL (majors)
    "A4": 20000,  # small caps
    "A6": 50000,  # BTC spot
    "A7": 50000,  # altcoins
    "B6": -0.15,  # BTC shock
    "B7": -0.20,  # altcoin shock
    # C1 is left blank on purpose
}
#: Formulas typed into single cells, with what they must show (a number, or an error code).
FORMULAS: dict[str, tuple[str, Any]] = {
    "D1": ("=HEDGE_MARGIN(A1;A2)", 1000.0),  # 20,000 at 20x (DESIGN.md)
    "D2": ("=HEDGE_NOTIONAL(A3:A4;0.4)", 20000.0),  # 50,000 x 40 %
    "D3": ("=HEDGE_LIQ_PRICE(100000;20)", SHORT_LP_20X),  # optional arguments omitted
    "D4": ("=HEDGE_LIQ_PRICE(100000;20;C1)", SHORT_LP_20X),  # a blank cell for the rate: the tier's, as omitted
    "D5": ("=HEDGE_LIQ_PRICE(100000;20;0)", SHORT_LP_20X),  # 0 for a rate left to the table: read as blank
    "D6": ('=HEDGE_LIQ_PRICE(100000;20;0.004;0;"long")', 100_000 * (1 - 1 / 20) / (1 - 0.004)),  # 95,381.53
    "D7": ("=HEDGE_MARGIN(A1;0.5)", "#NUM!"),  # leverage below 1
    "D8": ("=ERROR.TYPE(D7)", 6.0),  # a real error value: #NUM! is error type 6
    "D9": ("=IFERROR(D7;-1)", -1.0),
    "D10": ('=HEDGE_MARGIN("abc";20)', "#VALUE!"),  # text for a number
    "D11": ("=HEDGE_MARGIN(A1)", "#N/A"),  # a required argument left out
    "D12": ("=ISNA(D11)", True),
    "D13": ("=HEDGE_MARGIN(A1;A2)*2", 2000.0),  # inside a larger formula
}
#: The method's scenario table, entered as an array formula (a 15 % correction, DESIGN.md).
SCENARIO = ("Sheet1!F1:J6", "=SCENARIO_TABLE(A6:A7;B6:B7;A1;B6)")


@pytest.fixture(scope="module")
def session() -> dict[str, Any]:
    """One headless LibreOffice: the inputs and formulas typed into a new document, the values read."""
    require_libreoffice()
    steps = [
        {"set": {f"Sheet1!{cell}": value for cell, value in INPUTS.items()}},
        {"set": {f"Sheet1!{cell}": formula for cell, (formula, _) in FORMULAS.items()}},
        {"array": {SCENARIO[0]: SCENARIO[1]}, "calculate": True},
    ]
    return run_job(None, steps, read_formulas=["Sheet1!D1"], describe=sorted(udfs.__all__))


@pytest.mark.parametrize("cell", sorted(FORMULAS))
def test_typed_formula(session: dict[str, Any], cell: str) -> None:
    formula, expected = FORMULAS[cell]
    value = session["cells"]["Sheet1"].get(cell)
    if isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(value, float), f"{formula} gave {value!r}"
        assert math.isclose(value, expected, rel_tol=1e-9), f"{formula} gave {value!r}, expected {expected!r}"
    else:
        assert value == expected, f"{formula} gave {value!r}, expected {expected!r}"


def test_scenario_table_as_array(session: dict[str, Any]) -> None:
    """The method's 15 % correction: spot -17,500, short +3,000, net -14,500 (DESIGN.md), and every cell
    of the array as the function gives it in Python."""
    cells = session["cells"]["Sheet1"]
    shown = [[cells.get(f"{column}{row}") for column in "FGHIJ"] for row in range(1, 7)]
    python = udfs.SCENARIO_TABLE([[50000.0], [50000.0]], [[-0.15], [-0.2]], [[20000.0]], [[-0.15]])
    assert [len(row) for row in python] == [len(row) for row in shown]
    for got, want in zip(shown, python, strict=True):
        for a, b in zip(got, want, strict=True):
            assert a == b or (isinstance(b, float) and math.isclose(a, b, rel_tol=1e-12)), (shown, python)
    assert shown[-1][0] == "Net change" and math.isclose(shown[-1][-1], -14500.0), shown
    assert math.isclose(shown[-2][-1], 3000.0), shown


def test_formula_is_bound_to_the_addin(session: dict[str, Any]) -> None:
    """A typed name binds to the add-in (LibreOffice shows its programmatic name in the API's formula)."""
    assert session["formulas"]["Sheet1!D1"].upper().endswith("ALTHEDGEADDIN.HEDGE_MARGIN(A1;A2)")


def test_function_wizard_shows_every_function_s_help(session: dict[str, Any]) -> None:
    """LibreOffice's own FunctionDescriptions: each function's description and its arguments' names, help and
    optionality, in the function's order, as the function list states them."""
    shown = session["functions"]
    assert sorted(shown) == sorted(udfs.__all__)
    for function in addin_functions():
        assert shown[function.name]["description"] == function.description
        expected = [[a.name, a.help + (" (optional)" if a.optional else ""), True] for a in function.arguments]
        assert [[n, d, o] for n, d, o in shown[function.name]["arguments"]] == expected, function.name


# --- built from the function list (no LibreOffice needed) ---------------------------------------


def test_every_function_in_the_interface_and_the_function_wizard() -> None:
    functions = addin_functions()
    assert [f.name for f in functions] == sorted(udfs.__all__)
    root = ET.fromstring(calc_addins_xcu(functions))
    nodes = {n.get(f"{OOR}name"): n for n in root.iter("node")}
    for name in udfs.__all__:
        function = getattr(udfs, name)
        parameters = list(inspect.signature(function).parameters)
        node = nodes[name]
        texts = {p.get(f"{OOR}name"): p.findtext("value") for p in node.findall("prop")}
        assert texts["Description"] == function.__doc__.strip().split("\n")[0]
        assert texts["Category"] == "AltHedge" and texts["CompatibilityName"] == name
        arguments = node.find("node").findall("node")
        assert [a.get(f"{OOR}name") for a in arguments] == [idl_identifier(p) for p in parameters]
        shown = [{p.get(f"{OOR}name"): p.findtext("value") for p in a.findall("prop")} for a in arguments]
        assert [s["DisplayName"] for s in shown] == parameters
        idl_line = next(line for line in interface_idl(functions).splitlines() if f" {name}(" in line)
        assert [f"[in] any {idl_identifier(p)}" for p in parameters] == idl_line.split("(", 1)[1][:-2].split(", ")


def test_idl_names_are_unoidl_identifiers() -> None:
    """UNOIDL refuses a lower-case letter after an underscore: no argument name in the IDL has one."""
    import re

    for function in addin_functions():
        for argument in function.arguments:
            assert not re.search(r"_[a-z]", argument.idl_name), argument


def test_committed_type_library_is_the_function_lists() -> None:
    """The committed XAltHedge.rdb is what unoidl-write makes of today's function list."""
    reason = missing()
    if reason is not None:
        require_libreoffice()
    assert compile_rdb(interface_idl(addin_functions())) == RDB_PATH.read_bytes(), (
        "XAltHedge.rdb is stale: rebuild it with compile_rdb(interface_idl(addin_functions()))"
    )


def test_extension_contents_and_reproducible() -> None:
    files = extension_files()
    assert {"META-INF/manifest.xml", "description.xml", "CalcAddIns.xcu", "Jobs.xcu", "althedge_addin.py"} <= set(files)
    assert "pythonpath/althedge_xl/udfs/__init__.py" in files
    assert "pythonpath/althedge_xl/libreoffice/cells.py" in files
    assert not any("/headless/" in name or "/market/" in name for name in files)  # numpy alone inside LibreOffice
    first = extension_bytes()
    assert first == extension_bytes()
    with zipfile.ZipFile(__import__("io").BytesIO(first)) as archive:
        assert archive.testzip() is None


@pytest.mark.parametrize("code", sorted(CALC_ERROR_CODES))
def test_error_values_carry_calc_codes(code: str) -> None:
    """Each Excel error is a NaN whose low bits are Calc's code (LibreOffice's formula/errorcodes.hxx)."""
    value = calc_error(code)
    assert math.isnan(value)
    assert error_code_of_calc(value) == code
    # An error with its reason, as the add-in's calls answer it, keeps its code (the reason is lost).
    assert error_code_of_calc(calc_result(ExcelError(code, "a reason"))) == code


def test_addin_ignores_an_xlwings_server_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """XLWINGS_ON_SERVER=true, set for xlwings Server in the user's shell, does not break the add-in.

    With it the function list would import xlwings (LibreOffice's Python has none) and choose
    Office.js's errors, and the component would not load: every cell an error.
    """
    require_libreoffice()
    monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
    steps = [{"set": {"Sheet1!A1": 20000.0, "Sheet1!B1": "=HEDGE_MARGIN(A1;20)", "Sheet1!C1": "=HEDGE_MARGIN(A1;0.5)"}}]
    cells = run_job(None, [*steps, {"calculate": True}])["cells"]["Sheet1"]
    assert cells["B1"] == 1000.0  # DESIGN.md: 20,000 notional at 20x needs 1,000 margin
    assert cells["C1"] == "#NUM!"


def test_addin_with_another_python_first_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``python3`` other than LibreOffice's first on PATH (pyenv, conda, this virtual environment).

    LibreOffice's embedded Python looks ``python3`` up on PATH to find its home; the report engine
    puts the Python that imports ``uno`` first, or the component would load another Python's library.
    """
    require_libreoffice()
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    steps = [{"set": {"Sheet1!A1": 20000.0, "Sheet1!B1": "=HEDGE_MARGIN(A1;20)"}}, {"calculate": True}]
    assert run_job(None, steps)["cells"]["Sheet1"]["B1"] == 1000.0  # DESIGN.md: 20,000 at 20x, 1,000 margin


def test_a_run_past_its_deadline_leaves_no_libreoffice_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the deadline the driver and the soffice it started are killed together, not left running."""
    require_libreoffice()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the run's folder, named in soffice's command line
    # A job long enough to outlast the deadline on any machine: LibreOffice's start alone takes about 2 s, and
    # each of these 5,000 cell writes a few ms through UNO (20,000 took 82 s on the machine of the tests).
    slow = [{"set": {f"Sheet1!A{row}": float(row) for row in range(1, 5001)}}]
    with pytest.raises(LibreOfficeError, match="did not finish within 2 s"):
        run_job(None, slow, timeout=2)
    assert _processes_naming(tmp_path) == []


def test_an_interrupted_run_leaves_no_libreoffice_running(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) to the calling process ends the driver's process group with it."""
    import signal
    import subprocess
    import time

    require_libreoffice()
    script = (
        "import tempfile; from althedge_xl.libreoffice.headless import run_job\n"
        f"tempfile.tempdir = {str(tmp_path)!r}\n"
        "run_job(None, [{'set': {'Sheet1!A1': 1.0}}], timeout=120)\n"
    )
    caller = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _processes_naming(tmp_path, "soffice"):
        time.sleep(0.2)
    assert _processes_naming(tmp_path, "soffice"), "LibreOffice never started"
    caller.send_signal(signal.SIGINT)
    assert caller.wait(timeout=30) != 0
    assert _processes_naming(tmp_path) == []


def _processes_naming(folder: Path, also: str = "") -> list[str]:
    """The processes whose command line names ``folder`` (and ``also``)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes()
        except OSError:
            continue  # the process ended while it was read
        if str(folder).encode() in text and also.encode() in text:
            found.append(cmdline.parent.name)
    return found
