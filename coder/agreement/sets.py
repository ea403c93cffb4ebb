"""Agreement on multi-label codings: per-code binary matrices and set-valued alpha.

A coding is the *set* of codes one coder gave one unit (an empty set when the coder saw the
unit and no code applied; ``None`` when the coder did not code the unit). Two views:

- :func:`binary_matrices`: per code, a coders x units presence (1) / absence (0) matrix with
  NaN where the coder did not code the unit, for any binary statistic per code.
- :func:`krippendorff_alpha_sets`: Krippendorff's alpha over whole sets, with the difference
  between two sets given by a set distance (Passonneau 2006): Jaccard,
  :math:`d_J(A, B) = 1 - |A \\cap B| / |A \\cup B|`, or MASI,
  :math:`d_M(A, B) = 1 - J(A, B) \\cdot M(A, B)` where ``M`` is 1 when the sets are equal,
  2/3 when one is a subset of the other, 1/3 when they overlap otherwise and 0 when they are
  disjoint. Two empty sets are at distance 0. (NLTK's ``masi_distance`` rounds 2/3 and 1/3 to
  0.67 and 0.33; this module does not.)

Both read the cells once in Python to build integer arrays; the statistics are vectorised.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from coder.agreement._data import (
    AgreementInputError,
    FloatArray,
    IntArray,
    as_sequence_of_rows,
    unit_counts,
)
from coder.agreement.alpha import alpha_from_coincidences, coincidences

Distance = Literal["masi", "jaccard"]
DISTANCES: tuple[str, ...] = ("masi", "jaccard")


def _cell_set(cell: Any, where: str) -> frozenset[Hashable] | None:
    """The set of codes in one cell, or None when the coder did not code the unit."""
    if cell is None or cell is pd.NA:
        return None
    if isinstance(cell, str | bytes):
        raise AgreementInputError(
            f"{where}: found the string {cell!r}; expected a set of codes, or None. "
            f"Fix: wrap a single code in a set, e.g. {{{cell!r}}}."
        )
    if isinstance(cell, float | np.floating) and bool(pd.isna(cell)):
        return None
    try:
        return frozenset(cell)
    except TypeError as exc:
        raise AgreementInputError(
            f"{where}: found {type(cell).__name__} {cell!r}; expected a set of codes, or None. "
            "Fix: give each cell as a set (empty when no code applies)."
        ) from exc


def encode_sets(sets: Any) -> tuple[IntArray, list[frozenset[Hashable]]]:
    """Encode a coders x units array-like of code sets as indices of the distinct sets.

    Parameters
    ----------
    sets : array-like, shape (m, N)
        Each cell a collection of codes (``frozenset``, ``set``, list, ...) or ``None``/NaN.

    Returns
    -------
    codes : ndarray of intp, shape (m, N)
        Index into ``distinct``, ``-1`` where missing.
    distinct : list of frozenset, length K
        The distinct sets, in order of first appearance.
    """
    rows = as_sequence_of_rows(sets, "sets")
    n_units = len(rows[0]) if rows else 0
    codes = np.full((len(rows), n_units), -1, dtype=np.intp)
    index: dict[frozenset[Hashable], int] = {}
    for i, row in enumerate(rows):
        for u, cell in enumerate(row):
            value = _cell_set(cell, f"sets, coder {i}, unit {u}")
            if value is not None:
                codes[i, u] = index.setdefault(value, len(index))
    return codes, list(index)


def check_distance(distance: str) -> None:
    """Raise :class:`AgreementInputError` unless ``distance`` is "masi" or "jaccard"."""
    if distance not in DISTANCES:
        raise AgreementInputError(
            f"distance: found {distance!r}; expected one of {', '.join(DISTANCES)}. "
            "Fix: pass distance='masi' or distance='jaccard'."
        )


def set_distances(distinct: Sequence[frozenset[Hashable]], distance: str) -> FloatArray:
    """Pairwise distances between sets.

    Parameters
    ----------
    distinct : sequence of frozenset, length K
    distance : {"masi", "jaccard"}

    Returns
    -------
    ndarray of float64, shape (K, K)
        Zero on the diagonal, positive between distinct sets.
    """
    check_distance(distance)
    column: dict[Hashable, int] = {}
    pairs = [
        (row, column.setdefault(code, len(column))) for row, s in enumerate(distinct) for code in s
    ]
    member = np.zeros((len(distinct), len(column)), dtype=np.float64)
    if pairs:
        rows, cols = np.asarray(pairs, dtype=np.intp).T
        member[rows, cols] = 1.0
    inter = member @ member.T
    size = member.sum(axis=1)
    union = size[:, None] + size[None, :] - inter
    jaccard = np.divide(inter, union, out=np.ones_like(inter), where=union > 0)
    if distance == "jaccard":
        return np.asarray(1.0 - jaccard, dtype=np.float64)
    smaller = np.minimum(size[:, None], size[None, :])
    equal = (inter == size[:, None]) & (inter == size[None, :])
    monotonicity = np.select(
        [equal, inter == smaller, inter > 0], [1.0, 2.0 / 3.0, 1.0 / 3.0], default=0.0
    )
    return np.asarray(1.0 - jaccard * monotonicity, dtype=np.float64)


def krippendorff_alpha_sets(sets: Any, distance: Distance | str = "masi") -> float:
    """Krippendorff's alpha over whole code sets, with the MASI or Jaccard distance.

    The coincidence matrix is built over the distinct sets as values, as for nominal alpha,
    and :math:`\\delta_{ck}` is the distance between sets ``c`` and ``k`` (Passonneau 2006;
    Krippendorff 2019, ch. 12). With singleton sets only, it equals nominal alpha.

    Parameters
    ----------
    sets : array-like, shape (m, N)
        Rows are coders, columns units; each cell a set of codes (``frozenset`` or any
        collection; empty when no code applied) or ``None`` where the coder did not code the
        unit.
    distance : {"masi", "jaccard"}

    Returns
    -------
    float

    Raises
    ------
    UndefinedStatistic
        If no unit has sets from two coders, or every pairable set is the same.
    AgreementInputError
        For a cell that is not a collection, or an unknown distance.

    References
    ----------
    Passonneau, R. (2006). Measuring agreement on set-valued items (MASI) for semantic and
    pragmatic annotation. Proceedings of LREC 2006.
    """
    check_distance(distance)
    codes, distinct = encode_sets(sets)
    o = coincidences(unit_counts(codes, len(distinct)))
    delta = set_distances(distinct, distance)
    return alpha_from_coincidences(o, delta, f"Krippendorff's alpha over code sets ({distance})")


def binary_matrices(codings: Any, codes: Sequence[Hashable]) -> npt.NDArray[np.float64]:
    """Per-code presence/absence matrices from per-coder sets of codes per unit.

    Parameters
    ----------
    codings : array-like, shape (m, N)
        Rows are coders, columns units; each cell the set of codes the coder applied to the
        unit (empty when none applied) or ``None`` when the coder did not code the unit.
    codes : sequence, length C
        Every code that may occur, in the order wanted.

    Returns
    -------
    ndarray of float64, shape (C, m, N)
        ``out[c, i, u]`` is 1.0 if coder ``i`` applied ``codes[c]`` to unit ``u``, 0.0 if the
        coder coded the unit without it, NaN if the coder did not code the unit. Each
        ``out[c]`` is reliability data for any statistic here, e.g.
        ``krippendorff_alpha(out[c])``.

    Raises
    ------
    AgreementInputError
        If ``codes`` repeats a code, or a cell holds a code not in ``codes`` (all such codes
        are listed) or is not a collection.
    """
    order = list(codes)
    column = {code: c for c, code in enumerate(order)}
    if len(column) != len(order):
        repeated = sorted({repr(c) for c in order if order.count(c) > 1})
        raise AgreementInputError(
            f"codes: found {', '.join(repeated)} more than once; expected each code once. "
            "Fix: pass the codebook's codes without repeats."
        )
    cell_codes, distinct = encode_sets(codings)
    unknown = sorted({repr(code) for s in distinct for code in s if code not in column})
    if unknown:
        raise AgreementInputError(
            f"codings: found code(s) {', '.join(unknown)} not in codes; expected only the "
            "codes given. Fix: add them to codes, or correct the codings."
        )
    # member[k, c]: whether distinct set k holds code c; one extra row for "missing".
    member = np.zeros((len(distinct) + 1, len(order)), dtype=np.float64)
    for k, s in enumerate(distinct):
        member[k, [column[code] for code in s]] = 1.0
    member[-1, :] = np.nan
    out = member[cell_codes]  # (m, N, C); index -1 is the "missing" row
    return np.ascontiguousarray(np.moveaxis(out, -1, 0))
