"""The xlwings.conf sheet: the settings xlwings reads (the UDF module)."""

from __future__ import annotations

from althedge_xl.workbook.writer import SheetWriter


def xlwings_conf(w: SheetWriter) -> None:
    w.sheet.set_column("A:B", 24)
    w.text("A1", "UDF Modules")
    w.text("B1", "althedge_xl.udfs")
