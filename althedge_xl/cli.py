"""``althedge``: the command line of AltHedge XL.

Every failure a user can act on ends in one clear line on stderr and exit code 2; no traceback.
Exit code 1: ``refresh`` could refresh nothing (the file keeps its last good values, marked stale).
Exit code 3: a bug (one line asking for a report; ``ALTHEDGE_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from althedge_xl import __version__
from althedge_xl.render import Table, render_plain, render_rich, to_csv, to_json

FORMATS = ("table", "csv", "json")
#: The template, at its place in a checkout; ``report`` reads it when no workbook is named.
DEFAULT_WORKBOOK = Path("workbook") / "AltHedge.xlsm"


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (the usage itself is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def print_tables(tables: Sequence[Table], fmt: str) -> None:
    """Print tables as ``table`` (rich on a terminal, plain text otherwise), ``csv`` or ``json``."""
    if fmt == "csv":
        sys.stdout.write(to_csv(tables))
    elif fmt == "json":
        sys.stdout.write(to_json(tables))
    else:
        draw = render_rich if sys.stdout.isatty() else render_plain
        sys.stdout.write("\n".join(draw(t) for t in tables))


def _example(args: argparse.Namespace) -> int:
    from althedge_xl.example import worked_example_tables

    print_tables(worked_example_tables(), args.format)
    return 0


def _build_workbook(args: argparse.Namespace) -> int:
    from althedge_xl.workbook.build import build_workbook
    from althedge_xl.workbook.samples import MarketDataMissing, default_data_dir

    out = Path(args.out)
    _check_out(out)
    data = Path(args.data) if args.data else None
    try:
        path = build_workbook(out, data)
    except MarketDataMissing as exc:
        raise UserError(str(exc)) from None
    except UnicodeDecodeError:
        raise UserError(f"a file of the market-history folder {data or default_data_dir()} is not UTF-8 text") from None
    except FileNotFoundError as exc:
        root = data or default_data_dir()
        if exc.filename and Path(exc.filename).is_relative_to(root):
            raise UserError(
                f"{exc.filename}: no such file; is {root} the market-history folder (prices/, funding/, "
                "sentiment/, wire_samples/)?"
            ) from None
        raise
    print(f"wrote {path}")
    return 0


def _check_out(out: Path) -> None:
    """Refuse an ``--out`` that cannot become the workbook, before spending time on building it."""
    from althedge_xl.refresh import read_only_reason

    if out.is_dir():
        raise UserError(f"{out}: is a folder; --out names the workbook file, e.g. {out / DEFAULT_WORKBOOK.name}")
    folder = out.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{out}: {folder} is a file, not a folder")
    if out.exists():
        reason = read_only_reason(out)
        if reason:
            raise UserError(f"{reason}; nothing was changed")
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"{out}: cannot write into {folder} (permission denied); nothing was changed")


def _report(args: argparse.Namespace) -> int:
    import tempfile

    from althedge_xl.headless import WorkbookError
    from althedge_xl.refresh import RefreshError
    from althedge_xl.report import run_report

    if (args.offline or args.exchange or args.history) and not args.refresh:
        raise UserError("--offline/--exchange/--history only apply with --refresh")
    workbook = _workbook_argument(args.workbook)
    with tempfile.TemporaryDirectory(prefix="althedge-report-") as scratch:
        if args.refresh:
            copy = Path(scratch) / workbook.name
            copy.write_bytes(_read_bytes(workbook))
            try:
                _run_refresh(copy, args.exchange, args.offline, args.history)
            except RefreshError as exc:
                raise UserError(str(exc)) from None
            workbook = copy
        try:
            tables = run_report(
                workbook, Path(args.prices) if args.prices else None, Path(args.out) if args.out else None
            )
        except WorkbookError as exc:
            raise UserError(str(exc)) from None
    print_tables(tables, args.format)
    return 0


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: {exc.strerror}") from None


def _workbook_argument(given: str | None) -> Path:
    """The workbook named, or the template of this checkout."""
    if given:
        return Path(given)
    if DEFAULT_WORKBOOK.exists():
        return DEFAULT_WORKBOOK
    checkout = Path(__file__).resolve().parents[1] / DEFAULT_WORKBOOK
    if checkout.exists():
        return checkout
    raise UserError(f"no workbook named, and the template {DEFAULT_WORKBOOK} is not here; name a workbook")


def _run_refresh(path: Path, exchange: str | None, offline: bool, history: bool = False) -> bool:
    """Refresh ``path`` in place, print what happened on stderr; True when anything was refreshed."""
    from althedge_xl.refresh import refresh_workbook

    def progress(done: int, total: int, label: str) -> None:
        if sys.stderr.isatty():
            print(f"\r[{done}/{total}] {label[:60]:<60}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    update = refresh_workbook(path, exchange, offline, history=history, progress=progress)
    for message in update.messages:
        print(f"althedge: {message}", file=sys.stderr)
    if update.stale and update.refreshed_any:
        print(f"althedge: stale (last good values kept): {', '.join(update.stale)}", file=sys.stderr)
    if update.unknown_symbols:
        print(
            f"althedge: unknown symbols (marked on the Prices sheet): {', '.join(update.unknown_symbols)}",
            file=sys.stderr,
        )
    return update.refreshed_any


def _refresh(args: argparse.Namespace) -> int:
    from althedge_xl.refresh import RefreshError, backup_path

    workbook = Path(args.workbook)
    try:
        refreshed = _run_refresh(workbook, args.exchange, args.offline, args.history)
    except RefreshError as exc:
        raise UserError(str(exc)) from None
    if not refreshed:
        print(
            f"althedge: nothing could be refreshed; {workbook} keeps its last good values, marked stale",
            file=sys.stderr,
        )
        return 1
    print(f"refreshed {workbook} (previous file kept as {backup_path(workbook).name})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="althedge", description="Hedge an altcoin portfolio with short BTC futures.")
    parser.add_argument("--version", action="version", version=f"althedge {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    example = commands.add_parser("example", help="print the method's worked example computed by the Excel functions")
    example.add_argument("--format", choices=FORMATS, default="table")
    example.set_defaults(run=_example)
    build = commands.add_parser("build-workbook", help="write the template workbook from code")
    build.add_argument("--out", default=str(DEFAULT_WORKBOOK), help=f"where to write it (default {DEFAULT_WORKBOOK})")
    build.add_argument("--data", help="market-history folder for the sample data (default ../shared/data)")
    build.set_defaults(run=_build_workbook)
    report = commands.add_parser("report", help="compute a workbook without Excel and print its tables")
    report.add_argument("workbook", nargs="?", help="the workbook (default: the template)")
    report.add_argument(
        "--refresh", action="store_true", help="refresh a temporary copy's prices first (the file is unchanged)"
    )
    report.add_argument("--exchange", help="ccxt exchange id for --refresh (default: the Prices sheet's, binance)")
    report.add_argument("--offline", action="store_true", help="with --refresh: fill from the cache only")
    report.add_argument("--history", action="store_true", help="with --refresh: also the History sheet's last year")
    report.add_argument("--prices", help="CSV of symbol,price to use instead of the Prices sheet's (file unchanged)")
    report.add_argument("--out", help="folder for a computed copy as values (.xlsx) and the stress chart (.png)")
    report.add_argument("--format", choices=FORMATS, default="table")
    report.set_defaults(run=_report)
    refresh = commands.add_parser("refresh", help="refresh the Prices sheet of a workbook in place (a backup is kept)")
    refresh.add_argument("workbook", help="the workbook to refresh (to refresh the template, name it)")
    refresh.add_argument("--exchange", help="ccxt exchange id (default: the Prices sheet's, binance); bybit works too")
    refresh.add_argument("--offline", action="store_true", help="fill from the cache only, no network")
    refresh.add_argument(
        "--history",
        action="store_true",
        help="also the History sheet's last year of daily closes (History changes too)",
    )
    refresh.set_defaults(run=_refresh)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (``--help``, ``--version`` and usage errors too)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the help, the version or the one-line usage error
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    try:
        code: int = args.run(args)
    except UserError as exc:
        return _fail(str(exc), 2)
    except OSError as exc:
        return _fail(_os_error(exc), 2)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:  # a bug: one line, not a traceback, unless asked for
        if os.environ.get("ALTHEDGE_DEBUG"):
            raise
        return _fail(
            f"internal error: {type(exc).__name__}: {exc}; please report it (ALTHEDGE_DEBUG=1 shows the traceback)", 3
        )
    return code


def _os_error(exc: OSError) -> str:
    """``FILE: reason`` of an OS error; the destination when there are two files (a rename onto it)."""
    name = exc.filename2 if exc.filename2 is not None else exc.filename
    reason = exc.strerror or str(exc)
    if name is None:
        return reason
    return f"{os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else name}: {reason}"


def _fail(message: str, code: int) -> int:
    print(f"althedge: {' '.join(message.split())}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
