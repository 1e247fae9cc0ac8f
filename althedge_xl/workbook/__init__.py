"""The template workbook ``workbook/AltHedge.xlsm``, built from code."""
