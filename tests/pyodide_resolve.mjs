// Resolve a wheel's dependencies with micropip inside Pyodide, offline: what xlwings Lite would install.
//
//   node tests/pyodide_resolve.mjs PYODIDE_DIR WHEEL MICROPIP_WHEEL PACKAGING_WHEEL
//
// Loads Pyodide from PYODIDE_DIR (the npm package), installs micropip and packaging from local
// wheels, writes WHEEL into Pyodide's file system and runs micropip's resolver on it (its
// Transaction, the step before any download). Prints JSON: the wheels micropip would fetch, the
// packages Pyodide itself provides (from its lock file), and the requirements nothing satisfies.
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, wheel, ...tools] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(resolve(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: resolve(pyodideDir) + "/" });
for (const tool of tools) await pyodide.loadPackage(resolve(tool));
const target = "/tmp/" + basename(wheel);
pyodide.FS.writeFile(target, readFileSync(wheel));
const out = await pyodide.runPythonAsync(`
import json, sys
from packaging.markers import default_environment
from micropip import package_index
from micropip.transaction import Transaction

transaction = Transaction(
    ctx=default_environment(), ctx_extras=[], keep_going=True, deps=True, pre=False,
    fetch_kwargs={}, index_urls=package_index.DEFAULT_INDEX_URLS,
)
await transaction.gather_requirements(["emfs:${target}"])
json.dumps({
    "platform": sys.platform,
    "wheels": sorted(w.name for w in transaction.wheels),
    "pyodide": sorted([p.name, p.version] for p in transaction.pyodide_packages),
    "failed": [str(r) for r in transaction.failed],
})
`);
console.log(out);
