"""The Prices sheet: spot, perpetual, dated future and Fear & Greed, refreshed in place."""

from __future__ import annotations

from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.samples import Samples
from althedge_xl.workbook.writer import SheetWriter


def prices(w: SheetWriter, samples: Samples, refresh_macro: str) -> None:
    s = w.sheet
    s.set_column("A:A", 24)
    s.set_column("B:B", 18)
    s.set_column("C:C", 21)
    s.set_column("D:D", 52)
    s.set_column("E:F", 10)
    s.set_column("H:H", 26)
    s.set_column("I:I", 12)
    s.set_row(0, 21)
    w.text("A1", "Prices", "title")
    w.text("A2", "Last refresh (UTC)", "label")
    w.data(px.UPDATED_CELL, "never: template sample values", "text")
    w.name_range("PRICES_UPDATED", px.UPDATED_CELL)
    w.text("A3", "Exchange (ccxt id)", "label")
    w.input(
        px.EXCHANGE_CELL,
        "binance",
        "text",
        name="EXCHANGE",
        validation={"validate": "length", "criteria": "between", "minimum": 2, "maximum": 30},
    )
    w.text(
        "C2",
        "Refresh writes this sheet; type only symbols in column A and the exchange. Stale = the last good value kept.",
        "note",
    )
    w.data(px.AS_OF_LINE_CELL, samples.as_of_line, "text")
    w.name_range("AS_OF_LINE", px.AS_OF_LINE_CELL)
    w.text("C3", "Values as of (UTC)", "label")
    w.data(px.AS_OF_CELL, samples.as_of_time, "text")
    w.name_range("AS_OF", px.AS_OF_CELL)
    for col, header in zip(px.SPOT_COLUMNS, px.SPOT_HEADERS, strict=True):
        s.write_string(f"{col}{px.SPOT_HEADER_ROW}", header, w.styles["header"])
    for i in range(px.SPOT_ROWS):
        r = px.SPOT_FIRST_ROW + i
        sample = samples.spot[i] if i < len(samples.spot) else None
        w.data(f"A{r}", sample.symbol if sample else None, "text")
        w.data(f"B{r}", sample.price if sample else None, "price")
        w.data(f"C{r}", sample.date if sample else None, "text")
        w.data(f"D{r}", sample.source if sample else None, "text")
        w.data(f"E{r}", True if sample else None, "bool")
        w.data(f"F{r}", None, "text")
    last = px.SPOT_FIRST_ROW + px.SPOT_ROWS - 1
    w.name_range("PRICE_TABLE", f"A{px.SPOT_FIRST_ROW}:B{last}")
    w.name_range("PRICE_STALE", f"E{px.SPOT_FIRST_ROW}:E{last}")
    perp, future, fg = samples.perp, samples.quarterly, samples.fear_greed
    blocks = (
        (px.PERP_FIRST_ROW, "BTC perpetual", px.PERP_FIELDS,
         (perp.symbol, perp.mark_price, perp.index_price, perp.funding_rate, perp.interval_hours,
          perp.next_funding_time, perp.time, perp.source, True),
         ("text", "price", "price", "rate", "int", "text", "text", "text", "bool")),
        (px.QUARTERLY_FIRST_ROW, "BTC dated future", px.QUARTERLY_FIELDS,
         (future.symbol, future.price, future.index_price, future.days_to_expiry, future.expiry, future.time,
          future.source, True),
         ("text", "price", "price", "number", "text", "text", "text", "bool")),
        (px.FEAR_GREED_FIRST_ROW, "Fear & Greed", px.FEAR_GREED_FIELDS,
         (fg.value, fg.classification, fg.date, fg.source, True),
         ("int", "text", "text", "text", "bool")),
    )  # fmt: skip
    for first, heading, fields, values, kinds in blocks:
        w.text(f"A{first - 1}", heading, "heading")
        for offset, ((name, label), value, kind) in enumerate(zip(fields, values, kinds, strict=True)):
            w.text(f"A{first + offset}", label, "label")
            w.data(f"B{first + offset}", value, kind)
            w.name_range(name, f"B{first + offset}")
    w.sheet.insert_button("F2", {"macro": refresh_macro, "caption": "Refresh prices", "width": 130, "height": 24})
    w.text(f"{px.HISTORY_TIME_COLUMN}2", "BTCUSDT funding history (last 90 days)", "heading")
    s.write_string(f"{px.HISTORY_TIME_COLUMN}{px.HISTORY_HEADER_ROW}", "Settlement (UTC)", w.styles["header"])
    s.write_string(f"{px.HISTORY_RATE_COLUMN}{px.HISTORY_HEADER_ROW}", "Funding rate", w.styles["header"])
    for i in range(px.HISTORY_ROWS):
        r = px.HISTORY_FIRST_ROW + i
        time, rate = samples.funding_history[i] if i < len(samples.funding_history) else (None, None)
        w.data(f"{px.HISTORY_TIME_COLUMN}{r}", time, "text")
        w.data(f"{px.HISTORY_RATE_COLUMN}{r}", rate, "rate")
    last_history = px.HISTORY_FIRST_ROW + px.HISTORY_ROWS - 1
    w.name_range(
        "FUNDING_HISTORY", f"{px.HISTORY_RATE_COLUMN}{px.HISTORY_FIRST_ROW}:{px.HISTORY_RATE_COLUMN}{last_history}"
    )
    stale = w.styles["stale"]
    for ref, flag in (
        (f"A{px.SPOT_FIRST_ROW}:D{last}", f"$E{px.SPOT_FIRST_ROW}=TRUE"),
        (f"B{px.PERP_FIRST_ROW}:B{px.PERP_FIRST_ROW + len(px.PERP_FIELDS) - 1}", "PERP_STALE=TRUE"),
        (f"B{px.QUARTERLY_FIRST_ROW}:B{px.QUARTERLY_FIRST_ROW + len(px.QUARTERLY_FIELDS) - 1}", "QUARTERLY_STALE=TRUE"),
        (f"B{px.FEAR_GREED_FIRST_ROW}:B{px.FEAR_GREED_FIRST_ROW + len(px.FEAR_GREED_FIELDS) - 1}", "FG_STALE=TRUE"),
    ):
        s.conditional_format(ref, {"type": "formula", "criteria": "=" + flag, "format": stale})
