"""The VBA project: xlwings' runtime from its quickstart workbook, AltHedge's modules added with pyOpenVBA."""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from althedge_xl.files import scratch_folder
from althedge_xl.workbook.vba.constants import (
    CHARTSHEET_BASE,
    MACRO_MODULE_NAME,
    REFRESH_COMMAND,
    SAMPLE_MODULES,
    UDF_MODULE_NAME,
    UDF_PYTHON_MODULE,
    WORKSHEET_BASE,
    ZIP_EPOCH,
)
from althedge_xl.workbook.vba.text import macro_module, this_workbook_module, udf_wrapper_module, vba_line_endings

# The VBA project
# ---------------------------------------------------------------------------------------------


def quickstart_workbook_path() -> Path:
    """``quickstart_standalone.xlsm`` of the installed xlwings, whose project carries the runtime."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("xlwings is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "quickstart_standalone.xlsm"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed xlwings")
    return path


def base_vba_project() -> bytes:
    """The ``vbaProject.bin`` of the installed xlwings' ``quickstart_standalone.xlsm``."""
    with zipfile.ZipFile(quickstart_workbook_path()) as package:
        return package.read("xl/vbaProject.bin")


def _package_with(vba_project: bytes) -> bytes:
    """The quickstart workbook with ``vba_project`` as its project: a package pyOpenVBA can open."""
    out = io.BytesIO()
    with zipfile.ZipFile(quickstart_workbook_path()) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = vba_project if info.filename == "xl/vbaProject.bin" else source.read(info.filename)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def _document_header(name: str, base: str) -> str:
    """The attribute header Excel writes for a sheet's document module."""
    return vba_line_endings(
        f'Attribute VB_Name = "{name}"\nAttribute VB_Base = "{base}"\n'
        "Attribute VB_GlobalNameSpace = False\nAttribute VB_Creatable = False\n"
        "Attribute VB_PredeclaredId = True\nAttribute VB_Exposed = True\n"
        "Attribute VB_TemplateDerived = False\nAttribute VB_Customizable = True\n"
    )


def _tidy_project_stream(vba_project: bytes, documents: Iterable[str], *, blank_line_at_end: bool) -> bytes:
    """``vba_project`` with its PROJECT stream as Excel writes one.

    pyOpenVBA declares a module added to an existing project ``Class=NAME``, which is right for a
    class module; Excel declares a sheet's module ``Document=NAME/&H00000000`` ([MS-OVBA] 2.3.1.7),
    and a sheet whose code name has a class module rather than a document module is a damaged
    project to Excel. pyOpenVBA also appends the new ``[Workspace]`` lines after the blank line
    that ends the base project's stream; the blank line goes back to the end.
    """
    from pyopenvba.cfb import CFB

    wanted = {name.casefold(): name for name in documents}
    cfb = CFB.from_bytes(vba_project)
    text = cfb.get_stream("PROJECT").decode("cp1252")
    lines: list[str] = []
    in_workspace = False
    for line in text.split("\r\n"):
        key, _, value = line.partition("=")
        if key == "Class" and value.casefold() in wanted:
            line = f"Document={wanted[value.casefold()]}/&H00000000"
        if line.startswith("["):
            in_workspace = line == "[Workspace]"
        if in_workspace and not line.strip():
            continue
        lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    tidy = "\r\n".join(lines) + "\r\n" + ("\r\n" if blank_line_at_end else "")
    cfb.write_stream("PROJECT", tidy.encode("cp1252"))
    return bytes(cfb.to_bytes())


def build_vba_project(
    extra_modules: Mapping[str, str],
    sheet_codenames: Sequence[str],
    *,
    chartsheet_codenames: Sequence[str] = (),
    this_workbook_code: str = "",
    drop_modules: Sequence[str] = SAMPLE_MODULES,
    base: bytes | None = None,
) -> bytes:
    """A ``vbaProject.bin``: the xlwings runtime project plus ``extra_modules`` and sheet modules.

    Parameters
    ----------
    extra_modules : mapping of str to str
        Standard modules to add, name to source (an ``Attribute VB_Name`` header is written when the
        source has none). A name the base project has already is replaced.
    sheet_codenames : sequence of str
        The code name of every worksheet of the workbook, in sheet order: xlsxwriter writes
        ``Sheet1`` .. ``SheetN`` (``Worksheet.set_vba_name``), :func:`add_vba_project` sets them.
        Each gets a document module; the base project's sheet modules that no sheet uses go.
    chartsheet_codenames : sequence of str
        The code names of chart sheets, which take a chart's document module.
    this_workbook_code : str
        The body of ``ThisWorkbook`` (event handlers), e.g. :func:`this_workbook_module`.
    drop_modules : sequence of str
        Base modules to take out: by default xlwings' sample ``Module1``.
    base : bytes, optional
        The project to start from; by default :func:`base_vba_project`.

    Returns
    -------
    bytes
        The project, for ``xlsxwriter.Workbook.add_vba_project(io.BytesIO(data), is_stream=True)``.
        The same arguments give the same bytes.
    """
    from pyopenvba import ExcelFile
    from pyopenvba.cfb import CFB
    from pyopenvba.vba import VBAModuleKind

    base_project = base if base is not None else base_vba_project()
    documents = {name: WORKSHEET_BASE for name in sheet_codenames}
    documents.update({name: CHARTSHEET_BASE for name in chartsheet_codenames})
    if len({name.casefold() for name in documents}) != len(documents) or len(documents) != len(
        [*sheet_codenames, *chartsheet_codenames]
    ):
        raise ValueError("two sheets have the same code name")
    with scratch_folder("althedge-vba-") as folder:
        source, target = Path(folder) / "base.xlsm", Path(folder) / "built.xlsm"
        source.write_bytes(_package_with(base_project))
        with ExcelFile(source) as book:
            project = book.vba_project()
            present = {module.name.casefold(): module for module in project.modules}
            book_module = next(
                (m for m in project.modules if "00020819-0000-0000-C000-000000000046" in m.attribute_header), None
            )
            if book_module is None:
                raise ValueError("the base project has no workbook document module")
            for module in list(project.modules):
                sheet_base = next((b for b in (WORKSHEET_BASE, CHARTSHEET_BASE) if b in module.attribute_header), None)
                # A base sheet module goes unless a sheet of the same kind has its code name.
                unused_sheet = sheet_base is not None and documents.get(module.name) != sheet_base
                if unused_sheet or module.name in drop_modules or module.name in extra_modules:
                    project.delete_module(module.name)
                    present.pop(module.name.casefold(), None)
            added_documents = []
            for name, kind_base in documents.items():
                if name.casefold() == book_module.name.casefold():
                    raise ValueError(f"the sheet code name {name!r} is the workbook's")
                if name.casefold() in present:
                    continue
                project.add_module(name, _document_header(name, kind_base), kind=VBAModuleKind.other)
                added_documents.append(name)
            for name, text in extra_modules.items():
                header = f'Attribute VB_Name = "{name}"\r\n'
                source_text = vba_line_endings(text)
                project.add_module(
                    name,
                    source_text if source_text.startswith("Attribute VB_Name") else header + source_text,
                    kind=VBAModuleKind.standard,
                )
            if this_workbook_code:
                book.set_module(book_module.name, vba_line_endings(this_workbook_code))
            book.save(target, allow_invalidate_signature=True)
        with ExcelFile(target) as built:
            problems = built.validate()
            if problems:
                raise ValueError(f"pyOpenVBA finds the built project inconsistent: {problems}")
            project_bytes = built.vba_project_bytes()
    ends_blank = CFB.from_bytes(base_project).get_stream("PROJECT").endswith(b"\r\n\r\n")
    return _tidy_project_stream(project_bytes, added_documents, blank_line_at_end=ends_blank)


