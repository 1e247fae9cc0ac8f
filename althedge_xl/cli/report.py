"""``althedge report``: compute a workbook without Excel and print its tables."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from althedge_xl.cli._common import (
    FORMAT_HELP,
    FORMATS,
    Subcommands,
    UserError,
    check_out_folder,
    read_bytes,
    workbook_argument,
)
from althedge_xl.cli.refresh import NOTHING_FETCHED, add_timeout_argument, refresh_in_place, succeeded

#: Exit code of a report that cannot show its figures: a holding has no price (its message names it).
INCOMPLETE = 4  # not 3, which is an internal error (cli.main)
#: The temporary folders of ``report --refresh``: ``althedge-report-<pid>-<random>`` in the temporary directory.
SCRATCH_PREFIX = "althedge-report-"

if TYPE_CHECKING:
    from althedge_xl.headless.report import Report


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("report", help="compute a workbook without Excel and print its tables")
    parser.add_argument("workbook", nargs="?", help="the workbook (default: the template)")
    parser.add_argument(
        "--refresh", action="store_true", help="refresh a temporary copy's prices first (the file is unchanged)"
    )
    parser.add_argument("--exchange", help="ccxt exchange id for --refresh (default: the Prices sheet's, binance)")
    parser.add_argument("--offline", action="store_true", help="with --refresh: fill from the cache only")
    parser.add_argument("--history", action="store_true", help="with --refresh: also the History sheet's last year")
    add_timeout_argument(parser)
    parser.add_argument("--prices", help="CSV of symbol,price to use instead of the Prices sheet's (file unchanged)")
    parser.add_argument("--out", help="folder for a computed copy as values (.xlsx) and the stress chart (.png)")
    parser.add_argument("--format", choices=FORMATS, default="table", help=FORMAT_HELP)
    parser.add_argument(
        "--engine",
        choices=("formulas", "libreoffice"),
        default="formulas",
        help="compute with the formula engine (default) or headless LibreOffice with the AltHedge extension",
    )
    parser.set_defaults(run=run, needs=report_needs)


def report_needs(args: argparse.Namespace) -> tuple[str, ...]:
    """The formula engine's extra; the market's too for ``--refresh``."""
    return ("report", "market") if args.refresh else ("report",)


def run(args: argparse.Namespace) -> int:
    from althedge_xl.files import exit_on_signals, scratch_folder
    from althedge_xl.headless.report import run_report
    from althedge_xl.workbook.package import WorkbookError, check_readable

    if (args.offline or args.exchange or args.history) and not args.refresh:
        raise UserError("--offline/--exchange/--history only apply with --refresh")
    if args.engine == "libreoffice" and args.prices:
        raise UserError("--prices applies with --engine formulas only")
    workbook = workbook_argument(args.workbook)
    if args.out:  # before any refresh or computation: a wrong --out costs nothing
        check_out_folder(Path(args.out))
    nothing_fetched = False
    if args.refresh:  # the user's file is checked, and named, before its temporary copy is made
        try:
            check_readable(workbook)
        except WorkbookError as exc:
            raise UserError(str(exc)) from None
    with exit_on_signals(), scratch_folder(SCRATCH_PREFIX) as scratch:
        if args.refresh:
            from althedge_xl.workbook.refresh import RefreshError  # the refresh's modules, only for one

            copy = scratch / workbook.name
            copy.write_bytes(read_bytes(workbook))
            try:
                update = refresh_in_place(copy, args.exchange, args.offline, args.history, args.timeout)
                nothing_fetched = not succeeded(update, args.offline)
            except RefreshError as exc:
                raise UserError(str(exc).replace(str(copy), str(workbook))) from None
            workbook = copy
        try:
            report = run_report(
                workbook,
                Path(args.prices) if args.prices else None,
                Path(args.out) if args.out else None,
                warn=lambda line: print(f"althedge: {line}", file=sys.stderr),
                engine=args.engine,
            )
        except WorkbookError as exc:
            raise UserError(str(exc)) from None
        except Exception as exc:  # LibreOffice missing or failing: one line naming what to install
            if type(exc).__name__ != "LibreOfficeError":
                raise
            raise UserError(str(exc)) from None
    print_report(report, args.format)
    for path in report.written:
        print(f"althedge: wrote {path}", file=sys.stderr)
    for message in report.incomplete:
        print(f"althedge: {message}", file=sys.stderr)
    # One rule with `althedge refresh`: exit 1 (NOTHING_FETCHED) when the refresh could fetch nothing
    # (offline with every value in the cache is not that); the report is still printed, marked stale.
    if nothing_fetched:
        print(
            "althedge: nothing could be fetched; the report shows the last good values, marked stale", file=sys.stderr
        )
        return NOTHING_FETCHED
    if report.incomplete:
        print("althedge: the report is incomplete: only the holdings are shown", file=sys.stderr)
        return INCOMPLETE
    return 0


def print_report(report: Report, fmt: str) -> None:
    """The report on stdout: tables, then the error cells and notes (as text, CSV blocks or JSON keys)."""
    from althedge_xl.headless.render import render_plain, render_rich, to_csv, to_json

    if fmt == "csv":
        sys.stdout.write(to_csv(report.tables, report.csv_blocks()))
        return
    if fmt == "json":
        sys.stdout.write(to_json(report.tables, report.extra_data()))
        return
    draw = render_rich if sys.stdout.isatty() else render_plain
    listed = report.errors and not report.incomplete  # an incomplete report's one message is in its table
    tables = [*report.tables, *([report.errors_table()] if listed else [])]
    sys.stdout.write("\n".join(draw(t) for t in tables))
    for note in report.notes:
        if not note.startswith("Stale"):  # the stale line is already under the Portfolio table
            sys.stdout.write(f"\n{note}\n")
