"""Inter-rater reliability: agreement statistics, their standard errors and bootstrap intervals.

Reliability data are a coders x units array-like (rows are coders) of numbers or strings, with
``None`` or NaN where a coder did not code a unit. Every statistic returns a float, or raises
:class:`~coder.errors.UndefinedStatistic` (with a ``reason``) when it is not defined on the data;
it never returns NaN. :func:`try_statistic` turns that into an :class:`Undefined` cell for
tables. Malformed input raises :class:`AgreementInputError` before any arithmetic.

Modules, one statistic family each: :mod:`~coder.agreement.kappa` (percent agreement, Cohen,
Scott, Fleiss, Brennan-Prediger, Gwet AC1), :mod:`~coder.agreement.alpha` (Krippendorff's
alpha), :mod:`~coder.agreement.sets` (multi-label codings: per-code binary matrices and
set-valued alpha), :mod:`~coder.agreement.pooled` (alpha pooled over every code decision, its
interval resampling items), :mod:`~coder.agreement.se` (analytic standard errors) and
:mod:`~coder.agreement.bootstrap` (confidence intervals).
"""

from coder.agreement._data import AgreementInputError
from coder.agreement.alpha import krippendorff_alpha
from coder.agreement.bootstrap import bootstrap_ci
from coder.agreement.kappa import (
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    percent_agreement,
    scott_pi,
)
from coder.agreement.pooled import krippendorff_alpha_pooled, pooled_alpha_ci
from coder.agreement.se import cohen_kappa_se, fleiss_kappa_se, gwet_ac1_se
from coder.agreement.sets import binary_matrices, krippendorff_alpha_sets
from coder.agreement.undefined import Undefined, try_statistic
from coder.errors import UndefinedStatistic

__all__ = [
    "AgreementInputError",
    "Undefined",
    "UndefinedStatistic",
    "binary_matrices",
    "bootstrap_ci",
    "brennan_prediger",
    "cohen_kappa",
    "cohen_kappa_se",
    "fleiss_kappa",
    "fleiss_kappa_se",
    "gwet_ac1",
    "gwet_ac1_se",
    "krippendorff_alpha",
    "krippendorff_alpha_pooled",
    "krippendorff_alpha_sets",
    "percent_agreement",
    "pooled_alpha_ci",
    "scott_pi",
    "try_statistic",
]
