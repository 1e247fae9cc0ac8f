"""``althedge libreoffice [DIR]``: the AltHedge functions as a LibreOffice Calc extension, ``AltHedge.oxt``.

With ``--plain-names WORKBOOK`` it rewrites instead a workbook LibreOffice exported with the add-in's
programmatic names (``soffice --convert-to``, File › Export: the extension's save job covers only
File › Save and Save As, see :mod:`althedge_xl.libreoffice.plain_names`).

With ``--install`` the extension is also registered with ``unopkg add`` for the current user (or
for every user of the machine with ``--shared``, as root). LibreOffice's Python must have numpy;
``--install`` checks that first. See the README's "LibreOffice".
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from pathlib import Path

from althedge_xl.cli._common import Subcommands, UserError


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("libreoffice", help="write AltHedge.oxt, the functions for LibreOffice Calc")
    parser.add_argument("dir", nargs="?", default=".", help="folder to write AltHedge.oxt into (default: here)")
    parser.add_argument("--install", action="store_true", help="also register it in LibreOffice (unopkg add)")
    parser.add_argument("--shared", action="store_true", help="with --install: for every user (needs root)")
    parser.add_argument(
        "--plain-names",
        metavar="WORKBOOK",
        help="instead: rewrite an .xlsx/.xlsm LibreOffice exported (soffice --convert-to) with Excel's plain names",
    )
    parser.set_defaults(run=run, needs=lambda args: ())


def run(args: argparse.Namespace) -> int:
    from althedge_xl.libreoffice.extension import write_extension

    if args.shared and not args.install:
        raise UserError("--shared only applies with --install")
    if args.plain_names:
        return plain_names(Path(args.plain_names))
    path = write_extension(Path(args.dir))
    print(f"wrote {path}")
    if args.install:
        install(path, args.shared)
    return 0


def plain_names(workbook: Path) -> int:
    """Rewrite ``workbook`` in place (atomically) with Excel's plain function names; say whether it needed it."""
    import zipfile

    from althedge_xl.libreoffice.plain_names import EXCEL_SUFFIXES, rewrite_file

    if workbook.suffix.lower() not in EXCEL_SUFFIXES:
        raise UserError(f"{workbook} is not an .xlsx or .xlsm workbook")
    if not workbook.is_file():
        raise UserError(f"{workbook} does not exist")
    try:
        changed = rewrite_file(workbook)
    except zipfile.BadZipFile:
        raise UserError(f"{workbook} is not a workbook (not a zip archive)") from None
    print(f"{workbook}: {'rewritten with plain function names' if changed else 'already has plain function names'}")
    return 0


def install(path: Path, shared: bool) -> None:
    """``unopkg add --replace`` the extension, after checking LibreOffice's Python has ``uno`` and numpy."""
    from althedge_xl.libreoffice.headless import LibreOfficeError, find_soffice, find_uno_python

    try:
        soffice = find_soffice()
        find_uno_python()
    except LibreOfficeError as exc:
        raise UserError(str(exc)) from None
    unopkg = shutil.which("unopkg") or str(Path(os.path.realpath(soffice)).parent / "unopkg")
    if not Path(unopkg).exists():
        raise UserError("unopkg (LibreOffice's extension installer) was not found beside soffice")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and not shared:
        raise UserError(
            "unopkg refuses a per-user install as root: run this as the user who uses LibreOffice, "
            "or add --shared to install it for every user"
        )
    command = [unopkg, "add", "--replace", *(["--shared"] if shared else []), str(path.resolve())]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise UserError(f"unopkg add failed (exit {done.returncode}): {reason[-1] if reason else 'no message'}")
    print(f"installed {path.name}{' for every user' if shared else ''}; restart LibreOffice to use the functions")
