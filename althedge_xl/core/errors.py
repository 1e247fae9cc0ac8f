"""Typed input errors shared by the core functions and the Excel face.

Each error carries the Excel error code it maps to, so the one error handler in
:mod:`althedge_xl.excel.function` can turn any of them into a cell error without the
function bodies building error text themselves.
"""

from __future__ import annotations


class AltHedgeInputError(ValueError):
    """An argument cannot be used; ``excel_code`` is the Excel error it maps to."""

    excel_code = "#VALUE!"


class WrongTypeError(AltHedgeInputError):
    """Text, a boolean or a wrongly shaped range where a number or range of numbers goes."""

    excel_code = "#VALUE!"


class BadNumberError(AltHedgeInputError):
    """A number of the right type but an impossible value: negative, NaN, infinite, out of range."""

    excel_code = "#NUM!"


class MissingValueError(AltHedgeInputError):
    """A required argument is blank, or too few data points remain to compute a result."""

    excel_code = "#N/A"
