"""Refresh into a workbook file and into an open workbook (issue 6): one code path for the data.

Market values come from the recorded real responses in ../shared/data/wire_samples (replayed through
the real ccxt client in one end-to-end test; handed over as a snapshot in the others).
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
import responses
from conftest import package_parts
from test_feeds import (  # the recorded-response replay of the feed tests
    FNG_DOC,
    PREMIUM_BTC,
    T_PREMIUM,
    TICKER_24HR,
    FngGetter,
    Sleeps,
    _no_network,  # noqa: F401  (autouse: no network in this module either)
    fixed_clock,
    serve_binance,
    throttle_costs,  # noqa: F401  (autouse: ccxt's throttle records instead of sleeping)
)

from althedge_xl import market
from althedge_xl.cli import main
from althedge_xl.headless.engine import compute
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.backups import backups_of
from althedge_xl.workbook.history_long import last_long_day
from althedge_xl.workbook.patch import sheet_part
from althedge_xl.workbook.prices_update import prices_update
from althedge_xl.workbook.refresh import RefreshError, refresh_workbook
from althedge_xl.workbook.refresh_excel import ALERT_TITLE, refresh_and_tell, refresh_book, refresh_caller

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook" / "AltHedge.xlsm"
NOW = "2025-06-17T08:40:00.000Z"
#: The recorded premiumIndex entry of Binance's September 2025 quarterly (BTCUSDT_250926).
QUARTERLY = {"markPrice": "108194.97576087", "indexPrice": "106647.69847826", "expiry": "2025-09-26T08:00:00Z"}
QUARTERLY_DAYS = (
    datetime(2025, 9, 26, 8, tzinfo=UTC) - datetime(2025, 6, 17, 8, 40, tzinfo=UTC)
).total_seconds() / 86400
#: market fetches the dated future since DatedFutureQuote landed; before, snapshots had none.
HAS_DATED_FUTURE = hasattr(market, "DatedFutureQuote")
needs_dated_future = pytest.mark.skipif(not HAS_DATED_FUTURE, reason="market.DatedFutureQuote not there yet")


def _dated_future(ok: bool) -> market.DatedFutureQuote:
    return market.DatedFutureQuote(
        symbol="BTC/USDT:USDT-250926",
        price=float(QUARTERLY["markPrice"]) if ok else None,
        index_price=float(QUARTERLY["indexPrice"]) if ok else None,
        expiry=QUARTERLY["expiry"],
        days_to_expiry=QUARTERLY_DAYS if ok else None,
        as_of=None,
        time=NOW if ok else None,
        source="binance fetch_mark_prices BTC/USDT:USDT-250926" if ok else "",
        stale=not ok,
        age_seconds=0.0 if ok else None,
        error=None if ok else "timed out",
    )


def _snapshot(
    *,
    spot_ok: bool = True,
    perp_ok: bool = True,
    future_ok: bool | None = None,
    unknown: tuple[str, ...] = (),
) -> market.MarketSnapshot:
    """A snapshot holding the recorded real values: BTC's 24 h ticker, the premiumIndex, alternative.me.

    The dated future (when market has it) follows ``perp_ok`` unless ``future_ok`` says otherwise.
    """
    btc = float(TICKER_24HR["lastPrice"])
    spot = {
        "BTC": market.Quote("BTC", "BTC/USDT", btc if spot_ok else None, None, NOW if spot_ok else None,
                           "binance fetch_ticker BTC/USDT" if spot_ok else "", not spot_ok, 0.0 if spot_ok else None,
                           None if spot_ok else "HTTP 502 from api.binance.com"),
    }  # fmt: skip
    for symbol in unknown:
        spot[symbol] = market.Quote(symbol, f"{symbol}/USDT", None, None, None, "", True, None, "not listed on binance")
    perp = market.PerpQuote(
        "BTC/USDT:USDT",
        float(PREMIUM_BTC["markPrice"]) if perp_ok else None,
        float(PREMIUM_BTC["indexPrice"]) if perp_ok else None,
        float(PREMIUM_BTC["lastFundingRate"]) if perp_ok else None,
        8.0 if perp_ok else None,
        "2025-06-17T16:00:00.000Z" if perp_ok else None,
        None,
        NOW if perp_ok else None,
        "binance fetch_funding_rates" if perp_ok else "",
        not perp_ok,
        0.0 if perp_ok else None,
        None if perp_ok else "timed out",
    )
    newest = FNG_DOC["data"][0]
    fear_greed = market.FearGreed(
        int(newest["value"]), "2025-04-22", newest["value_classification"], (), NOW, "alternative.me", False, 0.0, None
    )
    history = market.FundingHistory("BTC/USDT:USDT", (), None, "", True, None, "timed out")
    fields = {
        "exchange": "binance",
        "quote_currency": "USDT",
        "created_at": NOW,
        "offline": False,
        "spot": spot,
        "perp": perp,
        "funding_history": history,
        "fear_greed": fear_greed,
        "unknown_symbols": unknown,
        "messages": ("funding history: timed out",),
    }
    if HAS_DATED_FUTURE:
        fields["dated_future"] = _dated_future(perp_ok if future_ok is None else future_ok)
    return market.MarketSnapshot(**fields)


def _nothing() -> market.MarketSnapshot:
    """A snapshot in which nothing could be fetched."""
    fear_greed = market.FearGreed(None, None, None, (), None, "", True, None, "timed out")
    return dataclasses.replace(_snapshot(spot_ok=False, perp_ok=False), fear_greed=fear_greed)


def _fetch(snapshot: market.MarketSnapshot):
    calls = []

    def fetch(symbols, exchange, offline, **options):
        calls.append((list(symbols), exchange, offline))
        return snapshot

    fetch.calls = calls  # type: ignore[attr-defined]
    return fetch


def test_only_the_prices_part_changes(workbook):
    before = package_parts(workbook)
    original = workbook.read_bytes()
    update = refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    after = package_parts(workbook)
    with zipfile.ZipFile(workbook) as archive:
        prices_part = sheet_part(archive, px.SHEET)
    assert sorted(before) == sorted(after)
    assert [name for name in before if before[name] != after[name]] == [prices_part]
    assert [backup.read_bytes() for backup in backups_of(workbook)] == [original]
    assert update.refreshed_any and update.written and update.backup == backups_of(workbook)[0]


def test_values_written_and_marked(workbook):
    refresh_workbook(workbook, fetch=_fetch(_snapshot(unknown=("NOSUCHCOIN",))))
    sheet = openpyxl.load_workbook(workbook)[px.SHEET]
    # BTC: the recorded 24 h ticker's last price, fresh.
    assert sheet["A5"].value == "BTC" and sheet["B5"].value == float(TICKER_24HR["lastPrice"])
    assert sheet["E5"].value is False
    # ETH was not in this snapshot: its sample price (the ETH close of 2025-06-17 in daily_close_wide.csv) stays,
    # still marked stale.
    assert sheet["A6"].value == "ETH" and sheet["B6"].value == pytest.approx(2509.95) and sheet["E6"].value is True
    # The unknown symbol takes a free row, is named and marked, and has no invented price.
    row = next(r for r in range(5, 25) if sheet[f"A{r}"].value == "NOSUCHCOIN")
    assert sheet[f"B{row}"].value is None and sheet[f"E{row}"].value is True
    assert sheet[f"F{row}"].value == "unknown on binance"
    cells = px.field_cells()
    assert sheet[cells["BTC_MARK"]].value == float(PREMIUM_BTC["markPrice"])
    assert sheet[cells["FUNDING_RATE"]].value == float(PREMIUM_BTC["lastFundingRate"])
    assert sheet[cells["FG_VALUE"]].value == int(FNG_DOC["data"][0]["value"])
    # The funding history could not be fetched: the sample history stays (nothing blanked).
    assert sheet["I5"].value is not None
    assert sheet[px.UPDATED_CELL].value == NOW


def test_failed_items_keep_last_good_values_marked_stale(workbook):
    before = openpyxl.load_workbook(workbook)[px.SHEET]
    refresh_workbook(workbook, fetch=_fetch(_snapshot(spot_ok=False, perp_ok=False)))
    after = openpyxl.load_workbook(workbook)[px.SHEET]
    cells = px.field_cells()
    assert after["B5"].value == before["B5"].value and after["E5"].value is True
    # The sample price stays, and says what it is (it never came from a refresh).
    assert after["F5"].value == "template sample value, never refreshed: HTTP 502 from api.binance.com"
    assert after[cells["BTC_MARK"]].value == before[cells["BTC_MARK"]].value
    assert after[cells["PERP_STALE"]].value is True


def test_refreshed_file_computes(workbook):
    refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    computed = compute(workbook)
    assert list(computed.errors()) == []
    assert computed.named("BTC_MARK") == float(PREMIUM_BTC["markPrice"])
    assert computed.named("STRESS_NET") == -14_500  # holdings are typed values: the method's table holds


def test_crash_mid_write_leaves_the_original(workbook, monkeypatch):
    original = workbook.read_bytes()

    def crash(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("althedge_xl.files.os.fsync", crash)
    with pytest.raises(RefreshError, match=r"Mine\.xlsm: the disk is full \(no space left on device\); nothing was"):
        refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    assert workbook.read_bytes() == original and backups_of(workbook) == []
    assert [p.name for p in workbook.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_backup_is_written_atomically_with_the_originals_mode(workbook, monkeypatch):
    def no_copy(*args, **kwargs):
        raise AssertionError("shutil.copy2 is not atomic; the backup is written from the bytes read")

    monkeypatch.setattr(shutil, "copy2", no_copy)
    original = workbook.read_bytes()
    workbook.chmod(0o640)
    older = workbook.with_name("Mine.backup-20250101-000000.xlsm")
    older.write_bytes(b"an older backup")
    refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    older_still, new = backups_of(workbook)
    assert older_still == older and older.read_bytes() == b"an older backup"  # never overwritten
    assert new.read_bytes() == original
    assert stat.S_IMODE(new.stat().st_mode) == 0o640
    assert stat.S_IMODE(workbook.stat().st_mode) == 0o640


@pytest.mark.parametrize("how", ["mode_bits", "access_file", "access_folder"])
def test_read_only_workbook_is_refused_before_fetching(workbook, monkeypatch, how):
    # Tests run as root, which os.access lets write anything: a chmod-ed file is caught by its mode
    # bits; a file or folder the user may not write is simulated by denying os.access.
    original, mode = workbook.read_bytes(), stat.S_IMODE(workbook.stat().st_mode)
    if how == "mode_bits":
        workbook.chmod(0o444)
    else:
        denied = workbook if how == "access_file" else workbook.parent
        real_access = os.access
        monkeypatch.setattr(
            "althedge_xl.workbook.refresh.os.access",
            lambda path, m: False if Path(path) == denied and m & os.W_OK else real_access(path, m),
        )
    fetch = _fetch(_snapshot())
    with pytest.raises(RefreshError, match=r"Mine\.xlsm is read-only.*; nothing was changed$"):
        refresh_workbook(workbook, fetch=fetch)
    assert fetch.calls == []
    assert workbook.read_bytes() == original and backups_of(workbook) == []
    if how != "mode_bits":
        assert stat.S_IMODE(workbook.stat().st_mode) == mode


def test_damaged_workbook_is_one_clear_error(workbook, tmp_path):
    damaged = tmp_path / "Damaged.xlsm"
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            target.writestr(name, b"<not xml" if name == "xl/workbook.xml" else source.read(name))
    with pytest.raises(RefreshError, match=r"Damaged\.xlsm: cannot be read as a workbook"):
        refresh_workbook(damaged, fetch=_fetch(_snapshot()))


@needs_dated_future
def test_dated_future_written_to_the_quarterly_fields(workbook):
    refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    sheet = openpyxl.load_workbook(workbook)[px.SHEET]
    cells = px.field_cells()
    assert sheet[cells["QUARTERLY_SYMBOL"]].value == "BTC/USDT:USDT-250926"
    assert sheet[cells["QUARTERLY_PRICE"]].value == float(QUARTERLY["markPrice"])
    assert sheet[cells["QUARTERLY_INDEX"]].value == float(QUARTERLY["indexPrice"])
    assert sheet[cells["QUARTERLY_DAYS"]].value == pytest.approx(100.972222, abs=1e-6)
    assert sheet[cells["QUARTERLY_TIME"]].value == NOW
    assert sheet[cells["QUARTERLY_STALE"]].value is False
    computed = compute(workbook)
    assert computed.named("QUARTERLY_PRICE") == float(QUARTERLY["markPrice"])
    assert list(computed.errors()) == []


@needs_dated_future
def test_missing_dated_future_keeps_the_last_good_values_marked_stale(workbook):
    cells = px.field_cells()
    names = [name for name, _ in px.QUARTERLY_FIELDS if name != "QUARTERLY_STALE"]
    before = openpyxl.load_workbook(workbook)[px.SHEET]
    update = refresh_workbook(workbook, fetch=_fetch(_snapshot(future_ok=False)))
    after = openpyxl.load_workbook(workbook)[px.SHEET]
    for name in names:  # the sample contract's symbol too: no new name beside the old price
        assert after[cells[name]].value == before[cells[name]].value is not None, name
    assert after[cells["QUARTERLY_STALE"]].value is True
    assert "BTC dated future" in update.stale and "BTC perpetual" in update.refreshed


def test_snapshot_without_a_dated_future_leaves_the_quarterly_fields_alone(workbook):
    # Before market fetched the dated future its snapshots had no such attribute.
    current = {"A5": "BTC"}
    snapshot = _snapshot()
    if HAS_DATED_FUTURE:
        snapshot = dataclasses.replace(snapshot, dated_future=None)
    update = prices_update(snapshot, current)
    quarterly = {px.field_cells()[name] for name, _ in px.QUARTERLY_FIELDS}
    assert quarterly.isdisjoint(update.cells)
    assert "BTC dated future" not in update.refreshed + update.stale


def test_symbols_come_from_prices_and_portfolio_quantities(workbook):
    book = openpyxl.load_workbook(workbook, keep_vba=True)
    book["Portfolio"]["A9"], book["Portfolio"]["C9"] = "link", 100
    book.save(workbook)
    fetch = _fetch(_snapshot())
    refresh_workbook(workbook, fetch=fetch)
    symbols, exchange, offline = fetch.calls[0]
    assert symbols == ["BTC", "ETH", "SOL", "BNB", "XRP", "ADA", "DOGE", "AVAX", "LINK"]
    assert (exchange, offline) == ("binance", False)


def test_end_to_end_replay_through_ccxt(workbook, tmp_path, monkeypatch):
    # The real market + ccxt code path against the recorded Binance and alternative.me responses.
    book = openpyxl.load_workbook(workbook, keep_vba=True)
    for row in range(6, 13):
        book[px.SHEET][f"A{row}"] = None  # BTC only: the recorded 24 h ticker is BTCUSDT's
    book.save(workbook)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        serve_binance(mock)
        update = refresh_workbook(
            workbook, cache_dir=tmp_path / "cache", http_get=FngGetter(), sleep=Sleeps(), clock=fixed_clock(T_PREMIUM)
        )
    assert update.refreshed_any, update.messages
    sheet = openpyxl.load_workbook(workbook)[px.SHEET]
    assert sheet["B5"].value == float(TICKER_24HR["lastPrice"])
    assert sheet[px.field_cells()["BTC_MARK"]].value == float(PREMIUM_BTC["markPrice"])
    assert sheet[f"{px.HISTORY_RATE_COLUMN}{px.HISTORY_FIRST_ROW}"].value is not None


def test_cli_exit_codes(workbook, monkeypatch, capsys):
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", _fetch(_snapshot()))
    assert main(["refresh", str(workbook)]) == 0
    assert "refreshed" in capsys.readouterr().out
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", _fetch(_nothing()))
    assert main(["refresh", str(workbook)]) == 1
    assert "nothing could be fetched" in capsys.readouterr().err


def test_report_refresh_leaves_the_users_file_alone(workbook, monkeypatch, capsys):
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", _fetch(_snapshot()))
    before, mtime = workbook.read_bytes(), workbook.stat().st_mtime_ns
    assert main(["report", str(workbook), "--refresh", "--format", "json"]) == 0
    assert workbook.read_bytes() == before and workbook.stat().st_mtime_ns == mtime
    assert backups_of(workbook) == []


def test_not_a_workbook(tmp_path, capsys):
    path = tmp_path / "prices.xlsm"
    path.write_text("symbol,price\n")
    assert main(["refresh", str(path), "--offline"]) == 2
    assert "not an Excel workbook" in capsys.readouterr().err


class FakeRange:
    def __init__(self, sheet: FakeSheet, ref: str) -> None:
        self.sheet, self.ref = sheet, ref

    def options(self, **_):
        return self

    def _cells(self):
        from althedge_xl.workbook.refresh_excel import _cells_of

        return _cells_of(self.ref if ":" in self.ref else f"{self.ref}:{self.ref}")

    @property
    def value(self):
        return [[self.sheet.values.get(c) for c in row] for row in self._cells()]

    @value.setter
    def value(self, rows):
        self.sheet.writes.append(self.ref)
        if not isinstance(rows, list):  # xlwings writes a single value into a single cell
            rows = [[rows]]
        for names, row in zip(self._cells(), rows, strict=True):
            self.sheet.values.update(zip(names, row, strict=True))


class FakeSheet:
    def __init__(self, values):
        self.values, self.writes = dict(values), []

    def range(self, ref):
        return FakeRange(self, ref)


class FakeSheets(dict):
    """``book.sheets``: by name, and iterated as sheets (each with a ``name``) like xlwings'."""

    def __iter__(self):
        return iter(list(self.values()))


