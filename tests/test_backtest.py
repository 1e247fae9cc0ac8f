"""The analytics through Excel's eyes: the stats UDFs, and the template's History and Backtest sheets.

Expected values are computed in the test from the raw market history in ../shared/data with
statsmodels, numpy or by hand, never taken from the code under test.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm

from althedge_xl import udfs
from althedge_xl.excel.errors import ExcelError
from althedge_xl.headless.engine import compute

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook" / "AltHedge.xlsm"


@pytest.fixture(scope="module")
def as_of(data_dir):
    """The template's sample date: the day of the recorded premiumIndex response (2025-06-17), History's last day."""
    import datetime as dt
    import json

    contracts = json.loads((data_dir / "wire_samples" / "binance_usdm_fapi_v1_premiumIndex.json").read_text())
    moment = next(c["time"] for c in contracts if c["symbol"] == "BTCUSDT")
    return dt.datetime.fromtimestamp(moment / 1000, dt.timezone.utc).strftime("%Y-%m-%d")


@pytest.fixture(scope="module")
def closes(data_dir, as_of):
    """The daily closes up to the template's sample date, the days History holds."""
    with open(data_dir / "prices" / "daily_close_wide.csv", newline="") as f:
        return {r["date"]: r for r in csv.DictReader(f) if r["date"] <= as_of}


@pytest.fixture(scope="module")
def funding(data_dir):
    with open(data_dir / "funding" / "binance_usdm_btcusdt_funding_8h.csv", newline="") as f:
        return [(r["funding_time_utc"], float(r["funding_rate"])) for r in csv.DictReader(f)]


@pytest.fixture(scope="module")
def computed():
    return compute(TEMPLATE)


def _column(closes, asset, dates):
    return [[float(closes[d][asset])] if closes[d][asset] else [None] for d in dates]


def _ols_slope(y, x):
    return sm.OLS(np.asarray(y), sm.add_constant(np.asarray(x))).fit().params[1]


class TestStatsUdfs:
    def test_beta_with_blanks_equals_statsmodels(self, closes):
        # SOL was listed on 2020-08-11: the first rows are blank and are dropped with their BTC rows.
        dates = sorted(d for d in closes if "2020-07-20" <= d <= "2020-12-31")
        sol, btc = _column(closes, "SOL", dates), _column(closes, "BTC", dates)
        kept = [(s[0], b[0]) for s, b in zip(sol, btc, strict=True) if s[0] is not None]
        s, b = np.array(kept).T
        expected = _ols_slope(s[1:] / s[:-1] - 1, b[1:] / b[:-1] - 1)
        assert udfs.HEDGE_BETA(sol, btc) == pytest.approx(expected, abs=1e-10)

    def test_correlation_equals_numpy(self, closes):
        dates = sorted(d for d in closes if d.startswith("2022"))
        eth, btc = (np.array([closes[d][a] for d in dates], dtype=float) for a in ("ETH", "BTC"))
        expected = np.corrcoef(eth[1:] / eth[:-1] - 1, btc[1:] / btc[:-1] - 1)[0, 1]
        assert udfs.HEDGE_CORREL(_column(closes, "ETH", dates), _column(closes, "BTC", dates)) == pytest.approx(
            expected, abs=1e-12
        )

    @pytest.mark.parametrize(
        ("alt", "code", "text"),
        [
            ([[100.0], ["n/a"], [102.0], [103.0], [104.0]], "#VALUE!", 'alt_prices (row 2, column 1) is text ("n/a")'),
            ([[100.0]], "#N/A", None),
            ([[None], [None], [None], [None], [None]], "#N/A", None),
            ([[100.0], [0.0], [102.0], [103.0], [104.0]], "#NUM!", None),
        ],
    )
    def test_bad_price_columns(self, alt, code, text):
        btc = [[30_000.0], [30_500.0], [29_900.0], [31_000.0], [30_200.0]][: len(alt)]
        result = udfs.HEDGE_BETA(alt, btc)
        assert isinstance(result, ExcelError) and result.code == code, result
        if text:
            assert text in result

    def test_mismatched_lengths(self):
        result = udfs.HEDGE_BETA([[1.0], [2.0], [3.0], [4.0]], [[1.0], [2.0], [3.0]])
        assert isinstance(result, ExcelError) and result.code in ("#VALUE!", "#N/A")
        assert "rows" in result


