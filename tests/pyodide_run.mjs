// Run Python inside Pyodide under Node.js, offline: the runtime xlwings Lite runs the functions in.
//
//   node tests/pyodide_run.mjs PYODIDE_DIR [HOST_FILE=PYODIDE_PATH ...] < program.py
//
// Loads Pyodide from PYODIDE_DIR (the npm package's folder, its indexURL: packages named in its
// lock file load from the wheels there) and micropip, copies each HOST_FILE into Pyodide's file
// system at PYODIDE_PATH (folders created), runs the Python program read from stdin (top-level
// await allowed) and prints the value of its last expression; on an error, prints its message
// (a Python traceback) and exits 1. fetch is replaced by one that fails: anything that would reach
// the network (Pyodide's CDN, PyPI) is an error, not a download.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";

globalThis.fetch = async (url) => {
  throw new Error(`network access refused in this offline run: ${url}`);
};

async function run(pyodideDir, files) {
  const indexURL = resolve(pyodideDir) + "/";
  const { loadPyodide } = await import(pathToFileURL(resolve(pyodideDir, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({ indexURL, stdout: (line) => console.error(line) });
  await pyodide.loadPackage("micropip", { messageCallback: (line) => console.error(line) });
  for (const pair of files) {
    const split = pair.lastIndexOf("=");
    const [host, target] = [pair.slice(0, split), pair.slice(split + 1)];
    pyodide.FS.mkdirTree(dirname(target));
    pyodide.FS.writeFile(target, readFileSync(host));
  }
  return await pyodide.runPythonAsync(readFileSync(0, "utf8"));
}

const [pyodideDir, ...files] = process.argv.slice(2);
try {
  console.log(await run(pyodideDir, files));
} catch (error) {
  console.error(error?.message ?? String(error));
  process.exit(1);
}
