"""Set up and run AltHedge XL on a fresh machine: ``python tasks.py demo`` or ``python tasks.py test``.

Works the same on Linux, macOS and Windows (``py tasks.py test`` there) with Python 3.11+:
creates ``.venv`` beside this file, installs the package from ``pyproject.toml`` into it at the versions of
``constraints.txt`` (again only when either file changes), then runs the job.

* ``demo``: the main job, the template workbook computed without Excel (``althedge report``); installs
  the package with every extra (``.[all]``).
* ``test``: everything CI checks: ruff, mypy, and the whole pytest suite, one worker per core
  (pytest-xdist; installs ``.[dev]``, every extra and the test tools). Tests that open files in
  LibreOffice need it installed; on Debian/Ubuntu as root this installs it (apt-get). The Pyodide check needs Node.js (installed the
  same way) and the pyodide npm package (``.cache/pyodide``). The wheels of every extra's dependencies
  are downloaded into ``.cache/wheelhouse``, from which a test installs the built wheel with no network.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
#: Wheels of every extra's dependencies, for the test that installs the built wheel without a network.
WHEELHOUSE = ROOT / ".cache" / "wheelhouse"


def run(*command: str | Path) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], cwd=ROOT, check=True)


def ensure_venv(extra: str) -> None:
    """Create .venv and install the package with ``extra`` at the versions of constraints.txt, unless already
    done for this pyproject.toml and constraints.txt."""
    if sys.version_info < (3, 11):
        sys.exit(
            f"tasks.py needs Python 3.11 or newer (xlwings 0.37.8 and the pinned numpy do); this is {sys.version.split()[0]}"
        )
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    constraints = ROOT / "constraints.txt"  # the versions that shape the template's bytes
    digest = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + constraints.read_bytes() + extra.encode()
    ).hexdigest()
    stamp = VENV / f".installed-{extra or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-c", constraints, "-e", f".[{extra}]" if extra else ".")
    stamp.write_text(digest)


def ensure_wheelhouse() -> None:
    """Download the wheels of the dependencies of ``.[all]``, at the versions of constraints.txt, into
    .cache/wheelhouse (again only when ``pyproject.toml`` or ``constraints.txt`` changes):
    tests/test_install_wheel.py installs from there with ``--no-index``."""
    constraints = ROOT / "constraints.txt"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + constraints.read_bytes()).hexdigest()
    stamp = WHEELHOUSE / ".downloaded"
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(PYTHON, "-m", "pip", "download", "--quiet", "-c", constraints, "--dest", WHEELHOUSE, ".[all]")
    stamp.write_text(digest)


def demo() -> None:
    ensure_venv("all")
    run(PYTHON, "-m", "althedge_xl.cli", "report")
    command = BIN / ("althedge.exe" if os.name == "nt" else "althedge")
    print(
        f"\nThe althedge command is {command.relative_to(ROOT)} (not on your PATH): e.g. {command.relative_to(ROOT)} --help"
    )


def test() -> None:
    ensure_venv("dev")
    ensure_wheelhouse()
    run(PYTHON, ROOT / "scripts" / "ensure_libreoffice.py")
    run(PYTHON, ROOT / "scripts" / "ensure_pyodide.py")
    run(PYTHON, "-m", "ruff", "check", ".")
    run(PYTHON, "-m", "ruff", "format", "--check", ".")
    run(PYTHON, "-m", "mypy", "althedge_xl")
    run(PYTHON, "-m", "pytest", "-q", "-n", "auto")  # one worker per core


def main() -> None:
    jobs = {"demo": demo, "test": test}
    if len(sys.argv) != 2 or sys.argv[1] not in jobs:
        sys.exit("usage: python tasks.py demo | test")
    try:
        jobs[sys.argv[1]]()
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)


if __name__ == "__main__":
    main()
