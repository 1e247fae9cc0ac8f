"""The Hedge sheet's reference columns: one tier table per exchange (H–L) and the exchanges' profiles (N–W).

Each exchange of :data:`~althedge_xl.core.exchanges.RULES` has its own tier table, stacked in columns H–L
in the profiles' order, all of one shape (:data:`TIER_ROWS` rows of floor, cap, maintenance rate,
maintenance amount and maximum leverage) so that one ``IF`` picks any of them in every engine
(:data:`TIERS_IN_FORCE`). A table is named :func:`tier_table_name` (Binance's keeps ``TIERS``); its heading
sits two rows above its first tier and its note one row below its last. It starts with the profile's
default BTC table, dated, or empty with a note saying that none can be cited and how to fill it.

Below them, one inverse table (:data:`INVERSE_TABLE_NAME`, floors and caps in BTC) with a cell naming
whose it is (:data:`INVERSE_OWNER_NAME`): empty by default, so an inverse hedge takes the rule's default
inverse table; the account refresh (Binance ``GET /dapi/v2/leverageBracket``) or the user fills it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from althedge_xl.core.exchanges import PROFILES, RULES, ExchangeProfile
from althedge_xl.core.tiers import TierTable
from althedge_xl.workbook.sheets._common import between
from althedge_xl.workbook.writer import SheetWriter

#: Where the tier tables sit: columns H–L, each with room for 30 tiers, one table every 35 rows.
TIER_COLUMNS = "HIJKL"
TIER_ROWS = 30
TABLE_SPACING = TIER_ROWS + 5
#: The name of the one table workbooks built before each exchange had its own shared among BingX, MEXC,
#: WEEX and OKX; ``refresh --tiers`` writes it when a workbook has no table named for the exchange.
SHARED_TABLE_NAME = "TIERS_OTHER"
#: Where the exchanges' profiles sit: one row per exchange from row 4, columns N–W.
PROFILE_FIRST_ROW = 4
PROFILE_COLUMNS = "NOPQRSTUVW"
#: One value of the chosen exchange's profile row.
PROFILE_VALUE = "INDEX({},MATCH(HEDGE_RULE,EXCHANGE_NAMES,0))"
#: The chosen exchange's inverse contract size in USD (blank where none is cited).
INVERSE_CONTRACT = PROFILE_VALUE.format("EXCHANGE_CONTRACT_USD")
#: How each kind of amount column (the profile's ``amounts``) is read, as the notes say it.
AMOUNT_NOTES = {
    "cumulative": "amount = cum",
    "deduction": "amount = mmDeduction",
    "none": "one rate for the whole position, amount 0",
}


def tier_table_name(exchange: str) -> str:
    """The defined name of ``exchange``'s tier table: ``TIERS`` for Binance, ``TIERS_<EXCHANGE>`` otherwise.

    >>> tier_table_name("binance"), tier_table_name("okx")
    ('TIERS', 'TIERS_OKX')
    """
    return "TIERS" if exchange == "binance" else f"TIERS_{exchange.upper()}"


#: The first tier row of each exchange's table.
TABLE_FIRST_ROWS = {name: 4 + i * TABLE_SPACING for i, name in enumerate(RULES)}
BINANCE_FIRST_ROW = TABLE_FIRST_ROWS["binance"]
BYBIT_FIRST_ROW = TABLE_FIRST_ROWS["bybit"]
#: The inverse tier table (BTC) and the cell naming the exchange it belongs to, one row above its header.
INVERSE_TABLE_NAME = "TIERS_INVERSE"
INVERSE_OWNER_NAME = "TIERS_INVERSE_EXCHANGE"
INVERSE_FIRST_ROW = 4 + len(RULES) * TABLE_SPACING + 1


def _tiers_in_force() -> str:
    """``IF(HEDGE_RULE="binance",IF(COUNT(TIERS)=0,"",TIERS),…,"")``; inverse: ``TIERS_INVERSE`` or the default.

    An empty table passes "" (the rule's default table, or the function's request for one, which says
    why none is shipped) rather than a range of blanks. An inverse hedge takes the inverse table only
    when it belongs to the exchange chosen and is not empty; otherwise "" (the rule's default inverse table).
    """
    choice = '""'
    for name in reversed(RULES):
        table = tier_table_name(name)
        choice = f'IF(HEDGE_RULE="{name}",IF(COUNT({table})=0,"",{table}),{choice})'
    inverse = f'IF({INVERSE_OWNER_NAME}<>HEDGE_RULE,"",IF(COUNT({INVERSE_TABLE_NAME})=0,"",{INVERSE_TABLE_NAME}))'
    return f'IF(CONTRACT_TYPE="inverse",{inverse},{choice})'


#: The tier table in force: the exchange chosen's (linear), or the inverse table when it is that exchange's.
TIERS_IN_FORCE = _tiers_in_force()


def tier_tables(w: SheetWriter) -> None:
    """Every exchange's tier table with its heading and note."""
    for name, profile in PROFILES.items():
        top = TABLE_FIRST_ROWS[name]
        table = profile.tiers.get("linear")
        _tier_table(w, profile, table, top)
        for offset, note in enumerate(_notes(profile, table), start=1):
            w.text(f"H{top + TIER_ROWS + offset}", note, "note")
    inverse_tier_table(w)


def inverse_tier_table(w: SheetWriter) -> None:
    """The inverse tier table (BTC, empty) under the others, with the cell naming whose table it is."""
    top = INVERSE_FIRST_ROW
    w.text(f"H{top - 3}", INVERSE_HEADING, "heading")
    w.text(f"H{top - 2}", "Exchange", "label")
    w.input(
        f"I{top - 2}", None, "text", name=INVERSE_OWNER_NAME, validation={"validate": "list", "source": list(RULES)}
    )
    w.text(f"J{top - 2}", "used only for an inverse hedge on this exchange (B10), and only when not empty", "note")
    _table_cells(w, (), top, "BTC")
    w.name_range(INVERSE_TABLE_NAME, f"{TIER_COLUMNS[0]}{top}:{TIER_COLUMNS[-1]}{top + TIER_ROWS - 1}")
    w.text(
        f"H{top + TIER_ROWS + 1}",
        "Floors and caps are position sizes in BTC, the maintenance amount (cum) in BTC, as Binance's COIN-M "
        "brackets read. Empty: the rule's default inverse table. althedge refresh --account fills it from "
        "your Binance account (GET /dapi/v2/leverageBracket) when you hold a COIN-M BTC position.",
        "note",
    )


#: The inverse table's heading as built; the account refresh dates it "from your account".
INVERSE_HEADING = "Inverse BTCUSD tiers (editable, in BTC; empty: the rule's default inverse table)"


def inverse_heading_from_account(label: str, date: str, endpoint: str) -> str:
    """The inverse table's heading once the account refresh wrote it, e.g. Binance's on 2026-03-05."""
    return f"{label} inverse BTCUSD tiers (editable, in BTC): from your account, {date} ({endpoint})"


def _notes(profile: ExchangeProfile, table: TierTable | None) -> tuple[str, ...]:
    """What the note under an exchange's table says: where its tiers come from and how they read."""
    amounts = AMOUNT_NOTES[profile.amounts]
    feed = profile.tier_feed
    if feed is not None and feed.refreshable:
        refresh = f"althedge refresh --tiers --exchange {profile.name} writes them all"
    elif feed is not None and feed.ccxt_id is None:
        refresh = f"ccxt has no call for {profile.label}'s tiers, so AltHedge cannot fetch them"
    else:
        endpoint = f" ({feed.endpoint})" if feed is not None and feed.endpoint else ""
        refresh = f"{profile.label}'s tier endpoint{endpoint} needs an API key"
    if table is None:
        then = ", or" if feed is not None and feed.refreshable else ":"
        return (
            f"{profile.label}: none published that AltHedge can cite; {refresh}{then} type the exchange's table "
            f"(in USDT; {amounts}).",
        )
    if profile.amounts == "cumulative":
        return (
            f"{refresh[0].upper()}{refresh[1:]}: this is its response {table.as_of} ({table.source}). "
            f"Edit it if {profile.label} changed them.",
            f"Amount (cum): floor x (rate - previous rate) + previous amount, {profile.label}'s rule.",
        )
    tiers = "one tier" if len(table.floors) == 1 else f"{len(table.floors)} tiers"
    return (f"{table.source} ({tiers}): {refresh}, or add rows. {amounts[0].upper()}{amounts[1:]}.",)


def _tier_table(w: SheetWriter, profile: ExchangeProfile, table: TierTable | None, first_row: int) -> None:
    unit = "USDT"
    if table is None:
        title = f"{profile.label} BTCUSDT tiers (editable, empty: none published that AltHedge can cite)"
    else:
        title = f"{table.described().split(' (')[0]} tiers (editable): {table.source} {table.as_of}".strip()
    w.text(f"H{first_row - 2}", title, "heading")
    data = [] if table is None else table.rows()
    _table_cells(w, data, first_row, unit)
    name = tier_table_name(profile.name)
    w.name_range(name, f"{TIER_COLUMNS[0]}{first_row}:{TIER_COLUMNS[-1]}{first_row + TIER_ROWS - 1}")


def _table_cells(w: SheetWriter, data: Sequence[Sequence[float]], first_row: int, unit: str) -> None:
    """A table's header row and its :data:`TIER_ROWS` rows of inputs, ``data`` first, then blanks."""
    headers = (f"Floor ({unit})", f"Cap ({unit})", "Maintenance rate", f"Maintenance amount ({unit})", "Max leverage")
    header_row = first_row - 1
    for col, header in zip(TIER_COLUMNS, headers, strict=True):
        w.sheet.write_string(f"{col}{header_row}", header, w.styles["header"])
    styles = ("int", "int", "rate", "number", "number")
    checks = (
        between(0, 1e12, "A notional of 0 or more."),
        between(0, 1e12, "A notional above 0."),
        between(0, 0.9999, "A rate from 0% to below 100%."),
        between(0, 1e12, "An amount of 0 or more."),
        between(1, 200, "A leverage from 1 to 200."),
    )
    for i in range(TIER_ROWS):
        for col, style, check, n in zip(TIER_COLUMNS, styles, checks, range(5), strict=True):
            w.input(f"{col}{first_row + i}", data[i][n] if i < len(data) else None, style, validation=check)


def profiles(w: SheetWriter) -> None:
    """The exchanges' profiles as the formulas read them: one row each, blank where nothing is cited."""
    w.sheet.set_column("N:N", 10)
    w.sheet.set_column("O:W", 14)
    w.text(f"N{PROFILE_FIRST_ROW - 2}", "Exchange profiles (cited in the README; blank: nothing to cite)", "heading")
    columns: tuple[tuple[str, str, str, Callable[[ExchangeProfile], object]], ...] = (
        ("Exchange", "EXCHANGE_NAMES", "text", lambda p: p.name),
        ("Name", "EXCHANGE_LABELS", "text", lambda p: p.label),
        ("Maintenance at", "EXCHANGE_VALUATIONS", "text", lambda p: p.valuation),
        ("Fee to close", "EXCHANGE_FEES", "rate", lambda p: p.fee_rate),
        ("Funding (hours)", "EXCHANGE_FUNDING_HOURS", "number", lambda p: p.funding_interval_hours),
        ("Funding cap", "EXCHANGE_FUNDING_CAPS", "rate", lambda p: p.funding_cap),
        ("Tick, linear", "EXCHANGE_TICKS", "number", lambda p: p.ticks.get("linear")),
        ("Rounds shown price", "EXCHANGE_ROUNDING", "text", lambda p: p.tick_rounding or ""),
        ("Rule", "EXCHANGE_RULES", "text", _rule_text),
        ("Inverse contract (USD)", "EXCHANGE_CONTRACT_USD", "number", lambda p: p.contract_usd),
    )
    header = PROFILE_FIRST_ROW - 1
    last = PROFILE_FIRST_ROW + len(PROFILES) - 1
    for col, (title, name, style, read) in zip(PROFILE_COLUMNS, columns, strict=True):
        w.sheet.write_string(f"{col}{header}", title, w.styles["header"])
        for row, profile in enumerate(PROFILES.values(), start=PROFILE_FIRST_ROW):
            value = read(profile)
            if value is None or value == "":
                w.sheet.write_blank(f"{col}{row}", None, w.styles[style])
            else:
                w.value(f"{col}{row}", value, style)
        w.name_range(name, f"{col}{PROFILE_FIRST_ROW}:{col}{last}")


def _rule_text(profile: ExchangeProfile) -> str:
    """The rule in words: where maintenance is valued and whether a fee to close is added."""
    if profile.fee_rate == 0:
        fee = "no fee term"
    else:
        fee = "plus the fee to close" + (" (give its rate below)" if profile.fee_rate is None else "")
    where = "the liquidation price" if profile.valuation == "liquidation" else "entry"
    return f"{profile.label}: maintenance at {where}, {fee}"
