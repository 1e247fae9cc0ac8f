#!/usr/bin/env python3
"""Make sure the Pyodide check of the tests has what it needs: Node.js, the pyodide npm package, micropip.

``tests/test_pyodide.py`` loads Pyodide (the Python that xlwings Lite runs) in Node.js and lets its
package installer, micropip, resolve the dependencies of the wheel this checkout builds. The npm
package carries Pyodide itself, its standard library and its lock file (the packages Pyodide
provides, numpy among them) but not those packages' wheels, which Pyodide fetches from its CDN:
the check resolves, it does not load numpy. micropip and its dependency ``packaging`` are pure
Python wheels from the package index. This script is idempotent and puts them in ``.cache/pyodide``:

* Node.js (``node``, ``npm``) on the PATH, or installed from Debian packages (``apt-get install
  nodejs npm``) when running as root on Debian or Ubuntu;
* ``npm install pyodide@PYODIDE_VERSION`` into ``.cache/pyodide``;
* ``pip download micropip==... packaging==...`` (the versions that Pyodide release's lock file names)
  into ``.cache/pyodide/wheels``.

Pyodide 0.26.4 is the newest release whose micropip (0.6.0) is on the package index this project's
machines reach; xlwings Lite runs a newer Pyodide, which provides numpy the same way.

Usage::

    python scripts/ensure_pyodide.py            # install what is missing, where allowed
    python scripts/ensure_pyodide.py --check    # only report
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "pyodide"
PYODIDE_VERSION = "0.26.4"
#: The versions pyodide 0.26.4's pyodide-lock.json lists for micropip and its dependency.
WHEELS = ("micropip==0.6.0", "packaging==23.2")


def lock_file() -> Path:
    return CACHE / "node_modules" / "pyodide" / "pyodide-lock.json"


def ready() -> bool:
    wheels = CACHE / "wheels"
    return (
        shutil.which("node") is not None
        and lock_file().is_file()
        and all(list(wheels.glob(f"{spec.split('==')[0]}-{spec.split('==')[1]}-*.whl")) for spec in WHEELS)
    )


def can_install_node() -> bool:
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return is_root and Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None


def run(command: list[str]) -> int:
    print("+", " ".join(command), flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only report whether everything is there")
    args = parser.parse_args(argv)
    if ready():
        print(f"Pyodide check: node {shutil.which('node')}, pyodide {PYODIDE_VERSION} and micropip in {CACHE}")
        return 0
    if args.check:
        print("Pyodide check: not set up (python scripts/ensure_pyodide.py)", file=sys.stderr)
        return 1
    if shutil.which("node") is None or shutil.which("npm") is None:
        if not can_install_node():
            print("Node.js is missing and cannot be installed here; install nodejs and npm", file=sys.stderr)
            return 1
        for command in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "--no-install-recommends", "nodejs", "npm"],
        ):
            if run(command) != 0:
                return 1
    CACHE.mkdir(parents=True, exist_ok=True)
    npm = ["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", f"pyodide@{PYODIDE_VERSION}"]
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(CACHE / "wheels"), *WHEELS]
    for command in (npm, pip):
        if run(command) != 0:
            return 1
    return 0 if ready() else 1


if __name__ == "__main__":
    sys.exit(main())
