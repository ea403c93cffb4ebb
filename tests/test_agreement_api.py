"""coder.agreement's contract: input checks, undefined cases, sets, and the bootstrap."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from coder.agreement import (
    AgreementInputError,
    Undefined,
    UndefinedStatistic,
    binary_matrices,
    bootstrap_ci,
    brennan_prediger,
    cohen_kappa,
    cohen_kappa_se,
    fleiss_kappa,
    fleiss_kappa_se,
    gwet_ac1,
    gwet_ac1_se,
    krippendorff_alpha,
    krippendorff_alpha_sets,
    percent_agreement,
    scott_pi,
    try_statistic,
)
from coder.agreement._data import encode, encode_counts, unit_counts
from coder.agreement.bootstrap import _plan
from coder.agreement.sets import set_distances
from coder.errors import CoderError

nan = None
RNG_DATA = np.random.default_rng(7)
TRUTH = RNG_DATA.integers(1, 5, size=80)
RATINGS = np.where(RNG_DATA.random((4, 80)) < 0.3, RNG_DATA.integers(1, 5, (4, 80)), TRUTH).astype(
    float
)
RATINGS[RNG_DATA.random((4, 80)) < 0.15] = np.nan


# --- input checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "found"),
    [
        (lambda: krippendorff_alpha([[1, 2], [1]]), "different lengths"),
        (lambda: krippendorff_alpha([1, 2, 3]), "1 dimension"),
        (lambda: krippendorff_alpha([["a", 1], ["b", 2]]), "int, str"),
        (lambda: krippendorff_alpha([[1.0, np.inf], [1.0, 2.0]]), "infinite"),
        (lambda: krippendorff_alpha([[1, 2], [1, 2]], level="metric"), "'metric'"),
        (lambda: krippendorff_alpha([["a", "b"], ["a", "b"]], level="ordinal"), "text"),
        (lambda: krippendorff_alpha([[-1, 2], [1, 2]], level="ratio"), "negative"),
        (lambda: cohen_kappa([1, 2], [1, 2, 3]), "2 and 3 values"),
        (lambda: cohen_kappa([[1, 2]], [1, 2]), "1-D"),
        (lambda: cohen_kappa([1, 2], [1, 2], weights="cubic"), "'cubic'"),
        (lambda: cohen_kappa(["a", "b"], ["a", "b"], weights="linear"), "text"),
        (lambda: fleiss_kappa([[1, -1], [2, 0]]), "-1"),
        (lambda: fleiss_kappa([[1.5, 1], [2, 0]]), "1.5"),
        (lambda: fleiss_kappa([1, 2]), "2-D"),
        (lambda: gwet_ac1([[1, 2, 3], [1, 2, 3]], n_categories=2), "3 distinct values"),
        (lambda: krippendorff_alpha_sets([[{"a"}], [{"a"}]], distance="dice"), "'dice'"),
        (lambda: krippendorff_alpha_sets([["a"], [{"a"}]]), "{'a'}"),
        (lambda: krippendorff_alpha_sets([[1], [{"a"}]]), "int"),
        (lambda: krippendorff_alpha_sets([1, 2]), "not a table"),
        (lambda: binary_matrices([[{"a"}, {"b"}], [{"a"}]], ["a", "b"]), "lengths [1, 2]"),
    ],
)
def test_malformed_input_names_what_was_found_and_the_fix(
    call: Callable[[], Any], found: str
) -> None:
    with pytest.raises(AgreementInputError) as info:
        call()
    message = str(info.value)
    assert found in message
    assert "expected" in message
    assert "Fix:" in message
    assert isinstance(info.value, CoderError)
    assert isinstance(info.value, ValueError)


def test_missing_values_and_types() -> None:
    """None, NaN, pd.NA are missing; numpy's "nan" text trap is avoided; DataFrames work."""
    expected = krippendorff_alpha([[1, 2, 3, 1], [1, 2, 1, nan]])
    assert krippendorff_alpha([[1, 2, 3, 1], [1, 2, 1, np.nan]]) == expected
    assert krippendorff_alpha(pd.DataFrame([[1, 2, 3, 1], [1, 2, 1, pd.NA]])) == expected
    text = krippendorff_alpha([["a", "b", "c", "a"], ["a", "b", "a", np.nan]])
    assert text == pytest.approx(expected)
    assert krippendorff_alpha([[True, False, True], [True, False, False]]) == pytest.approx(
        krippendorff_alpha([[1, 0, 1], [1, 0, 0]])
    )


