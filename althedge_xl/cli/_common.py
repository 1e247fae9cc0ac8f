"""What every ``althedge`` subcommand shares: the one-line user error, table printing, file arguments."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeAlias

if TYPE_CHECKING:
    from althedge_xl.headless.render import Table

FORMATS = ("table", "csv", "json")
FORMAT_HELP = "table (aligned text, the default), csv (one block per table) or json (every table and its formats)"
#: The template, at its place in a checkout (where ``build-workbook`` writes it); an installed
#: package ships a copy (:mod:`althedge_xl.shipped`), which ``report`` reads when no workbook is named.
DEFAULT_WORKBOOK = Path("workbook") / "AltHedge.xlsm"


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (the usage itself is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


#: What a subcommand needs installed for the options given: the extras' names (``needs`` in its defaults).
Needs: TypeAlias = Callable[[argparse.Namespace], Sequence[str]]


def needs(*extras: str) -> Needs:
    """The ``needs`` of a subcommand that needs ``extras`` whatever its options."""
    return lambda args: extras


#: What ``add_subparsers`` returns; each subcommand module registers itself on it.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def print_tables(tables: Sequence[Table], fmt: str) -> None:
    """Print tables as ``table`` (rich on a terminal when installed, plain text otherwise), ``csv`` or ``json``."""
    import importlib.util

    from althedge_xl.headless.render import render_plain, render_rich, to_csv, to_json

    if fmt == "csv":
        sys.stdout.write(to_csv(tables))
    elif fmt == "json":
        sys.stdout.write(to_json(tables))
    else:
        rich = sys.stdout.isatty() and importlib.util.find_spec("rich") is not None  # rich: the [report] extra
        draw = render_rich if rich else render_plain
        sys.stdout.write("\n".join(draw(t) for t in tables))


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, or a :class:`UserError` naming it and the reason."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: {exc.strerror}") from None


def check_out_folder(out: Path) -> None:
    """Refuse an ``--out`` folder that cannot be made or written into, before anything is computed.

    ``out`` may be missing (it is made), but neither it nor the nearest of its parents that exists may be a file.
    """
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: --out must be a folder, not a file")
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise UserError(f"{out}: --out must be a folder, but {parent} is a file, not a folder")


def workbook_argument(given: str | None) -> Path:
    """The workbook named, or the template this installation ships (from any folder)."""
    from althedge_xl.shipped import template_path

    if given:
        return Path(given)
    template = template_path()
    if template is None:
        raise UserError("no workbook named, and this installation ships no template; name a workbook")
    return template


def os_error_line(exc: OSError) -> str:
    """``FILE: reason`` of an OS error; the destination when there are two files (a rename onto it)."""
    name = exc.filename2 if exc.filename2 is not None else exc.filename
    reason = exc.strerror or str(exc)
    if name is None:
        return reason
    return f"{os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else name}: {reason}"


def fail(message: str, code: int) -> int:
    """Print ``message`` as one ``althedge:`` line on stderr; return ``code``."""
    print(f"althedge: {' '.join(message.split())}", file=sys.stderr)
    return code
