"""The template's sheets are protected (no password): the Refresh button lifts a sheet's protection while it
writes locked cells (the History sheet's daily history, the Account sheet, the formulas over the daily
history), then puts it back with the options it had.

Excel refuses any write to a locked cell of a protected sheet, from a macro or through COM alike, unless
the sheet is unprotected first (``Worksheet.Unprotect``; ``Worksheet.Protect`` puts it back). A sheet
protected with a password of the user's own cannot be unprotected: :class:`ProtectedSheet` names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class ProtectedSheet(Exception):
    """A sheet the button must write is protected with a password; the message says which and what to do."""


#: The protection options kept: ``Worksheet.Protect``'s argument -> where the protected sheet says it.
_KEPT = {
    "DrawingObjects": ("ProtectDrawingObjects",),
    "Scenarios": ("ProtectScenarios",),
    "AllowFormattingCells": ("Protection", "AllowFormattingCells"),
    "AllowFormattingColumns": ("Protection", "AllowFormattingColumns"),
    "AllowFormattingRows": ("Protection", "AllowFormattingRows"),
}


@contextmanager
def unprotected(sheet: Any) -> Iterator[None]:
    """Within the block ``sheet`` (an xlwings ``Sheet``) is unprotected; afterwards protected as it was.

    A sheet without Excel's object (``sheet.api``), or not protected, is left as it is.
    """
    api = getattr(sheet, "api", None)
    if api is None or not api.ProtectContents:
        yield
        return
    kept = {}
    for argument, path in _KEPT.items():
        value = api
        for attribute in path:
            value = getattr(value, attribute)
        kept[argument] = bool(value)
    try:
        api.Unprotect("")
    except Exception:
        raise ProtectedSheet(
            f"the {sheet.name} sheet is protected with a password: unprotect it (Review > Unprotect Sheet), then"
            " press Refresh again"
        ) from None
    try:
        yield
    finally:
        api.Protect("", Contents=True, **kept)