class FakeApp:
    """``book.app``: records the message boxes instead of showing them."""

    def __init__(self) -> None:
        self.alerts: list[dict] = []

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append({"prompt": prompt, "title": title, "mode": mode})
        return "ok"


class FakeBook:
    """The part of an xlwings Book that refresh uses, over the template's cell values."""

    def __init__(self, path: Path, sheets: tuple[str, ...] = (px.SHEET, "Portfolio")) -> None:
        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), data_only=True)
        self.sheets = FakeSheets()
        for name in sheets:
            sheet = FakeSheet(
                {c.coordinate: c.value for row in book[name].iter_rows() for c in row if c.value is not None}
            )
            sheet.name = name
            self.sheets[name] = sheet
        self.app = FakeApp()


def test_excel_refresh_writes_the_same_cells_as_the_command_line(workbook):
    fake = FakeBook(workbook)
    update = refresh_book(fake, fetch=_fetch(_snapshot()))
    refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    from_file = openpyxl.load_workbook(workbook)[px.SHEET]
    for cell, value in update.cells.items():
        assert fake.sheets[px.SHEET].values.get(cell) == from_file[cell].value == value, cell
    assert fake.sheets["Portfolio"].writes == []  # only the Prices sheet is written


@needs_dated_future
def test_excel_refresh_writes_the_quarterly_block(workbook):
    fake = FakeBook(workbook)
    refresh_book(fake, fetch=_fetch(_snapshot()))
    values = fake.sheets[px.SHEET].values
    cells = px.field_cells()
    assert values[cells["QUARTERLY_PRICE"]] == float(QUARTERLY["markPrice"])
    assert values[cells["QUARTERLY_STALE"]] is False


