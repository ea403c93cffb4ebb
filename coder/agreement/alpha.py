"""Krippendorff's alpha for nominal, ordinal, interval and ratio data, with missing values.

Notation after Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability" (Annenberg
School for Communication Departmental Papers 43) and Krippendorff (2019), *Content Analysis*,
4th ed., ch. 12:

- :math:`n_{uk}` (``counts``, shape ``(N, K)``): how many coders gave unit ``u`` the value
  ``k``; :math:`m_u = \\sum_k n_{uk}`. Only *pairable* units (:math:`m_u \\ge 2`) count.
- Coincidences (``o``, shape ``(K, K)``):
  :math:`o_{ck} = \\sum_u (n_{uc} n_{uk} - [c = k]\\, n_{uc}) / (m_u - 1)`.
- Margins :math:`n_c = \\sum_k o_{ck}`, total :math:`n = \\sum_c n_c` (pairable values).
- :math:`\\alpha = 1 - D_o / D_e
  = 1 - (n - 1) \\sum_{c,k} o_{ck}\\, \\delta^2_{ck} / \\sum_{c,k} n_c n_k\\, \\delta^2_{ck}`.

Difference functions :math:`\\delta^2_{ck}` (``delta``, shape ``(K, K)``): nominal
:math:`[c \\ne k]`; ordinal :math:`(\\sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2`; interval
:math:`(c - k)^2`; ratio :math:`((c - k)/(c + k))^2`.

The coincidence matrix is one ``(K x N) @ (N x K)`` product, so the cost is linear in the
number of units and there is no Python loop over units.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from coder.agreement._data import AgreementInputError, Counted, FloatArray, encode_counts
from coder.errors import UndefinedStatistic

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")


def coincidences(counts: FloatArray) -> FloatArray:
    """Krippendorff's coincidence matrix :math:`o_{ck}` from per-unit value counts.

    Parameters
    ----------
    counts : ndarray, shape (N, K)
        :math:`n_{uk}`; units with fewer than two values get weight 0 (not pairable).

    Returns
    -------
    ndarray of float64, shape (K, K)
        Symmetric; its sum is the number of pairable values :math:`n`.
    """
    n_uk = np.asarray(counts, dtype=np.float64)
    m_u = n_uk.sum(axis=1)
    w_u = np.zeros_like(m_u)  # 1 / (m_u - 1) on pairable units, 0 elsewhere
    np.divide(1.0, m_u - 1.0, out=w_u, where=m_u >= 2)
    o: FloatArray = (n_uk.T * w_u) @ n_uk
    o[np.diag_indices_from(o)] -= w_u @ n_uk
    return o


def ordinal_scores(n_c: FloatArray) -> FloatArray:
    """Mid-rank scores :math:`t_c = \\sum_{g \\le c} n_g - n_c / 2` of ordinal categories.

    Krippendorff's ordinal difference :math:`(\\sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2` equals
    the squared difference of these mid-rank scores, which makes it an interval difference on
    ranks.

    Parameters
    ----------
    n_c : ndarray, shape (..., K)
        Margins of the coincidence matrix, categories in ascending order.

    Returns
    -------
    ndarray, shape (..., K)
    """
    scores: FloatArray = np.cumsum(n_c, axis=-1) - n_c / 2
    return scores


def difference_matrix(level: str, categories: FloatArray, n_c: FloatArray) -> FloatArray:
    """The squared difference :math:`\\delta^2_{ck}` between every two categories.

    Parameters
    ----------
    level : {"nominal", "ordinal", "interval", "ratio"}
    categories : ndarray of float64, shape (K,)
        The values, ascending (ignored for nominal data).
    n_c : ndarray, shape (K,)
        Margins of the coincidence matrix (used by the ordinal difference only).

    Returns
    -------
    ndarray of float64, shape (K, K)
        Zero on the diagonal.
    """
    k = n_c.shape[0]
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "ordinal":
        t = ordinal_scores(n_c)
        return np.asarray((t[:, None] - t[None, :]) ** 2, dtype=np.float64)
    v = categories.astype(np.float64)
    diff = v[:, None] - v[None, :]
    if level == "interval":
        return np.asarray(diff**2, dtype=np.float64)
    total = v[:, None] + v[None, :]
    ratio = np.divide(diff, total, out=np.zeros_like(diff), where=total != 0)
    return np.asarray(ratio**2, dtype=np.float64)


def alpha_from_coincidences(o: FloatArray, delta: FloatArray, name: str) -> float:
    """:math:`\\alpha = 1 - (n - 1) \\sum o_{ck} \\delta^2_{ck} / \\sum n_c n_k \\delta^2_{ck}`.

    Parameters
    ----------
    o : ndarray, shape (K, K)
        Coincidence matrix.
    delta : ndarray, shape (K, K)
        Squared differences, zero exactly on the diagonal and positive elsewhere.
    name : str
        How the reason of an :class:`~coder.errors.UndefinedStatistic` names the statistic.

    Raises
    ------
    UndefinedStatistic
        If no unit has two values, or all pairable values are the same (:math:`D_e = 0`).
    """
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    if n < 2:
        raise UndefinedStatistic(
            f"{name} is undefined: no unit has values from two or more coders, so there is "
            "nothing to compare"
        )
    if np.count_nonzero(n_c) < 2:
        raise UndefinedStatistic(
            f"{name} is undefined: every pairable value is the same (no variation), so the "
            "expected disagreement is 0"
        )
    expected = float(n_c @ delta @ n_c)
    if expected <= 0:
        raise UndefinedStatistic(
            f"{name} is undefined: the pairable values differ by 0 under this metric, so the "
            "expected disagreement is 0"
        )
    observed = float((o * delta).sum())
    return 1.0 - (n - 1.0) * observed / expected


def check_level(level: str, coded: Counted) -> None:
    """Check the level of measurement against the values.

    Raises
    ------
    AgreementInputError
        For an unknown level, text values at a level above nominal, or a negative value at the
        ratio level.
    """
    if level not in LEVELS:
        raise AgreementInputError(
            f"level: found {level!r}; expected one of {', '.join(LEVELS)}. "
            "Fix: pass level='nominal' for unordered codes."
        )
    if level != "nominal" and not coded.numeric:
        raise AgreementInputError(
            f"level {level!r}: found text values; expected numbers, since {level} differences "
            "need an order. Fix: map the labels to numbers (ranks) first, or use "
            "level='nominal'."
        )
    if level == "ratio" and coded.n_categories and float(coded.categories[0]) < 0:
        raise AgreementInputError(
            f"level 'ratio': found the negative value {coded.categories[0]!r}; expected values "
            ">= 0 (a ratio scale has a true zero). Fix: use level='interval'."
        )


def krippendorff_alpha(data: Any, level: Level | str = "nominal") -> float:
    """Krippendorff's alpha for any number of coders, with missing values.

    Parameters
    ----------
    data : array-like, shape (m, N)
        Rows are coders, columns units; numbers or strings, ``None``/NaN where a coder did not
        code a unit. Units with fewer than two values are not pairable and are left out.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement, which sets :math:`\\delta^2_{ck}` (see the module docstring).
        Levels above nominal need numbers; ratio needs values >= 0.

    Returns
    -------
    float
        1 for perfect agreement, 0 for agreement at chance, negative below chance.

    Raises
    ------
    UndefinedStatistic
        If no unit has values from two coders, or every pairable value is the same.
    AgreementInputError
        If the data are malformed or do not fit the level.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.
    Krippendorff, K. (2019). Content Analysis: An Introduction to Its Methodology, 4th ed.

    Examples
    --------
    Krippendorff (2011), section B, nominal data of two observers:

    >>> ben = list("aabbdcccedda")
    >>> gerry = list("babbbccceddd")
    >>> round(krippendorff_alpha([ben, gerry]), 3)
    0.692
    """
    counted = encode_counts(data)
    check_level(level, counted)
    o = coincidences(counted.counts)
    delta = difference_matrix(level, counted.categories, o.sum(axis=1))
    return alpha_from_coincidences(o, delta, f"Krippendorff's alpha ({level})")
