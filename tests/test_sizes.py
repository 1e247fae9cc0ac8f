"""Memory bounded by the inputs and the output; results too large for a sheet refused at once (issue 20, part 3).

The moment and rolling-window formulas are checked against the direct numpy computation on the
real closes of ../shared/data (read in place); memory is measured with ``tracemalloc``, which
counts numpy's arrays. No test measures time: the benchmark ``benchmarks/bench_sizes.py`` does.
"""

from __future__ import annotations

import csv
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from althedge_xl import udfs
from althedge_xl.core import limits, scenario
from althedge_xl.core.backtest.rules import Market, RuleSettings, ratio_path
from althedge_xl.core.stats import correls, hedge_correl, hedge_effectiveness, scenario_replay
from althedge_xl.core.stats.rolling import window_slopes, window_variance
from althedge_xl.core.stats.signals import trailing_vol
from althedge_xl.excel.errors import ExcelError

MB = 2**20


@pytest.fixture(scope="module")
def closes(data_dir: Path) -> dict[str, np.ndarray]:
    """Every column of daily_close_wide.csv, NaN where blank (before a coin's listing)."""
    with open(data_dir / "prices" / "daily_close_wide.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) if r[k] else np.nan for r in rows]) for k in rows[0] if k != "date"}


def traced_peak(call: Callable[[], Any]) -> tuple[Any, int]:
    """What ``call()`` returns and the peak of the memory it allocated (numpy included), in bytes."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = call()
        return result, tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def paired(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Simple returns of the rows where both are present (the alignment rule, written out)."""
    keep = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[keep], b[keep]
    return a[1:] / a[:-1] - 1.0, b[1:] / b[:-1] - 1.0


def assert_refused(result: Any, *limit: str) -> None:
    assert isinstance(result, ExcelError), result
    assert result.code == "#NUM!", result
    for text in limit:
        assert text in result.reason, result


# --------------------------------------------------------------------------------------------
# Results larger than a sheet or the cell budget: refused before computing, naming the limit
# --------------------------------------------------------------------------------------------


def test_the_limits_are_excel_s_sheet_and_ten_million_cells():
    # Excel's specifications and limits: 1,048,576 rows by 16,384 columns per worksheet.
    assert (limits.SHEET_ROWS, limits.SHEET_COLUMNS, limits.CELL_BUDGET) == (1_048_576, 16_384, 10_000_000)


def test_stress_grid_of_the_issue_is_refused_at_once_without_allocating():
    # 20,000 BTC moves x 10,000 relative moves: 200 million cells (the issue's 8 GB case).
    rows = [[float(x)] for x in np.linspace(-0.5, 0.5, 20_000)]
    cols = [list(np.linspace(-0.2, 0.2, 10_000))]
    result, peak = traced_peak(lambda: udfs.STRESS_GRID(50_000, 50_000, 20_000, rows, cols))
    assert_refused(result, "20,000 rows × 10,000 columns", "10,000,000 cells")
    assert peak < 5 * MB  # the inputs' arrays only, never the grid (1.6 GB of float64)


@pytest.mark.parametrize(
    ("btc_moves", "relative_moves", "limit"),
    [
        ([[0.0]] * (limits.SHEET_ROWS + 1), [[0.0]], "1,048,576 rows of an Excel sheet"),
        ([[0.0]], [[0.0] * (limits.SHEET_COLUMNS + 1)], "16,384 columns of an Excel sheet"),
        ([[0.0]] * 5_000, [[0.0] * 2_001], "limit of 10,000,000 cells"),  # fits a sheet, over the budget
    ],
)
def test_stress_grid_beyond_a_limit_is_refused(btc_moves, relative_moves, limit):
    assert_refused(udfs.STRESS_GRID(50_000, 50_000, 20_000, btc_moves, relative_moves), limit)


def test_stress_grid_at_the_limit_still_answers():
    grid = scenario.stress_grid(1.0, 1.0, 1.0, np.zeros(limits.SHEET_ROWS), [0.0, 0.1])
    assert grid.shape == (limits.SHEET_ROWS, 2)


def test_ranges_that_broadcast_beyond_the_sheet_are_refused_at_once():
    # A column of 100,000 notionals against a row of 100,000 leverages: 10^10 cells, 74.5 GiB.
    column = [[20_000.0]] * 100_000
    row = [[20.0] * 100_000]
    result, peak = traced_peak(lambda: udfs.HEDGE_MARGIN(column, row))
    assert_refused(result, "100,000 rows × 100,000 columns", "16,384 columns of an Excel sheet")
    assert peak < 10 * MB


def test_a_broadcast_within_the_limits_still_answers():
    table = udfs.HEDGE_MARGIN([[20_000.0], [10_000.0]], [[10.0, 20.0]])
    assert table == [[2_000.0, 1_000.0], [1_000.0, 500.0]]  # notional / leverage, by hand


def test_scenario_table_longer_than_a_sheet_is_refused():
    values = [[1_000.0]] * limits.SHEET_ROWS  # + a header and three summary rows
    result = udfs.SCENARIO_TABLE(values, -0.1, 0, -0.1)
    assert_refused(result, "1,048,580 rows", "1,048,576 rows of an Excel sheet")


def test_replay_longer_than_a_sheet_is_refused():
    prices = np.full(limits.SHEET_ROWS + 1, 100.0)
    with pytest.raises(limits.ResultTooLargeError, match=r"1,048,577 rows .* 1,048,576 rows of an Excel sheet"):
        scenario_replay([1_000.0], prices, prices, 500.0)


def test_backtest_equity_table_over_the_cell_budget_is_refused():
    # 1,000,000 days x (date + 11 rules) = 12 million cells, although each range fits a sheet.
    days = [[45_000.0 + i] for i in range(1_000_000)]
    prices = [[100.0]] * 1_000_000
    rules = "flat10, flat20, flat30, flat40, flat50, flat60, flat70, flat80, flat90, flat100"
    result = udfs.BACKTEST(days, prices, prices, 1_000, 0, None, None, rules, 0.1, 0, "daily", None, "equity")
    assert_refused(result, "1,000,001 rows × 12 columns", "limit of 10,000,000 cells")


def test_running_out_of_memory_names_the_cause(monkeypatch):
    def exhausted(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError  # as Python raises it: no message at all

    monkeypatch.setattr(scenario, "stress_grid", exhausted)
    result = udfs.STRESS_GRID(50_000, 50_000, 20_000, -0.15, 0.0)
    assert_refused(result, "not enough memory")


# --------------------------------------------------------------------------------------------
# HEDGE_EFFECTIVENESS from the moments: the direct formula's numbers, O(n + m) memory
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("coin", ["ETH", "SOL", "DOGE"])
def test_effectiveness_equals_the_direct_variance_on_real_closes(closes, coin):
    r_alt, r_btc = paired(closes[coin], closes["BTC"])
    beta = np.cov(r_alt, r_btc)[0, 1] / np.var(r_btc, ddof=1)
    ratios = np.array([0.0, 0.4, 1.0, 3.0, beta, beta * (1 + 1e-9)])  # the optimum, where digits cancel
    got = hedge_effectiveness(closes[coin], closes["BTC"], ratios)
    for h, value in zip(ratios, got, strict=True):
        direct = np.var(r_alt - h * r_btc, ddof=1) / np.var(r_alt, ddof=1)  # 1 - effectiveness
        assert 1.0 - value == pytest.approx(direct, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("coin", ["ETH", "SOL", "DOGE"])
def test_no_hedge_removes_exactly_nothing(closes, coin):
    # var(r_alt - 0 * r_btc) / var(r_alt) is 1 by definition: effectiveness 0, not a rounding of it below 0.
    assert hedge_effectiveness(closes[coin], closes["BTC"], 0.0) == 0.0


def test_effectiveness_of_many_ratios_allocates_no_returns_by_ratios_matrix(closes):
    ratios = np.linspace(0.0, 3.0, 5_000)  # with ~2,240 returns: 90 MB as residuals
    got, peak = traced_peak(lambda: hedge_effectiveness(closes["ETH"], closes["BTC"], ratios))
    assert got.shape == ratios.shape
    assert peak < 2 * MB  # the returns (~18 KB each) and a few arrays of the ratios (40 KB each)


# --------------------------------------------------------------------------------------------
# Trailing windows in O(n): the direct numbers, memory independent of the window
# --------------------------------------------------------------------------------------------


def sliding(values: np.ndarray, window: int) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(values, window)


@pytest.mark.parametrize("coin", ["BTC", "SOL", "DOGE"])
@pytest.mark.parametrize("window", [2, 7, 30, 365, 2_000])
def test_trailing_vol_equals_the_direct_standard_deviation(closes, coin, window):
    prices = closes[coin]  # SOL is blank before its listing: those windows are blank
    direct = np.full(prices.size, np.nan)
    direct[window:] = sliding(np.diff(np.log(prices)), window).std(axis=1, ddof=1) * np.sqrt(365)
    got = trailing_vol(prices, window)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(direct))
    np.testing.assert_allclose(got, direct, rtol=1e-12, atol=0)


@pytest.mark.parametrize("window", [2, 30, 90, 1_000])
def test_window_slopes_equal_the_direct_regression(closes, window):
    alts = np.column_stack([closes["ETH"], closes["SOL"], closes["LINK"]])
    y = alts[1:] / alts[:-1] - 1.0
    x = closes["BTC"][1:] / closes["BTC"][:-1] - 1.0
    xs = sliding(x, window)
    xc = xs - xs.mean(axis=1, keepdims=True)
    direct = np.column_stack(
        [
            np.sum(xc * (sliding(y[:, j], window) - sliding(y[:, j], window).mean(axis=1, keepdims=True)), axis=1)
            / np.sum(xc * xc, axis=1)
            for j in range(y.shape[1])
        ]
    )
    got = window_slopes(y, x, window)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(direct))
    np.testing.assert_allclose(got, direct, rtol=1e-12, atol=0)


def test_window_variance_of_nearly_equal_values_far_from_zero():
    # Where S2 - S1^2/w would cancel every digit: the direct two-pass variance is kept.
    values = 1e6 + np.array([0.0, 1e-4, 3e-4, 2e-4, 5e-4, 1e-4])
    np.testing.assert_allclose(window_variance(values, 3), sliding(values, 3).var(axis=1, ddof=1), rtol=1e-12)


def test_trailing_vol_memory_does_not_grow_with_the_window():
    prices = 100.0 * np.exp(np.cumsum(np.random.default_rng(7).normal(0.0, 0.03, 10_000)))
    _, peak = traced_peak(lambda: trailing_vol(prices, 4_000))
    assert peak < 2 * MB  # O(n): ~10 arrays of 80 KB; window by window it would be 6,000 x 4,000 x 8 = 192 MB


def test_hedge_signals_memory_does_not_grow_with_the_window():
    rng = np.random.default_rng(8)
    btc = [[float(p)] for p in 30_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.03, 10_000)))]
    alt = [[float(p)] for p in 10.0 * np.exp(np.cumsum(rng.normal(0.0, 0.04, 10_000)))]
    funding = [[0.0003]] * 10_000
    rows, peak = traced_peak(lambda: udfs.HEDGE_SIGNALS(btc, alt, 1, funding, 50, None, 5_000))
    assert len(rows) == 5
    assert peak < 8 * MB  # the inputs' arrays and O(n) sums; window by window 5,000 x 5,000 x 8 = 200 MB


