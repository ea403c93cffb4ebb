"""The report people read: one self-contained HTML file (and an XLSX twin).

The page needs no network: styles are inline, there is no script, and a Content-Security-Policy
forbids any (so text that slipped through escaping still could not run). Every piece of
contribution text is HTML-escaped, and quotes are redacted before they are shown.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from coder.crosstab import TOTAL, Crosstabs
from coder.store import Project

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1d2733;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.4rem;border-bottom:2px solid #005eb8;
padding-bottom:.2rem}h3{margin-top:1.6rem}.meta{color:#57606a}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #d0d7de;padding:.3rem .55rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}th{background:#f0f4f8}
tr.total td{font-weight:600;background:#f6f8fa}.note{color:#57606a;font-size:.88rem}
blockquote{margin:.4rem 0 .8rem;padding:.4rem .8rem;border-left:4px solid #005eb8;
background:#f6f8fa}.votes{color:#57606a;font-size:.85rem}.flag{color:#b35900}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem}
"""


def esc(value: Any) -> str:
    """HTML-escape anything (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def _heat(value: float, top: float) -> str:
    if not value or top <= 0:
        return ""
    share = max(0.0, min(1.0, value / top))
    # NHS blue at full strength, white at zero.
    r, g, b = (int(255 - (255 - c) * share * 0.75) for c in (0, 94, 184))
    colour = "#fff" if share > 0.6 else "#1d2733"
    return f' style="background:rgb({r},{g},{b});color:{colour}"'


def _missing(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return value is None or value == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _table(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    heat_top: float | Sequence[float] | None = None,
    caption: str = "",
) -> str:
    out = ["<table>"]
    if caption:
        out.append(f"<caption class=note>{esc(caption)}</caption>")
    out.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        total = bool(row) and row[0] == TOTAL
        cells = []
        for i, value in enumerate(row):
            style = ""
            top = heat_top[i] if isinstance(heat_top, Sequence) else heat_top
            numeric = isinstance(value, int | np.integer)
            if top and i > 0 and not total and header[i] != TOTAL and numeric:
                style = _heat(float(value), top)
            shown = "" if _missing(value) else value
            cells.append(f"<td{style}>{esc(shown)}</td>")
        out.append(f"<tr{' class=total' if total else ''}>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


@dataclass
class ReportParts:
    """What goes into the report; sections with no data are left out."""

    title: str
    source: str
    tables: Crosstabs
    balance: pd.DataFrame
    profile: pd.DataFrame
    quotes: dict[tuple[str, str, str], list[tuple[str, int]]] = field(default_factory=dict)
    reliability: dict[str, pd.DataFrame] = field(default_factory=dict)
    model_card: dict[str, Any] = field(default_factory=dict)
    provenance: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


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
    from coder.crosstab import analysed_questions, net_votes

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


def render_html(project: Project, parts: ReportParts) -> str:
    """The whole report as one HTML document."""
    from coder.export import BALANCE_HEADER, PROFILE_HEADER, balance_rows, grid, profile_blocks

    cb = project.codebook
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        f"<h1>{esc(parts.title)}</h1>",
        f"<p class=meta>Codes: {esc(parts.source)}. Codebook {esc(cb.id)} version "
        f"{esc(cb.hash)}. Generated {esc(now)} by coder.</p>",
    ]
    body += [f"<p class=note>{esc(n)}</p>" for n in parts.notes]
    bal = parts.balance
    body.append("<h2>Balance of contributions</h2>")
    body.append(_table(BALANCE_HEADER, balance_rows(bal)))
    for q in cb.questions:
        if q.id not in parts.tables.distinct:
            continue
        body.append(f"<h2>{esc(q.label)}</h2>")
        t = parts.tables.table[parts.tables.table["question"] == q.id]
        inner = t[(t["row"] != TOTAL) & (~t["column"].isin([TOTAL]))]
        if t["column_frame"].iloc[0]:
            body.append("<div class=grid>")
            for measure, what in (("ideas", "Ideas coded"), ("net_votes", "Net votes")):
                header, rows = grid(parts.tables, q.id, measure)
                top = float(inner[measure].max() or 0)
                body.append(
                    f"<div><h3>{esc(what)}</h3>" + _table(header, rows, heat_top=top) + "</div>"
                )
            body.append("</div>")
        else:
            header, rows = grid(parts.tables, q.id, "ideas")
            tops = [0.0, float(inner["ideas"].max() or 0), float(inner["net_votes"].max() or 0)]
            body.append(_table(header, rows, heat_top=tops))
        body += [f"<p class=note>{esc(n)}</p>" for n in parts.tables.notes[q.id]]
        if parts.provenance is not None:
            prov = parts.provenance[parts.provenance["question"] == q.id]
            if not prov.empty:
                body.append("<h3>Where the codes came from</h3>")
                body.append(_table(list(prov.columns[1:]), prov.iloc[:, 1:].values.tolist()))
        quotes = {k: v for k, v in parts.quotes.items() if k[0] == q.id}
        if quotes:
            body.append(
                "<h3>What participants said (top-voted ideas per well-populated cell, "
                "redacted)</h3>"
            )
            for (_, row, col), items in sorted(quotes.items()):
                body.append(f"<h4>{esc(row)}{' / ' + esc(col) if col else ''}</h4>")
                for text, votes in items:
                    body.append(
                        f"<blockquote>{esc(text)}<div class=votes>net votes: "
                        f"{esc(votes)}</div></blockquote>"
                    )
    if parts.sensitivity is not None and not parts.sensitivity.empty:
        body.append("<h2>Sensitivity: human-coded only against all final codes</h2>")
        s = parts.sensitivity
        body.append(_table(list(s.columns), s.values.tolist()))
    if parts.reliability:
        from coder.reliability import TITLES

        body.append("<h2>Reliability</h2>")
        for name, df in parts.reliability.items():
            body.append(f"<h3>{esc(TITLES.get(name, name))}</h3>")
            body.append(_table(list(df.columns), df.values.tolist()))
    if parts.model_card:
        body.append("<h2>The model</h2>")
        body.append(_table(["", ""], [[k, v] for k, v in parts.model_card.items()]))
    prof = parts.profile
    body.append("<h2>Participant profile</h2>")
    body.append(
        "<p class=note>Contributors posted an idea or a comment, or voted. Answers are "
        "never joined onto contributions. Blank cells are suppressed small counts.</p>"
    )
    for question, rows in profile_blocks(prof):
        body.append(f"<h3>{esc(question)}</h3>")
        body.append(_table(PROFILE_HEADER, rows))
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{esc(parts.title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def model_summary(project: Project) -> dict[str, Any]:
    """The latest suggestion model's key facts, from its folder's config, if there is one."""
    import json
    from pathlib import Path

    row = project.conn.execute(
        "SELECT model_id, path, embedding_model, created_at FROM models "
        "ORDER BY created_at DESC, rowid DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return {}
    summary: dict[str, Any] = {"model": row[0], "embedding model": row[2], "trained": row[3]}
    config = Path(project.path) / row[1] / "config.json"
    if config.exists():
        data = json.loads(config.read_text(encoding="utf-8"))
        for key, value in data.items():
            if isinstance(value, str | int | float) and key not in summary:
                summary[key.replace("_", " ")] = value
    return summary


def build_report(
    project: Project, coder: str, suppress_below: int | None = 5, title: str | None = None
) -> ReportParts:
    """Everything the report shows, from one coder's codes (normally ``final``)."""
    from coder import crosstab, reliability
    from coder.codings import coders, codings_of
    from coder.redact import redact_cached

    tables = crosstab.crosstabs(project, coder)
    codings = codings_of(project, coder)

    def redact(texts: Sequence[str]) -> list[str]:
        return redact_cached(project, texts)

    parts = ReportParts(
        title=title or project.codebook.title,
        source=f"the codes of {coder!r}",
        tables=tables,
        balance=crosstab.balance(project),
        profile=crosstab.profile(project, suppress_below),
        quotes=cell_quotes(project, codings, redact),
        model_card=model_summary(project),
    )
    humans = [c for c, k in coders(project).items() if k == "human"]
    if len(humans) >= 2:
        rel = reliability.reliability_report(reliability.from_project(project, humans), n_boot=200)
        parts.reliability = {
            k: v for k, v in reliability.wide_tables(rel).items() if k in ("frame", "code")
        }
    if coder == "final":
        from coder.provenance import cell_provenance, sensitivity

        parts.provenance = cell_provenance(project)
        parts.sensitivity = sensitivity(project)
        flagged = project.conn.execute(
            "SELECT COUNT(DISTINCT idea_id) FROM final_provenance WHERE unreviewed = 1"
        ).fetchone()[0]
        if flagged:
            parts.notes.append(
                f"{flagged} ideas carry model suggestions no one reviewed (included on request)."
            )
    if suppress_below:
        parts.notes.append(f"Profile counts under {suppress_below} are suppressed.")
    return parts


def write_report(project: Project, path: Any, parts: ReportParts) -> None:
    """Write the report as HTML (``.html``) or as a workbook (``.xlsx``)."""
    from pathlib import Path

    from coder.export import write_xlsx

    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        extra: dict[str, pd.DataFrame] = {}
        if parts.provenance is not None:
            extra["Provenance"] = parts.provenance
        if parts.sensitivity is not None:
            extra["Sensitivity"] = parts.sensitivity
        for name, df in parts.reliability.items():
            extra[f"Reliability {name}"] = df
        if parts.model_card:
            extra["Model"] = pd.DataFrame(list(parts.model_card.items()), columns=["", "value"])
        quotes = [
            {"question": q, "row": r, "column": c, "net votes": v, "quote": t}
            for (q, r, c), items in sorted(parts.quotes.items())
            for t, v in items
        ]
        if quotes:
            extra["Quotes"] = pd.DataFrame(quotes)
        write_xlsx(
            project,
            path,
            tables=parts.tables,
            balance=parts.balance,
            profile=parts.profile,
            extra=extra,
        )
    else:
        path.write_text(render_html(project, parts), encoding="utf-8")
