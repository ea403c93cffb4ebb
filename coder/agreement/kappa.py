"""Percent agreement and the kappa family: Cohen, Scott, Fleiss, Brennan-Prediger, Gwet AC1.

All of them are :math:`(p_a - p_e) / (1 - p_e)` with the same observed agreement :math:`p_a`
and a different chance agreement :math:`p_e`.

Two coders (``a``, ``b``: 1-D sequences over the same units; a unit where either value is
missing is dropped): :math:`p_{ij}` is the proportion of units that ``a`` put in category
``i`` and ``b`` in ``j`` (shape ``(K, K)``), :math:`p_{i+}`, :math:`p_{+j}` its margins.

- Cohen (1960) :math:`p_e = \\sum_i p_{i+} p_{+i}`; weighted (Cohen 1968)
  :math:`p_o = \\sum_{ij} w_{ij} p_{ij}`, :math:`p_e = \\sum_{ij} w_{ij} p_{i+} p_{+j}`.
- Scott (1955) :math:`p_e = \\sum_i ((p_{i+} + p_{+i}) / 2)^2`.

Any number of coders, in the notation of Gwet (2014), *Handbook of Inter-Rater Reliability*,
4th ed., from the ``N x K`` table :math:`r_{ik}` (``n_uk`` in code) of how many coders
put unit ``i`` in category ``k``, :math:`r_i = \\sum_k r_{ik}`:

- :math:`p_a` = mean over units with :math:`r_i \\ge 2` of
  :math:`\\sum_k r_{ik}(r_{ik} - 1) / (r_i (r_i - 1))` (:func:`percent_agreement`).
- :math:`\\pi_k` = mean over units with :math:`r_i \\ge 1` of :math:`r_{ik} / r_i`.
- Fleiss (1971) :math:`p_e = \\sum_k \\pi_k^2`; with the same number of coders on every unit
  this is exactly Fleiss's :math:`\\bar P` and :math:`\\bar P_e`.
- Brennan & Prediger (1981) :math:`p_e = 1 / q`.
- Gwet (2008) AC1 :math:`p_e = \\sum_k \\pi_k (1 - \\pi_k) / (q - 1)`.

``q`` is the number of categories a coder could choose. By default it is the number of
distinct values observed; pass ``n_categories`` when the codebook offers categories nobody
used, since Brennan-Prediger and AC1 depend on it.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from coder.agreement._data import (
    AgreementInputError,
    Coded,
    Counted,
    FloatArray,
    check_counts,
    encode_counts,
    encode_pair,
    pairs_table,
)
from coder.errors import UndefinedStatistic

Weights = Literal["linear", "quadratic"] | None
BoolArray = npt.NDArray[np.bool_]


def unit_agreement(n_uk: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Per-unit agreement :math:`p_{a|i} = \\sum_k r_{ik}(r_{ik} - 1) / (r_i (r_i - 1))`.

    Parameters
    ----------
    n_uk : ndarray, shape (N, K)

    Returns
    -------
    p_a_i : ndarray, shape (N,)
        Proportion of agreeing ordered pairs of coders on each unit; 0 where not pairable.
    pairable : ndarray of bool, shape (N,)
        :math:`r_i \\ge 2`.
    """
    r_i = n_uk.sum(axis=1)
    pairable = r_i >= 2
    agreeing = (n_uk * (n_uk - 1)).sum(axis=1)
    pairs = np.where(pairable, r_i * (r_i - 1), 1.0)
    return np.where(pairable, agreeing / pairs, 0.0), pairable


def classification_shares(n_uk: FloatArray) -> FloatArray:
    """:math:`\\pi_k`: mean over units with a value of the share :math:`r_{ik} / r_i`.

    Parameters
    ----------
    n_uk : ndarray, shape (N, K)

    Returns
    -------
    ndarray, shape (K,)
        Sums to 1 when some unit has a value.
    """
    r_i = n_uk.sum(axis=1)
    rated = r_i >= 1
    if not rated.any():
        return np.zeros(n_uk.shape[1])
    shares = n_uk[rated] / r_i[rated][:, None]
    pi: FloatArray = shares.mean(axis=0)
    return pi


