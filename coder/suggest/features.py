"""The features of an idea: one sparse row from its text, its sentence embedding and its question.

:class:`TextFeatures` is a scikit-learn transformer over :class:`TextRows` (texts, embeddings
and questions that line up): TF-IDF of words and word pairs, the sentence embedding and a
one-hot of the question the idea answers. What it learns is plain arrays and JSON-able settings
(:meth:`TextFeatures.to_parts` / :meth:`TextFeatures.from_parts`), so a model folder loads
without executing code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.base import BaseEstimator, TransformerMixin  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.utils.validation import check_is_fitted  # type: ignore[import-untyped]

from coder.errors import CoderError

Array = npt.NDArray[np.float64]


class FeaturesError(CoderError):
    """The texts, embeddings and questions given to :class:`TextFeatures` do not line up."""


@dataclass(frozen=True)
class TextRows:
    """Ideas as :class:`TextFeatures` reads them: the X of ``fit`` and ``transform``.

    Parameters
    ----------
    texts : sequence of str, length n
    embeddings : array of shape (n, dim)
        The texts' sentence embeddings (unit length). ``fit`` does not use them.
    questions : sequence of str, length n
        The question each idea is analysed under.
    """

    texts: Sequence[str]
    embeddings: npt.NDArray[Any]
    questions: Sequence[str]

    def __post_init__(self) -> None:
        n = len(self.texts)
        shape = np.shape(self.embeddings)
        if len(shape) != 2 or shape[0] != n or len(self.questions) != n:
            raise FeaturesError(
                f"{n} texts, embeddings of shape {shape} and {len(self.questions)} questions; "
                "give one embedding row and one question per text"
            )

    def __len__(self) -> int:
        return len(self.texts)


class TextFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """TF-IDF (words and word pairs) + sentence embedding + question one-hot, as one sparse row.

    Parameters
    ----------
    tfidf
        Include TF-IDF features (sublinear term frequency, L2-normalised rows).
    ngram_max, min_df, max_features
        TF-IDF vocabulary: n-grams up to ``ngram_max`` seen in at least ``min_df`` texts (at
        most half the texts when there are few), the ``max_features`` most frequent.
    embedding_weight
        Scale of the (unit-length) embedding next to the (unit-length) TF-IDF row.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        TF-IDF column of each n-gram (empty without ``tfidf``).
    idf_ : ndarray of shape (n_terms,)
        Inverse document frequency of each n-gram.
    questions_ : list of str
        The questions seen in ``fit``, in the order of their one-hot columns.

    Examples
    --------
    >>> rows = TextRows(["more staff", "staff training"], np.eye(2), ["Q1", "Q2"])
    >>> TextFeatures(min_df=1).fit_transform(rows).shape  # 5 n-grams, 2 dims, 2 questions
    (2, 9)
    """

    def __init__(
        self,
        tfidf: bool = True,
        ngram_max: int = 2,
        min_df: int = 2,
        max_features: int = 30000,
        embedding_weight: float = 1.0,
    ) -> None:
        self.tfidf = tfidf
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features
        self.embedding_weight = embedding_weight

    def fit(self, X: TextRows, y: Any = None) -> TextFeatures:
        """Learn the TF-IDF vocabulary and the questions from ``X`` (``y`` is ignored)."""
        self.vocabulary_: dict[str, int] = {}
        self.idf_: Array = np.zeros(0)
        if self.tfidf:
            vec = TfidfVectorizer(
                ngram_range=(1, self.ngram_max),
                min_df=min(self.min_df, max(1, len(X.texts) // 2)),
                max_features=self.max_features,
                sublinear_tf=True,
            )
            vec.fit(list(X.texts))
            self.vocabulary_ = {str(k): int(v) for k, v in vec.vocabulary_.items()}
            self.idf_ = np.asarray(vec.idf_, dtype=np.float64)
        self.questions_: list[str] = sorted(set(X.questions))
        return self

    def transform(self, X: TextRows) -> sp.csr_matrix:
        """Rows of features, shape (n, n_terms + dim + n_questions).

        Unknown words and questions give zeros, not an error.
        """
        check_is_fitted(self, "questions_")
        blocks: list[Any] = []
        if self.tfidf and self.vocabulary_:
            counts = CountVectorizer(
                vocabulary=self.vocabulary_, ngram_range=(1, self.ngram_max)
            ).transform(list(X.texts))
            counts = counts.astype(np.float64)
            counts.data = 1.0 + np.log(counts.data)
            tf = counts.multiply(self.idf_[None, :]).tocsr()
            norms = np.sqrt(np.asarray(tf.multiply(tf).sum(axis=1))).ravel()
            norms[norms == 0] = 1.0
            blocks.append(sp.diags(1.0 / norms) @ tf)
        blocks.append(
            sp.csr_matrix(np.asarray(X.embeddings, dtype=np.float64) * self.embedding_weight)
        )
        index = {q: i for i, q in enumerate(self.questions_)}
        onehot = sp.lil_matrix((len(X.questions), max(1, len(self.questions_))))
        for row, q in enumerate(X.questions):
            if q in index:
                onehot[row, index[q]] = 1.0
        blocks.append(onehot.tocsr())
        return sp.hstack(blocks, format="csr")

    def to_parts(self) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        """JSON-able settings and plain arrays that :meth:`from_parts` rebuilds it from."""
        check_is_fitted(self, "questions_")
        config = {
            "tfidf": self.tfidf,
            "ngram_max": self.ngram_max,
            "min_df": self.min_df,
            "max_features": self.max_features,
            "embedding_weight": self.embedding_weight,
            "questions": self.questions_,
            "vocabulary": self.vocabulary_,
        }
        return config, {"idf": self.idf_}

    @classmethod
    def from_parts(
        cls, config: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]
    ) -> TextFeatures:
        out = cls(
            tfidf=bool(config["tfidf"]),
            ngram_max=int(config["ngram_max"]),
            min_df=int(config["min_df"]),
            max_features=int(config["max_features"]),
            embedding_weight=float(config["embedding_weight"]),
        )
        out.vocabulary_ = {str(k): int(v) for k, v in config["vocabulary"].items()}
        out.idf_ = np.asarray(arrays["idf"], dtype=np.float64)
        out.questions_ = [str(q) for q in config["questions"]]
        return out
