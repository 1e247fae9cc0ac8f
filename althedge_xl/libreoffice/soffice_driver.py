"""Drive headless LibreOffice with the extension: run by LibreOffice's Python (the one with ``uno``).

``python3 soffice_driver.py JOB.json RESULT.json`` (see :mod:`.headless`, which writes the job):
start ``soffice`` headless on a private pipe with the job's private profile, register the extension
there through the Extension Manager's API (``unopkg`` refuses a per-user install as root; the API
does not), then for each of the job's documents: open it hidden (the extension's job binds its
formulas) or a new spreadsheet, apply its steps (``set`` cells and array formulas, ``calculate``,
``save`` as a file), read every sheet's values, errors and defined names; write them all as JSON
and close LibreOffice.

This file imports nothing from the package: it runs in LibreOffice's Python, which need not have it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

#: Calc's error codes (``formula/errorcodes.hxx``) -> the Excel error value they stand for.
CALC_ERRORS = {521: "#NULL!", 532: "#DIV/0!", 519: "#VALUE!", 524: "#REF!", 525: "#NAME?", 503: "#NUM!", 32767: "#N/A"}
#: ``com.sun.star.sheet.FormulaResult.ERROR``.
FORMULA_ERROR = 4
#: ``com.sun.star.util.NumberFormat.LOGICAL``: a TRUE/FALSE format.
LOGICAL_FORMAT = 1024
#: The export filters of ``save`` steps, by file name ending.
FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".xlsm": "Calc MS Excel 2007 VBA XML", ".ods": "calc8"}


def _property(name: str, value: Any) -> Any:
    import uno

    prop = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
    prop.Name, prop.Value = name, value
    return prop


def start(soffice: str, profile: Path, pipe: str) -> subprocess.Popen[bytes]:
    """``soffice`` headless, listening on ``pipe``, with ``profile`` as its user profile."""
    return subprocess.Popen(
        [
            soffice,
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def connect(pipe: str, process: subprocess.Popen[bytes], deadline: float) -> Any:
    """The component context of the LibreOffice on ``pipe``, trying until ``deadline`` (monotonic)."""
    import uno

    resolver = uno.getComponentContext().ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", uno.getComponentContext()
    )
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if process.poll() is not None:
                raise RuntimeError(f"soffice ended (exit {process.returncode}) before it answered") from None
            if time.monotonic() > deadline:
                raise RuntimeError("soffice did not answer in time") from None
            time.sleep(0.05)


def add_extension(ctx: Any, oxt: Path) -> None:
    """Register ``oxt`` for the profile's user through the Extension Manager, approving its questions
    (install this extension?) as ``unopkg add`` does on the command line."""
    import uno
    import unohelper
    from com.sun.star.task import XInteractionHandler
    from com.sun.star.ucb import XCommandEnvironment

    class Approve(unohelper.Base, XInteractionHandler):  # type: ignore[misc]
        def handle(self, request: Any) -> None:
            approve = uno.getTypeByName("com.sun.star.task.XInteractionApprove")
            for continuation in request.getContinuations():
                if continuation.queryInterface(approve) is not None:
                    continuation.select()
                    return

    class Quiet(unohelper.Base, XCommandEnvironment):  # type: ignore[misc]
        def getInteractionHandler(self) -> Any:
            return Approve()

        def getProgressHandler(self) -> None:
            return None

    manager = ctx.getValueByName("/singletons/com.sun.star.deployment.ExtensionManager")
    manager.addExtension(oxt.as_uri(), (), "user", manager.createAbortChannel(), Quiet())


def _address(column: int, row: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def _cell_position(address: str) -> tuple[int, int]:
    """``"B12"`` -> (column 1, row 11)."""
    letters = "".join(ch for ch in address if ch.isalpha()).upper()
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return column - 1, int(address[len(letters) :]) - 1


def _range(document: Any, reference: str) -> Any:
    """The cells of ``Sheet!A1:B2`` or of a defined name."""
    if "!" not in reference:
        return document.getPropertyValue("NamedRanges").getByName(reference).getReferredCells()
    sheet_name, where = reference.rsplit("!", 1)
    sheet = document.getSheets().getByName(sheet_name.strip("'"))
    return sheet.getCellRangeByName(where)


def apply_step(document: Any, step: dict[str, Any]) -> None:
    """One step of the job: ``set`` values/formulas, ``array`` formulas, ``calculate``, ``save`` (as File > Save As)."""
    import uno

    for reference, value in step.get("set", {}).items():
        cell = _range(document, reference)
        if isinstance(value, str) and value.startswith("="):
            cell.setFormula(value)
        elif isinstance(value, str):
            cell.setString(value)
        elif value is None:
            cell.setString("")
        else:
            cell.setValue(float(value))
    for reference, formula in step.get("array", {}).items():
        _range(document, reference).setArrayFormula(formula)
    if step.get("calculate"):
        document.calculateAll()
    if "save" in step:
        path = Path(step["save"])
        document.storeAsURL(
            uno.systemPathToFileUrl(str(path)),
            (_property("FilterName", FILTERS[path.suffix]), _property("Overwrite", True)),
        )


def _logical_cells(document: Any, sheet: Any, last_column: int, last_row: int) -> set[tuple[int, int]]:
    """(column, row) of every cell up to (``last_column``, ``last_row``) with a TRUE/FALSE number format."""
    formats = document.getNumberFormats()
    found: set[tuple[int, int]] = set()
    for ranges in sheet.getUniqueCellFormatRanges():
        try:
            kind = formats.getByKey(ranges.getPropertyValue("NumberFormat")).getPropertyValue("Type")
        except Exception:
            continue
        if kind & LOGICAL_FORMAT:
            for where in ranges.getRangeAddresses():
                found.update(
                    (c, r)
                    for c in range(where.StartColumn, min(where.EndColumn, last_column) + 1)
                    for r in range(where.StartRow, min(where.EndRow, last_row) + 1)
                )
    return found


def read_sheet(document: Any, sheet: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Every non-empty cell's value (errors as Excel codes) and, for errors Excel has no value for, Calc's code."""
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.getRangeAddress()
    data = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).getDataArray()
    logical = _logical_cells(document, sheet, end.EndColumn, end.EndRow)
    values: dict[str, Any] = {}
    for row, cells in enumerate(data):
        for column, value in enumerate(cells):
            if value == "":
                continue
            if isinstance(value, float) and (column, row) in logical and value in (0.0, 1.0):
                value = value == 1.0
            values[_address(column, row)] = value
    notes: dict[str, str] = {}
    for cell in _error_cells(sheet):
        code = cell.getError()
        address = _address(cell.getCellAddress().Column, cell.getCellAddress().Row)
        values[address] = CALC_ERRORS.get(code, "#VALUE!")
        if code not in CALC_ERRORS:
            notes[address] = f"LibreOffice error Err:{code}"
    return values, notes


