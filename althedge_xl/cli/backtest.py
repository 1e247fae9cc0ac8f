"""``althedge backtest``: compare hedge rules on the real daily history, after funding and fees."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from althedge_xl.cli._common import FORMAT_HELP, FORMATS, Subcommands, UserError, check_out_folder, print_tables

#: The bar is drawn only on a terminal, and only once the run has taken this long (seconds).
PROGRESS_AFTER = 0.3


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "backtest", help="compare hedge rules on the daily history 2020-2026, after funding and fees"
    )
    parser.add_argument("--start", help="first day, YYYY-MM-DD (default: the first day every rule can decide)")
    parser.add_argument("--end", help="last day, YYYY-MM-DD (default: the last close)")
    parser.add_argument(
        "--rules",
        help="comma-separated: unhedged, flatNN (e.g. flat40), fear_greed, volatility, minvar, beta (default: "
        "unhedged, flat 25/40/50/75, and the four others)",
    )
    parser.add_argument("--band", default="10%", help="no-trade band, a share of the target (default 10%%)")
    parser.add_argument("--fee", default="0.05%", help="taker fee on the notional traded (default 0.05%%)")
    parser.add_argument(
        "--schedule",
        default="daily",
        choices=("daily", "weekly", "monthly"),
        help="when the short may be re-sized: every close, every 7th close from the first, or the first close "
        "of each month (default daily)",
    )
    parser.add_argument(
        "--portfolio",
        help="USD held per asset column, e.g. BTC=50000,ETH=18000,SOL=12000,AVAX=20000 (the default, the "
        "template's; BTC is held, not hedged)",
    )
    parser.add_argument("--data", help="market-history folder (prices/, funding/, sentiment/)")
    parser.add_argument(
        "--workbook",
        help="a workbook whose History sheet holds the days (after --data; then $ALTHEDGE_DATA, a checkout's "
        "../shared/data, and the template's History)",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help=FORMAT_HELP)
    parser.add_argument("--out", help="folder for backtest.png (equity curves and drawdowns) and backtest.csv")
    parser.set_defaults(run=run, needs=backtest_needs)


def backtest_needs(args: argparse.Namespace) -> tuple[str, ...]:
    """openpyxl to read a workbook's History; matplotlib to draw ``--out``'s chart; numpy alone otherwise."""
    from althedge_xl.cli.market_history import backtest_source

    source = backtest_source(args.data, args.workbook)
    return (*(() if source.is_folder else ("workbook",)), *(("report",) if args.out else ()))


def fraction(text: str, name: str) -> float:
    """``0.1`` or ``10%``; anything else is one line naming the option."""
    raw = text.strip()
    try:
        return float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise UserError(f"--{name} must be a number such as 0.1 or 10%, not {text!r}") from None


def portfolio(text: str | None) -> dict[str, float]:
    """``BTC=50000,ETH=18000`` as a mapping; the template's holdings when not given."""
    from althedge_xl.core.backtest import MAX_HOLDING_USD
    from althedge_xl.headless.backtest import TEMPLATE_PORTFOLIO

    if text is None:
        return dict(TEMPLATE_PORTFOLIO)
    out: dict[str, float] = {}
    for item in text.split(","):
        asset, sep, amount = item.partition("=")
        try:
            value = float(amount)
        except ValueError:
            value = float("nan")
        if not sep or not asset.strip() or not value >= 0:
            raise UserError(f"--portfolio: {item.strip()!r} is not ASSET=USD (e.g. ETH=18000)")
        if value > MAX_HOLDING_USD:
            raise UserError(
                f"--portfolio: {item.strip()} is above {MAX_HOLDING_USD:,.0f} USD, the largest holding taken as meant"
            )
        out[asset.strip().upper()] = value
    return out


class _Bar:
    """A one-line progress bar on stderr, shown only on a terminal once the run is slow."""

    def __init__(self) -> None:
        import time

        self._clock = time.perf_counter
        self._began = self._clock()
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty() or (not self._shown and self._clock() - self._began < PROGRESS_AFTER):
            return
        self._shown = True
        filled = round(24 * done / total)
        sys.stderr.write(f"\rbacktest [{'#' * filled}{'.' * (24 - filled)}] {done}/{total} rules")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    from althedge_xl.cli.market_history import backtest_source
    from althedge_xl.core.errors import AltHedgeInputError
    from althedge_xl.files import write_atomically
    from althedge_xl.headless.backtest import HistoryError, equity_chart, load_history, result_tables, run_backtest
    from althedge_xl.headless.render import to_csv

    out = Path(args.out) if args.out else None
    if out is not None:  # before the history is read: a wrong --out costs nothing
        check_out_folder(out)
    band, fee = fraction(args.band, "band"), fraction(args.fee, "fee")
    holdings = portfolio(args.portfolio)
    source = backtest_source(args.data, args.workbook)
    try:
        if source.is_folder:
            history = load_history(source.path)
        else:
            from althedge_xl.headless.history_sheet import load_workbook_history

            history = load_workbook_history(source.path)
        result = run_backtest(
            history,
            holdings,
            rules=args.rules,
            band=band,
            fee=fee,
            schedule=args.schedule,
            start=args.start,
            end=args.end,
            progress=_Bar(),
        )
    except (HistoryError, AltHedgeInputError) as exc:
        raise UserError(str(exc)) from None
    days = len(result.dates) - 1
    print(
        f"althedge: backtest on {source.label}: {result.dates[0]} to {result.dates[-1]} ({days} days)", file=sys.stderr
    )
    tables = result_tables(result)
    if out is not None:
        chart, table = out / "backtest.png", out / "backtest.csv"
        write_atomically(chart, equity_chart(result))
        write_atomically(table, to_csv(tables).encode())
        print(f"wrote {chart} and {table}", file=sys.stderr)
    print_tables(tables, args.format)
    return 0
