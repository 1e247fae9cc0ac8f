"""The History sheet's long block, extended by ``refresh --history`` with the days after its last.

The long block (every day since 2021: closes, the day's BTCUSDT funding, Fear & Greed) is what the
backtest reads. A refresh appends the days of the fetched closes that come after its last day, each
with the day's funding (its settlements summed, as the builder sums the recorded ones) and the day's
Fear & Greed index. A day's funding is written only when the fetched history covers the whole day
(it has a settlement on an earlier day and one on a later day); otherwise, and for a day without an
index, the cell stays blank: a day without a record, never filled. The block's days stay
consecutive: when the fetched closes do not reach back to the day after its last, nothing is added.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from althedge_xl.workbook import history_layout as hx

#: One-based column of the long block's dates (H).
_DATE_COLUMN = 8


@dataclass
class LongBlockUpdate:
    """The cells to write (address -> value), the days added and why none could be (or None)."""

    cells: dict[str, Any] = field(default_factory=dict)
    days: list[str] = field(default_factory=list)
    problem: str | None = None


def last_long_day(content: bytes) -> tuple[str, int] | None:
    """The long block's last date and its row in the workbook package ``content``; None when it is empty."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        if hx.SHEET not in book.sheetnames:
            return None
        sheet = book[hx.SHEET]
        sheet.reset_dimensions()  # rows an earlier refresh appended lie beyond the stated dimension
        rows = sheet.iter_rows(min_row=hx.FIRST_ROW, min_col=_DATE_COLUMN, max_col=_DATE_COLUMN, values_only=True)
        return last_day_of(value for (value,) in rows)
    finally:
        book.close()


def days_from(content: bytes, row: int) -> list[tuple[str, bool]]:
    """The long block's days from ``row`` to its last in the workbook package ``content``, each with whether
    it has a funding record; empty when ``row`` is not one of its rows."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        if hx.SHEET not in book.sheetnames or row < hx.FIRST_ROW:
            return []
        sheet = book[hx.SHEET]
        sheet.reset_dimensions()  # rows a refresh appended lie beyond the stated dimension
        date, *_, funding, _ = (_DATE_COLUMN + i for i in range(len(hx.LONG_COLUMNS)))
        rows = sheet.iter_rows(min_row=row, min_col=date, max_col=funding, values_only=True)
        days: list[tuple[str, bool]] = []
        for values in rows:
            last = last_day_of([values[0]])
            if last is None:
                break
            days.append((last[0], values[-1] is not None))
        return days
    finally:
        book.close()


def last_day_of(dates: Iterable[Any]) -> tuple[str, int] | None:
    """The last date of the long block's date column (its values from the block's first row down) and its row.

    >>> last_day_of(["2026-01-01", "2026-01-02", None, "2026-01-09"])
    ('2026-01-02', 6)
    """
    last: tuple[str, int] | None = None
    for number, value in enumerate(dates, start=hx.FIRST_ROW):
        if value is None or not str(value).strip():
            break
        last = (value.date().isoformat() if isinstance(value, dt.datetime) else str(value).strip(), number)
    return last


def daily_funding(points: Iterable[Any]) -> dict[str, float]:
    """Each whole UTC day's funding: its settlements' rates summed, in the order given.

    A day counts only when a settlement falls on an earlier day and one on a later day, so that none of
    its own is missing from the history.

    >>> from althedge_xl.market.records import FundingPoint
    >>> days = daily_funding([FundingPoint(t, 0.0001) for t in ("2026-01-01T16:00:00Z", "2026-01-02T00:00:00Z",
    ...     "2026-01-02T08:00:00Z", "2026-01-02T16:00:00Z", "2026-01-03T00:00:00Z")])
    >>> {day: round(rate, 12) for day, rate in days.items()}  # the 1st and the 3rd are not whole
    {'2026-01-02': 0.0003}
    """
    per_day: dict[str, float] = {}
    for point in points:
        day = str(point.time)[:10]
        per_day[day] = per_day.get(day, 0.0) + float(point.rate)
    days = sorted(per_day)
    return {day: per_day[day] for day in days[1:-1]}


def long_block_update(
    last: tuple[str, int] | None, closes: Any, funding: Iterable[Any], fear_greed: Iterable[Any]
) -> LongBlockUpdate:
    """The long block's new rows after ``last`` (its last day and row) from ``closes``.

    ``closes`` is a :class:`~althedge_xl.market.DailyCloses`; ``funding`` the funding history's
    points (``time``, ``rate``); ``fear_greed`` the index's points (``date``, ``value``).
    """
    update = LongBlockUpdate()
    if last is None or closes.missing:
        return update
    last_day, last_row = last
    new = [(day, row) for day, row in zip(closes.dates, closes.closes, strict=True) if day > last_day]
    if not new:
        return update
    following = (dt.date.fromisoformat(last_day) + dt.timedelta(days=1)).isoformat()
    if new[0][0] != following:
        update.problem = (
            f"the daily history ends on {last_day} and the closes fetched begin on {new[0][0]}: "
            "no day was added (the days between cannot be fetched)"
        )
        return update
    by_symbol = [closes.symbols.index(asset) if asset in closes.symbols else None for asset in hx.ASSETS]
    funding_of = daily_funding(funding)
    index_of = {str(point.date): float(point.value) for point in fear_greed}
    date_column, *close_columns, funding_column, fear_greed_column = hx.LONG_COLUMNS
    for offset, (day, row) in enumerate(new, start=1):
        number = last_row + offset
        update.cells[f"{date_column}{number}"] = day
        for column, index in zip(close_columns, by_symbol, strict=True):
            update.cells[f"{column}{number}"] = None if index is None else row[index]
        update.cells[f"{funding_column}{number}"] = funding_of.get(day)
        update.cells[f"{fear_greed_column}{number}"] = index_of.get(day)
        update.days.append(day)
    return update
