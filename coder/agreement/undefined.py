"""A table cell for a statistic that is not defined, and a helper that produces it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coder.errors import UndefinedStatistic


@dataclass(frozen=True)
class Undefined:
    """An agreement statistic that is not defined on some data, and why.

    Report code that tabulates many statistics puts this in a cell instead of a NaN, so the
    reason can be printed (e.g. "no variation") rather than a blank.
    """

    reason: str

    def __str__(self) -> str:
        return f"undefined: {self.reason}"


def try_statistic(func: Callable[..., float], *args: Any, **kwargs: Any) -> float | Undefined:
    """Call a statistic and turn :class:`~coder.errors.UndefinedStatistic` into :class:`Undefined`.

    Parameters
    ----------
    func : callable
        Any statistic of :mod:`coder.agreement`, e.g. ``krippendorff_alpha``.
    *args, **kwargs
        Passed on to ``func``.

    Returns
    -------
    float or Undefined
        Other errors (malformed input) still raise.

    Examples
    --------
    >>> from coder.agreement import krippendorff_alpha
    >>> try_statistic(krippendorff_alpha, [[1, 1, 1], [1, 1, 1]]).reason[:40]
    "Krippendorff's alpha (nominal) is undefi"
    """
    try:
        return float(func(*args, **kwargs))
    except UndefinedStatistic as exc:
        return Undefined(exc.reason)