def _observed(n_uk: FloatArray, name: str) -> float:
    p_a_i, pairable = unit_agreement(n_uk)
    if not pairable.any():
        raise UndefinedStatistic(
            f"{name} is undefined: no unit has values from two or more coders, so there is "
            "nothing to compare"
        )
    return float(p_a_i[pairable].mean())


def counts_of(data: Any) -> tuple[FloatArray, Counted]:
    """:math:`r_{ik}` ``(N, K)`` of reliability data, and the :class:`Counted` it came from."""
    counted = encode_counts(data)
    return counted.counts, counted


def number_of_categories(observed: int, n_categories: int | None, name: str) -> int:
    """``q``: ``n_categories`` if given (at least ``observed``), else ``observed``; at least 2."""
    if n_categories is None:
        q = observed
    elif isinstance(n_categories, bool) or not isinstance(n_categories, int | np.integer):
        raise AgreementInputError(
            f"n_categories: found {n_categories!r}; expected a whole number of categories. "
            "Fix: pass the number of categories in the codebook, or None."
        )
    elif n_categories < observed:
        raise AgreementInputError(
            f"n_categories: found {n_categories}, but the data hold {observed} distinct "
            "values; expected at least as many categories as values. Fix: pass the number of "
            "categories in the codebook, or None to count the values."
        )
    else:
        q = int(n_categories)
    if q < 2:
        raise UndefinedStatistic(
            f"{name} is undefined: there are fewer than two categories ({q}), so chance "
            "agreement is 1. Fix: pass n_categories if the codebook offered more categories "
            "than were used"
        )
    return q


def percent_agreement(data: Any) -> float:
    """Percent agreement :math:`p_a` among any number of coders, with missing values.

    The mean, over units coded by two or more coders, of the proportion of pairs of coders that
    gave the unit the same value (Gwet 2014; Fleiss 1971's :math:`\\bar P`). For two coders it
    is the share of units on which they agree.

    Parameters
    ----------
    data : array-like, shape (m, N)
        Rows are coders, columns units; ``None``/NaN where a coder did not code a unit.

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    UndefinedStatistic
        If no unit has values from two or more coders.
    """
    n_uk, _ = counts_of(data)
    return _observed(n_uk, "Percent agreement")


def agreement_weights(categories: npt.NDArray[Any], weights: Weights | str) -> FloatArray:
    """Agreement weights :math:`w_{ij}` of weighted kappa over the category values.

    Parameters
    ----------
    categories : ndarray, shape (K,)
        The values, ascending, at least two; numbers unless ``weights`` is None.
    weights : {None, "linear", "quadratic"}
        None: :math:`w_{ij} = [i = j]`. "linear" (Cicchetti & Allison 1971):
        :math:`1 - |v_i - v_j| / (v_K - v_1)`. "quadratic" (Fleiss & Cohen 1973):
        :math:`1 - (v_i - v_j)^2 / (v_K - v_1)^2`.

    Returns
    -------
    ndarray of float64, shape (K, K)
    """
    k = categories.shape[0]
    if weights is None:
        return np.eye(k)
    v = categories.astype(np.float64)
    diff = np.abs(v[:, None] - v[None, :]) / float(v[-1] - v[0])
    power = 1 if weights == "linear" else 2
    return np.asarray(1.0 - diff**power, dtype=np.float64)


