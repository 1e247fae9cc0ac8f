"""A workbook computed by headless LibreOffice with the AltHedge extension (``report --engine libreoffice``).

Nothing need be installed beforehand but LibreOffice, its Python's ``uno`` and numpy (Debian/Ubuntu:
``libreoffice-calc``, ``python3-uno``, ``libreoffice-script-provider-python``, ``python3-numpy``):
the extension is built, registered in a private, temporary LibreOffice profile (as root too) and
removed with it. :mod:`.soffice_driver` does the LibreOffice side in LibreOffice's Python; this
module writes its job, runs it with a deadline and reads its answer into a
:class:`~althedge_xl.headless.engine.ComputedWorkbook`, the same object the ``formulas`` engine gives.
Calc keeps no reason with an error value, so an error's reason is Excel's generic one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from althedge_xl.files import scratch_folder
from althedge_xl.libreoffice.extension import write_extension

DRIVER = Path(__file__).resolve().parent / "soffice_driver.py"
#: Seconds a whole LibreOffice run may take before it is stopped.
DEFAULT_TIMEOUT_S = 300.0
#: Where a Python with LibreOffice's ``uno`` module is looked for, after ``$ALTHEDGE_LIBREOFFICE_PYTHON``.
PYTHON_CANDIDATES = ("/usr/lib/libreoffice/program/python", "/usr/bin/python3", "/usr/local/bin/python3")


class LibreOfficeError(Exception):
    """LibreOffice is missing, cannot be driven, or failed; the message says which and what to install."""


def find_soffice() -> str:
    """The ``soffice`` executable, or :class:`LibreOfficeError` naming what to install."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise LibreOfficeError("LibreOffice is not installed (Debian/Ubuntu: apt-get install libreoffice-calc)")


def _has_uno(python: str) -> bool:
    try:
        done = subprocess.run(
            [python, "-c", "import uno, numpy"], capture_output=True, timeout=60, check=False, env=_clean_env()
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _clean_env(python: str | None = None) -> dict[str, str]:
    """The environment without the project's virtual environment, for LibreOffice's own Python.

    With ``python`` (the one that imports ``uno``), its folder comes first on ``PATH``: the Python that
    LibreOffice embeds finds its home by looking ``python3`` up on ``PATH``, so another ``python3``
    first there (pyenv, conda, a virtual environment) makes it load that Python's library and the
    extension's component fails to load (``std::bad_alloc`` from the UNO bridge).
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    if python is not None:
        env["PATH"] = os.pathsep.join([str(Path(python).parent), env.get("PATH", "")])
    return env


def find_uno_python() -> str:
    """A Python that imports LibreOffice's ``uno`` and numpy, or :class:`LibreOfficeError` naming the packages."""
    configured = os.environ.get("ALTHEDGE_LIBREOFFICE_PYTHON")
    candidates = [configured] if configured else [sys.executable, *PYTHON_CANDIDATES]
    for candidate in candidates:
        if candidate and Path(candidate).exists() and _has_uno(candidate):
            return candidate
    raise LibreOfficeError(
        "no Python with LibreOffice's uno module and numpy was found (Debian/Ubuntu: apt-get install "
        "python3-uno libreoffice-script-provider-python python3-numpy; elsewhere set ALTHEDGE_LIBREOFFICE_PYTHON)"
    )


def _run_driver(command: list[str], env: dict[str, str], home: Path, timeout: float) -> None:
    """Run the driver in a process group of its own; past ``timeout`` seconds kill the whole group.

    The driver starts ``soffice`` itself: killing the driver alone would leave that LibreOffice running
    with nobody to end it.
    """
    with subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**env, "HOME": str(home)},
        start_new_session=True,
    ) as driver:
        try:
            driver.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(driver)
            raise LibreOfficeError(f"LibreOffice did not finish within {timeout:.0f} s") from None
        except BaseException:  # Ctrl-C or a signal: the group is not in the terminal's, so end it here
            _kill_group(driver)
            raise