def build_althedge_vba_project(
    functions: Sequence[Callable[..., Any]],
    sheet_codenames: Sequence[str],
    *,
    chartsheet_codenames: Sequence[str] = (),
    register_on_open: bool = True,
    module_name: str = UDF_PYTHON_MODULE,
    refresh_command: str = REFRESH_COMMAND,
) -> bytes:
    """The AltHedge workbook's project: runtime, ``xlwings_udfs``, ``AltHedgeMacros``, sheet modules."""
    return build_vba_project(
        {
            UDF_MODULE_NAME: udf_wrapper_module(module_name, functions),
            MACRO_MODULE_NAME: macro_module(functions, refresh_command=refresh_command),
        },
        sheet_codenames,
        chartsheet_codenames=chartsheet_codenames,
        this_workbook_code=this_workbook_module(register_on_open=register_on_open),
    )


def add_vba_project(workbook: Any, functions: Sequence[Callable[..., Any]], **options: Any) -> bytes:
    """Give an ``xlsxwriter.Workbook`` the AltHedge project; call it after the last ``add_*sheet``.

    Sets the workbook's code name ``ThisWorkbook`` and every sheet's (``Sheet<n>``, as xlsxwriter
    would, unless one was set), builds the project for those names with
    :func:`build_althedge_vba_project` (``options`` are its keywords) and adds it. Returns the
    project's bytes.
    """
    workbook.set_vba_name("ThisWorkbook")
    sheets: list[str] = []
    charts: list[str] = []
    for sheet in workbook.worksheets():
        if getattr(sheet, "vba_codename", None) is None:
            sheet.set_vba_name()
        (charts if getattr(sheet, "is_chartsheet", False) else sheets).append(sheet.vba_codename)
    project = build_althedge_vba_project(functions, sheets, chartsheet_codenames=charts, **options)
    workbook.add_vba_project(io.BytesIO(project), is_stream=True)
    return project


def vba_modules(vba_project: bytes) -> dict[str, str]:
    """Module name to source of a ``vbaProject.bin``, read with oletools' olevba (a second parser)."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser("vbaProject.bin", data=vba_project)
    try:
        return {
            vba_filename.rsplit(".", 1)[0]: code if isinstance(code, str) else code.decode("cp1252")
            for _, _, vba_filename, code in parser.extract_all_macros()
        }
    finally:
        parser.close()


def _runtime_module(vba_project: bytes) -> str:
    for source in vba_modules(vba_project).values():
        if re.search(r"^\s*Public Const XLWINGS_VERSION As String", source, re.MULTILINE):
            return source
    raise ValueError("the VBA project has no xlwings runtime module (no XLWINGS_VERSION)")


def xlwings_runtime_version(vba_project: bytes) -> str:
    """The xlwings version the project's runtime was made for: its ``XLWINGS_VERSION`` constant.

    The runtime loads ``xlwings64-<version>.dll``, which only the same xlwings release installs,
    so it must equal the pinned ``xlwings.__version__``.
    """
    found = re.search(r'Public Const XLWINGS_VERSION As String = "([^"]+)"', _runtime_module(vba_project))
    assert found is not None
    return found.group(1)


def xlwings_license_notice(vba_project: bytes) -> str:
    """The licence notice at the top of the project's xlwings runtime module, comment marks removed."""
    notice: list[str] = []
    for line in _runtime_module(vba_project).splitlines():
        if line.startswith("'"):
            notice.append(line[1:])
        elif notice and line.strip():
            break
    text = "\n".join(notice).strip()
    start = text.find("xlwings is distributed under")
    if start < 0:
        raise ValueError("the xlwings runtime module has no licence notice")
    return text[start:]


# ---------------------------------------------------------------------------------------------
