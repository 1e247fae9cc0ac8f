"""The account's own maintenance brackets of BTCUSDT, through ccxt's ``fetch_market_leverage_tiers``.

Binance's ``GET /fapi/v1/leverageBracket?symbol=BTCUSDT`` needs a key, so the public refresh cannot read
it; with the account's key it can. Rows ``[floor, cap, maintenance rate, cum, max leverage]`` as
:func:`~althedge_xl.core.tiers.tiers_from_ccxt` reads them (``cum`` is Binance's maintenance amount).
"""

from __future__ import annotations

from typing import Any

from althedge_xl.core.tiers import tiers_from_ccxt
from althedge_xl.market.account.positions import LINEAR_BTC


def account_brackets(client: Any, exchange: str, symbol: str = LINEAR_BTC) -> list[list[float]]:
    """The brackets of ``symbol`` as tier-table rows (validated: from 0, no gaps)."""
    tiers = client.fetch_market_leverage_tiers(symbol)
    if not isinstance(tiers, list):
        raise ValueError("the brackets came back unreadable")
    return tiers_from_ccxt(tiers, exchange, symbol.split(":")[0].replace("/", "")).rows()
