"""The reliability report: agreement per code, per frame, per pair of coders, and for the model.

This module turns codings (sets of codes per item, coder and frame) into the tables a
methodologist reads; the statistics themselves live in :mod:`coder.agreement`.

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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from coder import agreement as ag
from coder.data.codings import Coding
from coder.data.readers import read_table
from coder.errors import InputError, Problem

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


@dataclass
class CodingSet:
    """Everyone's codings: ``codings[coder][item]``, with frames and codes in order.

    ``frames`` maps a frame id to its code ids in order; ``labels`` maps (frame, code) to the
    label to print; ``applies`` tells which frames apply to an item (all frames by default).
    """

    codings: dict[str, dict[str, Coding]]
    frames: dict[str, list[str]]
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    frame_labels: dict[str, str] = field(default_factory=dict)
    applies: dict[str, set[str]] = field(default_factory=dict)

    def label(self, frame: str, code: str) -> str:
        return self.labels.get((frame, code), code)

    def items_for(self, frame: str, coders: Iterable[str]) -> list[str]:
        """Items of ``frame`` seen by at least one of ``coders``, sorted."""
        items: set[str] = set()
        for c in coders:
            items.update(
                i for i in self.codings.get(c, {}) if frame in self.applies.get(i, {frame})
            )
        return sorted(items)


def from_project(project: Any, coders: Iterable[str] | None = None) -> CodingSet:
    """The codings of a project's coders (default: every human and model coder)."""
    from coder.data.codings import coders as all_coders
    from coder.data.codings import codings_of

    kinds = all_coders(project)
    chosen = (
        list(coders)
        if coders is not None
        else [c for c, k in kinds.items() if k in ("human", "model")]
    )
    questions = dict(
        project.conn.execute("SELECT idea_id, COALESCE(analysis_question, question) FROM ideas")
    )
    cb = project.codebook
    applies = {i: {f.id for f in cb.frames_for(q)} for i, q in questions.items()}
    return CodingSet(
        codings={c: codings_of(project, c) for c in chosen},
        frames={f.id: [c.id for c in f.codes] for f in cb.frames},
        labels={(f.id, c.id): c.label for f in cb.frames for c in f.codes},
        frame_labels={f.id: f.label for f in cb.frames},
        applies=applies,
    )


def from_long_table(path: str | Path) -> CodingSet:
    """Read ``item_id, coder, frame, code`` rows (one per applied code; empty code = seen, none).

    Frames and codes are taken from the data in order of appearance. A frame applies to an item
    when any row names that frame for that item; a row with an empty frame marks the item as
    seen for every frame.
    """
    table = read_table(path)
    missing = [c for c in ("item_id", "coder", "frame", "code") if c not in table.columns]
    if missing:
        raise InputError(
            [
                Problem(
                    table.path,
                    1,
                    c,
                    "no such column",
                    "the columns item_id, coder, frame, code",
                    f"add a column {c!r}",
                )
                for c in missing
            ]
        )
    problems = []
    codings: dict[str, dict[str, Coding]] = {}
    frames: dict[str, list[str]] = {}
    applies: dict[str, set[str]] = {}
    seen_all: set[str] = set()
    for rownum, row in table.rows:
        item, coder = row["item_id"].strip(), row["coder"].strip()
        frame, code = row["frame"].strip(), row["code"].strip()
        if not item or not coder:
            problems.append(
                Problem(
                    table.path,
                    rownum,
                    "item_id" if not item else "coder",
                    "an empty value",
                    "an item id and a coder",
                    "fill it in or delete the row",
                )
            )
            continue
        coding = codings.setdefault(coder, {}).setdefault(item, Coding())
        if code and not frame:
            problems.append(
                Problem(
                    table.path,
                    rownum,
                    "frame",
                    "a code without a frame",
                    "the frame the code belongs to",
                    "fill in the frame",
                )
            )
            continue
        if not frame:
            seen_all.add(item)
            continue
        applies.setdefault(item, set()).add(frame)
        codes = frames.setdefault(frame, [])
        if code:
            if code not in codes:
                codes.append(code)
            coding.codes.setdefault(frame, set()).add(code)
    if problems:
        raise InputError(problems)
    for item in seen_all:
        applies[item] = set(frames)
    return CodingSet(codings, frames, applies=applies)


def _present(
    cs: CodingSet, coders: list[str], items: list[str], frame: str, code: str
) -> FloatArray:
    """coders x items array: 1.0 code applied, 0.0 not applied, NaN not seen."""
    out = np.full((len(coders), len(items)), np.nan)
    for r, c in enumerate(coders):
        mine = cs.codings.get(c, {})
        for j, item in enumerate(items):
            coding = mine.get(item)
            if coding is None:
                continue
            if code == NOT_RELEVANT_CODE:
                out[r, j] = float(coding.not_relevant_reason is not None)
            else:
                out[r, j] = float(code in coding.codes.get(frame, ()))
    return out