class TestBacktestSheet:
    def test_measured_beta_equals_statsmodels_on_the_last_year(self, computed, closes):
        dates = sorted(closes)[-366:]  # the Backtest's window: the last 365 daily returns
        btc, eth, sol, avax = (
            np.array([closes[d][a] for d in dates], dtype=float) for a in ("BTC", "ETH", "SOL", "AVAX")
        )
        r_btc, r_eth, r_sol, r_avax = (x[1:] / x[:-1] - 1 for x in (btc, eth, sol, avax))
        for row, r in ((5, r_eth), (6, r_sol), (7, r_avax)):
            assert computed.value("Backtest", f"B{row}") == pytest.approx(_ols_slope(r, r_btc), abs=1e-10)
            assert computed.value("Backtest", f"C{row}") == pytest.approx(np.corrcoef(r, r_btc)[0, 1], abs=1e-10)
        basket = 0.5 * r_eth + 0.5 * r_sol  # the equal-weight basket, regressed as a basket here
        assert computed.value("Backtest", "B8") == pytest.approx(_ols_slope(basket, r_btc), abs=1e-10)

    def test_stress_measures_over_all_history(self, computed, closes):
        dates = sorted(d for d in closes if d >= "2021-01-01")  # the whole History sheet
        btc, eth = (np.array([closes[d][a] for d in dates], dtype=float) for a in ("BTC", "ETH"))
        r_btc, r_eth = btc[1:] / btc[:-1] - 1, eth[1:] / eth[:-1] - 1
        stress = r_btc < -0.05
        assert computed.value("Backtest", "B9") == stress.sum()
        assert computed.value("Backtest", "D5") == pytest.approx(_ols_slope(r_eth[stress], r_btc[stress]), abs=1e-10)
        assert computed.value("Backtest", "E5") == pytest.approx(
            np.corrcoef(r_eth[stress], r_btc[stress])[0, 1], abs=1e-10
        )

    def test_minimum_variance_ratio_of_the_altcoins_as_held(self, computed, closes):
        # h* = cov(ΔV/V, ΔF/F) / var(ΔF/F) for the template's 18,000 ETH + 12,000 SOL + 20,000 small
        # caps (as AVAX) bought and held over the last year.
        dates = sorted(closes)[-366:]
        btc, eth, sol, avax = (
            np.array([closes[d][a] for d in dates], dtype=float) for a in ("BTC", "ETH", "SOL", "AVAX")
        )
        value = 18_000 * eth / eth[0] + 12_000 * sol / sol[0] + 20_000 * avax / avax[0]
        expected = _ols_slope(value[1:] / value[:-1] - 1, btc[1:] / btc[:-1] - 1)
        assert computed.named("MINVAR_RATIO") == pytest.approx(expected, abs=1e-10)
        assert computed.value("HedgeRatio", "D11") == pytest.approx(expected * 50_000, rel=1e-12)

    def test_ftx_replay_by_hand(self, computed, closes, funding):
        # The FTX week, 7–14 Nov 2022, with the template's portfolio: BTC 50,000, ETH 18,000,
        # SOL 12,000, small caps 20,000 (as AVAX), and the template's 20,000 short.
        days = sorted(d for d in closes if "2022-11-07" <= d <= "2022-11-14")
        first, last = closes[days[0]], closes[days[-1]]
        holdings = {"BTC": 50_000, "ETH": 18_000, "SOL": 12_000, "AVAX": 20_000}
        unhedged = sum(v * (float(last[a]) / float(first[a]) - 1) for a, v in holdings.items())
        b0, b_end = float(first["BTC"]), float(last["BTC"])
        hedge = -20_000 * (b_end / b0 - 1)
        quantity = 20_000 / b0
        # Settlements after the first close, each valued at its day's BTC close; a short pays
        # when the rate is negative: cost = −quantity × price × rate.
        cost = sum(
            -quantity * float(closes[time[:10]]["BTC"]) * rate
            for time, rate in funding
            if days[1] <= time[:10] <= days[-1]
        )
        summary = [computed.value("Backtest", f"{c}18") for c in "BCDEF"]
        assert computed.value("Backtest", "A18") == "FTX week, Nov 2022"
        assert summary[0] == pytest.approx(unhedged, abs=1e-6)
        assert summary[1] == pytest.approx(hedge, abs=1e-6)
        assert summary[2] == pytest.approx(cost, abs=1e-6)
        assert summary[3] == pytest.approx(unhedged + hedge - cost, abs=1e-6)
        assert summary[4] == len(days) - 1
        assert unhedged < summary[3] < 0  # the hedge softened, not erased, the loss

    def test_history_sheet_holds_real_closes(self, computed, closes):
        # The long block: every day since 2021; the recent block: the last 366 days of the data.
        assert computed.value("History", "H5") == "2021-01-01"
        assert computed.value("History", "I5") == float(closes["2021-01-01"]["BTC"])
        ftx = next(r for r in range(5, 2000) if computed.value("History", f"H{r}") == "2022-11-09")
        assert computed.value("History", f"I{ftx}") == 15_922.81  # the data README's reference close
        last_year = sorted(closes)[-366:]
        assert [computed.value("History", f"A{5 + i}") for i in (0, 365)] == [last_year[0], last_year[-1]]
        assert computed.value("History", "C370") == float(closes[last_year[-1]]["ETH"])


