"""The template's small defects, read back from the committed file with olevba and openpyxl."""

from __future__ import annotations

import collections
import re

import openpyxl
import pytest
from conftest import TEMPLATE

from althedge_xl import udfs
from althedge_xl.excel.function import udf_functions, udf_spec
from althedge_xl.headless import engine

#: DESIGN.md: a full recalculation of the template makes at most 50 AltHedge calls.
CALL_BUDGET = 50

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # olevba's pyparsing grammar


@pytest.fixture(scope="module")
def vba_parser():
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(TEMPLATE))
    yield parser
    parser.close()


def _module(parser, name: str) -> str:
    return next(code for _, _, module, code in parser.extract_macros() if module.split(".")[0] == name)


def test_no_procedure_named_register(vba_parser):
    # Register is also an Excel 4 macro function that loads DLL code: olevba lists it as suspicious.
    flagged = {keyword.lower() for kind, keyword, _ in vba_parser.analyze_macros() if kind == "Suspicious"}
    assert "register" not in flagged
    macros = _module(vba_parser, "AltHedgeMacros")
    assert not re.search(r"\bSub Register\b", macros)
    assert re.search(r"^Private Sub SetFunctionHelp\(", macros, re.M)


@pytest.mark.parametrize(
    ("function", "expected"),
    [("HEDGE_MINVAR_RATIO", "cov(dP/P, dF/F) / var(dF/F)"), ("REALIZED_VOL", "sqrt periods_per_year")],
)
def test_descriptions_in_the_vba_code_page_have_no_question_marks(vba_parser, function, expected):
    # Δ and √ are not in Windows-1252; the VB_Description line now carries a readable stand-in.
    wrappers = _module(vba_parser, "xlwings_udfs")
    description = re.search(rf'Attribute {function}\.VB_Description = "(.*)"', wrappers).group(1)
    assert expected in description
    assert "?" not in description


def test_every_description_is_readable_in_the_code_page(vba_parser):
    wrappers = _module(vba_parser, "xlwings_udfs")
    descriptions = re.findall(r'Attribute (\w+)\.VB_Description = "(.*)"', wrappers)
    assert len(descriptions) == len(udf_functions(udfs))
    for name, text in descriptions:
        source = udf_spec(getattr(udfs, name)).description
        assert text.count("?") == source.count("?"), name


def test_start_sheet_link_opens_the_readme_init_puts_beside_the_workbook(tmp_path):
    from althedge_xl.cli import main

    link = openpyxl.load_workbook(TEMPLATE)["Start"]["B26"].hyperlink
    assert link.target == "README.md"
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / "AltHedge.xlsm").read_bytes() == TEMPLATE.read_bytes()
    assert (tmp_path / link.target).read_text(encoding="utf-8").startswith("# AltHedge XL")


def test_a_full_recalculation_makes_at_most_50_althedge_calls(monkeypatch, capsys):
    # Excel evaluates each formula once in a full recalculation (Ctrl+Alt+F9), so the calls are the
    # AltHedge functions the formulas hold (an array formula is one call for its whole range). The
    # headless engine's own calls are counted too: it computes every such formula, one of them (the
    # SelfCheck array formula) twice, which Excel does not.
    import schedula as sh
    from formulas.functions import get_functions

    from althedge_xl.headless.cycles import formula_cells

    names = {udf_spec(f).name for f in udf_functions(udfs)}
    in_formulas: collections.Counter[str] = collections.Counter(
        token.value[:-1].upper().removeprefix("_XLUDF.")
        for formula in formula_cells(openpyxl.load_workbook(TEMPLATE))
        for token in formula.tokens
        if token.type == "FUNC" and token.value[:-1].upper().removeprefix("_XLUDF.") in names
    )
    engine.register_functions()
    table = get_functions()
    by_engine: collections.Counter[str] = collections.Counter()
    for name in names:
        entry = table[name]

        def counted(*args, _original=entry["function"], _name=name):
            result = _original(*args)
            if result is not sh.NONE:  # not a call the engine retries once an input is ready
                by_engine[_name] += 1
            return result

        wrapped = {**entry, "function": counted}
        monkeypatch.setitem(table, name, wrapped)
        monkeypatch.setitem(table, f"_XLUDF.{name}", wrapped)
    assert engine.compute(TEMPLATE).named("SELF_CHECK") is True
    total = sum(in_formulas.values())
    with capsys.disabled():
        print(f"\nAltHedge calls in a full recalculation of the template: {total} (budget {CALL_BUDGET})")
        print("  " + ", ".join(f"{name} {n}" for name, n in in_formulas.most_common()))
        print(f"  the headless engine made {sum(by_engine.values())}")
    assert set(by_engine) == set(in_formulas)
    assert all(by_engine[name] >= n for name, n in in_formulas.items())
    assert total <= CALL_BUDGET
