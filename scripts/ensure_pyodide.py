#!/usr/bin/env python3
"""Set up the Pyodide check of the tests: Node.js, Pyodide 0.27.7 with its own numpy, and xlwings.

``tests/test_pyodide.py`` runs the functions inside Pyodide, the Python that xlwings Lite runs, in
Node.js and offline. The ``pyodide`` npm package carries the interpreter, its standard library and
its lock file (``pyodide-lock.json``: every package Pyodide provides, with its wheel's file name and
sha256) but not those wheels, which Pyodide normally fetches from its CDN. numpy publishes no wasm
wheel on PyPI, so ``../shared/pyodide`` keeps Pyodide 0.27.7's own numpy, micropip and packaging
wheels. This script is idempotent and puts everything in ``.cache/pyodide``:

* Node.js (``node``, ``npm``) on the PATH, or installed from Debian packages (``apt-get install
  nodejs npm``) when running as root on Debian or Ubuntu;
* ``npm install pyodide@PYODIDE_VERSION`` into ``.cache/pyodide`` (the interpreter's folder,
  ``node_modules/pyodide``, is the ``indexURL`` the tests load Pyodide from);
* each wheel of ``LOCKED_WHEELS`` copied from ``../shared/pyodide`` into that folder, where
  ``loadPackage`` and micropip find it by the lock file's name, after checking that its sha256 is
  the lock file's: a file that differs is refused, with both hashes named;
* ``pip download`` of the pure-Python ``XLWINGS`` wheel (the release the project pins) into
  ``.cache/pyodide/wheels``.

Pyodide 0.27.7 is xlwings Lite's line (its 1.0.0.0-12 add-in runs 0.27.5; the 0.27 line ships
numpy 2.0.2).

Usage::

    python scripts/ensure_pyodide.py            # install what is missing, where allowed
    python scripts/ensure_pyodide.py --check    # only report
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "pyodide"
PYODIDE_DIR = CACHE / "node_modules" / "pyodide"
WHEELS = CACHE / "wheels"
SHARED = ROOT.parent / "shared" / "pyodide"
PYODIDE_VERSION = "0.27.7"
#: The packages of Pyodide's lock file whose wheels come from ``../shared/pyodide`` (micropip needs packaging).
LOCKED_WHEELS = ("numpy", "micropip", "packaging")
XLWINGS = "xlwings==0.37.8"
#: pip's options for a wheel that installs in Pyodide 0.27 (Python 3.12, ABI 2024_0): pure Python only.
PYODIDE_PLATFORM = (
    "--only-binary=:all:",
    "--platform=pyodide_2024_0_wasm32",
    "--python-version=3.12",
    "--implementation=cp",
    "--abi=cp312",
)


def lock_file() -> Path:
    return PYODIDE_DIR / "pyodide-lock.json"


def installed_version() -> str | None:
    """The version of the installed pyodide npm package, or None when there is none."""
    manifest = PYODIDE_DIR / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.is_file() else None


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locked_wheels() -> dict[str, tuple[str, str]]:
    """File name and sha256 of each package of :data:`LOCKED_WHEELS`, by the installed lock file."""
    packages = json.loads(lock_file().read_text())["packages"]
    return {name: (packages[name]["file_name"], packages[name]["sha256"]) for name in LOCKED_WHEELS}


def index_problems() -> list[str]:
    """What keeps the Pyodide folder from loading numpy offline: missing wheels, or ones whose sha256 is not the lock's."""
    problems = []
    for file_name, digest in locked_wheels().values():
        path = PYODIDE_DIR / file_name
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif sha256(path) != digest:
            problems.append(f"{path} has sha256 {sha256(path)}, not {digest} as pyodide-lock.json says")
    return problems


def xlwings_wheel() -> Path | None:
    name, version = XLWINGS.split("==")
    found = sorted(WHEELS.glob(f"{name}-{version}-py3-none-any.whl"))
    return found[0] if found else None


def ready() -> bool:
    return (
        shutil.which("node") is not None
        and installed_version() == PYODIDE_VERSION
        and not index_problems()
        and xlwings_wheel() is not None
    )


def copy_locked_wheels() -> str | None:
    """Copy each locked wheel from ``../shared/pyodide`` into the Pyodide folder; the reason it cannot, or None."""
    for name, (file_name, digest) in locked_wheels().items():
        target = PYODIDE_DIR / file_name
        if target.is_file() and sha256(target) == digest:
            continue
        source = SHARED / file_name
        if not source.is_file():
            return f"{source} is missing: Pyodide {PYODIDE_VERSION}'s {name} wheel is needed to load {name} offline"
        found = sha256(source)
        if found != digest:
            return (
                f"refusing {source}: its sha256 is {found}, but pyodide@{PYODIDE_VERSION}'s pyodide-lock.json "
                f"gives {digest} for {name}"
            )
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(source, partial)
        os.replace(partial, target)
        print(f"copied {source} (sha256 as pyodide-lock.json) to {PYODIDE_DIR}", flush=True)
    return None


def can_install_node() -> bool:
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return is_root and Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None


def run(command: list[str]) -> int:
    print("+", " ".join(command), flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, env=env, check=False).returncode


def ensure_node() -> bool:
    if shutil.which("node") is not None and shutil.which("npm") is not None:
        return True
    if not can_install_node():
        print("Node.js is missing and cannot be installed here; install nodejs and npm", file=sys.stderr)
        return False
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "nodejs", "npm"],
    ):
        if run(command) != 0:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only report whether everything is there")
    args = parser.parse_args(argv)
    if ready():
        print(
            f"Pyodide check: node {shutil.which('node')}, pyodide {PYODIDE_VERSION} with numpy and {XLWINGS} in {CACHE}"
        )
        return 0
    if args.check:
        print("Pyodide check: not set up (python scripts/ensure_pyodide.py)", file=sys.stderr)
        return 1
    if not ensure_node():
        return 1
    CACHE.mkdir(parents=True, exist_ok=True)
    if installed_version() != PYODIDE_VERSION:
        npm = ["npm", "install", "--prefix", str(CACHE), "--save-exact", "--no-audit", "--no-fund"]
        if run([*npm, f"pyodide@{PYODIDE_VERSION}"]) != 0:
            return 1
    refused = copy_locked_wheels()
    if refused is not None:
        print(f"Pyodide check: {refused}", file=sys.stderr)
        return 1
    if xlwings_wheel() is None:
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *PYODIDE_PLATFORM]
        if run([*pip, "-d", str(WHEELS), XLWINGS]) != 0:
            return 1
    return 0 if ready() else 1


if __name__ == "__main__":
    sys.exit(main())