class TestHedgeRatioSignals:
    """The signals block and the volatility row, recomputed with pandas from the CSVs."""

    def test_signal_values(self, computed, closes, data_dir, as_of):
        import pandas as pd

        dates = sorted(closes)[-366:]  # History's recent block
        frame = pd.DataFrame({a: [float(closes[d][a]) for d in dates] for a in ("BTC", "ETH", "SOL", "AVAX")})
        vol = np.log(frame["BTC"]).diff().iloc[-30:].std() * np.sqrt(365)
        assert computed.value("HedgeRatio", "E22") == pytest.approx(vol, rel=1e-10)
        held = np.array([18_000, 12_000, 20_000]) / 50_000  # the altcoins' value shares
        basket = (frame[["ETH", "SOL", "AVAX"]].iloc[-1] / frame[["ETH", "SOL", "AVAX"]].iloc[-31]).to_numpy() @ held
        rally = basket - frame["BTC"].iloc[-1] / frame["BTC"].iloc[-31]
        assert computed.value("HedgeRatio", "E21") == pytest.approx(rally, rel=1e-10)
        rates = pd.read_csv(data_dir / "funding" / "binance_usdm_btcusdt_funding_8h.csv")
        daily = rates.groupby(rates["funding_time_utc"].str[:10])["funding_rate"].sum()
        in_history = daily[(daily.index >= "2021-01-01") & (daily.index <= as_of)]
        assert computed.value("HedgeRatio", "E23") == pytest.approx(in_history.iloc[-30:].mean() * 365, rel=1e-9)
        index = pd.read_csv(data_dir / "sentiment" / "fear_greed_daily.csv")
        assert computed.value("HedgeRatio", "E24") == index.loc[index["date"] == as_of, "value"].item()

    def test_words_follow_the_thresholds(self, computed):
        says = {"scale up": 1, "hold": 0, "scale down": -1}
        votes = []
        for row, high in ((21, True), (22, True), (23, True), (24, False)):
            value = computed.value("HedgeRatio", f"E{row}")
            down, up = (computed.value("HedgeRatio", f"{c}{row}") for c in "BC")
            if high:
                expected = 1 if value > up else -1 if down is not None and value < down else 0
            else:
                expected = 1 if value <= up else -1 if value >= down else 0
            assert says[computed.value("HedgeRatio", f"D{row}")] == expected, row
            votes.append(expected)
        score = sum(votes)
        assert computed.value("HedgeRatio", "E25") == score
        assert computed.value("HedgeRatio", "D25") == (
            "scale up" if score > 0 else "scale down" if score < 0 else "hold"
        )
        assert computed.value("HedgeRatio", "F25")  # the reason, in words

    def test_volatility_row(self, computed):
        vol = computed.value("HedgeRatio", "E22")
        # the default edges, by np.interp: 30/40/55/70/85 % → 10/20/30/50/75 %
        expected = np.interp(vol, [0.30, 0.40, 0.55, 0.70, 0.85], [0.10, 0.20, 0.30, 0.50, 0.75])
        assert computed.named("VOL_RATIO") == pytest.approx(expected, abs=1e-12)
        assert computed.value("HedgeRatio", "D10") == pytest.approx(expected * 50_000, rel=1e-12)


