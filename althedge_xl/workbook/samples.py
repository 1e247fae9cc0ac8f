"""The template's sample market data, read from the real market history at build time.

Nothing here is made up: spot prices are Binance daily closes, the perpetual and the quarterly
future come from a recorded ``/fapi/v1/premiumIndex`` response, funding rates and the Fear & Greed
index from their recorded histories. The template marks all of them stale; a refresh replaces them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from althedge_xl.workbook import history_layout as hx

#: Assets whose sample spot price the template carries (Binance USDT pairs in the daily file).
SAMPLE_SYMBOLS = ("BTC", "ETH", "SOL", "BNB", "XRP", "ADA", "DOGE", "AVAX")
#: Funding settlements in the sample history: 90 days of 8-hour settlements.
FUNDING_SAMPLE_SIZE = 270
QUARTERLY_SYMBOL = "BTCUSDT_250926"
#: Binance quarterly futures settle at 08:00 UTC on their delivery day.
QUARTERLY_EXPIRY = dt.datetime(2025, 9, 26, 8, 0, tzinfo=dt.timezone.utc)


class MarketDataMissing(Exception):
    """The market-history folder the builder reads is not there."""


@dataclass(frozen=True)
class SpotSample:
    symbol: str
    price: float
    date: str
    source: str


@dataclass(frozen=True)
class PerpSample:
    symbol: str
    mark_price: float
    index_price: float
    funding_rate: float
    interval_hours: float
    next_funding_time: str
    time: str
    source: str


@dataclass(frozen=True)
class QuarterlySample:
    symbol: str
    price: float
    index_price: float
    days_to_expiry: float
    expiry: str
    time: str
    source: str


@dataclass(frozen=True)
class FearGreedSample:
    value: float
    classification: str
    date: str
    source: str


HISTORY_START = "2021-01-01"


@dataclass(frozen=True)
class HistoryRow:
    """One UTC day: closes of the History assets (None where no data) and the day's BTCUSDT funding.

    ``funding`` is the sum of the day's 00:00, 08:00 and 16:00 UTC settlement rates (a fraction), the
    settlements that fall between the previous day's close (23:59:59.999 UTC, so the 00:00
    settlement comes after it) and this day's. ``fear_greed`` is the day's Fear & Greed index (None
    on the days alternative.me did not publish one).
    """

    date: str
    closes: tuple[float | None, ...]
    funding: float | None
    fear_greed: float | None = None


@dataclass(frozen=True)
class Samples:
    spot: tuple[SpotSample, ...]
    perp: PerpSample
    quarterly: QuarterlySample
    fear_greed: FearGreedSample
    funding_history: tuple[tuple[str, float], ...]
    history: tuple[HistoryRow, ...]


def default_data_dir() -> Path:
    """``$ALTHEDGE_DATA``, else ``../shared/data`` beside the project checkout."""
    env = os.environ.get("ALTHEDGE_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_samples(data_dir: Path | None = None) -> Samples:
    """Read the sample values from the market-history folder (see its README for sources)."""
    root = data_dir or default_data_dir()
    if not root.is_dir():
        raise MarketDataMissing(f"market data folder not found: {root} (set ALTHEDGE_DATA or pass --data)")
    try:
        return _read_samples(root)
    except UnicodeError:
        raise  # the command line names the file that is not text
    except (KeyError, ValueError, IndexError) as exc:  # a file of another shape than the README's
        raise MarketDataMissing(
            f"{root}: not the market history the template expects ({type(exc).__name__}: {exc})"
        ) from None


def _read_samples(root: Path) -> Samples:
    with open(root / "prices" / "daily_close_wide.csv", newline="") as f:
        last = list(csv.DictReader(f))[-1]
    spot = tuple(
        SpotSample(s, float(last[s]), last["date"], f"sample: Binance {s}USDT daily close {last['date']}")
        for s in SAMPLE_SYMBOLS
    )
    premium_file = "binance_usdm_fapi_v1_premiumIndex.json"
    contracts = {c["symbol"]: c for c in json.loads((root / "wire_samples" / premium_file).read_text())}
    btc, quarterly = contracts["BTCUSDT"], contracts[QUARTERLY_SYMBOL]
    recorded = "sample: Binance /fapi/v1/premiumIndex recorded"
    perp = PerpSample(
        "BTCUSDT",
        float(btc["markPrice"]),
        float(btc["indexPrice"]),
        float(btc["lastFundingRate"]),
        8.0,
        _iso(btc["nextFundingTime"]),
        _iso(btc["time"]),
        f"{recorded} {_iso(btc['time'])}",
    )
    time = dt.datetime.fromtimestamp(quarterly["time"] / 1000, dt.timezone.utc)
    days = (QUARTERLY_EXPIRY - time).total_seconds() / 86_400
    future = QuarterlySample(
        QUARTERLY_SYMBOL,
        float(quarterly["markPrice"]),
        float(quarterly["indexPrice"]),
        round(days, 4),
        QUARTERLY_EXPIRY.strftime("%Y-%m-%dT%H:%M:%SZ"),
        _iso(quarterly["time"]),
        f"{recorded} {_iso(quarterly['time'])}",
    )
    with open(root / "sentiment" / "fear_greed_daily.csv", newline="") as f:
        fg = list(csv.DictReader(f))[-1]
    fear_greed = FearGreedSample(
        float(fg["value"]), fg["classification"], fg["date"], "sample: alternative.me Fear & Greed"
    )
    with open(root / "funding" / "binance_usdm_btcusdt_funding_8h.csv", newline="") as f:
        rates = [(r["funding_time_utc"], float(r["funding_rate"])) for r in csv.DictReader(f)]
    return Samples(spot, perp, future, fear_greed, tuple(rates[-FUNDING_SAMPLE_SIZE:]), _history(root, rates))


def _history(root: Path, rates: list[tuple[str, float]]) -> tuple[HistoryRow, ...]:
    daily_funding: dict[str, float] = {}
    for time, rate in rates:
        daily_funding[time[:10]] = daily_funding.get(time[:10], 0.0) + rate
    with open(root / "prices" / "daily_close_wide.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["date"] >= HISTORY_START]
    with open(root / "sentiment" / "fear_greed_daily.csv", newline="") as f:
        index = {r["date"]: float(r["value"]) for r in csv.DictReader(f)}
    return tuple(
        HistoryRow(
            r["date"],
            tuple(float(r[a]) if r[a] else None for a in hx.ASSETS),
            round(daily_funding[r["date"]], 8) if r["date"] in daily_funding else None,
            index.get(r["date"]),
        )
        for r in rows
    )