def test_regression_rules_memory_does_not_grow_with_the_window():
    rng = np.random.default_rng(9)
    btc = 30_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.03, 4_000)))
    alts = 10.0 * np.exp(np.cumsum(rng.normal(0.0, 0.04, (4_000, 3)), axis=0))
    market = Market(btc, alts, np.ones(3), None)
    path, peak = traced_peak(lambda: ratio_path("beta", market, RuleSettings(regression_window=2_000)))
    assert path.shape == (4_000,)
    assert peak < 4 * MB  # window by window: 2,000 x 2,000 x 8 = 32 MB per array


# --------------------------------------------------------------------------------------------
# HEDGE_BETA_TABLE: every column's correlation in one pass, as HEDGE_CORREL gives it
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "threshold"), [("pearson", None), ("downside", -0.03)])
def test_correls_equal_hedge_correl_column_by_column(closes, method, threshold):
    names = [k for k in closes if k != "BTC"]  # late listings: columns of different blank patterns
    panel = np.column_stack([closes[k] for k in names])
    got = correls(panel, closes["BTC"], method, threshold)
    for j, name in enumerate(names):
        # the same operations column by column: equal to the bit, so HEDGE_BETA_TABLE and HEDGE_CORREL agree
        assert got[j] == hedge_correl(closes[name], closes["BTC"], method, threshold), name


