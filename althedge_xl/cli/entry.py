"""The ``althedge`` process: :func:`althedge_xl.cli.main` with the garbage collector set for a short-lived command.

``althedge`` (the console script) and ``python -m althedge_xl.cli`` run :func:`console_main`;
:func:`althedge_xl.cli.main`, which tests and scripts call in their own process, leaves the
interpreter's collector as it is.

Why. ``althedge report`` has the formula engine build a model of the workbook: on the template
some 300,000 small objects, nearly all of them alive until the command ends. CPython's cyclic
collector runs a young collection every 700 allocations (net of frees), and its older generations
walk every live object again and again, to find little garbage (some 60,000 objects on the
template); the interpreter's last collection at exit then walks everything once more, only for
the operating system to free it all. On the template the report took 1.07 s with the default
collector and 0.80 s with this setting (``benchmarks/bench_report.py``, 2 cores). So the process

* collects the young generation every :data:`YOUNG_COLLECTION_EVERY` allocations: the template's
  report never gets there;
* freezes what is alive once the command is done (:func:`gc.freeze`), so the collection at exit
  does not walk the engine's model.

The price is memory: garbage waits longer for its collection. Peak resident memory on the
template: the report 107 MB instead of 94 MB; ``report --out``, which computes every sheet,
193 MB instead of 136 MB (and 2.3 s instead of 3.7 s). The garbage grows with the workbook, as
the model the engine keeps alive until the end does, and the collector still runs.

Nothing the command writes depends on a collection: files are closed by their ``with`` blocks
and replaced atomically before :func:`~althedge_xl.cli.main` returns, and temporary folders are
removed by their own context managers.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from althedge_xl.cli import main

#: Allocations (net of frees) between two young-generation collections, instead of CPython's 700.
YOUNG_COLLECTION_EVERY = 1_000_000


@contextmanager
def short_lived_collector() -> Iterator[None]:
    """In the block, young collections every :data:`YOUNG_COLLECTION_EVERY` allocations; after it, all frozen.

    The thresholds go back to what they were when the block ends; what it froze stays frozen (the
    process is about to exit).
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.freeze()


def console_main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run ``althedge`` with ``argv`` (default: the command line) and exit with its code."""
    with short_lived_collector():
        code = main(argv)
    sys.exit(code)
