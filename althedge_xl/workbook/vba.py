"""The workbook's VBA project: the xlwings runtime, the UDF wrappers and AltHedge's macros.

Excel calls a Python UDF through VBA: a worksheet function ``HEDGE_NOTIONAL`` in a standard
module that hands its arguments to xlwings' COM server (``XLPy.CallUDF``). xlwings writes those
wrappers itself when a user clicks *Import Functions* in Excel; this module writes the same text
without Excel, so the template ships with its functions already in place:

1. :func:`udf_wrapper_module` is the ``xlwings_udfs`` module exactly as *Import Functions* writes
   it (``xlwings.udfs.import_udfs`` / ``generate_vba_wrapper`` of the pinned xlwings, run with
   pywin32 stubbed), plus a ``VB_Description`` attribute in each function: the description the
   function wizard and the Object Browser show.
2. :func:`macro_module` holds the Refresh macro (``RunPython``) and the registration macro that
   gives every function its description, the category "AltHedge" and its argument help through
   ``Application.MacroOptions``, which is what *Import Functions* does after writing the wrappers.
   :func:`this_workbook_module` runs it when the workbook opens.
3. :func:`build_vba_project` starts from the VBA project of the pinned xlwings'
   ``quickstart_standalone.xlsm`` (the xlwings runtime as a source-only project: the ``xlwings``
   module and the ``Dictionary`` class), adds those modules with pyOpenVBA, gives every sheet a
   document module and returns the bytes ``xlsxwriter.Workbook.add_vba_project`` takes.
4. :func:`add_function_metadata` writes the same metadata where a workbook file keeps it
   (``functionGroups`` and a macro ``definedName`` per function in ``xl/workbook.xml``).

The xlwings runtime is xlwings' code, under its BSD 3-clause licence; its notice stays at the top
of the ``xlwings`` module (see :func:`xlwings_license_notice`) and in the README.

Example, with xlsxwriter::

    >>> import io, xlsxwriter                                     # doctest: +SKIP
    >>> from althedge_xl import udfs                              # doctest: +SKIP
    >>> functions = udf_functions(udfs)                           # doctest: +SKIP
    >>> out = io.BytesIO()                                        # doctest: +SKIP
    >>> book = xlsxwriter.Workbook(out, {"in_memory": True})      # doctest: +SKIP
    >>> sheet = book.add_worksheet("Portfolio")                   # doctest: +SKIP
    >>> add_vba_project(book, functions)                          # doctest: +SKIP
    >>> book.close()                                              # doctest: +SKIP
    >>> xlsm = add_function_metadata(out.getvalue(), functions)   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import io
import re
import sys
import tempfile
import types
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from althedge_xl.excel.function import CATEGORY, UdfSpec, udf_functions, udf_spec

__all__ = [
    "CATEGORY",
    "MACRO_MODULE_NAME",
    "REFRESH_COMMAND",
    "REFRESH_MACRO",
    "REGISTER_MACRO",
    "UDF_MODULE_NAME",
    "UDF_PYTHON_MODULE",
    "WORKBOOK_NAME",
    "UdfSpec",
    "add_function_metadata",
    "add_vba_project",
    "base_vba_project",
    "build_althedge_vba_project",
    "build_vba_project",
    "macro_module",
    "quickstart_workbook_path",
    "rezip",
    "this_workbook_module",
    "udf_functions",
    "udf_spec",
    "udf_wrapper_module",
    "vba_modules",
    "xlwings_license_notice",
    "xlwings_runtime_version",
    "xlwings_udf_metadata",
]

#: The workbook the wrappers are written for ("Import Functions" names ThisWorkbook in an .xlsm).
WORKBOOK_NAME = "AltHedge.xlsm"
#: The Python module the wrappers call, as xlwings imports it in the COM server.
UDF_PYTHON_MODULE = "althedge_xl.udfs"
#: The VBA module *Import Functions* writes (and replaces on the next import).
UDF_MODULE_NAME = "xlwings_udfs"
#: The standard module with AltHedge's own macros.
MACRO_MODULE_NAME = "AltHedgeMacros"
#: The macro the Refresh button runs.
REFRESH_MACRO = "AltHedgeRefresh"
#: The macro that registers descriptions, category and argument help (run on open).
REGISTER_MACRO = "AltHedgeRegisterFunctions"
#: The private procedure that sets one function's wizard help. Not ``Register``: that is also the
#: name of an Excel 4 macro function that loads DLL code, which antivirus heuristics (olevba) flag.
_HELP_PROCEDURE = "SetFunctionHelp"
#: What the Refresh macro asks xlwings' ``RunPython`` to run.
REFRESH_COMMAND = "import althedge_xl.workbook.refresh_excel as r; r.refresh_caller()"

#: The base project's sample module (a ``RunPython`` call to a module named after the workbook).
_SAMPLE_MODULES = ("Module1",)
#: The VB_Base of a worksheet's and a chart sheet's document module, as Excel writes them.
_WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
_CHARTSHEET_BASE = "0{00020821-0000-0000-C000-000000000046}"
#: Excel's limit on a description and on an argument's help text.
_MAX_HELP = 255
#: Excel's limit on a line of VBA, continuation included.
_MAX_VBA_LINE = 1023
#: Excel's built-in function categories, numbered as MacroOptions' Category takes them: Financial (1)
#: .. User Defined (14), Engineering, Cube (16), Compatibility (17, Excel 2010), Web (18, Excel 2013).
#: A workbook's own categories follow, from 19 (ISO/IEC 29500-1 18.2.15 builtInGroupCount).
_BUILTIN_GROUP_COUNT = 18
#: Fixed timestamp of every zip entry, so the same input gives the same bytes.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
_PYWIN32_MODULES = ("pythoncom", "pywintypes", "win32com", "win32com.client")


# ---------------------------------------------------------------------------------------------
# The UDFs and what xlwings makes of them
# ---------------------------------------------------------------------------------------------


def _checked_specs(functions: Iterable[Callable[..., Any]]) -> list[tuple[Callable[..., Any], UdfSpec]]:
    """Each function with its spec, after the checks the wrappers and the wizard rely on."""
    pairs: list[tuple[Callable[..., Any], UdfSpec]] = []
    seen: set[str] = set()
    for function in functions:
        spec = udf_spec(function)
        where = f"UDF {spec.name!r}"
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,254}", spec.name):
            raise ValueError(f"{where}: not a name VBA and Excel accept as a function name")
        if spec.name.upper() in seen:
            raise ValueError(f"{where}: two UDFs have this name")
        seen.add(spec.name.upper())
        home = sys.modules.get(getattr(function, "__module__", "") or "")
        if spec.name != getattr(function, "__name__", None) and getattr(home, spec.name, None) is not function:
            # The wrapper calls XLPy.CallUDF(module, spec.name) and xlwings resolves it with getattr.
            raise ValueError(
                f"{where}: the function is called {getattr(function, '__name__', '?')!r} and its module "
                f"has no attribute {spec.name!r}, so xlwings could not find it from Excel"
            )
        if not spec.description or len(spec.description) > _MAX_HELP:
            raise ValueError(f"{where}: the description must have 1 to {_MAX_HELP} characters")
        parameters = inspect.signature(function).parameters
        for parameter in parameters.values():
            if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                raise ValueError(f"{where}: {parameter.name!r} is not positional; xlwings rejects it")
        if set(spec.arg_docs) != set(parameters):
            raise ValueError(f"{where}: arg_docs must name exactly the parameters {list(parameters)}")
        for argument, text in spec.arg_docs.items():
            if not text or len(text) > _MAX_HELP:
                raise ValueError(f"{where}: help of {argument!r} must have 1 to {_MAX_HELP} characters")
        pairs.append((function, spec))
    return pairs


@contextlib.contextmanager
def _xlwings_udfs() -> Iterator[types.ModuleType]:
    """``xlwings.udfs`` of the pinned xlwings, importable off Windows.

    ``xlwings.udfs`` imports pywin32 (``pythoncom``, ``pywintypes``, ``win32com.client``) at the
    top, for the COM server, though the decorators and ``generate_vba_wrapper`` never use it. Off
    Windows those modules are stubbed in ``sys.modules`` for the import and taken out afterwards,
    with ``xlwings.udfs`` itself, so nothing else in the process sees the stubs.
    """
    loaded = sys.modules.get("xlwings.udfs")
    if loaded is not None:
        yield loaded
        return
    if importlib.util.find_spec("pythoncom") is not None:  # Windows with pywin32: the real thing
        import xlwings.udfs

        yield xlwings.udfs
        return
    import xlwings

    names = (*_PYWIN32_MODULES, "xlwings.udfs")
    saved = {name: sys.modules.get(name) for name in names}
    had_attribute = hasattr(xlwings, "udfs")
    stubs = {name: types.ModuleType(name) for name in _PYWIN32_MODULES}
    stubs["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
    stubs["pywintypes"].com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    stubs["win32com.client"].Dispatch = lambda *args, **kwargs: None  # type: ignore[attr-defined]
    stubs["win32com"].client = stubs["win32com.client"]  # type: ignore[attr-defined]
    sys.modules.update(stubs)
    try:
        module = importlib.import_module("xlwings.udfs")
        yield module
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
        if not had_attribute and hasattr(xlwings, "udfs"):
            delattr(xlwings, "udfs")


def _thin_copy(function: Callable[..., Any], spec: UdfSpec) -> Callable[..., Any]:
    """A new function with ``function``'s signature, named and documented as ``spec`` says.

    xlwings' decorators write ``__xlfunc__`` on the function they decorate; the copy takes them, so
    the UDF itself is left as it was (on Windows it already carries the real ``__xlfunc__``).
    """

    def copy(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    copy.__name__ = copy.__qualname__ = spec.name
    copy.__doc__ = spec.description
    copy.__module__ = UDF_PYTHON_MODULE
    copy.__signature__ = inspect.signature(function)  # type: ignore[attr-defined]
    copy.__annotations__ = {}
    return copy


def _decorated_copies(
    xlwings_udfs: types.ModuleType, functions: Iterable[Callable[..., Any]]
) -> dict[str, Callable[..., Any]]:
    """Thin copies decorated as ``@xw.func(category=...)`` over ``@xw.arg(name, doc=...)`` would."""
    copies: dict[str, Callable[..., Any]] = {}
    for function, spec in _checked_specs(functions):
        copy = _thin_copy(function, spec)
        for argument in reversed(list(spec.arg_docs)):
            copy = xlwings_udfs.xlarg(argument, doc=spec.arg_docs[argument])(copy)
        # xlfunc last, as the outermost decorator: xlarg resets the category it does not name.
        copies[spec.name] = xlwings_udfs.xlfunc(category=spec.category)(copy)
    return copies


def xlwings_udf_metadata(functions: Iterable[Callable[..., Any]]) -> dict[str, dict[str, Any]]:
    """xlwings' own ``__xlfunc__`` of each UDF, as ``@xw.func``/``@xw.arg`` make it from its spec.

    The keys are the Excel names. Each value has ``"category"``, ``"ret"["doc"]`` (the description),
    and ``"args"``: one dict per parameter with ``"name"``, ``"doc"`` and, for an optional one,
    ``"optional"`` (its default). It is what *Import Functions* reads, so a test can check the
    wrappers and the registration macro against it.
    """
    with _xlwings_udfs() as xlwings_udfs:
        copies = _decorated_copies(xlwings_udfs, functions)
    return {name: copy.__xlfunc__ for name, copy in copies.items()}  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# VBA text
# ---------------------------------------------------------------------------------------------


class _FakeBook:
    """What ``generate_vba_wrapper`` reads of Excel's workbook: its name (``.xlsm`` → ThisWorkbook)."""

    def __init__(self, name: str) -> None:
        self.Name = name


