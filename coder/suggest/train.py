"""Training: fit a suggestion model on the store's codings and register its folder.

The labels come from :mod:`coder.suggest.policy`, the settings from
:class:`~coder.suggest.settings.TrainingSettings`; the model folder is
:mod:`coder.suggest.models`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from coder.data.codebook import Codebook
from coder.data.store import Project, now
from coder.suggest.classifier import TRAINED, CodeClassifier
from coder.suggest.embeddings import Embedder
from coder.suggest.features import TextFeatures, TextRows
from coder.suggest.ideas import Ideas, all_ideas
from coder.suggest.lookup import MODELS_DIR, Echo, SuggestError, project_embedder, quiet
from coder.suggest.models import OutOfFold, SuggestionModel
from coder.suggest.policy import POLICY, TrainingSet, training_sets
from coder.suggest.settings import TrainingSettings


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
    settings: TrainingSettings | None = None,
) -> SuggestionModel:
    """Fit features and one head per frame that has training items.

    ``embeddings`` has one row per idea of ``ideas``; ``training`` is the record of what the
    model learns from (see :class:`SuggestionModel`). The model keeps, per frame, each head's
    out-of-fold decisions with the ids of the ideas they are for (``SuggestionModel.oof``), so
    its agreement with a coder can be measured on items it did not learn from.
    """
    settings = settings or TrainingSettings()
    used = sorted({i for s in sets for i in s.rows})
    if not used:
        raise SuggestError(
            "no coded ideas to learn from: import human codings first "
            "(`coder codings import PROJECT_DIR FILE`), or pass --include-reference"
        )
    features = TextFeatures().fit(_rows(ideas, embeddings, used))
    heads: dict[str, CodeClassifier] = {}
    frames: dict[str, dict[str, Any]] = {}
    oof: dict[str, OutOfFold] = {}
    for s in sets:
        if len(s.rows) < 2:
            continue
        X = features.transform(_rows(ideas, embeddings, s.rows))
        codes = [c.id for c in s.frame.codes]
        head = CodeClassifier(exclusive=s.frame.exclusive, codes=codes, **settings.head_params())
        heads[s.frame.id] = head.fit(X, s.Y)
        held_out = np.flatnonzero(head.oof_valid_)
        oof[s.frame.id] = OutOfFold(
            [ideas.ids[s.rows[r]] for r in held_out],
            head.oof_decisions_[held_out].astype(np.int8),
            head.oof_confidence_[held_out].astype(np.float64),
            np.asarray(s.Y)[held_out].astype(np.int8),
        )
        frames[s.frame.id] = {
            "codes": codes,
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
        settings=settings,
        created_at=now(),
        oof=oof,
    )


def _rows(ideas: Ideas, embeddings: npt.NDArray[np.float32], rows: Sequence[int]) -> TextRows:
    return TextRows(
        [ideas.texts[i] for i in rows], embeddings[rows], [ideas.questions[i] for i in rows]
    )


def train(
    project: Project,
    embedder: Embedder | None = None,
    settings: TrainingSettings | None = None,
    *,
    echo: Echo = quiet,
) -> TrainReport:
    """Train on the store's codings; save the model folder under ``PROJECT/models/``.

    The embedding model is ``embedder``'s (default: the project's, see
    :func:`~coder.suggest.lookup.project_embedder`).
    """
    settings = settings or TrainingSettings()
    embedder = embedder or project_embedder(project)
    ideas = all_ideas(project)
    sets, coders_used, data_hash = training_sets(project, ideas, settings.include_reference)
    used = sorted({i for s in sets for i in s.rows})
    echo(f"Training on {len(used)} coded ideas from {len(coders_used)} coders")
    vectors = np.zeros((len(ideas.ids), 0), dtype=np.float32)
    if used:
        sub = embedder.encode([ideas.texts[i] for i in used])
        vectors = np.zeros((len(ideas.ids), sub.shape[1]), dtype=np.float32)
        vectors[used] = sub
    training = {
        "embedding_name": embedder.ref.name,
        "embedding_backend": embedder.backend,
        "items": len(used),
        "data_hash": data_hash,
        "coders": coders_used,
        "policy": POLICY,
    }
    model = fit_model(project.codebook, ideas, vectors, sets, embedder.model_id, training, settings)
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
