"""``althedge init [DIR]``: a copy of the template (and the README) for a user to fill in."""

from __future__ import annotations

import argparse
from pathlib import Path

from althedge_xl.cli._common import Subcommands, UserError, needs, read_bytes


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("init", help="copy the template workbook into a folder, ready to fill in")
    parser.add_argument("folder", nargs="?", default=".", help="where to put AltHedge.xlsm (default: this folder)")
    parser.add_argument("--force", action="store_true", help="replace an AltHedge.xlsm already there")
    parser.set_defaults(run=run, needs=needs())


def run(args: argparse.Namespace) -> int:
    from althedge_xl.files import write_atomically
    from althedge_xl.shipped import README_NAME, TEMPLATE_NAME, readme_path, template_path

    folder = Path(args.folder)
    template = template_path()
    if template is None:
        raise UserError("this installation ships no template workbook; reinstall althedge-xl")
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: is a file, not a folder")
    target = folder / TEMPLATE_NAME
    if target.exists() and not args.force:
        raise UserError(f"{target}: already there; nothing was changed (--force replaces it)")
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(target, read_bytes(template))
    readme = readme_path()
    if readme is not None and not (folder / README_NAME).exists():
        write_atomically(folder / README_NAME, read_bytes(readme))  # the Start sheet links to it
    print(f"wrote {target.resolve()}")
    print("Fill in Portfolio (quantities or USD values) and HedgeRatio in Excel or LibreOffice, save, then run:")
    print(f"  althedge report {target}")
    return 0
