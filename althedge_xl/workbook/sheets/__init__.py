"""The template's sheets, one module each, each mirroring one table of the method.

Names of input cells are workbook-level (UPPER_SNAKE) so formulas read like the method:
``=HEDGE_MARGIN(NOTIONAL, LEVERAGE)``.

The package imports none of its modules itself, so that reading one module's layout (the report
reads ``_common``'s method names) does not load every sheet's builder.
"""
