"""The futures positions settled in USDT and in BTC, through ccxt's unified ``fetch_positions``.

USDT (USDⓈ-M, linear): Binance ``GET /fapi/v3/positionRisk`` (after ``GET /fapi/v1/leverageBracket``,
which ccxt reads to parse it); Bybit ``GET /v5/position/list?category=linear&settleCoin=USDT``.
BTC (COIN-M, inverse, ``params={"subType": "inverse"}``): Binance ``GET /dapi/v1/positionRisk``, whose
answer has no maintenance margin (``GET /dapi/v1/account`` has it, read with the COIN-M wallet); Bybit
``GET /v5/position/list?category=inverse``. OKX: ``GET /api/v5/account/positions?instType=SWAP`` for both
(:data:`POSITION_PARAMS`), the settle currency telling them apart. Sizes of linear positions are in BTC:
ccxt's ``contracts`` times the market's ``contractSize`` (Binance and Bybit 1, OKX's BTC-USDT-SWAP 0.01
BTC); sizes of inverse positions are the exchange's contracts (OKX's BTC-USD-SWAP 100 USD each). Every position of the
account is read, not only BTCUSDT's: a cross position's liquidation price depends on the others'
maintenance margin and unrealised P/L. One-way mode gives one position per contract (``positionSide``
``BOTH``), hedge mode one per side; positions of size 0 are left out. Binance names the side in
``positionSide`` (``BOTH``, ``LONG``, ``SHORT``); Bybit in ``positionIdx`` (0 one-way, 1 the buy side and 2 the
sell side of hedge mode, which ccxt reports as ``hedged`` with ``side`` long or short).
Bybit's margin mode of a position is ``tradeMode`` (0 cross, 1 isolated; ccxt leaves ``marginMode`` empty),
and an isolated position's margin is ``positionBalance`` (its initial margin plus the fee to close); a
unified account always reports ``tradeMode`` 0: the mode is the account's (``GET /v5/account/info``,
:func:`bybit_margin_mode`), and in its isolated margin mode every position is isolated with its
``positionIM`` as margin (:func:`in_isolated_account`).
The maintenance margin is the exchange's own number (Binance ``maintMargin``, Bybit ``positionMM``):
ccxt's unified ``maintenanceMargin`` for Binance is the bracket rate times the notional without the
bracket's maintenance amount (``cum``), so it is used only where the answer has neither field.
The isolated margin is the exchange's own (Binance ``isolatedWallet``, OKX ``margin``), else ccxt's
``collateral`` (Bybit). Binance's v3 answer has no ``leverage`` field: the leverage is then the notional over the initial margin
(the exchange's own ``initialMargin``), and the record says it was derived.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from althedge_xl.market.account.records import Position

#: The hedge contract of each supported exchange (USDⓈ-M BTCUSDT perpetual).
LINEAR_BTC = "BTC/USDT:USDT"
#: The inverse BTC perpetual (Binance COIN-M BTCUSD_PERP, Bybit BTCUSD); dated ones are ``BTC/USD:BTC-YYMMDD``.
INVERSE_BTC = "BTC/USD:BTC"
#: ``fetch_positions``'s parameters for the linear and the inverse positions, by exchange (else ccxt's own).
POSITION_PARAMS: dict[str, dict[str, dict[str, str]]] = {
    "okx": {"linear": {"instType": "SWAP"}, "inverse": {"instType": "SWAP"}},
}
_DEFAULT_PARAMS: dict[str, dict[str, str]] = {"linear": {}, "inverse": {"subType": "inverse"}}


#: Bybit's account-wide margin mode (``GET /v5/account/info`` ``marginMode``) under which every position of a
#: unified account is isolated, though each reports ``tradeMode`` 0.
BYBIT_ISOLATED_ACCOUNT = "ISOLATED_MARGIN"


def bybit_margin_mode(client: Any) -> str:
    """The unified account's margin mode: ``REGULAR_MARGIN`` (cross), ``ISOLATED_MARGIN`` or ``PORTFOLIO_MARGIN``
    (``GET /v5/account/info``, ``result.marginMode``; the raw endpoint, signed by ccxt)."""
    answer = client.private_get_v5_account_info()
    result = answer.get("result") if isinstance(answer, Mapping) else None
    mode = result.get("marginMode") if isinstance(result, Mapping) else None
    if not isinstance(mode, str) or not mode:
        raise ValueError("the account's margin mode came back unreadable")
    return mode


def in_isolated_account(positions: list[Position], account_mode: str | None) -> list[Position]:
    """``positions`` as margined in an account whose margin mode is ``account_mode``: in Bybit's isolated
    margin mode every position is isolated, its margin the initial margin the exchange reports
    (``positionIM``; Bybit's ``liqPrice`` is then the real price, not an estimate); otherwise unchanged."""
    if account_mode != BYBIT_ISOLATED_ACCOUNT:
        return positions
    return [
        replace(p, margin_mode="isolated", isolated_margin=p.initial_margin or 0.0) if p.margin_mode == "cross" else p
        for p in positions
    ]


def usdt_positions(client: Any) -> list[Position]:
    """Every open position settled in USDT (``…:USDT``), largest notional at entry first."""
    params = POSITION_PARAMS.get(getattr(client, "id", ""), _DEFAULT_PARAMS)["linear"]
    return _settled_in(client, client.fetch_positions(None, params) if params else client.fetch_positions(), "USDT")


def coin_positions(client: Any) -> list[Position]:
    """Every open inverse position settled in BTC (``…:BTC``, the BTC wallet's), largest size first."""
    params = POSITION_PARAMS.get(getattr(client, "id", ""), _DEFAULT_PARAMS)["inverse"]
    return _settled_in(client, client.fetch_positions(None, params), "BTC")


def _settled_in(client: Any, raw: Any, settle: str) -> list[Position]:
    if not isinstance(raw, list):
        raise ValueError("the positions came back unreadable")
    found = [
        _position(p, _tick(client, str(p.get("symbol"))))
        for p in raw
        if isinstance(p, Mapping) and str(p.get("symbol") or "").split(":")[-1].split("-")[0] == settle
    ]
    return sorted((p for p in found if p.size > 0), key=lambda p: -p.size * (p.entry_price if settle == "USDT" else 1))


def _tick(client: Any, symbol: str) -> float | None:
    """The price step of ``symbol``'s market as ccxt loaded it (``precision.price``), None when unknown."""
    markets = getattr(client, "markets", None)
    market = markets.get(symbol) if isinstance(markets, Mapping) else None
    precision = market.get("precision") if isinstance(market, Mapping) else None
    tick = _number(precision.get("price")) if isinstance(precision, Mapping) else None
    return tick if tick is not None and tick > 0 else None


def _position(p: Mapping[str, Any], tick: float | None = None) -> Position:
    raw_info = p.get("info")
    info: Mapping[str, Any] = raw_info if isinstance(raw_info, Mapping) else {}
    size = abs(_number(p.get("contracts")) or 0.0) * _btc_per_contract(p)
    side = str(p.get("side") or ("short" if (_number(info.get("positionAmt")) or 0) < 0 else "long"))
    leverage = _number(p.get("leverage"))
    derived = False
    if not leverage:
        notional = abs(_number(info.get("notional")) or 0.0)
        initial = _number(info.get("initialMargin")) or _number(p.get("initialMargin"))
        leverage = round(notional / initial, 2) if notional and initial else None
        derived = leverage is not None
    mode = str(p.get("marginMode") or ("isolated" if str(info.get("tradeMode")) == "1" else "cross"))
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
        isolated_margin=(
            _first_number(
                info.get("isolatedWallet"), info.get("positionBalance"), info.get("margin"), p.get("collateral")
            )
            or 0.0
        )
        if mode == "isolated"
        else 0.0,
        unrealized_pnl=_number(p.get("unrealizedPnl")),
        liquidation_price=_number(p.get("liquidationPrice")) or None,
        position_side=_position_side(info, side, p.get("hedged")),
        maintenance_margin=_first_number(info.get("maintMargin"), info.get("positionMM"), p.get("maintenanceMargin")),
        price_tick=tick,
        initial_margin=_first_number(info.get("positionIM"), info.get("initialMargin"), p.get("initialMargin")),
    )


