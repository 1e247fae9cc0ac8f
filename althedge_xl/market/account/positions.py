"""The BTC futures positions, through ccxt's unified ``fetch_positions``.

Binance: ``GET /fapi/v3/positionRisk`` (after ``GET /fapi/v1/leverageBracket``, which ccxt reads to
parse it); Bybit: ``GET /v5/position/list?category=linear&symbol=BTCUSDT``. One-way mode gives one
position (``positionSide`` ``BOTH``), hedge mode one per side; positions of size 0 are left out.
Binance's v3 answer has no ``leverage`` field: the leverage is then the notional over the initial margin
(the exchange's own ``initialMargin``), and the record says it was derived.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from althedge_xl.market.account.records import Position

#: The hedge contract of each supported exchange (USDⓈ-M BTCUSDT perpetual).
LINEAR_BTC = "BTC/USDT:USDT"


def btc_positions(client: Any, symbol: str = LINEAR_BTC) -> list[Position]:
    """The open positions in ``symbol``, largest first."""
    raw = client.fetch_positions([symbol])
    if not isinstance(raw, list):
        raise ValueError("the positions came back unreadable")
    found = [_position(p) for p in raw if isinstance(p, Mapping) and p.get("symbol") == symbol]
    return sorted((p for p in found if p.size > 0), key=lambda p: -p.size)


def _position(p: Mapping[str, Any]) -> Position:
    raw_info = p.get("info")
    info: Mapping[str, Any] = raw_info if isinstance(raw_info, Mapping) else {}
    size = abs(_number(p.get("contracts")) or 0.0)
    side = str(p.get("side") or ("short" if (_number(info.get("positionAmt")) or 0) < 0 else "long"))
    leverage = _number(p.get("leverage"))
    derived = False
    if not leverage:
        notional = abs(_number(info.get("notional")) or 0.0)
        initial = _number(info.get("initialMargin")) or _number(p.get("initialMargin"))
        leverage = round(notional / initial, 2) if notional and initial else None
        derived = leverage is not None
    mode = str(p.get("marginMode") or "cross")
    return Position(
        symbol=str(p.get("symbol")),
        contract="inverse" if p.get("inverse") or ":BTC" in str(p.get("symbol")) else "linear",
        side=side,
        size=size,
        entry_price=_number(p.get("entryPrice")) or 0.0,
        mark_price=_number(p.get("markPrice")),
        leverage=leverage,
        leverage_derived=derived,
        margin_mode=mode,
        isolated_margin=(_number(info.get("isolatedWallet")) or _number(p.get("collateral")) or 0.0)
        if mode == "isolated"
        else 0.0,
        unrealized_pnl=_number(p.get("unrealizedPnl")),
        liquidation_price=_number(p.get("liquidationPrice")) or None,
        position_side=str(info.get("positionSide") or ("BOTH" if not p.get("hedged") else side.upper())),
    )


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
