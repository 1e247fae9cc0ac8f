"""Tests of althedge_xl.core.stats.

Every expected value is computed here independently (statsmodels, numpy or pandas on the real
closes in ../shared/data) or taken from the data README or DESIGN.md; a comment on each says
which. Nothing is pasted from the module's own output.
"""

from __future__ import annotations

import contextlib
import doctest
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from althedge_xl.core import stats
from althedge_xl.core.errors import (
    AltHedgeInputError,
    BadNumberError,
    MissingValueError,
    WrongTypeError,
)
from althedge_xl.core.stats import (
    betas,
    hedge_beta,
    hedge_correl,
    hedge_effectiveness,
    hedge_variance,
    minvar_ratio,
    realized_vol,
    regression,
    replay,
    returns,
    scenario_replay,
    simple_returns,
)

TOL = 1e-10


# --------------------------------------------------------------------------------------------
# Real data and independent reference computations
# --------------------------------------------------------------------------------------------


# data_dir (tests/conftest.py) is ../shared/data beside the repository, read in place.


@pytest.fixture(scope="module")
def wide(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "prices" / "daily_close_wide.csv", index_col="date")


@pytest.fixture(scope="module")
def daily_8(data_dir: Path) -> pd.DataFrame:
    """Binance spot daily closes, one column per symbol."""
    long = pd.read_csv(data_dir / "prices" / "binance_spot_1d_ohlcv_8assets.csv")
    return long.pivot(index="date", columns="symbol", values="close")


@pytest.fixture(scope="module")
def funding(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "funding" / "binance_usdm_btcusdt_funding_8h.csv")


@pytest.fixture(scope="module")
def hourly(data_dir: Path) -> pd.DataFrame:
    long = pd.read_csv(data_dir / "prices" / "binance_spot_1h_btc_eth_stress_windows.csv")
    return long.pivot(index="timestamp_utc", columns="symbol", values="close")


def window(frame: pd.DataFrame, cols: list[str], start: str, end: str) -> pd.DataFrame:
    return frame.loc[start:end, cols]


def ref_returns(frame: pd.DataFrame) -> pd.DataFrame:
    """pandas: drop rows with any blank, then returns between consecutive rows kept."""
    return (frame.dropna() / frame.dropna().shift(1) - 1.0).iloc[1:]


def sm_slope(y: Any, x: Any, weights: Any = None) -> float:
    """statsmodels OLS (or WLS) slope with an intercept."""
    exog = sm.add_constant(np.asarray(x, dtype=float))
    if weights is None:
        fit = sm.OLS(np.asarray(y, dtype=float), exog).fit()
    else:
        fit = sm.WLS(np.asarray(y, dtype=float), exog, weights=weights).fit()
    return float(fit.params[1])


def ewma_weights(count: int, halflife: float) -> np.ndarray:
    """The specified EWMA weights, newest row weight 1: 0.5 ** ((T - 1 - t) / halflife)."""
    return np.array([0.5 ** ((count - 1 - t) / halflife) for t in range(count)])


# (asset, start, end, why): real windows; SOL is blank before 2020-08-11 and DOT after 2025-02-10
# (data README), so two windows exercise the alignment of blanks at either end.
WINDOWS = [
    ("ETH", "2022-01-01", "2022-12-31", "ETH over 2022"),
    ("SOL", "2022-01-01", "2022-12-31", "SOL over 2022"),
    ("SOL", "2020-06-01", "2020-12-31", "SOL blank before its listing"),
    ("DOT", "2025-01-01", "2025-03-31", "DOT blank after the Yahoo source ends"),
    ("MATIC", "2021-05-01", "2021-06-30", "MATIC, May-2021 crash"),
]


# --------------------------------------------------------------------------------------------
# simple_returns
# --------------------------------------------------------------------------------------------


class TestSimpleReturns:
    def test_matches_pandas_row_by_row(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["BTC", "ETH", "SOL"], "2020-08-01", "2020-08-31")
        # expected: pandas P_t / P_{t-1} - 1 on the same rows, NaN where either end is blank
        expected = (frame / frame.shift(1) - 1.0).iloc[1:].to_numpy()
        got = simple_returns(frame.to_numpy())
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15, equal_nan=True)
        assert np.isnan(got[:, 2]).sum() == 10  # SOL starts 2020-08-11 (data README)

    def test_one_series_and_list(self) -> None:
        # README reference: BTC 2021-05-18 -> 19: 42849.78 -> 36690.09, -14.375 %
        got = simple_returns([42849.78, 36690.09])
        assert got.shape == (1,)
        assert got[0] == pytest.approx(-0.14375, abs=5e-6)


# --------------------------------------------------------------------------------------------
# hedge_beta
# --------------------------------------------------------------------------------------------


