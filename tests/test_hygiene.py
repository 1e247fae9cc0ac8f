"""The test modules themselves: importing one changes nothing the others would see.

``XLWINGS_ON_SERVER=true`` switches the function list to the Office.js error policy
(:func:`althedge_xl.excel.function.error_policy`) and ``xlwings.func`` to its Office.js decorators. The
tests that need it set it in a fresh interpreter (``office_js_runtime.py``, the Lite and Pyodide probes)
or with ``monkeypatch``; a module setting it in ``os.environ`` at import would change every test that
runs after it in the same pytest worker, depending on the order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT

#: What the Lite and Server runtimes set, which no test module may leave set when imported.
RUNTIME_VARIABLES = ("XLWINGS_ON_SERVER", "XLWINGS_LICENSE_KEY")

IMPORT_EACH = """\
import importlib, json, os, pathlib, sys
folder = pathlib.Path(sys.argv[1])
sys.path.insert(0, str(folder))
left = {}
for path in sorted(folder.glob("*.py")):
    importlib.import_module(path.stem)
    found = {name: os.environ.pop(name) for name in sys.argv[2:] if name in os.environ}
    if found:
        left[path.name] = found
print(json.dumps(left))
"""


def test_no_test_module_leaves_the_office_js_runtime_variables_set_when_imported():
    env = {k: v for k, v in os.environ.items() if k not in RUNTIME_VARIABLES}
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, str(ROOT / "tests"), *RUNTIME_VARIABLES],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}
