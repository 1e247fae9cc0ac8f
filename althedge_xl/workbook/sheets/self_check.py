"""The SelfCheck sheet: the method's worked numbers recomputed, each with its expected value."""

from __future__ import annotations

from althedge_xl import worked_examples as wx
from althedge_xl.workbook.writer import SheetWriter


def self_check(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 34)
    s.set_column("B:B", 70)
    s.set_column("C:E", 14)
    s.set_row(0, 21)
    w.text("A1", "Self-check: the method's worked numbers", "title")
    for col, header in enumerate(("Example", "Formula", "Result", "Expected", "Pass", "Source")):
        s.write_string(2, col, header, w.styles["header"])
    for i, example in enumerate(wx.EXAMPLES):
        r = 4 + i
        formula = f"{example.function}({','.join(_excel_literal(a) for a in example.args)})"
        w.text(f"A{r}", example.label)
        w.text(f"B{r}", formula, "note")
        if isinstance(example.expected, bool):
            w.formula(f"C{r}", "=" + formula, "bool")
            w.value(f"D{r}", example.expected, "bool")
            w.formula(f"E{r}", f"=C{r}=D{r}", "bool")
        else:
            w.formula(f"C{r}", "=" + formula, "number")
            w.value(f"D{r}", example.expected, "number")
            w.formula(f"E{r}", f"=ROUND(C{r},2)=D{r}", "bool")
        w.text(f"F{r}", example.source, "note")
    last = 3 + len(wx.EXAMPLES)
    w.text(f"A{last + 2}", "All pass", "label")
    w.formula(f"E{last + 2}", f"=AND(E4:E{last})", "bool", name="SELF_CHECK")
    s.conditional_format(
        f"E4:E{last + 2}", {"type": "cell", "criteria": "==", "value": "FALSE", "format": w.styles["danger"]}
    )


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
