"""Percentile bootstrap confidence intervals that resample units, vectorised.

Every statistic of this package is a function of per-unit sufficient statistics: the count
vector :math:`n_u` of each unit (shape ``(K,)``), or, for two coders, the cell of the pair table
the unit falls in. Units with the same sufficient statistic are interchangeable, so resampling
``N`` units with replacement is drawing, for each distinct *profile*, how many copies enter the
resample: a multinomial over the ``U`` profiles with probabilities ``freq / N``. The ``B``
resamples form a ``(B, U)`` weight matrix :math:`W`, and each statistic is evaluated for all of
them at once with matrix products, e.g. for alpha with a fixed difference function

.. math::

    D_o^{(b)} \\propto \\sum_u W_{bu}\\, d_u, \\quad d_u = \\sum_{ck} o^{(u)}_{ck}
    \\delta^2_{ck},\\qquad n_c^{(b)} = \\sum_u W_{bu}\\, n_{uc}.

The ordinal difference depends on the margins of each resample, and uses
:math:`\\delta^2_{ck} = (t_c - t_k)^2` with per-resample scores :math:`t`. Statistics from other
modules (any callable) fall back to one call per resample.

A resample on which the statistic is undefined (say, one without variation) is left out of the
percentiles; if more than :data:`MAX_UNDEFINED_SHARE` of them are, the interval is undefined.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from coder.agreement._data import (
    AgreementInputError,
    FloatArray,
    as_array,
    check_counts,
    encode_counts,
    encode_pair,
    unit_counts,
)
from coder.agreement.alpha import (
    check_level,
    coincidences,
    difference_matrix,
    krippendorff_alpha,
)
from coder.agreement.kappa import (
    agreement_weights,
    brennan_prediger,
    check_weights,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    number_of_categories,
    percent_agreement,
    scott_pi,
    two_coder_table,
    unit_agreement,
)
from coder.agreement.sets import encode_sets, krippendorff_alpha_sets, set_distances
from coder.errors import UndefinedStatistic

MAX_UNDEFINED_SHARE = 0.1
# Resamples are drawn and evaluated in blocks of about this many (resample, profile) cells.
_BLOCK_CELLS = 2_000_000

Replicate = Callable[[FloatArray], FloatArray]


@dataclass(frozen=True)
class _Plan:
    """Distinct per-unit profiles, how many units have each, and the vectorised statistic.

    ``replicate`` maps resample weights ``(B, U)`` to the statistic ``(B,)``, NaN where the
    statistic is undefined on a resample.
    """

    freq: FloatArray
    replicate: Replicate


def _profiles(table: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Distinct rows of a units x K table ``(U, K)`` and their frequencies ``(U,)``."""
    profiles, freq = np.unique(table, axis=0, return_counts=True)
    return profiles.astype(np.float64), freq.astype(np.float64)


def _ratio(num: FloatArray, den: FloatArray, defined: Any) -> FloatArray:
    ok = defined & (den != 0)
    out: FloatArray = np.divide(num, den, out=np.full(num.shape, np.nan), where=ok)
    return out


