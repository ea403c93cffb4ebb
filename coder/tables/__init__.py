"""What analysts read: vote-weighted crosstabs (``crosstab``), provenance and sensitivity
(``provenance``), the one renderer for tables in text/markdown/csv/json/html/xlsx (``render``,
with the report's table layouts in ``layouts``) and the report (``report``). Reads the store
and the stages below; writes no codes.
"""
