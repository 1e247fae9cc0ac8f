"""Excel error values as Python objects.

An :class:`ExcelError` is a ``str`` whose text begins with the Excel error code and says what is
wrong (``"#NUM! leverage must be at least 1"``): xlwings shows it in the cell as it is, Python
callers can test it, and the headless engine turns its code into a real error value.
"""

from __future__ import annotations

from althedge_xl.core.errors import AltHedgeInputError

#: Error values Excel can hand a function (with ``err_to_str``) or show in a cell.
EXCEL_ERROR_CODES = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)


class ExcelError(str):
    """An Excel error value with a reason: ``str(err) == "#NUM! leverage must be at least 1"``."""

    code: str
    reason: str

    def __new__(cls, code: str, reason: str = "") -> ExcelError:
        if code not in EXCEL_ERROR_CODES:
            raise ValueError(f"not an Excel error code: {code!r}")
        text = f"{code} {reason}" if reason else code
        self = super().__new__(cls, text)
        self.code = code
        self.reason = reason
        return self


def error_code_of(value: object) -> str | None:
    """The Excel error code ``value`` stands for, if it is an error string, else None.

    >>> error_code_of("#N/A"), error_code_of("#NUM! too big"), error_code_of("N/A")
    ('#N/A', '#NUM!', None)
    """
    if not isinstance(value, str) or not value.startswith("#"):
        return None
    head = value.split(" ", 1)[0]
    return head if head in EXCEL_ERROR_CODES else None


class ErrorCellError(AltHedgeInputError):
    """An argument refers to a cell that already holds an Excel error; the code passes through."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.excel_code = code
