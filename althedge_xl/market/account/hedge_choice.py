"""Which BTC short is the hedge: the one of the largest USD notional, USDⓈ-M or COIN-M.

Every BTC position the account holds is valued in USD: a linear one (USDⓈ-M ``BTC/USDT:USDT``, sized in
BTC) at size × mark price (entry when the answer has no mark), an inverse one (COIN-M ``BTC/USD:BTC``,
dated ``BTC/USD:BTC-YYMMDD`` too, sized in the exchange's contracts) at contracts × the contract's USD face
value (the rule's ``contract_usd``: Binance 100, Bybit 1; the Binance rule's for any other exchange). The
short of the largest USD notional is the hedge. The account read uses it to choose whose fee rate and
funding to read; the workbook layer to fill the Hedge sheet.
"""

from __future__ import annotations

from collections.abc import Sequence

from althedge_xl.core.exchanges import exchange_profile
from althedge_xl.market.account.positions import INVERSE_BTC, LINEAR_BTC
from althedge_xl.market.account.records import Position

#: The exchanges with a liquidation rule of their own; any other is computed by Binance's.
RULES = ("binance", "bybit")


def rule_of(exchange: str) -> str:
    """The liquidation rule (and contract face value) AltHedge applies to ``exchange``'s positions."""
    return exchange if exchange in RULES else "binance"


def position_usd(position: Position, contract_usd: float) -> float:
    """The USD notional of ``position``: BTC × mark (linear), contracts × ``contract_usd`` (inverse)."""
    if position.contract == "inverse":
        return position.size * contract_usd
    return position.size * (position.mark_price or position.entry_price)


def is_btc(position: Position) -> bool:
    """True for the BTC perpetual or a dated BTC future, linear (USDT) or inverse (BTC-settled)."""
    return position.symbol == LINEAR_BTC or position.symbol.split("-")[0] == INVERSE_BTC


def hedge_short(linear: Sequence[Position], inverse: Sequence[Position], exchange: str) -> Position | None:
    """The BTC short of the largest USD notional among ``linear`` and ``inverse``; None with no BTC short."""
    face = exchange_profile(rule_of(exchange)).face_value()
    shorts = [p for p in [*linear, *inverse] if is_btc(p) and p.side == "short"]
    return max(shorts, key=lambda p: position_usd(p, face), default=None)


def hedge_symbol(linear: Sequence[Position] | None, inverse: Sequence[Position] | None, exchange: str) -> str:
    """The ccxt symbol of the hedge; ``BTC/USDT:USDT`` when no BTC short is open or either kind of position
    did not arrive (the hedge cannot be chosen from half the account)."""
    if linear is None or inverse is None:
        return LINEAR_BTC
    short = hedge_short(linear, inverse, exchange)
    return short.symbol if short is not None else LINEAR_BTC


def is_dated(symbol: str) -> bool:
    """True for a dated future (``BTC/USD:BTC-200925``): it pays no funding."""
    return "-" in symbol.split(":")[-1]


def is_inverse(symbol: str) -> bool:
    """True for a contract settled in its base coin (``BTC/USD:BTC``, dated too), not in USDT or USDC."""
    return settle_asset(symbol) not in ("USDT", "USDC")


def settle_asset(symbol: str) -> str:
    """The currency ``symbol`` settles in (``BTC/USD:BTC-200925`` -> ``BTC``)."""
    return symbol.split(":")[-1].split("-")[0]