#: Stand-ins for characters the VBA code page (Windows-1252) lacks, in text that must be a literal.
_CP1252_STAND_INS = {
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u03a3": "sum",
    "\u2211": "sum",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "<>",
    "\u2248": "~",
    "\u2192": "->",
    "\u0394": "d",  # Δ: ΔP/P reads dP/P, a change
    "\u2206": "d",
    "\u221a": "sqrt ",  # √: × √periods reads x sqrt periods
    "\u2190": "<-",
    "\u24c8": "S",
    "\u00a0": " ",
}


def _encodable(character: str) -> bool:
    try:
        character.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _cp1252_text(text: str) -> str:
    """``text`` on one line in the VBA code page: stand-ins for what Windows-1252 lacks."""
    out = []
    for character in " ".join(text.split()):
        if _encodable(character):
            out.append(character)
            continue
        stand_in = _CP1252_STAND_INS.get(character)
        if stand_in is None:
            decomposed = unicodedata.normalize("NFKD", character)
            stand_in = "".join(c for c in decomposed if _encodable(c) and not unicodedata.combining(c)) or "?"
        out.append(stand_in)
    return "".join(out)


def _vba_string(text: str) -> str:
    """``text`` as a VBA string literal in the code page (quotes doubled, line breaks as spaces)."""
    return '"' + _cp1252_text(text).replace('"', '""') + '"'