class TestHedgeBetaOLS:
    @pytest.mark.parametrize(("asset", "start", "end", "why"), WINDOWS)
    def test_equals_statsmodels(self, wide: pd.DataFrame, asset: str, start: str, end: str, why: str) -> None:
        frame = window(wide, [asset, "BTC"], start, end)
        r = ref_returns(frame)
        expected = sm_slope(r[asset], r["BTC"])  # statsmodels OLS slope on pandas returns
        got = hedge_beta(frame[asset].to_numpy(), frame["BTC"].to_numpy())
        assert isinstance(got, float)
        assert got == pytest.approx(expected, abs=TOL), why

    def test_interior_gap_is_one_longer_return(self, wide: pd.DataFrame) -> None:
        # The real file has no interior gaps (README), so holes are punched in a copy of real
        # closes; expected: statsmodels on pandas returns after dropping those rows.
        frame = window(wide, ["ETH", "BTC"], "2022-01-01", "2022-12-31").copy()
        frame.iloc[[10, 11], 0] = np.nan
        frame.iloc[50, 1] = np.nan
        r = ref_returns(frame)
        assert len(r) == len(frame) - 1 - 3
        expected = sm_slope(r["ETH"], r["BTC"])
        assert hedge_beta(frame["ETH"].to_numpy(), frame["BTC"].to_numpy()) == pytest.approx(expected, abs=TOL)
        # and it differs from forward-filling, which the rule forbids
        filled = ref_returns(frame.ffill())
        assert abs(sm_slope(filled["ETH"], filled["BTC"]) - expected) > 1e-6

    def test_basket_with_weights(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["ETH", "SOL", "AVAX", "BTC"], "2020-06-01", "2022-12-31")
        w = np.array([5.0, 3.0, 2.0])
        r = ref_returns(frame)  # AVAX starts 2020-09-22 (README): rows before are dropped
        basket = r[["ETH", "SOL", "AVAX"]].to_numpy() @ (w / w.sum())  # sum w_i r_i, sum w = 1
        expected = sm_slope(basket, r["BTC"])
        got = hedge_beta(frame[["ETH", "SOL", "AVAX"]].to_numpy(), frame["BTC"].to_numpy(), weights=w)
        assert got == pytest.approx(expected, abs=TOL)

    def test_basket_default_equal_weights(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["ETH", "SOL", "BTC"], "2022-01-01", "2022-12-31")
        r = ref_returns(frame)
        expected = sm_slope((r["ETH"] + r["SOL"]) / 2.0, r["BTC"])  # statsmodels, equal weights
        got = hedge_beta(frame[["ETH", "SOL"]].to_numpy(), frame["BTC"].to_numpy())
        assert got == pytest.approx(expected, abs=TOL)

    def test_input_forms_agree(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["ETH", "BTC"], "2022-01-01", "2022-03-31")
        eth, btc = frame["ETH"].to_numpy(), frame["BTC"].to_numpy()
        r = ref_returns(frame)
        expected = sm_slope(r["ETH"], r["BTC"])  # statsmodels
        forms = [
            hedge_beta(eth, btc),
            hedge_beta(eth.tolist(), btc.tolist()),  # lists
            hedge_beta(eth[:, None], btc[:, None]),  # (n, 1) columns from a range
            hedge_beta(eth, btc, method=" OLS "),  # case and spaces ignored
            hedge_beta(eth, btc, halflife=10.0, threshold=-0.05),  # ignored for "ols"
        ]
        for got in forms:
            assert got == pytest.approx(expected, abs=TOL)


class TestHedgeBetaEWMA:
    @pytest.mark.parametrize("halflife", [5.0, 30.0, 90.0])
    @pytest.mark.parametrize(("asset", "start", "end", "why"), WINDOWS[:3])
    def test_equals_statsmodels_wls(
        self, wide: pd.DataFrame, asset: str, start: str, end: str, why: str, halflife: float
    ) -> None:
        frame = window(wide, [asset, "BTC"], start, end)
        r = ref_returns(frame)
        wts = ewma_weights(len(r), halflife)
        expected = sm_slope(r[asset], r["BTC"], weights=wts)  # statsmodels WLS
        got = hedge_beta(frame[asset].to_numpy(), frame["BTC"].to_numpy(), method="ewma", halflife=halflife)
        assert got == pytest.approx(expected, abs=TOL), why

    def test_basket(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["ETH", "SOL", "BTC"], "2022-01-01", "2022-12-31")
        r = ref_returns(frame)
        basket = 0.6 * r["ETH"] + 0.4 * r["SOL"]
        expected = sm_slope(basket, r["BTC"], weights=ewma_weights(len(r), 20.0))  # statsmodels
        got = hedge_beta(
            frame[["ETH", "SOL"]].to_numpy(),
            frame["BTC"].to_numpy(),
            "ewma",
            20.0,
            None,
            [0.6, 0.4],
        )
        assert got == pytest.approx(expected, abs=TOL)


class TestHedgeBetaDownside:
    @pytest.mark.parametrize("threshold", [None, 0.0, -0.02, -0.04])
    @pytest.mark.parametrize(("asset", "start", "end", "why"), WINDOWS[:3])
    def test_equals_statsmodels_on_subset(
        self,
        wide: pd.DataFrame,
        asset: str,
        start: str,
        end: str,
        why: str,
        threshold: float | None,
    ) -> None:
        frame = window(wide, [asset, "BTC"], start, end)
        r = ref_returns(frame)
        cut = 0.0 if threshold is None else threshold  # the documented default
        sub = r[r["BTC"] < cut]
        expected = sm_slope(sub[asset], sub["BTC"])  # statsmodels OLS on the filtered subset
        got = hedge_beta(
            frame[asset].to_numpy(),
            frame["BTC"].to_numpy(),
            method="downside",
            threshold=threshold,
        )
        assert got == pytest.approx(expected, abs=TOL), why


# --------------------------------------------------------------------------------------------
# betas (vectorised, one per column)
# --------------------------------------------------------------------------------------------


