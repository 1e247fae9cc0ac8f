"""The account's own fee rate on the hedge contract, through ccxt's unified ``fetch_trading_fee``.

Binance: ``GET /fapi/v1/commissionRate?symbol=BTCUSDT`` (``takerCommissionRate``); Bybit:
``GET /v5/account/fee-rate?category=linear&symbol=BTCUSDT`` (``takerFeeRate``); OKX:
``GET /api/v5/account/trade-fee?instType=SWAP&uly=BTC-USDT`` (``taker``, negative for a fee: ccxt turns the
sign). Rates are fractions.
"""

from __future__ import annotations

import math
from typing import Any

from althedge_xl.market.account.positions import LINEAR_BTC


def taker_fee(client: Any, symbol: str = LINEAR_BTC) -> tuple[float, float]:
    """``(taker, maker)`` of ``symbol``, fractions (``0.0004`` is 0.04 %)."""
    fee = client.fetch_trading_fee(symbol)
    taker, maker = float(fee.get("taker")), float(fee.get("maker"))
    if not (math.isfinite(taker) and 0 <= taker < 0.01 and math.isfinite(maker)):
        raise ValueError(f"the fee rate came back unusable (taker {fee.get('taker')!r})")
    return taker, maker