def _vba_expression(text: str) -> str:
    """``text`` as a VBA string expression, exact: ``ChrW`` for what Windows-1252 lacks."""
    parts: list[str] = []
    literal = ""
    for character in " ".join(text.split()):
        if _encodable(character):
            literal += character
            continue
        if literal:
            parts.append('"' + literal.replace('"', '""') + '"')
            literal = ""
        units = character.encode("utf-16-le")
        parts.extend(f"ChrW({int.from_bytes(units[i : i + 2], 'little')})" for i in range(0, len(units), 2))
    if literal or not parts:
        parts.append('"' + literal.replace('"', '""') + '"')
    return " & ".join(parts)


def _crlf(text: str) -> str:
    """``text`` with the CRLF line endings a VBA module stream holds."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _with_descriptions(wrappers: str, specs: Mapping[str, UdfSpec]) -> str:
    """``wrappers`` with ``Attribute NAME.VB_Description = "..."`` after each function's header."""
    out: list[str] = []
    pending: str | None = None
    for line in wrappers.split("\n"):
        out.append(line)
        found = re.match(r"(?:Function|Sub) (\w+)\(", line)
        if found and found.group(1) in specs:
            pending = found.group(1)
        if pending is not None and not line.endswith(" _"):
            # The attribute goes right after the (possibly continued) declaration, as VBE exports it.
            out.append(f"Attribute {pending}.VB_Description = {_vba_string(specs[pending].description)}")
            pending = None
    return "\n".join(out)