def check_weights(weights: object, coded: Coded) -> None:
    """Check the ``weights`` argument of Cohen's kappa against the values.

    Raises
    ------
    AgreementInputError
        For an unknown weighting, or weights on text values.
    """
    if weights not in (None, "linear", "quadratic"):
        raise AgreementInputError(
            f"weights: found {weights!r}; expected None, 'linear' or 'quadratic'. "
            "Fix: pass weights=None for unweighted kappa."
        )
    if weights is not None and not coded.numeric:
        raise AgreementInputError(
            f"weights={weights!r}: found text values; expected numbers, since weights need "
            "ordered categories. Fix: map the labels to numbers (ranks) first, or use "
            "weights=None."
        )


def two_coder_table(coded: Coded, name: str) -> tuple[FloatArray, Coded]:
    """The pair table over units both coders coded, on the categories either one used there.

    Parameters
    ----------
    coded : Coded
        Two coders (:func:`~coder.agreement._data.encode_pair`).

    Returns
    -------
    n_ij : ndarray of float64, shape (K, K)
        Counts of units; ``n_ij / n_ij.sum()`` is :math:`p_{ij}`.
    coded : Coded
        With ``categories`` cut to those in the table.

    Raises
    ------
    UndefinedStatistic
        If no unit was coded by both, or both used one and the same category only.
    """
    table = pairs_table(coded)
    used = (table.sum(axis=0) + table.sum(axis=1)) > 0
    table = table[np.ix_(used, used)]
    n = float(table.sum())
    if n == 0:
        raise UndefinedStatistic(
            f"{name} is undefined: no unit has a value from both coders (pairs with a missing "
            "value are dropped)"
        )
    if table.shape[0] < 2:
        raise UndefinedStatistic(
            f"{name} is undefined: both coders used one and the same category on every unit "
            "(no variation), so chance agreement is 1"
        )
    kept = Coded(coded.codes, coded.categories[used], coded.numeric)
    return table, kept


def cohen_kappa(a: Any, b: Any, weights: Weights | str = None) -> float:
    """Cohen's kappa (Cohen 1960), or weighted kappa (Cohen 1968), of two coders.

    Parameters
    ----------
    a, b : sequence, shape (N,)
        Each coder's value for each unit (numbers or strings). A unit where either value is
        missing (``None``/NaN) is dropped.
    weights : {None, "linear", "quadratic"}
        Agreement weights over the numeric values (see :func:`agreement_weights`); weighting
        needs numbers.

    Returns
    -------
    float

    Raises
    ------
    UndefinedStatistic
        If no unit was coded by both, or both coders used a single, common category.
    AgreementInputError
        For inputs of different lengths, unknown weights, or weights on text values.

    Examples
    --------
    Cohen (1960)'s three-category table, rows coder a, columns coder b,
    ``[[88, 14, 18], [10, 40, 10], [2, 6, 12]]``, kappa .492:

    >>> cells = [(0, 0, 88), (0, 1, 14), (0, 2, 18), (1, 0, 10), (1, 1, 40),
    ...          (1, 2, 10), (2, 0, 2), (2, 1, 6), (2, 2, 12)]
    >>> a = [i for i, _, n in cells for _ in range(n)]
    >>> b = [j for _, j, n in cells for _ in range(n)]
    >>> round(cohen_kappa(a, b), 3)
    0.492
    """
    coded = encode_pair(a, b)
    check_weights(weights, coded)
    n_ij, coded = two_coder_table(coded, "Cohen's kappa")
    p_ij = n_ij / n_ij.sum()
    w_ij = agreement_weights(coded.categories, weights)
    p_o = float((w_ij * p_ij).sum())
    p_e = float(p_ij.sum(axis=1) @ w_ij @ p_ij.sum(axis=0))
    return (p_o - p_e) / (1.0 - p_e)


