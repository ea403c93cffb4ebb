"""The "At a glance" opening: who coded what share of the codable ideas, how far the human
coders agree (Krippendorff's alpha per frame), what the model covered and how good it is, and
where the final codes came from; counted from the store (:func:`summarise`) and drawn as tiles,
sentences and tables (:func:`summary_html`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from coder.data.codings import ideas_by_coder
from coder.data.store import Project
from coder.tables.report.formats import (
    INT,
    PCT,
    STAT,
    STATUS_WORDS,
    TEXT,
    as_float,
    esc,
    interval_text,
    number,
    ordered_rules,
    rule_words,
    share,
    statistic,
)
from coder.tables.report.page import Page, html_table, tile
from coder.tables.report.parts import ModelFacts, Summary, codable_ideas

if TYPE_CHECKING:
    from coder.agreement.report import Report


def summarise(project: Project, humans: Sequence[str], rel: Report | None) -> Summary:
    """The figures of the report's opening, counted from the store."""
    codable = codable_ideas(project)
    out = Summary(codable=len(codable))
    by_coder = ideas_by_coder(project)
    coded = {h: by_coder.get(h, set()) & set(codable) for h in humans}
    out.coders = [(h, len(coded[h])) for h in humans]
    out.humans_any = len({i for ideas in coded.values() for i in ideas})
    if rel is None:
        out.alpha_note = (
            f"Agreement needs two human coders on the same ideas; this project has "
            f"{len(humans)} human coder{'' if len(humans) == 1 else 's'}."
        )
    else:
        t = rel.table
        rows = t[(t["table"] == "frame") & (t["statistic"] == "alpha_masi")]
        labels = {f.id: f.label for f in project.codebook.frames}
        for r in rows.to_dict("records"):
            out.alpha.append(
                (
                    labels.get(str(r["frame"]), str(r["frame"])),
                    as_float(r["value"]),
                    as_float(r["ci_low"]),
                    as_float(r["ci_high"]),
                    int(r["items"]),
                    str(r["note"] or ""),
                )
            )
    out.statuses = {
        str(s): int(n)
        for s, n in project.conn.execute(
            "SELECT status, COUNT(*) FROM final_status GROUP BY status"
        )
    }
    out.rules = {
        str(r): int(n)
        for r, n in project.conn.execute(
            "SELECT rule, COUNT(*) FROM final_provenance GROUP BY rule"
        )
    }
    return out


def summary_html(page: Page, s: Summary, model: ModelFacts | None, frames: dict[str, str]) -> None:
    page.section("summary", "At a glance")
    tiles = [tile(number(s.codable), "codable ideas (their question has coding frames)")]
    tiles.append(
        tile(
            number(share(s.humans_any, s.codable), PCT),
            f"of them coded by a human ({number(s.humans_any)} ideas)",
        )
    )
    if model is not None:
        tiles.append(
            tile(
                number(share(model.coded, s.codable), PCT),
                f"coded by the model ({number(model.coded)} ideas)",
            )
        )
    if s.statuses:
        final = s.statuses.get("final", 0) + s.statuses.get("excluded", 0)
        tiles.append(tile(number(share(final, s.codable), PCT), f"settled ({number(final)} ideas)"))
    page.add("<div class=tiles>" + "".join(tiles) + "</div>")
    rows: list[list[Any]] = [[c, n, share(n, s.codable)] for c, n in s.coders]
    if model is not None:
        rows.append(["The model", model.coded, share(model.coded, s.codable)])
    page.add("<h3>Who coded the ideas</h3>")
    if rows:
        header = ["Coder", "Ideas coded", "Share of codable ideas"]
        page.add(html_table(header, rows, kinds=[TEXT, INT, PCT]))
    else:
        page.add("<p>No human coder and no model has coded ideas in this project yet.</p>")
    page.add("<h3>Do the human coders agree?</h3>")
    if s.alpha:
        alpha_rows = [
            [f, statistic(v), interval_text(v, lo, hi), n, note.removeprefix("undefined: ")]
            for f, v, lo, hi, n, note in s.alpha
        ]
        page.add(
            html_table(
                [
                    "Frame",
                    "Krippendorff's alpha",
                    "95% interval",
                    "Ideas coded by two or more",
                    "Note",
                ],
                alpha_rows,
                kinds=[TEXT, TEXT, TEXT, INT, TEXT],
                caption="Alpha over whole code sets (MASI distance): 1 is perfect agreement, "
                "0 no better than chance.",
            )
        )
    else:
        page.add(f"<p>{esc(s.alpha_note)}</p>")
    if model is not None:
        page.add("<h3>The model</h3>", f"<p>{esc(_model_sentence(model, s.codable))}</p>")
        quality = _quality_sentences(model, frames)
        if quality:
            page.add("<ul>" + "".join(f"<li>{esc(q)}</li>" for q in quality) + "</ul>")
    if s.statuses:
        page.add(
            "<h3>Final codes</h3><p>"
            + esc(
                f"Of the {number(s.codable)} codable ideas: "
                + ", ".join(
                    f"{number(s.statuses[k])} {w}"
                    for k, w in STATUS_WORDS.items()
                    if k in s.statuses
                )
                + "."
            )
            + "</p>"
        )
    if s.rules:
        total = sum(s.rules.values())
        page.add(
            html_table(
                ["Where the final codes came from", "Final codes", "Share"],
                [[rule_words(r), n, share(n, total)] for r, n in ordered_rules(s.rules)],
                kinds=[TEXT, INT, PCT],
                caption="One row per final code (or exclusion) and the rule that settled it.",
            )
        )


def _model_sentence(m: ModelFacts, codable: int) -> str:
    if not m.suggested:
        return "The model has made no suggestions for the codable ideas yet."
    return (
        f"The model made suggestions for {number(m.suggested)} of the {number(codable)} "
        f"codable ideas; it was unsure of {number(m.abstained)} of them "
        f"({number(share(m.abstained, m.suggested), PCT)}) and routed them to a human, so it "
        f"coded {number(m.coded)} ({number(share(m.coded, codable), PCT)} of the codable ideas)."
    )


def _quality_sentences(m: ModelFacts, frames: dict[str, str]) -> list[str]:
    out = []
    for frame_id, macro in m.macro_f1.items():
        text = f"{frames.get(frame_id, frame_id)}: cross-validated macro-F1 {number(macro, STAT)}"
        if m.agreement is not None:
            for r in m.agreement[m.agreement["frame"] == frame_id].to_dict("records"):
                text += (
                    f"; out-of-fold agreement with {r['coder']}: micro-F1 "
                    f"{statistic(as_float(r['micro_f1']))}, Cohen's kappa "
                    f"{statistic(as_float(r['kappa']))} on {number(r['ideas'])} ideas"
                )
        out.append(text + ".")
    return out
