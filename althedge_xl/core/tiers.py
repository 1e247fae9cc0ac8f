"""Maintenance-margin tier tables: Binance's leverage brackets and Bybit's risk limits, as data.

A tier table lists, for positions of growing notional, the maintenance margin rate, the
maintenance amount and the highest leverage the exchange allows. Both exchanges define the
maintenance margin of a position of notional N in tier n the same way,
``MM = N · MMRₙ − amountₙ`` (Binance calls the amount "cum", Bybit "mmDeduction"); they differ in
*which* notional picks the tier and values MM (see :mod:`althedge_xl.core.liquidation`).

Notionals are in the contract's margin currency: USDT for linear (USDⓈ-M) contracts, BTC for
inverse (coin-margined) ones. A position belongs to the tier with ``floor < notional ≤ cap``
(a notional of 0 to the first).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import FloatArray, as_float_array, require_finite
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError

#: Columns of a tier table, in the order the Hedge sheet and the functions take them.
TIER_COLUMNS = ("floor", "cap", "mmr", "amount", "max_leverage")
#: Relative tolerance of the maintenance-amount rule, for amounts the exchanges round.
_AMOUNT_TOLERANCE = 1e-6


def exchange_label(name: str) -> str:
    """How an exchange's name is shown ("BingX"), from its profile; an unknown name capitalised."""
    from althedge_xl.core.exchanges import PROFILES  # the profiles hold TierTables: imported late

    profile = PROFILES.get(name)
    return profile.label if profile is not None else name.capitalize()


@dataclass(frozen=True)
class TierTable:
    """A validated tier table with where it comes from.

    Attributes
    ----------
    floors, caps : tuple of float
        Notional bounds of each tier (USDT for linear contracts, BTC for inverse ones).
    rates : tuple of float
        Maintenance margin rates as fractions (0.004 = 0.40 %).
    amounts : tuple of float
        Maintenance amounts (Binance's ``cum``, Bybit's ``mmDeduction``), in the notional's currency.
    max_leverage : tuple of float
        Highest leverage the exchange allows for a position in the tier.
    exchange, symbol, source, as_of : str
        Whose table it is, for which contract, where it was read and on which date.
    """

    floors: tuple[float, ...]
    caps: tuple[float, ...]
    rates: tuple[float, ...]
    amounts: tuple[float, ...]
    max_leverage: tuple[float, ...]
    exchange: str = "binance"
    symbol: str = ""
    source: str = "your table"
    as_of: str = ""

    def rows(self) -> list[list[float]]:
        """The table as rows ``floor, cap, mmr, amount, max leverage`` (the Hedge sheet's layout)."""
        return [
            list(row) for row in zip(self.floors, self.caps, self.rates, self.amounts, self.max_leverage, strict=True)
        ]

    def index(self, notional: float) -> int:
        """Index of the tier a position of ``notional`` falls in (floor < notional ≤ cap).

        >>> from althedge_xl.core.conventions import BINANCE_BTCUSDT
        >>> BINANCE_BTCUSDT.index(300_000), BINANCE_BTCUSDT.index(300_000.01)
        (0, 1)
        """
        if notional > self.caps[-1]:
            shown = f"{notional:,.2f}" if notional < 1e15 else f"{notional:.3g}"  # not 300 digits
            raise MissingValueError(
                f"a notional of {shown} is above the last tier of {self.described()} "
                f"({self.caps[-1]:,.0f}): give the exchange's full table"
            )
        return max(int(np.searchsorted(np.asarray(self.caps), notional, side="left")), 0)

    def described(self) -> str:
        """``"Binance BTCUSDT (recorded 2026-03-05)"``: the table named as the sheet shows it."""
        name = f"{exchange_label(self.exchange)} {self.symbol}".strip()
        return f"{name} ({self.as_of})" if self.as_of else name


