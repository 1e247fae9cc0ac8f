"""The method's worked example computed through the Excel functions, as tables to read."""

from __future__ import annotations

from typing import Any

from althedge_xl import udfs
from althedge_xl import worked_examples as wx
from althedge_xl.headless.render import Format, Table, label_value_table
from althedge_xl.workbook.sheets._common import TEMPLATE_HOLDINGS


def worked_example_tables() -> list[Table]:
    """Portfolio, hedge and the 15 % correction of the method, each value from an AltHedge UDF.

    The holdings are the template's (the method's majors of 30,000 as ETH 18,000 and SOL 12,000).
    """
    portfolio = [(name, cls, value, corr) for name, cls, value, corr, _ in TEMPLATE_HOLDINGS]
    total = sum(value for _, _, value, _ in portfolio)
    alt_values = [[value] for _, cls, value, _ in portfolio if cls != "BTC"]
    btc_value = sum(value for _, cls, value, _ in portfolio if cls == "BTC")
    rows: list[list[object]] = [[n, c, v, v / total, r] for n, c, v, r in portfolio]
    rows.append(["Total", "", total, 1.0, None])
    tables = [
        Table(
            "Portfolio",
            ["Asset", "Class", "Value (USD)", "Share", "Stress corr. with BTC"],
            rows,  # type: ignore[arg-type]
            ["text", "text", "usd", "pct", "num"],
        )
    ]
    notional = udfs.HEDGE_NOTIONAL(alt_values, wx.HEDGE_RATIO)
    margin = udfs.HEDGE_MARGIN(notional, wx.LEVERAGE)
    contracts = udfs.HEDGE_CONTRACTS(notional, 100_000)
    hedge_rows: list[tuple[str, Any, Format]] = [
        ("Altcoin value (USD)", sum(v for [v] in alt_values), "usd"),
        ("Hedge ratio", wx.HEDGE_RATIO, "pct"),
        ("Hedge notional, short BTC (USD)", notional, "usd"),
        ("Leverage", wx.LEVERAGE, "leverage"),
        ("Initial margin (USD)", margin, "usd"),
        ("Contracts at BTC 100,000 (BTC)", contracts, "num"),
        ("Over-hedged", udfs.HEDGE_OVERHEDGED(notional, alt_values), "text"),
    ]
    tables.append(label_value_table("Hedge", hedge_rows))
    table = udfs.SCENARIO_TABLE(
        [[btc_value], [sum(v for [v] in alt_values)]],
        [[wx.BTC_SHOCK], [wx.ALT_SHOCK]],
        notional,
        wx.BTC_SHOCK,
        [["BTC"], ["Altcoins"]],
    )
    tables.append(Table("Scenario: 15% correction", table[0], table[1:], ["text", "usd", "pct", "usd", "usd"]))
    return tables
