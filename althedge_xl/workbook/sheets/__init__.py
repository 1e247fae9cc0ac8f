"""The template's sheets, one module each, each mirroring one table of the method.

Names of input cells are workbook-level (UPPER_SNAKE) so formulas read like the method:
``=HEDGE_MARGIN(NOTIONAL, LEVERAGE)``.
"""

from althedge_xl.workbook.sheets.funding import funding
from althedge_xl.workbook.sheets.hedge import hedge
from althedge_xl.workbook.sheets.hedge_ratio import hedge_ratio
from althedge_xl.workbook.sheets.portfolio import portfolio
from althedge_xl.workbook.sheets.prices import prices
from althedge_xl.workbook.sheets.self_check import self_check
from althedge_xl.workbook.sheets.start import start
from althedge_xl.workbook.sheets.stress import stress
from althedge_xl.workbook.sheets.xlwings_conf import xlwings_conf

__all__ = ["funding", "hedge", "hedge_ratio", "portfolio", "prices", "self_check", "start", "stress", "xlwings_conf"]