class TestBetas:
    COLS: ClassVar[list[str]] = ["ETH", "BNB", "XRP", "SOL", "AVAX", "DOT", "LINK"]

    @pytest.mark.parametrize(
        ("method", "kwargs"),
        [("ols", {}), ("ewma", {"halflife": 30.0}), ("downside", {"threshold": -0.02})],
    )
    def test_each_column_equals_statsmodels(self, wide: pd.DataFrame, method: str, kwargs: dict[str, float]) -> None:
        # SOL, AVAX and DOT start on different days in this window (README): three blank patterns
        frame = window(wide, [*self.COLS, "BTC"], "2020-06-01", "2021-06-30")
        got = betas(frame[self.COLS].to_numpy(), frame["BTC"].to_numpy(), method, **kwargs)
        assert got.shape == (len(self.COLS),)
        for j, col in enumerate(self.COLS):
            r = ref_returns(frame[[col, "BTC"]])  # each column aligned with BTC on its own
            if method == "ewma":
                expected = sm_slope(r[col], r["BTC"], weights=ewma_weights(len(r), 30.0))
            elif method == "downside":
                sub = r[r["BTC"] < -0.02]
                expected = sm_slope(sub[col], sub["BTC"])
            else:
                expected = sm_slope(r[col], r["BTC"])
            assert got[j] == pytest.approx(expected, abs=TOL), col

    def test_equals_lstsq_without_blanks(self, wide: pd.DataFrame) -> None:
        frame = window(wide, [*self.COLS, "BTC"], "2022-01-01", "2022-12-31")
        r = ref_returns(frame)
        design = np.column_stack([np.ones(len(r)), r["BTC"].to_numpy()])
        # numpy least squares with intercept, all columns at once
        expected = np.linalg.lstsq(design, r[self.COLS].to_numpy(), rcond=None)[0][1]
        got = betas(frame[self.COLS].to_numpy(), frame["BTC"].to_numpy())
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)

    def test_short_column_is_named(self, wide: pd.DataFrame) -> None:
        # SOL has only 2 closes up to 2020-08-12 (README: first close 2020-08-11)
        frame = window(wide, ["ETH", "SOL", "BTC"], "2020-08-01", "2020-08-12")
        with pytest.raises(MissingValueError, match="asset_prices column 2"):
            betas(frame[["ETH", "SOL"]].to_numpy(), frame["BTC"].to_numpy())

    @pytest.mark.parametrize(
        ("columns", "start", "end", "skip", "expected"),
        [
            # SOL has only 2 closes up to 2020-08-12 (README): column 2 is short
            (["ETH", "SOL"], "2020-08-01", "2020-08-12", 0, "#N/A alt_prices column 2 has only 2 rows with a price"),
            (["ETH"], "2020-08-01", "2020-08-12", 1, "#VALUE! alt_prices has 11 rows but btc_prices has 12 rows"),
            (["ETH", "flat"], "2022-01-01", "2022-01-31", 0, "#NUM! alt_prices column 2 returns have zero variance"),
        ],
    )
    def test_the_table_function_names_its_own_argument(
        self, wide: pd.DataFrame, columns: list[str], start: str, end: str, skip: int, expected: str
    ) -> None:
        # HEDGE_BETA_TABLE's argument is alt_prices: the message names it, not the core function's asset_prices
        from althedge_xl.udfs import HEDGE_BETA_TABLE

        frame = window(wide, ["ETH", "SOL", "BTC"], start, end).assign(flat=5.0)
        alt_cells = [[None if math.isnan(v) else v for v in row] for row in frame[columns].to_numpy()[skip:].tolist()]
        answer = HEDGE_BETA_TABLE(alt_cells, frame[["BTC"]].to_numpy().tolist())
        assert isinstance(answer, str) and answer.startswith(expected), answer
        assert "asset_prices" not in answer


# --------------------------------------------------------------------------------------------
# hedge_correl
# --------------------------------------------------------------------------------------------


class TestHedgeCorrel:
    @pytest.mark.parametrize(("asset", "start", "end", "why"), WINDOWS)
    def test_pearson_equals_numpy(self, wide: pd.DataFrame, asset: str, start: str, end: str, why: str) -> None:
        frame = window(wide, [asset, "BTC"], start, end)
        r = ref_returns(frame)
        expected = np.corrcoef(r[asset], r["BTC"])[0, 1]  # numpy corrcoef
        got = hedge_correl(frame[asset].to_numpy(), frame["BTC"].to_numpy())
        assert isinstance(got, float)
        assert got == pytest.approx(expected, abs=TOL), why

    @pytest.mark.parametrize("threshold", [None, -0.03])
    def test_downside_equals_pandas(self, wide: pd.DataFrame, threshold: float | None) -> None:
        frame = window(wide, ["SOL", "BTC"], "2021-01-01", "2022-12-31")
        r = ref_returns(frame)
        sub = r[r["BTC"] < (0.0 if threshold is None else threshold)]
        expected = sub["SOL"].corr(sub["BTC"])  # pandas Pearson on the stress subset
        got = hedge_correl(frame["SOL"].to_numpy(), frame["BTC"].to_numpy(), "downside", threshold)
        assert got == pytest.approx(expected, abs=TOL)

    def test_basket(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["ETH", "SOL", "BTC"], "2022-01-01", "2022-12-31")
        r = ref_returns(frame)
        expected = (0.6 * r["ETH"] + 0.4 * r["SOL"]).corr(r["BTC"])  # pandas
        got = hedge_correl(frame[["ETH", "SOL"]].to_numpy(), frame["BTC"].to_numpy(), weights=[3, 2])
        assert got == pytest.approx(expected, abs=TOL)

    def test_unknown_method_lists_choices(self) -> None:
        with pytest.raises(WrongTypeError) as info:
            hedge_correl([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0], "spearman")
        assert all(word in str(info.value) for word in ("pearson", "downside", "spearman"))


