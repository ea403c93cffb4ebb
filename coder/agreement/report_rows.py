"""The rows of the reliability report's tidy table (see :data:`REPORT_COLUMNS`): per code,
binary statistics of applied-or-not (prevalence, percent agreement, Cohen's or Fleiss' kappa,
Krippendorff's alpha, Gwet's AC1); per frame, Krippendorff's alpha over whole code sets (MASI and
Jaccard); each with a bootstrap interval. A value or an interval that is missing says why in
``note``: ``undefined: ...`` (the statistic is not defined on the data), ``no interval: ...``,
or ``not scored: ...`` (a code the model never decides); never a silent NaN.

Units are the items at least two of the coders saw; an item a coder did not see, or saw and did
not decide (see :class:`~coder.agreement.codingset.Scope`), is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from coder import agreement as ag
from coder.agreement.codingset import CodingSet

FloatArray = npt.NDArray[np.float64]
NOT_RELEVANT_CODE = "(not relevant)"
REPORT_COLUMNS = [
    "table",
    "frame",
    "code",
    "coder_a",
    "coder_b",
    "statistic",
    "value",
    "ci_low",
    "ci_high",
    "items",
    "note",
]


def presence(
    cs: CodingSet, coders: list[str], items: list[str], frame: str, code: str
) -> FloatArray:
    """coders x items array: 1.0 code applied, 0.0 not applied, NaN not seen."""
    out = np.full((len(coders), len(items)), np.nan)
    for r, c in enumerate(coders):
        mine = cs.codings.get(c, {})
        for j, item in enumerate(items):
            coding = mine.get(item)
            if coding is None or not cs.decided(c, frame, item):
                continue
            if code == NOT_RELEVANT_CODE:
                out[r, j] = float(coding.not_relevant_reason is not None)
            else:
                out[r, j] = float(code in coding.codes.get(frame, ()))
    return out


def _sets(cs: CodingSet, coders: list[str], items: list[str], frame: str) -> list[list[Any]]:
    """coders x items code sets (only the codes every coder decides); None: not seen or not
    decided."""
    scored = frozenset(cs.frames[frame]) - set(cs.not_scored(frame, coders))
    rows = []
    for c in coders:
        mine = cs.codings.get(c, {})
        rows.append(
            [
                None
                if (k := mine.get(i)) is None or not cs.decided(c, frame, i)
                else frozenset(k.codes.get(frame, ())) & scored
                for i in items
            ]
        )
    return rows


def _pairable(data: FloatArray) -> FloatArray:
    """Columns with at least two non-missing values."""
    return np.asarray((~np.isnan(data)).sum(axis=0) >= 2)


def _stat(func: Callable[..., float], *args: Any, **kwargs: Any) -> tuple[float | None, str]:
    value = ag.try_statistic(func, *args, **kwargs)
    if isinstance(value, ag.Undefined):
        return None, f"undefined: {value.reason}"
    return float(value), ""


NO_BOOTSTRAP = "no interval: no bootstrap resamples (n_boot 0)"


def _ci(
    func: Callable[..., float], data: Any, seed: int, n_boot: int, **kwargs: Any
) -> tuple[float | None, float | None, str]:
    """The interval, or None, None and why there is none."""
    if not n_boot:
        return None, None, NO_BOOTSTRAP
    try:
        low, high = ag.bootstrap_ci(func, data, n_boot=n_boot, seed=seed, **kwargs)
    except ag.UndefinedStatistic as exc:
        reason = exc.reason.removeprefix("the bootstrap interval is undefined: ")
        return None, None, f"no interval: {reason}"
    return float(low), float(high), ""


def _estimate(
    value: float | None,
    note: str,
    func: Callable[..., float],
    data: Any,
    seed: int,
    n_boot: int,
    **kwargs: Any,
) -> dict[str, Any]:
    """The value, ci_low, ci_high and note columns of one statistic."""
    if value is None:
        return {"value": None, "ci_low": None, "ci_high": None, "note": note}
    low, high, why = _ci(func, data, seed, n_boot, **kwargs)
    return {"value": value, "ci_low": low, "ci_high": high, "note": why}  # fmt: skip


def _counts(data: FloatArray) -> FloatArray:
    """units x {0, 1} counts of binary values, over units with two or more values."""
    keep = _pairable(data)
    ones = np.nansum(data[:, keep], axis=0)
    n = (~np.isnan(data[:, keep])).sum(axis=0)
    return np.stack([n - ones, ones], axis=1)


_Row = tuple[str, float | None, str, Callable[..., float], Any, dict[str, Any]]


def _not_scored(base: dict[str, Any], n: int, why: str) -> list[dict[str, Any]]:
    """The rows of a code one of the coders never decides: every statistic, none scored."""
    kappa = "cohen_kappa" if n == 2 else "fleiss_kappa"
    names = ["prevalence", "percent_agreement", kappa, "krippendorff_alpha", "gwet_ac1"]
    empty = {"value": None, "ci_low": None, "ci_high": None, "note": f"not scored: {why}"}
    return [{**base, "items": 0, "statistic": name, **empty} for name in names]


def _binary_statistics(data: FloatArray) -> list[_Row]:
    """(name, value, note, statistic, data for its bootstrap, kwargs) for binary ratings."""
    if data.shape[0] == 2:
        kappa: _Row = (
            "cohen_kappa",
            *_stat(ag.cohen_kappa, data[0], data[1]),
            ag.cohen_kappa,
            data,
            {},
        )
    else:
        counts = _counts(data)
        kappa = ("fleiss_kappa", *_stat(ag.fleiss_kappa, counts), ag.fleiss_kappa, counts, {})
    return [
        ("percent_agreement", *_stat(ag.percent_agreement, data), ag.percent_agreement, data, {}),
        kappa,
        (
            "krippendorff_alpha",
            *_stat(ag.krippendorff_alpha, data, level="nominal"),
            ag.krippendorff_alpha,
            data,
            {"level": "nominal"},
        ),
        (
            "gwet_ac1",
            *_stat(ag.gwet_ac1, data, n_categories=2),
            ag.gwet_ac1,
            data,
            {"n_categories": 2},
        ),
    ]


def code_rows(
    cs: CodingSet, coders: list[str], seed: int = 0, n_boot: int = 1000, table: str = "code"
) -> list[dict[str, Any]]:
    """Per-code statistics among ``coders``: rows of the tidy report table."""
    rows: list[dict[str, Any]] = []
    for frame, codes in cs.frames.items():
        items = cs.items_for(frame, coders)
        not_scored = cs.not_scored(frame, coders)
        for code in [*codes, NOT_RELEVANT_CODE]:
            base: dict[str, Any] = {
                "table": table,
                "frame": frame,
                "code": cs.label(frame, code),
                "coder_a": coders[0] if len(coders) == 2 else "",
                "coder_b": coders[1] if len(coders) == 2 else "",
            }
            if code in not_scored:
                if code != NOT_RELEVANT_CODE:
                    rows += _not_scored(base, len(coders), not_scored[code])
                continue
            data = presence(cs, coders, items, frame, code)
            data = data[:, _pairable(data)]
            if code == NOT_RELEVANT_CODE and not np.nansum(data):
                continue
            base["items"] = data.shape[1]
            judged = ~np.isnan(data)
            prevalence = float(np.nansum(data) / judged.sum()) if judged.any() else None
            rows.append(
                {
                    **base,
                    "statistic": "prevalence",
                    "value": prevalence,
                    "ci_low": None,
                    "ci_high": None,
                    "note": "" if judged.any() else "undefined: no item seen by two coders",
                }
            )
            for name, value, note, func, boot_data, kwargs in _binary_statistics(data):
                estimate = _estimate(value, note, func, boot_data, seed, n_boot, **kwargs)
                rows.append({**base, "statistic": name, **estimate})
    return rows


def frame_rows(
    cs: CodingSet, coders: list[str], seed: int = 0, n_boot: int = 1000, table: str = "frame"
) -> list[dict[str, Any]]:
    """Set-level Krippendorff's alpha per frame (MASI and Jaccard) among ``coders``."""
    rows = []
    for frame in cs.frames:
        items = cs.items_for(frame, coders)
        sets = _sets(cs, coders, items, frame)
        keep = [j for j in range(len(items)) if sum(s[j] is not None for s in sets) >= 2]
        sets = [[s[j] for j in keep] for s in sets]
        skipped = [c for c in cs.not_scored(frame, coders) if c in cs.frames[frame]]
        for distance in ("masi", "jaccard"):
            value, note = _stat(ag.krippendorff_alpha_sets, sets, distance=distance)
            estimate = _estimate(
                value, note, ag.krippendorff_alpha_sets, sets, seed, n_boot, distance=distance
            )
            if skipped:
                scored = len(cs.frames[frame]) - len(skipped)
                estimate["note"] = "; ".join(
                    filter(None, [f"over the {scored} of {len(cs.frames[frame])} codes "
                                  "scored", estimate["note"]])
                )  # fmt: skip
            rows.append(
                {
                    "table": table,
                    "frame": frame,
                    "code": "",
                    "coder_a": coders[0] if len(coders) == 2 else "",
                    "coder_b": coders[1] if len(coders) == 2 else "",
                    "statistic": f"alpha_{distance}",
                    **estimate,
                    "items": len(keep),
                }
            )
    return rows
