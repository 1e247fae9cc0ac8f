"""Run the function list as xlwings Lite and xlwings Server run it: through xlwings' own Office.js code.

Both runtimes set ``XLWINGS_ON_SERVER=true`` before user code is imported, then hand the add-in's
JSON bodies to ``xlwings.server.custom_functions_call`` and read the metadata from
``custom_functions_meta``. This script does the same in a fresh interpreter (the variable must be
set before xlwings and the function list are imported), so the tests see what Excel would get::

    echo '[{"func_name": "HEDGE_MARGIN", "args": [[[20000]], [[20]]]}]' | python tests/office_js_runtime.py

The module whose functions are served is ``althedge_xl.udfs`` unless named as the argument, by
its import name (for example ``custom_functions`` of ``deploy/xlwings-server``) or as a ``.py``
file (the ``main.py`` of ``althedge lite``). Reads a JSON list of bodies on stdin (``func_name``,
``args``; the rest of the add-in's fields are filled in as the add-in sends them); writes
``{"meta": ..., "results": [...]}`` where each result is ``{"value": ...}`` or
``{"raised": "ExceptionClass", "message": ...}``. Pyodide, where the event loop is already running,
imports this file and awaits :func:`serve` itself (``test_pyodide.py``).
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


async def call(body: dict[str, Any], module: Any) -> dict[str, Any]:
    """One body, completed with :data:`ADD_IN_FIELDS`, through ``custom_functions_call``: its value or what it raised."""
    from xlwings.server import custom_functions_call

    try:
        return {"value": await custom_functions_call({**ADD_IN_FIELDS, **body}, module)}
    except Exception as exc:  # what the runtime turns into #VALUE! with this message
        return {"raised": type(exc).__name__, "message": str(exc)}


async def serve(bodies: list[dict[str, Any]], module: Any) -> dict[str, Any]:
    """The module's metadata and the result of every body, in order (set :data:`ENVIRONMENT` first)."""
    from xlwings.server import custom_functions_meta

    return {"meta": custom_functions_meta(module), "results": [await call(body, module) for body in bodies]}


def load(name: str) -> Any:
    """The module to serve: an import name, or a ``.py`` file loaded as the module ``main``."""
    import importlib
    import importlib.util

    if not name.endswith(".py"):
        return importlib.import_module(name)
    spec = importlib.util.spec_from_file_location("main", name)
    assert spec is not None and spec.loader is not None, name
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    os.environ.update(ENVIRONMENT)
    module = load(sys.argv[1] if len(sys.argv) > 1 else "althedge_xl.udfs")
    json.dump(asyncio.run(serve(json.load(sys.stdin), module)), sys.stdout)


if __name__ == "__main__":
    main()
