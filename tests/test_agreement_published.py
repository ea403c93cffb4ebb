"""coder.agreement against published worked examples, at the precision they were published.

Each test's docstring names the source of its data and of the value it pins.
"""

from __future__ import annotations

import doctest
import math
from types import ModuleType

import numpy as np
import pytest

from coder import agreement
from coder.agreement import (
    alpha,
    bootstrap,
    cohen_kappa,
    cohen_kappa_se,
    fleiss_kappa,
    fleiss_kappa_se,
    gwet_ac1,
    gwet_ac1_se,
    kappa,
    krippendorff_alpha,
    percent_agreement,
    sets,
    undefined,
)

nan = None

# Krippendorff (2011), section C: 4 observers x 12 units, nominal values 1-5, with missing data.
KRIPPENDORFF_2011_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]

# Wikipedia, "Krippendorff's alpha", section "A computational example": 3 coders x 15 units.
WIKIPEDIA_ALPHA = [
    [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
    [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
    [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
]

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
WIKIPEDIA_FLEISS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Fleiss (1971), 30 patients x 6 psychiatrists, 5 diagnoses (1 depression, 2 personality
# disorder, 3 schizophrenia, 4 neurosis, 5 other), as the raw ratings of R's irr::diagnoses.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip

# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.: 4 raters x 12 subjects, 5
# categories, with missing ratings; irrCAC's dataset ``raw_4raters`` (rows here are raters).
GWET_4RATERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, nan],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]


def expand(table: list[list[int]]) -> tuple[list[int], list[int]]:
    """Two coders' values per unit from a contingency table (rows coder a, columns coder b)."""
    a = [i for i, row in enumerate(table) for j, n in enumerate(row) for _ in range(n)]
    b = [j for i, row in enumerate(table) for j, n in enumerate(row) for _ in range(n)]
    return a, b


def counts_of(ratings: list[list[int]]) -> np.ndarray:
    """Units x categories counts from units x raters ratings (categories 1..5)."""
    r = np.asarray(ratings)
    return np.stack([(r == k).sum(axis=1) for k in range(1, 6)], axis=1)


def test_krippendorff_2011_binary_two_observers() -> None:
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section A.

    Binary data, two observers, no missing data, 10 units: alpha = 1 - 19 * 4 / (14 * 6),
    printed as 0.095.
    """
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert round(krippendorff_alpha(data), 3) == 0.095
    assert krippendorff_alpha(data) == pytest.approx(1 - 19 * 4 / (14 * 6), abs=1e-15)


def test_krippendorff_2011_nominal_two_observers() -> None:
    """Krippendorff (2011), section B: nominal data, two observers, 12 units, alpha = 0.692."""
    ben = list("aabbdcccedda")
    gerry = list("babbbccceddd")
    assert round(krippendorff_alpha([ben, gerry]), 3) == 0.692


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_four_observers_missing_data(level: str, published: float) -> None:
    """Krippendorff (2011), section C (nominal data, any number of observers, missing data)
    and the sections on the ordinal, interval and ratio metrics, which reuse its data.

    4 observers x 12 units; published alpha: nominal .743, ordinal .815, interval .849,
    ratio .797.
    """
    assert round(krippendorff_alpha(KRIPPENDORFF_2011_C, level=level), 3) == published


def test_wikipedia_krippendorff_alpha_example() -> None:
    """Wikipedia, "Krippendorff's alpha", "A computational example": 3 coders, 15 units.

    Published: alpha_nominal = 0.691, alpha_interval = 0.811.
    """
    assert round(krippendorff_alpha(WIKIPEDIA_ALPHA, level="nominal"), 3) == 0.691
    assert round(krippendorff_alpha(WIKIPEDIA_ALPHA, level="interval"), 3) == 0.811


def test_wikipedia_fleiss_kappa_example() -> None:
    """Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.

    Published: P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210.
    """
    assert round(fleiss_kappa(WIKIPEDIA_FLEISS), 3) == 0.210
    # Fleiss's observed agreement is the percent agreement of the expanded ratings
    table = np.asarray(WIKIPEDIA_FLEISS)
    ratings = [np.repeat(np.arange(5), row).tolist() for row in table]
    assert round(percent_agreement(np.asarray(ratings).T), 3) == 0.378


def test_fleiss_1971_psychiatric_diagnoses() -> None:
    """Fleiss (1971), "Measuring nominal scale agreement among many raters", Psychological
    Bulletin 76(5): 30 patients, 6 psychiatrists, 5 diagnoses, kappa = .430.

    The standard error under kappa = 0 (Fleiss, Nee & Landis 1979) is pinned through R's
    ``irr::kappam.fleiss(diagnoses)``, which prints kappa 0.43 and z = 17.65183 (z = kappa/se;
    values quoted in statsmodels' test_inter_rater.py).
    """
    counts = counts_of(FLEISS_1971)
    assert round(fleiss_kappa(counts), 3) == 0.430
    assert fleiss_kappa(counts) == pytest.approx(0.4302445, abs=5e-8)
    z = fleiss_kappa(counts) / fleiss_kappa_se(counts)
    assert z == pytest.approx(17.65183, abs=5e-6)


def test_cohen_kappa_with_asymptotic_standard_error_sas() -> None:
    """A SAS PROC FREQ (AGREE) printout for the 3 x 3 table [[0, 4, 1], [0, 8, 0], [0, 1, 5]],
    quoted in statsmodels' test_inter_rater.py (table10).

    Simple kappa 0.4842, ASE 0.1380; weighted kappa (Cicchetti-Allison, i.e. linear weights)
    0.4701, ASE 0.1457. SAS's ASE is the Fleiss, Cohen & Everitt (1969) standard error.
    """
    a, b = expand([[0, 4, 1], [0, 8, 0], [0, 1, 5]])
    assert round(cohen_kappa(a, b), 4) == 0.4842
    assert round(cohen_kappa_se(a, b), 4) == 0.1380
    assert round(cohen_kappa(a, b, weights="linear"), 4) == 0.4701
    assert round(cohen_kappa_se(a, b, weights="linear"), 4) == 0.1457


def test_cohen_1960_example() -> None:
    """Cohen (1960), "A coefficient of agreement for nominal scales": p_o = .70, p_c = .41,
    kappa = .492 on 200 units in 3 categories (margins .6/.3/.1 and .5/.3/.2)."""
    a, b = expand([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
    assert round(cohen_kappa(a, b), 3) == 0.492
    assert round(percent_agreement([a, b]), 2) == 0.70


def test_gwet_ac1_handbook_four_raters() -> None:
    """Gwet (2014), Handbook of Inter-Rater Reliability: 4 raters, 12 subjects, missing
    ratings. Values as printed in the irrCAC documentation (module ``irrCAC.raw``):
    AC1 0.77544, se 0.14295, pa 0.81818, pe 0.19032; Fleiss' kappa (Gwet's generalisation
    to missing ratings) 0.76117.
    """
    assert round(gwet_ac1(GWET_4RATERS), 5) == 0.77544
    assert round(gwet_ac1_se(GWET_4RATERS), 5) == 0.14295
    assert round(percent_agreement(GWET_4RATERS), 5) == 0.81818
    p_a, ac1 = percent_agreement(GWET_4RATERS), gwet_ac1(GWET_4RATERS)
    assert round((p_a - ac1) / (1 - ac1), 5) == 0.19032  # p_e
    ratings = np.array(GWET_4RATERS, dtype=float)  # None -> NaN, equal to no category
    counts = np.stack([(ratings == k).sum(axis=0) for k in range(1, 6)], axis=1)
    assert round(fleiss_kappa(counts), 5) == 0.76117


def test_gwet_ac1_handbook_two_abstractors_table() -> None:
    """Gwet (2014): 100 pregnant women classified by 2 abstractors into Ectopic / AIU / NIU,
    table [[13, 0, 0], [0, 20, 7], [0, 4, 56]] (irrCAC's ``table_cont3x3abstractors``).
    irrCAC documentation (module ``irrCAC.table``): AC1 0.84933, se 0.04322, pa 0.89.

    The table-based variance divides by n^2 where the raw-data variance used here divides by
    n (n - 1), so the published se equals ours times sqrt((n - 1) / n).
    """
    a, b = expand([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    assert round(gwet_ac1([a, b]), 5) == 0.84933
    assert round(percent_agreement([a, b]), 2) == 0.89
    assert round(gwet_ac1_se([a, b]) * math.sqrt(99 / 100), 5) == 0.04322


@pytest.mark.parametrize("module", [agreement, alpha, kappa, sets, bootstrap, undefined])
def test_docstring_examples(module: ModuleType) -> None:
    """The examples in the docstrings (several are published values) run and hold."""
    result = doctest.testmod(module, raise_on_error=False, verbose=False)
    assert result.failed == 0
