"""The headline of the reliability report, per frame and over all frames: Krippendorff's alpha
pooled over every code decision (:mod:`~coder.agreement.pooled`, its interval resampling
items), and the median and range of the per-code kappas (Cohen's with two coders, Fleiss' with
more), with how many codes have none and why.

The pooled alpha counts the codes of the codebook (or of the file), not the "(not relevant)"
exclusions; an item is a unit when at least two of the coders saw it. Over all frames an item
in two frames is one cluster of the resampling.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from coder.agreement.codingset import CodingSet
from coder.agreement.pooled import krippendorff_alpha_pooled, pooled_alpha_ci
from coder.agreement.report_rows import NO_BOOTSTRAP, NOT_RELEVANT_CODE, FloatArray, presence
from coder.errors import UndefinedStatistic

ALL_FRAMES = "(all frames)"
KAPPAS = ("cohen_kappa", "fleiss_kappa")


def _cells(
    cs: CodingSet, coders: list[str], frames: list[str], index: dict[str, int]
) -> tuple[FloatArray, list[int], set[str]]:
    """coders x cells (0/1/NaN) of every (item, code) of ``frames``, each cell's item number
    (from ``index``, extended as items come), and the items at least two coders saw."""
    blocks: list[FloatArray] = []
    clusters: list[int] = []
    units: set[str] = set()
    for frame in frames:
        items = cs.items_for(frame, coders)
        seen = [
            i
            for i in items
            if sum(i in cs.codings.get(c, {}) and cs.decided(c, frame, i) for c in coders) >= 2
        ]
        units.update(seen)
        skip = cs.not_scored(frame, coders)
        for code in cs.frames[frame]:
            if code in skip or not seen:
                continue
            blocks.append(presence(cs, coders, seen, frame, code))
            clusters += [index.setdefault(i, len(index)) for i in seen]
    cells = np.hstack(blocks) if blocks else np.zeros((len(coders), 0))
    return cells, clusters, units


def _pooled(
    base: dict[str, Any], cells: FloatArray, clusters: list[int], seed: int, n_boot: int
) -> dict[str, Any]:
    row = {**base, "statistic": "pooled_alpha", "value": None, "ci_low": None, "ci_high": None}
    try:
        row["value"] = krippendorff_alpha_pooled(cells, clusters)
    except UndefinedStatistic as exc:
        return {**row, "note": f"undefined: {exc.reason}"}
    if not n_boot:
        return {**row, "note": NO_BOOTSTRAP}
    try:
        row["ci_low"], row["ci_high"] = pooled_alpha_ci(cells, clusters, n_boot, seed=seed)
    except UndefinedStatistic as exc:
        reason = exc.reason.removeprefix("the bootstrap interval is undefined: ")
        return {**row, "note": f"no interval: {reason}"}
    return {**row, "note": ""}


def _kappa_range(base: dict[str, Any], kappas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median, minimum and maximum of the defined per-code kappas; the note says how many
    codes have none, and why."""
    values = [float(r["value"]) for r in kappas if r["value"] is not None]
    reasons = Counter(
        str(r["note"]).removeprefix("undefined: ") for r in kappas if r["value"] is None
    )
    note = "; ".join(
        f"{n} of {len(kappas)} codes have no kappa: {reason}" for reason, n in reasons.items()
    )
    if not values:
        note = note or "no code to summarise"
    out = []
    for name, func in (("kappa_median", np.median), ("kappa_min", np.min), ("kappa_max", np.max)):
        value = float(func(values)) if values else None
        out.append(
            {**base, "statistic": name, "value": value, "ci_low": None, "ci_high": None,
             "items": len(values), "note": note}
        )  # fmt: skip
    return out


def headline_rows(
    cs: CodingSet,
    coders: list[str],
    code_rows: list[dict[str, Any]],
    seed: int = 0,
    n_boot: int = 1000,
) -> list[dict[str, Any]]:
    """Rows of the tidy report table (``table`` "headline"), per frame then over all frames.

    Parameters
    ----------
    coders
        The coders compared (the humans).
    code_rows
        Their per-code rows (:func:`~coder.agreement.report_rows.code_rows`), whose kappas are
        summarised.
    """
    base = {"table": "headline", "code": "", "coder_a": "", "coder_b": ""}
    if len(coders) == 2:
        base.update(coder_a=coders[0], coder_b=coders[1])
    kappas = [
        r
        for r in code_rows
        if r["statistic"] in KAPPAS and r["code"] != NOT_RELEVANT_CODE and r["table"] == "code"
    ]
    rows: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    every: list[FloatArray] = []
    clusters_all: list[int] = []
    units_all: set[str] = set()
    for frame in cs.frames:
        cells, clusters, units = _cells(cs, coders, [frame], index)
        every.append(cells)
        clusters_all += clusters
        units_all |= units
        head = {**base, "frame": frame, "items": len(units)}
        rows.append(_pooled(head, cells, clusters, seed, n_boot))
        rows += _kappa_range({**base, "frame": frame}, [r for r in kappas if r["frame"] == frame])
    if len(cs.frames) > 1:
        head = {**base, "frame": ALL_FRAMES, "items": len(units_all)}
        cells = np.hstack(every) if every else np.zeros((len(coders), 0))
        rows.append(_pooled(head, cells, clusters_all, seed, n_boot))
        rows += _kappa_range({**base, "frame": ALL_FRAMES}, kappas)
    return rows
