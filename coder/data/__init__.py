"""The bottom floor: the project store and everything that reads or writes it directly.

Owns the SQLite store and its migrations (``store``), the codebook (``codebook``), reading
tables from files (``readers``), ingesting contributions (``contributions``), codings and the
one audited write path for codes (``codings``, ``audit``), codebook migrations (``migrate``)
and the redaction of personal data (``redact``). The example's files live in ``data/example``
and the bundled codebook in ``data/codebooks``. Nothing here imports a stage above it.
"""
