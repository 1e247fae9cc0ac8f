"""The workbook computed without Excel: the formula engine with the AltHedge functions registered
(:mod:`~althedge_xl.headless.engine`), the report's tables, the values copy and chart, and the
renderers of tables for a terminal, CSV and JSON. Needs the ``[report]`` extra."""
