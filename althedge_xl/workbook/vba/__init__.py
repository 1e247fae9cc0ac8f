"""The workbook's VBA project: the xlwings runtime, the UDF wrappers and AltHedge's macros.

Excel calls a Python UDF through VBA: a worksheet function ``HEDGE_NOTIONAL`` in a standard
module that hands its arguments to xlwings' COM server (``XLPy.CallUDF``). xlwings writes those
wrappers itself when a user clicks *Import Functions* in Excel; this package writes the same text
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

from althedge_xl.excel.function import CATEGORY, UdfSpec, udf_functions, udf_spec
from althedge_xl.workbook.vba.constants import (
    MACRO_MODULE_NAME,
    REFRESH_COMMAND,
    REFRESH_MACRO,
    REGISTER_MACRO,
    UDF_MODULE_NAME,
    UDF_PYTHON_MODULE,
    WORKBOOK_NAME,
)
from althedge_xl.workbook.vba.project import (
    add_vba_project,
    base_vba_project,
    build_althedge_vba_project,
    build_vba_project,
    quickstart_workbook_path,
    vba_modules,
    xlwings_license_notice,
    xlwings_runtime_version,
)
from althedge_xl.workbook.vba.text import macro_module, this_workbook_module, udf_wrapper_module
from althedge_xl.workbook.vba.udf_metadata import xlwings_udf_metadata
from althedge_xl.workbook.vba.workbook_xml import add_function_metadata, rezip

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