def test_cohen_drops_pairs_with_a_missing_value() -> None:
    a = [1, 2, 3, nan, 2, 1, 3]
    b = [1, 2, 2, 3, nan, 1, 3]
    assert cohen_kappa(a, b) == cohen_kappa([1, 2, 3, 1, 3], [1, 2, 2, 1, 3])
    assert scott_pi(a, b) == scott_pi([1, 2, 3, 1, 3], [1, 2, 2, 1, 3])


def test_weighted_kappa_uses_the_numeric_values() -> None:
    """Weights follow the values (1, 2, 4), not their ranks: 2 is nearer to 1 than to 4."""
    a, b = [1, 2, 4, 1, 4, 2], [2, 2, 4, 1, 2, 1]
    by_value = cohen_kappa(a, b, weights="linear")
    by_rank = cohen_kappa([1, 2, 3, 1, 3, 2], [2, 2, 3, 1, 2, 1], weights="linear")
    assert by_value != pytest.approx(by_rank)
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa([1, 2, 3, 1, 3, 2], [2, 2, 3, 1, 2, 1]))


def test_number_of_categories_sets_chance_of_brennan_prediger_and_ac1() -> None:
    data = [[1, 1, 2, 2], [1, 2, 2, 2]]  # p_a = 3/4
    assert brennan_prediger(data) == pytest.approx((0.75 - 0.5) / 0.5)
    assert brennan_prediger(data, n_categories=4) == pytest.approx((0.75 - 0.25) / 0.75)
    # pi = (3/8, 5/8); p_e = 2 * 15/64 / (q - 1)
    assert gwet_ac1(data) == pytest.approx((0.75 - 30 / 64) / (1 - 30 / 64))
    assert gwet_ac1(data, n_categories=3) == pytest.approx((0.75 - 15 / 64) / (1 - 15 / 64))


@pytest.mark.parametrize("seed", range(20))
def test_counting_by_comparison_equals_counting_by_category_index(seed: int) -> None:
    """encode_counts' shortcut for few whole numbers gives the general path's table."""
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 6)), int(rng.integers(0, 40)))
    low = int(rng.integers(-5, 5))
    data = rng.integers(low, low + int(rng.integers(1, 40)), size=shape).astype(float)
    data[rng.random(shape) < 0.3] = np.nan
    if rng.random() < 0.3:
        data = data.astype(int) if not np.isnan(data).any() else data / 2
    fast = encode_counts(data)
    coded = encode(data)
    np.testing.assert_array_equal(fast.counts, unit_counts(coded.codes, coded.n_categories))
    np.testing.assert_array_equal(fast.categories, coded.categories)


# --- undefined statistics --------------------------------------------------------------------

