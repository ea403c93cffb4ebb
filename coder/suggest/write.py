"""Writing suggestions to the store: the ``suggest`` step.

Suggestions go to the ``suggestions`` and ``suggestion_items`` tables, and the suggested codes
also become the coding of a coder named after the model (kind ``model``), written through the
store's one audited path (:func:`coder.data.codings.write_codings`), so crosstabs and agreement
can use them. Human, reference and final codings are never written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coder.data.codings import Coding, write_codings
from coder.data.store import Project, now
from coder.suggest.classifier import TRAINED
from coder.suggest.coverage import Cut
from coder.suggest.embeddings import CACHE_NAME, Embedder
from coder.suggest.ideas import Ideas, all_ideas, human_coded
from coder.suggest.lookup import (
    MODELS_DIR,
    Echo,
    SuggestError,
    load_latest_model,
    model_embedder,
    quiet,
)
from coder.suggest.models import SuggestionModel
from coder.suggest.predict import FramePrediction, predict
from coder.suggest.scaleout import predict_on_cluster


@dataclass
class SuggestReport:
    """What :func:`suggest` wrote. With a target quality, ``cuts`` holds each frame's
    confidence cut from the cross-validated curve (None: no cut reaches the target, so every
    idea of the frame is routed)."""

    model_id: str
    ideas: int = 0
    abstained: int = 0
    suggested_codes: int = 0
    not_trained: dict[str, list[str]] = field(default_factory=dict)
    target_f1: float | None = None
    cuts: dict[str, Cut | None] = field(default_factory=dict)


def suggest(
    project: Project,
    model: SuggestionModel | None = None,
    embedder: Embedder | None = None,
    *,
    all_ideas_too: bool = False,
    scheduler: str | None = None,
    route_share: float | None = None,
    target_f1: float | None = None,
    echo: Echo = quiet,
) -> SuggestReport:
    """Write the model's suggestions for the ideas no human coded (or all, with
    ``all_ideas_too``) in one transaction. Human codings are never touched.

    ``model`` defaults to the project's newest (:func:`~coder.suggest.lookup.load_latest_model`).
    With ``scheduler`` (a Dask scheduler address, or ``"local"`` for a LocalCluster) embedding
    and prediction run on the cluster's workers, each loading the models once. Routing to a
    human: see :func:`write_suggestions`.
    """
    model = model or load_latest_model(project)
    model.check_codebook(project.codebook)
    ideas = all_ideas(project)
    coded = human_coded(project)
    applies = {q for f in model.frames.values() for q in f["questions"]}
    keep = [
        i
        for i, (idea, q) in enumerate(zip(ideas.ids, ideas.questions, strict=True))
        if q in applies and (all_ideas_too or idea not in coded)
    ]
    target = ideas.subset(keep)
    echo(f"Suggesting codes for {len(target.ids)} ideas with model {model.model_id}")
    if scheduler is not None:
        folder = project.path / MODELS_DIR / model.model_id
        preds = predict_on_cluster(
            target, folder, scheduler, cache=project.path / MODELS_DIR / CACHE_NAME
        )
    else:
        embedder = embedder or model_embedder(project, model)
        if embedder.model_id != model.embedding_model:
            raise SuggestError(
                f"the model was trained on embeddings of {model.embedding_model}, not "
                f"{embedder.model_id}; suggest with the same embedding model"
            )
        vectors = (
            embedder.encode(target.texts) if target.ids else np.zeros((0, 1), dtype=np.float32)
        )
        preds = predict(model, target, vectors)
    return write_suggestions(project, model, target, preds, route_share, target_f1)


def write_suggestions(
    project: Project,
    model: SuggestionModel,
    ideas: Ideas,
    preds: Sequence[FramePrediction],
    route_share: float | None = None,
    target_f1: float | None = None,
) -> SuggestReport:
    """Store predictions (one transaction); the model's coder gets the suggested codes.

    Which ideas are routed to a human (flagged in ``suggestion_items``):

    - by default, those whose confidence is below the model's ``abstain_below``;
    - with ``route_share``, at most that share of them, the least confident;
    - with ``target_f1``, per frame, those below the confidence cut at which the model's
      out-of-fold decisions on its training items reach that micro-F1 (the cross-validated
      coverage-quality curve, :mod:`coder.suggest.coverage`); no cut reaching it routes the
      frame's every idea.
    """
    if route_share is not None and target_f1 is not None:
        raise SuggestError("give a route share or a target F1, not both")
    report = SuggestReport(model.model_id, target_f1=target_f1)
    cuts = _cuts(model, [p.frame_id for p in preds], target_f1) if target_f1 is not None else {}
    report.cuts = cuts
    below_cut: set[int] = set()
    stamp = now()
    coder = model.model_id
    kind = project.conn.execute("SELECT kind FROM coders WHERE coder_id = ?", (coder,)).fetchone()
    if kind is not None and kind[0] != "model":
        raise SuggestError(
            f"a {kind[0]} coder is named {coder!r}; rename that coder, the model's codes would "
            "mix with theirs"
        )
    confidence: dict[int, float] = {}
    rows: list[tuple[Any, ...]] = []
    codes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for p in preds:
        head = model.heads[p.frame_id]
        names = model.frames[p.frame_id]["codes"]
        for r, i in enumerate(p.rows):
            confidence[i] = min(confidence.get(i, 1.0), float(p.confidence[r]))
            if p.frame_id in cuts:
                cut = cuts[p.frame_id]
                if cut is None or float(p.confidence[r]) < cut.confidence:
                    below_cut.add(i)
            for j, code in enumerate(names):
                trained = head.status_[j] == TRAINED
                score = float(p.probs[r, j]) if trained else None
                threshold = head.thresholds_[j]
                rows.append(
                    (
                        ideas.ids[i],
                        model.model_id,
                        p.frame_id,
                        code,
                        score,
                        None if np.isnan(threshold) else float(threshold),
                        int(p.suggested[r, j]),
                        head.status_[j],
                        stamp,
                    )
                )
                if p.suggested[r, j]:
                    codes[i].append((p.frame_id, code))
        report.not_trained[p.frame_id] = [
            c for c, s in zip(names, head.status_, strict=True) if s != TRAINED
        ]
    abstain_below = {h.abstain_below for h in model.heads.values()}
    limit = min(abstain_below) if abstain_below else 0.5
    routed = {i for i, c in confidence.items() if c < limit}
    if target_f1 is not None:
        routed = below_cut
    if route_share is not None:
        if not 0 <= route_share <= 1:
            raise SuggestError(f"--route-share is {route_share}; give a share from 0 to 1")
        budget = int(route_share * len(confidence))
        routed = set(sorted(routed, key=lambda i: (confidence[i], ideas.ids[i]))[:budget])
    with project.transaction() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO coders(coder_id, kind, created_at) VALUES (?, 'model', ?)",
            (coder, stamp),
        )
        ids = [(ideas.ids[i], model.model_id) for i in confidence]
        conn.executemany("DELETE FROM suggestions WHERE idea_id = ? AND model_id = ?", ids)
        conn.executemany("DELETE FROM suggestion_items WHERE idea_id = ? AND model_id = ?", ids)
        conn.executemany("INSERT INTO suggestions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.executemany(
            "INSERT INTO suggestion_items VALUES (?, ?, ?, ?, ?)",
            [
                (ideas.ids[i], model.model_id, c, int(i in routed), stamp)
                for i, c in confidence.items()
            ],
        )
        suggested: dict[tuple[str, str], Coding | None] = {}
        for i in confidence:
            coding = Coding()
            for f, c in codes.get(i, []):
                coding.codes.setdefault(f, set()).add(c)
            suggested[(ideas.ids[i], coder)] = coding
        write_codings(
            conn,
            suggested,
            "model",
            action="suggest",
            actor=f"model {model.model_id}",
            reason="model suggestions",
            refs={
                (ideas.ids[i], coder): f"model {model.model_id}, confidence {c:.3f}"
                + (" (routed to a human)" if i in routed else "")
                for i, c in confidence.items()
            },
        )
    report.ideas = len(confidence)
    report.abstained = len(routed)
    report.suggested_codes = sum(len(v) for v in codes.values())
    return report


def _cuts(model: SuggestionModel, frames: Sequence[str], target_f1: float) -> dict[str, Cut | None]:
    """Each frame's confidence cut for ``target_f1`` from its cross-validated curve."""
    if not 0 < target_f1 <= 1:
        raise SuggestError(f"--target-f1 is {target_f1}; give a micro-F1 above 0 and at most 1")
    out: dict[str, Cut | None] = {}
    for frame in frames:
        oof = model.oof.get(frame)
        curve = oof.curve() if oof is not None else None
        if curve is None:
            raise SuggestError(
                f"model {model.model_id} keeps no cross-validated confidence for frame "
                f"{frame!r} (trained before routing by target quality, or no training item "
                "had an out-of-fold prediction); retrain with `coder train`, or route with "
                "--route-share"
            )
        out[frame] = curve.cut_for(target_f1)
    return out