def _alpha_plan(counts: FloatArray, delta: FloatArray | None) -> _Plan:
    """Alpha with a fixed difference matrix, or ordinal (``delta`` None)."""
    profiles, freq = _profiles(counts)
    m = profiles.sum(axis=1)
    pairable = m >= 2
    inv = np.where(pairable, 1.0 / np.where(pairable, m - 1, 1.0), 0.0)
    p = profiles * pairable[:, None]
    if delta is not None:
        d_u = ((p @ delta) * p).sum(axis=1) * inv

        def fixed(w: FloatArray) -> FloatArray:
            n_c = w @ p
            n = n_c.sum(axis=1)
            observed = w @ d_u
            expected = ((n_c @ delta) * n_c).sum(axis=1)
            alpha = 1.0 - _ratio((n - 1) * observed, expected, (n_c > 0).sum(axis=1) >= 2)
            return alpha

        return _Plan(freq, fixed)

    # Ordinal: delta_ck = (t_c - t_k)^2 with scores t of each resample, and per unit
    # sum_ck o_ck (t_c - t_k)^2 = 2 / (m_u - 1) * (m_u * sum_c n_uc t_c^2 - (sum_c n_uc t_c)^2).
    a_u = 2.0 * m * inv
    b_u = 2.0 * inv

    def ordinal(w: FloatArray) -> FloatArray:
        n_c = w @ p
        n = n_c.sum(axis=1)
        t = np.cumsum(n_c, axis=1) - n_c / 2
        mean = _ratio((n_c * t).sum(axis=1), n, n > 0)
        t = t - np.nan_to_num(mean)[:, None]  # centred: same differences, less cancellation
        observed = ((w * a_u) @ p * t**2).sum(axis=1) - ((w * b_u) * (p @ t.T).T ** 2).sum(axis=1)
        expected = 2.0 * n * (n_c * t**2).sum(axis=1)
        return 1.0 - _ratio((n - 1) * observed, expected, (n_c > 0).sum(axis=1) >= 2)

    return _Plan(freq, ordinal)


def _kappa_family_plan(counts: FloatArray, chance: str, q: int) -> _Plan:
    """Percent agreement, Fleiss, Brennan-Prediger or Gwet AC1 from unit counts."""
    profiles, freq = _profiles(counts)
    p_a_u, pairable = unit_agreement(profiles)
    m = profiles.sum(axis=1)
    rated = (m >= 1).astype(np.float64)
    shares = profiles / np.where(m >= 1, m, 1.0)[:, None]
    pairable_f = pairable.astype(np.float64)

    def replicate(w: FloatArray) -> FloatArray:
        n2 = w @ pairable_f
        p_a = _ratio(w @ p_a_u, n2, n2 > 0)
        if chance == "none":
            return p_a
        if chance == "uniform":
            p_e = np.full_like(p_a, 1.0 / q)
            return (p_a - p_e) / (1.0 - p_e)
        pi = (w @ shares) / np.maximum(w @ rated, 1.0)[:, None]
        if chance == "fleiss":
            p_e = (pi**2).sum(axis=1)
            return _ratio(p_a - p_e, 1.0 - p_e, (pi > 0).sum(axis=1) >= 2)
        p_e = (pi * (1 - pi)).sum(axis=1) / (q - 1)
        ac1: FloatArray = (p_a - p_e) / (1.0 - p_e)
        return ac1

    return _Plan(freq, replicate)


def _two_coder_plan(data: Any, chance: str, weights: Any) -> _Plan:
    """Cohen's kappa (weighted) or Scott's pi: profiles are the cells of the pair table."""
    rows = as_array(data, "data")
    if rows.ndim != 2 or rows.shape[0] != 2:
        raise AgreementInputError(
            f"data: found shape {rows.shape}; expected 2 x N, coder a's values over coder "
            f"b's, for {chance}. Fix: pass [a, b]."
        )
    coded = encode_pair(rows[0], rows[1])
    if chance == "Cohen's kappa":
        check_weights(weights, coded)
    table, coded = two_coder_table(coded, chance)
    k = table.shape[0]
    cells = np.flatnonzero(table)
    freq = table.ravel()[cells]
    one_hot = np.zeros((cells.size, k * k))
    one_hot[np.arange(cells.size), cells] = 1.0
    w_ij = agreement_weights(coded.categories, weights)
    total = float(freq.sum())

    def replicate(w: FloatArray) -> FloatArray:
        p = (w @ one_hot).reshape(-1, k, k) / total
        p_i, p_j = p.sum(axis=2), p.sum(axis=1)
        used = ((p_i + p_j) > 0).sum(axis=1) >= 2
        if chance == "Cohen's kappa":
            p_o = (p * w_ij).sum(axis=(1, 2))
            p_e = np.einsum("bi,ij,bj->b", p_i, w_ij, p_j)
        else:
            p_o = np.trace(p, axis1=1, axis2=2)
            pooled = (p_i + p_j) / 2
            p_e = (pooled**2).sum(axis=1)
        return _ratio(p_o - p_e, 1.0 - p_e, used)

    return _Plan(freq, replicate)