def udf_wrapper_module(
    module_name: str,
    functions: Sequence[Callable[..., Any]],
    *,
    workbook_name: str = WORKBOOK_NAME,
) -> str:
    """The ``xlwings_udfs`` VBA module that xlwings' *Import Functions* writes for ``functions``.

    Parameters
    ----------
    module_name : str
        The Python module the wrappers call (``"althedge_xl.udfs"``), as in the xlwings config's
        "UDF Modules".
    functions : sequence of callables
        AltHedge UDFs (each with ``__althedge_udf__``); the wrappers come in name order, as
        xlwings writes them whatever order is given.
    workbook_name : str
        The workbook's file name; an ``.xlam`` add-in would call ``ActiveWorkbook``.

    Returns
    -------
    str
        The module source with CRLF line endings: the ``Attribute VB_Name = "xlwings_udfs"`` header
        and the two lines ``import_udfs`` writes, then ``generate_vba_wrapper``'s text, with one
        ``Attribute NAME.VB_Description`` line in each function (the description, at most 255
        characters; VBA has no place for the category or the argument help, see
        :func:`macro_module`).
    """
    specs = {spec.name: spec for _, spec in _checked_specs(functions)}
    text = io.StringIO()
    # The header import_udfs writes before the wrappers (xlwings.udfs.import_udfs, 0.37.8).
    text.write(f'Attribute VB_Name = "{UDF_MODULE_NAME}"\n')
    text.write("'Autogenerated code by xlwings - changes will be lost with next import!\n")
    text.write("""#Const App = "Microsoft Excel" 'Adjust when using outside of Excel\n""")
    with _xlwings_udfs() as xlwings_udfs:
        copies = _decorated_copies(xlwings_udfs, functions)
        module_like = types.SimpleNamespace(**copies)
        xlwings_udfs.generate_vba_wrapper(module_name, module_like, text, _FakeBook(workbook_name))
    return _crlf(_with_descriptions(text.getvalue(), specs))


