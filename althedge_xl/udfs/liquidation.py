"""Excel functions for liquidation with the exchange's tiers: the price (isolated and cross), and the collateral a BTC spike needs."""

from __future__ import annotations

from typing import Any

from althedge_xl.core import cross, liquidation, spike
from althedge_xl.core.conventions import CONTRACTS, RULES, SIDES
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function
from althedge_xl.udfs._cells import FRACTION, Cells
from althedge_xl.udfs.margin import LIQ_HELP

_TIERS = LIQ_HELP["tiers"] + " (default the rule's: Binance BTCUSDT recorded 2026-03-05)"


@excel_function(
    entry_price="Entry price of the position in USD",
    quantity="Position size: BTC (linear) or contracts (inverse)",
    leverage="The position's leverage, 1 to the maximum of its tier",
    collateral=LIQ_HELP["collateral"],
    side='Optional: "short" (default, the hedge) or "long"',
    contract=LIQ_HELP["contract"],
    rule=LIQ_HELP["rule"],
    tiers=_TIERS,
    contract_usd=LIQ_HELP["contract_usd"],
    fee_rate=LIQ_HELP["fee_rate"],
)
def HEDGE_LIQUIDATION(
    entry_price: Cells,
    quantity: Cells,
    leverage: Cells,
    collateral: Cells = None,
    side: Cells = "short",
    contract: Cells = "linear",
    rule: Cells = "binance",
    tiers: Cells = None,
    contract_usd: Cells = None,
    fee_rate: Cells = None,
) -> Any:
    """Liquidation price with the exchange's tiers, as one row: price, tier rate, tier amount, tier max leverage.

    Binance, bybit-2025: the tier at the liquidation price; Bybit: at entry. A short of 2 BTC at 100,000, 20×
    (Binance bracket 1: 0.4 %, cum 0, 150×) liquidates at 104,581.67.

    >>> [[round(v, 4) for v in HEDGE_LIQUIDATION(100000, 2, 20)[0]]]
    [[104581.6733, 0.004, 0.0, 150.0]]
    """
    found = liquidation.position_liquidation(
        coerce.numbers(entry_price, "entry_price"),
        coerce.numbers(quantity, "quantity"),
        coerce.numbers(leverage, "leverage"),
        coerce.optional_numbers(collateral, "collateral"),
        coerce.choice(side, "side", SIDES, "short"),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
        coerce.choice(rule, "rule", RULES, "binance"),
        coerce.tiers(tiers),
        coerce.optional_numbers(contract_usd, "contract_usd"),
        coerce.optional_numbers(fee_rate, "fee_rate"),
    )
    return [list(found)]


@excel_function(
    notional="USD notional of the short at entry",
    entry_price="Entry price of the short in USD",
    rise=f"BTC rise from entry to survive, {FRACTION}: 40% = 0.4; a cell or a range",
    contract=LIQ_HELP["contract"],
    rule=LIQ_HELP["rule"],
    tiers=_TIERS,
    fee_rate=LIQ_HELP["fee_rate"],
)
def HEDGE_SPIKE_COLLATERAL(
    notional: Cells,
    entry_price: Cells,
    rise: Cells,
    contract: Cells = "linear",
    rule: Cells = "binance",
    tiers: Cells = None,
    fee_rate: Cells = None,
) -> Any:
    """Collateral (USDT linear, BTC inverse) a short needs to survive a BTC rise of X % from entry.

    Binance linear: Q·LP·(1 + MMR) − cum − Q·EP with LP = EP·(1 + X), tier at LP. A 20,000 USDT
    short from 100,000 needs 8,112 to survive +40 %.

    >>> round(HEDGE_SPIKE_COLLATERAL(20000, 100000, 0.4), 6)
    8112.0
    """
    return spike.collateral_for_rise(
        coerce.numbers(notional, "notional"),
        coerce.numbers(entry_price, "entry_price"),
        coerce.numbers(rise, "rise"),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
        coerce.choice(rule, "rule", RULES, "binance"),
        coerce.tiers(tiers),
        coerce.optional_numbers(fee_rate, "fee_rate"),
    )


@excel_function(
    collateral="The short's collateral: USDT for linear contracts, BTC for inverse ones",
    notional="USD notional of the short at entry",
    entry_price="Entry price of the short in USD",
    contract=LIQ_HELP["contract"],
    rule=LIQ_HELP["rule"],
    tiers=_TIERS,
    fee_rate=LIQ_HELP["fee_rate"],
)
def HEDGE_SPIKE_SURVIVED(
    collateral: Cells,
    notional: Cells,
    entry_price: Cells,
    contract: Cells = "linear",
    rule: Cells = "binance",
    tiers: Cells = None,
    fee_rate: Cells = None,
) -> Any:
    """The BTC rise from entry (a fraction) that a short with this collateral survives: LP / entry − 1.

    >>> round(HEDGE_SPIKE_SURVIVED(8112, 20000, 100000), 6)
    0.4
    """
    return spike.rise_survived(
        coerce.numbers(collateral, "collateral"),
        coerce.numbers(notional, "notional"),
        coerce.numbers(entry_price, "entry_price"),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
        coerce.choice(rule, "rule", RULES, "binance"),
        coerce.tiers(tiers),
        coerce.optional_numbers(fee_rate, "fee_rate"),
    )


@excel_function(
    entry_price="Entry price of the position in USD",
    quantity="Position size: BTC (linear) or the rule's contracts (inverse: Binance 100 USD, Bybit 1 USD)",
    wallet_balance="The cross wallet balance: USDT for linear contracts, BTC for inverse ones",
    other_maintenance="Optional: maintenance margin of the account's other positions (default 0)",
    other_pnl="Optional: unrealised P/L of the account's other positions at their mark prices, a loss negative "
    "(default 0)",
    side='Optional: "short" (default, the hedge) or "long"',
    contract=LIQ_HELP["contract"],
    rule=LIQ_HELP["rule"],
    tiers=_TIERS,
    fee_rate=LIQ_HELP["fee_rate"],
)
def HEDGE_LIQ_CROSS(
    entry_price: Cells,
    quantity: Cells,
    wallet_balance: Cells,
    other_maintenance: Cells = None,
    other_pnl: Cells = None,
    side: Cells = "short",
    contract: Cells = "linear",
    rule: Cells = "binance",
    tiers: Cells = None,
    fee_rate: Cells = None,
) -> Any:
    """Cross-margin liquidation price in USD of one position sharing its wallet with the account's other positions.

    Binance: LP = (WB − TMM + UPNL + cum − side·Q·EP) / (Q·MMR − side·Q), tier at LP; Bybit: its
    isolated rule on WB − TMM + UPNL. Alone in the account, 2 BTC short at 100,000 with 10,000 USDT:

    >>> round(HEDGE_LIQ_CROSS(100000, 2, 10000), 2)
    104581.67
    """
    return cross.cross_liquidation(
        coerce.number(entry_price, "entry_price"),
        coerce.number(quantity, "quantity"),
        coerce.number(wallet_balance, "wallet_balance"),
        coerce.optional_number(other_maintenance, "other_maintenance"),
        coerce.optional_number(other_pnl, "other_pnl"),
        coerce.choice(side, "side", SIDES, "short"),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
        coerce.choice(rule, "rule", RULES, "binance"),
        coerce.tiers(tiers),
        coerce.optional_number(fee_rate, "fee_rate"),
    )