#: Bybit's ``positionIdx``: the position's side of the contract in its position mode.
BYBIT_POSITION_IDX = {"0": "BOTH", "1": "LONG", "2": "SHORT"}


def _position_side(info: Mapping[str, Any], side: str, hedged: Any) -> str:
    """``BOTH`` (one-way mode), ``LONG`` or ``SHORT`` (a hedge-mode leg): Binance's ``positionSide``, else
    Bybit's ``positionIdx``, else ccxt's ``hedged`` with the position's side."""
    if info.get("positionSide"):
        return str(info["positionSide"])
    by_index = BYBIT_POSITION_IDX.get(str(info.get("positionIdx")))
    if by_index is not None:
        return by_index
    return side.upper() if hedged else "BOTH"


def _btc_per_contract(p: Mapping[str, Any]) -> float:
    """BTC per contract of a linear position (ccxt's ``contractSize``, 1 when absent); 1 for an inverse one,
    whose size stays in the exchange's contracts."""
    if p.get("inverse") or ":BTC" in str(p.get("symbol")):
        return 1.0
    return _number(p.get("contractSize")) or 1.0


def _first_number(*values: Any) -> float | None:
    """The first of ``values`` that is a number (an empty string, as Bybit sends for none, is not)."""
    for value in values:
        number = _number(value)
        if number is not None:
            return number
    return None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
