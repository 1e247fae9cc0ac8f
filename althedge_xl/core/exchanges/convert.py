"""Tier tables an exchange counts in contracts, as the one shape every function takes (quote notional).

WEEX (and MEXC, OKX) publish tiers as ranges of contracts, "0–5,000 Cont", "5,001–25,000 Cont", each
with a maximum leverage and one maintenance rate for the whole position, and no amount. At a price P
a position of n contracts of ``contract_size`` BTC has the notional n · size · P USDT; the ranges
become notional floors and caps at that price (exact for the tier a position is in at entry, with P
its entry price), the amounts 0, and the ranges' "+1" starts the previous range's end.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import as_float_array, require_finite
from althedge_xl.core.errors import BadNumberError, WrongTypeError
from althedge_xl.core.tiers import TierTable, exchange_label, tier_table


def tiers_from_contracts(
    rows: ArrayLike, contract_size: float, price: float, exchange: str, symbol: str = "", as_of: str = ""
) -> TierTable:
    """Rows ``first contract, last contract, max leverage, maintenance rate`` as a notional tier table.

    Parameters
    ----------
    rows : array_like, shape (n, 4)
        The exchange's ranges of contracts with each range's maximum leverage and maintenance rate
        (a fraction), in order; a range may start at the previous one's end or one contract after.
    contract_size : float
        BTC per contract (base currency per contract of a linear contract).
    price : float
        The price the ranges are valued at, in USD (the entry price).
    exchange, symbol, as_of : str
        Stored with the table; the exchange's profile must read amounts as "none".

    Examples
    --------
    WEEX's TRB/USDT tiers of 2023-09-15 (0–5,000 Cont 10× 2.50 %, 5,001–25,000 5× 5.00 %) for
    contracts of 0.01 TRB at 100 USDT: 0–5,000 and 5,000–25,000 USDT.

    >>> tiers_from_contracts([[0, 5000, 10, 0.025], [5001, 25000, 5, 0.05]], 0.01, 100, "weex").rows()
    [[0.0, 5000.0, 0.025, 0.0, 10.0], [5000.0, 25000.0, 0.05, 0.0, 5.0]]
    """
    table = as_float_array(rows, "tiers")
    if table.ndim != 2 or table.shape[1] != 4:
        raise WrongTypeError("contract tiers must have four columns: first contract, last contract, max leverage, rate")
    require_finite(table, "tiers")
    if not (np.isfinite(contract_size) and contract_size > 0 and np.isfinite(price) and price > 0):
        raise BadNumberError("the contract size and the price must be greater than 0")
    first, last, leverage, rates = table.T.copy()
    for n in range(1, len(first)):
        if first[n] in (last[n - 1], last[n - 1] + 1):
            first[n] = last[n - 1]
    scale = contract_size * price
    converted = np.column_stack((first * scale, last * scale, rates, np.zeros_like(rates), leverage))
    return tier_table(
        converted,
        exchange,
        symbol,
        f"{exchange_label(exchange)} tiers in contracts at {price:g}",
        as_of,
        amounts="none",
    )
