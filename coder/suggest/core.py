"""Train a suggestion model from the store and write its suggestions.

Choosing what to code next is :mod:`coder.suggest.sampling`; running on a Dask cluster is
:mod:`coder.suggest.scaleout`.

Training labels (the *label policy*): for each frame, the ideas analysed under one of its
questions that a chosen coder coded. When a ``final`` (reconciled) coding of the idea exists it
is the label. Otherwise each code is a positive when at least half of the idea's coders applied
it (with two coders who disagree, the code counts: a missed code is the commoner slip than an
invented one). In an exclusive frame, an idea whose coders chose different codes is left out
of that frame's training. Ideas that most of their coders excluded as not relevant are left out.

Suggestions go to the ``suggestions`` and ``suggestion_items`` tables, and the suggested codes
also become the coding of a coder named after the model (kind ``model``), so crosstabs and
agreement can use them. Human, reference and final codings are never written.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from coder.data.codebook import Codebook, Frame
from coder.data.codings import Coding, write_codings
from coder.data.store import Project, now
from coder.errors import CoderError, NotFoundError
from coder.suggest.classifier import TRAINED, CodeClassifier, TextFeatures, ZeroShotClassifier
from coder.suggest.embeddings import CACHE_NAME, Embedder, text_hash
from coder.suggest.models import OutOfFold, SuggestionModel, load_model

MODELS_DIR = "models"
Echo = Callable[[str], None]


class SuggestError(CoderError):
    """Nothing to train on, no model yet, or a request the store cannot satisfy."""


def _quiet(_: str) -> None:
    return None


def project_embedder(
    project: Project, model: str | None = None, progress: bool = False, int8: bool = False
) -> Embedder:
    """An :class:`Embedder` caching its vectors in the project folder."""
    return Embedder(
        model, cache=project.path / MODELS_DIR / CACHE_NAME, progress=progress, int8=int8
    )


# --------------------------------------------------------------------------------------------
# Reading the store


@dataclass
class Ideas:
    """Ideas in a fixed order: ids, texts and the question each is analysed under."""

    ids: list[str]
    texts: list[str]
    questions: list[str]

    def subset(self, keep: Sequence[int]) -> Ideas:
        return Ideas(
            [self.ids[i] for i in keep],
            [self.texts[i] for i in keep],
            [self.questions[i] for i in keep],
        )


def all_ideas(project: Project) -> Ideas:
    rows = project.conn.execute(
        "SELECT idea_id, text, COALESCE(analysis_question, question) FROM ideas ORDER BY idea_id"
    ).fetchall()
    return Ideas([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def _codings_by_kind(
    project: Project, kinds: Sequence[str]
) -> dict[str, dict[str, tuple[str | None, dict[str, set[str]]]]]:
    """idea -> coder -> (not_relevant_reason, codes per frame), for coders of ``kinds``."""
    marks = ",".join("?" * len(kinds))
    out: dict[str, dict[str, tuple[str | None, dict[str, set[str]]]]] = defaultdict(dict)
    for idea, coder, reason in project.conn.execute(
        "SELECT k.idea_id, k.coder_id, k.not_relevant_reason FROM codings k "
        f"JOIN coders c USING (coder_id) WHERE c.kind IN ({marks})",
        tuple(kinds),
    ):
        out[idea][coder] = (reason, {})
    for idea, coder, frame, code in project.conn.execute(
        "SELECT x.idea_id, x.coder_id, x.frame_id, x.code_id FROM coding_codes x "
        f"JOIN coders c USING (coder_id) WHERE c.kind IN ({marks})",
        tuple(kinds),
    ):
        out[idea][coder][1].setdefault(frame, set()).add(code)
    return out


@dataclass
class TrainingSet:
    """One frame's training data: rows of ``ideas`` and a 0/1 matrix over the frame's codes."""

    frame: Frame
    rows: list[int]
    Y: npt.NDArray[np.int64]
    skipped_disagreements: int = 0


def training_sets(
    project: Project, ideas: Ideas, include_reference: bool = False
) -> tuple[list[TrainingSet], list[str], str]:
    """Training data per frame under the label policy of the module docstring.

    Returns the sets, the coders used and a hash of the training data.
    """
    kinds = ["human", "reference"] if include_reference else ["human"]
    codings = _codings_by_kind(project, kinds)
    finals = _codings_by_kind(project, ["final"])
    index = {idea: i for i, idea in enumerate(ideas.ids)}
    coders_used: set[str] = set()
    digest = hashlib.sha256()
    sets = []
    for frame in project.codebook.frames:
        rows: list[int] = []
        labels: list[list[int]] = []
        skipped = 0
        for idea in sorted(set(codings) | set(finals)):
            i = index[idea]
            if ideas.questions[i] not in frame.questions:
                continue
            if idea in finals:
                reason, codes = next(iter(finals[idea].values()))
                if reason is not None:
                    continue
                chosen = codes.get(frame.id, set())
            else:
                by = codings[idea]
                if sum(r is not None for r, _ in by.values()) * 2 > len(by):
                    continue  # most of its coders excluded it
                voters = [c for c, (r, _) in by.items() if r is None]
                votes: dict[str, int] = defaultdict(int)
                for c in voters:
                    for code in by[c][1].get(frame.id, set()):
                        votes[code] += 1
                chosen = {code for code, v in votes.items() if 2 * v >= len(voters)}
                if frame.exclusive and len(chosen) > 1:
                    skipped += 1
                    continue
                coders_used.update(voters)
            rows.append(i)
            labels.append([int(c.id in chosen) for c in frame.codes])
            digest.update(
                json.dumps([frame.id, idea, text_hash(ideas.texts[i]), labels[-1]]).encode()
            )
        Y = np.array(labels, dtype=np.int64).reshape(len(rows), len(frame.codes))
        sets.append(TrainingSet(frame, rows, Y, skipped))
    if finals:
        coders_used.update(c for by in finals.values() for c in by)
    return sets, sorted(coders_used), digest.hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Training


@dataclass
class TrainReport:
    model: SuggestionModel
    folder: Path
    items: dict[str, int] = field(default_factory=dict)  # frame -> training items
    too_few: dict[str, list[str]] = field(default_factory=dict)  # frame -> codes


def fit_model(
    codebook: Codebook,
    ideas: Ideas,
    embeddings: npt.NDArray[np.float32],
    sets: Sequence[TrainingSet],
    embedding_model: str,
    training: dict[str, Any],
    params: dict[str, Any] | None = None,
) -> SuggestionModel:
    """Fit features and one head per frame that has training items.

    The model keeps, per frame, each head's out-of-fold decisions with the ids of the ideas
    they are for (``SuggestionModel.oof``), so its agreement with a coder can be measured on
    items it did not learn from.
    """
    used = sorted({i for s in sets for i in s.rows})
    if not used:
        raise SuggestError(
            "no coded ideas to learn from: import human codings first "
            "(`coder codings import PROJECT_DIR FILE`), or pass --include-reference"
        )
    features = TextFeatures().fit(
        [ideas.texts[i] for i in used], [ideas.questions[i] for i in used]
    )
    heads: dict[str, CodeClassifier] = {}
    frames: dict[str, dict[str, Any]] = {}
    oof: dict[str, OutOfFold] = {}
    for s in sets:
        if len(s.rows) < 2:
            continue
        X = features.transform(
            [ideas.texts[i] for i in s.rows],
            embeddings[s.rows],
            [ideas.questions[i] for i in s.rows],
        )
        head = CodeClassifier(exclusive=s.frame.exclusive, **(params or {}))
        heads[s.frame.id] = head.fit(X, s.Y)
        held_out = np.flatnonzero(head.oof_valid_)
        oof[s.frame.id] = OutOfFold(
            [ideas.ids[s.rows[r]] for r in held_out],
            head.oof_decisions_[held_out].astype(np.int8),
        )
        frames[s.frame.id] = {
            "codes": [c.id for c in s.frame.codes],
            "questions": list(s.frame.questions),
            "selection": s.frame.selection,
        }
    if not heads:
        raise SuggestError("fewer than two coded ideas in every frame: code more ideas first")
    return SuggestionModel(
        codebook_id=codebook.id,
        codebook_hash=codebook.hash,
        embedding_model=embedding_model,
        features=features,
        heads=heads,
        frames=frames,
        training=training,
        created_at=now(),
        oof=oof,
    )


def train(
    project: Project,
    embedder: Embedder | None = None,
    *,
    include_reference: bool = False,
    params: dict[str, Any] | None = None,
    echo: Echo = _quiet,
) -> TrainReport:
    """Train on the store's codings; save the model folder under ``PROJECT/models/``."""
    embedder = embedder or project_embedder(project)
    ideas = all_ideas(project)
    sets, coders_used, data_hash = training_sets(project, ideas, include_reference)
    used = sorted({i for s in sets for i in s.rows})
    echo(f"Training on {len(used)} coded ideas from {len(coders_used)} coders")
    vectors = np.zeros((len(ideas.ids), 0), dtype=np.float32)
    if used:
        sub = embedder.encode([ideas.texts[i] for i in used])
        vectors = np.zeros((len(ideas.ids), sub.shape[1]), dtype=np.float32)
        vectors[used] = sub
    policy = "final coding, else codes applied by at least half of the coders"
    training = {
        "embedding_name": embedder.ref.name,
        "embedding_int8": embedder.int8,
        "items": len(used),
        "data_hash": data_hash,
        "coders": coders_used,
        "policy": policy,
        "include_reference": include_reference,
    }
    model = fit_model(project.codebook, ideas, vectors, sets, embedder.model_id, training, params)
    folder = model.save(project.path / MODELS_DIR)
    with project.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO models(model_id, path, codebook_hash, embedding_model,"
            " created_at) VALUES (?, ?, ?, ?, ?)",
            (
                model.model_id,
                str(folder.relative_to(project.path)),
                model.codebook_hash,
                model.embedding_model,
                model.created_at,
            ),
        )
    report = TrainReport(model, folder)
    for s in sets:
        if s.frame.id in model.heads:
            head = model.heads[s.frame.id]
            report.items[s.frame.id] = len(s.rows)
            report.too_few[s.frame.id] = [
                c.id for c, st in zip(s.frame.codes, head.status_, strict=True) if st != TRAINED
            ]
    return report