NO_VARIATION = [[2, 2, 2], [2, 2, 2]]
NOT_PAIRABLE = [[1, nan, 2], [nan, 3, nan]]


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda: krippendorff_alpha(NO_VARIATION), "no variation"),
        (lambda: krippendorff_alpha(NOT_PAIRABLE), "no unit has values from two"),
        (lambda: krippendorff_alpha([[], []]), "no unit"),
        (lambda: krippendorff_alpha([[1, 2, 3]]), "no unit"),
        (lambda: percent_agreement(NOT_PAIRABLE), "no unit"),
        (lambda: cohen_kappa([1, 1], [1, 1]), "no variation"),
        (lambda: cohen_kappa([1, nan], [nan, 2]), "no unit has a value from both"),
        (lambda: cohen_kappa_se([3, 3], [3, 3]), "no variation"),
        (lambda: scott_pi(["x", "x"], ["x", "x"]), "no variation"),
        (lambda: fleiss_kappa([[3, 0], [3, 0]]), "no variation"),
        (lambda: fleiss_kappa([[1, 0], [0, 1]]), "no unit"),
        (lambda: fleiss_kappa_se([[3, 0], [2, 1], [1, 1]]), "same number of ratings"),
        (lambda: fleiss_kappa_se([[3, 0], [3, 0]]), "no variation"),
        (lambda: brennan_prediger(NO_VARIATION), "fewer than two categories (1)"),
        (lambda: gwet_ac1(NO_VARIATION), "fewer than two categories (1)"),
        (lambda: gwet_ac1_se(NOT_PAIRABLE), "no unit"),
        (lambda: krippendorff_alpha_sets([[{"a"}, {"a"}], [{"a"}, {"a"}]]), "no variation"),
    ],
)
def test_undefined_statistics_raise_with_a_reason(call: Callable[[], Any], reason: str) -> None:
    with pytest.raises(UndefinedStatistic) as info:
        call()
    assert reason in info.value.reason
    assert isinstance(info.value, CoderError)


def test_ac1_is_defined_without_variation_given_the_categories() -> None:
    assert gwet_ac1(NO_VARIATION, n_categories=3) == 1.0
    assert brennan_prediger(NO_VARIATION, n_categories=3) == 1.0


def test_try_statistic_tabulates_undefined_and_still_raises_on_bad_input() -> None:
    cell = try_statistic(krippendorff_alpha, NO_VARIATION, level="interval")
    assert isinstance(cell, Undefined)
    assert "no variation" in cell.reason
    assert str(cell).startswith("undefined: ")
    assert try_statistic(krippendorff_alpha, [[1, 2], [1, 2]]) == 1.0
    with pytest.raises(AgreementInputError):
        try_statistic(krippendorff_alpha, [1, 2])
    with pytest.raises(AttributeError):
        cell.reason = "changed"  # type: ignore[misc]


# --- sets ------------------------------------------------------------------------------------


def test_set_alpha_hand_computed() -> None:
    """Units ({a},{a}), ({a,b},{a}), ({c},{d}); n = 6, margins {a}:3, {a,b}:1, {c}:1, {d}:1.

    Jaccard: sum o*d = 2 * 1/2 + 2 * 1 = 3, sum n_c n_k d = 21, alpha = 1 - 5 * 3 / 21.
    MASI: d({a}, {a,b}) = 1 - 1/2 * 2/3 = 2/3; sum o*d = 10/3, sum n_c n_k d = 22.
    """
    sets = [[{"a"}, {"a", "b"}, {"c"}], [{"a"}, {"a"}, {"d"}]]
    assert krippendorff_alpha_sets(sets, distance="jaccard") == pytest.approx(1 - 15 / 21)
    assert krippendorff_alpha_sets(sets, distance="masi") == pytest.approx(1 - 5 * (10 / 3) / 22)


def test_set_distances() -> None:
    distinct = [frozenset({"a", "b"}), frozenset({"b", "c"}), frozenset({"a"}), frozenset()]
    jaccard = set_distances(distinct, "jaccard")
    masi = set_distances(distinct, "masi")
    assert jaccard[0, 1] == pytest.approx(2 / 3)  # J = 1/3
    assert masi[0, 1] == pytest.approx(1 - 1 / 3 * 1 / 3)  # overlap, neither a subset
    assert masi[0, 2] == pytest.approx(1 - 1 / 2 * 2 / 3)  # subset
    assert masi[1, 2] == 1.0 and jaccard[1, 2] == 1.0  # disjoint
    assert masi[3, 3] == 0.0 and jaccard[3, 3] == 0.0  # two empty sets agree
    assert masi[0, 3] == 1.0 and jaccard[0, 3] == 1.0
    np.testing.assert_allclose(masi, masi.T)
    np.testing.assert_allclose(np.diag(masi), 0.0)


