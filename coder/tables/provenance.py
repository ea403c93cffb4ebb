"""Where the numbers of the final crosstabs came from, and how much the machine moved them.

For every cell of a final crosstab, :func:`cell_provenance` counts the codings behind it by
origin: humans (coders, adjudicators, reviewers who edited a suggestion), reviewed model
suggestions a reviewer accepted, and unreviewed suggestions (only present when reconciliation
was asked to include them). A coding counts as machine-made when any of its codes (row or
column) came from a suggestion.

:func:`sensitivity` compares the final crosstabs with the crosstabs of the human-made final
codings only, cell by cell, so a reader sees how much the machine moved the numbers.
"""

from __future__ import annotations

import pandas as pd

from coder.data.codings import Coding, codings_of
from coder.data.store import Project
from coder.reconcile.rules import FINAL, HUMAN_RULES
from coder.tables.crosstab import TOTAL, crosstabs_from

ORIGINS = ("humans", "accepted_suggestions", "unreviewed_suggestions")


def origins(project: Project) -> dict[str, str]:
    """The origin of each final idea's coding: 'humans', or the machine's when any code is."""
    out: dict[str, str] = {}
    for idea, rule in project.conn.execute("SELECT idea_id, rule FROM final_provenance"):
        if rule in HUMAN_RULES:
            origin = "humans"
        elif rule == "unreviewed_suggestion":
            origin = "unreviewed_suggestions"
        else:
            origin = "accepted_suggestions"
        if out.get(idea, "humans") == "humans":
            out[idea] = origin
    return out


def cell_provenance(project: Project) -> pd.DataFrame:
    """Per cell of the final crosstabs: codings from humans and from the model's suggestions."""
    final = codings_of(project, FINAL)
    origin = origins(project)
    parts = []
    for name in ORIGINS:
        subset = {i: c for i, c in final.items() if origin.get(i, "humans") == name}
        t = crosstabs_from(project, subset).table
        parts.append(t.rename(columns={"ideas": name})[["question", "row", "column", name]])
    out = parts[0]
    for p in parts[1:]:
        out = out.merge(p, on=["question", "row", "column"])
    inner = (out["row"] != TOTAL) & (out["column"] != TOTAL)
    return out[inner & (out[list(ORIGINS)].sum(axis=1) > 0)].reset_index(drop=True)


def sensitivity(project: Project) -> pd.DataFrame:
    """Each cell's ideas and net votes from human-made final codes only, and from all of them."""
    final = codings_of(project, FINAL)
    origin = origins(project)
    human_only: dict[str, Coding] = {
        i: c for i, c in final.items() if origin.get(i, "humans") == "humans"
    }
    keys = ["question", "row", "column"]
    everything = crosstabs_from(project, final).table
    humans = crosstabs_from(project, human_only).table
    measures = [m for m in ("ideas", "net_votes") if m in everything.columns]  # no votes: ideas
    merged = humans[[*keys, *measures]].merge(
        everything[[*keys, *measures]], on=keys, suffixes=("_humans", "_all")
    )
    merged["ideas_moved"] = merged["ideas_all"] - merged["ideas_humans"]
    if "net_votes" in measures:
        merged["votes_moved"] = merged["net_votes_all"] - merged["net_votes_humans"]
    return merged[(merged["ideas_all"] > 0) | (merged["ideas_humans"] > 0)].reset_index(drop=True)
