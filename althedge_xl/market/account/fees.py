"""The account's own fee rate on the hedge contract, through ccxt's unified ``fetch_trading_fee``.

The contract is the hedge's (:func:`~althedge_xl.market.account.hedge_choice.hedge_symbol`): USDⓈ-M
BTCUSDT unless the hedge is an inverse (COIN-M) short. Binance: ``GET /fapi/v1/commissionRate?symbol=BTCUSDT``,
for an inverse contract ``GET /dapi/v1/commissionRate?symbol=BTCUSD_PERP`` (or the dated future's symbol)
(``takerCommissionRate``, ``makerCommissionRate``); Bybit: ``GET /v5/account/fee-rate?category=linear&symbol=BTCUSDT``,
for an inverse contract ``category=inverse&symbol=BTCUSD`` (``takerFeeRate``, ``makerFeeRate``); OKX:
``GET /api/v5/account/trade-fee?instType=SWAP&uly=BTC-USDT`` (``taker``, negative for a fee: ccxt turns the
sign). Rates are fractions of the notional.
"""

from __future__ import annotations

import math
from typing import Any

from althedge_xl.market.account.positions import LINEAR_BTC
from althedge_xl.market.account.records import FeeRate


def fee_rate(client: Any, symbol: str = LINEAR_BTC) -> FeeRate:
    """The account's taker and maker rates on ``symbol``, fractions (``0.0004`` is 0.04 %)."""
    fee = client.fetch_trading_fee(symbol)
    taker, maker = float(fee.get("taker")), float(fee.get("maker"))
    if not (math.isfinite(taker) and 0 <= taker < 0.01 and math.isfinite(maker)):
        raise ValueError(f"the fee rate came back unusable (taker {fee.get('taker')!r})")
    return FeeRate(symbol, taker, maker)
