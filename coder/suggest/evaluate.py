"""Agreement of a coder with a reference: F1 scores of the model's and the zero-shot start's
suggestions, for the demo and benchmarks.

:func:`demo_suggestions` is the demo's suggestion step: train, suggest and say how well the
suggestions agree with the reference coding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from coder.data.store import Project
from coder.suggest.embeddings import Embedder
from coder.suggest.ideas import all_ideas, codings_by_kind
from coder.suggest.lookup import Echo, project_embedder
from coder.suggest.train import train
from coder.suggest.write import suggest
from coder.suggest.zeroshot import zero_shot


def f1_scores(Y: npt.NDArray[Any], P: npt.NDArray[Any]) -> dict[str, float]:
    """Micro-, macro- (over codes with a true or predicted positive) and samples-F1."""
    tp = (Y * P).sum(axis=0).astype(float)
    fp = ((1 - Y) * P).sum(axis=0).astype(float)
    fn = (Y * (1 - P)).sum(axis=0).astype(float)
    micro = 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1e-12)
    used = (tp + fp + fn) > 0
    per = np.where(used, 2 * tp / np.maximum(2 * tp + fp + fn, 1e-12), 0.0)
    macro = float(per[used].mean()) if used.any() else float("nan")
    inter = (Y * P).sum(axis=1)
    denom = Y.sum(axis=1) + P.sum(axis=1)
    samples = float(np.mean(np.where(denom > 0, 2 * inter / np.maximum(denom, 1), 1.0)))
    return {"micro_f1": float(micro), "macro_f1": macro, "samples_f1": samples}


def compare_coders(
    project: Project, coder: str, reference: str, idea_ids: Sequence[str] | None = None
) -> dict[str, dict[str, float]]:
    """Per frame: ideas compared and F1 of ``coder``'s codes against ``reference``'s."""
    got = codings_by_kind(project, ["human", "model", "reference", "final"])
    ideas = all_ideas(project)
    question = dict(zip(ideas.ids, ideas.questions, strict=True))
    wanted = set(idea_ids) if idea_ids is not None else set(got)
    out = {}
    for frame in project.codebook.frames:
        Ys, Ps = [], []
        for idea in sorted(wanted):
            by = got.get(idea, {})
            if coder not in by or reference not in by or question[idea] not in frame.questions:
                continue
            if by[reference][0] is not None:
                continue
            ref = by[reference][1].get(frame.id, set())
            mine = by[coder][1].get(frame.id, set())
            Ys.append([int(c.id in ref) for c in frame.codes])
            Ps.append([int(c.id in mine) for c in frame.codes])
        if Ys:
            scores = f1_scores(np.array(Ys), np.array(Ps))
            out[frame.id] = {"ideas": float(len(Ys)), **scores}
    return out


def demo_suggestions(project: Project, reference: str = "gold", echo: Echo = print) -> None:
    """The demo's suggestion step: train on the human coders' sample, suggest codes for the
    other ideas and print the agreement of the suggestions with the ``reference`` coding."""
    embedder = project_embedder(project)
    report = train(project, embedder)
    echo(
        f"Trained model {report.model.model_id} on "
        + ", ".join(f"{n} ideas ({f})" for f, n in report.items.items())
    )
    done = suggest(project, report.model, embedder)
    echo(
        f"Suggested {done.suggested_codes} codes for {done.ideas} uncoded ideas; "
        f"{done.abstained} routed to a human (low confidence)"
    )
    suggested = [
        r[0]
        for r in project.conn.execute(
            "SELECT idea_id FROM suggestion_items WHERE model_id = ?", (report.model.model_id,)
        )
    ]
    echo(f"Agreement of the suggestions with {reference} on those ideas:")
    for frame, s in compare_coders(project, report.model.model_id, reference, suggested).items():
        cv = report.model.heads[frame].cv_scores_[:, 2]
        echo(
            f"  {frame}: {int(s['ideas'])} ideas, micro-F1 {s['micro_f1']:.2f}, "
            f"macro-F1 {s['macro_f1']:.2f} (cross-validated on the coders' sample: "
            f"macro-F1 {np.nanmean(cv):.2f})"
        )
    echo(f"Zero-shot start (codebook definitions only, no labels) against {reference}:")
    same = zero_shot_agreement(project, reference, embedder, suggested)
    for frame, s in zero_shot_agreement(project, reference, embedder).items():
        z = same.get(frame, {"micro_f1": float("nan")})
        echo(
            f"  {frame}: micro-F1 {z['micro_f1']:.2f} on the same ideas; on all "
            f"{int(s['ideas'])} ideas {reference} coded, micro-F1 {s['micro_f1']:.2f}, "
            f"macro-F1 {s['macro_f1']:.2f}"
        )


def zero_shot_agreement(
    project: Project, reference: str, embedder: Embedder, idea_ids: Sequence[str] | None = None
) -> dict[str, dict[str, float]]:
    """F1 of the zero-shot suggestions against ``reference`` on the ideas it coded (among
    ``idea_ids`` when given)."""
    wanted = set(idea_ids) if idea_ids is not None else None
    ref = codings_by_kind(project, ["human", "reference", "final"])
    ideas = all_ideas(project)
    keep = [
        i
        for i, idea in enumerate(ideas.ids)
        if reference in ref.get(idea, {})
        and ref[idea][reference][0] is None
        and (wanted is None or idea in wanted)
    ]
    sub = ideas.subset(keep)
    out = {}
    for frame_id, (rows, pred) in zero_shot(project.codebook, sub, embedder).items():
        frame = project.codebook.frame(frame_id)
        Y = np.array(
            [
                [
                    int(c.id in ref[sub.ids[i]][reference][1].get(frame_id, set()))
                    for c in frame.codes
                ]
                for i in rows
            ]
        )
        out[frame_id] = {"ideas": float(len(rows)), **f1_scores(Y, pred)}
    return out