def _plan(statistic: Callable[..., float], data: Any, kwargs: dict[str, Any]) -> _Plan | None:
    """The vectorised plan for one of this package's statistics, or None for others."""
    if statistic is krippendorff_alpha:
        level = kwargs.get("level", "nominal")
        counted = encode_counts(data)
        check_level(level, counted)
        if level == "ordinal":
            return _alpha_plan(counted.counts, None)
        n_c = coincidences(counted.counts).sum(axis=1)
        return _alpha_plan(counted.counts, difference_matrix(level, counted.categories, n_c))
    if statistic is krippendorff_alpha_sets:
        codes, distinct = encode_sets(data)
        counts = unit_counts(codes, len(distinct))
        return _alpha_plan(counts, set_distances(distinct, kwargs.get("distance", "masi")))
    if statistic is fleiss_kappa:
        counts = check_counts(data)
        return _kappa_family_plan(counts, "fleiss", counts.shape[1])
    if statistic in (percent_agreement, brennan_prediger, gwet_ac1):
        counted = encode_counts(data)
        q = number_of_categories(counted.n_categories, kwargs.get("n_categories"), "the statistic")
        chance = {percent_agreement: "none", brennan_prediger: "uniform", gwet_ac1: "gwet"}
        return _kappa_family_plan(counted.counts, chance[statistic], q)
    if statistic is cohen_kappa:
        return _two_coder_plan(data, "Cohen's kappa", kwargs.get("weights"))
    if statistic is scott_pi:
        return _two_coder_plan(data, "Scott's pi", None)
    return None


def _call(statistic: Callable[..., float], data: Any, kwargs: dict[str, Any]) -> float:
    if statistic in (cohen_kappa, scott_pi):
        rows = as_array(data, "data")
        if rows.ndim != 2 or rows.shape[0] != 2:
            raise AgreementInputError(
                f"data: found shape {rows.shape}; expected 2 x N (coder a's values over coder "
                "b's) for a two-coder statistic. Fix: pass [a, b]."
            )
        return float(statistic(rows[0], rows[1], **kwargs))
    return float(statistic(data, **kwargs))


def check_arguments(n_boot: int, level: float, seed: int) -> None:
    """Refuse a bootstrap's arguments that make no sense, all problems in one message."""
    problems = []
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 2:
        problems.append(f"n_boot: found {n_boot!r}; expected a whole number >= 2")
    if isinstance(level, bool) or not isinstance(level, float | int) or not 0 < level < 1:
        problems.append(f"level: found {level!r}; expected a number between 0 and 1, e.g. 0.95")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        problems.append(f"seed: found {seed!r}; expected a whole number >= 0")
    if problems:
        raise AgreementInputError("; ".join(problems) + ". Fix: correct the arguments.")


