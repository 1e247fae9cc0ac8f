"""The backtest from the command line: the market history read from its CSVs, the tables, the chart.

Reads ``prices/daily_close_wide.csv``, ``funding/binance_usdm_btcusdt_funding_8h.csv`` (every
settlement, summed per UTC day) and ``sentiment/fear_greed_daily.csv`` of the market-history
folder, and runs :func:`althedge_xl.core.backtest.backtest` on them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from althedge_xl.core.backtest import METRICS, BacktestResult, backtest
from althedge_xl.core.backtest.rules import RuleSettings
from althedge_xl.headless.render import Cell, Format, Table

#: The template's holdings (DESIGN.md's portfolio; AVAX stands in for the small caps, as on History).
TEMPLATE_PORTFOLIO: Mapping[str, float] = {"BTC": 50_000.0, "ETH": 18_000.0, "SOL": 12_000.0, "AVAX": 20_000.0}
FORMATS: tuple[Format, ...] = (
    "text", "usd", "pct", "pct", "pct", "pct", "text", "text", "pct", "pct", "usd", "usd", "usd", "int", "pct", "num",
)  # fmt: skip


class HistoryError(Exception):
    """The market-history folder is missing or not of the expected shape."""


@dataclass(frozen=True)
class History:
    """Daily rows: the dates, each asset's closes (NaN = no data), funding per day, Fear & Greed."""

    dates: list[str]
    closes: dict[str, np.ndarray]
    funding: np.ndarray
    fear_greed: np.ndarray


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except FileNotFoundError:
        raise HistoryError(f"{path}: no such file; is {path.parents[1]} the market-history folder?") from None
    except (OSError, UnicodeError) as exc:
        raise HistoryError(f"{path}: cannot read it ({exc})") from None


def load_history(root: Path) -> History:
    """The daily history of the market-history folder ``root`` (see its README)."""
    prices = _rows(root / "prices" / "daily_close_wide.csv")
    funding_rows = _rows(root / "funding" / "binance_usdm_btcusdt_funding_8h.csv")
    sentiment = _rows(root / "sentiment" / "fear_greed_daily.csv")
    try:
        dates = [r["date"] for r in prices]
        assets = [c for c in prices[0] if c != "date"]
        closes = {a: np.array([float(r[a]) if r[a] else math.nan for r in prices]) for a in assets}
        per_day: dict[str, float] = {}
        for r in funding_rows:
            day = r["funding_time_utc"][:10]
            per_day[day] = per_day.get(day, 0.0) + float(r["funding_rate"])
        index = {r["date"]: float(r["value"]) for r in sentiment}
    except (KeyError, ValueError, IndexError) as exc:
        raise HistoryError(f"{root}: not the market history expected ({type(exc).__name__}: {exc})") from None
    return History(
        dates,
        closes,
        np.array([per_day.get(d, math.nan) for d in dates]),
        np.array([index.get(d, math.nan) for d in dates]),
    )


def run_backtest(
    history: History,
    portfolio: Mapping[str, float],
    *,
    rules: Sequence[str] | None = None,
    band: float = 0.10,
    fee: float = 0.0005,
    schedule: str = "daily",
    start: str | None = None,
    end: str | None = None,
    settings: RuleSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Backtest ``portfolio`` (USD per asset column; ``BTC`` is held unhedged) on ``history``."""
    unknown = [a for a in portfolio if a not in history.closes]
    if unknown:
        raise HistoryError(f"no daily closes for {', '.join(unknown)}; the data has {', '.join(history.closes)}")
    alts = [a for a in portfolio if a != "BTC"]
    if not alts:
        raise HistoryError("the portfolio has no altcoin to hedge; give at least one, e.g. ETH=10000")
    return backtest(
        history.dates,
        history.closes["BTC"],
        np.column_stack([history.closes[a] for a in alts]),
        [portfolio[a] for a in alts],
        portfolio.get("BTC", 0.0),
        history.funding,
        history.fear_greed,
        rules,
        band,
        fee,
        schedule,
        start,
        end,
        settings,
        progress,
    )


def _runs(days: Sequence[str]) -> str:
    """Consecutive days as ranges: ``2025-11-13 .. 2026-02-20 (100 days)``."""
    import datetime as dt

    spans: list[list[str]] = []
    for d in days:
        if spans and dt.date.fromisoformat(d) - dt.date.fromisoformat(spans[-1][-1]) == dt.timedelta(days=1):
            spans[-1].append(d)
        else:
            spans.append([d])
    return ", ".join(s[0] if len(s) == 1 else f"{s[0]} .. {s[-1]} ({len(s)} days)" for s in spans)


def result_tables(result: BacktestResult) -> list[Table]:
    """The rules x metrics table, with the period and the days without funding in its note."""
    from althedge_xl.core.backtest import metrics_table

    rows: list[list[Cell]] = [
        [None if isinstance(v, float) and math.isnan(v) else v for v in row] for row in metrics_table(result)
    ]
    missing = result.days_without_funding
    note = f"{result.dates[0]} to {result.dates[-1]}, {len(result.dates) - 1} days. " + (
        f"No funding record (no funding counted) on {len(missing)} days: {_runs(missing)}." if missing else ""
    )
    note += " Drawdown avoided against unhedged per 1,000 USD of fees and funding paid."
    return [Table("Backtest: hedge rules on daily closes", ("Rule", *METRICS), rows, FORMATS, note.strip())]


def equity_chart(result: BacktestResult) -> bytes:
    """PNG: each rule's equity curve (log scale) and its drawdown from the running peak."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = np.array(result.dates, dtype="datetime64[D]")
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), dpi=110, sharex=True, height_ratios=(3, 2))
    for rule in result.rules:
        equity = rule.path.equity
        style = {"color": "black", "linewidth": 1.6} if rule.key == "unhedged" else {"linewidth": 1.0}
        top.plot(days, equity, label=rule.label, **style)
        bottom.plot(days, equity / np.maximum.accumulate(equity) - 1.0, **style)
    top.set_yscale("log")
    top.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    top.set_ylabel("Equity (USD, log scale)")
    top.set_title(f"Hedge rules, {result.dates[0]} to {result.dates[-1]}: equity and drawdown")
    top.legend(fontsize=7, ncol=3)
    bottom.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    bottom.set_ylabel("Drawdown from peak")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()
