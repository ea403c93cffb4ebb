"""What analysts read: vote-weighted crosstabs (``crosstab``), provenance and sensitivity
(``provenance``), the one renderer for tables in csv/json/markdown/xlsx/html (``render``) and the
report (``report``). Reads the store and the stages below; writes no codes.
"""
