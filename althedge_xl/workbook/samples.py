"""The template's sample market data, read from the real market history at build time.

Nothing here is made up, and every sample value is of one date, :attr:`Samples.as_of`: the day of the
only recorded ``/fapi/v1/premiumIndex`` response (2025-06-17 08:38 UTC), the BTC perpetual's and the
dated futures' prices. The spot prices are that day's Binance daily closes, the Fear & Greed index is
that day's, the funding history ends with the last settlement before the recorded moment, and the
History sheet's last day is that day. The dated future is the nearest one the response lists that is
still alive :data:`DATED_MIN_DAYS` after that moment, with its real expiry. The template marks all of
them stale; a refresh replaces them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from althedge_xl.workbook import history_layout as hx

#: Assets whose sample spot price the template carries (Binance USDT pairs in the daily file).
SAMPLE_SYMBOLS = ("BTC", "ETH", "SOL", "BNB", "XRP", "ADA", "DOGE", "AVAX")
#: Funding settlements in the sample history: 90 days of 8-hour settlements.
FUNDING_SAMPLE_SIZE = 270
#: The recorded response every sample value is dated by (its ``time``).
PREMIUM_INDEX_FILE = "binance_usdm_fapi_v1_premiumIndex.json"
#: Binance names a USDⓈ-M delivery future ``BTCUSDT_YYMMDD`` and settles it at 08:00 UTC that day.
DATED_PATTERN = re.compile(r"^BTCUSDT_(\d{6})$")
DELIVERY_HOUR_UTC = 8
#: The dated future shown is the nearest expiring at least this many days after the as-of moment
#: (the refresh's own rule, ``market.DEFAULT_DATED_MIN_DAYS``).
DATED_MIN_DAYS = 7.0


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
    """Every sample value of the template, all of the UTC day ``as_of`` (the recorded moment ``as_of_time``)."""

    as_of: str
    as_of_time: str
    spot: tuple[SpotSample, ...]
    perp: PerpSample
    quarterly: QuarterlySample
    fear_greed: FearGreedSample
    funding_history: tuple[tuple[str, float], ...]
    history: tuple[HistoryRow, ...]

    @property
    def as_of_line(self) -> str:
        """The one line that dates the template's sample values (Start and Prices show it)."""
        return (
            f"Template sample values, all of {self.as_of} (UTC): that day's Binance daily closes and Fear & Greed "
            f"index, the BTC perpetual and dated future as recorded at {self.as_of_time[11:16]}, funding to "
            f"{self.funding_history[-1][0][11:16]}. Press Refresh for today's."
        )


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
        closes = list(csv.DictReader(f))
    contracts = {c["symbol"]: c for c in json.loads((root / "wire_samples" / PREMIUM_INDEX_FILE).read_text())}
    btc = contracts["BTCUSDT"]
    moment = dt.datetime.fromtimestamp(btc["time"] / 1000, dt.timezone.utc)
    day = moment.strftime("%Y-%m-%d")
    row = next(r for r in closes if r["date"] == day)
    spot = tuple(
        SpotSample(s, float(row[s]), day, f"sample: Binance {s}USDT daily close {day}") for s in SAMPLE_SYMBOLS
    )
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
    future = _dated_future(contracts, moment, recorded)
    with open(root / "sentiment" / "fear_greed_daily.csv", newline="") as f:
        fg = next(r for r in csv.DictReader(f) if r["date"] == day)
    fear_greed = FearGreedSample(
        float(fg["value"]), fg["classification"], fg["date"], f"sample: alternative.me Fear & Greed {day}"
    )
    with open(root / "funding" / "binance_usdm_btcusdt_funding_8h.csv", newline="") as f:
        rates = [(r["funding_time_utc"], float(r["funding_rate"])) for r in csv.DictReader(f)]
    settled = [(time, rate) for time, rate in rates if _parse(time) <= moment]
    return Samples(
        day,
        _iso(btc["time"]),
        spot,
        perp,
        future,
        fear_greed,
        tuple(settled[-FUNDING_SAMPLE_SIZE:]),
        _history(root, rates, day),
    )


def _parse(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def dated_expiry(symbol: str) -> dt.datetime | None:
    """Expiry of a Binance USDⓈ-M delivery future from its name: ``BTCUSDT_250926`` → 2025-09-26 08:00 UTC."""
    match = DATED_PATTERN.match(symbol)
    if match is None:
        return None
    day = dt.datetime.strptime(match.group(1), "%y%m%d")
    return day.replace(hour=DELIVERY_HOUR_UTC, tzinfo=dt.timezone.utc)


def _dated_future(contracts: dict[str, dict[str, Any]], moment: dt.datetime, recorded: str) -> QuarterlySample:
    """The nearest delivery future of the response alive ``DATED_MIN_DAYS`` after ``moment``."""
    cutoff = moment + dt.timedelta(days=DATED_MIN_DAYS)
    alive = sorted(
        (expiry, symbol) for symbol in contracts if (expiry := dated_expiry(symbol)) is not None and expiry >= cutoff
    )
    if not alive:
        raise ValueError(f"no BTCUSDT delivery future alive {DATED_MIN_DAYS:g} days after {moment:%Y-%m-%d %H:%M}")
    expiry, symbol = alive[0]
    quarterly = contracts[symbol]
    days = (expiry - moment).total_seconds() / 86_400
    return QuarterlySample(
        symbol,
        float(quarterly["markPrice"]),
        float(quarterly["indexPrice"]),
        round(days, 4),
        expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
        _iso(quarterly["time"]),
        f"{recorded} {_iso(quarterly['time'])}",
    )


def _history(root: Path, rates: list[tuple[str, float]], last_day: str) -> tuple[HistoryRow, ...]:
    daily_funding: dict[str, float] = {}
    for time, rate in rates:
        daily_funding[time[:10]] = daily_funding.get(time[:10], 0.0) + rate
    with open(root / "prices" / "daily_close_wide.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if HISTORY_START <= r["date"] <= last_day]
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
