"""The Funding sheet: the perpetual's funding against the dated future's basis.

The exchange chosen on the Hedge sheet (``HEDGE_RULE``) sets the funding interval and the cap that
refuses a likely unit slip: ``FUNDING_COST`` takes it as its ``rule``, and the interval is the one the
Prices sheet refreshed when its prices come from that exchange, else the exchange's profile's. The rate
and its history are always the Prices sheet's exchange's: C7 and C12 say whose, and say so in orange
when that is not the exchange chosen on the Hedge sheet.
"""

from __future__ import annotations

from althedge_xl.workbook.sheets._common import (
    between,
)
from althedge_xl.workbook.sheets.hedge import PROFILE_VALUE
from althedge_xl.workbook.writer import SheetWriter

#: True when the Prices sheet's values come from the exchange chosen on the Hedge sheet.
SAME_EXCHANGE = "ISNUMBER(MATCH(EXCHANGE,HEDGE_RULE,0))"  # MATCH: any case, as the dropdown's names
#: The chosen exchange's BTC funding interval: refreshed from it, else its profile's (blank: none cited).
PROFILE_HOURS = PROFILE_VALUE.format("EXCHANGE_FUNDING_HOURS")
INTERVAL = (
    f"=IF(AND(ISNUMBER(FUNDING_INTERVAL),{SAME_EXCHANGE}),FUNDING_INTERVAL,"
    f'IF(ISNUMBER({PROFILE_HOURS}),{PROFILE_HOURS},""))'
)
#: Whose funding rate and history the sheet reads, flagged when not the Hedge sheet's exchange's.
HEDGE_LABEL = PROFILE_VALUE.format("EXCHANGE_LABELS")
RATE_SOURCE = (
    f'=IF(LEN(EXCHANGE)=0,"the Prices sheet names no exchange","from "&EXCHANGE&" (Prices)"&IF({SAME_EXCHANGE},"",'
    f'": not "&{HEDGE_LABEL}&", the exchange on Hedge!B10 whose interval and cap apply; '
    'althedge refresh --exchange "&HEDGE_RULE&" for its rate"))'
)
HISTORY_SOURCE = (
    f'=IF(LEN(EXCHANGE)=0,"","settlements of "&EXCHANGE&"\'s BTC perpetual (Prices)"&IF({SAME_EXCHANGE},"",'
    f'": not "&{HEDGE_LABEL}&"\'s, the exchange on Hedge!B10"))'
)
INTERVAL_NOTE = (
    f'=IF(AND(ISNUMBER(FUNDING_INTERVAL),{SAME_EXCHANGE}),"as refreshed from "&EXCHANGE&" (Prices)",'
    f'{PROFILE_VALUE.format("EXCHANGE_LABELS")}&"\'s BTC perpetual, from its profile (the exchange on Hedge!B10)")'
)

#: What the Funding sheet says of a dated future at or past its expiry on the values' as-of date.
EXPIRED = (
    'QUARTERLY_SYMBOL&" expired "&LEFT(QUARTERLY_EXPIRY,10)&" (the values are of "&LEFT(AS_OF,10)&"): '
    'no comparison; refresh for a live contract"'
)