# --------------------------------------------------------------------------------------------
# minvar_ratio
# --------------------------------------------------------------------------------------------


class TestMinvarRatio:
    def test_value_columns_equal_statsmodels(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["ETH", "SOL", "BTC"], "2022-01-01", "2022-12-31")
        values = frame[["ETH", "SOL"]] * [10.0, 500.0]  # USD values of 10 ETH and 500 SOL
        basket = values.sum(axis=1)
        r_p = basket / basket.shift(1) - 1.0
        r_f = frame["BTC"] / frame["BTC"].shift(1) - 1.0
        # statsmodels OLS slope of dP/P on dF/F = cov/var
        expected = sm_slope(r_p.iloc[1:], r_f.iloc[1:])
        got = minvar_ratio(values.to_numpy(), frame["BTC"].to_numpy())
        assert got == pytest.approx(expected, abs=TOL)
        # cross-check the formula as written, with numpy sample moments
        cov = np.cov(r_p.iloc[1:], r_f.iloc[1:], ddof=1)
        assert got == pytest.approx(cov[0, 1] / cov[1, 1], abs=TOL)

    def test_blank_value_drops_the_row(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["ETH", "SOL", "BTC"], "2020-07-01", "2020-12-31")
        values = frame[["ETH", "SOL"]] * [10.0, 500.0]
        kept = pd.concat([values.sum(axis=1, skipna=False), frame["BTC"]], axis=1).dropna()
        r = ref_returns(kept)
        expected = sm_slope(r.iloc[:, 0], r.iloc[:, 1])  # statsmodels, pandas-aligned
        got = minvar_ratio(values.to_numpy(), frame["BTC"].to_numpy())
        assert got == pytest.approx(expected, abs=TOL)

    def test_single_price_series_is_the_ols_beta(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["ETH", "BTC"], "2022-01-01", "2022-12-31")
        r = ref_returns(frame)
        expected = sm_slope(r["ETH"], r["BTC"])  # statsmodels
        got = minvar_ratio(frame["ETH"].to_numpy(), frame["BTC"].to_numpy())
        assert got == pytest.approx(expected, abs=TOL)

    def test_error_names_values(self) -> None:
        with pytest.raises(MissingValueError, match="values_or_prices"):
            minvar_ratio([np.nan] * 5, [1.0, 2.0, 3.0, 4.0, 5.0])
        with pytest.raises(BadNumberError, match="values_or_prices"):
            minvar_ratio([[1.0, -1.0]] * 5, [1.0, 2.0, 3.0, 4.0, 5.0])


# --------------------------------------------------------------------------------------------
# hedge_effectiveness
# --------------------------------------------------------------------------------------------


class TestHedgeEffectiveness:
    @pytest.mark.parametrize("ratio", [0.0, 0.4, 1.0, 1.5])
    @pytest.mark.parametrize(("asset", "start", "end", "why"), WINDOWS[:3])
    def test_equals_numpy(self, wide: pd.DataFrame, asset: str, start: str, end: str, why: str, ratio: float) -> None:
        frame = window(wide, [asset, "BTC"], start, end)
        r = ref_returns(frame)
        ra, rb = r[asset].to_numpy(), r["BTC"].to_numpy()
        # numpy sample variances, ddof=1
        expected = 1.0 - np.var(ra - ratio * rb, ddof=1) / np.var(ra, ddof=1)
        got = hedge_effectiveness(frame[asset].to_numpy(), frame["BTC"].to_numpy(), ratio)
        assert isinstance(got, float)
        assert got == pytest.approx(expected, abs=TOL), why

    def test_at_the_beta_equals_r_squared(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["SOL", "BTC"], "2022-01-01", "2022-12-31")
        r = ref_returns(frame)
        fit = sm.OLS(r["SOL"], sm.add_constant(r["BTC"])).fit()
        # statsmodels: the slope and the R-squared of the same regression
        got = hedge_effectiveness(frame["SOL"].to_numpy(), frame["BTC"].to_numpy(), float(fit.params.iloc[1]))
        assert got == pytest.approx(float(fit.rsquared), abs=TOL)

    def test_array_of_ratios_broadcasts(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["ETH", "BTC"], "2022-01-01", "2022-12-31")
        r = ref_returns(frame)
        ratios = np.array([[0.2], [0.5], [0.8]])
        expected = [  # numpy, one ratio at a time
            1.0 - np.var(r["ETH"] - h * r["BTC"], ddof=1) / np.var(r["ETH"], ddof=1) for h in ratios.ravel()
        ]
        got = hedge_effectiveness(frame["ETH"].to_numpy(), frame["BTC"].to_numpy(), ratios)
        assert isinstance(got, np.ndarray)
        assert got.shape == (3, 1)
        np.testing.assert_allclose(got.ravel(), expected, rtol=0, atol=TOL)


# --------------------------------------------------------------------------------------------
# realized_vol
# --------------------------------------------------------------------------------------------


