"""The reliability report: agreement per code, per frame, per pair of coders, and for the model.

This module turns codings (sets of codes per item, coder and frame) into the tables a
methodologist reads: one tidy table (:func:`reliability_report`), the items coders disagree
on, and wide tables for display. Its input, :class:`~coder.agreement.codingset.CodingSet`,
lives in :mod:`~coder.agreement.codingset`; the rows of the tidy table are computed in
:mod:`~coder.agreement.report_rows`; the statistics themselves live in
:mod:`coder.agreement`.

Conventions:

- A coder *saw* an item when they have a coding of it (possibly with no code at all). For each
  frame, the units of a code's statistics are the items at least two coders saw; an item seen by
  one coder only is counted and reported, never silently dropped.
- Per code, a coder's value on an item is 1 when they applied the code and 0 otherwise (an item
  they excluded as not relevant has no codes); items the coder did not see are missing.
- With exactly two coders the kappa column is Cohen's kappa; with more it is Fleiss' kappa.
- Per frame, whole code sets are compared with Krippendorff's alpha over MASI distances (and
  Jaccard); an item a coder excluded counts as the empty set.
- The **consensus** of the humans on an item is the set of codes more than half of the humans
  who saw it applied. The model is compared with each human and with that consensus.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from coder.agreement.codingset import CodingSet, consensus, from_long_table, from_project
from coder.agreement.report_rows import (
    NOT_RELEVANT_CODE,
    REPORT_COLUMNS,
    code_rows,
    frame_rows,
)
from coder.errors import InputError, Problem

__all__ = [
    "NOT_RELEVANT_CODE",
    "REPORT_COLUMNS",
    "TITLES",
    "CodingSet",
    "Report",
    "code_rows",
    "consensus",
    "disagreements",
    "frame_rows",
    "from_long_table",
    "from_project",
    "reliability_report",
    "wide_tables",
]


@dataclass
class Report:
    """The reliability report as one tidy table plus the items coded by one coder only."""

    table: pd.DataFrame
    single_coded: dict[str, int]
    coders: list[str]
    model: str | None


def reliability_report(
    cs: CodingSet, model: str | None = None, seed: int = 0, n_boot: int = 1000
) -> Report:
    """Everything a methodologist reads, as one tidy table (see :data:`REPORT_COLUMNS`)."""
    humans = [c for c in cs.codings if c != model]
    if len(humans) < 2 and model is None:
        raise InputError(
            [
                Problem(
                    "(codings)",
                    None,
                    "coder",
                    f"{len(humans)} coder(s)",
                    "at least two coders, or a model and one coder",
                    "import a second coder's codings",
                )
            ]
        )
    rows: list[dict[str, Any]] = []
    if len(humans) >= 2:
        rows += code_rows(cs, humans, seed, n_boot)
        rows += frame_rows(cs, humans, seed, n_boot)
        if len(humans) > 2:  # with two coders the pair table is the frame table
            for a, b in combinations(humans, 2):
                rows += frame_rows(cs, [a, b], seed, n_boot, table="pair")
    if model is not None:
        comparisons = list(humans)
        if len(humans) >= 2:
            cs.codings["(consensus)"] = consensus(cs, humans)
            comparisons.append("(consensus)")
        for human in comparisons:
            rows += code_rows(cs, [model, human], seed, n_boot, table="model")
            rows += frame_rows(cs, [model, human], seed, n_boot, table="model")
        cs.codings.pop("(consensus)", None)
    single = {}
    for c in humans:
        others = {i for h in humans if h != c for i in cs.codings.get(h, {})}
        single[c] = sum(i not in others for i in cs.codings.get(c, {}))
    return Report(pd.DataFrame(rows, columns=REPORT_COLUMNS), single, humans, model)


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


def _fmt(value: Any, low: Any, high: Any, note: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return note or "undefined"
    text = f"{value:.3f}"
    if low is not None and not (isinstance(low, float) and np.isnan(low)):
        text += f" [{low:.2f}, {high:.2f}]"
    return text


def wide_tables(report: Report) -> dict[str, pd.DataFrame]:
    """The report as readable wide tables (one row per code, frame or pair), for display."""
    t = report.table
    out: dict[str, pd.DataFrame] = {}
    for table, keys in (
        ("code", ["frame", "code"]),
        ("frame", ["frame"]),
        ("pair", ["coder_a", "coder_b", "frame"]),
        ("model", ["coder_b", "frame", "code"]),
    ):
        block = t[t["table"] == table]
        if block.empty:
            continue
        rows: dict[tuple[str, ...], dict[str, Any]] = {}
        for _, r in block.iterrows():
            key = tuple(str(r[k]) for k in keys)
            row = rows.setdefault(key, {**dict(zip(keys, key, strict=True)), "items": r["items"]})
            if r["statistic"] == "prevalence":
                row["prevalence"] = "" if r["value"] is None else f"{r['value']:.2f}"
            else:
                row[r["statistic"]] = _fmt(r["value"], r["ci_low"], r["ci_high"], r["note"])
        df = pd.DataFrame(list(rows.values()))
        if table == "model":
            df = df.rename(columns={"coder_b": "against"})
        out[table] = df
    return out


TITLES = {
    "code": "Per code (presence/absence), with 95% bootstrap CIs",
    "frame": "Per frame: Krippendorff's alpha over whole code sets",
    "pair": "Coder by coder: set-level alpha per frame",
    "model": "The model as a coder: against each human and the human consensus",
}