def _continued(head: str, items: Sequence[str]) -> list[str]:
    """The statement ``head item, item, ...`` over as many lines as VBA's 1,023 characters need."""
    lines: list[str] = []
    current = head
    for index, item in enumerate(items):
        piece = item + ("," if index < len(items) - 1 else "")
        if current.strip() and len(current) + 1 + len(piece) > _MAX_VBA_LINE - 2:
            lines.append(current + " _")
            current = "        " + piece
        else:
            current = f"{current} {piece}"
    lines.append(current)
    if len(lines) > 25:
        raise ValueError("a VBA statement may not run over more than 25 lines")
    return lines


def macro_module(
    functions: Sequence[Callable[..., Any]],
    *,
    refresh_command: str = REFRESH_COMMAND,
) -> str:
    """The ``AltHedgeMacros`` module: the Refresh macro and the function registration macro.

    ``AltHedgeRefresh`` runs ``refresh_command`` in Python through xlwings' ``RunPython`` (the
    Refresh button's macro). ``AltHedgeRegisterFunctions`` calls ``Application.MacroOptions`` for
    each function with its description, its category and its argument help, as xlwings'
    ``import_udfs`` does after importing the wrappers; it keeps the workbook's Saved state, skips
    a function Excel refuses (older Excel has no ArgumentDescriptions) and never raises.

    Returns
    -------
    str
        The module source with CRLF line endings, ``Attribute VB_Name`` header included.
    """
    lines = [
        f'Attribute VB_Name = "{MACRO_MODULE_NAME}"',
        "' AltHedge's macros: the Refresh button and the function wizard's help for each function.",
        "' Generated by althedge_xl.workbook.vba; rebuild the workbook rather than edit this module.",
        "Option Explicit",
        "",
        f"Public Sub {REFRESH_MACRO}()",
        f"    RunPython {_vba_string(refresh_command)}",
        "End Sub",
        "",
        f"Public Sub {REGISTER_MACRO}()",
        "    ' Description, category and argument help of each function, as Import Functions sets them.",
        "    Dim wasSaved As Boolean",
        "    On Error Resume Next",
        "    wasSaved = ThisWorkbook.Saved",
    ]
    for function, spec in _checked_specs(functions):
        docs = [_vba_expression(spec.arg_docs[name]) for name in inspect.signature(function).parameters]
        if docs:
            docs[0] = "Array(" + docs[0]
            docs[-1] = docs[-1] + ")"
        items = [_vba_string(spec.name), _vba_expression(spec.description), _vba_expression(spec.category)]
        lines.extend(_continued(f"    {_HELP_PROCEDURE}", [*items, *(docs or ["Empty"])]))
    lines += [
        "    ThisWorkbook.Saved = wasSaved",
        "    Err.Clear",
        "End Sub",
        "",
        f"Private Sub {_HELP_PROCEDURE}(ByVal udfName As String, ByVal udfDescription As String, _",
        "                        ByVal udfCategory As String, ByVal argumentHelp As Variant)",
        "    Dim target As String",
        '    target = "\'" & Replace(ThisWorkbook.Name, "\'", "\'\'") & "\'!" & udfName',
        "    On Error Resume Next",
        "    If IsArray(argumentHelp) Then",
        "        Application.MacroOptions Macro:=target, Description:=udfDescription, Category:=udfCategory, _",
        "            ArgumentDescriptions:=argumentHelp",
        "    Else",
        "        Application.MacroOptions Macro:=target, Description:=udfDescription, Category:=udfCategory",
        "    End If",
        "    If Err.Number <> 0 Then",
        "        Err.Clear",
        "        Application.MacroOptions Macro:=target, Description:=udfDescription, Category:=udfCategory",
        "    End If",
        "    Err.Clear",
        "End Sub",
        "",
    ]
    for line in lines:
        if len(line) > _MAX_VBA_LINE:
            raise ValueError(f"a VBA line is longer than {_MAX_VBA_LINE} characters: {line[:60]}...")
    return _crlf("\n".join(lines))


