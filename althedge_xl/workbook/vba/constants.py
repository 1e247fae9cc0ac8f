"""Names and limits the VBA project is written with: module and macro names, Excel's limits."""

from __future__ import annotations

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
HELP_PROCEDURE = "SetFunctionHelp"
#: What the Refresh macro asks xlwings' ``RunPython`` to run.
REFRESH_COMMAND = "import althedge_xl.workbook.refresh_excel as r; r.refresh_caller()"

#: The base project's sample module (a ``RunPython`` call to a module named after the workbook).
SAMPLE_MODULES = ("Module1",)
#: The VB_Base of a worksheet's document module, as Excel writes it.
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
#: The VB_Base of a chart sheet's document module, as Excel writes it.
CHARTSHEET_BASE = "0{00020821-0000-0000-C000-000000000046}"
#: Excel's limit on a description and on an argument's help text.
MAX_HELP = 255
#: Excel's limit on a line of VBA, continuation included.
MAX_VBA_LINE = 1023
#: Excel's built-in function categories, numbered as MacroOptions' Category takes them: Financial (1)
#: .. User Defined (14), Engineering, Cube (16), Compatibility (17, Excel 2010), Web (18, Excel 2013).
#: A workbook's own categories follow, from 19 (ISO/IEC 29500-1 18.2.15 builtInGroupCount).
BUILTIN_GROUP_COUNT = 18
#: Fixed timestamp of every zip entry, so the same input gives the same bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: The namespace of Excel 2010's extensions to SpreadsheetML (``x14:``), where the function wizard's
#: argument descriptions of a workbook's functions are written.
X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
#: The pywin32 modules ``xlwings.udfs`` imports at the top, stubbed off Windows for the import.
PYWIN32_MODULES = ("pythoncom", "pywintypes", "win32com", "win32com.client")