def test_empty_set_is_a_value_and_none_is_missing() -> None:
    sets = [[set(), {"a"}, None, {"a"}], [set(), {"a"}, {"b"}, set()]]
    assert krippendorff_alpha_sets(sets) == krippendorff_alpha_sets(
        [[set(), {"a"}, pd.NA, {"a"}], [set(), {"a"}, {"b"}, set()]]
    )
    with_missing = krippendorff_alpha_sets(sets, distance="jaccard")
    without = krippendorff_alpha_sets([[set(), {"a"}, {"a"}], [set(), {"a"}, set()]], "jaccard")
    assert with_missing == pytest.approx(without)


def test_binary_matrices() -> None:
    codings = [[{"x", "y"}, set(), None], [("y",), ["x"], {"z"}]]
    out = binary_matrices(codings, ["z", "y", "x"])
    assert out.shape == (3, 2, 3)
    np.testing.assert_array_equal(out[2], [[1, 0, np.nan], [0, 1, 0]])
    np.testing.assert_array_equal(out[1], [[1, 0, np.nan], [1, 0, 0]])
    np.testing.assert_array_equal(out[0], [[0, 0, np.nan], [0, 0, 1]])


def test_binary_matrices_lists_every_unknown_code() -> None:
    with pytest.raises(AgreementInputError) as info:
        binary_matrices([[{"x", "q"}], [{"r"}]], ["x"])
    assert "'q', 'r'" in str(info.value)
    with pytest.raises(AgreementInputError, match="more than once"):
        binary_matrices([[{"x"}]], ["x", "x"])


# --- bootstrap -------------------------------------------------------------------------------

PLANNED: list[tuple[Callable[..., float], dict[str, Any]]] = [
    (krippendorff_alpha, {"level": "nominal"}),
    (krippendorff_alpha, {"level": "ordinal"}),
    (krippendorff_alpha, {"level": "interval"}),
    (krippendorff_alpha, {"level": "ratio"}),
    (percent_agreement, {}),
    (brennan_prediger, {}),
    (gwet_ac1, {"n_categories": 6}),
]


@pytest.mark.parametrize(("statistic", "kwargs"), PLANNED)
def test_vectorised_resample_equals_the_statistic_on_the_resampled_units(
    statistic: Callable[..., float], kwargs: dict[str, Any]
) -> None:
    """Weights W over unit profiles give exactly the statistic of the repeated units."""
    counts = encode_counts(RATINGS).counts
    _, profile_of_unit = np.unique(counts, axis=0, return_inverse=True)
    plan = _plan(statistic, RATINGS, kwargs)
    assert plan is not None
    rng = np.random.default_rng(3)
    for _ in range(5):
        copies = rng.integers(0, 3, size=RATINGS.shape[1])
        weights = np.bincount(profile_of_unit, weights=copies, minlength=plan.freq.size)
        resampled = np.repeat(RATINGS, copies, axis=1)
        assert plan.replicate(weights[None, :])[0] == pytest.approx(
            statistic(resampled, **kwargs), abs=1e-10
        )
    assert plan.replicate(plan.freq[None, :])[0] == pytest.approx(
        statistic(RATINGS, **kwargs), abs=1e-10
    )


@pytest.mark.parametrize(
    ("statistic", "data", "kwargs"),
    [
        (fleiss_kappa, np.stack([np.equal(RATINGS, k).sum(axis=0) for k in range(1, 5)], 1), {}),
        (cohen_kappa, RATINGS[:2], {"weights": "quadratic"}),
        (scott_pi, RATINGS[:2], {}),
        (krippendorff_alpha, RATINGS, {"level": "ordinal"}),
        (gwet_ac1, RATINGS, {}),
    ],
)
def test_vectorised_and_looped_bootstrap_agree(
    statistic: Callable[..., float], data: np.ndarray, kwargs: dict[str, Any]
) -> None:
    """The per-profile multinomial draw has the law of resampling units one by one."""
    fast = bootstrap_ci(statistic, data, n_boot=1500, seed=1, **kwargs)
    if statistic in (cohen_kappa, scott_pi):
        both = data[:, ~np.isnan(data).any(axis=0)]
        slow = bootstrap_ci(lambda d: statistic(d[0], d[1], **kwargs), both, n_boot=1500, seed=1)
    elif statistic is fleiss_kappa:
        slow = bootstrap_ci(lambda d: fleiss_kappa(d.T), data.T, n_boot=1500, seed=1)
    else:
        slow = bootstrap_ci(lambda d: statistic(d, **kwargs), data, n_boot=1500, seed=1)
    assert fast == pytest.approx(slow, abs=0.04)
    args = (data[0], data[1]) if statistic in (cohen_kappa, scott_pi) else (data,)
    assert fast[0] < statistic(*args, **kwargs) < fast[1]


