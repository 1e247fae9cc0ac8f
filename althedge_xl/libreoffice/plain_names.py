"""Excel's plain function names in a workbook LibreOffice saved: run by the extension's save job.

Once a formula calls the add-in, LibreOffice 7.4 writes it into ``.xlsx``/``.xlsm`` with the add-in's
programmatic name, ``ORG.ALTHEDGE.XL.ALTHEDGEADDIN.HEDGE_MARGIN(...)``: its OOXML export takes an
add-in function's upper-case internal name (service name, dot, method) and not its
``CompatibilityName``, and no setting of the add-in or of the export filter changes that. Excel
cannot read that name. So, right after LibreOffice has saved an Excel workbook, the job rewrites
the file's formulas (sheets and defined names) with the plain name, ``HEDGE_MARGIN(...)``, as Excel
writes it; every other part of the file is copied byte for byte, and the file is replaced atomically.

An export (``soffice --convert-to xlsx``, File › Export) is not covered: LibreOffice runs the job on
``OnSaveToDone`` but tells it neither the target file nor the filter (the document's location is
still the file it was opened from), so such a file keeps the programmatic names until
``althedge libreoffice --plain-names FILE`` rewrites it.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from althedge_xl.libreoffice.addin_spec import ADDIN_SERVICE

#: The prefix LibreOffice writes before an add-in function's name in an OOXML formula.
PROGRAMMATIC_PREFIX = re.compile(re.escape(ADDIN_SERVICE + ".").encode(), re.IGNORECASE)
#: The parts of an OOXML workbook whose formulas may call a function.
_FORMULA_PARTS = re.compile(r"^xl/(worksheets/[^/]+\.xml|workbook\.xml|externalLinks/[^/]+\.xml)$")
#: The file name endings of the workbooks the job rewrites.
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def plain_names(workbook: bytes) -> bytes | None:
    """``workbook`` (an OOXML zip) with every add-in prefix removed; None when it has none."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    if not any(_FORMULA_PARTS.match(info.filename) and PROGRAMMATIC_PREFIX.search(data) for info, data in parts):
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info, data in parts:
            if _FORMULA_PARTS.match(info.filename):
                data = PROGRAMMATIC_PREFIX.sub(b"", data)
            target.writestr(info, data)
    return buffer.getvalue()


def rewrite_file(path: Path) -> bool:
    """Rewrite the Excel workbook at ``path`` with plain names; True if it needed it."""
    from althedge_xl.files import write_atomically

    if path.suffix.lower() not in EXCEL_SUFFIXES or not path.is_file():
        return False
    rewritten = plain_names(path.read_bytes())
    if rewritten is None:
        return False
    write_atomically(path, rewritten)
    return True


def rewrite_saved_document(document: Any) -> bool:
    """After LibreOffice saved ``document``: rewrite its file if it is an Excel workbook on disk."""
    import uno

    location = document.getLocation()
    if not location.startswith("file:"):
        return False
    return rewrite_file(Path(uno.fileUrlToSystemPath(location)))
