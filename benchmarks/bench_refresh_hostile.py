"""How long a refresh lasts against hostile servers, and what killing it mid-write leaves behind.

Run from the repository root::

    python benchmarks/bench_refresh_hostile.py                 # default deadline (30 s), 20 kill runs
    python benchmarks/bench_refresh_hostile.py --timeout 5 --kills 40

1. Hostile servers. For each behaviour of ``tests/hostile_server.py`` (drip one byte every 5 s, stall, black
   hole, HTTP 429 with ``Retry-After: 30``, 503, an HTML page, garbage, ``{}``) one fresh interpreter runs
   ``althedge refresh`` on a copy of the template with ``ALTHEDGE_API_BASE_URL`` pointing at the server (on
   127.0.0.1) and ``--timeout``; the wall time of the whole command is measured, capped at ``--cap`` seconds.
   Goal: every refresh (from ``main()`` to its return, imports done before) ends within the deadline plus
   2 s, with exit code 1 (nothing fetched) and the workbook unchanged; the command's wall time, interpreter
   start and imports included, is shown beside it.
2. Kill runs. ``--kills`` refreshes (offline, from a cache the local server filled with the recorded
   answers) are killed with SIGKILL or SIGTERM (alternately) after a seeded random delay within the length
   of two unkilled refreshes; each folder is then refreshed again. Counted: the workbook old or new (never
   anything else), a backup holding the original whenever it changed, temporary or lock files left after
   the kill and after the next run. Goal: nothing else than old or new, the original always kept, nothing
   left after the next run.

The behaviours run in parallel (they mostly wait). Never touches the network beyond 127.0.0.1; never
modifies the template. Not part of the test suite (tests/test_hostile_network.py and
tests/test_refresh_faults.py check the same with short deadlines).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from _common import load_note  # noqa: E402
from hostile_server import HostileServer  # noqa: E402

from althedge_xl import market  # noqa: E402
from althedge_xl.workbook.backups import backups_of  # noqa: E402

TEMPLATE = ROOT / "workbook" / "AltHedge.xlsm"
MODES = ("drip", "stall", "blackhole", "retry_after", "5xx", "html", "garbage", "empty")
_CHILD = """
import sys, time
from althedge_xl.cli import main
import althedge_xl.market, althedge_xl.workbook.refresh, openpyxl, ccxt
print("ready", flush=True)
started = time.monotonic()
code = main(["refresh", *sys.argv[1:]])
print(f"done {time.monotonic() - started:.3f}", flush=True)
sys.exit(code)
"""


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def hostile_run(mode: str, timeout: float, cap: float, scratch: Path) -> tuple[str, float, int | None, bool]:
    folder = scratch / mode
    folder.mkdir()
    book = folder / "Mine.xlsm"
    shutil.copy2(TEMPLATE, book)
    before = book.read_bytes()
    with HostileServer(mode, drip_interval_s=5.0, retry_after_s=30, give_up_after_s=cap + 30) as server:
        env = _env(**{market.BASE_URL_ENV_VAR: server.base_url, market.CACHE_ENV_VAR: str(folder / "cache")})
        command = [sys.executable, "-c", _CHILD, str(book), "--timeout", f"{timeout:g}"]
        started = time.monotonic()
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=cap)
            code: int | None = done.returncode
            took = float(done.stdout.split()[-1])  # the refresh itself, from main() to its return
        except subprocess.TimeoutExpired:
            code, took = None, time.monotonic() - started
        wall = time.monotonic() - started
    return mode, took, wall, code, book.read_bytes() == before


def warm_cache(folder: Path) -> Path:
    cache = folder / "cache"
    moment = datetime(2025, 6, 17, 8, 40, tzinfo=timezone.utc)  # just after the recorded premiumIndex
    os.environ.pop(market.BASE_URL_ENV_VAR, None)
    with HostileServer("ok") as server:
        os.environ[market.BASE_URL_ENV_VAR] = server.base_url
        market.refresh_market_data(["BTC"], cache_dir=cache, clock=lambda: moment, deadline=market.Deadline(60))
    del os.environ[market.BASE_URL_ENV_VAR]
    return cache


def _start(book: Path, cache: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(book), "--offline"],
        env=_env(**{market.CACHE_ENV_VAR: str(cache)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def _leftovers(folder: Path) -> int:
    return sum(p.name.endswith((".tmp", ".althedge-lock")) for p in folder.iterdir())


def _whole(book: Path) -> bool:
    with zipfile.ZipFile(book) as archive:
        return archive.testzip() is None


def kill_run(folder: Path, cache: Path, signum: int, delay: float) -> dict[str, object]:
    book = folder / "Mine.xlsm"
    shutil.copy2(TEMPLATE, book)
    original = book.read_bytes()
    child = _start(book, cache)
    time.sleep(delay)
    child.send_signal(signum)
    child.communicate(timeout=120)
    after = book.read_bytes()
    state = "old" if after == original else ("new" if _whole(book) else "BROKEN")
    kept = after == original or original in [b.read_bytes() for b in backups_of(book)]
    left_after_kill = _leftovers(folder)
    next_run = subprocess.run(
        [sys.executable, "-m", "althedge_xl.cli", "refresh", str(book), "--offline"],
        env=_env(**{market.CACHE_ENV_VAR: str(cache)}),
        capture_output=True,
        timeout=120,
    )
    return {
        "signal": signal.Signals(signum).name,
        "state": state,
        "original kept": kept,
        "left after kill": left_after_kill,
        "left after next run": _leftovers(folder),
        "next run exit": next_run.returncode,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=30.0, help="the refresh's --timeout (default 30)")
    parser.add_argument("--cap", type=float, default=300.0, help="stop a run after this many seconds")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--parallel", type=int, default=4, help="hostile servers measured at once (default 4)")
    args = parser.parse_args()
    print(load_note())
    failed = False
    with tempfile.TemporaryDirectory(prefix="althedge-bench-") as scratch_name:
        scratch = Path(scratch_name)
        print(
            f"\n1. hostile servers, althedge refresh --timeout {args.timeout:g}: the refresh (the command's wall time)"
        )
        with ThreadPoolExecutor(args.parallel) as pool:
            results = list(pool.map(lambda m: hostile_run(m, args.timeout, args.cap, scratch), MODES))
        for mode, took, wall, code, unchanged in results:
            ok = code == 1 and unchanged and took <= args.timeout + 2
            failed |= not ok
            shown = f"{took:6.1f} s ({wall:5.1f} s)" if code is not None else f">{args.cap:.0f} s (stopped)"
            print(f"   {mode:<12} {shown}  exit {code}  workbook unchanged: {unchanged}  {'PASS' if ok else 'FAIL'}")

        print(f"\n2. {args.kills} kill runs (offline refresh from a cache, SIGKILL/SIGTERM alternately)")
        cache = warm_cache(scratch / "warm")
        calibration = scratch / "calibration"
        calibration.mkdir()
        shutil.copy2(TEMPLATE, calibration / "Mine.xlsm")
        out, _ = _start(calibration / "Mine.xlsm", cache).communicate(timeout=120)
        took = float(out.split()[-1])
        print(f"   an unkilled refresh takes {took:.2f} s after its imports; kills fall within 0–{took * 2.0:.2f} s")
        rng = random.Random(args.seed)
        plans = [(signal.SIGKILL if i % 2 else signal.SIGTERM, rng.uniform(0.0, took * 2.0)) for i in range(args.kills)]
        folders = []
        for i in range(args.kills):
            folder = scratch / f"kill{i}"
            folder.mkdir()
            folders.append(folder)
        with ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(lambda a: kill_run(a[0], cache, *a[1]), zip(folders, plans, strict=True)))
        for name in ("SIGKILL", "SIGTERM"):
            mine = [r for r in runs if r["signal"] == name]
            states = {s: sum(r["state"] == s for r in mine) for s in ("old", "new", "BROKEN")}
            print(
                f"   {name}: {len(mine)} runs; workbook old {states['old']}, new {states['new']},"
                f" broken {states['BROKEN']}; original kept {sum(bool(r['original kept']) for r in mine)};"
                f" temporary/lock files left by the kill in {sum(bool(r['left after kill']) for r in mine)} runs,"
                f" after the next run in {sum(bool(r['left after next run']) for r in mine)}"
            )
        ok = all(r["state"] != "BROKEN" and r["original kept"] and not r["left after next run"] for r in runs)
        failed |= not ok
        print(
            f"   {'PASS' if ok else 'FAIL'}: old or new only, the original always kept, nothing left after the next run"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