def _sets(cs: CodingSet, coders: list[str], items: list[str], frame: str) -> list[list[Any]]:
    rows = []
    for c in coders:
        mine = cs.codings.get(c, {})
        rows.append(
            [
                None if (k := mine.get(i)) is None else frozenset(k.codes.get(frame, ()))
                for i in items
            ]
        )
    return rows


def _pairable(data: FloatArray) -> FloatArray:
    """Columns with at least two non-missing values."""
    return np.asarray((~np.isnan(data)).sum(axis=0) >= 2)


@dataclass
class Report:
    """The reliability report as one tidy table plus the items coded by one coder only."""

    table: pd.DataFrame
    single_coded: dict[str, int]
    coders: list[str]
    model: str | None


def _stat(func: Callable[..., float], *args: Any, **kwargs: Any) -> tuple[float | None, str]:
    value = ag.try_statistic(func, *args, **kwargs)
    if isinstance(value, ag.Undefined):
        return None, f"undefined: {value.reason}"
    return float(value), ""


def _ci(
    func: Callable[..., float], data: Any, seed: int, n_boot: int, **kwargs: Any
) -> tuple[float | None, float | None]:
    if not n_boot:
        return None, None
    try:
        low, high = ag.bootstrap_ci(func, data, n_boot=n_boot, seed=seed, **kwargs)
    except ag.UndefinedStatistic:
        return None, None
    return float(low), float(high)


def _counts(data: FloatArray) -> FloatArray:
    """units x {0, 1} counts of binary values, over units with two or more values."""
    keep = _pairable(data)
    ones = np.nansum(data[:, keep], axis=0)
    n = (~np.isnan(data[:, keep])).sum(axis=0)
    return np.stack([n - ones, ones], axis=1)


_Row = tuple[str, float | None, str, Callable[..., float], Any, dict[str, Any]]


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
        for code in [*codes, NOT_RELEVANT_CODE]:
            data = _present(cs, coders, items, frame, code)
            data = data[:, _pairable(data)]
            if code == NOT_RELEVANT_CODE and not np.nansum(data):
                continue
            base = {
                "table": table,
                "frame": frame,
                "code": cs.label(frame, code),
                "coder_a": coders[0] if len(coders) == 2 else "",
                "coder_b": coders[1] if len(coders) == 2 else "",
                "items": data.shape[1],
            }
            judged = ~np.isnan(data)
            prevalence = float(np.nansum(data) / judged.sum()) if judged.any() else None
            rows.append(
                {
                    **base,
                    "statistic": "prevalence",
                    "value": prevalence,
                    "ci_low": None,
                    "ci_high": None,
                    "note": "",
                }
            )
            for name, value, note, func, boot_data, kwargs in _binary_statistics(data):
                low, high = (
                    _ci(func, boot_data, seed, n_boot, **kwargs)
                    if value is not None
                    else (None, None)
                )
                rows.append(
                    {
                        **base,
                        "statistic": name,
                        "value": value,
                        "ci_low": low,
                        "ci_high": high,
                        "note": note,
                    }
                )
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
        for distance in ("masi", "jaccard"):
            value, note = _stat(ag.krippendorff_alpha_sets, sets, distance=distance)
            low, high = (
                _ci(ag.krippendorff_alpha_sets, sets, seed, n_boot, distance=distance)
                if value is not None
                else (None, None)
            )
            rows.append(
                {
                    "table": table,
                    "frame": frame,
                    "code": "",
                    "coder_a": coders[0] if len(coders) == 2 else "",
                    "coder_b": coders[1] if len(coders) == 2 else "",
                    "statistic": f"alpha_{distance}",
                    "value": value,
                    "ci_low": low,
                    "ci_high": high,
                    "items": len(keep),
                    "note": note,
                }
            )
    return rows


def consensus(cs: CodingSet, humans: list[str], name: str = "consensus") -> dict[str, Coding]:
    """Per item, the codes more than half of the humans who saw it applied."""
    out: dict[str, Coding] = {}
    items = {i for h in humans for i in cs.codings.get(h, {})}
    for item in items:
        seen = [cs.codings[h][item] for h in humans if item in cs.codings.get(h, {})]
        coding = Coding()
        for frame in cs.frames:
            votes: dict[str, int] = {}
            for c in seen:
                for code in c.codes.get(frame, ()):
                    votes[code] = votes.get(code, 0) + 1
            chosen = {code for code, v in votes.items() if v * 2 > len(seen)}
            if chosen:
                coding.codes[frame] = chosen
        excluded = sum(c.not_relevant_reason is not None for c in seen)
        if excluded * 2 > len(seen):
            coding.not_relevant_reason = "majority excluded"
        out[item] = coding
    return out


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
