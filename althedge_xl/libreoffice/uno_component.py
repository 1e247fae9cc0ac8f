"""The extension's UNO components, run by LibreOffice's Python (stored in the ``.oxt`` as ``althedge_addin.py``).

* ``org.althedge.xl.AltHedgeAddIn``: the Calc add-in, one method per AltHedge function, each calling
  the function list (``althedge_xl.udfs``) with the arguments xlwings would pass;
* ``org.althedge.xl.BindFormulas``: a job on ``OnLoadFinished`` that binds a loaded workbook's
  AltHedge formulas to the add-in (:mod:`althedge_xl.libreoffice.binding`);
* ``org.althedge.xl.PlainNamesOnSave``: a job on the save events that writes Excel's plain function
  names into a saved ``.xlsx``/``.xlsm`` (:mod:`althedge_xl.libreoffice.plain_names`).

The package itself comes from the extension's ``pythonpath`` folder, which LibreOffice's Python
loader puts on ``sys.path`` for this file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

# LibreOffice is neither xlwings Server nor Lite: an XLWINGS_ON_SERVER=true left in the user's
# environment for xlwings Server would make the function list import xlwings (LibreOffice's Python
# has none) and answer errors as Office.js does; the component would then fail to load and every
# AltHedge cell show an error. The variable only changes this LibreOffice process.
os.environ.pop("XLWINGS_ON_SERVER", None)

import unohelper
from com.sun.star.task import XJob
from org.althedge.xl import XAltHedge

import althedge_xl.udfs as udfs
from althedge_xl.libreoffice.addin_spec import (
    ADDIN_SERVICE,
    BIND_JOB_SERVICE,
    SAVE_JOB_SERVICE,
    AddinFunction,
    addin_functions,
)
from althedge_xl.libreoffice.cells import calc_error, calc_result, xlwings_arguments


class AltHedgeAddIn(unohelper.Base, XAltHedge):  # type: ignore[misc]
    """The Calc add-in; its methods are added below, one per function of the list."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx


def _method(function: AddinFunction, udf: Callable[..., Any]) -> Callable[..., Any]:
    def call(self: AltHedgeAddIn, *values: Any) -> Any:
        try:
            result = calc_result(udf(*xlwings_arguments(function.arguments, values)))
        except Exception:  # the functions return errors, never raise; a bug here must still be a cell error
            result = calc_error("#VALUE!")
        # Every method returns sequence<sequence<any>> (see althedge_xl.libreoffice.idl): a single
        # value is a 1 x 1 table, which a cell shows as that value.
        return result if isinstance(result, tuple) else ((result,),)

    call.__name__ = call.__qualname__ = function.name
    return call


for _function in addin_functions():
    setattr(AltHedgeAddIn, _function.name, _method(_function, getattr(udfs, _function.name)))


def _event_model(arguments: Any) -> Any:
    """The document of a job's event (``Environment`` > ``Model``), or None."""
    for argument in arguments:
        if argument.Name == "Environment":
            for item in argument.Value:
                if item.Name == "Model":
                    return item.Value
    return None


class BindFormulas(unohelper.Base, XJob):  # type: ignore[misc]
    """Binds a loaded workbook's AltHedge formulas to the add-in (see :mod:`.binding`)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def execute(self, arguments: Any) -> Any:
        from althedge_xl.libreoffice.binding import bind_formulas

        model = _event_model(arguments)
        if model is not None:
            bind_formulas(model, [function.name for function in addin_functions()])
        return None


class PlainNamesOnSave(unohelper.Base, XJob):  # type: ignore[misc]
    """Writes Excel's plain function names into a workbook LibreOffice has just saved as Excel."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def execute(self, arguments: Any) -> Any:
        from althedge_xl.libreoffice.plain_names import rewrite_saved_document

        model = _event_model(arguments)
        if model is not None:
            rewrite_saved_document(model)
        return None


g_ImplementationHelper = unohelper.ImplementationHelper()
g_ImplementationHelper.addImplementation(AltHedgeAddIn, ADDIN_SERVICE, ("com.sun.star.sheet.AddIn",))
g_ImplementationHelper.addImplementation(BindFormulas, BIND_JOB_SERVICE, ("com.sun.star.task.Job",))
g_ImplementationHelper.addImplementation(PlainNamesOnSave, SAVE_JOB_SERVICE, ("com.sun.star.task.Job",))
