"""coder.agreement against independent implementations on seeded random data.

``krippendorff`` (fast-krippendorff) and ``statsmodels`` are test-only dev dependencies; coder
never imports them at run time. irrCAC is not among them: its only release pins pandas < 3 and
scipy == 1.12, which would downgrade this project's numpy, pandas and scipy.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from statsmodels.stats import inter_rater

from coder.agreement import (
    UndefinedStatistic,
    cohen_kappa,
    cohen_kappa_se,
    fleiss_kappa,
    krippendorff_alpha,
    scott_pi,
)

SEEDS = range(12)


def random_ratings(seed: int, n_values: int = 5) -> np.ndarray:
    """Coders x units of whole numbers 1..n_values, correlated across coders, NaN missing."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 7)), int(rng.integers(5, 150))
    truth = rng.integers(1, n_values + 1, size=n)
    noise = rng.integers(1, n_values + 1, size=(m, n))
    data = np.where(rng.random((m, n)) < rng.uniform(0.1, 0.8), noise, truth).astype(float)
    data[rng.random((m, n)) < rng.uniform(0.0, 0.4)] = np.nan
    return data


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_matches_krippendorff_package(seed: int, level: str) -> None:
    data = random_ratings(seed)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level=level) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_alpha_matches_krippendorff_package_on_text_and_unequal_spacing(seed: int) -> None:
    data = random_ratings(seed) ** 2 / 7  # interval values not equally spaced
    assert krippendorff_alpha(data, level="interval") == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="interval"), abs=1e-10
    )
    labels = np.where(np.isnan(data), None, np.char.add("c", np.nan_to_num(data).astype(str)))
    assert krippendorff_alpha(labels) == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-10
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_fleiss_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_units, raters, k = int(rng.integers(3, 60)), int(rng.integers(2, 9)), int(rng.integers(2, 6))
    shares = rng.dirichlet(np.ones(k), size=n_units)
    table = np.stack([rng.multinomial(raters, p) for p in shares])
    assert fleiss_kappa(table) == pytest.approx(inter_rater.fleiss_kappa(table), abs=1e-12)


def pair_table(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Contingency table over the whole range of values both coders used."""
    values = np.arange(min(a.min(), b.min()), max(a.max(), b.max()) + 1)
    return np.array([[np.sum((a == i) & (b == j)) for j in values] for i in values])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_matches_statsmodels_with_standard_error(seed: int, weights: str | None) -> None:
    data = random_ratings(seed)
    complete = data[:2, ~np.isnan(data[:2]).any(axis=0)].astype(int)
    a, b = complete
    if len(set(a) | set(b)) < 2:  # no pair, or one category only: undefined, not NaN
        with pytest.raises(UndefinedStatistic):
            cohen_kappa(data[0], data[1], weights=weights)
        return
    result = inter_rater.cohens_kappa(pair_table(a, b), wt=weights)
    assert cohen_kappa(data[0], data[1], weights=weights) == pytest.approx(result.kappa, abs=1e-12)
    assert cohen_kappa_se(data[0], data[1], weights=weights) == pytest.approx(
        result.std_kappa, abs=1e-12
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_scott_pi_is_fleiss_kappa_for_two_coders(seed: int) -> None:
    """Fleiss (1971) generalises Scott's pi: for two raters on every unit they coincide."""
    data = random_ratings(seed)
    complete = data[:2, ~np.isnan(data[:2]).any(axis=0)]
    table = np.stack([(complete == k).sum(axis=0) for k in range(1, 6)], axis=1)
    if np.count_nonzero(table.sum(axis=0)) < 2:
        with pytest.raises(UndefinedStatistic):
            scott_pi(complete[0], complete[1])
        return
    assert scott_pi(complete[0], complete[1]) == pytest.approx(
        inter_rater.fleiss_kappa(table), abs=1e-12
    )
