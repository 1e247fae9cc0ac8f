#!/usr/bin/env python3
"""Make sure LibreOffice (``soffice``) is installed for the workbook tests; install it where we may.

The tests open the generated ``.xlsm`` in LibreOffice headless: it must load the file, import its
VBA modules and convert it to PDF. This script is idempotent:

* LibreOffice found on the PATH: print where and which version, exit 0.
* Missing, running as root on Debian or Ubuntu with ``apt-get``: ``apt-get update``, then
  ``apt-get install -y --no-install-recommends libreoffice-calc`` (a few minutes), exit 0 once
  ``soffice`` answers.
* Otherwise: print how to install it and exit 1.

The LibreOffice add-in's tests also need the Debian packages of :data:`ADDIN_PACKAGES` (the SDK's
``unoidl-write``, LibreOffice's Python bridge and numpy for it); as root on Debian or Ubuntu they are
installed the same way when any is missing. Elsewhere those tests are skipped (failed under CI).

Usage::

    python scripts/ensure_libreoffice.py            # install if missing and allowed
    python scripts/ensure_libreoffice.py --check    # only report, never install
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = "libreoffice-calc"
#: What the LibreOffice add-in (althedge_xl.libreoffice) and its tests need beside LibreOffice.
ADDIN_PACKAGES = (
    "libreoffice-dev",
    "libreoffice-dev-common",
    "python3-uno",
    "libreoffice-script-provider-python",
    "python3-numpy",
)
HOW_TO_INSTALL = f"""LibreOffice is missing; the workbook tests need it (soffice --headless).
Install it, then run the tests again:
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y --no-install-recommends {PACKAGE}
  Fedora:         sudo dnf install libreoffice-calc
  macOS:          brew install --cask libreoffice
  Windows:        winget install TheDocumentFoundation.LibreOffice
Outside CI the LibreOffice tests are skipped when it is missing; with CI=true they fail."""


def find_soffice() -> str | None:
    """The LibreOffice executable on the PATH (``soffice`` or ``libreoffice``), or None."""
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    return None


def version(soffice: str) -> str:
    """What ``soffice --version`` says, or why it said nothing."""
    try:
        done = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"(no version: {exc})"
    return done.stdout.strip() or done.stderr.strip() or f"(exit {done.returncode})"


def can_install() -> bool:
    """Root on a Debian-like system with apt-get."""
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return is_root and Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None


def missing_debian_packages(packages: tuple[str, ...]) -> list[str]:
    """The ones of ``packages`` dpkg does not report installed."""
    missing = []
    for package in packages:
        done = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, timeout=60, check=False
        )
        if "install ok installed" not in done.stdout:
            missing.append(package)
    return missing


def install(packages: tuple[str, ...] = (PACKAGE,)) -> int:
    """``apt-get update`` then install ``packages``; the exit code of the first step that fails."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", *packages],
    ):
        print("+", " ".join(command), flush=True)
        code = subprocess.run(command, env=env, check=False).returncode
        if code != 0:
            return code
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only report whether LibreOffice is there")
    args = parser.parse_args(argv)

    soffice = find_soffice()
    if soffice:
        print(f"LibreOffice: {soffice} ({version(soffice)})")
        return ensure_addin_packages(args.check)
    if args.check or not can_install():
        print(HOW_TO_INSTALL, file=sys.stderr)
        return 1
    print(f"LibreOffice is missing: installing {PACKAGE} with apt-get (this takes a few minutes).", flush=True)
    code = install()
    soffice = find_soffice()
    if code != 0 or not soffice:
        print(f"Installing {PACKAGE} failed (exit {code}).", file=sys.stderr)
        print(HOW_TO_INSTALL, file=sys.stderr)
        return 1
    print(f"LibreOffice: {soffice} ({version(soffice)})")
    return ensure_addin_packages(args.check)


def ensure_addin_packages(check_only: bool) -> int:
    """Install the add-in's Debian packages where we may and any is missing; never fails the setup."""
    if not can_install():
        return 0
    missing = missing_debian_packages(ADDIN_PACKAGES)
    if not missing:
        return 0
    if check_only:
        print(f"Missing for the LibreOffice add-in's tests: {' '.join(missing)}", file=sys.stderr)
        return 0
    print(f"Installing {' '.join(missing)} with apt-get for the LibreOffice add-in.", flush=True)
    code = install(tuple(missing))
    if code != 0:
        print(f"Installing {' '.join(missing)} failed (exit {code}); those tests will be skipped.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
