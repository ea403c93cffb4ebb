"""The reliability report: a headline, agreement per code, per frame, per pair of coders, and for
the model.

This module turns codings (sets of codes per item, coder and frame) into the tables a
methodologist reads: one tidy table (:func:`reliability_report`) and the items coders disagree
on. Its input, :class:`~coder.agreement.codingset.CodingSet`, lives in
:mod:`~coder.agreement.codingset`; the rows of the tidy table are computed in
:mod:`~coder.agreement.headline`, :mod:`~coder.agreement.report_rows` and
:mod:`~coder.agreement.model`; :mod:`~coder.agreement.display` lays them out for people; the
statistics themselves live in :mod:`coder.agreement`.

Conventions:

- A coder *saw* an item when they have a coding of it (possibly with no code at all). For each
  frame, the units of a code's statistics are the items at least two coders saw; an item seen by
  one coder only is counted and reported, never silently dropped.
- Per code, a coder's value on an item is 1 when they applied the code and 0 otherwise (an item
  they excluded as not relevant has no codes); items the coder did not see are missing.
- With exactly two coders the kappa column is Cohen's kappa; with more it is Fleiss' kappa.
- Per frame, whole code sets are compared with Krippendorff's alpha over MASI distances (and
  Jaccard); an item a coder excluded counts as the empty set.
- The **headline**, per frame and over all frames: Krippendorff's alpha pooled over every
  (item, code) decision, its interval resampling items; the median and range of per-code kappa.
- The **consensus** of the humans on an item is the set of codes more than half of the humans
  who saw it applied. The model is compared with each human and with that consensus, only on
  the items and codes it decided (its out-of-fold decisions when the caller gives them, see
  :mod:`~coder.agreement.model`), with its coverage beside.
- A missing value or interval says why in ``note``; nothing is a silent NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from coder.agreement.codingset import CodingSet, consensus, from_long_table, from_project
from coder.agreement.headline import headline_rows
from coder.agreement.model import coverage_rows
from coder.agreement.report_rows import (
    NOT_RELEVANT_CODE,
    REPORT_COLUMNS,
    code_rows,
    frame_rows,
)
from coder.errors import Problem, ProblemsError

__all__ = [
    "NOT_RELEVANT_CODE",
    "REPORT_COLUMNS",
    "CodingSet",
    "CodingsToCompareError",
    "Report",
    "code_rows",
    "consensus",
    "disagreements",
    "frame_rows",
    "from_long_table",
    "from_project",
    "reliability_report",
]


class CodingsToCompareError(ProblemsError):
    """The codings cannot give a reliability report (fewer than two coders)."""

    title = "problems in the codings to compare"


@dataclass
class Report:
    """The reliability report as one tidy table, and what a reader needs beside it.

    ``single_coded``: items coded by one human only, per coder; ``n_boot`` and ``seed``: the
    bootstrap behind the intervals (0: none); ``found``: what a codings file held;
    ``model_source``: where the model's codes came from.
    """

    table: pd.DataFrame
    single_coded: dict[str, int]
    coders: list[str]
    model: str | None
    n_boot: int = 0
    seed: int = 0
    found: pd.DataFrame | None = None
    model_source: str = ""
    notes: list[str] = field(default_factory=list)


def reliability_report(
    cs: CodingSet, model: str | None = None, seed: int = 0, n_boot: int = 1000
) -> Report:
    """Everything a methodologist reads, as one tidy table (see :data:`REPORT_COLUMNS`).

    ``table`` is one of ``headline`` (per frame and over all frames: pooled alpha and the
    range of per-code kappa), ``code``, ``frame``, ``pair`` (three or more coders),
    ``coverage`` and ``model`` (the model as a coder, on what it decided).
    """
    if n_boot == 1:
        raise CodingsToCompareError(
            [Problem("(arguments)", None, "n_boot", "1 resample", "0 (no intervals) or at "
                     "least 2", "give --n-boot 0 or a number of resamples, e.g. 1000")]
        )  # fmt: skip
    humans = [c for c in cs.codings if c != model]
    if len(humans) < 2 and model is None:
        raise CodingsToCompareError(
            [
                Problem(
                    "(codings)",
                    None,
                    "coder",
                    f"{len(humans)} coder(s): {', '.join(humans) or 'none'}",
                    "at least two coders, or a model and one coder",
                    "import a second coder's codings, or name the coders with --coders",
                )
            ]
        )
    rows: list[dict[str, Any]] = []
    if len(humans) >= 2:
        per_code = code_rows(cs, humans, seed, n_boot)
        rows += headline_rows(cs, humans, per_code, seed, n_boot)
        rows += per_code
        rows += frame_rows(cs, humans, seed, n_boot)
        if len(humans) > 2:  # with two coders the pair table is the frame table
            for a, b in combinations(humans, 2):
                rows += frame_rows(cs, [a, b], seed, n_boot, table="pair")
    source = ""
    if model is not None:
        rows += coverage_rows(cs, model, humans)
        comparisons = list(humans)
        if len(humans) >= 2:
            cs.codings["(consensus)"] = consensus(cs, humans)
            comparisons.append("(consensus)")
        for human in comparisons:
            rows += code_rows(cs, [model, human], seed, n_boot, table="model")
            rows += frame_rows(cs, [model, human], seed, n_boot, table="model")
        cs.codings.pop("(consensus)", None)
        scope = cs.scopes.get(model)
        source = scope.source if scope else "its codings, as given"
    single = {}
    for c in humans:
        others = {i for h in humans if h != c for i in cs.codings.get(h, {})}
        single[c] = sum(i not in others for i in cs.codings.get(c, {}))
    table = pd.DataFrame(rows, columns=REPORT_COLUMNS).astype({"items": "int64"})
    return Report(table, single, humans, model, n_boot, seed, cs.found, source)


def disagreements(cs: CodingSet, coders: list[str] | None = None) -> pd.DataFrame:
    """Items on which coders' code sets differ, worst first (mean pairwise Jaccard distance)."""
    coders = coders or list(cs.codings)
    rows = []
    for frame in cs.frames:
        for item in cs.items_for(frame, coders):
            have = {c: cs.codings[c][item] for c in coders if item in cs.codings.get(c, {})}
            if len(have) < 2:
                continue
            sets = {c: frozenset(k.codes.get(frame, ())) for c, k in have.items()}
            dist = [
                1 - len(x & y) / len(x | y) if x | y else 0.0
                for x, y in combinations(sets.values(), 2)
            ]
            excluded = {c for c, k in have.items() if k.not_relevant_reason is not None}
            if not any(dist) and len(excluded) in (0, len(have)):
                continue
            rows.append(
                {
                    "item_id": item,
                    "frame": frame,
                    "distance": round(float(np.mean(dist)), 4),
                    **{
                        c: "[not relevant]"
                        if c in excluded
                        else "; ".join(sorted(cs.label(frame, x) for x in s))
                        for c, s in sets.items()
                    },
                }
            )
    df = pd.DataFrame(rows, columns=["item_id", "frame", "distance", *coders])
    return df.sort_values(["distance", "item_id"], ascending=[False, True]).reset_index(drop=True)