def scott_pi(a: Any, b: Any) -> float:
    """Scott's pi (Scott 1955) of two coders: chance from the pooled category shares.

    Parameters
    ----------
    a, b : sequence, shape (N,)
        Each coder's value for each unit; a unit where either value is missing is dropped.

    Returns
    -------
    float

    Raises
    ------
    UndefinedStatistic
        If no unit was coded by both, or both coders used a single, common category.
    """
    n_ij, _ = two_coder_table(encode_pair(a, b), "Scott's pi")
    p_ij = n_ij / n_ij.sum()
    p_o = float(np.trace(p_ij))
    pooled = (p_ij.sum(axis=1) + p_ij.sum(axis=0)) / 2
    p_e = float(pooled @ pooled)
    return (p_o - p_e) / (1.0 - p_e)


def fleiss_kappa(counts: Any) -> float:
    """Fleiss' kappa (Fleiss 1971) from a units x categories table of counts.

    Parameters
    ----------
    counts : array-like, shape (N, K)
        ``counts[u, k]`` is how many coders put unit ``u`` in category ``k``. Fleiss (1971)
        has the same number of coders on every unit; with unequal numbers the generalisation
        of Gwet (2014) is used (see the module docstring), which equals Fleiss's
        formula when the numbers are equal.

    Returns
    -------
    float

    Raises
    ------
    UndefinedStatistic
        If no unit has two or more ratings, or only one category was used.
    AgreementInputError
        If the table is not 2-D or holds a negative or fractional count.

    Examples
    --------
    The Wikipedia example (10 subjects, 14 raters, 5 categories), kappa 0.210:

    >>> table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    ...          [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    ...          [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    >>> round(fleiss_kappa(table), 3)
    0.21
    """
    name = "Fleiss' kappa"
    n_uk = check_counts(counts)
    p_a = _observed(n_uk, name)
    pi = classification_shares(n_uk)
    if np.count_nonzero(pi) < 2:
        raise UndefinedStatistic(
            f"{name} is undefined: every rating is in one category (no variation), so chance "
            "agreement is 1"
        )
    p_e = float(pi @ pi)
    return (p_a - p_e) / (1.0 - p_e)


def brennan_prediger(data: Any, n_categories: int | None = None) -> float:
    """Brennan & Prediger's (1981) kappa, chance agreement :math:`1 / q`, any number of coders.

    Parameters
    ----------
    data : array-like, shape (m, N)
        Rows are coders, columns units; ``None``/NaN where a coder did not code a unit.
    n_categories : int, optional
        ``q``, the number of categories coders could choose; default: the distinct values
        observed.

    Returns
    -------
    float

    Raises
    ------
    UndefinedStatistic
        If no unit has two values, or ``q < 2``.
    """
    name = "Brennan-Prediger kappa"
    n_uk, coded = counts_of(data)
    q = number_of_categories(coded.n_categories, n_categories, name)
    p_a = _observed(n_uk, name)
    p_e = 1.0 / q
    return (p_a - p_e) / (1.0 - p_e)


def gwet_ac1(data: Any, n_categories: int | None = None) -> float:
    """Gwet's AC1 (Gwet 2008) for any number of coders, with missing values.

    Parameters
    ----------
    data : array-like, shape (m, N)
        Rows are coders, columns units; ``None``/NaN where a coder did not code a unit.
    n_categories : int, optional
        ``q``, the number of categories coders could choose; default: the distinct values
        observed.

    Returns
    -------
    float
        Defined even without variation (then 1), unlike kappa.

    Raises
    ------
    UndefinedStatistic
        If no unit has two values, or ``q < 2``.

    Examples
    --------
    Gwet (2014)'s 4 raters x 12 subjects (irrCAC's ``raw_4raters``), AC1 0.77544:

    >>> nan = None
    >>> ratings = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, nan],
    ...            [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    ...            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(gwet_ac1(ratings), 5)
    0.77544
    """
    name = "Gwet's AC1"
    n_uk, coded = counts_of(data)
    q = number_of_categories(coded.n_categories, n_categories, name)
    p_a = _observed(n_uk, name)
    pi = classification_shares(n_uk)
    p_e = float((pi * (1 - pi)).sum()) / (q - 1)
    return (p_a - p_e) / (1.0 - p_e)
