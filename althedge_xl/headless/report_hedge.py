"""The report's label/value tables: the hedge, its signals and funding, each row with its own format.

Money is ``usd`` (a BTC amount of an inverse contract is ``num`` and its label says BTC), ratios are
``pct``, leverage is ``leverage`` (``2.47×``). Labels carry their unit once, without nested brackets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from althedge_xl.headless.render import Cell, Format, Table, label_value_table

if TYPE_CHECKING:
    from althedge_xl.headless.engine import ComputedWorkbook

#: The HedgeRatio sheet's signals block: the first signal's row and the formats of its rows' numbers.
SIGNALS_FIRST_ROW = 21
SIGNAL_FORMATS: tuple[Format, ...] = ("pct", "pct", "pct", "int")
Row = tuple[str, Any, Format]
"""A label, its value and the value's format."""


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _below(value: Any, threshold: Any) -> bool | None:
    if _number(value) is not None and _number(threshold) is not None:
        return bool(value < threshold)
    return None


def hedge_table(book: ComputedWorkbook) -> Table:
    """The Hedge sheet: size, margin, liquidation, fees, the spike the collateral survives, the order now."""
    named = book.named_shown
    linear = book.named("CONTRACT_TYPE") != "inverse"
    size_unit = "BTC" if linear else "contracts of 100 USD"
    collateral_unit = "USDT" if linear else "BTC"
    money: Format = "usd" if linear else "num"
    rule = book.named("HEDGE_RULE")
    rows: list[Row] = [
        ("Hedge notional, short BTC (USD)", named("NOTIONAL"), "usd"),
        ("Contract", named("CONTRACT_TYPE"), "text"),
        ("Entry price (USD)", named("ENTRY_PRICE"), "price"),
        (f"Size to sell, rounded down to the step ({size_unit})", named("CONTRACTS"), "num"),
        ("Leverage", named("LEVERAGE"), "leverage"),
        ("Initial margin on the hedge notional (USD)", named("MARGIN"), "usd"),
        ("Exchange rule", named("HEDGE_RULE"), "text"),
        ("Maintenance rate of the tier", named("TIER_MMR"), "pct"),
        ("Maintenance amount of the tier (USDT)", named("TIER_AMOUNT"), "usd"),
        ("Maximum leverage of the tier", named("TIER_MAX_LEVERAGE"), "leverage"),
        (f"Liquidation price by the {rule} rule (USD)", named("LIQ_PRICE"), "price"),
        ("Mark price (USD)", named("MARK_PRICE"), "price"),
        ("Margin buffer: BTC rise to liquidation", named("BUFFER"), "pct"),
        ("Buffer below the warning level", _below(book.named("BUFFER"), book.named("BUFFER_WARNING")), "text"),
        ("Round-trip taker fees (USD)", named("FEES"), "usd"),
        ("Over-hedged: above 100% of the altcoins", named("OVERHEDGED"), "text"),
        ("BTC spike to survive, from entry", named("SPIKE_RISE"), "pct"),
        (f"Collateral needed to survive it ({collateral_unit})", named("SPIKE_COLLATERAL"), money),
        ("Its effective leverage", named("SPIKE_LEVERAGE"), "leverage"),
        (f"Collateral posted: the size's own margin unless typed ({collateral_unit})", named("POSTED"), money),
        (f"Add to survive the spike ({collateral_unit})", named("SPIKE_TOP_UP"), money),
        (f"Short held now ({size_unit})", named("HELD"), "num"),
    ]
    side, quantity, notional, fee, reason = named("ORDER")[0]
    rows += [
        ("Order now: side", side, "text"),
        (f"Order now: quantity ({size_unit})", quantity, "num"),
        ("Order now: notional (USD)", notional, "usd"),
        ("Order now: fee (USD)", fee, "usd"),
        ("Order now: why", reason, "text"),
    ]
    band = _number(book.named("ORDER_BAND"))
    note = (
        "The initial margin is the notional's; the collateral posted is the margin of the size actually sold "
        "(rounded down to the exchange's step)."
    )
    if band is not None:
        note += f" No-trade band: {band * 100:g}% of the target."
    return label_value_table("Hedge", rows, note=note)


def signals_table(book: ComputedWorkbook) -> Table:
    """The HedgeRatio sheet's signals: each signal's thresholds, what it says and why, then the suggested direction."""
    rows: list[list[Cell]] = []
    formats: list[Format] = []
    for i, fmt in enumerate((*SIGNAL_FORMATS, "int")):
        r = SIGNALS_FIRST_ROW + i
        rows.append([book.shown("HedgeRatio", f"{c}{r}") for c in "ABCDEF"])
        formats.append(fmt)
    return Table(
        "Signals: scale the hedge up or down?",
        ["Signal", "Scale down when", "Scale up when", "Says", "Value", "Why"],
        rows,
        ["text", "pct", "pct", "text", "pct", "text"],
        note="Data up to the last close on the History sheet; the last row's value is the signals' net vote.",
        row_formats=formats,
    )


def funding_table(book: ComputedWorkbook) -> Table:
    """The Funding sheet: the perpetual's funding against the dated future's basis."""
    named = book.named_shown
    rows: list[Row] = [
        ("Holding period (days)", named("HOLD_DAYS"), "num"),
        ("Funding rate per interval", named("FUNDING_RATE"), "rate"),
        ("Perpetual: funding cost, + = you pay (USD)", named("PERP_COST"), "usd"),
        ("Funding over the real sample (USD)", named("HISTORY_COST"), "usd"),
        ("Days in the sample", named("HISTORY_DAYS"), "num"),
        ("Dated future", named("QUARTERLY_SYMBOL"), "text"),
    ]
    if "DATED_DAYS" in book.names:  # workbooks built before the days were counted from the as-of date lack it
        rows.append(("Days to expiry, from the values' as-of date", named("DATED_DAYS"), "num"))
    rows += [
        ("Annualized basis", named("BASIS"), "pct"),
        ("Dated future: carry cost (USD)", named("DATED_COST"), "usd"),
        ("Cheaper hedge for the period", named("CHEAPER_HEDGE"), "text"),
    ]
    return label_value_table(
        "Funding", rows, note="A short receives funding when the rate is positive (exchanges' rule)."
    )
