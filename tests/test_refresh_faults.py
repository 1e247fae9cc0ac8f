"""Refresh under faults: killed mid-write, concurrent runs, full disks, links, locks, odd packages, no-ops.

What is asserted is what the user keeps: the workbook is the old file or the new one, never half of one; a
backup holds the original's bytes whenever the file changed; no temporary file, lock file or scratch folder
is left once a later run has gone by; a refresh that fetched nothing leaves the file's bytes and its
modification time alone. Market data comes from a cache filled by the local test server answering with the
recorded Binance and alternative.me bodies (tests/hostile_server.py), or from a fake fetch.
"""

from __future__ import annotations

import dataclasses
import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
from hostile_server import HostileServer
from openpyxl.utils.cell import column_index_from_string
from test_feeds import (  # noqa: F401  (autouse fixtures: loopback only; ccxt's throttle recorded)
    PREMIUM_BTC,
    T_PREMIUM,
    TICKER_24HR,
    Sleeps,
    _no_network,
    fixed_clock,
    throttle_costs,
)
from test_refresh import TEMPLATE, FakeBook, _fetch, _nothing, _snapshot

from althedge_xl import market
from althedge_xl.cli import main
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.backups import KEEP_BACKUPS, backups_of
from althedge_xl.workbook.package import MAX_PART_BYTES
from althedge_xl.workbook.refresh import RefreshError, refresh_workbook
from althedge_xl.workbook.refresh_excel import refresh_book

ROOT = Path(__file__).resolve().parents[1]
BTC_LAST = float(TICKER_24HR["lastPrice"])  # the recorded 24 h ticker's last price


@pytest.fixture(scope="module")
def cache_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache filled at T_PREMIUM through the real ccxt client by the local server's recorded answers."""
    cache = tmp_path_factory.mktemp("cache") / "cache"
    with HostileServer("ok") as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv(market.BASE_URL_ENV_VAR, server.base_url)
        snapshot = market.refresh_market_data(
            ["BTC"], cache_dir=cache, clock=fixed_clock(T_PREMIUM), sleep=Sleeps(), deadline=market.Deadline(30)
        )
    assert all(item.fresh for item in snapshot.items()), snapshot.messages
    return cache


@pytest.fixture
def cache(cache_once: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(cache_once, tmp_path / "cache"))


