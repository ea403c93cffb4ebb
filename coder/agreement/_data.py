"""Input checking and encoding shared by every agreement statistic.

Reliability data arrive as an ``m x N`` array-like (rows are the ``m`` coders, columns the ``N``
units) whose cells are numbers or strings, with ``None`` or NaN where a coder did not code a
unit. :func:`encode` turns them into integer category indices (``-1`` for missing) over the
sorted distinct values, and :func:`unit_counts` into the ``N x K`` table :math:`n_{uk}` of how
many coders put unit ``u`` in category ``k``. Every statistic in this package is a function of
that table (Cohen's and Scott's of the ``K x K`` pair table), which is also what the bootstrap
resamples.

Malformed input raises :class:`AgreementInputError`; data that are well formed but on which a
statistic is 0/0 raise :class:`coder.errors.UndefinedStatistic` in the statistic itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from coder.errors import CoderError

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]

# A value range up to this wide is encoded by offset and bincount instead of a sort.
_DENSE_RANGE = 1 << 16
# Whole numbers spanning fewer values than this are counted by comparison (encode_counts).
_FEW_VALUES = 32


class AgreementInputError(CoderError, ValueError):
    """Reliability data, a count table or an argument of a statistic is malformed.

    Raised before any arithmetic, for the wrong shape, mixed or unsupported value types, an
    unknown level or distance, or a negative count. The message says what was expected, what
    was found and how to fix it. It is also a :class:`ValueError`.
    """


@dataclass(frozen=True)
class Coded:
    """Reliability data as category indices.

    Attributes
    ----------
    codes : ndarray of intp, shape (m, N)
        ``codes[i, u]`` is the index into ``categories`` of coder ``i``'s value for unit ``u``,
        or ``-1`` where the value is missing.
    categories : ndarray, shape (K,)
        The distinct values in ascending order (float64 for numbers, object for strings).
    numeric : bool
        Whether the values are numbers (needed for ordinal, interval and ratio metrics and for
        weighted kappa).
    """

    codes: IntArray
    categories: npt.NDArray[Any]
    numeric: bool

    @property
    def n_categories(self) -> int:
        return int(self.categories.shape[0])


def as_array(data: Any, what: str) -> npt.NDArray[Any]:
    """``np.asarray`` that keeps ``None``/NaN distinct from the text ``'nan'``."""
    if isinstance(data, pd.DataFrame):
        return data.to_numpy()
    if isinstance(data, np.ndarray):
        return data
    try:
        arr = np.asarray(data)
        if arr.dtype.kind in "US":
            # numpy turns [["a", nan]] into the strings "a", "nan": keep the objects instead.
            arr = np.asarray(data, dtype=object)
    except ValueError as exc:
        raise AgreementInputError(
            f"{what}: found rows of different lengths ({exc}); expected one row per coder, "
            "each with one cell per unit. Fix: pad the shorter rows with None."
        ) from exc
    return arr


def _missing_mask(arr: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    if arr.dtype.kind == "f":
        nan: npt.NDArray[np.bool_] = np.isnan(arr)
        return nan
    if arr.dtype.kind == "O":
        mask: npt.NDArray[np.bool_] = np.asarray(pd.isna(arr), dtype=bool)
        return mask
    return np.zeros(arr.shape, dtype=bool)


def _encode_numbers(values: FloatArray) -> tuple[IntArray, FloatArray]:
    """Category indices and sorted distinct values of finite numbers, shape ``(n,)``."""
    if values.size == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    if high - low < _DENSE_RANGE and np.array_equal(values, np.floor(values)):
        # Integer-valued codes in a small range: offset + bincount, no sort (O(n)).
        offset = (values - low).astype(np.intp)
        present = np.bincount(offset, minlength=int(high - low) + 1) > 0
        remap = np.cumsum(present) - 1
        return remap[offset].astype(np.intp), np.flatnonzero(present).astype(np.float64) + low
    categories, inverse = np.unique(values, return_inverse=True)
    return inverse.astype(np.intp), categories.astype(np.float64)


def _kind_of(values: npt.NDArray[Any], what: str) -> str:
    """``'number'`` or ``'text'`` for a 1-D object array of present values."""
    types = set(map(type, values.tolist()))
    numbers = {t for t in types if issubclass(t, Real | np.number | np.bool_)}
    texts = {t for t in types if issubclass(t, str)}
    other = types - numbers - texts
    if other or (numbers and texts):
        found = ", ".join(sorted(t.__name__ for t in types))
        raise AgreementInputError(
            f"{what}: found values of types {found}; expected all numbers or all strings "
            "(None or NaN for missing). Fix: convert the values to one type, e.g. all str."
        )
    return "text" if texts else "number"


def _as_matrix(data: Any, what: str) -> npt.NDArray[Any]:
    """The data as a 2-D array of numbers or objects, or :class:`AgreementInputError`."""
    arr = as_array(data, what)
    if arr.ndim != 2:
        raise AgreementInputError(
            f"{what}: found an array of {arr.ndim} dimension(s) with shape {arr.shape}; "
            "expected 2 dimensions, coders x units. Fix: pass one row per coder."
        )
    if arr.dtype.kind not in "biufO":
        raise AgreementInputError(
            f"{what}: found values of dtype {arr.dtype}; expected numbers or strings. "
            "Fix: convert the values to numbers or to str."
        )
    return arr


def encode(data: Any, what: str = "reliability data") -> Coded:
    """Check reliability data and encode them as category indices.

    Parameters
    ----------
    data : array-like, shape (m, N)
        One row per coder, one column per unit; numbers or strings, ``None``/NaN for missing.
        A pandas DataFrame is taken as it is laid out (rows are coders).
    what : str
        How error messages name the input.

    Returns
    -------
    Coded
        Category indices ``(m, N)`` with ``-1`` for missing, and the sorted categories.

    Raises
    ------
    AgreementInputError
        If the data are not 2-D, rows differ in length, a number is infinite, or numbers and
        strings are mixed.
    """
    arr = _as_matrix(data, what)
    missing = _missing_mask(arr)
    present = ~missing
    codes = np.full(arr.shape, -1, dtype=np.intp)
    if arr.dtype.kind == "O":
        values = arr[present]
        kind = _kind_of(values, what) if values.size else "number"
        if kind == "text":
            categories, inverse = np.unique(values, return_inverse=True)
            codes[present] = inverse
            return Coded(codes, categories.astype(object), numeric=False)
        numbers = values.astype(np.float64)
    else:
        numbers = arr[present].astype(np.float64, copy=False)
    if not np.all(np.isfinite(numbers)):
        raise AgreementInputError(
            f"{what}: found an infinite value; expected finite numbers, or None/NaN for a "
            "missing value. Fix: replace infinities by the values meant."
        )
    inverse, categories = _encode_numbers(numbers)
    codes[present] = inverse
    return Coded(codes, categories, numeric=True)


@dataclass(frozen=True)
class Counted:
    """Reliability data as per-unit value counts.

    Attributes
    ----------
    counts : ndarray of float64, shape (N, K), column-major
        :math:`n_{uk}`, how many coders gave unit ``u`` the value ``categories[k]``.
    categories : ndarray, shape (K,)
        The distinct values in ascending order.
    numeric : bool
        Whether the values are numbers.
    """

    counts: FloatArray
    categories: npt.NDArray[Any]
    numeric: bool

    @property
    def n_categories(self) -> int:
        return int(self.categories.shape[0])


def _few_whole_number_counts(arr: FloatArray) -> Counted | None:
    """Counts by one comparison per value when the values are a few whole numbers, else None.

    For the common case of codes 0/1 or a short scale this skips the category indices: it
    costs one pass over the ``(m, N)`` array per possible value.
    """
    if arr.size == 0:
        return None
    low, high = float(np.fmin.reduce(arr, axis=None)), float(np.fmax.reduce(arr, axis=None))
    if not (math.isfinite(low) and math.isfinite(high)) or high - low >= _FEW_VALUES:
        return None
    if np.fmax.reduce(arr - np.floor(arr), axis=None) != 0:  # a fraction (NaNs are skipped)
        return None
    values: FloatArray = np.arange(low, high + 1.0, dtype=np.float64)
    counts: FloatArray = np.empty((arr.shape[1], values.size), dtype=np.float64, order="F")
    for k, value in enumerate(values):  # one pass per value (at most _FEW_VALUES)
        counts[:, k] = np.count_nonzero(arr == value, axis=0)
    used = counts.any(axis=0)
    if not used.all():
        counts, values = np.asfortranarray(counts[:, used]), values[used]
    return Counted(counts, values, numeric=True)


def encode_counts(data: Any, what: str = "reliability data") -> Counted:
    """Check reliability data and count the values of each unit.

    Parameters
    ----------
    data : array-like, shape (m, N)
        As for :func:`encode`.
    what : str
        How error messages name the input.

    Returns
    -------
    Counted
        The ``(N, K)`` table :math:`n_{uk}` and the sorted categories.

    Raises
    ------
    AgreementInputError
        As :func:`encode`.
    """
    arr = _as_matrix(data, what)
    if arr.dtype.kind in "biuf":
        counted = _few_whole_number_counts(arr.astype(np.float64, copy=False))
        if counted is not None:
            return counted
    coded = encode(arr, what)
    return Counted(unit_counts(coded.codes, coded.n_categories), coded.categories, coded.numeric)


def encode_pair(a: Any, b: Any) -> Coded:
    """Encode two coders' 1-D sequences over the same units as a ``2 x N`` :class:`Coded`.

    Raises
    ------
    AgreementInputError
        If ``a`` or ``b`` is not 1-D or their lengths differ.
    """
    rows = [as_array(x, name) for x, name in ((a, "a"), (b, "b"))]
    for arr, name in zip(rows, ("a", "b"), strict=True):
        if arr.ndim != 1:
            raise AgreementInputError(
                f"{name}: found shape {arr.shape}; expected a 1-D sequence of one coder's "
                "values, one per unit. Fix: pass each coder's values as a flat list."
            )
    if rows[0].shape[0] != rows[1].shape[0]:
        raise AgreementInputError(
            f"a and b: found {rows[0].shape[0]} and {rows[1].shape[0]} values; expected one "
            "value per unit from each coder over the same units. Fix: align the two sequences "
            "and use None where a coder did not code a unit."
        )
    if all(arr.dtype.kind in "biuf" for arr in rows):
        stacked = np.vstack([arr.astype(np.float64) for arr in rows])
    else:
        stacked = np.vstack([arr.astype(object) for arr in rows])
    return encode(stacked, "a and b")


def unit_counts(codes: IntArray, n_categories: int) -> FloatArray:
    """The ``N x K`` table :math:`n_{uk}` of how many coders put unit ``u`` in category ``k``.

    Parameters
    ----------
    codes : ndarray of intp, shape (m, N)
        Category indices, ``-1`` for missing.
    n_categories : int
        ``K``.

    Returns
    -------
    ndarray of float64, shape (N, K), column-major
        Whole numbers, as floats for the matrix products that follow. Each category's column
        is contiguous, which makes the per-unit sums over a few categories fast.
    """
    n_units = codes.shape[1]
    flat = np.zeros(n_categories * n_units, dtype=np.float64)
    units = np.arange(n_units, dtype=np.intp)
    for row in codes:  # one pass per coder; a coder gives each unit at most one value
        present = row >= 0
        flat[(row * n_units + units)[present]] += 1.0
    counts: FloatArray = flat.reshape(n_categories, n_units).T
    return counts


def check_counts(counts: Any, what: str = "counts") -> FloatArray:
    """Check a units x categories count table and return it as float64.

    Parameters
    ----------
    counts : array-like, shape (N, K)
        ``counts[u, k]`` is how many coders put unit ``u`` in category ``k``.

    Raises
    ------
    AgreementInputError
        If the table is not 2-D, or holds a negative, non-integer, missing or infinite count.
    """
    arr = as_array(counts, what)
    if arr.ndim != 2:
        raise AgreementInputError(
            f"{what}: found shape {arr.shape}; expected a 2-D table, units x categories. "
            "Fix: pass one row per unit and one column per category."
        )
    try:
        table = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise AgreementInputError(
            f"{what}: found non-numeric cells ({exc}); expected counts of coders. "
            "Fix: pass whole numbers."
        ) from exc
    bad = ~np.isfinite(table) | (table < 0) | (table != np.floor(table))
    if np.any(bad):
        u, k = np.argwhere(bad)[0]
        raise AgreementInputError(
            f"{what}: found {arr[u, k]!r} at unit {u}, category {k} "
            f"({int(bad.sum())} such cell(s)); expected non-negative whole numbers. "
            "Fix: give how many coders chose each category, 0 where none did."
        )
    return table


def pairs_table(coded: Coded) -> FloatArray:
    """The ``K x K`` table of (coder a, coder b) values over units both coded.

    Parameters
    ----------
    coded : Coded
        Two coders, ``codes`` of shape (2, N).

    Returns
    -------
    ndarray of float64, shape (K, K)
        ``table[i, j]`` is the number of units coder a put in category i and coder b in j.
    """
    k = coded.n_categories
    a, b = coded.codes
    both = (a >= 0) & (b >= 0)
    cells = np.bincount(a[both] * k + b[both], minlength=k * k)
    return cells.reshape(k, k).astype(np.float64)


def as_sequence_of_rows(data: Any, what: str) -> Sequence[Sequence[Any]]:
    """Rows of a coders x units array-like of Python objects (sets of codes, None)."""
    if isinstance(data, pd.DataFrame):
        return [list(row) for row in data.itertuples(index=False)]
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise AgreementInputError(
                f"{what}: found shape {data.shape}; expected 2 dimensions, coders x units. "
                "Fix: pass one row per coder."
            )
        return [list(row) for row in data]
    try:
        rows = [list(row) for row in data]
    except TypeError as exc:
        raise AgreementInputError(
            f"{what}: found {type(data).__name__} that is not a table ({exc}); expected one row "
            "per coder, each with one cell per unit. Fix: pass a list of rows."
        ) from exc
    if len({len(row) for row in rows}) > 1:
        raise AgreementInputError(
            f"{what}: found rows of lengths {sorted({len(row) for row in rows})}; expected one "
            "row per coder, each with one cell per unit. Fix: pad shorter rows with None."
        )
    return rows
