"""The zero-shot start: suggestions from the codebook alone, before anyone has coded.

:class:`ZeroShotClassifier` scores codes by cosine similarity between an item's embedding and
the embeddings of each code's label, definition and include examples; :func:`zero_shot` runs it
on a project's ideas, frame by frame.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin  # type: ignore[import-untyped]
from sklearn.utils.validation import check_is_fitted  # type: ignore[import-untyped]

from coder.data.codebook import Codebook, Frame
from coder.suggest.classifier import ClassifierError
from coder.suggest.embeddings import Embedder
from coder.suggest.ideas import Ideas

Array = npt.NDArray[np.float64]


class ZeroShotClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Codes scored by similarity to the codebook, before anyone has coded anything.

    ``fit(P, codes)`` takes prototype embeddings ``P`` (n_prototypes, dim): one row per code
    label + definition and one per include example, with ``codes`` the code index of each row.
    A code's score for an item is the largest cosine similarity to one of its prototypes.
    A code is suggested when its score is within ``margin`` of the item's best score and at
    least ``min_similarity`` (the best code always is, unless below ``min_similarity``).

    The scores are similarities, not probabilities: measure them against coded data before
    trusting them (``scripts/bench_suggest.py`` and the demo do).
    """

    def __init__(self, margin: float = 0.03, min_similarity: float = 0.15) -> None:
        self.margin = margin
        self.min_similarity = min_similarity

    def fit(self, X: npt.ArrayLike, y: npt.ArrayLike) -> ZeroShotClassifier:
        P = np.asarray(X, dtype=np.float64)
        codes = np.asarray(y, dtype=np.int64)
        if P.ndim != 2 or codes.shape != (P.shape[0],):
            raise ClassifierError("prototypes must be a matrix with one code index per row")
        self.prototypes_ = P / np.maximum(np.linalg.norm(P, axis=1, keepdims=True), 1e-12)
        self.prototype_codes_ = codes
        self.n_codes_ = int(codes.max()) + 1 if len(codes) else 0
        self.classes_ = np.arange(self.n_codes_)
        return self

    def decision_function(self, X: npt.ArrayLike) -> Array:
        check_is_fitted(self, "prototypes_")
        E = np.asarray(X, dtype=np.float64)
        E = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-12)
        sims = E @ self.prototypes_.T
        out = np.full((E.shape[0], self.n_codes_), -1.0)
        for j in range(self.n_codes_):
            cols = self.prototype_codes_ == j
            if cols.any():
                out[:, j] = sims[:, cols].max(axis=1)
        return out

    def predict(self, X: npt.ArrayLike) -> npt.NDArray[np.int64]:
        s = self.decision_function(X)
        best = s.max(axis=1, keepdims=True)
        pred: npt.NDArray[np.int64] = (
            (s >= best - self.margin) & (s >= self.min_similarity)
        ).astype(np.int64)
        return pred


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