def this_workbook_module(*, register_on_open: bool = True) -> str:
    """The body of the ``ThisWorkbook`` document module (its attribute header is the base project's).

    With ``register_on_open`` the workbook runs ``AltHedgeRegisterFunctions`` when it opens, so the
    function wizard shows the category "AltHedge" and each argument's help from the first use.
    """
    if not register_on_open:
        return ""
    return _crlf(
        "\n".join(
            [
                "Option Explicit",
                "",
                "Private Sub Workbook_Open()",
                f"    {MACRO_MODULE_NAME}.{REGISTER_MACRO}",
                "End Sub",
                "",
            ]
        )
    )


# ---------------------------------------------------------------------------------------------
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
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def _document_header(name: str, base: str) -> str:
    """The attribute header Excel writes for a sheet's document module."""
    return _crlf(
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
    drop_modules: Sequence[str] = _SAMPLE_MODULES,
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
    documents = {name: _WORKSHEET_BASE for name in sheet_codenames}
    documents.update({name: _CHARTSHEET_BASE for name in chartsheet_codenames})
    if len({name.casefold() for name in documents}) != len(documents) or len(documents) != len(
        [*sheet_codenames, *chartsheet_codenames]
    ):
        raise ValueError("two sheets have the same code name")
    with tempfile.TemporaryDirectory(prefix="althedge-vba-") as folder:
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
                sheet_base = next(
                    (b for b in (_WORKSHEET_BASE, _CHARTSHEET_BASE) if b in module.attribute_header), None
                )
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
                source_text = _crlf(text)
                project.add_module(
                    name,
                    source_text if source_text.startswith("Attribute VB_Name") else header + source_text,
                    kind=VBAModuleKind.standard,
                )
            if this_workbook_code:
                book.set_module(book_module.name, _crlf(this_workbook_code))
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
# workbook.xml: function groups and macro names
# ---------------------------------------------------------------------------------------------


def rezip(package: bytes, replacements: Mapping[str, bytes]) -> bytes:
    """``package`` with ``replacements``, every entry deflated and dated 1980-01-01, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, replacements.get(info.filename) or source.read(info.filename))
    return out.getvalue()


def _function_group_xml(categories: Sequence[str]) -> str:
    groups = "".join(f"<functionGroup name={quoteattr(name)}/>" for name in categories)
    return f'<functionGroups builtInGroupCount="{_BUILTIN_GROUP_COUNT}">{groups}</functionGroups>'


def _argument_descriptions_xml(uri: str, pairs: Sequence[tuple[Callable[..., Any], UdfSpec]]) -> str:
    names = []
    for function, spec in pairs:
        docs = [spec.arg_docs[name] for name in inspect.signature(function).parameters]
        if not docs:
            continue
        items = "".join(
            f'<x14:argumentDescription index="{index}">{escape(text)}</x14:argumentDescription>'
            for index, text in enumerate(docs, start=1)
        )
        names.append(
            f"<x14:definedName name={quoteattr(spec.name)}>"
            f'<x14:argumentDescriptions count="{len(docs)}">{items}</x14:argumentDescriptions></x14:definedName>'
        )
    body = "".join(names)
    return f'<ext uri={quoteattr(uri)} xmlns:x14="{_X14_NS}"><x14:definedNames>{body}</x14:definedNames></ext>'


def add_function_metadata(
    xlsm: bytes,
    functions: Sequence[Callable[..., Any]],
    *,
    vba_module: str = UDF_MODULE_NAME,
    argument_descriptions_ext_uri: str | None = None,
) -> bytes:
    """``xlsm`` with each function's category in ``xl/workbook.xml``, as a file keeps it.

    Writes ``<functionGroups>`` with one ``<functionGroup>`` per custom category after
    ``<sheets>`` (ISO/IEC 29500-1 18.2.15) and, in ``<definedNames>``, one macro name per function
    (18.2.5): ``function="1" vbProcedure="1" functionGroupId`` = the category's place after the
    built-in ones, referring to ``<vba_module>.<NAME>``. The descriptions themselves are in the VBA
    (``VB_Description``, :func:`udf_wrapper_module`).

    Argument help goes in ``x14:definedNames/x14:argumentDescriptions`` ([MS-OFFMACRO2] 2.2.5),
    inside a workbook ``<ext>`` whose URI is only written when ``argument_descriptions_ext_uri`` is
    given: no public document we found states it, and an ``ext`` under a URI Excel does not know is
    ignored, so a guessed one would be dead weight. The registration macro sets the same help.

    The result is deterministic: same input, same bytes (fixed zip timestamps).
    """
    pairs = _checked_specs(functions)
    categories = list(dict.fromkeys(spec.category for _, spec in pairs))
    group_ids = {name: _BUILTIN_GROUP_COUNT + 1 + index for index, name in enumerate(categories)}
    with zipfile.ZipFile(io.BytesIO(xlsm)) as package:
        workbook = package.read("xl/workbook.xml").decode("utf-8")
    if "<functionGroups" in workbook:
        raise ValueError("xl/workbook.xml has function groups already")
    for _, spec in pairs:
        if re.search(rf'<definedName\b[^>]*\bname="{re.escape(spec.name)}"', workbook, re.IGNORECASE):
            raise ValueError(f"the workbook has a defined name {spec.name!r} already: it would hide the function")
    names = "".join(
        f'<definedName name={quoteattr(spec.name)} function="1" vbProcedure="1" '
        f'functionGroupId="{group_ids[spec.category]}">{escape(vba_module)}.{escape(spec.name)}</definedName>'
        for _, spec in sorted(pairs, key=lambda pair: pair[1].name.upper())
    )
    groups = _function_group_xml(categories)
    workbook = re.sub(r"(</sheets>|<sheets\b[^>]*/>)", lambda found: found.group(1) + groups, workbook, count=1)
    if "<definedNames/>" in workbook:
        workbook = workbook.replace("<definedNames/>", f"<definedNames>{names}</definedNames>", 1)
    elif "</definedNames>" in workbook:
        workbook = workbook.replace("</definedNames>", names + "</definedNames>", 1)
    else:
        anchor = re.search(r"<calcPr\b|<oleSize\b|<customWorkbookViews\b|<pivotCaches\b|<extLst>|</workbook>", workbook)
        assert anchor is not None
        workbook = f"{workbook[: anchor.start()]}<definedNames>{names}</definedNames>{workbook[anchor.start() :]}"
    if argument_descriptions_ext_uri:
        ext = _argument_descriptions_xml(argument_descriptions_ext_uri, pairs)
        if "</extLst>" in workbook:
            workbook = workbook.replace("</extLst>", ext + "</extLst>", 1)
        else:
            workbook = workbook.replace("</workbook>", f"<extLst>{ext}</extLst></workbook>", 1)
    return rezip(xlsm, {"xl/workbook.xml": workbook.encode("utf-8")})