def tier_table(
    rows: ArrayLike,
    exchange: str = "binance",
    symbol: str = "",
    source: str = "your table",
    as_of: str = "",
    check_amounts: bool = True,
    amounts: str | None = None,
) -> TierTable:
    """Validate rows ``floor, cap, mmr, amount, max_leverage`` and return a :class:`TierTable`.

    Parameters
    ----------
    rows : array_like, shape (n, 5)
        One row per tier, in order of growing notional (trailing rows of zeros, which is how a
        worksheet's unused rows arrive through IF, are dropped). The first floor is 0; each floor is the
        previous tier's cap (no gap, no overlap); rates from 0 to below 100 % and never falling;
        amounts not negative; maximum leverage from 1 to 200 and never rising. A blank amount (NaN)
        is not 0: it is the rule's own, amountₙ = floorₙ · (MMRₙ − MMRₙ₋₁) + amountₙ₋₁ from the row
        above (given or filled so), 0 in the first row; with ``amounts="none"`` it is 0.
    exchange, symbol, source, as_of : str
        Stored with the table, shown wherever it is.
    check_amounts : bool
        Require the amounts to follow the exchanges' rule amountₙ = floorₙ · (MMRₙ − MMRₙ₋₁) +
        amountₙ₋₁ (amount₁ = 0), which makes the maintenance margin continuous in the notional.
        Binance's rule looks the tier up at the liquidation price and needs it.
    amounts : {"cumulative", "deduction", "none"}, optional
        How the exchange's profile reads the amount column; given, it replaces ``check_amounts``:
        "cumulative" checks the rule above, "deduction" takes the amounts as given, "none" (one
        rate on the whole position, WEEX's shape) requires every amount to be 0.

    Examples
    --------
    >>> table = tier_table([[0, 50_000, 0.004, 0, 125], [50_000, 600_000, 0.005, 50, 100]])
    >>> table.index(60_000), table.amounts
    (1, (0.0, 50.0))
    >>> tier_table([[0, 50_000, 0.004, np.nan, 125], [50_000, 600_000, 0.005, np.nan, 100]]).amounts
    (0.0, 50.0)
    >>> tier_table([[0, 50_000, 0.004, 0, 125], [60_000, 600_000, 0.005, 50, 100]])
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.BadNumberError: tiers row 2 starts at 60,000 but row 1 ends at 50,000: tiers must not leave gaps or overlap
    """
    table = as_float_array(rows, "tiers")
    if table.ndim != 2 or table.shape[1] != len(TIER_COLUMNS):
        raise WrongTypeError(
            "tiers must have five columns: floor, cap, maintenance rate, maintenance amount, max leverage"
        )
    amount_column = TIER_COLUMNS.index("amount")
    require_finite(np.delete(table, amount_column, axis=1), "tiers")
    amount_given = table[:, amount_column]
    require_finite(amount_given[~np.isnan(amount_given)], "tiers")  # a blank amount (NaN) is the rule's
    used = np.flatnonzero(np.any(table != 0, axis=1))
    table = table[: used[-1] + 1] if used.size else table[:0]  # unused rows of a sheet's table arrive as zeros
    if table.shape[0] < 1:
        raise MissingValueError("tiers has no tier (every row is blank)")
    floors, caps, rates, column_amounts, leverage = table.T
    if floors[0] != 0:
        raise BadNumberError(f"tiers must start at a notional of 0, not {floors[0]:,.0f}")
    for n in range(len(table)):
        where = f"tiers row {n + 1}"
        if caps[n] <= floors[n]:
            raise BadNumberError(f"{where}: the cap {caps[n]:,.0f} must be above the floor {floors[n]:,.0f}")
        if n and floors[n] != caps[n - 1]:
            raise BadNumberError(
                f"{where} starts at {floors[n]:,.0f} but row {n} ends at {caps[n - 1]:,.0f}: "
                "tiers must not leave gaps or overlap"
            )
        if not 0 <= rates[n] < 1:
            raise BadNumberError(f"{where}: the maintenance rate must be from 0% to below 100%")
        if n and rates[n] < rates[n - 1]:
            raise BadNumberError(f"{where}: the maintenance rate must not fall as the notional grows")
        if column_amounts[n] < 0:
            raise BadNumberError(f"{where}: the maintenance amount must not be negative")
        if not 1 <= leverage[n] <= 200:
            raise BadNumberError(f"{where}: the maximum leverage must be from 1 to 200")
        if n and leverage[n] > leverage[n - 1]:
            raise BadNumberError(f"{where}: the maximum leverage must not rise as the notional grows")
    if amounts is not None:
        check_amounts = amounts == "cumulative"
    column_amounts = _blank_amounts_filled(floors, rates, column_amounts, amounts == "none")
    if amounts == "none" and np.any(column_amounts != 0):
        n = int(np.argmax(column_amounts != 0))
        raise BadNumberError(
            f"tiers row {n + 1}: the maintenance amount is {column_amounts[n]:,.2f} but {exchange_label(exchange)} "
            "charges one rate on the whole position and has no amount: leave the amount column 0"
        )
    if check_amounts:
        expected = rule_amounts(floors, rates)
        wrong = np.abs(column_amounts - expected) > _AMOUNT_TOLERANCE * np.maximum(1.0, expected)
        if wrong.any():
            n = int(np.argmax(wrong))
            whole = " (a table with one rate on the whole position and no amount goes with its own exchange's rule)"
            raise BadNumberError(
                f"tiers row {n + 1}: the maintenance amount is {column_amounts[n]:,.2f} but the exchanges' rule "
                f"floor x (rate - previous rate) + previous amount gives {expected[n]:,.2f}, which "
                f"{exchange_label(exchange)}'s liquidation needs" + (whole if column_amounts[n] == 0 else "")
            )
    return TierTable(
        tuple(floors.tolist()),
        tuple(caps.tolist()),
        tuple(rates.tolist()),
        tuple(column_amounts.tolist()),
        tuple(leverage.tolist()),
        exchange,
        symbol,
        source,
        as_of,
    )


