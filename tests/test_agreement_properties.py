"""Invariants of the agreement statistics, as hypothesis properties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coder.agreement import (
    Undefined,
    UndefinedStatistic,
    binary_matrices,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    krippendorff_alpha_sets,
    percent_agreement,
    scott_pi,
    try_statistic,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LEVELS = ["nominal", "ordinal", "interval", "ratio"]


@st.composite
def reliability_data(
    draw: st.DrawFn, max_coders: int = 5, max_units: int = 12, max_value: int = 4
) -> np.ndarray:
    """Coders x units of small whole numbers, NaN for missing."""
    m = draw(st.integers(2, max_coders))
    n = draw(st.integers(1, max_units))
    cells = st.one_of(st.none(), st.integers(0, max_value))
    rows = draw(st.lists(st.lists(cells, min_size=n, max_size=n), min_size=m, max_size=m))
    return np.array(rows, dtype=float)


def value_or_reason(func: Callable[..., float], *args: Any, **kwargs: Any) -> float | str:
    """The statistic, or the class of its reason when undefined (for comparisons)."""
    value = try_statistic(func, *args, **kwargs)
    return value.reason.split(":")[-1] if isinstance(value, Undefined) else value


def same(x: float | str, y: float | str) -> bool:
    """Equal values (to rounding), or the same reason for being undefined."""
    if isinstance(x, float) and isinstance(y, float):
        return abs(x - y) <= 1e-12
    return x == y


def counts_table(data: np.ndarray) -> np.ndarray:
    """Units x categories counts of coders x units data (categories 0..4)."""
    return np.stack([(data == k).sum(axis=0) for k in range(5)], axis=1)


MULTI_CODER: list[tuple[str, Callable[..., float], dict[str, Any]]] = [
    ("percent", percent_agreement, {}),
    ("bp", brennan_prediger, {"n_categories": 5}),
    ("ac1", gwet_ac1, {"n_categories": 5}),
    *[(f"alpha-{level}", krippendorff_alpha, {"level": level}) for level in LEVELS],
]


@SETTINGS
@given(data=reliability_data(), seed=st.integers(0, 2**32 - 1))
def test_permuting_coders_or_units_changes_nothing(data: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shuffled = data[rng.permutation(data.shape[0])][:, rng.permutation(data.shape[1])]
    for name, func, kwargs in MULTI_CODER:
        assert same(
            value_or_reason(func, data, **kwargs), value_or_reason(func, shuffled, **kwargs)
        ), name
    counts = counts_table(data)
    shuffled_counts = counts[rng.permutation(len(counts))]
    assert same(
        value_or_reason(fleiss_kappa, counts), value_or_reason(fleiss_kappa, shuffled_counts)
    )
    a, b = data[0], data[1]
    for func in (cohen_kappa, scott_pi):
        assert same(value_or_reason(func, a, b), value_or_reason(func, b, a))
    assert same(
        value_or_reason(cohen_kappa, a, b, weights="quadratic"),
        value_or_reason(cohen_kappa, b, a, weights="quadratic"),
    )


@SETTINGS
@given(data=reliability_data(), seed=st.integers(0, 2**32 - 1))
def test_renaming_nominal_categories_changes_nothing(data: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    names = np.array(["zeta", "alpha", "mu", "beta", "omega"], dtype=object)[rng.permutation(5)]
    renamed = np.where(np.isnan(data), None, names[np.nan_to_num(data).astype(int)])
    for func, kwargs in [
        (percent_agreement, {}),
        (brennan_prediger, {}),
        (gwet_ac1, {}),
        (krippendorff_alpha, {"level": "nominal"}),
    ]:
        assert same(value_or_reason(func, data, **kwargs), value_or_reason(func, renamed, **kwargs))
    for func in (cohen_kappa, scott_pi):
        assert same(
            value_or_reason(func, data[0], data[1]), value_or_reason(func, renamed[0], renamed[1])
        )
    counts = counts_table(data)
    permuted = counts[:, rng.permutation(5)]
    assert same(value_or_reason(fleiss_kappa, counts), value_or_reason(fleiss_kappa, permuted))


@SETTINGS
@given(
    values=st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=1, max_size=15),
    m=st.integers(2, 5),
)
def test_perfect_agreement_gives_one_where_defined(values: list[int | None], m: int) -> None:
    data = [values] * m
    distinct = {v for v in values if v is not None}
    kinds = [*MULTI_CODER, ("cohen", cohen_kappa, {}), ("scott", scott_pi, {})]
    for name, func, kwargs in kinds:
        args = (values, values) if name in ("cohen", "scott") else (data,)
        if not distinct or (len(distinct) < 2 and name not in ("percent", "bp", "ac1")):
            with pytest.raises(UndefinedStatistic) as info:
                func(*args, **kwargs)
            assert info.value.reason
            continue
        assert func(*args, **kwargs) == pytest.approx(1.0, abs=1e-12), name
    sets = [[None if v is None else frozenset({v, "common"}) for v in values]] * m
    if len(distinct) >= 2:
        assert krippendorff_alpha_sets(sets) == pytest.approx(1.0, abs=1e-12)
    else:
        assert isinstance(try_statistic(krippendorff_alpha_sets, sets), Undefined)


@SETTINGS
@given(data=reliability_data(max_value=1))
def test_per_code_binary_statistics_equal_the_general_ones(data: np.ndarray) -> None:
    """binary_matrices of set codings gives the matrix the general statistics take."""
    codings = [
        [None if np.isnan(v) else (frozenset({"x"}) if v == 1 else frozenset()) for v in row]
        for row in data
    ]
    matrices = binary_matrices(codings, ["x", "y"])
    np.testing.assert_array_equal(matrices[0], data)
    expected_y = np.where(np.isnan(data), np.nan, 0.0)
    np.testing.assert_array_equal(matrices[1], expected_y)
    for name, func, kwargs in MULTI_CODER:
        assert same(
            value_or_reason(func, matrices[0], **kwargs), value_or_reason(func, data, **kwargs)
        ), name


@SETTINGS
@given(data=reliability_data())
def test_set_alpha_of_singletons_is_nominal_alpha(data: np.ndarray) -> None:
    sets = [[None if np.isnan(v) else frozenset({int(v)}) for v in row] for row in data]
    nominal = value_or_reason(krippendorff_alpha, data)
    for distance in ("masi", "jaccard"):
        value = value_or_reason(krippendorff_alpha_sets, sets, distance=distance)
        if isinstance(nominal, float):
            assert value == pytest.approx(nominal, abs=1e-12)
        else:
            assert isinstance(value, str)


@SETTINGS
@given(data=reliability_data(max_coders=2))
def test_two_coder_alpha_is_scotts_pi_corrected_for_sample_size(data: np.ndarray) -> None:
    """Krippendorff (2011), section B: with two coders and no missing values,
    alpha = 1 - (2N - 1) / (2N) * (1 - pi)."""
    complete = data[:, ~np.isnan(data).any(axis=0)]
    pi = try_statistic(scott_pi, complete[0], complete[1])
    if isinstance(pi, Undefined):
        return
    n = complete.shape[1]
    assert krippendorff_alpha(complete) == pytest.approx(
        1 - (2 * n - 1) / (2 * n) * (1 - pi), abs=1e-12
    )


@SETTINGS
@given(data=reliability_data())
def test_undefined_exactly_when_there_is_no_pairable_variation(data: np.ndarray) -> None:
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    values = data[:, pairable]
    distinct = set(values[~np.isnan(values)].tolist())
    result = try_statistic(krippendorff_alpha, data)
    if not pairable.any():
        assert isinstance(result, Undefined)
        assert "no unit has values from two or more coders" in result.reason
    elif len(distinct) < 2:
        assert isinstance(result, Undefined)
        assert "no variation" in result.reason
    else:
        assert isinstance(result, float)
        assert result <= 1.0 + 1e-12