def leftovers(folder: Path) -> list[str]:
    """Temporary and lock files of ours in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".althedge-lock")))


def btc_price(path: Path) -> object:
    return openpyxl.load_workbook(path, read_only=True)[px.SHEET]["B5"].value


def refreshed_whole(path: Path) -> bool:
    """True when ``path`` is a whole zip package (every CRC right) whose Prices part holds the cached BTC price."""
    with zipfile.ZipFile(path) as archive:
        if archive.testzip() is not None:
            return False
        return '<c r="B5" s="' in (xml := archive.read(_prices_part(path)).decode()) and f"<v>{BTC_LAST!r}</v>" in xml


def offline_refresh(path: Path, cache: Path) -> object:
    return refresh_workbook(path, offline=True, cache_dir=cache, clock=fixed_clock(T_PREMIUM))


# --------------------------------------------------------------------------------- no write, no lie


def test_a_refresh_that_fetched_nothing_leaves_bytes_and_mtime(workbook, capsys, monkeypatch):
    before, mtime = workbook.read_bytes(), workbook.stat().st_mtime_ns
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", _fetch(_nothing()))
    assert main(["refresh", str(workbook)]) == 1
    assert f"nothing could be fetched; {workbook} is unchanged" in capsys.readouterr().err
    assert workbook.read_bytes() == before and workbook.stat().st_mtime_ns == mtime
    assert backups_of(workbook) == [] and leftovers(workbook.parent) == []


def test_offline_from_the_cache_writes_stale_values_and_keeps_the_last_refresh(workbook, cache):
    original = workbook.read_bytes()
    update = offline_refresh(workbook, cache)
    assert update.written and not update.refreshed_any
    sheet = openpyxl.load_workbook(workbook)[px.SHEET]
    assert sheet["B5"].value == BTC_LAST and sheet["E5"].value is True  # from the cache: stale, and says so
    assert sheet["F5"].value.startswith("stale, under a minute old: offline mode")
    # The template's ETH sample was in no cache: it stays, and says what it is.
    assert sheet["F6"].value == "template sample value, never refreshed: offline mode: cache only"
    # "Last refresh" is when something was fetched: nothing was, so the template's marker stays.
    assert sheet[px.UPDATED_CELL].value == "never: template sample values"
    assert [b.read_bytes() for b in backups_of(workbook)] == [original]


def test_offline_with_an_empty_cache_writes_nothing_and_says_so(workbook, tmp_path, capsys, monkeypatch):
    # Regression: the perpetual's symbol, spelt as the feed does (BTC/USDT:USDT), replaced the sheet's
    # BTCUSDT although nothing was cached: the file was rewritten, a backup made, and "refreshed" said.
    before, mtime = workbook.read_bytes(), workbook.stat().st_mtime_ns
    monkeypatch.setenv("ALTHEDGE_CACHE_DIR", str(tmp_path / "empty-cache"))
    assert main(["refresh", str(workbook), "--offline"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "the cache has no value for BTC, ETH, SOL" in captured.err and f"{workbook} is unchanged" in captured.err
    assert workbook.read_bytes() == before and workbook.stat().st_mtime_ns == mtime
    assert backups_of(workbook) == [] and leftovers(workbook.parent) == []


def _from_a_full_cache() -> market.MarketSnapshot:
    """What an offline refresh gives with every item cached: each the recorded value, stale, an hour old."""
    snapshot = _snapshot()

    def cached(item):
        return dataclasses.replace(item, stale=True, age_seconds=3600.0, error=market.OFFLINE_REASON)

    return dataclasses.replace(
        snapshot,
        offline=True,
        spot={s: cached(q) for s, q in snapshot.spot.items() if s not in snapshot.unknown_symbols},
        unknown_symbols=(),
        perp=cached(snapshot.perp),
        # the last recorded settlement (../shared/data/funding/binance_usdm_btcusdt_funding_8h.csv)
        funding_history=dataclasses.replace(
            cached(snapshot.funding_history), points=(market.FundingPoint("2025-06-17T08:00:00.006Z", 0.00005776),)
        ),
        fear_greed=cached(snapshot.fear_greed),
        dated_future=cached(snapshot.dated_future),
    )


def test_offline_with_a_full_cache_is_a_success_and_a_second_one_a_no_op(workbook, capsys, monkeypatch):
    snapshot = _from_a_full_cache()
    assert not snapshot.refreshed_any and all(not item.missing for item in snapshot.items())
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", _fetch(snapshot))
    assert main(["refresh", str(workbook), "--offline"]) == 0
    assert capsys.readouterr().out.startswith(f"refreshed {workbook} (previous file kept as Mine.backup-")
    after_first, mtime = workbook.read_bytes(), workbook.stat().st_mtime_ns
    assert main(["refresh", str(workbook), "--offline"]) == 0
    assert capsys.readouterr().out.strip() == f"{workbook} is up to date with the cache; nothing was written"
    assert workbook.read_bytes() == after_first and workbook.stat().st_mtime_ns == mtime
    assert len(backups_of(workbook)) == 1


def test_last_refresh_changes_only_when_something_was_fetched(workbook):
    refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    assert openpyxl.load_workbook(workbook)[px.SHEET][px.UPDATED_CELL].value == "2025-06-17T08:40:00.000Z"


def test_two_failed_refreshes_in_a_row_keep_the_original_in_a_backup(workbook, monkeypatch):
    original = workbook.read_bytes()
    # a good one (the perpetual not answering): the original is now a backup
    refresh_workbook(workbook, fetch=_fetch(_snapshot(perp_ok=False)))
    refreshed = workbook.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    for _ in range(2):
        with monkeypatch.context() as patch:
            patch.setattr("althedge_xl.files.os.fsync", disk_full)
            with pytest.raises(RefreshError, match="the disk is full"):  # the perpetual's values would change
                refresh_workbook(workbook, fetch=_fetch(_snapshot()))
        refresh_workbook(workbook, fetch=_fetch(_nothing()))  # and one that fetched nothing
    assert workbook.read_bytes() == refreshed
    assert [b.read_bytes() for b in backups_of(workbook)] == [original]
    assert leftovers(workbook.parent) == []


def test_backups_are_bounded_oldest_removed(workbook):
    original = workbook.read_bytes()
    stamps = [f"2025010{i}-000000" for i in range(1, KEEP_BACKUPS + 1)]
    for stamp in stamps:  # as many older backups as are kept
        workbook.with_name(f"Mine.backup-{stamp}.xlsm").write_bytes(stamp.encode())
    refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    kept = backups_of(workbook)
    assert len(kept) == KEEP_BACKUPS and kept[-1].read_bytes() == original
    assert [b.read_bytes() for b in kept[:-1]] == [s.encode() for s in stamps[1:]]  # the oldest went


# ----------------------------------------------------------------------------------- locks and links


def test_a_workbook_open_in_excel_is_refused(workbook, capsys, monkeypatch):
    fetch = _fetch(_snapshot())
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", fetch)
    owner = workbook.with_name(f"~${workbook.name}")
    owner.write_bytes(b"Excel's owner file")
    before = workbook.read_bytes()
    assert main(["refresh", str(workbook)]) == 2
    line = capsys.readouterr().err.strip()
    assert line == (
        f"althedge: {workbook} is open in Excel (its lock file ~$Mine.xlsm is beside it): close it in Excel first,"
        " or press Refresh on its Prices sheet; nothing was changed"
    )
    assert workbook.read_bytes() == before and fetch.calls == []


def test_the_excel_button_refreshes_an_open_workbook(workbook):
    workbook.with_name(f"~${workbook.name}").write_bytes(b"Excel's owner file")  # it is open: that is fine
    fake = FakeBook(workbook)
    update = refresh_book(fake, fetch=_fetch(_snapshot()))
    assert update.refreshed_any and fake.sheets[px.SHEET].values["B5"] == BTC_LAST


def test_a_symlink_is_followed_and_kept(workbook, tmp_path):
    link = tmp_path / "link.xlsm"
    link.symlink_to(workbook)
    original = workbook.read_bytes()
    update = refresh_workbook(link, fetch=_fetch(_snapshot()))
    assert link.is_symlink() and link.resolve() == workbook
    assert btc_price(workbook) == BTC_LAST
    assert update.backup is not None and update.backup.parent == workbook.parent
    assert update.backup.read_bytes() == original


def test_a_symlink_loop_is_named_a_loop(tmp_path, capsys):
    a, b = tmp_path / "a.xlsm", tmp_path / "b.xlsm"
    a.symlink_to(b)
    b.symlink_to(a)
    assert main(["refresh", str(a), "--offline"]) == 2
    assert capsys.readouterr().err.strip() == f"althedge: {a}: a symbolic link loop (the link leads back to itself)"


def test_stale_temporaries_of_a_killed_run_are_removed_live_ones_kept(workbook):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = workbook.with_name(f".Mine.xlsm.{dead.stdout.strip()}.abcd1234.tmp")
    stale.write_bytes(b"half a workbook")
    live = workbook.with_name(f".Mine.xlsm.{os.getppid()}.efgh5678.tmp")  # a live process's, written just now
    live.write_bytes(b"being written")
    someone_elses = workbook.with_name(".Other.xlsm.1.abcd1234.tmp")
    someone_elses.write_bytes(b"not ours to judge")
    refresh_workbook(workbook, fetch=_fetch(_snapshot()))
    assert not stale.exists() and live.exists() and someone_elses.exists()


def test_concurrent_refreshes_end_with_one_consistent_file_and_the_original_backed_up(workbook, cache):
    original = workbook.read_bytes()
    with ThreadPoolExecutor(4) as pool:
        updates = list(pool.map(lambda _: offline_refresh(workbook, cache), range(4)))
    assert sum(u.written for u in updates) == 1  # the others found nothing new to write
    assert btc_price(workbook) == BTC_LAST
    assert [b.read_bytes() for b in backups_of(workbook)] == [original]
    assert leftovers(workbook.parent) == []


# ------------------------------------------------------------------------------ kills at random points

KILL_RUNS = 12  # half SIGKILL, half SIGTERM, 4 at a time (seeded delays)
_CHILD = """
import sys, time
from althedge_xl.cli import main
import althedge_xl.market, althedge_xl.workbook.refresh, openpyxl  # loaded before the clock starts
print("ready", flush=True)
started = time.monotonic()
code = main(["refresh", sys.argv[1], "--offline"])
print(f"done {time.monotonic() - started:.3f}", flush=True)
sys.exit(code)
"""


def _start(path: Path, cache: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), market.CACHE_ENV_VAR: str(cache)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def _killed_run(folder: Path, cache: Path, signum: int, delay: float) -> tuple[int, bytes]:
    path = folder / "Mine.xlsm"
    child = _start(path, cache)
    time.sleep(delay)
    child.send_signal(signum)
    child.communicate(timeout=60)
    return child.returncode, path.read_bytes()


def test_killed_at_random_points_of_the_write_the_workbook_is_old_or_new(tmp_path, cache):
    original = TEMPLATE.read_bytes()
    calibration = tmp_path / "calibration"
    calibration.mkdir()
    shutil.copy2(TEMPLATE, calibration / "Mine.xlsm")
    child = _start(calibration / "Mine.xlsm", cache)
    out, _ = child.communicate(timeout=60)
    assert child.returncode in (0, 1), out  # 1: the cached quarterly has expired by now (offline, still written)
    took = float(out.split()[-1])
    assert btc_price(calibration / "Mine.xlsm") == BTC_LAST

    rng = random.Random(13)
    plans = [(signal.SIGKILL if i % 2 else signal.SIGTERM, rng.uniform(0.0, took * 2.0)) for i in range(KILL_RUNS)]
    folders = []
    for i in range(KILL_RUNS):
        folder = tmp_path / f"run{i}"
        folder.mkdir()
        shutil.copy2(TEMPLATE, folder / "Mine.xlsm")
        folders.append(folder)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda args: _killed_run(args[0], cache, *args[1]), zip(folders, plans, strict=True)))
    outcomes = {"old": 0, "new": 0}
    for folder, (signum, _delay), (code, after) in zip(folders, plans, results, strict=True):
        path = folder / "Mine.xlsm"
        if after == original:
            outcomes["old"] += 1
        else:
            outcomes["new"] += 1
            assert refreshed_whole(path)  # a whole new file
            assert original in [b.read_bytes() for b in backups_of(path)]
        if signum == signal.SIGTERM and code == 128 + signal.SIGTERM:  # caught: it cleaned up itself
            assert leftovers(folder) == []
        offline_refresh(path, cache)  # the next run
        assert leftovers(folder) == [], (signum, code)
        assert refreshed_whole(path)
        assert original in [b.read_bytes() for b in backups_of(path)]
    assert outcomes["old"] + outcomes["new"] == KILL_RUNS


# ------------------------------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Path:
    """A small tmpfs, 1 MB more than twice the template (root on Linux); skipped with the reason where
    it cannot be mounted."""
    mount = tmp_path / "small"
    mount.mkdir()
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("a size-limited tmpfs needs Linux and mount")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={2 * TEMPLATE.stat().st_size + 2**20}", "tmpfs", str(mount)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here: {done.stderr.decode().strip() or done.returncode}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path, leave: int) -> None:
    """Fill ``folder``'s disk until about ``leave`` bytes are free."""
    free = shutil.disk_usage(folder).free
    (folder / "filler").write_bytes(b"\0" * max(0, free - leave))


