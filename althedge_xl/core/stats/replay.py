"""The replay of a portfolio and its fixed short BTC hedge along a real price window."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core._sums import row_dots
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.limits import check_result_shape
from althedge_xl.core.stats._inputs import (
    check_same_rows,
    checked_prices,
    complete_rows,
    float_view,
    n_rows,
    one_number,
)

__all__ = ["REPLAY_COLUMNS", "scenario_replay"]

REPLAY_COLUMNS: Final[tuple[str, ...]] = (
    "unhedged_pl",
    "hedge_pl",
    "funding_cost",
    "hedged_pl",
)
"""The four columns of :func:`scenario_replay`, in order."""


def scenario_replay(
    holdings_values: npt.ArrayLike,
    asset_prices: npt.ArrayLike,
    btc_prices: npt.ArrayLike,
    hedge_notional: float,
    funding_rates: npt.ArrayLike | None = None,
) -> FloatArray:
    """P/L of a spot portfolio and its short BTC hedge along a real price window.

    Parameters
    ----------
    holdings_values : array_like, shape (k,)
        USD value of each altcoin holding at the first row (quantity = value / first price).
        Not negative.
    asset_prices : array_like, shape (n, k) or (n,)
        Prices (USD/USDT) of the ``k`` holdings, oldest row first; ``NaN`` for a blank. The
        first row must be complete.
    btc_prices : array_like, shape (n,)
        BTC prices on the same rows (the future's price, or spot as its proxy); first row
        required.
    hedge_notional : float
        USD notional of the BTC short opened at the first row's BTC price; the short
        quantity ``q = hedge_notional / btc_prices[0]`` is held to the end. Not negative.
    funding_rates : array_like, shape (n,), optional
        For each row ``t``, the sum of the perpetual's funding rates (fractions per interval,
        as the exchange reports them) of the settlements that fall in that row's period
        ``(time of row t-1, time of row t]``. With Binance's daily closes (the candle of day D
        closes at 23:59:59.999 UTC), row D takes the settlements stamped on day D (00:00, 08:00
        and 16:00 UTC for BTCUSDT): the 00:00 settlement comes just after the previous close;
        the 00:00 settlement of day D+1 belongs to the next row.
        ``NaN`` means no settlement. Row 0's entry is ignored: those settlements precede the
        hedge. Default: no funding.

    Returns
    -------
    ndarray, shape (n, 4)
        Columns (see ``REPLAY_COLUMNS``), in USD, each measured from the first row (row 0
        is all zeros):

        0. unhedged P/L ``U_t = sum_i V_i (P_i,t / P_i,0 - 1)``;
        1. hedge P/L ``H_t = -N (B_t / B_0 - 1)`` (a gain when BTC falls);
        2. cumulative funding cost ``C_t = sum_{s=1..t} -q B_s f_s`` (positive = paid by the
           user);
        3. hedged P/L ``U_t + H_t - C_t``.

    Raises
    ------
    WrongTypeError
        Lengths or column counts that do not match.
    BadNumberError
        A zero, negative or infinite price, value, notional or funding rate.
    MissingValueError
        Fewer than 2 rows, a blank in the first row, a blank holding or notional.

    Notes
    -----
    Funding follows the exchanges' rule: each settlement pays ``notional x rate`` where the
    notional is valued at the settlement's price, and a positive rate means longs pay
    shorts. The short is ``-q`` BTC, so its cost at row ``t`` is ``-q B_t f_t``: a positive
    rate is income (negative cost), a negative rate a cost. The settlements of a row are
    valued at that row's BTC price ``B_t`` (the close), an approximation of the mark price at
    each settlement. The position is not rebalanced and no trading fees are charged.

    Blanks are never filled: a row with any blank price has ``NaN`` in all four columns.
    Funding in a row with a blank BTC price cannot be valued, so if that row has a rate the
    cumulative funding (and the hedged P/L) stays ``NaN`` from there on; a row with a blank
    BTC price and no rate adds nothing.

    Examples
    --------
    The method's worked example, replayed: altcoins 30,000 and 20,000 fall 20 % and BTC 15 %,
    the 20,000 short gains 3,000. The short receives 200 x 85 x 0.0003 = 5.10 of funding on
    day 1 and pays 200 x 90 x 0.0001 = 1.80 on day 2:

    >>> import numpy as np
    >>> out = scenario_replay(
    ...     [30_000.0, 20_000.0],
    ...     [[100.0, 10.0], [80.0, 8.0], [90.0, 9.0]],
    ...     [100.0, 85.0, 90.0],
    ...     20_000.0,
    ...     [np.nan, 0.0003, -0.0001],
    ... )
    >>> out.round(2).tolist()
    [[0.0, 0.0, 0.0, 0.0], [-10000.0, 3000.0, -5.1, -6994.9], [-5000.0, 2000.0, -3.3, -2996.7]]
    """
    vals = float_view(holdings_values, "holdings_values")
    if vals.ndim > 2 or (vals.ndim == 2 and 1 not in vals.shape):
        raise WrongTypeError("holdings_values must be one row or one column of values")
    vals = vals.ravel()
    prices, prices_ok = checked_prices(asset_prices, "asset_prices", allow_2d=True)
    if prices.ndim == 1:
        prices = prices[:, None]
    if vals.size != prices.shape[1]:
        raise WrongTypeError(
            f"holdings_values has {vals.size} values but asset_prices has "
            f"{prices.shape[1]} columns; give one value per asset"
        )
    btc, btc_ok = checked_prices(btc_prices, "btc_prices", allow_2d=False)
    check_same_rows(prices, "asset_prices", btc, "btc_prices")
    n = btc.shape[0]
    if n < 2:
        raise MissingValueError(f"btc_prices has {n_rows(n)}; the replay needs at least 2")
    check_result_shape((n, len(REPLAY_COLUMNS)), "the replay")
    if np.isnan(vals).any():
        raise MissingValueError("holdings_values has a blank; give a value for every asset")
    if np.isinf(vals).any() or (vals < 0.0).any():
        raise BadNumberError("holdings_values must be finite and not negative")
    notional = one_number(hedge_notional, "hedge_notional")
    if math.isnan(notional):
        raise MissingValueError("hedge_notional is blank; give the USD notional of the short")
    if not (notional >= 0.0 and math.isfinite(notional)):
        raise BadNumberError(f"hedge_notional must be a finite, non-negative USD amount; got {notional!r}")
    rates: FloatArray
    if funding_rates is None:
        rates = np.zeros(n)
    else:
        rates = float_view(funding_rates, "funding_rates")
        if rates.ndim == 2 and rates.shape[1] == 1:
            rates = rates[:, 0]
        if rates.ndim != 1:
            raise WrongTypeError(f"funding_rates must be one column; got shape {rates.shape}")
        check_same_rows(rates, "funding_rates", btc, "btc_prices")
        if np.isinf(rates).any():
            raise BadNumberError("funding_rates must be finite; leave a row blank for no funding")
    present = complete_rows(prices_ok, n) & complete_rows(btc_ok, n)
    if not present[0]:
        raise MissingValueError(
            "the first row of asset_prices and btc_prices must be complete: the replay measures every P/L from it"
        )
    btc_present = complete_rows(btc_ok, n)
    with np.errstate(all="ignore"):
        unhedged = row_dots(prices / prices[0] - 1.0, vals)
        hedge = -notional * (btc / btc[0] - 1.0)
        qty = notional / btc[0]
        has_rate = ~np.isnan(rates) & (rates != 0.0)
        has_rate[0] = False
        cost = np.zeros(n)
        cost[has_rate] = -qty * btc[has_rate] * rates[has_rate]
        cum_cost = np.cumsum(cost)
        out = np.column_stack([unhedged, hedge, cum_cost, unhedged + hedge - cum_cost])
    out[0] = 0.0  # by definition (and no -0.0 from the hedge column)
    out[~present] = np.nan
    if (
        np.isinf(out).any()
        or not np.isfinite(out[present, :2]).all()
        or not np.isfinite(cost[has_rate & btc_present]).all()
    ):
        raise BadNumberError("the replay overflows: the inputs are too extreme")
    return out