class TestRealizedVol:
    @pytest.mark.parametrize(("asset", "start", "end", "why"), WINDOWS)
    def test_daily_equals_pandas(self, wide: pd.DataFrame, asset: str, start: str, end: str, why: str) -> None:
        s = window(wide, [asset], start, end)[asset]
        # pandas: log returns between present rows, sample std (ddof=1), x sqrt(365)
        expected = np.log(s.dropna()).diff().std(ddof=1) * math.sqrt(365)
        got = realized_vol(s.to_numpy())
        assert isinstance(got, float)
        assert got == pytest.approx(expected, abs=TOL), why

    def test_hourly_table(self, hourly: pd.DataFrame) -> None:
        frame = hourly[hourly.index >= "2022-11-05"]  # ISO strings sort by time
        assert len(frame) == 264  # README: 264 bars per symbol in the FTX window
        expected = np.log(frame).diff().std(ddof=1).to_numpy() * math.sqrt(24 * 365)  # pandas
        got = realized_vol(frame.to_numpy(), periods_per_year=24 * 365)
        assert isinstance(got, np.ndarray)
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)

    def test_columns_drop_their_own_blanks(self, wide: pd.DataFrame) -> None:
        frame = window(wide, ["BTC", "SOL", "DOT"], "2020-07-01", "2020-12-31")
        expected = [  # pandas, each column without its blanks
            np.log(frame[c].dropna()).diff().std(ddof=1) * math.sqrt(365) for c in frame
        ]
        got = realized_vol(frame.to_numpy())
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)


# --------------------------------------------------------------------------------------------
# scenario_replay
# --------------------------------------------------------------------------------------------


class TestScenarioReplay:
    def test_design_worked_example(self) -> None:
        # DESIGN.md, "scenario: 15% correction": BTC spot 50,000 falls 15 %, altcoins 50,000
        # fall 20 %, short 20,000 -> -7,500; -10,000; spot -17,500; short +3,000; net -14,500
        out = scenario_replay(
            [50_000.0, 30_000.0, 20_000.0],
            [[100.0, 10.0, 1.0], [85.0, 8.0, 0.8]],
            [100.0, 85.0],
            20_000.0,
        )
        np.testing.assert_allclose(out[1], [-17_500.0, 3_000.0, 0.0, -14_500.0], atol=1e-9)
        assert stats.REPLAY_COLUMNS == ("unhedged_pl", "hedge_pl", "funding_cost", "hedged_pl")

    def test_ftx_week(self, daily_8: pd.DataFrame, funding: pd.DataFrame) -> None:
        closes = daily_8.loc["2022-11-07":"2022-11-14", ["BTCUSDT", "ETHUSDT", "SOLUSDT"]]
        # README reference values: BTCUSDT close 2022-11-07 / 08 / 09
        assert closes["BTCUSDT"].iloc[:3].tolist() == [20591.13, 18547.23, 15922.81]
        btc = closes["BTCUSDT"].to_numpy()
        eth = closes["ETHUSDT"].to_numpy()
        sol = closes["SOLUSDT"].to_numpy()
        notional = 20_000.0  # DESIGN.md: altcoins 50,000 x 40 %; BTC spot 50,000 is not replayed

        # Settlements stamped on UTC day D (00:00, 08:00, 16:00) fall in day D's period
        # (close of D-1, close of D], so they belong to row D; row 0's precede the hedge.
        settle = funding.assign(day=funding["funding_time_utc"].str[:10])
        in_window = settle[settle["day"].isin(closes.index)]
        assert len(in_window) == 3 * len(closes)  # 8-hourly, no gaps (README)
        per_row = in_window.groupby("day")["funding_rate"].sum().reindex(closes.index)

        out = scenario_replay(
            [30_000.0, 20_000.0],
            np.column_stack([eth, sol]),
            btc,
            notional,
            per_row.to_numpy(),
        )

        # By hand from the raw closes:
        unhedged = 30_000.0 * (eth / eth[0] - 1.0) + 20_000.0 * (sol / sol[0] - 1.0)
        hedge = -notional * (btc / btc[0] - 1.0)
        # Funding, one settlement at a time: the short (q = notional / B_0 BTC) pays
        # -q x B_row x rate (exchanges' sign: positive rate, longs pay shorts)
        qty = notional / btc[0]
        row_of_day = {day: i for i, day in enumerate(closes.index)}
        cost = np.zeros(len(closes))
        for day, rate in zip(in_window["day"], in_window["funding_rate"], strict=True):
            i = row_of_day[day]
            if i > 0:
                cost[i] += -qty * btc[i] * rate
        cum_cost = np.cumsum(cost)

        np.testing.assert_allclose(out[:, 0], unhedged, rtol=0, atol=1e-8)
        np.testing.assert_allclose(out[:, 1], hedge, rtol=0, atol=1e-8)
        np.testing.assert_allclose(out[:, 2], cum_cost, rtol=0, atol=1e-10)
        np.testing.assert_allclose(out[:, 3], unhedged + hedge - cum_cost, rtol=0, atol=1e-8)
        assert out[0].tolist() == [0.0, 0.0, 0.0, 0.0]
        # The week's rates were mostly negative (2022-11-10: -0.119 %, -0.112 %, -0.024 %), so
        # the short paid funding: a positive cost.
        assert out[-1, 2] > 0.0
        # The hedge helped: the hedged loss is smaller than the unhedged one.
        assert out[-1, 3] > out[-1, 0]

    def test_blank_rows_are_nan_not_filled(self, wide: pd.DataFrame) -> None:
        # DOT is blank after 2025-02-10 (README): those rows must be NaN, earlier ones finite
        frame = window(wide, ["ETH", "DOT", "BTC"], "2025-02-07", "2025-02-13")
        out = scenario_replay([10_000.0, 5_000.0], frame[["ETH", "DOT"]].to_numpy(), frame["BTC"].to_numpy(), 6_000.0)
        blank = frame["DOT"].isna().to_numpy()
        assert blank.tolist() == [False] * 4 + [True] * 3
        assert np.isnan(out[blank]).all()
        assert np.isfinite(out[~blank]).all()
        eth, dot = frame["ETH"].to_numpy(), frame["DOT"].to_numpy()
        expected = 10_000.0 * (eth[3] / eth[0] - 1.0) + 5_000.0 * (dot[3] / dot[0] - 1.0)
        assert out[3, 0] == pytest.approx(expected, abs=1e-9)  # by hand

    def test_funding_in_a_blank_btc_row_cannot_be_valued(self) -> None:
        btc = [100.0, np.nan, 90.0, 95.0]
        prices = [[10.0], [9.0], [8.0], [9.0]]
        with_rate = scenario_replay([1_000.0], prices, btc, 500.0, [0.0, 0.001, 0.0, 0.0])
        assert np.isnan(with_rate[1:, 2]).all()  # unknown payment: cumulative cost unknown
        no_rate = scenario_replay([1_000.0], prices, btc, 500.0, [0.0, np.nan, 0.001, 0.0])
        assert np.isnan(no_rate[1]).all()
        # by hand: q = 500 / 100 = 5 BTC short, cost -5 x 90 x 0.001 = -0.45 (received)
        assert no_rate[2, 2] == pytest.approx(-0.45, abs=1e-12)
        assert no_rate[3, 2] == pytest.approx(-0.45, abs=1e-12)

    def test_first_row_must_be_complete(self) -> None:
        with pytest.raises(MissingValueError, match="first row"):
            scenario_replay([1.0], [[np.nan], [1.0]], [1.0, 1.0], 1.0)