@pytest.mark.parametrize("room", ["none", "for the backup only"])
def test_a_full_disk_says_so_and_changes_nothing(small_disk, capsys, monkeypatch, room):
    path = small_disk / "Mine.xlsm"
    shutil.copy2(TEMPLATE, path)
    before = path.read_bytes()
    _fill(small_disk, 40_000 if room == "none" else len(before) + 60_000)
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", _fetch(_snapshot()))
    assert main(["refresh", str(path)]) == 2
    line = capsys.readouterr().err.strip()
    what = "keep a backup of" if room == "none" else "write"
    assert line == f"althedge: cannot {what} {path}: the disk is full (no space left on device); nothing was changed"
    assert path.read_bytes() == before and backups_of(path) == [] and leftovers(small_disk) == []


# ------------------------------------------------------------------------------------ odd packages


def _rewrite(source: Path, target: Path, change: dict[str, bytes], extra: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, change.get(info.filename, old.read(info.filename)), compress_type=info.compress_type)
        for name, data in (extra or {}).items():
            new.writestr(name, data)


def _prices_part(path: Path) -> str:
    from althedge_xl.workbook.patch import sheet_part

    with zipfile.ZipFile(path) as archive:
        return sheet_part(archive, px.SHEET)


def test_a_zip_bomb_is_refused_before_inflating(workbook, tmp_path, capsys):
    bomb = tmp_path / "Bomb.xlsm"
    _rewrite(workbook, bomb, {}, {"xl/media/huge.bin": b"\0" * (MAX_PART_BYTES + 1)})
    assert bomb.stat().st_size < 1_000_000  # small on disk, 100 MB inflated
    before = bomb.read_bytes()
    assert main(["refresh", str(bomb), "--offline"]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"althedge: {bomb}: its part xl/media/huge.bin would be 100,000,001 bytes uncompressed")
    assert "zip bomb" in line and bomb.read_bytes() == before


