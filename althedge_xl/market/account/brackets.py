"""The account's own maintenance brackets, through ccxt's leverage tiers: BTCUSDT's and COIN-M BTCUSD's.

Binance's ``GET /fapi/v1/leverageBracket?symbol=BTCUSDT`` (USDⓈ-M) and ``GET /dapi/v2/leverageBracket``
(COIN-M) need a key, so the public refresh cannot read them; with the account's key it can. Rows
``[floor, cap, maintenance rate, cum, max leverage]`` as :func:`~althedge_xl.core.tiers.tiers_from_ccxt`
reads them (``cum`` is Binance's maintenance amount). USDⓈ-M floors and caps are notionals in USDT; COIN-M
ones are quantities in BTC (``qtyFloor``/``qtyCap``, which ccxt's ``parse_market_leverage_tiers`` maps to
``minNotional``/``maxNotional``), the unit the inverse liquidation formulas take, and ``cum`` is in BTC.
"""

from __future__ import annotations

from typing import Any

from althedge_xl.core.tiers import tiers_from_ccxt
from althedge_xl.market.account.positions import INVERSE_BTC, LINEAR_BTC
from althedge_xl.market.account.records import AccountSnapshot


def account_brackets(client: Any, exchange: str, symbol: str = LINEAR_BTC) -> list[list[float]]:
    """The brackets of ``symbol`` as tier-table rows (validated: from 0, no gaps)."""
    tiers = client.fetch_market_leverage_tiers(symbol)
    if not isinstance(tiers, list):
        raise ValueError("the brackets came back unreadable")
    return tiers_from_ccxt(tiers, exchange, symbol.split(":")[0].replace("/", "")).rows()


def coinm_brackets(client: Any, exchange: str) -> list[list[float]]:
    """Binance's COIN-M BTCUSD perpetual brackets as tier-table rows in BTC (``GET /dapi/v2/leverageBracket``).

    ccxt's ``fetch_market_leverage_tiers`` picks the endpoint by the default market type (USDⓈ-M), not by
    the symbol, so the COIN-M endpoint is asked for by ``subType``; its answer lists every COIN-M contract,
    of which ccxt keeps the perpetual's.
    """
    answer = client.fetch_leverage_tiers([INVERSE_BTC], {"subType": "inverse"})
    tiers = answer.get(INVERSE_BTC) if isinstance(answer, dict) else None
    if not isinstance(tiers, list):
        raise ValueError("the COIN-M BTCUSD brackets came back unreadable")
    return tiers_from_ccxt(tiers, exchange, "BTCUSD").rows()


def holds_coinm_btc(snapshot: AccountSnapshot) -> bool:
    """Whether the COIN-M positions arrived and hold a BTC one (only then are its brackets read)."""
    positions = snapshot.value("COIN-M positions")
    return bool(positions) and any(p.symbol.split("-")[0] == INVERSE_BTC for p in positions)
