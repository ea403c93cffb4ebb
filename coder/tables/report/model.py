"""The model section: the newest suggestion model's coverage and abstention, its
cross-validated quality per code and its out-of-fold agreement with each human coder, gathered
from the store and the model folder (:func:`model_facts`, :func:`oof_agreement`) and shown on the
page (:func:`model_html`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from coder.data.store import Project
from coder.tables.report.formats import (
    INT,
    PCT,
    STAT,
    TEXT,
    as_float,
    esc,
    number,
    share,
    statistic,
)
from coder.tables.report.page import Page, html_table
from coder.tables.report.parts import ModelFacts, codable_ideas

if TYPE_CHECKING:
    from coder.data.codings import Coding
    from coder.suggest.models import SuggestionModel


def oof_agreement(
    model: SuggestionModel, humans: Mapping[str, Mapping[str, Coding]]
) -> pd.DataFrame:
    """Agreement of the model's out-of-fold decisions with each human coder, per frame.

    For each frame and human: the training items that have an out-of-fold decision and that
    the human coded (not excluded as not relevant); over all (item, code) cells of the frame,
    the micro-F1 of the decisions against the human's codes and Cohen's kappa of the two 0/1
    ratings. Decisions on the model's own training items would flatter it; out-of-fold ones
    were made by a model that did not see the item.

    Returns
    -------
    DataFrame
        Columns ``frame, coder, ideas, micro_f1, kappa, note``; ``micro_f1`` / ``kappa`` are
        None when undefined (``note`` says why). Empty when the model has no out-of-fold data.
    """
    rows = []
    for frame_id, oof in model.oof.items():
        codes: list[str] = list(model.frames[frame_id]["codes"])
        position = {idea: r for r, idea in enumerate(oof.ideas)}
        for human, codings in humans.items():
            both = [i for i in oof.ideas if i in codings and codings[i].not_relevant_reason is None]
            if not both:
                continue
            P = oof.decisions[[position[i] for i in both]].astype(np.int64)
            H = np.array(
                [[int(c in codings[i].codes.get(frame_id, ())) for c in codes] for i in both],
                dtype=np.int64,
            ).reshape(len(both), len(codes))
            micro, kappa, note = _micro_f1_and_kappa(H, P)
            rows.append(
                {
                    "frame": frame_id,
                    "coder": human,
                    "ideas": len(both),
                    "micro_f1": micro,
                    "kappa": kappa,
                    "note": note,
                }
            )
    columns = ["frame", "coder", "ideas", "micro_f1", "kappa", "note"]
    out = pd.DataFrame(rows, columns=columns, dtype=object)  # undefined stays None, not NaN
    return out.astype({"ideas": np.int64})


def _micro_f1_and_kappa(
    H: npt.NDArray[np.int64], P: npt.NDArray[np.int64]
) -> tuple[float | None, float | None, str]:
    """Micro-F1 of ``P`` against ``H`` and Cohen's kappa over all cells; None when undefined."""
    from coder import agreement as ag

    tp = int((H * P).sum())
    fp = int(((1 - H) * P).sum())
    fn = int((H * (1 - P)).sum())
    notes = []
    micro: float | None = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    if micro is None:
        notes.append("micro-F1 undefined: neither applied any code")
    value = ag.try_statistic(ag.cohen_kappa, H.ravel(), P.ravel())
    kappa: float | None = None
    if isinstance(value, ag.Undefined):
        notes.append("kappa undefined: no variation")
    else:
        kappa = float(value)
    return micro, kappa, "; ".join(notes)


def model_facts(project: Project, humans: Sequence[str]) -> ModelFacts | None:
    """The newest model's coverage, abstention, cross-validated quality and out-of-fold
    agreement with each human coder; None when no model was trained."""
    from coder.data.codings import codings_of
    from coder.data.queries import model_record
    from coder.suggest.models import ModelFolderError, load_model

    record = model_record(project)
    if record is None:
        return None
    model_id = record.model_id
    facts = ModelFacts(model_id, record.created_at[:10], record.embedding_model)
    codable = codable_ideas(project)
    for idea, abstained in project.conn.execute(
        "SELECT idea_id, abstained FROM suggestion_items WHERE model_id = ?", (model_id,)
    ):
        if idea in codable:
            facts.suggested += 1
            facts.abstained += int(abstained)
    try:
        model = load_model(project.path / record.path)
    except ModelFolderError as exc:
        facts.problems.append(f"The model folder could not be read ({exc}).")
        return facts
    if model.codebook_hash != project.codebook.hash:
        facts.problems.append(
            "The model was trained on another version of the codebook; its figures describe "
            "that version."
        )
    facts.training_items = model.training.get("items")
    facts.training_coders = [str(c) for c in model.training.get("coders", [])]
    quality = []
    for frame_id, head in model.heads.items():
        codes = model.frames[frame_id]["codes"]
        trained = [j for j, s in enumerate(head.status_) if s == "trained"]
        if trained:
            facts.macro_f1[frame_id] = float(np.mean(head.cv_scores_[trained, 2]))
        for j, code in enumerate(codes):
            p, r, f = (float(x) for x in head.cv_scores_[j])
            ok = head.status_[j] == "trained"
            quality.append(
                {
                    "frame": frame_id,
                    "code": _code_label(project, frame_id, code),
                    "examples": int(head.positives_[j]),
                    "trained": ok,
                    "precision": p if ok else None,
                    "recall": r if ok else None,
                    "f1": f if ok else None,
                }
            )
    facts.quality = pd.DataFrame(quality)
    if model.oof:
        facts.agreement = oof_agreement(model, {h: codings_of(project, h) for h in humans})
    return facts


