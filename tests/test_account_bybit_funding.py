"""Bybit's funding history over 90 days: ``/v5/execution/list`` answers 7 days per request, so it is read a week
at a time.

The settlements are the real BTCUSDT funding rates of ``../shared/data/funding`` (Binance's, the recorded
history; Bybit's own are not recorded) of the 90 days before the read, each charged on the body's short
(0.15 BTC at 100,000: 15,000 USDT) as Bybit writes a funding execution (``execFee`` = rate × value, positive
when paid). The test server answers as Bybit documents it: at most 7 days between ``startTime`` and
``endTime`` (``startTime`` alone: the 7 days from it), at most ``limit`` rows (default 50). The totals are
computed here with numpy from the same rates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import test_account
from account_server import TEST_KEY, TEST_SECRET
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)
from test_refresh import _fetch, _nothing

from althedge_xl.market.account.keys import ApiKey
from althedge_xl.workbook.refresh import AccountRequest, refresh_workbook

bybit, mine = test_account.bybit, test_account.mine  # the fixtures: Bybit's server, the user's workbook
RATES = Path(__file__).resolve().parents[2] / "shared" / "data" / "funding" / "binance_usdm_btcusdt_funding_8h.csv"
NOW = datetime(2025, 11, 12, 9, 0, tzinfo=UTC)  # an hour after the last recorded settlement
VALUE = 0.15 * 100_000  # the body's short: 0.15 BTC at 100,000 USDT


def settlements() -> pd.DataFrame:
    """The recorded settlements of the 90 days before :data:`NOW`."""
    rates = pd.read_csv(RATES, parse_dates=["funding_time_utc"])
    since = NOW - timedelta(days=90)
    return rates[(rates.funding_time_utc >= since) & (rates.funding_time_utc <= NOW)].reset_index(drop=True)


def execution_rows(chosen: pd.DataFrame) -> list[dict[str, object]]:
    """Bybit funding executions of the short, one per settlement (the body's fields)."""
    rows = []
    for i, (time, rate) in enumerate(zip(chosen.funding_time_utc, chosen.funding_rate, strict=True)):
        rows.append(
            {
                "symbol": "BTCUSDT",
                "execType": "Funding",
                "execTime": str(int(time.timestamp() * 1000)),
                "execFee": repr(-rate * VALUE),  # a short receives a positive rate
                "execValue": str(VALUE),
                "execQty": "0.15",
                "execPrice": "100000",
                "markPrice": "100000",
                "feeRate": repr(rate),
                "side": "Sell",
                "execId": f"funding-{i}",
                "orderId": "",
                "orderLinkId": "",
                "orderType": "UNKNOWN",
                "stopOrderType": "UNKNOWN",
                "isMaker": False,
                "seq": i,
            }
        )
    return rows


def test_ninety_days_of_funding_are_read_a_week_at_a_time(bybit, mine):
    chosen = settlements()
    assert len(chosen) == 270  # 90 days of three settlements
    bybit.bybit_executions = execution_rows(chosen)
    request = AccountRequest(ApiKey("bybit", TEST_KEY, TEST_SECRET), 1.0, options={"clock": lambda: NOW})
    update = refresh_workbook(mine, "bybit", fetch=_fetch(_nothing()), account=request)
    income = update.account.value("funding paid and received")
    rates = chosen.funding_rate.to_numpy()
    assert income.settlements == 270  # one request would have given the first week (21), or 50 at most
    assert income.received == pytest.approx(np.sum(np.where(rates > 0, rates, 0.0)) * VALUE, rel=1e-12)
    assert income.paid == pytest.approx(np.sum(np.where(rates < 0, -rates, 0.0)) * VALUE, rel=1e-12)
    windows = [q for q in bybit.queries if q[0] == "/v5/execution/list"]
    assert len(windows) == 13  # ceil(90 / 7)
    assert all(int(q[1]["endTime"]) - int(q[1]["startTime"]) <= 7 * 86_400_000 for q in windows)


def test_a_window_that_comes_back_full_is_read_again_in_halves(bybit, mine):
    # 120 settlements an hour apart within the last window (the 6 days before NOW): more than a page of 100
    start = NOW - timedelta(days=5, hours=12)
    times = [start + timedelta(hours=i) for i in range(120)]
    rates = np.linspace(-0.0001, 0.0003, 120)
    bybit.bybit_executions = execution_rows(pd.DataFrame({"funding_time_utc": times, "funding_rate": rates}))
    request = AccountRequest(ApiKey("bybit", TEST_KEY, TEST_SECRET), 1.0, options={"clock": lambda: NOW})
    update = refresh_workbook(mine, "bybit", fetch=_fetch(_nothing()), account=request)
    income = update.account.value("funding paid and received")
    assert income.settlements == 120
    assert len([q for q in bybit.queries if q[0] == "/v5/execution/list"]) > 13  # the full window was split
    assert income.net == pytest.approx(np.sum(rates) * VALUE, rel=1e-12)  # a short receives a positive rate
