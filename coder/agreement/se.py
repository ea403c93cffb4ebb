"""Analytic (large-sample) standard errors of Cohen's kappa, Fleiss' kappa and Gwet's AC1.

Each formula is the one its source gives; they answer different questions, so read the notes of
each function before putting one into a confidence interval. :func:`coder.agreement.bootstrap_ci`
needs no such assumptions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from coder.agreement._data import check_counts, encode_pair
from coder.agreement.kappa import (
    Weights,
    agreement_weights,
    check_weights,
    classification_shares,
    counts_of,
    number_of_categories,
    two_coder_table,
    unit_agreement,
)
from coder.errors import UndefinedStatistic


def cohen_kappa_se(a: Any, b: Any, weights: Weights | str = None) -> float:
    """Large-sample standard error of Cohen's (weighted) kappa (Fleiss, Cohen & Everitt 1969).

    With agreement weights :math:`w_{ij}` (identity when unweighted), proportions
    :math:`p_{ij}` over the ``n`` units both coders coded,
    :math:`\\bar w_{i\\cdot} = \\sum_j p_{+j} w_{ij}` and
    :math:`\\bar w_{\\cdot j} = \\sum_i p_{i+} w_{ij}`:

    .. math::

        \\widehat{\\mathrm{var}}(\\hat\\kappa) = \\frac{\\sum_{ij} p_{ij}
        [w_{ij} - (\\bar w_{i\\cdot} + \\bar w_{\\cdot j})(1 - \\hat\\kappa)]^2
        - [\\hat\\kappa - p_e (1 - \\hat\\kappa)]^2}{n (1 - p_e)^2}

    This is the non-null variance (for confidence intervals), the "ASE" of SAS PROC FREQ.

    Parameters
    ----------
    a, b : sequence, shape (N,)
        Each coder's value per unit; a unit where either is missing is dropped.
    weights : {None, "linear", "quadratic"}
        As in :func:`~coder.agreement.cohen_kappa`.

    Returns
    -------
    float

    Raises
    ------
    UndefinedStatistic
        When kappa is undefined.

    References
    ----------
    Fleiss, J. L., Cohen, J. & Everitt, B. S. (1969). Large sample standard errors of kappa
    and weighted kappa. Psychological Bulletin 72(5), 323-327.
    """
    coded = encode_pair(a, b)
    check_weights(weights, coded)
    name = "The standard error of Cohen's kappa"
    n_ij, coded = two_coder_table(coded, name)
    n = float(n_ij.sum())
    p_ij = n_ij / n
    w_ij = agreement_weights(coded.categories, weights)
    p_i, p_j = p_ij.sum(axis=1), p_ij.sum(axis=0)
    p_o = float((w_ij * p_ij).sum())
    p_e = float(p_i @ w_ij @ p_j)
    kappa = (p_o - p_e) / (1.0 - p_e)
    w_bar_i = w_ij @ p_j
    w_bar_j = p_i @ w_ij
    spread = w_ij - (w_bar_i[:, None] + w_bar_j[None, :]) * (1.0 - kappa)
    var = float((p_ij * spread**2).sum()) - (kappa - p_e * (1.0 - kappa)) ** 2
    return math.sqrt(max(var, 0.0) / (n * (1.0 - p_e) ** 2))


def fleiss_kappa_se(counts: Any) -> float:
    """Standard error of Fleiss' kappa under no agreement beyond chance (Fleiss, Nee & Landis 1979).

    With ``N`` units each rated by the same ``m`` coders, category shares
    :math:`p_j = \\sum_i n_{ij} / (N m)` and :math:`q_j = 1 - p_j`:

    .. math::

        \\widehat{\\mathrm{var}}_0(\\hat\\kappa) = \\frac{2}{N m (m - 1)
        (\\sum_j p_j q_j)^2} \\Big[(\\sum_j p_j q_j)^2 - \\sum_j p_j q_j (q_j - p_j)\\Big]

    This corrects the variance in Fleiss (1971). It holds under the hypothesis
    :math:`\\kappa = 0`: use it to test that hypothesis (``kappa / se`` is a z statistic, as
    in R's ``irr::kappam.fleiss``), not for a confidence interval around a non-zero kappa;
    for that use :func:`~coder.agreement.bootstrap_ci`.

    Parameters
    ----------
    counts : array-like, shape (N, K)
        How many coders put each unit in each category. Units with no rating are ignored;
        every other unit must have the same number of ratings.

    Returns
    -------
    float

    Raises
    ------
    UndefinedStatistic
        If units have different numbers of ratings, fewer than two, or only one category was
        used.

    References
    ----------
    Fleiss, J. L., Nee, J. C. M. & Landis, J. R. (1979). Large sample variance of kappa in the
    case of different sets of raters. Psychological Bulletin 86(5), 974-977.
    """
    name = "The standard error of Fleiss' kappa"
    n_ij = check_counts(counts)
    r_i = n_ij.sum(axis=1)
    n_ij = n_ij[r_i > 0]
    sizes = np.unique(r_i[r_i > 0])
    if sizes.size == 0 or sizes[0] < 2:
        raise UndefinedStatistic(
            f"{name} is undefined: it needs at least two ratings on every unit"
        )
    if sizes.size > 1:
        raise UndefinedStatistic(
            f"{name} (Fleiss, Nee & Landis 1979) is undefined: it assumes the same number of "
            f"ratings on every unit, found {int(sizes[0])} to {int(sizes[-1])}. "
            "Fix: use bootstrap_ci"
        )
    big_n, m = n_ij.shape[0], float(sizes[0])
    p_j = n_ij.sum(axis=0) / (big_n * m)
    q_j = 1.0 - p_j
    pq = float((p_j * q_j).sum())
    if pq == 0:
        raise UndefinedStatistic(
            f"{name} is undefined: every rating is in one category (no variation)"
        )
    bracket = pq**2 - float((p_j * q_j * (q_j - p_j)).sum())
    var0 = 2.0 * bracket / (big_n * m * (m - 1.0) * pq**2)
    return math.sqrt(var0)


def gwet_ac1_se(data: Any, n_categories: int | None = None) -> float:
    """Standard error of Gwet's AC1 with missing values (Gwet 2008; Gwet 2014, Handbook).

    Over the ``n`` units with at least one rating, ``n2`` of them with two or more, with
    :math:`p_{a|i}`, :math:`\\pi_k`, :math:`p_e` and AC1 as in
    :func:`~coder.agreement.gwet_ac1`:

    .. math::

        \\mathrm{AC1}_i = \\frac{n}{n_2} \\frac{p_{a|i} - p_e [r_i \\ge 2]}{1 - p_e},
        \\quad p_{e|i} = \\frac{1}{q - 1} \\sum_k \\frac{r_{ik}}{r_i} (1 - \\pi_k),

        \\mathrm{AC1}_i^\\star = \\mathrm{AC1}_i - 2 (1 - \\mathrm{AC1})
        \\frac{p_{e|i} - p_e}{1 - p_e},
        \\quad \\widehat{\\mathrm{var}}(\\mathrm{AC1}) = \\frac{1}{n (n - 1)}
        \\sum_i (\\mathrm{AC1}_i^\\star - \\mathrm{AC1})^2.

    Units are taken as a sample from an infinite population (no finite-population
    correction). The R and Python ``irrCAC`` packages compute the same variance.

    Parameters
    ----------
    data : array-like, shape (m, N)
        Rows are coders, columns units; ``None``/NaN where a coder did not code a unit.
    n_categories : int, optional
        As in :func:`~coder.agreement.gwet_ac1`.

    Returns
    -------
    float

    Raises
    ------
    UndefinedStatistic
        When AC1 is undefined, or fewer than two units have a rating.

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence of
    high agreement. British Journal of Mathematical and Statistical Psychology 61, 29-48.
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed. Advanced Analytics.
    """
    name = "The standard error of Gwet's AC1"
    r_ik, coded = counts_of(data)
    q = number_of_categories(coded.n_categories, n_categories, name)
    r_i = r_ik.sum(axis=1)
    r_ik, r_i = r_ik[r_i > 0], r_i[r_i > 0]
    n = r_ik.shape[0]
    p_a_i, pairable = unit_agreement(r_ik)
    n2 = int(pairable.sum())
    if n2 == 0:
        raise UndefinedStatistic(f"{name} is undefined: no unit has values from two or more coders")
    if n < 2:
        raise UndefinedStatistic(f"{name} is undefined: it needs two or more rated units")
    pi = classification_shares(r_ik)
    p_a = float(p_a_i[pairable].mean())
    p_e = float((pi * (1 - pi)).sum()) / (q - 1)
    ac1 = (p_a - p_e) / (1.0 - p_e)
    ac1_i = (n / n2) * (p_a_i - p_e * pairable) / (1.0 - p_e)
    p_e_i = (r_ik / r_i[:, None]) @ (1.0 - pi) / (q - 1)
    ac1_star = ac1_i - 2.0 * (1.0 - ac1) * (p_e_i - p_e) / (1.0 - p_e)
    var = float(((ac1_star - ac1) ** 2).sum()) / (n * (n - 1))
    return math.sqrt(var)
