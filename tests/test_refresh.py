"""Refresh into a workbook file and into an open workbook (issue 6): one code path for the data.

Market values come from the recorded real responses in ../shared/data/wire_samples (replayed through
the real ccxt client in one end-to-end test; handed over as a snapshot in the others).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
import responses
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

from althedge_xl import feeds
from althedge_xl.cli import main
from althedge_xl.headless import compute
from althedge_xl.refresh import backup_path, refresh_workbook
from althedge_xl.refresh_excel import refresh_book
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.patch import sheet_part

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook" / "AltHedge.xlsm"
NOW = "2025-06-17T08:40:00.000Z"


def _snapshot(*, spot_ok: bool = True, perp_ok: bool = True, unknown: tuple[str, ...] = ()) -> feeds.MarketSnapshot:
    """A snapshot holding the recorded real values: BTC's 24 h ticker, the premiumIndex, alternative.me."""
    btc = float(TICKER_24HR["lastPrice"])
    spot = {
        "BTC": feeds.Quote("BTC", "BTC/USDT", btc if spot_ok else None, None, NOW if spot_ok else None,
                           "binance fetch_ticker BTC/USDT" if spot_ok else "", not spot_ok, 0.0 if spot_ok else None,
                           None if spot_ok else "HTTP 502 from api.binance.com"),
    }  # fmt: skip
    for symbol in unknown:
        spot[symbol] = feeds.Quote(symbol, f"{symbol}/USDT", None, None, None, "", True, None, "not listed on binance")
    perp = feeds.PerpQuote(
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
    fear_greed = feeds.FearGreed(
        int(newest["value"]), "2025-04-22", newest["value_classification"], (), NOW, "alternative.me", False, 0.0, None
    )
    history = feeds.FundingHistory("BTC/USDT:USDT", (), None, "", True, None, "timed out")
    return feeds.MarketSnapshot(
        "binance", "USDT", NOW, False, spot, perp, history, fear_greed, unknown, ("funding history: timed out",)
    )


def _fetch(snapshot: feeds.MarketSnapshot):
    calls = []

    def fetch(symbols, exchange, offline, **options):
        calls.append((list(symbols), exchange, offline))
        return snapshot

    fetch.calls = calls  # type: ignore[attr-defined]
    return fetch


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "Mine.xlsm"
    shutil.copy2(TEMPLATE, path)
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_only_the_prices_part_changes(workbook):
    before = _parts(workbook)
    original = workbook.read_bytes()
    update = refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    after = _parts(workbook)
    with zipfile.ZipFile(workbook) as archive:
        prices_part = sheet_part(archive, px.SHEET)
    assert sorted(before) == sorted(after)
    assert [name for name in before if before[name] != after[name]] == [prices_part]
    assert backup_path(workbook).read_bytes() == original
    assert update.refreshed_any


def test_values_written_and_marked(workbook):
    refresh_workbook(workbook, fetch=_fetch(_snapshot(unknown=("NOSUCHCOIN",))))
    sheet = openpyxl.load_workbook(workbook)[px.SHEET]
    # BTC: the recorded 24 h ticker's last price, fresh.
    assert sheet["A5"].value == "BTC" and sheet["B5"].value == float(TICKER_24HR["lastPrice"])
    assert sheet["E5"].value is False
    # ETH was not in this snapshot: its sample price stays, still marked stale.
    assert sheet["A6"].value == "ETH" and sheet["B6"].value == pytest.approx(1968.88) and sheet["E6"].value is True
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
    assert after["F5"].value == "missing: HTTP 502 from api.binance.com"
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
    with pytest.raises(OSError, match="No space"):
        refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    assert workbook.read_bytes() == original
    assert [p.name for p in workbook.parent.iterdir() if p.name.endswith(".tmp")] == []


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
    # The real feeds + ccxt code path against the recorded Binance and alternative.me responses.
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
    monkeypatch.setattr("althedge_xl.feeds.refresh_market_data", _fetch(_snapshot()))
    assert main(["refresh", str(workbook)]) == 0
    assert "refreshed" in capsys.readouterr().out
    nothing = _snapshot(spot_ok=False, perp_ok=False)
    nothing = feeds.MarketSnapshot(
        **{**nothing.__dict__, "fear_greed": feeds.FearGreed(None, None, None, (), None, "", True, None, "timed out")}
    )
    monkeypatch.setattr("althedge_xl.feeds.refresh_market_data", _fetch(nothing))
    assert main(["refresh", str(workbook)]) == 1
    assert "nothing could be refreshed" in capsys.readouterr().err


def test_report_refresh_leaves_the_users_file_alone(workbook, monkeypatch, capsys):
    monkeypatch.setattr("althedge_xl.feeds.refresh_market_data", _fetch(_snapshot()))
    before, mtime = workbook.read_bytes(), workbook.stat().st_mtime_ns
    assert main(["report", str(workbook), "--refresh", "--format", "json"]) == 0
    assert workbook.read_bytes() == before and workbook.stat().st_mtime_ns == mtime
    assert not backup_path(workbook).exists()


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
        from althedge_xl.refresh_excel import _cells_of

        return _cells_of(self.ref if ":" in self.ref else f"{self.ref}:{self.ref}")

    @property
    def value(self):
        return [[self.sheet.values.get(c) for c in row] for row in self._cells()]

    @value.setter
    def value(self, rows):
        self.sheet.writes.append(self.ref)
        for names, row in zip(self._cells(), rows, strict=True):
            self.sheet.values.update(zip(names, row, strict=True))


class FakeSheet:
    def __init__(self, values):
        self.values, self.writes = dict(values), []

    def range(self, ref):
        return FakeRange(self, ref)


class FakeBook:
    """The part of an xlwings Book that refresh uses, over the template's cell values."""

    def __init__(self, path: Path) -> None:
        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), data_only=True)
        self.sheets = {
            name: FakeSheet(
                {c.coordinate: c.value for row in book[name].iter_rows() for c in row if c.value is not None}
            )
            for name in (px.SHEET, "Portfolio")
        }


def test_excel_refresh_writes_the_same_cells_as_the_command_line(workbook):
    fake = FakeBook(workbook)
    update = refresh_book(fake, fetch=_fetch(_snapshot()))
    refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    from_file = openpyxl.load_workbook(workbook)[px.SHEET]
    for cell, value in update.cells.items():
        assert fake.sheets[px.SHEET].values.get(cell) == from_file[cell].value == value, cell
    assert fake.sheets["Portfolio"].writes == []  # only the Prices sheet is written
