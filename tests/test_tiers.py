"""Tier tables (althedge_xl.core.tiers): the recorded Binance brackets, validation, and Bybit's risk limits via ccxt.

The Binance brackets are compared with Binance's responses recorded on 2026-03-05 (the default)
and 2024-10-24 (kept as dated data), in ``../shared/data/margin/``, read in place; the Bybit body is the example of Bybit's API
documentation (``tests/fixtures/margin/README.md``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from conftest import BRACKETS_CURRENT, BRACKETS_OLDER, binance_brackets

from althedge_xl import udfs
from althedge_xl.core.conventions import (
    BINANCE_BTCUSDT,
    BINANCE_BTCUSDT_2024_10_24,
    BINANCE_ETHUSDT,
    BINANCE_ETHUSDT_2024_10_24,
    MAX_LEVERAGE,
)
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.tiers import rule_amounts, tier_table, tiers_from_ccxt

FIXTURES = Path(__file__).parent / "fixtures" / "margin"


CURRENT, OLDER = BRACKETS_CURRENT, BRACKETS_OLDER


def recorded_brackets(data_dir, symbol, date=CURRENT):
    assert (data_dir / "margin").is_dir()
    return [list(row) for row in binance_brackets(symbol, date)]


class TestShippedTables:
    @pytest.mark.parametrize(
        ("table", "symbol", "date"),
        [
            (BINANCE_BTCUSDT, "BTCUSDT", CURRENT),
            (BINANCE_ETHUSDT, "ETHUSDT", CURRENT),
            (BINANCE_BTCUSDT_2024_10_24, "BTCUSDT", OLDER),
            (BINANCE_ETHUSDT_2024_10_24, "ETHUSDT", OLDER),
        ],
    )
    def test_equal_the_recorded_response(self, data_dir, table, symbol, date):
        assert table.rows() == recorded_brackets(data_dir, symbol, date)
        assert table.as_of == f"recorded {date}" and table.exchange == "binance" and table.symbol == symbol

    @pytest.mark.parametrize("date", [CURRENT, OLDER])
    @pytest.mark.parametrize("symbol", ["BTCUSDT", "ETHUSDT", "SOLUSDT"])
    def test_cum_rule_holds_on_every_recorded_row(self, data_dir, symbol, date):
        # Binance's rule cumₙ = floorₙ·(MMRₙ − MMRₙ₋₁) + cumₙ₋₁, checked on every row of the response.
        rows = np.array(recorded_brackets(data_dir, symbol, date))
        np.testing.assert_allclose(rule_amounts(rows[:, 0], rows[:, 2]), rows[:, 3], rtol=0, atol=1e-6)
        tier_table(rows)  # and the validator accepts the recorded table as it is

    def test_the_default_is_the_newest_recorded_table(self, data_dir):
        # Binance widened the first bracket to 300,000 on 2025-06-19 and allowed 150× from 2025-08-21
        # (../shared/data/README.md): the default follows, the 2024-10-24 table does not.
        first = recorded_brackets(data_dir, "BTCUSDT")[0]
        assert first == [0.0, 300_000.0, 0.004, 0.0, 150.0]
        assert BINANCE_BTCUSDT.rows()[0] == first
        assert BINANCE_BTCUSDT_2024_10_24.rows()[0] == recorded_brackets(data_dir, "BTCUSDT", OLDER)[0]
        # No function accepts less leverage than the highest tier maximum of a default table.
        assert first[4] == MAX_LEVERAGE

    def test_edges_of_the_first_bracket_from_the_recorded_table(self, data_dir):
        # floor < notional ≤ cap, at the 300,000 edge of the table read from the CSV.
        rows = recorded_brackets(data_dir, "BTCUSDT")
        edge = rows[0][1]
        for notional, expected in ((edge - 0.01, rows[0]), (edge, rows[0]), (edge + 0.01, rows[1])):
            tier = BINANCE_BTCUSDT.rows()[BINANCE_BTCUSDT.index(notional)]
            assert tier == expected, notional

    @pytest.mark.parametrize(("notional", "index"), [(0, 0), (300_000, 0), (300_000.01, 1), (800_000, 1), (1e6, 2)])
    def test_floor_below_notional_at_most_cap(self, notional, index):
        assert BINANCE_BTCUSDT.index(notional) == index

    def test_above_the_last_tier(self):
        with pytest.raises(MissingValueError, match="above the last tier of Binance BTCUSDT"):
            BINANCE_BTCUSDT.index(2e9)


GOOD = [[0, 50_000, 0.004, 0, 125], [50_000, 600_000, 0.005, 50, 100], [600_000, 3e6, 0.0065, 950, 75]]


class TestValidation:
    def test_trailing_rows_of_zeros_are_unused_rows(self):
        # A sheet's blank rows arrive as zeros through IF, as Excel passes them.
        assert tier_table([*GOOD, [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]).rows() == tier_table(GOOD).rows()

    @pytest.mark.parametrize(
        ("edit", "match"),
        [
            ((1, 0, 60_000), "starts at 60,000 but row 1 ends at 50,000: tiers must not leave gaps or overlap"),
            ((1, 0, 40_000), "starts at 40,000 but row 1 ends at 50,000"),  # an overlap
            ((0, 0, 10), "must start at a notional of 0"),
            ((1, 1, 50_000), "the cap 50,000 must be above the floor"),
            ((2, 2, 0.0045), "must not fall"),
            ((2, 4, 110), "must not rise"),
            ((1, 3, 40), "the maintenance amount is 40.00 but the exchanges' rule"),
            ((1, 2, 1.5), "from 0% to below 100%"),
            ((0, 4, 500), "from 1 to 200"),
            ((0, 3, -1), "must not be negative"),
        ],
    )
    def test_bad_tables(self, edit, match):
        rows = [list(r) for r in GOOD]
        row, col, value = edit
        rows[row][col] = value
        with pytest.raises(BadNumberError, match=match):
            tier_table(rows)

    def test_shape(self):
        with pytest.raises(WrongTypeError, match="five columns"):
            tier_table([[300_000, 0.004]])
        with pytest.raises(MissingValueError, match="no tier"):
            tier_table([[0, 0, 0, 0, 0]])

    def test_amount_rule_optional(self):
        rows = [list(r) for r in GOOD]
        rows[1][3] = 40
        assert tier_table(rows, "bybit", check_amounts=False).amounts[1] == 40


class TestBlankAmount:
    """A blank maintenance amount beside a rate is the rule's own amount, never 0; other blanks are named."""

    # DESIGN.md's current BTCUSDT brackets, first three rows; their amounts by the rule written out:
    # 300,000 x (0.50% - 0.40%) + 0 = 300; 800,000 x (0.65% - 0.50%) + 300 = 1,500.
    BRACKETS: ClassVar[list[list[float | None]]] = [
        [0, 300_000, 0.004, 0, 150],
        [300_000, 800_000, 0.005, 300, 100],
        [800_000, 3_000_000, 0.0065, 1_500, 75],
    ]

    @pytest.mark.parametrize("blanks", [[1], [2], [1, 2], [0, 1, 2]])
    def test_binance_blank_amounts_are_the_rules(self, blanks):
        rows = [list(r) for r in self.BRACKETS]
        for n in blanks:
            rows[n][3] = None
        for notional, expected in ((400_000, [0.005, 300.0, 100.0]), (900_000, [0.0065, 1_500.0, 75.0])):
            assert udfs.HEDGE_MAINT_TIER(notional, rows, "binance") == [expected]

    def test_a_wrong_amount_above_a_blank_is_still_refused(self):
        rows = [list(r) for r in self.BRACKETS]
        rows[1][3], rows[2][3] = 250, None  # the blank would continue from the wrong 250: row 2 is named
        answer = udfs.HEDGE_MAINT_TIER(900_000, rows, "binance")
        assert answer.startswith("#NUM! tiers row 2: the maintenance amount is 250.00 but the exchanges' rule")

    def test_bybit_blank_deduction_gives_the_liquidation_of_the_rules_amount(self):
        # Bybit values maintenance at entry: MM = N x MMR - deduction, short LP = EP + (IM - MM) / Q.
        # 30 BTC at 100,000 (notional 3,000,000, tier 2) at 10x: IM = 300,000; the blank deduction is
        # 2,000,000 x (1% - 0.5%) = 10,000, so MM = 3,000,000 x 1% - 10,000 = 20,000.
        rows = [[0, 2_000_000, 0.005, 0, 100], [2_000_000, 10_000_000, 0.01, None, 50]]
        price, rate, amount, leverage = udfs.HEDGE_LIQUIDATION(100_000, 30, 10, None, "short", "linear", "bybit", rows)[
            0
        ]
        assert (rate, amount, leverage) == (0.01, 10_000.0, 50.0)
        assert price == pytest.approx(100_000 + (300_000 - 20_000) / 30, rel=1e-12)

    def test_a_rule_without_amounts_reads_a_blank_as_none(self):
        # OKX's profile: one rate on the whole position, no amount
        rows = [[0, 300_000, 0.004, None, 150], [300_000, 800_000, 0.005, None, 100]]
        assert udfs.HEDGE_MAINT_TIER(400_000, rows, "okx") == [[0.005, 0.0, 100.0]]

    @pytest.mark.parametrize(
        ("column", "name"), [(0, "floor"), (1, "cap"), (2, "maintenance rate"), (4, "maximum leverage")]
    )
    def test_any_other_blank_is_named_with_its_row(self, column, name):
        rows = [list(r) for r in self.BRACKETS]
        rows[2][column] = None
        answer = udfs.HEDGE_MAINT_TIER(400_000, rows, "binance")
        assert answer == f"#N/A tiers row 3, the {name} is blank: every cell of a row that is used is needed"

    def test_a_blank_amount_on_the_hedge_sheet_is_the_rules_own(self, tmp_path):
        # Through the sheet's IF the range's blank stays blank (IF returns the range, as in Excel), so a blank
        # amount is Binance's rule's, as in a range given directly: 300,000 x (0.50% - 0.40%) + 0 = 300
        from conftest import edited_template

        from althedge_xl.headless.engine import compute
        from althedge_xl.workbook.sheets.hedge import BINANCE_FIRST_ROW

        edits = {("Hedge", f"K{BINANCE_FIRST_ROW + 1}"): None, ("Portfolio", "E8"): 1_000_000}
        computed = compute(edited_template(tmp_path, edits))
        assert ("Hedge", "B11") not in computed.reasons
        assert computed.value("Hedge", "C11") == 0.005
        assert computed.value("Hedge", "D11") == pytest.approx(300_000 * (0.005 - 0.004) + 0, rel=1e-12)

    def test_core_reads_nan_as_blank(self):
        rows = [list(r) for r in self.BRACKETS]
        rows[1][3] = rows[2][3] = np.nan
        assert tier_table(rows).amounts == (0.0, 300.0, 1_500.0)
        rows[2][3] = np.inf
        with pytest.raises(BadNumberError, match="tiers must be a finite number"):
            tier_table(rows)


