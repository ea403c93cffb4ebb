"""Figures a benchmark can quote: every timed run kept, reported as median with min-max.

Used by ``bench_suggest.py``, ``bench_agreement.py`` and ``bench_studio.py``: each runs every
timed implementation ``--repeat`` times (default 3) the same way, interleaved where the
implementations compete for the same machine, and reports each figure as
``{"median", "min", "max", "runs"}``.

>>> s = summary([3.0, 1.0, 2.0])
>>> s["median"], s["min"], s["max"], s["runs"]
(2.0, 1.0, 3.0, [3.0, 1.0, 2.0])
>>> fmt(s, 1)
'2.0 (1.0-3.0)'
>>> ratios([2.0, 4.0], [1.0, 1.0])
[2.0, 4.0]
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

REPEAT = 3
Summary = dict[str, Any]


def summary(values: Sequence[float], digits: int = 4) -> Summary:
    """Median, min, max and every run of ``values`` (rounded to ``digits``)."""
    if not values:
        raise ValueError("no runs to summarise")
    runs = [round(float(v), digits) for v in values]
    return {
        "median": round(float(statistics.median(values)), digits),
        "min": min(runs),
        "max": max(runs),
        "runs": runs,
    }


def ratios(top: Sequence[float], bottom: Sequence[float]) -> list[float]:
    """Run-by-run ratios ``top[i] / bottom[i]`` (runs paired in the order they were made)."""
    if len(top) != len(bottom):
        raise ValueError(f"{len(top)} runs against {len(bottom)}; pair the same number")
    return [t / b for t, b in zip(top, bottom, strict=True)]


def fmt(s: Summary, digits: int = 2) -> str:
    """``median (min-max)``; just the value when every run gave the same."""
    if s["min"] == s["max"]:
        return f"{s['median']:.{digits}f}"
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"
