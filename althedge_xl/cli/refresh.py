"""``althedge refresh``: refresh the Prices (and History) sheet of a workbook in place."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from althedge_xl.cli._common import Subcommands, UserError, needs

if TYPE_CHECKING:
    from althedge_xl.workbook.prices_update import PricesUpdate

#: Exit code of a refresh that could fetch nothing (the file is unchanged); 0 when written or up to date.
NOTHING_FETCHED = 1


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
    parser.add_argument(
        "--tiers",
        action="store_true",
        help="also the --exchange's tier table on the Hedge sheet, from its public risk limits of BTCUSDT (bybit, okx, "
        "mexc; replaces your edits there)",
    )
    parser.add_argument(
        "--account",
        action="store_true",
        help="also your account, read-only: spot balances into Portfolio, the BTC short into Hedge, the Account"
        " sheet (a read-only API key: althedge keys set EXCHANGE, or ALTHEDGE_<EXCHANGE>_API_KEY/_API_SECRET)",
    )
    parser.add_argument(
        "--dust",
        type=float,
        default=1.0,
        metavar="USD",
        help="with --account: balances worth less than this are left out of Portfolio (default 1)",
    )
    add_timeout_argument(parser)
    parser.set_defaults(run=run, needs=needs("market", "workbook"))


def add_timeout_argument(parser: argparse.ArgumentParser) -> None:
    from althedge_xl.market.deadline import DEFAULT_DEADLINE_S as DEFAULT_TIMEOUT_S  # no extra's import

    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help=f"the whole refresh ends within this many seconds, whatever the servers do (default {DEFAULT_TIMEOUT_S:g})",
    )


def run(args: argparse.Namespace) -> int:
    from althedge_xl.files import exit_on_signals
    from althedge_xl.workbook.refresh import RefreshError

    workbook = Path(args.workbook)
    account = None
    if getattr(args, "account", False):
        from althedge_xl.cli.account import account_request

        account = account_request(args.exchange or "binance", args.dust, args.offline)
        if isinstance(account, int):
            return account
    with exit_on_signals():
        try:
            update = refresh_in_place(
                workbook, args.exchange, args.offline, args.history, args.timeout, tiers=args.tiers, account=account
            )
        except RefreshError as exc:
            raise UserError(str(exc)) from None
        except Exception as exc:
            from althedge_xl.cli.account import account_fault_exit

            return account_fault_exit(exc, workbook)
    if account is not None:
        from althedge_xl.cli.account import account_exit

        return account_exit(update, workbook)
    if update.written:
        backup = f" (previous file kept as {update.backup.name})" if update.backup is not None else ""
        print(f"refreshed {workbook}{backup}")
        return 0
    if succeeded(update, args.offline):
        print(f"{workbook} is up to date with the cache; nothing was written")
        return 0
    if args.offline:
        print(
            f"althedge: the cache has no value for {', '.join(update.missing)}; {workbook} is unchanged",
            file=sys.stderr,
        )
    else:
        print(f"althedge: nothing could be fetched; {workbook} is unchanged (nothing was written)", file=sys.stderr)
    return NOTHING_FETCHED


def succeeded(update: PricesUpdate, offline: bool) -> bool:
    """The one exit-code rule of ``refresh`` and ``report --refresh``: exit 0 when something new was
    written, or, offline, when the cache had every value; otherwise :data:`NOTHING_FETCHED`."""
    return bool(update.written) or (offline and not update.missing)


def refresh_in_place(
    path: Path,
    exchange: str | None,
    offline: bool,
    history: bool = False,
    timeout_s: float | None = None,
    *,
    tiers: bool = False,
    account: Any = None,
) -> PricesUpdate:
    """Refresh ``path`` in place, print what happened on stderr; the :class:`PricesUpdate` (``written``…)."""
    from althedge_xl.workbook.refresh import DEFAULT_TIMEOUT_S, refresh_workbook

    timeout = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
    if not (math.isfinite(timeout) and timeout > 0):
        raise UserError(f"--timeout must be a number of seconds above 0, got {timeout:g}")

    def progress(done: int, total: int, label: str) -> None:
        if sys.stderr.isatty():
            print(f"\r[{done}/{total}] {label[:60]:<60}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    update = refresh_workbook(
        path, exchange, offline, history=history, progress=progress, timeout_s=timeout, tiers=tiers, account=account
    )
    for message in update.messages:
        print(f"althedge: {message}", file=sys.stderr)
    if update.stale and update.refreshed_any:
        print(f"althedge: stale (last good values kept): {', '.join(update.stale)}", file=sys.stderr)
    if update.unknown_symbols:
        print(
            f"althedge: unknown symbols (marked on the Prices sheet): {', '.join(update.unknown_symbols)}",
            file=sys.stderr,
        )
    return update