def test_a_deflate64_part_is_one_line(workbook, tmp_path, capsys):
    odd = tmp_path / "Deflate64.xlsm"
    _rewrite(workbook, odd, {}, {"docProps/custom.xml": b"<x/>"})
    data = bytearray(odd.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("docProps/custom.xml")
    # The compression method field (APPNOTE.TXT 4.3.7 and 4.3.12): 9 = Deflate64, in the part's local
    # header and in its central directory entry (name length at +28, name at +46).
    data[info.header_offset + 8 : info.header_offset + 10] = (9).to_bytes(2, "little")
    for entry in re.finditer(rb"PK\x01\x02", bytes(data)):
        start = entry.start()
        length = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + length] == b"docProps/custom.xml":
            data[start + 10 : start + 12] = (9).to_bytes(2, "little")
    odd.write_bytes(bytes(data))
    assert main(["refresh", str(odd), "--offline"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"althedge: {odd}: its part docProps/custom.xml is compressed with Deflate64, which AltHedge cannot read;"
        " open it in Excel and save it again"
    )


def test_rows_and_cells_without_their_r_attribute(workbook, tmp_path):
    part = _prices_part(workbook)
    with zipfile.ZipFile(workbook) as archive:
        xml = archive.read(part).decode()
    numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', xml)]
    # Drop r where it is implied (the row right after the one before; ECMA-376 18.3.1.73), and the
    # cells' r in row 5 (each the column after the one before).
    implied = {n for prev, n in zip([0, *numbers], numbers, strict=False) if n == prev + 1}
    xml = re.sub(r'<row r="(\d+)"', lambda m: "<row" if int(m[1]) in implied else m[0], xml)
    row5 = re.search(r"<row[^>]*>(?:(?!</row>).)*<c r=\"A5\".*?</row>", xml, re.S)
    assert row5 is not None
    columns = [column_index_from_string(c) for c in re.findall(r'<c r="([A-Z]+)5"', row5[0])]
    implied_cells = {c for prev, c in zip([0, *columns], columns, strict=False) if c == prev + 1}
    assert {1, 2, 3, 4, 5, 6} <= implied_cells  # A5:F5, the spot row refresh writes
    row = re.sub(r' r="([A-Z]+)5"', lambda m: "" if column_index_from_string(m[1]) in implied_cells else m[0], row5[0])
    xml = xml[: row5.start()] + row + xml[row5.end() :]
    odd = tmp_path / "NoR.xlsm"
    _rewrite(workbook, odd, {part: xml.encode()})
    refresh_workbook(odd, fetch=_fetch(_snapshot()))
    sheet = openpyxl.load_workbook(odd)[px.SHEET]
    assert (sheet["A5"].value, sheet["B5"].value, sheet["E5"].value) == ("BTC", BTC_LAST, False)
    assert sheet["A1"].value == "Prices" and sheet[px.field_cells()["BTC_MARK"]].value == float(
        PREMIUM_BTC["markPrice"]
    )


def test_reordered_attributes_and_other_namespace_prefixes(workbook, tmp_path):
    part = _prices_part(workbook)
    with zipfile.ZipFile(workbook) as archive:
        book_xml = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        sheet_xml = archive.read(part).decode()
    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    book_xml = book_xml.replace("xmlns:r=", "xmlns:rel=").replace(" r:id=", " rel:id=")
    book_xml = re.sub(
        r'<sheet name="([^"]+)" sheetId="(\d+)" rel:id="([^"]+)"/>',
        r"<sheet rel:id='\3' sheetId='\2' name='\1'/>",
        book_xml,
    )
    rels = re.sub(
        r'<Relationship Id="([^"]+)" Type="([^"]+)" Target="([^"]+)"/>',
        r'<Relationship Target="\3" Type="\2" Id="\1"/>',
        rels,
    )
    sheet_xml = sheet_xml.replace(f'xmlns="{main_ns}"', f'xmlns:x="{main_ns}"')
    sheet_xml = re.sub(r"<(/?)([A-Za-z]+)(?=[\s/>])", r"<\1x:\2", sheet_xml)
    assert "<x:sheetData>" in sheet_xml and "rel:id='rId" in book_xml
    odd = tmp_path / "Prefixed.xlsm"
    _rewrite(
        workbook,
        odd,
        {"xl/workbook.xml": book_xml.encode(), "xl/_rels/workbook.xml.rels": rels.encode(), part: sheet_xml.encode()},
    )
    refresh_workbook(odd, fetch=_fetch(_snapshot()))
    sheet = openpyxl.load_workbook(odd)[px.SHEET]
    assert (sheet["A5"].value, sheet["B5"].value) == ("BTC", BTC_LAST)


# ----------------------------------------------------------------------- the deadline, end to end


def test_the_command_line_and_the_button_end_by_their_timeout_against_a_dripping_server(workbook, tmp_path):
    before = workbook.read_bytes()
    with HostileServer("drip", drip_interval_s=0.3) as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT), market.BASE_URL_ENV_VAR: server.base_url}
        env[market.CACHE_ENV_VAR] = str(tmp_path / "cache")
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "althedge_xl.cli", "refresh", str(workbook), "--timeout", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        took = time.monotonic() - started
        assert done.returncode == 1, done.stderr
        assert "timed out" in done.stderr and "Traceback" not in done.stderr
        assert took < 2 + 25, took  # the interpreter's start and imports included; before: over 10 minutes
        assert workbook.read_bytes() == before
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(market.BASE_URL_ENV_VAR, server.base_url)
            fake = FakeBook(workbook)
            result: dict[str, object] = {}
            worker = threading.Thread(
                target=lambda: result.update(update=refresh_book(fake, timeout_s=2, cache_dir=tmp_path / "c2")),
                daemon=True,
            )
            started = time.monotonic()
            worker.start()
            worker.join(60)
            assert "update" in result and time.monotonic() - started < 2 + 8


# ------------------------------------------------------------------------ report --refresh scratch


def test_report_refresh_removes_a_killed_runs_scratch_folder_and_cleans_up_on_sigterm(workbook, tmp_path, cache):
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = scratch_root / f"althedge-report-{dead.stdout.strip()}-abcd1234"
    left.mkdir()
    (left / "Mine.xlsm").write_bytes(b"a copy")
    two_days_ago = time.time() - 2 * 86_400  # its process gone and older than a day: stale
    os.utime(left, (two_days_ago, two_days_ago))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch_root), market.CACHE_ENV_VAR: str(cache)}
    command = [sys.executable, "-m", "althedge_xl.cli", "report", str(workbook), "--refresh", "--offline"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 60
    while time.monotonic() < end and not [p for p in scratch_root.iterdir() if p != left and p.is_dir()]:
        time.sleep(0.02)
    assert not left.exists()  # the killed run's folder went first
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 128 + signal.SIGTERM and "Traceback" not in err
    assert list(scratch_root.iterdir()) == []