def test_refresh_button_with_nothing_refreshed_shows_a_message_not_a_traceback(workbook):
    fake = FakeBook(workbook)
    before = dict(fake.sheets[px.SHEET].values)
    update = refresh_and_tell(fake, fetch=_fetch(_nothing()))
    assert update is not None and not update.refreshed_any
    [alert] = fake.app.alerts
    assert alert["title"] == ALERT_TITLE and alert["mode"] == "critical"
    assert alert["prompt"].startswith("Nothing could be refreshed; the Prices sheet keeps its last good values")
    assert "Stale (last good values kept): BTC, BTC perpetual" in alert["prompt"]
    assert fake.sheets[px.SHEET].values["B5"] == before["B5"]  # last good value, marked stale
    assert fake.sheets[px.SHEET].values["E5"] is True


def test_refresh_button_names_stale_and_unknown_symbols(workbook):
    fake = FakeBook(workbook)
    refresh_and_tell(fake, fetch=_fetch(_snapshot(unknown=("NOSUCHCOIN",))))
    [alert] = fake.app.alerts
    assert alert["mode"] == "info"
    lines = alert["prompt"].splitlines()
    assert lines[0].startswith("Refreshed: BTC, BTC perpetual")
    assert "Stale (last good values kept): " in lines[1] and "funding history" in lines[1]
    assert lines[2] == "Unknown on binance (marked on the Prices sheet): NOSUCHCOIN."
    assert "funding history: timed out" in lines