class TestRulesBacktestOnTheSheet:
    def test_flat_40_equals_a_plain_loop_over_the_csvs(self, computed, data_dir, as_of):
        from test_backtest_engine import _loop

        with open(data_dir / "prices" / "daily_close_wide.csv", newline="") as f:
            by_date = {r["date"]: r for r in csv.DictReader(f)}
        daily: dict[str, float] = {}
        with open(data_dir / "funding" / "binance_usdm_btcusdt_funding_8h.csv", newline="") as f:
            for r in csv.DictReader(f):
                daily[r["funding_time_utc"][:10]] = daily.get(r["funding_time_utc"][:10], 0.0) + float(
                    r["funding_rate"]
                )
        header = [computed.value("Backtest", f"{c}26") for c in ("H", "I", "W")]
        assert header == ["Rule", "Final equity", "Drawdown avoided per 1,000 cost"]
        first = computed.value("Backtest", "Z27")
        days = sorted(d for d in by_date if first <= d <= as_of)
        path, trades, _ = _loop((by_date, daily, {}), days, 0.40, 0.10, 0.0005, True)
        row = next(r for r in range(27, 37) if computed.value("Backtest", f"H{r}") == "Flat 40%")
        assert computed.value("Backtest", f"I{row}") == pytest.approx(path[-1], rel=1e-9)
        assert computed.value("Backtest", f"U{row}") == trades
        assert computed.value("Backtest", "AC26") == "Flat 40%"
        flat40 = [computed.value("Backtest", f"AC{27 + i}") for i in range(len(days))]
        np.testing.assert_allclose(flat40, path, rtol=1e-9)
        assert computed.value("Backtest", f"Z{26 + len(days)}") == days[-1] == as_of == "2025-06-17"

    def test_every_rule_is_in_the_table(self, computed):
        labels = [computed.value("Backtest", f"H{r}") for r in range(27, 36)]
        assert labels[0] == "Unhedged" and len(set(labels)) == 9
        assert computed.value("Backtest", "W27") in ("", None)  # unhedged avoids nothing against itself


DATES = [["2024-01-01"], ["2024-01-02"], ["2024-01-03"]]


class TestBacktestUdfErrors:
    @pytest.mark.parametrize(
        ("args", "code", "text"),
        [
            ((DATES, [[100], ["x"], [99]], [[10], [8], [9]], 1000), "#VALUE!", "btc_prices (row 2, column 1) is text"),
            ((DATES[:1], [[100]], [[10]], 1000), "#N/A", "needs at least 2 days"),
            ((DATES, [[100], [90], [99]], [[10], [8], [9]], 1000, 0, None, None, "flat40", 1.5), "#NUM!", "band"),
            (
                (
                    DATES,
                    [[100], [90], [99]],
                    [[10], [8], [9]],
                    1000,
                    0,
                    None,
                    None,
                    "flat40",
                    0.1,
                    0,
                    "daily",
                    "2023-01-01",
                ),
                "#N/A",
                "outside the data",
            ),
            ((DATES, [[100], [90], [99]], [[10], [8], [9]], 1000, 0, None, None, "yolo"), "#VALUE!", "unknown rule"),
            (
                ([["2024-01-01"], [None], ["2024-01-03"]], [[100], [90], [99]], [[10], [8], [9]], 1000),
                "#N/A",
                "dates (item 2) is blank",
            ),
        ],
    )
    def test_clear_errors(self, args, code, text):
        result = udfs.BACKTEST(*args)
        assert isinstance(result, ExcelError) and result.code == code, result
        assert text in result

    def test_signal_window_errors(self):
        btc = [[100.0 + i] for i in range(40)]
        result = udfs.HEDGE_SIGNALS(btc, btc, 1, [[0.0003]] * 40, 50, None, 1)
        assert isinstance(result, ExcelError) and result.code == "#NUM!" and "window" in result
        result = udfs.HEDGE_SIGNALS(btc, btc, 1, [[0.0003]] * 40, 50, None, "thirty")
        assert isinstance(result, ExcelError) and result.code == "#VALUE!"
        assert udfs.HEDGE_RATIO_VOL(30).code == "#NUM!"  # 3,000 % a year: a percentage typed as a number
