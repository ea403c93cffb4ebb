"""Coverage at a target quality: how many items the model can decide at a given micro-F1.

Items are ranked by the model's confidence, most confident first. The coverage-quality curve
gives, for the ``k`` most confident items, the share ``k / n`` the model decides and the
micro-F1 of its decisions on them (against a reference). Items of equal confidence are decided
or routed together, so the curve has a point only where the confidence changes.

Routing by target quality (``coder suggest --target-f1 0.85``) reads the curve of the model's
out-of-fold decisions on its training items (:class:`~coder.suggest.models.OutOfFold`): the
lowest confidence at which the items above it still reach the target out of fold becomes the
cut; new items below it go to a human.

Examples
--------
>>> import numpy as np
>>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 1]])
>>> P = np.array([[1, 0], [0, 1], [1, 0], [1, 0]])
>>> curve = coverage_curve(Y, P, np.array([0.9, 0.8, 0.7, 0.6]))
>>> [round(float(f), 2) for f in curve.micro_f1]
[1.0, 1.0, 0.86, 0.67]
>>> curve.cut_for(0.85)
Cut(confidence=0.7, coverage=0.75, micro_f1=0.857)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from coder.errors import CoderError

Array = npt.NDArray[np.float64]


class CoverageError(CoderError, ValueError):
    """The data cannot give a coverage curve (shapes differ, no items, a bad target)."""


class Cut(NamedTuple):
    """A confidence cut: items at or above ``confidence`` are decided by the model, a share
    ``coverage`` of the items the curve was made from, at micro-F1 ``micro_f1`` on them."""

    confidence: float
    coverage: float
    micro_f1: float


@dataclass(frozen=True)
class CoverageCurve:
    """Micro-F1 on the most confident items, at each confidence where the curve can be cut.

    Attributes
    ----------
    confidence : ndarray of shape (n_points,)
        The cut: items whose confidence is at least this are decided (descending).
    coverage : ndarray of shape (n_points,)
        Share of the items decided at that cut (ascending, the last is 1).
    micro_f1 : ndarray of shape (n_points,)
        Micro-F1 of the decisions on those items.
    """

    confidence: Array
    coverage: Array
    micro_f1: Array

    def cut_for(self, target: float) -> Cut | None:
        """The cut with the largest coverage whose micro-F1 is at least ``target`` (None when
        not even the most confident items reach it)."""
        if not 0 < target <= 1:
            raise CoverageError(f"the target micro-F1 is {target}; give a number in (0, 1]")
        ok = np.flatnonzero(self.micro_f1 >= target)
        if not len(ok):
            return None
        k = int(ok[-1])
        return Cut(
            float(self.confidence[k]),
            round(float(self.coverage[k]), 4),
            round(float(self.micro_f1[k]), 3),
        )

    def at_coverage(self, share: float) -> Cut:
        """The cut deciding the smallest coverage of at least ``share``."""
        k = int(np.searchsorted(self.coverage, share - 1e-12))
        k = min(k, len(self.coverage) - 1)
        return Cut(
            float(self.confidence[k]),
            round(float(self.coverage[k]), 4),
            round(float(self.micro_f1[k]), 3),
        )


def coverage_curve(Y: npt.ArrayLike, P: npt.ArrayLike, confidence: npt.ArrayLike) -> CoverageCurve:
    """The coverage-quality curve of decisions ``P`` against reference ``Y``.

    Parameters
    ----------
    Y, P : array-like of shape (n_items, n_codes)
        0/1 reference codes and the model's decisions.
    confidence : array-like of shape (n_items,)
        The model's confidence in each item's decisions (higher is surer).
    """
    y: npt.NDArray[Any] = np.asarray(Y)
    p: npt.NDArray[Any] = np.asarray(P)
    c = np.asarray(confidence, dtype=np.float64)
    if y.ndim != 2 or y.shape != p.shape or c.shape != (y.shape[0],):
        raise CoverageError(
            f"reference {y.shape}, decisions {p.shape} and confidence {c.shape} do not match; "
            "give two (items x codes) matrices and one confidence per item"
        )
    if not len(c):
        raise CoverageError("no items: a coverage curve needs at least one")
    if np.isnan(c).any():
        raise CoverageError("a confidence is NaN; every item needs one")
    order = np.argsort(-c, kind="stable")
    y, p, c = y[order].astype(np.int64), p[order].astype(np.int64), c[order]
    tp = np.cumsum((y * p).sum(axis=1))
    wrong = np.cumsum(((1 - y) * p + y * (1 - p)).sum(axis=1))
    denom = 2 * tp + wrong
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 1.0)
    ends = np.flatnonzero(np.append(c[1:] < c[:-1], True))  # last item of each tie group
    n = len(c)
    return CoverageCurve(c[ends], (ends + 1) / n, f1[ends].astype(np.float64))