# --------------------------------------------------------------------------------------------
# Bad inputs: each raises the right class, and the message names the argument
# --------------------------------------------------------------------------------------------

GOOD = [100.0, 101.0, 99.0, 102.0, 98.0, 103.0]
GOOD_BTC = [50.0, 52.0, 49.0, 51.0, 48.0, 53.0]
NAN6 = [np.nan] * 6

# (case, call, error class, text the message must contain: the argument's name, or several)
BAD_INPUTS: list[tuple[str, Callable[[], object], type[Exception], str | tuple[str, ...]]] = [
    ("one price", lambda: hedge_beta([100.0], [50.0]), MissingValueError, "alt_prices"),
    ("all-NaN alt", lambda: hedge_beta(NAN6, GOOD_BTC), MissingValueError, "alt_prices"),
    ("all-NaN btc", lambda: hedge_beta(GOOD, NAN6), MissingValueError, "btc_prices"),
    (
        "too few aligned",
        lambda: hedge_beta([1.0, 2.0, np.nan, 4.0, 5.0], [1.0, np.nan, 3.0, 4.0, 5.0]),
        MissingValueError,
        "alt_prices and btc_prices",
    ),
    ("zero alt price", lambda: hedge_beta([*GOOD[:5], 0.0], GOOD_BTC), BadNumberError, "alt_prices"),
    ("negative btc price", lambda: hedge_beta(GOOD, [-1.0, *GOOD_BTC[1:]]), BadNumberError, "btc_prices"),
    ("infinite price", lambda: hedge_beta(GOOD, [np.inf, *GOOD_BTC[1:]]), BadNumberError, "btc_prices"),
    (
        "mismatched lengths",
        lambda: hedge_beta(list(range(1, 11)), list(range(1, 10))),
        WrongTypeError,
        "alt_prices has 10 rows but btc_prices has 9",
    ),
    (
        "unknown method",
        lambda: hedge_beta(GOOD, GOOD_BTC, "garch"),
        WrongTypeError,
        ("ols", "ewma", "downside", "garch"),
    ),
    ("method not text", lambda: hedge_beta(GOOD, GOOD_BTC, 3), WrongTypeError, "method"),  # type: ignore[arg-type]
    ("ewma without halflife", lambda: hedge_beta(GOOD, GOOD_BTC, "ewma"), MissingValueError, "halflife"),
    ("zero halflife", lambda: hedge_beta(GOOD, GOOD_BTC, "ewma", 0.0), BadNumberError, "halflife"),
    ("negative halflife", lambda: hedge_beta(GOOD, GOOD_BTC, "ewma", -5.0), BadNumberError, "halflife"),
    ("few stress periods", lambda: hedge_beta(GOOD, GOOD_BTC, "downside", None, -0.5), MissingValueError, "threshold"),
    ("constant btc", lambda: hedge_beta(GOOD, [7.0] * 6), BadNumberError, "btc_prices"),
    ("constant btc growth", lambda: hedge_beta(GOOD, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]), BadNumberError, "btc_prices"),
    ("weights length", lambda: hedge_beta([[1.0, 2.0]] * 6, GOOD_BTC, weights=[1.0]), WrongTypeError, "weights"),
    ("negative weight", lambda: hedge_beta([[1.0, 2.0]] * 6, GOOD_BTC, weights=[1.0, -1.0]), BadNumberError, "weights"),
    ("3-D prices", lambda: hedge_beta(np.ones((6, 1, 1)), GOOD_BTC), WrongTypeError, "alt_prices"),
    ("text price", lambda: hedge_beta(["a"] * 6, GOOD_BTC), WrongTypeError, "alt_prices"),
    ("btc as a table", lambda: hedge_beta(GOOD, [[1.0, 2.0]] * 6), WrongTypeError, "btc_prices"),
    ("betas one price", lambda: betas([[1.0]], [1.0]), MissingValueError, "btc_prices"),
    (
        "betas all-NaN column",
        lambda: betas(np.column_stack([GOOD, NAN6]), GOOD_BTC),
        MissingValueError,
        "asset_prices column 2",
    ),
    (
        "betas mismatched",
        lambda: betas(GOOD, GOOD_BTC[:5]),
        WrongTypeError,
        "asset_prices has 6 rows but btc_prices has 5",
    ),
    ("correl constant alt", lambda: hedge_correl([3.0] * 6, GOOD_BTC), BadNumberError, "alt_prices"),
    ("correl zero price", lambda: hedge_correl([0.0] * 6, GOOD_BTC), BadNumberError, "alt_prices"),
    ("effectiveness constant alt", lambda: hedge_effectiveness([3.0] * 6, GOOD_BTC, 0.5), BadNumberError, "alt_prices"),
    (
        "effectiveness blank ratio",
        lambda: hedge_effectiveness(GOOD, GOOD_BTC, np.nan),
        MissingValueError,
        "hedge_ratio",
    ),
    ("effectiveness all-NaN", lambda: hedge_effectiveness(NAN6, GOOD_BTC, 0.5), MissingValueError, "alt_prices"),
    ("vol one price", lambda: realized_vol([100.0]), MissingValueError, "prices"),
    ("vol two prices", lambda: realized_vol([100.0, 101.0]), MissingValueError, "prices"),
    ("vol all-NaN", lambda: realized_vol(NAN6), MissingValueError, "prices"),
    ("vol zero price", lambda: realized_vol([1.0, 0.0, 2.0]), BadNumberError, "prices"),
    ("vol zero periods", lambda: realized_vol(GOOD, 0), BadNumberError, "periods_per_year"),
    ("returns one price", lambda: simple_returns([100.0]), MissingValueError, "prices"),
    ("returns negative", lambda: simple_returns([100.0, -1.0]), BadNumberError, "prices"),
    ("replay one row", lambda: scenario_replay([1.0], [[1.0]], [1.0], 1.0), MissingValueError, "2"),
    (
        "replay holdings count",
        lambda: scenario_replay([1.0, 2.0], [[1.0]] * 3, [1.0] * 3, 1.0),
        WrongTypeError,
        "holdings_values has 2 values but asset_prices has 1",
    ),
    (
        "replay lengths",
        lambda: scenario_replay([1.0], [[1.0]] * 3, [1.0] * 4, 1.0),
        WrongTypeError,
        "asset_prices has 3 rows but btc_prices has 4",
    ),
    (
        "replay funding length",
        lambda: scenario_replay([1.0], [[1.0]] * 3, [1.0] * 3, 1.0, [0.0]),
        WrongTypeError,
        "funding_rates has 1 row but btc_prices has 3",
    ),
    (
        "replay negative notional",
        lambda: scenario_replay([1.0], [[1.0]] * 3, [1.0] * 3, -5.0),
        BadNumberError,
        "hedge_notional",
    ),
    (
        "replay blank holding",
        lambda: scenario_replay([np.nan], [[1.0]] * 3, [1.0] * 3, 1.0),
        MissingValueError,
        "holdings_values",
    ),
    (
        "replay zero price",
        lambda: scenario_replay([1.0], [[1.0]] * 3, [1.0, 0.0, 1.0], 1.0),
        BadNumberError,
        "btc_prices",
    ),
]


