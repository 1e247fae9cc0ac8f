"""The VBA text: the UDF wrappers as *Import Functions* writes them, AltHedge's macros, ThisWorkbook."""

from __future__ import annotations

import inspect
import io
import re
import types
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from althedge_xl.excel.function import UdfSpec
from althedge_xl.workbook.vba.constants import (
    HELP_PROCEDURE,
    MACRO_MODULE_NAME,
    MAX_VBA_LINE,
    REFRESH_COMMAND,
    REFRESH_MACRO,
    REGISTER_MACRO,
    UDF_MODULE_NAME,
    WORKBOOK_NAME,
)
from althedge_xl.workbook.vba.udf_metadata import checked_specs, decorated_copies, importable_xlwings_udfs

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


def vba_line_endings(text: str) -> str:
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
    specs = {spec.name: spec for _, spec in checked_specs(functions)}
    text = io.StringIO()
    # The header import_udfs writes before the wrappers (xlwings.udfs.import_udfs, 0.37.8).
    text.write(f'Attribute VB_Name = "{UDF_MODULE_NAME}"\n')
    text.write("'Autogenerated code by xlwings - changes will be lost with next import!\n")
    text.write("""#Const App = "Microsoft Excel" 'Adjust when using outside of Excel\n""")
    with importable_xlwings_udfs() as xlwings_udfs:
        copies = decorated_copies(xlwings_udfs, functions)
        module_like = types.SimpleNamespace(**copies)
        xlwings_udfs.generate_vba_wrapper(module_name, module_like, text, _FakeBook(workbook_name))
    return vba_line_endings(_with_descriptions(text.getvalue(), specs))


def _continued(head: str, items: Sequence[str]) -> list[str]:
    """The statement ``head item, item, ...`` over as many lines as VBA's 1,023 characters need."""
    lines: list[str] = []
    current = head
    for index, item in enumerate(items):
        piece = item + ("," if index < len(items) - 1 else "")
        if current.strip() and len(current) + 1 + len(piece) > MAX_VBA_LINE - 2:
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
    for function, spec in checked_specs(functions):
        docs = [_vba_expression(spec.arg_docs[name]) for name in inspect.signature(function).parameters]
        if docs:
            docs[0] = "Array(" + docs[0]
            docs[-1] = docs[-1] + ")"
        items = [_vba_string(spec.name), _vba_expression(spec.description), _vba_expression(spec.category)]
        lines.extend(_continued(f"    {HELP_PROCEDURE}", [*items, *(docs or ["Empty"])]))
    lines += [
        "    ThisWorkbook.Saved = wasSaved",
        "    Err.Clear",
        "End Sub",
        "",
        f"Private Sub {HELP_PROCEDURE}(ByVal udfName As String, ByVal udfDescription As String, _",
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
        if len(line) > MAX_VBA_LINE:
            raise ValueError(f"a VBA line is longer than {MAX_VBA_LINE} characters: {line[:60]}...")
    return vba_line_endings("\n".join(lines))


def this_workbook_module(*, register_on_open: bool = True) -> str:
    """The body of the ``ThisWorkbook`` document module (its attribute header is the base project's).

    With ``register_on_open`` the workbook runs ``AltHedgeRegisterFunctions`` when it opens, so the
    function wizard shows the category "AltHedge" and each argument's help from the first use.
    """
    if not register_on_open:
        return ""
    return vba_line_endings(
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