def funding(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 46)
    s.set_column("B:B", 18)
    s.set_column("C:C", 60)
    s.set_row(0, 21)
    w.text("A1", "Funding and dated futures", "title")
    w.text(
        "A2", "Exchanges' rule: a positive rate means longs pay shorts, so the short hedge RECEIVES funding.", "note"
    )
    w.text("A3", "(The article the method comes from says the opposite; these numbers follow the exchanges.)", "note")
    w.text("A5", "Holding period (days)", "label")
    w.input("B5", 30, "number", name="HOLD_DAYS", validation=between(0, 3650, "From 0 to 3,650 days."))
    rows = (
        ("Hedge notional (USD)", "=NOTIONAL", "usd", None),
        ("Current funding rate per interval", "=FUNDING_RATE", "rate", None),
        ("Funding interval (hours)", INTERVAL, "int", "FUNDING_HOURS"),
        ("Perpetual: funding cost over the period (USD)", '=FUNDING_COST(NOTIONAL,FUNDING_RATE,HOLD_DAYS,FUNDING_HOURS,"short","","",HEDGE_RULE)', "usd", "PERP_COST"),
    )  # fmt: skip
    for i, (label, formula, kind, name) in enumerate(rows):
        w.text(f"A{6 + i}", label, "label")
        w.formula(f"B{6 + i}", formula, kind, name=name)
    w.formula("C7", RATE_SOURCE, "text")
    w.formula("C8", INTERVAL_NOTE, "text")
    w.text("C9", "positive = you pay; negative = the short receives", "note")
    w.text("A11", "Over real history (Prices, columns H:I)", "heading")
    history = (
        ("Settlements in the sample", "=COUNT(FUNDING_HISTORY)", "int", "HISTORY_COUNT"),
        ("Days covered", "=HISTORY_COUNT*FUNDING_INTERVAL/24", "number", "HISTORY_DAYS"),
        ("Funding over the sample (USD)", '=FUNDING_COST(NOTIONAL,FUNDING_HISTORY,"","","short","","",HEDGE_RULE)', "usd", "HISTORY_COST"),
        ("The same rate of cost over the period (USD)", "=IF(HISTORY_DAYS=0,0,HISTORY_COST/HISTORY_DAYS*HOLD_DAYS)", "usd", None),
    )  # fmt: skip
    for i, (label, formula, kind, name) in enumerate(history):
        w.text(f"A{12 + i}", label, "label")
        w.formula(f"B{12 + i}", formula, kind, name=name)
    w.formula("C12", HISTORY_SOURCE, "text")
    for cell in ("C7", "C12"):
        w.sheet.conditional_format(
            cell,
            {
                "type": "formula",
                "criteria": f"=AND(LEN(EXCHANGE)>0,NOT({SAME_EXCHANGE}))",
                "format": w.styles["warning"],
            },
        )
    w.text("A17", "Dated future instead", "heading")
    days = f"{_moment('QUARTERLY_EXPIRY')}-{_moment('AS_OF')}"
    dated = (
        ("Future", "=QUARTERLY_SYMBOL", "text", None),
        ("Future price (USD)", "=QUARTERLY_PRICE", "price", None),
        ("Index price (USD)", "=QUARTERLY_INDEX", "price", None),
        ("Days to expiry, from the values' as-of date", f"={days}", "number", "DATED_DAYS"),
        ("Annualized basis", "=BASIS_ANNUALIZED(QUARTERLY_PRICE,QUARTERLY_INDEX,DATED_DAYS)", "pct", "BASIS"),
        ("Dated future: carry cost over the period (USD)", "=DATED_HEDGE_COST(NOTIONAL,QUARTERLY_PRICE,QUARTERLY_INDEX,DATED_DAYS,MIN(HOLD_DAYS,DATED_DAYS))", "usd", "DATED_COST"),
        ("Break-even funding rate per interval", "=FUNDING_BREAKEVEN(QUARTERLY_PRICE,QUARTERLY_INDEX,DATED_DAYS,FUNDING_HOURS)", "rate", None),
        ("Cheaper hedge for the period", f'=IF(ISNUMBER(DATED_DAYS),IF(DATED_DAYS<=0,{EXPIRED},IF(PERP_COST<=DATED_COST,"Perpetual","Dated future")),"no dated future: its expiry or the as-of date (Prices) is not a date")', "text", "CHEAPER_HEDGE"),
    )  # fmt: skip
    for i, (label, formula, kind, name) in enumerate(dated):
        w.text(f"A{18 + i}", label, "label")
        w.formula(f"B{18 + i}", formula, kind, name=name)
    w.text("C23", "a short future earns the basis in contango; counted over min(period, days to expiry)", "note")
    w.text("C24", "above this rate the perpetual's funding beats the future's basis", "note")
    w.formula(
        "C21",
        f"=IF(ISNUMBER(DATED_DAYS),IF(DATED_DAYS<=0,{EXPIRED},IF(HOLD_DAYS>DATED_DAYS,"
        '"the period outlasts the future: a roll is needed","")),"")',
        "text",
    )


def _moment(name: str) -> str:
    """A UTC moment as an Excel date number, from a date number or ISO-8601 text (``2025-09-26T08:00:00Z``)."""
    return f"IF(ISNUMBER({name}),{name},DATEVALUE(LEFT({name},10))+IFERROR(TIMEVALUE(MID({name},12,8)),0))"
