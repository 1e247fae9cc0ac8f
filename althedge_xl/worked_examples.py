"""The method's worked examples (DESIGN.md), as data.

The tests, the command line and the template's self-check sheet all read this one table, so a
number the article gives is typed once. Each example calls one AltHedge function with literal
arguments; ``source`` says where the expected value comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The method's portfolio: (asset, class, USD value, stress correlation with BTC).
PORTFOLIO: tuple[tuple[str, str, float, float | None], ...] = (
    ("BTC", "BTC", 50_000.0, None),
    ("Majors (ETH, SOL)", "core", 30_000.0, 0.90),
    ("Small caps", "satellite", 20_000.0, 0.95),
)
#: The method's hedge: 40 % of the altcoins, at 20× leverage.
HEDGE_RATIO = 0.40
LEVERAGE = 20.0
#: The method's 15 % correction: BTC −15 %, altcoins −20 %.
BTC_SHOCK = -0.15
ALT_SHOCK = -0.20


@dataclass(frozen=True)
class WorkedExample:
    """One worked number: ``function(*args) == expected`` to the cent.

    ``self_check`` False keeps a variant (the long side, the other contract type) to the tests
    alone: every SelfCheck row is a call in each recalculation, and the template's budget is 50.
    """

    label: str
    function: str
    args: tuple[object, ...]
    expected: float | bool
    source: str
    self_check: bool = True


#: Where each expected value comes from, in words a user of the workbook can follow up.
ARTICLE = "the method's worked example: BTC 50,000 and altcoins 50,000, a 40% hedge at 20x, a 15% correction"
BINANCE = (
    "Binance's liquidation formula, binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93 "
    "(COIN-M: faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46)"
)
FUNDING = "Binance's funding: size x mark price x rate every 8 hours, binance.com/en/support/faq/360033525031"
CONTRACTS = "Binance's contract specifications: BTCUSDT in steps of 0.001 BTC; COIN-M BTCUSD 100 USD a contract"
FEAR_GREED = "the method's Fear & Greed bands (the table on the HedgeRatio sheet), linear between them"

EXAMPLES: tuple[WorkedExample, ...] = (
    WorkedExample("Hedge notional, 40% of 50,000", "HEDGE_NOTIONAL", (50_000, 0.40), 20_000.0, ARTICLE, False),
    WorkedExample("Hedge notional over a range", "HEDGE_NOTIONAL", ([[30_000], [20_000]], 0.40), 20_000.0, ARTICLE),
    WorkedExample("Core-satellite, 50% of 30,000", "HEDGE_NOTIONAL", (30_000, 0.50), 15_000.0, ARTICLE),
    WorkedExample("Margin, 20,000 at 20x", "HEDGE_MARGIN", (20_000, 20), 1_000.0, ARTICLE),
    WorkedExample(
        "15% correction, net",
        "SCENARIO_PNL",
        ([[50_000], [50_000]], [[-0.15], [-0.20]], 20_000, -0.15),
        -14_500.0,
        ARTICLE,
    ),
    WorkedExample("Funding, 30 days short", "FUNDING_COST", (20_000, 0.0001, 30), -180.0, FUNDING),
    WorkedExample("Funding, 30 days long", "FUNDING_COST", (20_000, 0.0001, 30, 8, "long"), 180.0, FUNDING, False),
    WorkedExample("Contracts, linear", "HEDGE_CONTRACTS", (20_000, 100_000), 0.2, CONTRACTS),
    WorkedExample("Contracts, inverse", "HEDGE_CONTRACTS", (20_000, 100_000, "inverse"), 200.0, CONTRACTS, False),
    WorkedExample("Liquidation, 20x short", "HEDGE_LIQ_PRICE", (100_000, 20), 104_581.67, BINANCE),
    WorkedExample(
        "Liquidation, 20x long", "HEDGE_LIQ_PRICE", (100_000, 20, 0.004, 0, "long"), 95_381.53, BINANCE, False
    ),
    WorkedExample(
        "Liquidation, inverse short",
        "HEDGE_LIQ_PRICE",
        (100_000, 20, 0.004, 0, "short", "inverse"),
        104_842.11,
        BINANCE,
    ),
    WorkedExample("Fear & Greed 50", "HEDGE_RATIO_FG", (50,), 0.25, FEAR_GREED),
    WorkedExample("Fear & Greed 20", "HEDGE_RATIO_FG", (20,), 0.50, FEAR_GREED),
    WorkedExample("Fear & Greed 90", "HEDGE_RATIO_FG", (90,), 0.05, FEAR_GREED),
    WorkedExample("Over-hedged at 120%", "HEDGE_OVERHEDGED", (60_000, 50_000), True, ARTICLE),
)

#: The examples the template's SelfCheck sheet recomputes.
SELF_CHECK_EXAMPLES: tuple[WorkedExample, ...] = tuple(e for e in EXAMPLES if e.self_check)
