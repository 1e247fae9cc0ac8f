"""``althedge build-workbook``: write the template from code, with its formulas' cached values.

Two passes: the sheets are written once (:func:`althedge_xl.workbook.build.first_pass`) and
computed by the headless engine, then written again with every formula cell carrying its computed
value. The file is written to a temporary file beside the target and renamed over it.
"""

from __future__ import annotations

from pathlib import Path

from althedge_xl.files import scratch_folder, write_atomically
from althedge_xl.headless.engine import compute
from althedge_xl.workbook.build import DEFAULT_OUT, finished_template, first_pass, lite_template
from althedge_xl.workbook.samples import load_samples


def template_bytes(data_dir: Path | None = None, lite: bool = False) -> bytes:
    """The finished template, computed from the sample data in ``data_dir``; ``lite``: the ``.xlsx``
    variant for xlwings Lite and Server (no VBA)."""
    samples = load_samples(data_dir)
    with scratch_folder("althedge-build-") as scratch:
        first = Path(scratch) / "first-pass.xlsx"
        first.write_bytes(first_pass(samples))
        cached = compute(first).cells
    return (lite_template if lite else finished_template)(samples, cached)


def build_workbook(out: Path = DEFAULT_OUT, data_dir: Path | None = None) -> Path:
    """Write the template to ``out`` atomically and return its path."""
    write_atomically(out, template_bytes(data_dir))
    return out
