"""Krippendorff's alpha pooled over every code decision, with an interval that resamples items.

A multi-label coding is one binary decision per (item, code): applied or not. Pooling the
decisions of all codes of a frame (or of all frames) into one reliability matrix gives one
headline figure, Krippendorff's alpha for nominal data over those *cells* (Krippendorff 2011,
"Computing Krippendorff's alpha-reliability", sec. C; the pooled-over-variables use is in
Krippendorff 2004, *Content Analysis*, 2nd ed., ch. 11). With the ``m x C`` matrix of cells,
:math:`m_u` the values of cell ``u``, :math:`n_{u0}, n_{u1}` how many coders did not and did
apply the code, over the pairable cells (:math:`m_u \\ge 2`):

.. math::

    n_0 = \\sum_u n_{u0},\\quad n_1 = \\sum_u n_{u1},\\quad n = n_0 + n_1,\\quad
    \\alpha = 1 - (n - 1) \\frac{\\sum_u 2\\, n_{u0} n_{u1} / (m_u - 1)}{2\\, n_0 n_1}.

This is :func:`~coder.agreement.krippendorff_alpha` of the stacked matrix at the nominal level.

The cells of one item are not independent (a coder who misread an item misreads several of its
codes), so the interval resamples *items*, the clusters, not cells (Davison and Hinkley 1997,
*Bootstrap Methods and their Application*, sec. 3.8): each item contributes the sums
:math:`(D_i, n_{0i}, n_{1i})` over its cells, and a resample with item weights :math:`W_{bi}`
has :math:`D^{(b)} = \\sum_i W_{bi} D_i` and so on, all resamples at once. As in
:func:`~coder.agreement.bootstrap_ci`, the interval is the percentile interval, and it is
undefined when the statistic is undefined on more than
:data:`~coder.agreement.bootstrap.MAX_UNDEFINED_SHARE` of the resamples.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from coder.agreement._data import AgreementInputError, FloatArray, as_array
from coder.agreement.bootstrap import MAX_UNDEFINED_SHARE, check_arguments
from coder.errors import UndefinedStatistic

IntArray = npt.NDArray[np.intp]


def _check(data: Any, clusters: Any) -> tuple[FloatArray, IntArray]:
    """The cells as floats ``(m, C)`` (0, 1, NaN) and their cluster indices ``(C,)``."""
    arr = as_array(data, "cells")
    if arr.ndim != 2:
        raise AgreementInputError(
            f"cells: found shape {arr.shape}; expected 2 dimensions, coders x cells. "
            "Fix: pass one row per coder."
        )
    try:
        cells = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AgreementInputError(
            f"cells: found values that are not numbers ({exc}); expected 0, 1 or NaN. "
            "Fix: pass 1 where the coder applied the code, 0 where not, NaN where unseen."
        ) from exc
    present = cells[~np.isnan(cells)]
    if present.size and not np.isin(present, (0.0, 1.0)).all():
        raise AgreementInputError(
            "cells: found values other than 0 and 1; expected binary decisions (NaN for "
            "missing). Fix: pass 1 where the coder applied the code, 0 where not."
        )
    if clusters is None:
        return cells, np.arange(cells.shape[1], dtype=np.intp)
    index = np.asarray(clusters)
    if index.size == 0:
        index = index.astype(np.intp)
    if index.shape != (cells.shape[1],) or index.dtype.kind not in "iu" or (index < 0).any():
        raise AgreementInputError(
            f"clusters: found shape {index.shape} of dtype {index.dtype}; expected one "
            f"non-negative whole number per cell ({cells.shape[1]}). Fix: number the items "
            "0, 1, ... and give each cell its item's number."
        )
    return cells, index.astype(np.intp)


def cluster_sums(data: Any, clusters: Any = None) -> FloatArray:
    """Per cluster (item) the sums over its pairable cells: ``(D_i, n_0i, n_1i)``.

    Parameters
    ----------
    data : array-like, shape (m, C)
        Coders x cells: 1 applied, 0 not applied, NaN not seen.
    clusters : array-like of int, shape (C,), optional
        The item each cell belongs to (default: every cell its own item).

    Returns
    -------
    ndarray of float64, shape (I, 3)
        ``D_i`` = :math:`\\sum_u 2 n_{u0} n_{u1} / (m_u - 1)`, and :math:`n_{0i}, n_{1i}`.
    """
    cells, index = _check(data, clusters)
    seen = ~np.isnan(cells)
    m = seen.sum(axis=0).astype(np.float64)
    n1 = np.nansum(cells, axis=0)
    n0 = m - n1
    pairable = m >= 2
    d = np.where(pairable, 2.0 * n0 * n1 / np.where(pairable, m - 1.0, 1.0), 0.0)
    k = int(index.max()) + 1 if index.size else 0
    sums = [np.bincount(index, weights=w * pairable, minlength=k) for w in (d, n0, n1)]
    return np.stack(sums, axis=1).astype(np.float64)


def _alpha(sums: FloatArray) -> FloatArray:
    """Alpha from summed ``(D, n_0, n_1)``, shape ``(..., 3)``; NaN where undefined."""
    d, n0, n1 = sums[..., 0], sums[..., 1], sums[..., 2]
    n = n0 + n1
    den = 2.0 * n0 * n1
    out: FloatArray = np.divide((n - 1.0) * d, den, out=np.full(den.shape, np.nan), where=den > 0)
    return 1.0 - out


def krippendorff_alpha_pooled(data: Any, clusters: Any = None) -> float:
    """Krippendorff's alpha (nominal) over every binary code decision pooled.

    Parameters
    ----------
    data : array-like, shape (m, C)
        Coders x cells, one cell per (item, code): 1 applied, 0 not, NaN not seen.
    clusters : array-like of int, shape (C,), optional
        The item of each cell; the value does not depend on it (the interval does).

    Raises
    ------
    UndefinedStatistic
        When no cell has two values, or every value is the same (no variation).

    Examples
    --------
    Two coders, two items of two codes each: they disagree once in eight decisions.

    >>> round(krippendorff_alpha_pooled([[1, 0, 1, 1], [1, 0, 0, 1]], [0, 0, 1, 1]), 4)
    0.5333
    """
    sums = cluster_sums(data, clusters).sum(axis=0)
    if sums[1] + sums[2] == 0:
        raise UndefinedStatistic(
            "pooled alpha is undefined: no code decision was made by two coders"
        )
    value = float(_alpha(sums))
    if np.isnan(value):
        raise UndefinedStatistic(
            "pooled alpha is undefined: every decision is the same (no variation), so "
            "expected disagreement is 0"
        )
    return value


def pooled_alpha_ci(
    data: Any, clusters: Any = None, n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile interval of :func:`krippendorff_alpha_pooled`, resampling items.

    Parameters
    ----------
    data, clusters
        As for :func:`krippendorff_alpha_pooled`.
    n_boot : int
        Resamples (at least 2).
    level : float
        Confidence level, e.g. 0.95.
    seed : int
        Seed of :func:`numpy.random.default_rng`: the same seed gives the same interval.

    Raises
    ------
    UndefinedStatistic
        When alpha is undefined on the data or on more than ``MAX_UNDEFINED_SHARE`` of the
        resamples.
    """
    check_arguments(n_boot, level, seed)
    krippendorff_alpha_pooled(data, clusters)  # raises when undefined on the data
    per_item = cluster_sums(data, clusters)
    per_item = per_item[per_item[:, 1] + per_item[:, 2] > 0]  # items with a pairable cell
    rng = np.random.default_rng(int(seed))
    k = per_item.shape[0]
    weights = rng.multinomial(k, np.full(k, 1.0 / k), size=n_boot).astype(np.float64)
    values = _alpha(weights @ per_item)
    defined = values[np.isfinite(values)]
    undefined = n_boot - defined.size
    if undefined > MAX_UNDEFINED_SHARE * n_boot:
        raise UndefinedStatistic(
            f"the bootstrap interval is undefined: pooled alpha is undefined on {undefined} of "
            f"{n_boot} resamples of the items (too few items or too little variation)"
        )
    tail = (1.0 - level) / 2
    low, high = np.quantile(defined, [tail, 1.0 - tail])
    return float(low), float(high)