def _error_cells(sheet: Any) -> list[Any]:
    found: list[Any] = []
    ranges = sheet.queryFormulaCells(FORMULA_ERROR)
    if ranges.getCount() == 0:
        return found
    enumeration = ranges.getCells().createEnumeration()
    while enumeration.hasMoreElements():
        found.append(enumeration.nextElement())
    return found


def defined_names(document: Any) -> dict[str, list[str]]:
    """Each workbook-level defined name -> [sheet, reference without ``$``] (names of one area only)."""
    names = {}
    ranges = document.getPropertyValue("NamedRanges")
    for name in ranges.getElementNames():
        content = ranges.getByName(name).getContent().replace("$", "")
        if "." not in content or ";" in content or "~" in content:
            continue
        sheet, _, where = content.rpartition(".")
        if ":" in where and "." in where:  # Sheet.A1:Sheet.B2
            where = where.split(":")[0] + ":" + where.split(":")[1].rpartition(".")[2]
        names[name.upper()] = [sheet.strip("'"), where.upper()]
    return names


def open_document(desktop: Any, path: str | None) -> Any:
    """``path`` opened hidden (None: a new spreadsheet)."""
    import uno

    url = uno.systemPathToFileUrl(path) if path else "private:factory/scalc"
    for _ in range(3):  # a LibreOffice just started with a new profile may answer None to the first load
        document = desktop.loadComponentFromURL(url, "_blank", 0, (_property("Hidden", True),))
        if document is not None:
            return document
        time.sleep(0.2)
    raise RuntimeError(f"LibreOffice could not open {path}")


