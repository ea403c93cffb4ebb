"""The agreement section: the reliability report of :mod:`coder.agreement.report` as tables
with word headers and printed statistics (95% bootstrap intervals in brackets), per frame, per
code and per pair of human coders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from coder.data.store import Project
from coder.tables.report.formats import as_float, esc, statistic
from coder.tables.report.page import Page, frame_table

if TYPE_CHECKING:
    from coder.agreement.report import Report

STATISTIC_WORDS = {
    "prevalence": "Prevalence",
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "gwet_ac1": "Gwet's AC1",
    "alpha_masi": "Alpha (MASI)",
    "alpha_jaccard": "Alpha (Jaccard)",
}
PROPORTIONS = ("prevalence", "percent_agreement")
KEY_WORDS = {"frame": "Frame", "code": "Code", "coder_a": "Coder A", "coder_b": "Coder B"}

RELIABILITY_TITLES = {
    "frame": "Per frame: Krippendorff's alpha over whole code sets",
    "code": "Per code (applied or not)",
    "pair": "Coder by coder: set-level alpha per frame",
}


def reliability_tables(project: Project, rel: Report) -> dict[str, pd.DataFrame]:
    """The reliability report as tables with word headers and printed statistics."""
    t = rel.table
    frames = {f.id: f.label for f in project.codebook.frames}
    out: dict[str, pd.DataFrame] = {}
    for table, keys in (
        ("frame", ["frame"]),
        ("code", ["frame", "code"]),
        ("pair", ["coder_a", "coder_b", "frame"]),
    ):
        block = t[t["table"] == table]
        if block.empty:
            continue
        rows: dict[tuple[str, ...], dict[str, Any]] = {}
        for r in block.to_dict("records"):
            key = tuple(str(r[k]) for k in keys)
            row = rows.setdefault(
                key,
                {
                    **{KEY_WORDS[k]: v for k, v in zip(keys, key, strict=True)},
                    "Ideas": int(r["items"]),
                },
            )
            row["Frame"] = frames.get(row["Frame"], row["Frame"])
            name = str(r["statistic"])
            row[STATISTIC_WORDS.get(name, name.replace("_", " ").capitalize())] = statistic(
                as_float(r["value"]),
                as_float(r["ci_low"]),
                as_float(r["ci_high"]),
                name in PROPORTIONS,
            )
        out[table] = pd.DataFrame(list(rows.values()))
    return out


def reliability_html(page: Page, reliability: Mapping[str, pd.DataFrame]) -> None:
    """The reliability section: a note on intervals, then one table per kind."""
    page.section("reliability", "Reliability")
    cells = [str(c) for df in reliability.values() for c in df.values.ravel()]
    page.add(
        "<p class=note>"
        + (
            "In brackets: 95% bootstrap intervals."
            if any("[" in c for c in cells)
            else "No intervals: the report was built without bootstrap resamples."
        )
        + " A statistic that the data do not define (e.g. a code nobody applied) is marked "
        "undefined.</p>"
    )
    for name, df in reliability.items():
        page.add(f"<h3>{esc(RELIABILITY_TITLES.get(name, name))}</h3>", frame_table(df))