def test_bootstrap_is_reproducible_and_seeded() -> None:
    first = bootstrap_ci(krippendorff_alpha, RATINGS, n_boot=300, seed=11)
    assert bootstrap_ci(krippendorff_alpha, RATINGS, n_boot=300, seed=11) == first
    assert bootstrap_ci(krippendorff_alpha, RATINGS, n_boot=300, seed=12) != first
    narrow = bootstrap_ci(krippendorff_alpha, RATINGS, n_boot=300, level=0.5, seed=11)
    assert first[0] < narrow[0] < narrow[1] < first[1]


def test_bootstrap_takes_alphas_level_of_measurement_as_text_or_partial() -> None:
    """``level`` is the confidence level; a level of measurement (text) goes to alpha."""
    ordinal = bootstrap_ci(krippendorff_alpha, RATINGS, n_boot=200, level="ordinal")
    partial = functools.partial(krippendorff_alpha, level="ordinal")
    assert bootstrap_ci(partial, RATINGS, n_boot=200) == ordinal
    assert bootstrap_ci(partial, RATINGS, n_boot=200, level=0.95) == ordinal
    assert ordinal != bootstrap_ci(krippendorff_alpha, RATINGS, n_boot=200)
    narrow = bootstrap_ci(partial, RATINGS, n_boot=200, level=0.5)
    assert ordinal[0] < narrow[0] < narrow[1] < ordinal[1]
    with pytest.raises(AgreementInputError, match=r"level=0\.95"):
        bootstrap_ci(gwet_ac1, RATINGS, level="nominal")
    with pytest.raises(AgreementInputError, match="'metric'"):
        bootstrap_ci(krippendorff_alpha, RATINGS, level="metric")


def test_bootstrap_sets_and_custom_statistics() -> None:
    sets = [[None if np.isnan(v) else frozenset({int(v), int(v) // 2}) for v in r] for r in RATINGS]
    low, high = bootstrap_ci(krippendorff_alpha_sets, sets, n_boot=200, distance="jaccard")
    assert low < krippendorff_alpha_sets(sets, distance="jaccard") < high
    mean_low, mean_high = bootstrap_ci(lambda d: float(np.nanmean(d)), RATINGS, n_boot=200)
    assert mean_low < float(np.nanmean(RATINGS)) < mean_high


@pytest.mark.parametrize(
    ("kwargs", "found"),
    [({"n_boot": 1}, "n_boot"), ({"level": 1.5}, "level"), ({"seed": -1}, "seed")],
)
def test_bootstrap_checks_its_arguments(kwargs: dict[str, Any], found: str) -> None:
    with pytest.raises(AgreementInputError, match=found):
        bootstrap_ci(krippendorff_alpha, RATINGS, **kwargs)


def test_bootstrap_is_undefined_when_resamples_lack_variation() -> None:
    rare = [[1] * 30 + [2], [1] * 30 + [2]]  # most resamples miss the one unit of 2s
    with pytest.raises(UndefinedStatistic, match="resamples"):
        bootstrap_ci(krippendorff_alpha, rare, n_boot=200)
    with pytest.raises(UndefinedStatistic):
        bootstrap_ci(krippendorff_alpha, NO_VARIATION)