def _blank_amounts_filled(floors: FloatArray, rates: FloatArray, given: FloatArray, no_amount: bool) -> FloatArray:
    """The amounts with each blank (NaN) replaced: 0 where the rule has no amount, else the rule's own.

    The rule's amount continues from the row above, given or filled: amountₙ = floorₙ · (MMRₙ −
    MMRₙ₋₁) + amountₙ₋₁, 0 in the first row, rounded to 8 decimals as :func:`rule_amounts`.
    """
    blank = np.isnan(given)
    filled: FloatArray = np.where(blank, 0.0, given)
    if no_amount or not blank.any():
        return filled
    for n in np.flatnonzero(blank):
        filled[n] = 0.0 if n == 0 else round(floors[n] * (rates[n] - rates[n - 1]) + filled[n - 1], 8)
    return filled


def rule_amounts(floors: ArrayLike, rates: ArrayLike) -> np.ndarray:
    """Maintenance amounts the exchanges' rule gives a table's floors and rates.

    amountₙ = floorₙ · (MMRₙ − MMRₙ₋₁) + amountₙ₋₁, amount₁ = 0, rounded to 8 decimals (the
    exchanges' precision) so that float noise does not show. It makes ``N · MMR − amount``
    continuous where one tier meets the next.

    >>> rule_amounts([0, 50_000, 600_000], [0.004, 0.005, 0.0065]).tolist()
    [0.0, 50.0, 950.0]
    """
    lower = as_float_array(floors, "floors").ravel()
    mmr = as_float_array(rates, "rates").ravel()
    steps = lower[1:] * np.diff(mmr)
    return np.round(np.concatenate((np.zeros(1), np.cumsum(steps))), 8)


