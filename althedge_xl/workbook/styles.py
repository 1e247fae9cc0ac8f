"""Cell formats of the template: number formats by kind, and the colour code the Start sheet explains.

Colours: inputs are pale yellow with blue text (type here); results are white with black text
(locked formulas); warnings turn orange, errors and over-hedging red, stale data grey italics.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.workbook import Workbook

INPUT_FILL = "#FFF2CC"
INPUT_FONT = "#1F4E79"
WARNING_FILL = "#F8CBAD"
DANGER_FILL = "#FF9999"
STALE_FONT = "#7F7F7F"
HEADER_FILL = "#1F4E79"

#: Number formats by kind: USD with thousands separators, percentages, prices to BTCUSDT's tick.
NUMBER_FORMATS: dict[str, dict[str, Any]] = {
    "text": {},
    "number": {"num_format": "#,##0.00"},
    "usd": {"num_format": "#,##0.00;[Red]-#,##0.00"},
    "pct": {"num_format": "0.00%;[Red]-0.00%"},
    "rate": {"num_format": "0.0000%;[Red]-0.0000%"},
    "price": {"num_format": "#,##0.0"},
    "qty": {"num_format": "#,##0.000"},
    "int": {"num_format": "#,##0"},
    "ratio": {"num_format": "0.00"},
    "bool": {"align": "center"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
}


class Styles:
    """The workbook's formats, made once: ``styles["usd"]``, ``styles.input("pct")``."""

    def __init__(self, book: Workbook) -> None:
        self._formats = {kind: book.add_format(fmt) for kind, fmt in NUMBER_FORMATS.items()}
        self._inputs = {
            kind: book.add_format(
                {
                    **fmt,
                    "bg_color": INPUT_FILL,
                    "font_color": INPUT_FONT,
                    "locked": False,
                    "border": 1,
                    "border_color": "#BFBFBF",
                }
            )
            for kind, fmt in NUMBER_FORMATS.items()
        }
        self._data = {kind: data_format(book, kind) for kind in NUMBER_FORMATS}
        self._formats.update(
            title=book.add_format({"bold": True, "font_size": 16, "font_color": HEADER_FILL}),
            heading=book.add_format({"bold": True, "font_size": 12, "font_color": HEADER_FILL, "bottom": 1}),
            header=book.add_format(
                {"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL, "text_wrap": True, "valign": "top"}
            ),
            label=book.add_format({"bold": True}),
            note=book.add_format({"italic": True, "font_color": "#595959", "text_wrap": False}),
            wrap=book.add_format({"text_wrap": True, "valign": "top"}),
            link=book.add_format({"font_color": "#0563C1", "underline": 1}),
            warning=book.add_format({"bg_color": WARNING_FILL}),
            danger=book.add_format({"bg_color": DANGER_FILL, "bold": True}),
            stale=book.add_format({"font_color": STALE_FONT, "italic": True}),
            input_legend=self._inputs["text"],
        )

    def __getitem__(self, kind: str) -> Any:
        return self._formats[kind]

    def input(self, kind: str) -> Any:
        return self._inputs[kind]

    def data(self, kind: str) -> Any:
        return self._data[kind]


def data_format(book: Workbook, kind: str) -> Any:
    """An unlocked cell that refresh writes: the kind's number format, no input colour."""
    return book.add_format({**NUMBER_FORMATS[kind], "locked": False})
