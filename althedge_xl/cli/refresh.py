"""``althedge refresh``: refresh the Prices (and History) sheet of a workbook in place."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from althedge_xl.cli._common import Subcommands, UserError


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("refresh", help="refresh the Prices sheet of a workbook in place (a backup is kept)")
    parser.add_argument("workbook", help="the workbook to refresh (to refresh the template, name it)")
    parser.add_argument("--exchange", help="ccxt exchange id (default: the Prices sheet's, binance); bybit works too")
    parser.add_argument("--offline", action="store_true", help="fill from the cache only, no network")
    parser.add_argument(
        "--history",
        action="store_true",
        help="also the History sheet's last year of daily closes (History changes too)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from althedge_xl.workbook.refresh import RefreshError, backup_path

    workbook = Path(args.workbook)
    try:
        refreshed = refresh_in_place(workbook, args.exchange, args.offline, args.history)
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


def refresh_in_place(path: Path, exchange: str | None, offline: bool, history: bool = False) -> bool:
    """Refresh ``path`` in place, print what happened on stderr; True when anything was refreshed."""
    from althedge_xl.workbook.refresh import refresh_workbook

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
