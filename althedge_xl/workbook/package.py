"""What a workbook file is before anything reads its sheets: an Excel 2007+ zip package."""

from __future__ import annotations

import zipfile
from pathlib import Path


class WorkbookError(Exception):
    """A workbook cannot be read or computed; the message says what to fix, in one line."""


def check_readable(path: Path) -> None:
    """Raise :class:`WorkbookError` unless ``path`` is an existing Excel 2007+ workbook."""
    if not path.exists():
        raise WorkbookError(f"{path}: no such file")
    if path.is_dir():
        raise WorkbookError(f"{path}: is a folder, not a workbook")
    if not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path}: not an Excel workbook (.xlsx/.xlsm)")
    with zipfile.ZipFile(path) as archive:
        if "xl/workbook.xml" not in archive.namelist():
            raise WorkbookError(f"{path}: not an Excel workbook (no xl/workbook.xml inside)")