def test_refresh_button_quiet_when_everything_is_fresh(workbook):
    fake = FakeBook(workbook)
    history = market.FundingHistory(
        "BTC/USDT:USDT", (market.FundingPoint("2025-06-17T00:00:00Z", 0.00004758),), NOW, "binance", False, 0.0, None
    )
    snapshot = dataclasses.replace(_snapshot(), funding_history=history, messages=())
    for row in range(6, 25):
        fake.sheets[px.SHEET].values.pop(f"A{row}", None)  # BTC only, the symbol the snapshot has
    fake.sheets["Portfolio"].values.clear()
    update = refresh_and_tell(fake, fetch=_fetch(snapshot))
    assert update is not None and update.stale == [] and fake.app.alerts == []


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (ValueError("unknown exchange 'nosuchx'"), "Nothing was refreshed: unknown exchange 'nosuchx'"),
        (RuntimeError("boom"), "Nothing was refreshed: internal error (RuntimeError: boom); please report it."),
    ],
)
def test_refresh_button_failure_is_a_message(workbook, failure, expected):
    fake = FakeBook(workbook)

    def fetch(*args, **kwargs):
        raise failure

    assert refresh_and_tell(fake, fetch=fetch) is None
    assert [a["prompt"] for a in fake.app.alerts] == [expected]