class TestBybitRiskLimitsThroughCcxt:
    def test_documented_body_through_ccxts_own_parser(self):
        # Bybit's documented body (per-cent rates), parsed by ccxt exactly as fetch_market_leverage_tiers does.
        import ccxt

        body = json.loads((FIXTURES / "bybit_v5_market_risk_limit_inverse_docs_example.json").read_text())
        parsed = ccxt.bybit().parse_market_leverage_tiers(body["result"]["list"], None)
        table = tiers_from_ccxt(parsed, symbol="BTCUSD", as_of="docs")
        # The documented tier: up to 150 BTC, 0.5 %, 100×, mmDeduction "" (none).
        assert table.rows() == [[0.0, 150.0, 0.005, 0.0, 100.0]]
        assert table.exchange == "bybit"

    def test_fractions_deductions_and_order(self):
        # The live API's form: fractions, mmDeduction per tier, tiers in any order.
        def tier(low, high, mmr, im, lev, deduction):
            info = {"riskLimitValue": str(high), "maintenanceMargin": str(mmr), "initialMargin": str(im),
                    "maxLeverage": str(lev), "mmDeduction": deduction}  # fmt: skip
            return {"minNotional": low, "maxNotional": high, "maintenanceMarginRate": mmr, "maxLeverage": lev,
                    "info": info}  # fmt: skip

        tiers = [tier(2e6, 4e6, 0.01, 0.02, 50, "10000"), tier(0, 2e6, 0.005, 0.01, 100, "")]
        # 10,000 = 2,000,000 × (1 % − 0.5 %): Bybit's deduction keeps MM continuous.
        assert tiers_from_ccxt(tiers).rows() == [[0, 2e6, 0.005, 0, 100], [2e6, 4e6, 0.01, 10_000, 50]]
        # A blank deduction above a given one continues from it: 4,000,000 × (1.5 % − 1 %) + 10,001 = 30,001.
        mixed = [tier(0, 2e6, 0.005, 0.01, 100, ""), tier(2e6, 4e6, 0.01, 0.02, 50, "10001"),
                 tier(4e6, 6e6, 0.015, 0.025, 40, "")]  # fmt: skip
        assert [row[3] for row in tiers_from_ccxt(mixed).rows()] == [0, 10_001, 30_001]

    def test_inconsistent_units_are_refused(self):
        info = {"initialMargin": "0.2", "maxLeverage": "100"}
        tier = {"minNotional": 0, "maxNotional": 1, "maintenanceMarginRate": 0.005, "maxLeverage": 100, "info": info}
        with pytest.raises(BadNumberError, match="neither 1 nor 100%"):
            tiers_from_ccxt([tier])

    def test_empty_and_text(self):
        with pytest.raises(MissingValueError, match="no tiers"):
            tiers_from_ccxt([])
        with pytest.raises(WrongTypeError, match="maxNotional"):
            tiers_from_ccxt(
                [{"minNotional": 0, "maxNotional": "lots", "maintenanceMarginRate": 0.005, "maxLeverage": 1}]
            )