@pytest.mark.parametrize(("case", "call", "error", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_inputs(
    case: str, call: Callable[[], object], error: type[Exception], message: str | tuple[str, ...]
) -> None:
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error
    for text in (message,) if isinstance(message, str) else message:
        assert text in str(info.value)


def test_error_classes_map_to_excel() -> None:
    # althedge_xl.core.errors: all are ValueErrors and carry the Excel code
    for cls, code in [(WrongTypeError, "#VALUE!"), (BadNumberError, "#NUM!"), (MissingValueError, "#N/A")]:
        assert issubclass(cls, AltHedgeInputError)
        assert issubclass(cls, ValueError)
        assert cls.excel_code == code


# --------------------------------------------------------------------------------------------
# Inputs are never modified; never anything but a finite result or AltHedgeInputError
# --------------------------------------------------------------------------------------------


def _frozen(arr: np.ndarray) -> np.ndarray:
    out = np.array(arr, dtype=float)
    out.flags.writeable = False  # any write inside the function would raise
    return out


def test_inputs_not_modified(wide: pd.DataFrame) -> None:
    frame = window(wide, ["ETH", "SOL", "BTC"], "2020-07-01", "2020-12-31")
    alt = _frozen(frame[["ETH", "SOL"]].to_numpy())
    btc = _frozen(frame["BTC"].to_numpy())
    rates = _frozen(np.full(len(frame), 1e-4))
    ratios = _frozen(np.array([0.3, 0.6]))
    copies = [alt.copy(), btc.copy(), rates.copy(), ratios.copy()]
    simple_returns(alt)
    hedge_beta(alt, btc, "ewma", 10.0, None, _frozen(np.array([1.0, 2.0])))
    betas(alt, btc, "downside", None, -0.01)
    hedge_correl(alt, btc)
    minvar_ratio(alt, btc)
    hedge_effectiveness(alt[:, 0], btc, ratios)
    realized_vol(alt)
    scenario_replay(_frozen(np.array([1.0, 2.0])), alt[45:], btc[45:], 3.0, rates[45:])
    for before, after in zip(copies, [alt, btc, rates, ratios], strict=True):
        np.testing.assert_array_equal(before, after)


_GOOD_PRICE = st.floats(min_value=1e-3, max_value=1e6)
_ODD_VALUE = st.one_of(
    st.sampled_from([np.nan, np.nan, np.nan, 0.0, -1.0, np.inf, -np.inf, 1e-300, 1e300, 5e-324]),
    st.floats(allow_nan=True, allow_infinity=True),
)
_PRICE = st.one_of(_GOOD_PRICE, _GOOD_PRICE, _GOOD_PRICE, _ODD_VALUE)


def _spoil(draw: st.DrawFn, arr: np.ndarray) -> np.ndarray:
    """Overwrite a few cells of a valid array with blanks or impossible values."""
    if arr.size:
        for flat in draw(st.lists(st.integers(0, arr.size - 1), max_size=3)):
            arr.flat[flat] = draw(_ODD_VALUE)
    return arr


@st.composite
def _panel(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Mostly valid prices (so the happy path is exercised too), with a few spoiled cells."""
    n = draw(st.integers(min_value=0, max_value=12))
    k = draw(st.integers(min_value=1, max_value=3))
    alt = _spoil(draw, draw(hnp.arrays(np.float64, (n, k), elements=_GOOD_PRICE)))
    btc = _spoil(draw, draw(hnp.arrays(np.float64, (n,), elements=_GOOD_PRICE)))
    return alt, btc


def _check_finite(result: object) -> None:
    if isinstance(result, float):
        assert math.isfinite(result)
    else:
        assert isinstance(result, np.ndarray)
        assert np.isfinite(result).all()


_HYP = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.filterwarnings("error")  # no numpy RuntimeWarning may leak either
@_HYP
@given(
    panel=_panel(),
    method=st.sampled_from(["ols", "ewma", "downside"]),
    halflife=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    threshold=st.one_of(st.none(), st.floats(min_value=-2.0, max_value=2.0)),
    ratio=st.floats(allow_nan=True, allow_infinity=True),
)
def test_never_crashes_two_series(
    panel: tuple[np.ndarray, np.ndarray],
    method: str,
    halflife: float | None,
    threshold: float | None,
    ratio: float,
) -> None:
    alt, btc = panel
    alt_before, btc_before = alt.copy(), btc.copy()
    calls: list[Callable[[], object]] = [
        lambda: hedge_beta(alt, btc, method, halflife, threshold),
        lambda: hedge_beta(alt[:, 0], btc, method, halflife, threshold),
        lambda: betas(alt, btc, method, halflife, threshold),
        lambda: hedge_correl(alt, btc, "downside" if method == "downside" else "pearson", threshold),
        lambda: minvar_ratio(alt, btc),
        lambda: hedge_effectiveness(alt, btc, ratio),
    ]
    for call in calls:
        try:
            result = call()
        except AltHedgeInputError:
            continue
        _check_finite(result)
        if method != "downside" and call is calls[3]:
            assert -1.0 <= float(result) <= 1.0  # type: ignore[arg-type]
    np.testing.assert_array_equal(alt, alt_before)
    np.testing.assert_array_equal(btc, btc_before)


@pytest.mark.filterwarnings("error")
@_HYP
@given(panel=_panel(), ppy=st.floats(allow_nan=True, allow_infinity=True))
def test_never_crashes_one_series(panel: tuple[np.ndarray, np.ndarray], ppy: float) -> None:
    alt, btc = panel
    alt_before = alt.copy()
    with contextlib.suppress(AltHedgeInputError):
        _check_finite(realized_vol(alt, ppy))
    with contextlib.suppress(AltHedgeInputError):
        _check_finite(realized_vol(btc))
    try:
        r = simple_returns(alt)
        assert r.shape == (alt.shape[0] - 1, alt.shape[1])
        assert not np.isinf(r).any()
    except AltHedgeInputError:
        pass
    np.testing.assert_array_equal(alt, alt_before)


@pytest.mark.filterwarnings("error")
@_HYP
@given(
    panel=_panel(),
    values=hnp.arrays(np.float64, (3,), elements=_PRICE),
    notional=_PRICE,
    rates=st.one_of(
        st.none(), hnp.arrays(np.float64, (10,), elements=st.one_of(st.just(np.nan), st.floats(-0.01, 0.01)))
    ),
)
def test_never_crashes_replay(
    panel: tuple[np.ndarray, np.ndarray],
    values: np.ndarray,
    notional: float,
    rates: np.ndarray | None,
) -> None:
    alt, btc = panel
    n, k = alt.shape
    vals = values[:k]
    fr = None if rates is None else rates[:n]
    before = [alt.copy(), btc.copy(), vals.copy()]
    try:
        out = scenario_replay(vals, alt, btc, notional, fr)
    except AltHedgeInputError:
        pass
    else:
        assert out.shape == (n, 4)
        assert out[0].tolist() == [0.0, 0.0, 0.0, 0.0]
        assert not np.isinf(out).any()
        complete = np.isfinite(alt).all(axis=1) & np.isfinite(btc)
        assert np.isnan(out[~complete]).all()
        assert np.isfinite(out[complete, :2]).all()
    for b, a in zip(before, [alt, btc, vals], strict=True):
        np.testing.assert_array_equal(a, b)


def test_docstring_examples() -> None:
    # the narrated examples in the docstrings are worked by hand there; run them as doctests
    for module in (returns, regression, hedge_variance, replay):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0, module.__name__
        assert result.failed == 0, module.__name__
