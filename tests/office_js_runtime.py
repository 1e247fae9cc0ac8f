"""Run the function list as xlwings Lite and xlwings Server run it: through xlwings' own Office.js code.

Both runtimes set ``XLWINGS_ON_SERVER=true`` before user code is imported, then hand the add-in's
JSON bodies to ``xlwings.server.custom_functions_call`` and read the metadata from
``custom_functions_meta``. This script does the same in a fresh interpreter (the variable must be
set before xlwings and the function list are imported), so the tests see what Excel would get::

    echo '[{"func_name": "HEDGE_MARGIN", "args": [[[20000]], [[20]]]}]' | python tests/office_js_runtime.py

The module whose functions are served is ``althedge_xl.udfs`` unless named as the argument
(for example ``custom_functions`` of ``deploy/xlwings-server``). Reads a JSON list of bodies on stdin (``func_name``, ``args``; the rest of the add-in's fields are
filled in as the add-in sends them); writes ``{"meta": ..., "results": [...]}`` where each result
is ``{"value": ...}`` or ``{"raised": "ExceptionClass", "message": ...}``.
``XLWINGS_LICENSE_KEY=noncommercial`` is xlwings' own key for noncommercial use, for tests only.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

#: What the add-in's JavaScript adds to every call (xlwings' custom-functions code).
ADD_IN_FIELDS = {
    "caller_address": "[AltHedge.xlsx]Hedge!B5",
    "content_language": "en-US",
    "version": "0.37.8",
    "client": "Office.js",
    "runtime": "1.4",
}

ENVIRONMENT = {"XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}


def call(body: dict[str, Any], module: Any) -> dict[str, Any]:
    from xlwings.server import custom_functions_call

    try:
        return {"value": asyncio.run(custom_functions_call({**ADD_IN_FIELDS, **body}, module))}
    except Exception as exc:  # what the runtime turns into #VALUE! with this message
        return {"raised": type(exc).__name__, "message": str(exc)}


def main() -> None:
    os.environ.update(ENVIRONMENT)
    import importlib

    from xlwings.server import custom_functions_meta

    module = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "althedge_xl.udfs")
    bodies = json.load(sys.stdin)
    out = {"meta": custom_functions_meta(module), "results": [call(body, module) for body in bodies]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