# --------------------------------------------------------------------------------------------
# Suggesting


def latest_model(project: Project, model_id: str | None = None) -> SuggestionModel:
    """The named model of the project, or its newest; refused if the codebook changed."""
    if model_id is None:
        row = project.conn.execute(
            "SELECT model_id, path FROM models ORDER BY created_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        if row is None:
            raise SuggestError(
                f"{project.path} has no trained model yet; run `coder train {project.path}`"
            )
    else:
        row = project.conn.execute(
            "SELECT model_id, path FROM models WHERE model_id = ?", (model_id,)
        ).fetchone()
        if row is None:
            known = [r[0] for r in project.conn.execute("SELECT model_id FROM models")]
            raise NotFoundError(
                f"no model {model_id!r} in this project (models: {', '.join(known) or 'none'})"
            )
    return load_model(project.path / row[1], project.codebook)


@dataclass
class FramePrediction:
    """One frame's suggestions for ``rows`` of an :class:`Ideas`."""

    frame_id: str
    rows: list[int]
    probs: npt.NDArray[np.float64]  # (len(rows), n_codes), NaN for untrained codes
    suggested: npt.NDArray[np.int64]
    confidence: npt.NDArray[np.float64]


def predict(
    model: SuggestionModel, ideas: Ideas, embeddings: npt.NDArray[np.float32]
) -> list[FramePrediction]:
    """Probabilities, suggestions and confidence per frame for every idea the frame applies to."""
    out = []
    for frame_id, head in model.heads.items():
        questions = set(model.frames[frame_id]["questions"])
        rows = [i for i, q in enumerate(ideas.questions) if q in questions]
        if not rows:
            continue
        X = model.features.transform(
            [ideas.texts[i] for i in rows], embeddings[rows], [ideas.questions[i] for i in rows]
        )
        probs = head.predict_proba(X)
        out.append(
            FramePrediction(frame_id, rows, probs, head.decide(probs), head.confidence(X, probs))
        )
    return out


@dataclass
class SuggestReport:
    model_id: str
    ideas: int = 0
    abstained: int = 0
    suggested_codes: int = 0
    not_trained: dict[str, list[str]] = field(default_factory=dict)


def human_coded(project: Project) -> set[str]:
    """Ideas a human coded, or that have a final (reconciled) coding."""
    return {
        r[0]
        for r in project.conn.execute(
            "SELECT DISTINCT k.idea_id FROM codings k JOIN coders c USING (coder_id)"
            " WHERE c.kind IN ('human', 'final')"
        )
    }


def suggest(
    project: Project,
    model: SuggestionModel | None = None,
    embedder: Embedder | None = None,
    *,
    all_ideas_too: bool = False,
    scheduler: str | None = None,
    route_share: float | None = None,
    echo: Echo = _quiet,
) -> SuggestReport:
    """Write the model's suggestions for the ideas no human coded (or all, with
    ``all_ideas_too``) in one transaction. Human codings are never touched.

    With ``scheduler`` (a Dask scheduler address, or ``"local"`` for a LocalCluster) embedding
    and prediction run on the cluster's workers, each loading the models once.
    """
    model = model or latest_model(project)
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
        from coder.suggest.scaleout import predict_on_cluster  # imports this module

        folder = project.path / MODELS_DIR / model.model_id
        preds = predict_on_cluster(
            target, folder, scheduler, cache=project.path / MODELS_DIR / CACHE_NAME
        )
    else:
        embedder = embedder or project_embedder(project)
        if embedder.model_id != model.embedding_model:
            raise SuggestError(
                f"the model was trained on embeddings of {model.embedding_model}, not "
                f"{embedder.model_id}; suggest with the same embedding model"
            )
        vectors = (
            embedder.encode(target.texts) if target.ids else np.zeros((0, 1), dtype=np.float32)
        )
        preds = predict(model, target, vectors)
    return write_suggestions(project, model, target, preds, route_share)


def write_suggestions(
    project: Project,
    model: SuggestionModel,
    ideas: Ideas,
    preds: Sequence[FramePrediction],
    route_share: float | None = None,
) -> SuggestReport:
    """Store predictions (one transaction); the model's coder gets the suggested codes."""
    report = SuggestReport(model.model_id)
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


# --------------------------------------------------------------------------------------------
# Zero-shot start


def zero_shot_prototypes(frame: Frame) -> tuple[list[str], list[int]]:
    """Texts standing for each code (label + definition, and each include example)."""
    texts, codes = [], []
    for j, code in enumerate(frame.codes):
        texts.append(f"{code.label}. {code.definition}".strip())
        codes.append(j)
        for example in code.include:
            texts.append(example)
            codes.append(j)
    return texts, codes


def zero_shot(
    codebook: Codebook, ideas: Ideas, embedder: Embedder
) -> dict[str, tuple[list[int], npt.NDArray[np.int64]]]:
    """Suggestions from the codebook alone: frame -> (rows of ``ideas``, 0/1 matrix)."""
    vectors = embedder.encode(ideas.texts)
    out = {}
    for frame in codebook.frames:
        rows = [i for i, q in enumerate(ideas.questions) if q in frame.questions]
        if not rows:
            continue
        texts, codes = zero_shot_prototypes(frame)
        clf = ZeroShotClassifier().fit(embedder.encode(texts), codes)
        pred = clf.predict(vectors[rows])
        if frame.exclusive:
            best = np.argmax(clf.decision_function(vectors[rows]), axis=1)
            pred = np.zeros_like(pred)
            pred[np.arange(len(rows)), best] = 1
        out[frame.id] = (rows, pred)
    return out


# --------------------------------------------------------------------------------------------
# Agreement of a coder with a reference (for the demo and benchmarks)


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
    got = _codings_by_kind(project, ["human", "model", "reference", "final"])
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
    ref = _codings_by_kind(project, ["human", "reference", "final"])
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