def compute_document(desktop: Any, task: dict[str, Any], began: float) -> dict[str, Any]:
    """Open one document, recalculate it, apply its steps, read it, close it: what was read."""
    timings: dict[str, float] = {}
    document = open_document(desktop, task.get("document"))
    timings["loaded"] = time.monotonic() - began
    result: dict[str, Any] = {"modified_after_load": bool(document.isModified())}
    document.calculateAll()
    timings["calculated"] = time.monotonic() - began
    for number, step in enumerate(task.get("steps", []), 1):
        apply_step(document, step)
        timings[f"step {number}"] = time.monotonic() - began
    sheets = list(document.getSheets().getElementNames())
    cells: dict[str, dict[str, Any]] = {}
    notes: dict[str, dict[str, str]] = {}
    for name in sheets:
        if task.get("sheets") and name not in task["sheets"]:
            continue
        cells[name], notes[name] = read_sheet(document, document.getSheets().getByName(name))
    formulas = {reference: _range(document, reference).getFormula() for reference in task.get("read_formulas", [])}
    timings["read"] = time.monotonic() - began
    result.update(sheets=sheets, cells=cells, notes=notes, names=defined_names(document), formulas=formulas)
    result["timings"] = timings
    document.close(True)
    return result


def function_descriptions(ctx: Any, names: list[str]) -> dict[str, Any]:
    """What the Function Wizard shows for each of ``names``: description, and each argument's name,
    help and whether it is optional (``com.sun.star.sheet.FunctionDescriptions``)."""
    descriptions = ctx.ServiceManager.createInstanceWithContext("com.sun.star.sheet.FunctionDescriptions", ctx)
    found: dict[str, Any] = {}
    for index in range(descriptions.getCount()):
        entry = {prop.Name: prop.Value for prop in descriptions.getByIndex(index)}
        if entry.get("Name") in names:
            found[entry["Name"]] = {
                "description": entry.get("Description"),
                "arguments": [[a.Name, a.Description, bool(a.IsOptional)] for a in entry.get("Arguments", ())],
            }
    return found


def run(job: dict[str, Any]) -> dict[str, Any]:
    """Start LibreOffice, register the extension, compute each of the job's ``documents``, stop LibreOffice."""
    timings: dict[str, float] = {}
    began = time.monotonic()
    pipe = f"althedge-{os.getpid()}"
    process = start(job["soffice"], Path(job["profile"]), pipe)
    ctx = None
    try:
        ctx = connect(pipe, process, began + float(job.get("start_timeout", 120)))
        timings["start"] = time.monotonic() - began
        if job.get("oxt"):
            add_extension(ctx, Path(job["oxt"]))
            timings["extension"] = time.monotonic() - began
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        documents = [compute_document(desktop, task, began) for task in job["documents"]]
        for document in documents:
            document["timings"] = {**timings, **document["timings"]}
        return {"documents": documents, "functions": function_descriptions(ctx, job.get("describe", []))}
    finally:
        try:
            if ctx is not None and process.poll() is None:
                desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
                desktop.terminate()
        except Exception:
            pass
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    try:
        result = run(job)
    except Exception as exc:  # the caller reads the reason from the result file
        result = {"error": f"{type(exc).__name__}: {exc}"}
    Path(argv[2]).write_text(json.dumps(result, allow_nan=True), encoding="utf-8")
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
