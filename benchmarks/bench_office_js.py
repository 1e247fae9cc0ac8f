"""The Office.js runtimes' side of AltHedge (xlwings Lite, xlwings Server), and the numpy-only install.

Run from the repository root with the project's environment::

    python benchmarks/bench_office_js.py             # all three parts
    python benchmarks/bench_office_js.py --calls 5000

1. Warm call cost under Office.js: the Python side of one call through xlwings'
   ``custom_functions_call`` (what Lite and Server run for every cell: argument conversion, our
   function, result conversion), awaited inside one running event loop as the runtimes do, beside
   the plain callable with the same 2-D arguments; median of several rounds, microseconds per call,
   for ``HEDGE_MARGIN`` and ``SCENARIO_TABLE``. This process sets ``XLWINGS_ON_SERVER=true`` (and
   xlwings' noncommercial key) before importing anything, as the runtimes do.
2. The wheel ``python -m build`` makes: its size and its required dependencies.
3. ``import althedge_xl.udfs`` in a fresh interpreter of a fresh virtual environment holding numpy
   alone (the checkout on ``PYTHONPATH``, bytecode compiled by a warm-up run), beside ``import
   numpy`` there; medians of interleaved rounds.

Prints the figures only (no goals: the Office.js side is xlwings' code). On CPython (xlwings Server,
and this script) xlwings 0.37.8 tries ``from pyodide.ffi import JsNull`` for every argument of every
call and the failed import searches ``sys.path`` each time: most of the difference to the plain
callable; in Pyodide (xlwings Lite) that import succeeds and is cached.

Never touches the network (pip installs numpy from its cache or the local index). Not part of the
test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

from _common import load_note  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(ROOT))
ADD_IN_FIELDS = {"caller_address": "[AltHedge-Lite.xlsx]Hedge!B5", "version": "0.37.8", "client": "Office.js"}
CALLS = {
    "HEDGE_MARGIN": [[[20000.0]], [[20.0]]],
    "SCENARIO_TABLE": [[[50000.0], [50000.0]], [[-0.15], [-0.2]], [[20000.0]], [[-0.15]], [["BTC"], ["Altcoins"]]],
}


def warm_calls(calls: int, rounds: int) -> None:
    from xlwings.server import custom_functions_call

    import althedge_xl.udfs as udfs

    async def through_xlwings(body: dict, n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            await custom_functions_call(body, udfs)
        return (time.perf_counter() - start) / n

    def plain(function, args, n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            function(*args)
        return (time.perf_counter() - start) / n

    print(f"1. warm call, median of {rounds} rounds of {calls} calls (us per call)")
    for name, args in CALLS.items():
        body = {**ADD_IN_FIELDS, "runtime": "1.4", "func_name": name, "args": args}
        function = getattr(udfs, name)
        xlwings_times, plain_times = [], []
        for _ in range(rounds):
            xlwings_times.append(asyncio.run(through_xlwings(body, calls)))
            plain_times.append(plain(function, args, calls))
        office, direct = statistics.median(xlwings_times) * 1e6, statistics.median(plain_times) * 1e6
        print(
            f"   {name:<15} custom_functions_call {office:8.1f}   plain callable {direct:8.1f}   xlwings' share {office - direct:8.1f}"
        )


def wheel_facts() -> None:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--outdir", out, str(ROOT)], capture_output=True, text=True
        )
        if done.returncode != 0:
            print(f"2. wheel: python -m build failed: {done.stderr[-500:]}")
            return
        (wheel,) = Path(out).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
            metadata = Parser().parsestr(archive.read(name).decode())
        required = [r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
        print(f"2. wheel {wheel.name}: {wheel.stat().st_size / 1024:.1f} KiB; requires {'; '.join(required)}")


def numpy_only_import(rounds: int) -> None:
    import numpy as np

    with tempfile.TemporaryDirectory() as folder:
        env_dir = Path(folder) / "venv"
        venv.EnvBuilder(with_pip=False).create(env_dir)
        python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
        install = [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            f"numpy=={np.__version__}",
        ]
        if subprocess.run(install, capture_output=True).returncode != 0:
            print("3. import time: cannot install numpy into a fresh environment here")
            return
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": str(Path(folder) / "pycache")}
        env.pop("XLWINGS_ON_SERVER")
        commands = {"import numpy": "import numpy", "import althedge_xl.udfs": "import althedge_xl.udfs"}
        check = (
            "import sys, althedge_xl.udfs; assert 'xlwings' not in sys.modules; print(sorted(sys.modules).__len__())"
        )
        subprocess.run([str(python), "-c", check], env=env, check=True, capture_output=True)  # warm-up
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(rounds):
            for label, code in commands.items():
                start = time.perf_counter()
                subprocess.run([str(python), "-c", code], env=env, check=True)
                times[label].append(time.perf_counter() - start)
        print(f"3. fresh interpreter, numpy alone installed, median of {rounds} (ms, interpreter start included)")
        for label, values in times.items():
            print(f"   {label:<25} {statistics.median(values) * 1e3:7.1f}")
        extra = statistics.median(times["import althedge_xl.udfs"]) - statistics.median(times["import numpy"])
        print(f"   the function list on top of numpy: {extra * 1e3:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    # As the Office.js runtimes do, before xlwings and the function list are imported (lazily, below).
    os.environ.update(XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    print(load_note())
    warm_calls(args.calls, args.rounds)
    wheel_facts()
    numpy_only_import(max(args.rounds, 11))


if __name__ == "__main__":
    main()
