"""How the report says things, on the page and in the workbook alike.

Numbers are printed one way throughout (:func:`number`): integers with thousands separators,
percentages with one decimal, statistics with two. A statistic that is not defined on the data
says so ("undefined"); a missing interval says "no interval". The words for merge rules,
reconciliation statuses, the origins of codes and the sensitivity columns live here too.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

INT, PCT, STAT, TEXT = "int", "pct", "stat", "text"
UNDEFINED = "undefined"
NO_INTERVAL = "no interval"

RULE_WORDS = {
    "adjudicated": "adjudicated",
    "unanimous": "humans agreed",
    "majority": "majority of the human coders",
    "single_coder": "single coder",
    "accepted_suggestion": "model suggestion accepted",
    "reviewer_edit": "model suggestion corrected by a reviewer",
    "unreviewed_suggestion": "model suggestion, not reviewed",
}
STATUS_WORDS = {
    "final": "with final codes",
    "excluded": "excluded as not relevant",
    "queued": "waiting for an adjudicator",
    "uncoded": "not coded yet",
}
ORIGIN_WORDS = {
    "humans": "Humans",
    "accepted_suggestions": "Model suggestions accepted",
    "unreviewed_suggestions": "Model suggestions not reviewed",
}
SENSITIVITY_WORDS = {
    "question": "Question",
    "row": "Row",
    "column": "Column",
    "ideas_humans": "Ideas (human-made codes only)",
    "net_votes_humans": "Net votes (human-made codes only)",
    "ideas_all": "Ideas (all final codes)",
    "net_votes_all": "Net votes (all final codes)",
    "ideas_moved": "Ideas moved by the model",
    "votes_moved": "Net votes moved by the model",
}


def esc(value: Any) -> str:
    """HTML-escape anything (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def _missing(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return value is None or value == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, kind: str = "auto") -> str:
    """How the report prints a value; the one formatting rule of the page and the workbook.

    Parameters
    ----------
    value
        A number, a text or a missing value (None, NaN, ``pd.NA``).
    kind
        ``"int"`` (thousands separators: ``1,234``), ``"pct"`` (a percentage, one decimal:
        ``12.3%``), ``"stat"`` (two decimals: ``0.62``), ``"text"`` or ``"auto"`` (integers as
        ``"int"``, other numbers as ``"stat"``, text as it is).

    Returns
    -------
    str
        ``""`` for a missing value: never ``"nan"``.

    Examples
    --------
    >>> number(1234), number(12.345, "pct"), number(0.6251), number(float("nan"))
    ('1,234', '12.3%', '0.63', '')
    """
    if _missing(value):
        return ""
    if kind == TEXT or isinstance(value, str):
        return str(value)
    if kind == PCT:
        return f"{float(value):.1f}%"
    if kind == STAT:
        return f"{float(value):.2f}"
    if kind == INT or isinstance(value, int | np.integer):
        return f"{int(value):,}"
    return f"{float(value):.2f}"


def as_float(value: Any) -> float | None:
    """A number as a float; None for a missing value (None, NaN, ``pd.NA``)."""
    return None if _missing(value) else float(value)


def share(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` (None when ``whole`` is 0)."""
    return 100.0 * part / whole if whole else None


def statistic(
    value: float | None, low: float | None = None, high: float | None = None, pct: bool = False
) -> str:
    """A statistic with its interval, e.g. ``0.62 [0.50, 0.71]``; ``undefined`` when None.

    ``pct`` prints a proportion as a percentage (``85.0% [80.1%, 90.0%]``).
    """
    v, lo, hi = as_float(value), as_float(low), as_float(high)
    if v is None:
        return UNDEFINED

    def one(x: float) -> str:
        return number(100 * x, PCT) if pct else number(x, STAT)

    if lo is None or hi is None:
        return one(v)
    return f"{one(v)} [{one(lo)}, {one(hi)}]"


def interval_text(value: float | None, low: float | None, high: float | None) -> str:
    """An interval in words (``0.50 to 0.71``); ``no interval`` without bounds."""
    if value is None:
        return ""
    if low is None or high is None:
        return NO_INTERVAL
    return f"{number(low, STAT)} to {number(high, STAT)}"


def rule_words(rule: str) -> str:
    """How the report names a merge rule."""
    return RULE_WORDS.get(rule, rule.replace("_", " "))


def ordered_rules(rules: Mapping[str, int]) -> list[tuple[str, int]]:
    """Merge rules in the order of :data:`RULE_WORDS`, unknown ones last."""
    order = list(RULE_WORDS)
    return sorted(
        rules.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0])
    )
