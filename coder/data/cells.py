"""What a spreadsheet cell may hold: text made safe before any table leaves the project.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as
a formula when a spreadsheet opens the file; every file coder writes prefixes such text with an
apostrophe (OWASP's advice on CSV injection). Numbers stay numbers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are neutralised."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out