def tiers_from_ccxt(
    tiers: Sequence[Mapping[str, object]], exchange: str = "bybit", symbol: str = "", as_of: str = ""
) -> TierTable:
    """A tier table from ccxt's ``fetch_market_leverage_tiers`` structure.

    Parameters
    ----------
    tiers : sequence of mappings
        ccxt's leverage tiers: ``minNotional``, ``maxNotional``, ``maintenanceMarginRate``,
        ``maxLeverage`` and the exchange's raw tier in ``info``, from which the maintenance amount
        is read (Bybit ``mmDeduction``, Binance ``cum``). Blank or absent, it is the rule's amount
        (:func:`rule_amounts`) continued from the tier below, given or derived; 0 in the first tier.
        Bybit's documentation prints it blank.
    exchange, symbol, as_of : str
        Stored with the table (``as_of``: the date the table was fetched).

    Notes
    -----
    Bybit's documentation prints its rates in per cent (``"maintenanceMargin": "0.5"`` with
    ``"initialMargin": "1"`` and ``"maxLeverage": "100.00"``) where the live API answers fractions
    (``"0.005"``). The unit is decided from the tier itself: the initial margin rate times the
    maximum leverage is 1 for fractions, 100 for per cent. A tier where it is neither is refused.
    The tiers are sorted by notional and validated by :func:`tier_table` (no gaps, no overlaps).

    Examples
    --------
    >>> raw = {"riskLimitValue": "2000000", "maintenanceMargin": "0.005", "initialMargin": "0.01",
    ...        "maxLeverage": "100.00", "mmDeduction": ""}
    >>> ccxt_tier = {"tier": 1, "minNotional": 0, "maxNotional": 2e6, "maintenanceMarginRate": 0.005,
    ...              "maxLeverage": 100.0, "info": raw}
    >>> tiers_from_ccxt([ccxt_tier], symbol="BTCUSDT").rows()
    [[0.0, 2000000.0, 0.005, 0.0, 100.0]]
    """
    if not tiers:
        raise MissingValueError(f"the exchange returned no tiers for {symbol or 'the contract'}")
    rows = []
    for n, tier in enumerate(sorted(tiers, key=lambda t: _number(t, "maxNotional", 0))):
        info = tier.get("info")
        raw = info if isinstance(info, Mapping) else {}
        rate = _number(tier, "maintenanceMarginRate", n)
        leverage = _number(tier, "maxLeverage", n)
        scale = _rate_scale(raw, leverage, n)
        key = "mmDeduction" if "mmDeduction" in raw else "cum"
        amount = math.nan if raw.get(key) in ("", None) else _number(raw, key, n)
        rows.append(
            [
                _number(tier, "minNotional", n),
                _number(tier, "maxNotional", n),
                rate / scale,
                amount,
                leverage,
            ]
        )
    return tier_table(  # a blank amount (NaN) becomes the rule's, from the tier below as given or derived
        rows, exchange, symbol, f"{exchange_label(exchange)} risk limits via ccxt", as_of, check_amounts=False
    )


def _number(mapping: Mapping[str, object], key: str, n: int) -> float:
    value = mapping.get(key)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WrongTypeError(f"tier {n + 1}: {key} is {value!r}, not a number") from None
    if not np.isfinite(number):
        raise BadNumberError(f"tier {n + 1}: {key} is not a finite number")
    return number


def _rate_scale(raw: Mapping[str, object], leverage: float, n: int) -> float:
    """1 when the raw tier gives rates as fractions, 100 when in per cent (see tiers_from_ccxt)."""
    if "initialMargin" not in raw:
        return 1.0
    product = _number(raw, "initialMargin", n) * leverage
    for scale in (1.0, 100.0):
        if abs(product - scale) <= 0.02 * scale:
            return scale
    raise BadNumberError(f"tier {n + 1}: initial margin x max leverage is {product:g}, neither 1 nor 100%")