def test_refresh_button_without_a_prices_sheet(workbook):
    fake = FakeBook(workbook, sheets=("Portfolio",))
    assert refresh_and_tell(fake, fetch=_fetch(_snapshot())) is None
    assert [a["prompt"] for a in fake.app.alerts] == ["Nothing was refreshed: this workbook has no Prices sheet"]


def test_refresh_caller_never_raises(workbook, monkeypatch):
    xlwings = pytest.importorskip("xlwings")
    fake = FakeBook(workbook)
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: fake))
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", _fetch(_nothing()))
    refresh_caller()  # used to raise RuntimeError, which xlwings shows as a traceback
    assert len(fake.app.alerts) == 1


# --- the History sheet's last year (refresh --history) ----------------------------------------------


def _daily_closes(last_day: str = "2025-06-30", stale: bool = False, missing: bool = False) -> market.DailyCloses:
    """Real Binance daily closes of the History assets (shared market data), 366 days to ``last_day``."""
    import csv

    with open(ROOT.parent / "shared" / "data" / "prices" / "daily_close_wide.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["date"] <= last_day][-366:]
    assets = ("BTC", "ETH", "SOL", "AVAX")
    return market.DailyCloses(
        symbols=assets,
        dates=() if missing else tuple(r["date"] for r in rows),
        closes=() if missing else tuple(tuple(float(r[a]) for a in assets) for r in rows),
        time=None if missing else NOW,
        source="" if missing else "binance fetch_ohlcv 1d",
        stale=stale or missing,
        age_seconds=None if missing else (3600.0 if stale else 0.0),
        error="timed out" if (stale or missing) else None,
    )


def _fetch_closes(closes: market.DailyCloses):
    def fetch(symbols, days, exchange, offline, **options):
        assert (tuple(symbols), days) == (("BTC", "ETH", "SOL", "AVAX"), 366)
        return closes

    return fetch


def test_the_same_answers_again_write_nothing(workbook):
    # the second refresh fetches the same values (and History the same closes): only the refresh's own
    # time would differ, which is not a change, so the file, its time and the backups stay as they are
    def run():
        return refresh_workbook(
            workbook, fetch=_fetch(_snapshot()), history=True, fetch_closes=_fetch_closes(_daily_closes())
        )

    assert run().written
    before, mtime = workbook.read_bytes(), workbook.stat().st_mtime_ns
    again = run()
    assert not again.written
    assert workbook.read_bytes() == before and workbook.stat().st_mtime_ns == mtime
    assert len(backups_of(workbook)) == 1


def test_history_refresh_changes_only_prices_and_history(workbook):
    before, original = package_parts(workbook), workbook.read_bytes()
    refresh_workbook(workbook, fetch=_fetch(_snapshot()), history=True, fetch_closes=_fetch_closes(_daily_closes()))
    after = package_parts(workbook)
    with zipfile.ZipFile(workbook) as archive:
        expected = {sheet_part(archive, px.SHEET), sheet_part(archive, "History")}
        if last_long_day(workbook.read_bytes()) != last_long_day(original):  # days appended to the daily history:
            # the formulas over it, the equity array's name and chart stretch over them (test_backtest_sheet_refresh)
            stretched = {sheet_part(archive, "Backtest"), sheet_part(archive, "HedgeRatio")}
            expected |= stretched | {"xl/workbook.xml", "xl/charts/chart3.xml"}
    assert {name for name in before if before[name] != after[name]} == expected


def test_history_refresh_moves_the_backtest_window(workbook):
    # After the refresh the Backtest's beta is measured on the fetched year: statsmodels on the same
    # real closes, computed here.
    import numpy as np
    import statsmodels.api as sm

    closes = _daily_closes("2025-06-30")
    refresh_workbook(workbook, fetch=_fetch(_snapshot()), history=True, fetch_closes=_fetch_closes(closes))
    computed = compute(workbook)
    assert computed.value("History", "A5") == closes.dates[0] and computed.value("History", "A370") == "2025-06-30"
    assert computed.value("History", "D2") is False
    btc, eth = (np.array([row[i] for row in closes.closes]) for i in (0, 1))
    r_btc, r_eth = btc[1:] / btc[:-1] - 1, eth[1:] / eth[:-1] - 1
    expected = sm.OLS(r_eth, sm.add_constant(r_btc)).fit().params[1]
    assert computed.value("Backtest", "B5") == pytest.approx(expected, abs=1e-10)  # ETH's beta
    assert computed.value("Backtest", "A18") == "FTX week, Nov 2022"  # the crash replays stay


def test_history_not_fetched_keeps_the_year_marked_stale(workbook):
    before = openpyxl.load_workbook(workbook)["History"]
    kept = [before[f"{c}{r}"].value for r in (5, 370) for c in "ABCDE"]
    update = refresh_workbook(
        workbook, fetch=_fetch(_snapshot()), history=True, fetch_closes=_fetch_closes(_daily_closes(missing=True))
    )
    after = openpyxl.load_workbook(workbook)["History"]
    assert [after[f"{c}{r}"].value for r in (5, 370) for c in "ABCDE"] == kept
    assert after["D2"].value is True
    assert "History closes" in update.stale and "History closes: timed out" in update.messages


def test_excel_refresh_writes_the_history_year_too(workbook):
    fake = FakeBook(workbook, sheets=(px.SHEET, "Portfolio", "History"))
    closes = _daily_closes("2025-06-30")
    refresh_book(fake, fetch=_fetch(_snapshot()), fetch_closes=_fetch_closes(closes))
    values = fake.sheets["History"].values
    assert values["A370"] == "2025-06-30" and values["B370"] == closes.closes[-1][0]
    assert values["D2"] is False
