"""The SelfCheck sheet: the method's worked numbers recomputed, each with its expected value.

The Pass column has no red fill for FALSE: LibreOffice 7.4 fails to print the sheet one page wide with
that conditional format ("Unspecified Application Error"); "All pass" says TRUE or FALSE in words.

Consecutive examples of one function that differ only in their first argument (the Fear & Greed
bands) are one array formula with that argument as a column: one call for the rows, not one each.
"""

from __future__ import annotations

from collections.abc import Sequence

from althedge_xl import worked_examples as wx
from althedge_xl.workbook.writer import SheetWriter


def self_check(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 30)
    s.set_column("B:B", 52)
    s.set_column("C:E", 14)
    s.set_column("F:F", 40)
    s.set_row(0, 21)
    w.text("A1", "Self-check: the method's worked numbers", "title")
    for col, header in enumerate(("Example", "Formula", "Result", "Expected", "Pass", "Source")):
        s.write_string(2, col, header, w.styles["header"])
    examples = wx.SELF_CHECK_EXAMPLES
    r = 4
    for group in _groups(examples):
        style = "bool" if isinstance(group[0].expected, bool) else "number"
        if len(group) == 1:
            w.formula(f"C{r}", "=" + _call(group[0]), style)
        else:
            column = [[e.args[0]] for e in group]
            merged = wx.WorkedExample("", group[0].function, (column, *group[0].args[1:]), 0.0, "")
            w.array(f"C{r}:C{r + len(group) - 1}", "=" + _call(merged), style)
        for example in group:
            w.text(f"A{r}", example.label)
            w.text(f"B{r}", _call(example), "wrap")
            w.value(f"D{r}", example.expected, style)
            w.formula(f"E{r}", f"=C{r}=D{r}" if style == "bool" else f"=ROUND(C{r},2)=D{r}", "bool")
            w.text(f"F{r}", example.source, "wrap")
            r += 1
    last = 3 + len(examples)
    w.text(f"A{last + 2}", "All pass", "label")
    w.formula(f"E{last + 2}", f"=AND(E4:E{last})", "bool", name="SELF_CHECK")


def _call(example: wx.WorkedExample) -> str:
    return f"{example.function}({','.join(_excel_literal(a) for a in example.args)})"


def _groups(examples: Sequence[wx.WorkedExample]) -> list[list[wx.WorkedExample]]:
    """Runs of consecutive examples of one function whose arguments differ only in a first, single number."""
    groups: list[list[wx.WorkedExample]] = []
    for example in examples:
        previous = groups[-1][-1] if groups else None
        if (
            previous is not None
            and previous.function == example.function
            and previous.args[1:] == example.args[1:]
            and all(
                isinstance(e.args[0], (int, float)) and not isinstance(e.args[0], bool) for e in (previous, example)
            )
        ):
            groups[-1].append(example)
        else:
            groups.append([example])
    return groups


def _excel_literal(value: object) -> str:
    """A Python argument as an Excel literal: numbers, "text", {1;2} columns, {1,2} rows."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        rows = [row if isinstance(row, (list, tuple)) else [row] for row in value]
        return "{" + ";".join(",".join(_excel_literal(v) for v in row) for row in rows) + "}"
    return repr(value) if isinstance(value, float) else str(value)
