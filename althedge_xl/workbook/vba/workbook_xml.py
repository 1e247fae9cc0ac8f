"""workbook.xml: the function groups and macro names a workbook keeps for its functions."""

from __future__ import annotations

import inspect
import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from althedge_xl.excel.function import UdfSpec
from althedge_xl.workbook.vba.constants import BUILTIN_GROUP_COUNT, UDF_MODULE_NAME, X14_NS, ZIP_EPOCH
from althedge_xl.workbook.vba.udf_metadata import checked_specs

# workbook.xml: function groups and macro names
# ---------------------------------------------------------------------------------------------


def rezip(package: bytes, replacements: Mapping[str, bytes]) -> bytes:
    """``package`` with ``replacements``, every entry deflated and dated 1980-01-01, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, replacements.get(info.filename) or source.read(info.filename))
    return out.getvalue()


def _function_group_xml(categories: Sequence[str]) -> str:
    groups = "".join(f"<functionGroup name={quoteattr(name)}/>" for name in categories)
    return f'<functionGroups builtInGroupCount="{BUILTIN_GROUP_COUNT}">{groups}</functionGroups>'


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
    return f'<ext uri={quoteattr(uri)} xmlns:x14="{X14_NS}"><x14:definedNames>{body}</x14:definedNames></ext>'


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
    pairs = checked_specs(functions)
    categories = list(dict.fromkeys(spec.category for _, spec in pairs))
    group_ids = {name: BUILTIN_GROUP_COUNT + 1 + index for index, name in enumerate(categories)}
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