def _kill_group(driver: subprocess.Popen[bytes]) -> None:
    if hasattr(os, "killpg"):
        os.killpg(driver.pid, 9)
    else:  # Windows: no process groups
        driver.kill()
    driver.wait()


@dataclass(frozen=True)
class DocumentTask:
    """One document for :func:`run_jobs`: a file (None: a new spreadsheet), the steps applied after the
    first recalculation (see :func:`.soffice_driver.apply_step`), the sheets to read (None: all) and
    the cells whose formula text to read."""

    document: Path | None
    steps: Sequence[dict[str, Any]] = ()
    sheets: Sequence[str] | None = None
    read_formulas: Sequence[str] = ()


def run_jobs(
    tasks: Sequence[DocumentTask],
    timeout: float = DEFAULT_TIMEOUT_S,
    extension: bool = True,
    describe: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Compute each task's document in one headless LibreOffice with the extension; what was read of each
    (``cells``, ``names``, ``sheets``, ``formulas``, ``timings``...). Files are opened as copies. With
    ``describe``, the first document's answer also has ``functions``: what the Function Wizard shows
    for those functions (see :func:`.soffice_driver.function_descriptions`)."""
    soffice = find_soffice()
    python = find_uno_python()
    with scratch_folder("althedge-libreoffice-") as folder:
        documents = []
        for number, task in enumerate(tasks):
            copy = None
            if task.document is not None:  # LibreOffice opens a copy: the file is never locked nor modified
                (folder / f"in{number}").mkdir()
                copy = folder / f"in{number}" / task.document.name
                shutil.copyfile(task.document, copy)
            documents.append(
                {
                    "document": str(copy) if copy is not None else None,
                    "steps": list(task.steps),
                    "sheets": list(task.sheets) if task.sheets else None,
                    "read_formulas": list(task.read_formulas),
                }
            )
        job = {
            "soffice": soffice,
            "profile": str(folder / "profile"),
            "oxt": str(write_extension(folder)) if extension else None,
            "documents": documents,
            "describe": list(describe),
            "start_timeout": min(120.0, timeout),
        }
        (folder / "job.json").write_text(json.dumps(job), encoding="utf-8")
        answer = folder / "result.json"
        _run_driver([python, str(DRIVER), str(folder / "job.json"), str(answer)], _clean_env(python), folder, timeout)
        if not answer.exists():
            raise LibreOfficeError("LibreOffice ended without an answer")
        result: dict[str, Any] = json.loads(answer.read_text(encoding="utf-8"))
    if "error" in result:
        raise LibreOfficeError(f"LibreOffice failed: {result['error']}")
    documents = list(result["documents"])
    if documents:
        documents[0]["functions"] = result.get("functions", {})
    return documents


def run_job(
    document: Path | None,
    steps: Sequence[dict[str, Any]] = (),
    sheets: Sequence[str] | None = None,
    read_formulas: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT_S,
    extension: bool = True,
    describe: Sequence[str] = (),
) -> dict[str, Any]:
    """:func:`run_jobs` for one document."""
    return run_jobs([DocumentTask(document, steps, sheets, read_formulas)], timeout, extension, describe)[0]


def computed_workbook(path: Path, result: dict[str, Any]) -> Any:
    """The driver's answer as a :class:`~althedge_xl.headless.engine.ComputedWorkbook`."""
    from althedge_xl.headless.engine import ComputedWorkbook

    cells = {(sheet, address): value for sheet, values in result["cells"].items() for address, value in values.items()}
    reasons = {
        (sheet, address): f"{cells[(sheet, address)]} {text}"
        for sheet, notes in result.get("notes", {}).items()
        for address, text in notes.items()
    }
    names = {name: (sheet, where) for name, (sheet, where) in result["names"].items()}
    return ComputedWorkbook(path, cells, names, list(result["sheets"]), reasons)


def compute_with_libreoffice(
    path: Path, sheets: Sequence[str] | None = None, timeout: float = DEFAULT_TIMEOUT_S
) -> Any:
    """``path`` computed by headless LibreOffice with the extension (the file is never modified)."""
    return computed_workbook(path, run_job(path, sheets=sheets, timeout=timeout))
