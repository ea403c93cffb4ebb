"""Assembles the report: gathers every part from the store (:func:`build_report`), lays the
sections out as one page with the summary and the contents first (:func:`render_html`), and
writes the page or the workbook (:func:`write_report`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coder.data.store import Project
from coder.tables.report.chart import chart_html
from coder.tables.report.crosstabs import (
    balance_html,
    cell_quotes,
    profile_html,
    question_html,
    sensitivity_html,
)
from coder.tables.report.formats import esc, number
from coder.tables.report.model import model_facts, model_html
from coder.tables.report.page import Page, document
from coder.tables.report.parts import ReportParts, codable_ideas
from coder.tables.report.reliability import reliability_html, reliability_tables
from coder.tables.report.summary import summarise, summary_html
from coder.tables.report.workbook import write_workbook


def build_report(
    project: Project,
    coder: str,
    suppress_below: int | None = 5,
    title: str | None = None,
    n_boot: int = 200,
) -> ReportParts:
    """Everything the report shows, from one coder's codes (normally ``final``).

    ``n_boot`` bootstrap resamples give the reliability intervals (0: none, faster).
    """
    from coder.agreement import report as reliability
    from coder.data.codings import coders, codings_of
    from coder.data.redact import redact_cached
    from coder.tables import crosstab

    tables = crosstab.crosstabs(project, coder)
    codings = codings_of(project, coder)

    def redact(texts: Sequence[str]) -> list[str]:
        return redact_cached(project, texts)

    humans = sorted(c for c, k in coders(project).items() if k == "human")
    rel = None
    if len(humans) >= 2:
        rel = reliability.reliability_report(
            reliability.from_project(project, humans), n_boot=n_boot
        )
    parts = ReportParts(
        title=title or project.codebook.title,
        source=f"the codes of {coder!r}",
        tables=tables,
        balance=crosstab.balance(project),
        profile=crosstab.profile(project, suppress_below),
        summary=summarise(project, humans, rel),
        quotes=cell_quotes(project, codings, redact),
        model=model_facts(project, humans),
    )
    if rel is not None:
        parts.reliability = reliability_tables(project, rel)
    if coder == "final":
        from coder.tables.provenance import cell_provenance, sensitivity

        parts.provenance = cell_provenance(project)
        parts.sensitivity = sensitivity(project)
        flagged = project.conn.execute(
            "SELECT COUNT(DISTINCT idea_id) FROM final_provenance WHERE unreviewed = 1"
        ).fetchone()[0]
        if flagged:
            parts.notes.append(
                f"{number(flagged)} ideas carry model suggestions no one reviewed "
                "(included on request)."
            )
    if suppress_below:
        parts.notes.append(f"Profile counts under {number(suppress_below)} are suppressed.")
    return parts


def render_html(project: Project, parts: ReportParts) -> str:
    """The whole report as one HTML document."""
    cb = project.codebook
    frames = {f.id: f.label for f in cb.frames}
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [
        f"<h1>{esc(parts.title)}</h1>",
        f"<p class=meta>Codes: {esc(parts.source)}. Codebook {esc(cb.id)} version "
        f"{esc(cb.hash)}. Generated {esc(now)} by coder.</p>",
    ]
    head += [f"<p class=note>{esc(n)}</p>" for n in parts.notes]
    page = Page()
    if parts.summary is not None:
        summary_html(page, parts.summary, parts.model, frames)
    page.opening = len(page.body)
    chart_html(page, parts.tables, {q.id: q.label for q in cb.questions})
    balance_html(page, parts.balance)
    for q in cb.questions:
        if q.id in parts.tables.distinct:
            question_html(page, project, parts, q)
    if parts.sensitivity is not None and not parts.sensitivity.empty:
        sensitivity_html(page, parts.sensitivity)
    if parts.reliability:
        reliability_html(page, parts.reliability)
    if parts.model is not None:
        codable = parts.summary.codable if parts.summary else len(codable_ideas(project))
        model_html(page, parts.model, codable, frames)
    profile_html(page, parts.profile)
    # The summary opens the page; the contents follow it.
    body = head + page.body[: page.opening] + [page.contents()] + page.body[page.opening :]
    return document(parts.title, body)


def write_report(project: Project, path: Any, parts: ReportParts) -> None:
    """Write the report as HTML (``.html``) or as a workbook (``.xlsx``, summary first)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path.write_text(render_html(project, parts), encoding="utf-8")
        return
    write_workbook(project, path, parts)
