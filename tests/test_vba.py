"""The workbook's VBA project, read back by parsers that are not the one that wrote it.

pyOpenVBA writes the project (althedge_xl.workbook.vba); oletools' olevba reads the modules back and
olefile the PROJECT stream. The UDFs here are a small fake module with the same ``__althedge_udf__``
specs as ``althedge_xl.udfs`` (one optional argument, one description with quotes and characters
outside the VBA code page); the real module is checked too when it imports.
"""

from __future__ import annotations

import importlib
import inspect
import io
import re
import sys
import types
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import olefile
import openpyxl
import pytest
import xlsxwriter
import xlwings

from althedge_xl.excel.function import UdfSpec
from althedge_xl.workbook import vba
from althedge_xl.workbook.vba import text as vba_text

# olevba's pyparsing grammar uses names pyparsing deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parents[1]
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SHEETS = ("Portfolio", "Hedge", "Stress", "Funding")


# ---------------------------------------------------------------------------------------------
# A fake UDF module with the specs althedge_xl.udfs carries
# ---------------------------------------------------------------------------------------------


# The fake UDFs carry the real spec type, as althedge_xl.udfs does.
FakeSpec = UdfSpec


def fake_udf(**arg_docs: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        description = (function.__doc__ or "").strip().splitlines()[0]
        function.__althedge_udf__ = FakeSpec(function.__name__, description, "AltHedge", arg_docs)  # type: ignore[attr-defined]
        return function

    return decorate


@fake_udf(
    alt_values="USD value of each altcoin holding to hedge",
    hedge_ratio="Share of the altcoin value to hedge, as a fraction (40% = 0.4)",
)
def HEDGE_NOTIONAL(alt_values: Any, hedge_ratio: Any) -> Any:
    """USD notional of BTC futures to short: sum(alt_values) × hedge_ratio."""
    return alt_values * hedge_ratio


@fake_udf(notional="Position notional in USD", leverage='Optional: leverage, 1 to 125 (default 20, "5% margin")')
def HEDGE_MARGIN(notional: Any, leverage: Any = 20) -> Any:
    """Initial margin in USD of a futures position: notional / leverage."""
    return notional / leverage


@fake_udf(spot_values="USD value of each spot holding", shock="Price move as a fraction (−15% = a 15% fall)")
def SCENARIO_PNL(spot_values: Any, shock: Any) -> Any:
    """Net P/L in USD: Σ value × shock − the short's loss."""
    return spot_values * shock


FAKE_FUNCTIONS = [HEDGE_MARGIN, HEDGE_NOTIONAL, SCENARIO_PNL]
FAKE_NAMES = sorted(vba.udf_spec(f).name for f in FAKE_FUNCTIONS)
fake_module = types.ModuleType("fake_udfs")
for _function in FAKE_FUNCTIONS:
    setattr(fake_module, _function.__name__, _function)


def build_sample_xlsm(functions: list[Callable[..., Any]] = FAKE_FUNCTIONS, *, metadata: bool = True) -> bytes:
    """A small template as the workbook builder makes it: sheets, UDF formulas, a Refresh button."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": "AltHedge test", "created": datetime(2026, 1, 1)})
    for name in SHEETS:
        sheet = book.add_worksheet(name)
        sheet.write("A1", name)
    first = book.worksheets()[0]
    first.write_formula("B2", "=HEDGE_NOTIONAL(50000,0.4)", None, 20000)
    first.write_formula("B3", "=HEDGE_MARGIN(20000,20)", None, 1000)
    first.insert_button("D2", {"macro": vba.REFRESH_MACRO, "caption": "Refresh"})
    vba.add_vba_project(book, functions)
    book.close()
    data = out.getvalue()
    return vba.add_function_metadata(data, functions) if metadata else data


@pytest.fixture(scope="module")
def xlsm() -> bytes:
    return build_sample_xlsm()


@pytest.fixture(scope="module")
def project(xlsm: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(xlsm)) as package:
        return package.read("xl/vbaProject.bin")


@pytest.fixture(scope="module")
def modules(project: bytes) -> dict[str, str]:
    return vba.vba_modules(project)  # olevba


# ---------------------------------------------------------------------------------------------
# Reading VBA back
# ---------------------------------------------------------------------------------------------


def vba_string_value(expression: str) -> str:
    """The value of a VBA string expression of literals and ChrW(n) joined by &."""
    value = ""
    for literal, code in re.findall(r'"((?:[^"]|"")*)"|ChrW\((\d+)\)', expression):
        value += chr(int(code)) if code else literal.replace('""', '"')
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def split_arguments(text: str) -> list[str]:
    """Top-level comma-separated arguments of a VBA call (strings and parentheses respected)."""
    parts, depth, current, in_string = [], 0, "", False
    for char in text:
        if char == '"':
            in_string = not in_string
        elif not in_string and char == "(":
            depth += 1
        elif not in_string and char == ")":
            depth -= 1
        if char == "," and depth == 0 and not in_string:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def wrappers(source: str) -> dict[str, dict[str, Any]]:
    """Each Function of a module: its parameters and its VB_Description."""
    found: dict[str, dict[str, Any]] = {}
    for name, params, body in re.findall(r"^Function (\w+)\((.*?)\)\r?\n(.*?)^End Function", source, re.M | re.S):
        description = re.search(rf'^Attribute {name}\.VB_Description = "((?:[^"]|"")*)"', body, re.M)
        found[name] = {
            "params": [p.strip() for p in params.split(",") if p.strip()],
            "description": description.group(1).replace('""', '"') if description else None,
            "body": body,
        }
    return found


def register_calls(source: str) -> dict[str, tuple[str, str, list[str]]]:
    """Each ``SetFunctionHelp name, description, category, Array(help, ...)`` of the macro module."""
    joined = re.sub(r" _\r?\n\s*", " ", source)
    calls: dict[str, tuple[str, str, list[str]]] = {}
    for arguments in re.findall(r"^\s*SetFunctionHelp (.*)$", joined, re.M):
        name, description, category, helps = split_arguments(arguments)
        docs = split_arguments(helps[len("Array(") : -1]) if helps.startswith("Array(") else []
        calls[vba_string_value(name)] = (
            vba_string_value(description),
            vba_string_value(category),
            [vba_string_value(doc) for doc in docs],
        )
    return calls


def cp1252(text: str) -> str:
    """What the description looks like in the VBA code page (the module's stand-ins)."""
    return vba_text._cp1252_text(text)


# ---------------------------------------------------------------------------------------------
# The runtime
# ---------------------------------------------------------------------------------------------


def pinned_xlwings() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'"xlwings\s*([=<>!~]=?)\s*([^";,\s]+)', text)
    assert found, "pyproject.toml does not name xlwings"
    assert found.group(1) == "==", f"xlwings must be pinned exactly, found {found.group(0)}"
    return found.group(2)


class TestRuntime:
    def test_runtime_modules_present(self, modules: dict[str, str]) -> None:
        assert "xlwings" in modules and "Dictionary" in modules
        assert "Public Function RunPython(" in modules["xlwings"]
        assert "Function XLPy()" in modules["xlwings"]
        assert "Module1" not in modules, "xlwings' sample module should be gone"

    def test_runtime_version_is_the_installed_and_pinned_xlwings(self, project: bytes) -> None:
        # The runtime loads xlwings64-<version>.dll, which only that xlwings release installs.
        assert vba.xlwings_runtime_version(project) == xlwings.__version__
        if (ROOT / "pyproject.toml").exists():
            assert vba.xlwings_runtime_version(project) == pinned_xlwings()
        assert f'"xlwings64-{xlwings.__version__}.dll"' in vba.vba_modules(project)["xlwings"]

    def test_licence_notice_is_kept(self, project: bytes) -> None:
        notice = vba.xlwings_license_notice(project)
        assert notice.startswith("xlwings is distributed under a BSD 3-clause license.")
        assert "Copyright (C) 2014-present, Zoomer Analytics LLC." in notice
        assert "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS" in notice

    def test_base_project_is_the_pinned_quickstart(self) -> None:
        assert vba.quickstart_workbook_path().parent == Path(xlwings.__file__).parent
        assert vba.xlwings_runtime_version(vba.base_vba_project()) == xlwings.__version__


# ---------------------------------------------------------------------------------------------
# The wrappers
# ---------------------------------------------------------------------------------------------


def import_functions_text(module_name: str, functions: list[Callable[..., Any]], monkeypatch: Any) -> str:
    """What xlwings' Import Functions writes, produced here with xlwings' own code, independently."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        stub = types.ModuleType(name)
        stub.CoInitialize = lambda: None  # type: ignore[attr-defined]
        stub.com_error = Exception  # type: ignore[attr-defined]
        stub.Dispatch = lambda *a: None  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, name, stub)
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    xu: Any = importlib.import_module("xlwings.udfs")

    namespace = types.SimpleNamespace()
    for function in functions:
        spec = vba.udf_spec(function)

        def copy(*args: Any, _f: Any = function) -> Any:
            return _f(*args)

        copy.__name__ = spec.name
        copy.__doc__ = spec.description
        copy.__signature__ = inspect.signature(function)  # type: ignore[attr-defined]
        for argument in reversed(list(spec.arg_docs)):
            copy = xu.xlarg(argument, doc=spec.arg_docs[argument])(copy)
        setattr(namespace, spec.name, xu.xlfunc(category=spec.category)(copy))
    text = io.StringIO()
    text.write('Attribute VB_Name = "xlwings_udfs"\n')
    text.write("'Autogenerated code by xlwings - changes will be lost with next import!\n")
    text.write('#Const App = "Microsoft Excel" \'Adjust when using outside of Excel\n')

    class Book:
        Name = "AltHedge.xlsm"

    xu.generate_vba_wrapper(module_name, namespace, text, Book())
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    return text.getvalue()


class TestWrappers:
    def test_one_wrapper_per_udf(self, modules: dict[str, str]) -> None:
        assert sorted(wrappers(modules[vba.UDF_MODULE_NAME])) == FAKE_NAMES

    def test_each_wrapper_has_its_description(self, modules: dict[str, str]) -> None:
        found = wrappers(modules[vba.UDF_MODULE_NAME])
        for function in FAKE_FUNCTIONS:
            spec = vba.udf_spec(function)
            assert found[spec.name]["description"] == cp1252(spec.description)
        # Characters the VBA code page lacks get stand-ins rather than "?".
        assert found["SCENARIO_PNL"]["description"] == "Net P/L in USD: sum value × shock - the short's loss."

    def test_optional_arguments_are_optional(self, modules: dict[str, str]) -> None:
        found = wrappers(modules[vba.UDF_MODULE_NAME])
        assert found["HEDGE_MARGIN"]["params"] == ["notional", "Optional leverage"]
        assert found["HEDGE_NOTIONAL"]["params"] == ["alt_values", "hedge_ratio"]

    def test_wrappers_call_the_python_module(self, modules: dict[str, str]) -> None:
        found = wrappers(modules[vba.UDF_MODULE_NAME])
        for name, wrapper in found.items():
            assert f'XLPy.CallUDF("althedge_xl.udfs", "{name}", Array(' in wrapper["body"]
            assert "ThisWorkbook, Application.Caller)" in wrapper["body"]

    def test_text_is_what_import_functions_writes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        ours = vba.udf_wrapper_module("althedge_xl.udfs", FAKE_FUNCTIONS)
        without_descriptions = re.sub(r"^Attribute \w+\.VB_Description = .*\r\n", "", ours, flags=re.M)
        expected = import_functions_text("althedge_xl.udfs", FAKE_FUNCTIONS, monkeypatch)
        assert without_descriptions == expected.replace("\n", "\r\n")

    def test_module_read_back_equals_module_written(self, modules: dict[str, str]) -> None:
        written = vba.udf_wrapper_module("althedge_xl.udfs", FAKE_FUNCTIONS)
        assert modules[vba.UDF_MODULE_NAME].replace("\r\n", "\n") == cp1252_lines(written).replace("\r\n", "\n")

    def test_pywin32_stubs_do_not_leak(self) -> None:
        before = {name: sys.modules.get(name) for name in ("pythoncom", "win32com.client", "xlwings.udfs")}
        vba.udf_wrapper_module("althedge_xl.udfs", FAKE_FUNCTIONS)
        vba.xlwings_udf_metadata(FAKE_FUNCTIONS)
        after = {name: sys.modules.get(name) for name in before}
        assert after == before


def cp1252_lines(text: str) -> str:
    """``text`` as it comes back from a cp1252 module stream."""
    return text.encode("cp1252", errors="replace").decode("cp1252")


# ---------------------------------------------------------------------------------------------
# xlwings' metadata, the wrappers and the registration macro agree
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xlfunc() -> dict[str, dict[str, Any]]:
    return vba.xlwings_udf_metadata(FAKE_FUNCTIONS)


class TestMetadata:
    def test_xlwings_sees_category_description_and_help(self, xlfunc: dict[str, dict[str, Any]]) -> None:
        assert sorted(xlfunc) == FAKE_NAMES
        for function in FAKE_FUNCTIONS:
            spec = vba.udf_spec(function)
            info = xlfunc[spec.name]
            assert info["category"] == "AltHedge"
            assert info["ret"]["doc"] == spec.description
            assert {arg["name"]: arg["doc"] for arg in info["args"]} == dict(spec.arg_docs)
        assert xlfunc["HEDGE_MARGIN"]["args"][1]["optional"] == 20

    def test_wrappers_follow_the_metadata(self, xlfunc: dict[str, dict[str, Any]], modules: dict[str, str]) -> None:
        found = wrappers(modules[vba.UDF_MODULE_NAME])
        for name, info in xlfunc.items():
            expected = [("Optional " if "optional" in arg else "") + arg["name"] for arg in info["args"]]
            assert found[name]["params"] == expected
            assert found[name]["description"] == cp1252(info["ret"]["doc"][:255])

    def test_registration_follows_the_metadata(
        self, xlfunc: dict[str, dict[str, Any]], modules: dict[str, str]
    ) -> None:
        calls = register_calls(modules[vba.MACRO_MODULE_NAME])
        assert sorted(calls) == FAKE_NAMES
        for name, info in xlfunc.items():
            description, category, docs = calls[name]
            assert description == info["ret"]["doc"]  # exact: ChrW for what cp1252 lacks
            assert category == info["category"] == "AltHedge"
            assert docs == [arg["doc"] for arg in info["args"]]

    def test_registration_runs_on_open(self, modules: dict[str, str]) -> None:
        assert re.search(
            r"Private Sub Workbook_Open\(\)\r?\n\s+AltHedgeMacros\.AltHedgeRegisterFunctions\r?\nEnd Sub",
            modules["ThisWorkbook"],
        )

    def test_refresh_macro_runs_python(self, modules: dict[str, str]) -> None:
        macro = re.search(r"Public Sub AltHedgeRefresh\(\)\r?\n(.*?)End Sub", modules[vba.MACRO_MODULE_NAME], re.S)
        assert macro is not None
        assert macro.group(1).strip() == f'RunPython "{vba.REFRESH_COMMAND}"'
        assert "althedge_xl.workbook.refresh_excel" in vba.REFRESH_COMMAND and "refresh_caller()" in vba.REFRESH_COMMAND

    def test_no_vba_line_too_long(self, modules: dict[str, str]) -> None:
        for name in (vba.UDF_MODULE_NAME, vba.MACRO_MODULE_NAME):
            assert max(len(line) for line in modules[name].splitlines()) <= 1023

    def test_long_help_is_continued(self) -> None:
        long_docs = {f"a{i}": f"Help {i} " + "x" * 240 for i in range(6)}

        def LONG_ONE(a0: Any, a1: Any, a2: Any, a3: Any, a4: Any, a5: Any) -> Any:
            """A function with long help."""

        LONG_ONE.__althedge_udf__ = FakeSpec("LONG_ONE", "A function with long help.", "AltHedge", long_docs)  # type: ignore[attr-defined]
        source = vba.macro_module([LONG_ONE])
        assert max(len(line) for line in source.splitlines()) <= 1023
        assert register_calls(source)["LONG_ONE"][2] == list(long_docs.values())


# ---------------------------------------------------------------------------------------------
# Document modules and the PROJECT stream
# ---------------------------------------------------------------------------------------------


def project_stream(project: bytes) -> str:
    with olefile.OleFileIO(io.BytesIO(project)) as ole:
        return str(ole.openstream("PROJECT").read().decode("cp1252"))


class TestDocuments:
    def test_every_code_name_has_a_document_module(self, xlsm: bytes, modules: dict[str, str], project: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(xlsm)) as package:
            workbook = package.read("xl/workbook.xml").decode()
            sheets = [package.read(f"xl/worksheets/sheet{i}.xml").decode() for i in range(1, len(SHEETS) + 1)]
        book_name = re.search(r'<workbookPr [^>]*codeName="(\w+)"', workbook)
        assert book_name is not None and book_name.group(1) == "ThisWorkbook"
        codes = [re.search(r'<sheetPr [^>]*codeName="(\w+)"', sheet).group(1) for sheet in sheets]  # type: ignore[union-attr]
        assert codes == ["Sheet1", "Sheet2", "Sheet3", "Sheet4"]
        declared = project_stream(project)
        for name in ["ThisWorkbook", *codes]:
            assert "VB_PredeclaredId = True" in modules[name]
            assert f"Document={name}/&H00000000" in declared.splitlines()
        for name in codes:
            assert 'Attribute VB_Base = "0{00020820-0000-0000-C000-000000000046}"' in modules[name]
        assert "Module=xlwings_udfs" in declared and "Module=AltHedgeMacros" in declared
        assert "Class=Dictionary" in declared
        assert not any(line.startswith("Class=Sheet") for line in declared.splitlines())

    def test_workspace_section_has_no_blank_line(self, project: bytes) -> None:
        workspace = project_stream(project).split("[Workspace]\r\n", 1)[1]
        assert workspace.endswith("\r\n\r\n")  # as the quickstart's stream ends
        assert "" not in workspace[: -len("\r\n\r\n")].split("\r\n")

    def test_unused_sheet_modules_go_and_custom_names_come(self) -> None:
        project = vba.build_vba_project({}, ["Sheet1", "shDash"], chartsheet_codenames=["Chart3"])
        modules = vba.vba_modules(project)
        assert "Sheet2" not in modules
        assert {"ThisWorkbook", "Sheet1", "shDash", "Chart3", "xlwings", "Dictionary"} <= set(modules)
        assert "0{00020821-0000-0000-C000-000000000046}" in modules["Chart3"]
        declared = project_stream(project).splitlines()
        assert "Document=shDash/&H00000000" in declared and "Document=Chart3/&H00000000" in declared
        assert "Document=Sheet2/&H00000000" not in declared

    def test_same_code_name_twice_is_refused(self) -> None:
        with pytest.raises(ValueError, match="same code name"):
            vba.build_vba_project({}, ["Sheet1", "sheet1"])


class TestDeterminism:
    def test_same_project_twice(self) -> None:
        first = vba.build_althedge_vba_project(FAKE_FUNCTIONS, ["Sheet1", "Sheet2", "Sheet3"])
        second = vba.build_althedge_vba_project(FAKE_FUNCTIONS, ["Sheet1", "Sheet2", "Sheet3"])
        assert first == second

    def test_same_workbook_twice(self, xlsm: bytes) -> None:
        assert build_sample_xlsm() == xlsm


# ---------------------------------------------------------------------------------------------
# workbook.xml
# ---------------------------------------------------------------------------------------------


class TestWorkbookXml:
    def test_function_group_and_macro_names(self, xlsm: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(xlsm)) as package:
            root = ET.fromstring(package.read("xl/workbook.xml"))
        children = [child.tag.removeprefix(MAIN_NS) for child in root]
        # Schema order (ISO/IEC 29500-1 18.2.27): sheets, functionGroups, ..., definedNames, calcPr.
        assert children.index("sheets") + 1 == children.index("functionGroups") < children.index("definedNames")
        assert children.index("definedNames") < children.index("calcPr")
        groups = root.find(f"{MAIN_NS}functionGroups")
        assert groups is not None
        assert groups.get("builtInGroupCount") == "18"
        assert [group.get("name") for group in groups] == ["AltHedge"]
        names = {str(name.get("name")): name for name in root.iter(f"{MAIN_NS}definedName")}
        assert sorted(names) == FAKE_NAMES
        for name, element in names.items():
            assert (element.get("function"), element.get("vbProcedure"), element.get("functionGroupId")) == (
                "1",
                "1",
                "19",
            )
            assert element.text == f"xlwings_udfs.{name}"

    def test_openpyxl_reads_it(self, xlsm: bytes) -> None:
        book = openpyxl.load_workbook(io.BytesIO(xlsm), keep_vba=True)
        assert book.sheetnames == list(SHEETS)
        assert book.vba_archive is not None

    def test_argument_help_extension_only_with_a_uri(self) -> None:
        plain = build_sample_xlsm(metadata=False)
        with_ext = vba.add_function_metadata(plain, FAKE_FUNCTIONS, argument_descriptions_ext_uri="{TEST-URI}")
        with zipfile.ZipFile(io.BytesIO(with_ext)) as package:
            root = ET.fromstring(package.read("xl/workbook.xml"))
        x14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"
        ext = root.find(f"{MAIN_NS}extLst/{MAIN_NS}ext")
        assert ext is not None and ext.get("uri") == "{TEST-URI}"
        found = {
            name.get("name"): [d.text for d in name.iter(f"{x14}argumentDescription")]
            for name in ext.iter(f"{x14}definedName")
        }
        assert found["HEDGE_MARGIN"] == [
            "Position notional in USD",
            'Optional: leverage, 1 to 125 (default 20, "5% margin")',
        ]
        with zipfile.ZipFile(io.BytesIO(vba.add_function_metadata(plain, FAKE_FUNCTIONS))) as package:
            assert b"<extLst>" not in package.read("xl/workbook.xml")

    def test_twice_is_refused(self, xlsm: bytes) -> None:
        with pytest.raises(ValueError, match="function groups already"):
            vba.add_function_metadata(xlsm, FAKE_FUNCTIONS)


# ---------------------------------------------------------------------------------------------
# Specs the wrappers could not honour
# ---------------------------------------------------------------------------------------------


def _with_spec(spec: FakeSpec) -> Callable[..., Any]:
    def f(a: Any, b: Any = 1) -> Any:
        return a

    f.__name__ = spec.name
    f.__althedge_udf__ = spec  # type: ignore[attr-defined]
    return f


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (FakeSpec("F", "x" * 256, "AltHedge", {"a": "A", "b": "B"}), "description"),
        (FakeSpec("F", "Fine.", "AltHedge", {"a": "A"}), "exactly the parameters"),
        (FakeSpec("F", "Fine.", "AltHedge", {"a": "A", "b": ""}), "help of 'b'"),
        (FakeSpec("1F", "Fine.", "AltHedge", {"a": "A", "b": "B"}), "not a name"),
    ],
)
def test_bad_specs_are_refused(spec: FakeSpec, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        vba.udf_wrapper_module("althedge_xl.udfs", [_with_spec(spec)])


def test_keyword_only_arguments_are_refused() -> None:
    def G(a: Any, *, b: Any = 1) -> Any:
        return a

    G.__althedge_udf__ = FakeSpec("G", "Fine.", "AltHedge", {"a": "A", "b": "B"})  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="not positional"):
        vba.udf_wrapper_module("althedge_xl.udfs", [G])


def test_a_name_xlwings_could_not_resolve_is_refused() -> None:
    def lower_case(a: Any) -> Any:
        return a

    lower_case.__althedge_udf__ = FakeSpec("UPPER_CASE", "Fine.", "AltHedge", {"a": "A"})  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="could not find it"):
        vba.udf_wrapper_module("althedge_xl.udfs", [lower_case])


def test_udf_functions_finds_specs_in_name_order() -> None:
    assert [vba.udf_spec(f).name for f in vba.udf_functions(fake_module)] == FAKE_NAMES


# ---------------------------------------------------------------------------------------------
# The real UDFs and the committed template
# ---------------------------------------------------------------------------------------------


def test_real_udfs_build() -> None:
    udfs = pytest.importorskip("althedge_xl.udfs")
    functions = vba.udf_functions(udfs)
    assert functions, "althedge_xl.udfs has no UDF with __althedge_udf__"
    project = vba.build_althedge_vba_project(functions, ["Sheet1", "Sheet2"])
    modules = vba.vba_modules(project)
    names = sorted(vba.udf_spec(f).name for f in functions)
    assert sorted(wrappers(modules[vba.UDF_MODULE_NAME])) == names
    assert sorted(register_calls(modules[vba.MACRO_MODULE_NAME])) == names
    metadata = vba.xlwings_udf_metadata(functions)
    assert {info["category"] for info in metadata.values()} == {"AltHedge"}


def test_committed_workbook_runtime_matches_the_pin() -> None:
    path = ROOT / "workbook" / "AltHedge.xlsm"
    if not path.exists():
        pytest.skip("workbook/AltHedge.xlsm is not built yet")
    with zipfile.ZipFile(path) as package:
        project = package.read("xl/vbaProject.bin")
    assert vba.xlwings_runtime_version(project) == pinned_xlwings() == xlwings.__version__
    modules = vba.vba_modules(project)
    assert vba.UDF_MODULE_NAME in modules and vba.MACRO_MODULE_NAME in modules


def test_a_defined_name_that_would_hide_a_function_is_refused() -> None:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("Portfolio")
    book.define_name("HEDGE_MARGIN", "=Portfolio!$A$1")
    vba.add_vba_project(book, FAKE_FUNCTIONS)
    book.close()
    with pytest.raises(ValueError, match="would hide the function"):
        vba.add_function_metadata(out.getvalue(), FAKE_FUNCTIONS)
