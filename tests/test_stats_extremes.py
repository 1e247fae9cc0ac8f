"""Extreme prices in the beta, correlation and volatility functions: a number only when it means something.

A step between two rows beyond any market's (a million-fold and more) is refused naming the argument and
the rows; a series that moves only by the rounding of its prices is constant; extreme but possible prices
give the beta statsmodels computes on the same returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from althedge_xl import udfs
from althedge_xl.core import stats
from althedge_xl.core.errors import BadNumberError

#: BTC on five days, moving as the coin of hedge_beta's worked example does not (a real spread).
BTC = [100.0, 110.0, 99.0, 103.95, 98.7525]
#: A coin that jumps from 1e-300 to 1 between rows 2 and 3: a finite return of 1e300, a beta of 1e300.
JUMPING = [2e-300, 1e-300, 1.0, 1.2e-300, 1.1e-300]

SERIES_FUNCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "hedge_beta": lambda alt, btc: stats.hedge_beta(alt, btc),
    "hedge_beta ewma": lambda alt, btc: stats.hedge_beta(alt, btc, "ewma", 2.0),
    "hedge_beta downside": lambda alt, btc: stats.hedge_beta(alt, btc, "downside", None, 0.5),
    "betas": lambda alt, btc: stats.betas(np.column_stack([alt]), btc, name="alt_prices"),
    "hedge_correl": lambda alt, btc: stats.hedge_correl(alt, btc),
    "correls": lambda alt, btc: stats.correls(np.column_stack([alt]), btc, name="alt_prices"),
    "minvar_ratio": lambda alt, btc: stats.minvar_ratio(alt, btc),
    "hedge_effectiveness": lambda alt, btc: stats.hedge_effectiveness(alt, btc, 0.5),
}


@pytest.mark.parametrize("function", SERIES_FUNCTIONS.values(), ids=SERIES_FUNCTIONS.keys())
def test_a_step_beyond_any_market_is_refused_naming_its_rows(function: Callable[[Any, Any], Any]) -> None:
    with pytest.raises(
        BadNumberError, match=r"the price rises by a factor of about 1e300 from row 2 \(1e-300\) to row 3"
    ):
        function(JUMPING, BTC)


@pytest.mark.parametrize("function", SERIES_FUNCTIONS.values(), ids=SERIES_FUNCTIONS.keys())
def test_a_step_of_btc_beyond_any_market_is_refused(function: Callable[[Any, Any], Any]) -> None:
    btc = [*BTC[:3], BTC[3] * 1e-7, BTC[4]]
    with pytest.raises(BadNumberError, match=r"^btc_prices: the price falls by a factor of about 1e7 from row 3 "):
        function([10.0, 12.0, 9.0, 9.9, 9.405], btc)


def test_the_rows_named_are_the_input_rows_across_a_blank() -> None:
    # Row 3 blank: the step runs from row 2 to row 4, the rows as the sheet numbers them.
    alt = [1.0, 1.1, math.nan, 1e12, 1.2, 1.3]
    with pytest.raises(BadNumberError, match=r"^alt_prices: the price rises by a factor of about 1e12 from row 2 "):
        stats.hedge_beta(alt, [1.0, 2.0, 1.5, 1.0, 2.0, 3.0])


def test_a_basket_and_a_table_name_the_column() -> None:
    panel = np.column_stack([[10.0, 12.0, 9.0, 9.9, 9.405], JUMPING])
    with pytest.raises(BadNumberError, match=r"^alt_prices column 2: the price rises by a factor of about 1e300 "):
        stats.hedge_beta(panel, BTC)
    with pytest.raises(BadNumberError, match=r"^alt_prices column 2: the price rises "):
        stats.betas(panel, BTC, name="alt_prices")
    with pytest.raises(BadNumberError, match=r"^prices column 2: the price rises by a factor of about 1e300 "):
        stats.realized_vol(panel)


def test_an_overflowing_step_is_refused_the_same_way() -> None:
    # 1e-300 to 1e300: the return overflows to infinity; the message still names the rows.
    alt = [1e-300, 2e-300, 1e300, 1.1e300, 1.2e300]
    for function in SERIES_FUNCTIONS.values():
        with pytest.raises(
            BadNumberError, match=r"by a factor of about 1e600 from row 2 \(2e-300\) to row 3 \(1e\+300\)"
        ):
            function(alt, BTC)


@pytest.mark.parametrize(
    ("udf", "argument"),
    [
        (udfs.HEDGE_BETA, "alt_prices"),
        (udfs.HEDGE_CORREL, "alt_prices"),
        (udfs.HEDGE_BETA_TABLE, "alt_prices"),
        (udfs.HEDGE_MINVAR_RATIO, "values_or_prices"),
    ],
    ids=["HEDGE_BETA", "HEDGE_CORREL", "HEDGE_BETA_TABLE", "HEDGE_MINVAR_RATIO"],
)
def test_the_excel_functions_show_the_refusal_in_the_cell(udf: Callable[..., Any], argument: str) -> None:
    result = udf([[p] for p in JUMPING], [[p] for p in BTC])
    assert isinstance(result, str)
    assert result.startswith(f"#NUM! {argument}: the price rises by a factor of about 1e300 from row 2")
    assert "no market moves more than 1,000,000-fold between two rows" in result
    vol = udfs.REALIZED_VOL([[p] for p in JUMPING])
    assert isinstance(vol, str) and vol.startswith(
        "#NUM! prices: the price rises by a factor of about 1e300 from row 2"
    )


def _ols_slope(y: np.ndarray, x: np.ndarray) -> float:
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    return float(fit.params[1])


def test_extreme_but_possible_prices_give_statsmodels_beta() -> None:
    # A coin priced near 1e-300 and BTC near 1e300 (the returns do not depend on the unit), with a
    # thousand-fold listing jump (a possible market move): the beta is the OLS slope of the returns.
    alt = np.array([1e-303, 1e-300, 1.2e-300, 0.9e-300, 1.1e-300, 1.05e-300])
    btc = np.array([1e300, 1.1e300, 0.99e300, 1.0395e300, 0.987525e300, 1.01e300])
    r_alt, r_btc = alt[1:] / alt[:-1] - 1.0, btc[1:] / btc[:-1] - 1.0
    expected = _ols_slope(r_alt, r_btc)
    assert stats.hedge_beta(alt, btc) == pytest.approx(expected, rel=1e-9)
    assert stats.betas(alt[:, None], btc)[0] == pytest.approx(expected, rel=1e-9)
    assert stats.minvar_ratio(alt, btc) == pytest.approx(expected, rel=1e-9)
    assert stats.hedge_correl(alt, btc) == pytest.approx(np.corrcoef(r_alt, r_btc)[0, 1], rel=1e-9)
    table = udfs.HEDGE_BETA_TABLE(alt[:, None].tolist(), btc[:, None].tolist())
    assert table[0][0] == pytest.approx(expected, rel=1e-9)


def test_a_million_fold_step_is_the_last_accepted() -> None:
    # The bound itself is a possible step (the check refuses only beyond it).
    alt = np.array([1.0, 1e6, 1.1e6, 1.0e6, 1.2e6])
    r_alt, r_btc = alt[1:] / alt[:-1] - 1.0, np.diff(BTC) / np.array(BTC[:-1])
    assert stats.hedge_beta(alt, BTC) == pytest.approx(_ols_slope(r_alt, r_btc), rel=1e-9)


def _one_ulp_apart(price: float, rows: int) -> list[float]:
    up = float(np.nextafter(price, math.inf))
    return [price if row % 2 == 0 else up for row in range(rows)]


def test_btc_moving_only_by_rounding_is_constant() -> None:
    # BTC at 100 and the next float up: returns of +-1.4e-16 are the rounding of the price, not moves,
    # and the beta of a coin moving 5-10 % on them was -1e14.
    btc = _one_ulp_apart(100.0, 6)
    alt = [10.0, 11.0, 10.5, 10.0, 11.0, 10.2]
    for function in (stats.hedge_beta, stats.minvar_ratio):
        with pytest.raises(BadNumberError, match=r"^btc_prices returns have zero variance"):
            function(alt, btc)
    with pytest.raises(BadNumberError, match=r"^btc_prices returns have zero variance"):
        stats.betas(np.array(alt)[:, None], btc)
    with pytest.raises(BadNumberError, match=r"^btc_prices returns have zero variance"):
        stats.hedge_correl(alt, btc)
    with pytest.raises(BadNumberError, match=r"^btc_prices returns have zero variance"):
        stats.correls(np.array(alt)[:, None], btc)


def test_a_coin_moving_only_by_rounding_has_no_correlation_nor_effectiveness() -> None:
    alt = _one_ulp_apart(2.5, 6)
    btc = [100.0, 110.0, 99.0, 103.95, 98.7525, 101.0]
    with pytest.raises(BadNumberError, match=r"^alt_prices returns have zero variance"):
        stats.hedge_correl(alt, btc)
    with pytest.raises(BadNumberError, match=r"^alt_prices returns have zero variance"):
        stats.correls(np.array(alt)[:, None], btc, name="alt_prices")
    with pytest.raises(BadNumberError, match=r"^alt_prices returns have zero variance"):
        stats.hedge_effectiveness(alt, btc, 0.5)


def test_small_real_moves_are_not_rounding() -> None:
    # Moves of a millionth (far above the 1.4e-14 of rounding) still give statsmodels' beta.
    btc = np.array([100.0, 100.0001, 99.9999, 100.00005, 99.99995, 100.0002])
    alt = np.array([10.0, 10.000002, 9.999997, 10.000001, 9.999999, 10.000003])
    r_alt, r_btc = alt[1:] / alt[:-1] - 1.0, btc[1:] / btc[:-1] - 1.0
    assert stats.hedge_beta(alt, btc) == pytest.approx(_ols_slope(r_alt, r_btc), rel=1e-6)
