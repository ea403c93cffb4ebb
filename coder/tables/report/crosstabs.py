"""The sections drawn from the crosstabs: the balance of contributions; one section per
question with its table or tables, where the codes came from and redacted quotes of the
top-voted ideas per cell (:func:`cell_quotes`); the sensitivity of the tables to the model's
codes; and the participant profile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from coder.data.store import Project
from coder.tables.crosstab import TOTAL
from coder.tables.report.formats import (
    INT,
    ORIGIN_WORDS,
    PCT,
    SENSITIVITY_WORDS,
    TEXT,
    esc,
    number,
)
from coder.tables.report.page import Page, frame_table, html_table
from coder.tables.report.parts import ReportParts


def cell_quotes(
    project: Project,
    codings: dict[str, Any],
    redact: Callable[[Sequence[str]], list[str]],
    per_cell: int = 3,
    min_ideas: int = 3,
) -> dict[tuple[str, str, str], list[tuple[str, int]]]:
    """Up to ``per_cell`` top-voted ideas per well-populated cell (``min_ideas`` or more), redacted.

    Keys are (question, row label, column label); values are (redacted text, net votes).
    """
    from coder.tables.crosstab import analysed_questions, net_votes

    nets = net_votes(project)
    questions = analysed_questions(project)
    texts = dict(project.conn.execute("SELECT idea_id, text FROM ideas"))
    cb = project.codebook
    cells: dict[tuple[str, str, str], list[str]] = {}
    for idea, coding in codings.items():
        if coding.not_relevant_reason is not None:
            continue
        frames = cb.frames_for(questions.get(idea, ""))
        if not frames:
            continue
        rows = coding.codes.get(frames[0].id, set())
        cols = coding.codes.get(frames[1].id, set()) if len(frames) > 1 else {""}
        for r in rows:
            for c in cols:
                label_c = frames[1].code(c).label if c else ""
                cells.setdefault((questions[idea], frames[0].code(r).label, label_c), []).append(
                    idea
                )
    chosen = {
        key: sorted(ideas, key=lambda i: (-nets.get(i, 0), i))[:per_cell]
        for key, ideas in cells.items()
        if len(ideas) >= min_ideas
    }
    order = sorted({i for ideas in chosen.values() for i in ideas})
    redacted = dict(zip(order, redact([texts[i] for i in order]), strict=True))
    return {key: [(redacted[i], nets.get(i, 0)) for i in ideas] for key, ideas in chosen.items()}


def balance_html(page: Page, balance: pd.DataFrame) -> None:
    """The balance of contributions section."""
    from coder.tables.layouts import balance_header
    from coder.tables.render import balance_rows

    header = balance_header(balance)
    page.section("balance", "Balance of contributions")
    page.add(
        html_table(
            header,
            balance_rows(balance, percent_sign=False),
            kinds=[TEXT, *[INT] * (len(header) - 2), PCT],
        )
    )


def question_html(page: Page, project: Project, parts: ReportParts, q: Any) -> None:
    """The section of one question."""
    from coder.tables.render import grid

    page.section(f"q-{q.id}", q.label)
    t = parts.tables.table[parts.tables.table["question"] == q.id]
    inner = t[(t["row"] != TOTAL) & (~t["column"].isin([TOTAL]))]
    two_frame = bool(t["column_frame"].iloc[0])
    if two_frame:
        page.add("<div class=grid>")
        measures = (("ideas", "Ideas coded"), ("net_votes", "Net votes"))
        for measure, what in measures[: 2 if parts.tables.votes else 1]:
            header, rows = grid(parts.tables, q.id, measure)
            top = float(inner[measure].max() or 0)
            page.add(
                f"<div><h3>{esc(what)}</h3>" + html_table(header, rows, heat_top=top) + "</div>"
            )
        page.add("</div>")
    else:
        header, rows = grid(parts.tables, q.id, "ideas")
        header = [header[0], "Ideas", "Net votes"][: len(header)]
        tops = [0.0, *(float(inner[m].max() or 0) for m in ("ideas", "net_votes") if m in inner)]
        page.add(html_table(header, rows, heat_top=tops))
    page.add(*[f"<p class=note>{esc(n)}</p>" for n in parts.tables.notes[q.id]])
    if parts.provenance is not None:
        prov = parts.provenance[parts.provenance["question"] == q.id]
        if not prov.empty:
            names = [str(t["row_frame"].iloc[0])]
            columns = ["row"]
            if two_frame:
                names.append(str(t["column_frame"].iloc[0]))
                columns.append("column")
            origins = [c for c in ORIGIN_WORDS if c in prov.columns]
            page.add(
                "<h3>Where the codes came from</h3>",
                html_table(
                    names + [ORIGIN_WORDS[c] for c in origins],
                    prov[columns + origins].values.tolist(),
                ),
            )
    quotes = {k: v for k, v in parts.quotes.items() if k[0] == q.id}
    if quotes:
        voted = parts.tables.votes
        which = "top-voted ideas" if voted else "examples"
        page.add(f"<h3>What participants said ({which} per well-populated cell, redacted)</h3>")
        for (_, row, col), items in sorted(quotes.items()):
            page.add(f"<h4>{esc(row)}{' / ' + esc(col) if col else ''}</h4>")
            for text, votes in items:
                said = f"<div class=votes>Net votes: {esc(number(votes))}</div>" if voted else ""
                page.add(f"<blockquote>{esc(text)}{said}</blockquote>")


def sensitivity_html(page: Page, sensitivity: pd.DataFrame) -> None:
    """The sensitivity section: human-coded only against all final codes."""
    page.section("sensitivity", "Sensitivity: human-coded only against all final codes")
    s = sensitivity.rename(columns=SENSITIVITY_WORDS)
    page.add(frame_table(s))


def profile_html(page: Page, profile: pd.DataFrame) -> None:
    """The participant profile section, one table per profile question."""
    from coder.tables.render import PROFILE_HEADER, profile_blocks

    page.section("profile", "Participant profile")
    page.add(
        "<p class=note>Contributors posted an idea or a comment, or voted. Answers are "
        "never joined onto contributions. Blank cells are suppressed small counts.</p>"
    )
    for question, rows in profile_blocks(profile):
        page.add(
            f"<h3>{esc(question)}</h3>",
            html_table(PROFILE_HEADER, rows, kinds=[TEXT, INT, PCT, INT, PCT, PCT]),
        )
