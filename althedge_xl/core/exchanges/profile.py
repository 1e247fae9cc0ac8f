"""What an exchange's liquidation rule is made of, as one record: :class:`ExchangeProfile`.

The liquidation functions read a profile and never ask which exchange it is. A profile says:

* where the maintenance margin is valued: at the liquidation price (``"liquidation"``: the tier is
  the one the notional at the liquidation price falls in) or at entry (``"entry"``);
* how its tier table reads the amount column (``"cumulative"``: each amount follows the rule
  floor · (rate − previous rate) + previous amount, checked; ``"deduction"``: the exchange's own
  deduction, taken as given; ``"none"``: one rate for the whole position and no amount, every
  amount 0);
* the fee the liquidation condition adds to the maintenance margin, as a fraction of the notional
  at the liquidation price (0 where the exchange's published formula has none), and the price it is
  valued at (:data:`FEE_PRICES`): where the fee to close is in the initial margin and the
  maintenance margin alike it cancels, except, where the exchange says so, on the extra margin
  (collateral beyond the initial margin), which then counts net of the taker fee;
* where a rule differs between an exchange's linear and inverse contracts, the valuation and the
  fee price per contract (:meth:`ExchangeProfile.for_contract`);
* the default BTC tier tables per contract, the inverse contract's face value, the price ticks and
  the direction a liquidation price is rounded to them, the funding interval and cap;
* where its current BTC tiers can be fetched (:class:`TierFeed`): which ccxt method, whether without a
  key, and whether the tiers are counted in quote notional or in contracts.

Every value is cited in :attr:`ExchangeProfile.sources` (the page or API response and its date).
A value nobody can cite is ``None``: the function that needs it asks the user for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from althedge_xl.core.errors import MissingValueError
from althedge_xl.core.tiers import TierTable

#: Where the maintenance margin is valued: at the liquidation price, or at the entry price.
VALUATIONS: Final = ("liquidation", "entry")
#: How a tier table's amount column is read (see the module's docstring).
AMOUNT_KINDS: Final = ("cumulative", "deduction", "none")
#: What a fetched tier table's floors and caps count: quote-currency notional, or contracts.
TIER_UNITS: Final = ("quote", "contracts")
#: How a liquidation price is rounded to the tick: up, down, or toward the side that liquidates
#: sooner ("adverse": up for a short, down for a long) or later ("favourable").
TICK_ROUNDINGS: Final = ("up", "down", "nearest", "adverse", "favourable")
#: The price the fee to close is valued at (:mod:`althedge_xl.core.fee_terms`): the liquidation
#: price; the bankruptcy price; in the initial and the maintenance margin alike, so that it cancels
#: except on the extra margin, which counts net of it (``"extra_margin"``); or cancelling entirely
#: (``"cancels"``).
FEE_PRICES: Final = ("liquidation", "bankruptcy", "extra_margin", "cancels")
#: The contracts a profile can give a rule of their own.
PROFILE_CONTRACTS: Final = ("linear", "inverse")


@dataclass(frozen=True)
class TierFeed:
    """Where an exchange publishes the tiers of its BTC hedge contract, as ``althedge refresh --tiers`` reads them.

    Attributes
    ----------
    market : str
        The contract's unified ccxt symbol (``"BTC/USDT:USDT"``).
    endpoint : str
        The exchange's REST endpoint behind the method, as its API documentation names it.
    ccxt_id : str or None
        The ccxt exchange id; None when ccxt has no call for the exchange's tiers.
    keyless : bool
        True when the endpoint answers without an API key.
    units : {"quote", "contracts"}
        What the tiers' floors and caps count. ccxt labels both ``minNotional``/``maxNotional``; counted
        in contracts they are converted with the contract's size and a price
        (:func:`~althedge_xl.core.exchanges.convert.tiers_from_contracts`).
    method : str
        The ccxt method that fetches the tiers of one market.
    why_not : str
        Why there is no refresh without a key, and what to do instead (empty when there is one).
    """

    market: str
    endpoint: str
    ccxt_id: str | None
    keyless: bool
    units: str = "quote"
    method: str = "fetch_market_leverage_tiers"
    why_not: str = ""

    def __post_init__(self) -> None:
        if self.units not in TIER_UNITS:
            raise ValueError(f"{self.market}: units must be one of {TIER_UNITS}")
        if (self.ccxt_id is None or not self.keyless) and not self.why_not:
            raise ValueError(f"{self.market}: a feed without a key-less refresh must say why")

    @property
    def refreshable(self) -> bool:
        """True when ``althedge refresh --tiers`` can fetch the tiers (in ccxt, no key needed)."""
        return self.ccxt_id is not None and self.keyless


@dataclass(frozen=True)
class ExchangeProfile:
    """One exchange's liquidation rule and BTC contract conventions, as data.

    Attributes
    ----------
    name, label : str
        The rule's name as typed in a cell (lower case) and as shown ("Binance").
    valuation : {"liquidation", "entry"}
        Where the maintenance margin (and its tier) is valued.
    amounts : {"cumulative", "deduction", "none"}
        How the tier table's maintenance amount column is read.
    fee_rate : float or None
        Fee term of the liquidation condition as a fraction of the notional at the liquidation
        price (0: none in the published formula; None: not published, the user gives it).
    tiers : mapping of contract to TierTable or None
        Default BTC tier table per contract (``"linear"``, ``"inverse"``); None: none published.
    contract_usd : float or None
        USD face value of one inverse BTCUSD contract.
    ticks : mapping of contract to float or None
        Price tick of the BTC contract.
    tick_rounding : str or None
        Direction the exchange rounds a liquidation price to the tick (:data:`TICK_ROUNDINGS`);
        None where it does not say (the price is then shown unrounded).
    funding_interval_hours : float or None
        Hours between funding settlements of the BTC perpetual.
    funding_cap : float or None
        Largest funding rate a settlement of the BTC perpetual can have, as a fraction.
    sources : mapping of str to str
        For each attribute above that holds a number or a table, where it comes from and when.
    fee_price : {"liquidation", "bankruptcy", "extra_margin", "cancels"}
        The price the fee to close is valued at (:data:`FEE_PRICES`, :mod:`althedge_xl.core.fee_terms`).
    tier_feed : TierFeed or None
        Where the BTC linear contract's current tiers are published (cited in ``sources["tier_feed"]``).
    exchange : str
        The exchange whose tier tables the rule reads, where the rule's name is not the exchange's
        (a dated rule such as ``"bybit-2025"`` reads Bybit's tables); blank: ``name``.
    contract_valuations, contract_fee_prices : mapping of contract to str
        ``valuation`` and ``fee_price`` for a contract whose rule differs from the others'
        (``{"inverse": "extra_margin"}``); a contract not named follows ``valuation`` and ``fee_price``.
    """

    name: str
    label: str
    valuation: str
    amounts: str
    fee_rate: float | None
    tiers: Mapping[str, TierTable | None]
    contract_usd: float | None
    ticks: Mapping[str, float | None]
    tick_rounding: str | None
    funding_interval_hours: float | None
    funding_cap: float | None
    sources: Mapping[str, str] = field(default_factory=dict)
    fee_price: str = "liquidation"
    tier_feed: TierFeed | None = None
    exchange: str = ""
    contract_valuations: Mapping[str, str] = field(default_factory=dict)
    contract_fee_prices: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for valuation in (self.valuation, *self.contract_valuations.values()):
            if valuation not in VALUATIONS:
                raise ValueError(f"{self.name}: valuation must be one of {VALUATIONS}")
        if self.amounts not in AMOUNT_KINDS:
            raise ValueError(f"{self.name}: amounts must be one of {AMOUNT_KINDS}")
        for fee_price in (self.fee_price, *self.contract_fee_prices.values()):
            if fee_price not in FEE_PRICES:
                raise ValueError(f"{self.name}: fee_price must be one of {FEE_PRICES}")
        for contract in (*self.contract_valuations, *self.contract_fee_prices):
            if contract not in PROFILE_CONTRACTS:
                raise ValueError(f"{self.name}: a rule per contract is for one of {PROFILE_CONTRACTS}")
        if self.tick_rounding is not None and self.tick_rounding not in TICK_ROUNDINGS:
            raise ValueError(f"{self.name}: tick_rounding must be one of {TICK_ROUNDINGS}")

    @property
    def exchange_name(self) -> str:
        """The exchange whose tier tables this rule reads (a dated rule's exchange, else its name)."""
        return self.exchange or self.name

    def for_contract(self, contract: str) -> ExchangeProfile:
        """This rule as it applies to ``contract``: its valuation and fee price for that contract.

        >>> from althedge_xl.core.exchanges import exchange_profile
        >>> exchange_profile("bybit-2025").for_contract("inverse").fee_price
        'extra_margin'
        """
        if not self.contract_valuations and not self.contract_fee_prices:
            return self
        return replace(
            self,
            valuation=self.contract_valuations.get(contract, self.valuation),
            fee_price=self.contract_fee_prices.get(contract, self.fee_price),
            contract_valuations={},
            contract_fee_prices={},
        )

    def default_tiers(self, contract: str) -> TierTable:
        """The default BTC tier table for ``contract``, or a clear request for one."""
        table = self.tiers.get(contract)
        if table is None:
            raise MissingValueError(
                f"AltHedge ships no {self.label} {contract} BTC tier table (none published that it can cite): "
                "give the exchange's tiers, or the tier's mmr"
            )
        return table

    def default_fee_rate(self) -> float:
        """The fee term's rate, or a clear request for it."""
        if self.fee_rate is None:
            raise MissingValueError(
                f"{self.label} adds the fee to close to its liquidation condition and publishes no rate "
                "AltHedge can cite: give fee_rate (0 for none)"
            )
        return self.fee_rate

    def face_value(self) -> float:
        """USD face value of one inverse contract, or a clear request for it."""
        if self.contract_usd is None:
            raise MissingValueError(f"AltHedge has no cited {self.label} inverse contract size: give contract_usd")
        return self.contract_usd