def test_beta_table_correlation_is_the_direct_one(closes):
    r_alt, r_btc = paired(closes["ETH"], closes["BTC"])
    table = udfs.HEDGE_BETA_TABLE(closes["ETH"][:, None].tolist(), closes["BTC"][:, None].tolist())
    assert table[0][1] == pytest.approx(np.corrcoef(r_alt, r_btc)[0, 1], rel=1e-12)
    assert table[0][0] == pytest.approx(np.cov(r_alt, r_btc)[0, 1] / np.var(r_btc, ddof=1), rel=1e-12)


# --------------------------------------------------------------------------------------------
# The spike functions over a whole range: each cell as DESIGN.md's Binance formula gives it
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def brackets(data_dir: Path) -> list[list[float]]:
    """Binance's BTCUSDT brackets of 2026-03-05 (floor, cap, rate, cum, max leverage), read in place."""
    with open(data_dir / "margin" / "binance_usdm_leverage_brackets_2026-03-05.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["symbol"] == "BTCUSDT"]
    columns = ("notional_floor", "notional_cap", "maint_margin_ratio", "cum", "initial_leverage")
    return [[float(r[c]) for c in columns] for r in rows]


def test_spike_functions_over_a_range_follow_the_binance_formula_cell_by_cell(brackets):
    rng = np.random.default_rng(11)
    notional = rng.uniform(1_000.0, 5_000_000.0, 20_000)
    entry = rng.uniform(20_000.0, 150_000.0, 20_000)
    rise = rng.uniform(0.01, 2.0, 20_000)
    got = udfs.HEDGE_SPIKE_COLLATERAL(
        notional[:, None].tolist(), entry[:, None].tolist(), rise[:, None].tolist(), "linear", "binance", brackets
    )
    survived = udfs.HEDGE_SPIKE_SURVIVED(
        got, notional[:, None].tolist(), entry[:, None].tolist(), "linear", "binance", brackets
    )
    for i in range(0, 20_000, 97):
        q, lp = notional[i] / entry[i], entry[i] * (1.0 + rise[i])
        # DESIGN.md: the bracket is the one the notional at LP falls in; WB = Q·LP·(1 + MMR) − cum − Q·EP
        _, _, mmr, cum, _ = next(b for b in brackets if b[0] < q * lp <= b[1])
        wallet = q * lp * (1 + mmr) - cum - q * entry[i]
        assert got[i][0] == pytest.approx(wallet, rel=1e-12)
        # short LP = (WB + cum + Q·EP) / (Q·(1 + MMR)) in the bracket that holds Q·LP: the rise back
        prices = [(wallet + b[3] + q * entry[i]) / (q * (1 + b[2])) for b in brackets]
        held = min(p for p, b in zip(prices, brackets, strict=True) if b[0] < q * p <= b[1])
        assert survived[i][0] == pytest.approx(held / entry[i] - 1.0, rel=1e-12)
        assert survived[i][0] == pytest.approx(rise[i], rel=1e-9)
