"""Prediction: a suggestion model's probabilities, suggestions and confidence for ideas.

Both writing suggestions to the store (:mod:`coder.suggest.write`) and running on a Dask
cluster (:mod:`coder.suggest.scaleout`) call :func:`predict`; nothing here touches the store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coder.suggest.features import TextRows
from coder.suggest.ideas import Ideas
from coder.suggest.models import SuggestionModel


@dataclass
class FramePrediction:
    """One frame's suggestions for ``rows`` of an :class:`~coder.suggest.ideas.Ideas`."""

    frame_id: str
    rows: list[int]
    probs: npt.NDArray[np.float64]  # (len(rows), n_codes), NaN for untrained codes
    suggested: npt.NDArray[np.int64]
    confidence: npt.NDArray[np.float64]


def predict(
    model: SuggestionModel, ideas: Ideas, embeddings: npt.NDArray[np.float32]
) -> list[FramePrediction]:
    """Probabilities, suggestions and confidence per frame for every idea the frame applies to.

    ``embeddings`` has one row per idea of ``ideas``, from the model's embedding model.
    """
    out = []
    for frame_id, head in model.heads.items():
        questions = set(model.frames[frame_id]["questions"])
        rows = [i for i, q in enumerate(ideas.questions) if q in questions]
        if not rows:
            continue
        X = model.features.transform(
            TextRows(
                [ideas.texts[i] for i in rows],
                embeddings[rows],
                [ideas.questions[i] for i in rows],
            )
        )
        probs = head.predict_proba(X)
        out.append(
            FramePrediction(frame_id, rows, probs, head.decide(probs), head.confidence(X, probs))
        )
    return out