def _code_label(project: Project, frame_id: str, code_id: str) -> str:
    try:
        return project.codebook.frame(frame_id).code(code_id).label
    except KeyError:  # a model trained on another version of the codebook
        return code_id


def model_html(page: Page, m: ModelFacts, codable: int, frames: dict[str, str]) -> None:
    """The model section of the page."""
    page.section("model", "The model")
    who = ", ".join(m.training_coders) or "unknown coders"
    trained_on = f" on {number(m.training_items)} ideas coded by {who}" if m.training_items else ""
    page.add(
        f"<p class='meta small'>Model {esc(m.model_id)}, trained {esc(m.trained)}"
        f"{esc(trained_on)}; embeddings {esc(m.embedding)}.</p>"
    )
    page.add(*[f"<p class=flag>{esc(p)}</p>" for p in m.problems])
    page.add(
        "<h3>Coverage and abstention</h3>",
        html_table(
            ["", "Ideas", "Share"],
            [
                ["Codable ideas", codable, None],
                ["Suggestions made", m.suggested, share(m.suggested, codable)],
                ["Routed to a human (abstained)", m.abstained, share(m.abstained, m.suggested)],
                ["Coded by the model (coverage)", m.coded, share(m.coded, codable)],
            ],
            kinds=[TEXT, INT, PCT],
            caption="Shares of the codable ideas, except abstention: the share of the ideas "
            "the model made a suggestion for whose suggestion was too uncertain to use without "
            "a human.",
        ),
    )
    if m.quality is not None and not m.quality.empty:
        page.add(
            "<h3>Cross-validated quality per code</h3>",
            "<p class=note>Precision, recall and F1 of the model's suggestions against the "
            "training labels, each item predicted by a model trained without it.</p>",
        )
        for frame_id, block in m.quality.groupby("frame", sort=False):
            rows = [
                [
                    r["code"],
                    r["examples"],
                    r["precision"],
                    r["recall"],
                    r["f1"],
                    "" if r["trained"] else "not enough examples: never suggested",
                ]
                for r in block.to_dict("records")
            ]
            macro = m.macro_f1.get(str(frame_id))
            caption = f"{frames.get(str(frame_id), frame_id)}" + (
                f": macro-F1 {number(macro, STAT)}" if macro is not None else ""
            )
            page.add(
                html_table(
                    ["Code", "Training examples", "Precision", "Recall", "F1", "Note"],
                    rows,
                    kinds=[TEXT, INT, STAT, STAT, STAT, TEXT],
                    caption=caption,
                )
            )
    page.add("<h3>Agreement with each human coder, out of fold</h3>")
    if m.agreement is None:
        page.add(
            "<p class=note>Out-of-fold agreement is not available: this model folder holds "
            "no out-of-fold decisions (it was saved by an older coder). Retrain with "
            "<code>coder train</code> to see it.</p>"
        )
    elif m.agreement.empty:
        page.add(
            "<p class=note>No human coded an item the model has an out-of-fold decision for.</p>"
        )
    else:
        rows = [
            [
                frames.get(r["frame"], r["frame"]),
                r["coder"],
                r["ideas"],
                statistic(as_float(r["micro_f1"])),
                statistic(as_float(r["kappa"])),
                r["note"],
            ]
            for r in m.agreement.to_dict("records")
        ]
        page.add(
            html_table(
                ["Frame", "Human coder", "Ideas", "Micro-F1", "Cohen's kappa", "Note"],
                rows,
                kinds=[TEXT, TEXT, INT, TEXT, TEXT, TEXT],
                caption="On the training ideas the human coded, each suggested by a model "
                "trained without that idea (out of fold), pooled over the frame's codes. The "
                "decision thresholds were tuned on these same out-of-fold scores, so the "
                "figures lean slightly optimistic.",
            )
        )
