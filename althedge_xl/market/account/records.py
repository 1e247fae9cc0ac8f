"""What the account link reads, as frozen records (numbers as floats, in the units the exchange uses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Stablecoins and quote currencies: cash and collateral, never a holding to hedge.
CASH_ASSETS = ("USDT", "USDC", "FDUSD", "USD", "BUSD", "TUSD", "DAI")


@dataclass(frozen=True)
class Holding:
    """One asset of a wallet: ``free`` + ``locked`` (in orders) = ``total``, in units of the asset."""

    asset: str
    free: float
    locked: float

    @property
    def total(self) -> float:
        return self.free + self.locked


@dataclass(frozen=True)
class Position:
    """One BTC futures position as the exchange reports it.

    ``size`` in BTC (linear) or contracts (inverse), positive; ``side`` ``"short"``/``"long"``; prices in
    USD; ``leverage`` as set (or notional / initial margin when the exchange does not send it, then
    ``leverage_derived``); ``margin_mode`` ``"cross"``/``"isolated"``; ``isolated_margin`` the isolated
    wallet in the settle currency (0 in cross); ``liquidation_price`` the exchange's, None when it sends 0;
    ``maintenance_margin`` the exchange's own maintenance margin of the position in the settle currency
    (Binance ``maintMargin``, Bybit ``positionMM``), None when its answer has none; ``price_tick`` the
    contract's price step in USD as the markets ccxt loaded give it (``market["precision"]["price"]``),
    None when they do not; ``initial_margin`` the exchange's own initial margin of the position in the settle
    currency (Bybit ``positionIM``, Binance ``initialMargin``), None when its answer has none.
    """

    symbol: str
    contract: str
    side: str
    size: float
    entry_price: float
    mark_price: float | None
    leverage: float | None
    leverage_derived: bool
    margin_mode: str
    isolated_margin: float
    unrealized_pnl: float | None
    liquidation_price: float | None
    position_side: str
    maintenance_margin: float | None = None
    price_tick: float | None = None
    initial_margin: float | None = None


@dataclass(frozen=True)
class FuturesWallet:
    """The wallet that margins the USDⓈ-M futures, per asset in units of the asset.

    ``balances``: the wallet balance (Binance ``walletBalance``); ``cross``: the part that margins the
    cross positions (Binance ``crossWalletBalance``, the WB of its cross formula: the wallet less the
    isolated positions' wallets). Bybit's unified account has one wallet: both are its ``walletBalance``.
    ``maintenance``: the maintenance margin of each position the wallet's answer lists (Binance COIN-M
    ``GET /dapi/v1/account`` ``positions[].maintMargin``, whose position answer has none), keyed by
    :func:`position_key`, in the settle currency.
    """

    balances: dict[str, float]
    cross: dict[str, float]
    maintenance: dict[str, float] = field(default_factory=dict)


def position_key(symbol_id: str, position_side: str) -> str:
    """The key of one position in :attr:`FuturesWallet.maintenance`: ``"BTCUSD_PERP BOTH"``."""
    return f"{symbol_id} {position_side}"


@dataclass(frozen=True)
class FeeRate:
    """The account's own fee rates on ``symbol`` (a ccxt symbol), fractions of the notional."""

    symbol: str
    taker: float
    maker: float


@dataclass(frozen=True)
class FundingIncome:
    """The position's own funding over ``days`` days: ``received`` ≥ 0, ``paid`` ≥ 0 and their ``net``, in
    ``asset`` (the contract's settle currency: USDT, or BTC for an inverse contract). ``pays_funding`` is
    False for a dated future, which has no funding: then nothing was read and every amount is 0."""

    symbol: str
    days: int
    received: float
    paid: float
    settlements: int
    asset: str
    pays_funding: bool = True

    @property
    def net(self) -> float:
        return self.received - self.paid


@dataclass
class Part:
    """One part of the account read (or not): ``value`` when it arrived, ``error`` (one line) when not.

    ``unreadable`` (one line) marks a listed-only part the exchange refuses to this key for a right
    AltHedge does not ask for (Bybit's funding wallet wants a Wallet right, its Earn positions the Earn
    permission): not read, said so, and not a failure of the run.
    """

    name: str
    value: Any = None
    error: str | None = None
    unreadable: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class AccountSnapshot:
    """Every part of one account read, in the order they were asked for; ``time`` ISO-8601 UTC."""

    exchange: str
    time: str
    rights: str
    parts: dict[str, Part] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        """The value of part ``name``, None when it did not arrive."""
        part = self.parts.get(name)
        return part.value if part is not None and part.ok else None

    @property
    def failed(self) -> list[Part]:
        return [part for part in self.parts.values() if not part.ok]