def _vectorised(plan: _Plan, n_boot: int, rng: np.random.Generator) -> FloatArray:
    n_units = int(plan.freq.sum())
    probabilities = plan.freq / n_units
    block = max(1, min(n_boot, _BLOCK_CELLS // max(plan.freq.size, 1)))
    values = []
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        weights = rng.multinomial(n_units, probabilities, size=size).astype(np.float64)
        values.append(plan.replicate(weights))
    return np.concatenate(values)


def _looped(
    statistic: Callable[..., float],
    data: Any,
    kwargs: dict[str, Any],
    n_boot: int,
    rng: np.random.Generator,
    axis: int,
) -> FloatArray:
    table = as_array(data, "data")
    n_units = table.shape[axis]
    values = np.full(n_boot, np.nan)
    for b in range(n_boot):  # one call per resample: only for statistics defined elsewhere
        resample = np.take(table, rng.integers(0, n_units, size=n_units), axis=axis)
        try:
            values[b] = _call(statistic, resample, kwargs)
        except UndefinedStatistic:
            continue
    return values


def bootstrap_ci(
    statistic: Callable[..., float],
    data: Any,
    n_boot: int = 1000,
    level: float | str = 0.95,
    seed: int = 0,
    **kwargs: Any,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of an agreement statistic, resampling units.

    Parameters
    ----------
    statistic : callable
        One of this package's statistics (evaluated for all resamples at once), or any
        ``statistic(data, **kwargs) -> float`` (one call per resample).
    data : array-like
        What ``statistic`` takes: reliability data ``(m, N)`` whose columns (units) are
        resampled; for :func:`~coder.agreement.fleiss_kappa` the count table ``(N, K)``, whose
        rows are; for :func:`~coder.agreement.cohen_kappa` and
        :func:`~coder.agreement.scott_pi` the ``(2, N)`` array ``[a, b]``, whose complete pairs
        are (units with a missing value are dropped, as in the statistic).
    n_boot : int
        Number of resamples ``B``.
    level : float or str
        The confidence level, e.g. 0.95 for the 2.5 and 97.5 percentiles. For
        :func:`~coder.agreement.krippendorff_alpha` only, a string ("nominal", "ordinal",
        "interval", "ratio") is alpha's level of measurement instead, passed on to it, and the
        confidence level is then 0.95; for another confidence level pass
        ``functools.partial(krippendorff_alpha, level="ordinal")`` and a float ``level``.
    seed : int
        Seed of the :func:`numpy.random.default_rng` generator: the same seed, data and
        arguments give the same interval.
    **kwargs
        Passed to ``statistic``, e.g. ``weights="linear"`` for Cohen's kappa,
        ``n_categories=5`` for AC1, ``distance="jaccard"`` for set-valued alpha.

    Returns
    -------
    (low, high) : tuple of float

    Raises
    ------
    UndefinedStatistic
        If the statistic is undefined on the data, or on more than
        :data:`MAX_UNDEFINED_SHARE` of the resamples.
    AgreementInputError
        For malformed data or arguments.

    Examples
    --------
    >>> from coder.agreement import krippendorff_alpha
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2], [1, 2, 3, 3, 2, 2, 4, 1, 2]]
    >>> low, high = bootstrap_ci(krippendorff_alpha, data, n_boot=200, level="ordinal")
    >>> low <= krippendorff_alpha(data, level="ordinal") <= high
    True
    """
    if isinstance(statistic, functools.partial) and not statistic.args:
        partial: functools.partial[float] = statistic
        statistic, kwargs = partial.func, {**partial.keywords, **kwargs}
    if isinstance(level, str):
        if statistic is not krippendorff_alpha:
            raise AgreementInputError(
                f"level: found {level!r} for a statistic other than krippendorff_alpha; "
                "expected the confidence level, a number between 0 and 1. Fix: pass e.g. "
                "level=0.95."
            )
        kwargs, level = {**kwargs, "level": level}, 0.95
    check_arguments(n_boot, level, seed)
    _call(statistic, data, kwargs)  # validates, and raises if undefined on the whole data
    rng = np.random.default_rng(int(seed))
    plan = _plan(statistic, data, kwargs)
    if plan is not None:
        values = _vectorised(plan, n_boot, rng)
    else:
        axis = 0 if statistic is fleiss_kappa else 1
        values = _looped(statistic, data, kwargs, n_boot, rng, axis)
    defined = values[np.isfinite(values)]
    undefined = n_boot - defined.size
    if undefined > MAX_UNDEFINED_SHARE * n_boot:
        raise UndefinedStatistic(
            f"the bootstrap interval is undefined: the statistic is undefined on {undefined} of "
            f"{n_boot} resamples (e.g. resamples without variation); too few units or too "
            "little variation for a bootstrap"
        )
    tail = (1.0 - float(level)) / 2
    low, high = np.quantile(defined, [tail, 1.0 - tail])
    return float(low), float(high)
