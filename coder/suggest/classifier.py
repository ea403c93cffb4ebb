"""The supervised estimator: one scikit-learn classifier per coding frame.

:class:`CodeClassifier` learns, from feature rows (:mod:`coder.suggest.features`) and a 0/1
matrix of codes:

- one calibrated probability per code (logistic regression, then Platt scaling fitted on
  out-of-fold scores);
- a decision threshold per code, the one with the best out-of-fold F1;
- an exclusive frame is one multinomial model (one code, or none, per item);
- a code with fewer than ``min_examples`` positive (or negative) examples is not trained: its
  status is "not enough examples", its probability NaN and it is never suggested;
- items whose suggestion is uncertain (:meth:`CodeClassifier.confidence` below
  ``abstain_below``) are flagged for a human (:meth:`CodeClassifier.abstain`).

Everything fitted is plain arrays and JSON-able settings (:meth:`CodeClassifier.to_parts` /
:meth:`CodeClassifier.from_parts`), so a model folder loads without executing code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.model_selection import KFold  # type: ignore[import-untyped]
from sklearn.utils.validation import check_is_fitted  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from coder.errors import CoderError

Array = npt.NDArray[np.float64]
TRAINED = "trained"
TOO_FEW = "not enough examples"
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


class ClassifierError(CoderError):
    """The training data cannot give a model (no items, one class only, bad shapes)."""


# --------------------------------------------------------------------------------------------
# The supervised estimator


def _sigmoid(z: Array) -> Array:
    out: Array = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
    return out


def _f1(y: npt.NDArray[Any], p: npt.NDArray[Any]) -> tuple[float, float, float]:
    tp = float(np.sum((y == 1) & (p == 1)))
    fp = float(np.sum((y == 0) & (p == 1)))
    fn = float(np.sum((y == 1) & (p == 0)))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


class CodeClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Calibrated per-code probabilities, per-code thresholds and abstention for one frame.

    Parameters
    ----------
    C
        Inverse regularisation strength of the logistic regressions.
    class_weight
        ``"balanced"`` (rare codes weigh as much as common ones) or None.
    min_examples
        Fewest positive and negative examples a code needs to be trained.
    cv
        Folds of the cross-validation that fits calibration and thresholds and gives the
        cross-validated precision, recall and F1 of each code.
    exclusive
        The frame allows at most one code per item: one multinomial model, argmax decision.
    at_least_one
        Suggest the most likely code when no code passes its threshold. ``"auto"``: when every
        training item has a code in this frame.
    abstain_below
        Items whose :meth:`confidence` is below this are routed to a human.
    random_state
        Seed of the cross-validation folds.
    codes
        The code id of each column of ``y``, in order (default: the column numbers).

    Attributes
    ----------
    classes_ : ndarray of shape (n_codes,)
        The code ids (``codes``), one per column of ``y``, :meth:`predict` and
        :meth:`predict_proba`.
    status_ : list of str, one per code
        ``"trained"`` or ``"not enough examples"``.
    positives_ : ndarray of shape (n_codes,)
        Training examples per code.
    coef_ : ndarray of shape (n_outputs, n_features)
    intercept_ : ndarray of shape (n_outputs,)
    calibration_ : ndarray of shape (n_codes, 2)
        Platt scaling ``p = sigmoid(a * score + b)`` per code (multi-label frames).
    thresholds_ : ndarray of shape (n_codes,)
        Decision threshold on the calibrated probability (NaN for untrained codes and in
        exclusive frames).
    cv_scores_ : ndarray of shape (n_codes, 3)
        Cross-validated precision, recall and F1 per code (NaN for untrained codes).
    oof_proba_ : ndarray of shape (n_items, n_codes)
        Out-of-fold calibrated probabilities of the training items (not saved with the model).
    oof_decisions_ : ndarray of shape (n_items, n_codes)
        The 0/1 suggestions :meth:`decide` makes from ``oof_proba_``: what the model would have
        suggested for each training item had it not been trained on it.
    oof_confidence_ : ndarray of shape (n_items,)
        :meth:`confidence` of the out-of-fold decisions (for the coverage-quality curve,
        :mod:`coder.suggest.coverage`).
    oof_valid_ : ndarray of shape (n_items,)
        True for the training items that have an out-of-fold prediction (in an exclusive frame,
        items labelled with an untrained code and items of a fold whose training part lacked a
        class have none).
    at_least_one_ : bool
    """

    def __init__(
        self,
        C: float = 4.0,
        class_weight: str | None = "balanced",
        min_examples: int = 5,
        cv: int = 5,
        exclusive: bool = False,
        at_least_one: bool | str = "auto",
        abstain_below: float = 0.5,
        random_state: int = 0,
        codes: Sequence[str] | None = None,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.min_examples = min_examples
        self.cv = cv
        self.exclusive = exclusive
        self.at_least_one = at_least_one
        self.abstain_below = abstain_below
        self.random_state = random_state
        self.codes = codes

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, X: Any, y: npt.ArrayLike) -> CodeClassifier:
        """Fit on features ``X`` (n_items, n_features) and a 0/1 matrix ``y`` (n_items, n_codes)."""
        Y = self._check_y(X, y)
        n, k = Y.shape
        self.n_features_in_ = int(X.shape[1])
        self.classes_ = self._classes(k)
        self.positives_ = Y.sum(axis=0).astype(np.int64)
        negatives = n - self.positives_
        self.status_ = [
            TRAINED if p >= self.min_examples and q >= self.min_examples else TOO_FEW
            for p, q in zip(self.positives_, negatives, strict=True)
        ]
        if self.at_least_one == "auto":
            self.at_least_one_ = bool(np.all(Y.sum(axis=1) >= 1))
        else:
            self.at_least_one_ = bool(self.at_least_one)
        self.thresholds_ = np.full(k, np.nan)
        self.calibration_ = np.full((k, 2), np.nan)
        self.cv_scores_ = np.full((k, 3), np.nan)
        with threadpool_limits(1):
            if self.exclusive:
                self._fit_exclusive(X, Y)
            else:
                self._fit_multilabel(X, Y)
        return self

    def _classes(self, k: int) -> npt.NDArray[Any]:
        if self.codes is None:
            return np.arange(k)
        if len(self.codes) != k:
            raise ClassifierError(
                f"codes names {len(self.codes)} codes but y has {k} columns; give one code id "
                "per column of y"
            )
        return np.array([str(c) for c in self.codes])

    def _check_y(self, X: Any, y: npt.ArrayLike) -> npt.NDArray[np.int64]:
        Y = np.asarray(y)
        if Y.ndim != 2:
            raise ClassifierError(f"y has shape {Y.shape}; expected a 0/1 matrix (items x codes)")
        if X.shape[0] != Y.shape[0]:
            raise ClassifierError(f"X has {X.shape[0]} rows and y {Y.shape[0]}; give one per item")
        if Y.shape[0] < 2:
            raise ClassifierError("fewer than two training items; code more items first")
        if not np.isin(Y, (0, 1)).all():
            raise ClassifierError("y holds values other than 0 and 1")
        if self.exclusive and (Y.sum(axis=1) > 1).any():
            raise ClassifierError("an item has two codes in an exclusive frame")
        return Y.astype(np.int64)

    def _folds(self, n: int) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
        folds = KFold(min(self.cv, n), shuffle=True, random_state=self.random_state)
        return list(folds.split(np.zeros(n)))

    def _logreg(self, multinomial: bool = False) -> LogisticRegression:
        return LogisticRegression(
            C=self.C,
            class_weight=None if multinomial else self.class_weight,
            max_iter=2000,
        )

    def _fit_multilabel(self, X: Any, Y: npt.NDArray[np.int64]) -> None:
        n, k = Y.shape
        coef = np.zeros((k, X.shape[1]))
        intercept = np.zeros(k)
        trained = [j for j in range(k) if self.status_[j] == TRAINED]
        oof = np.zeros((n, k))
        for train, test in self._folds(n):
            for j in trained:
                yj = Y[train, j]
                if yj.min() == yj.max():  # a fold without positives: a constant score
                    oof[test, j] = 10.0 if yj[0] else -10.0
                    continue
                oof[test, j] = self._logreg().fit(X[train], yj).decision_function(X[test])
        probs = np.zeros((n, k))
        for j in trained:
            platt = LogisticRegression(C=1e4).fit(oof[:, [j]], Y[:, j])
            self.calibration_[j] = (platt.coef_[0, 0], platt.intercept_[0])
            probs[:, j] = _sigmoid(self.calibration_[j, 0] * oof[:, j] + self.calibration_[j, 1])
            f1s = [_f1(Y[:, j], (probs[:, j] >= t).astype(int))[2] for t in THRESHOLD_GRID]
            self.thresholds_[j] = THRESHOLD_GRID[int(np.argmax(f1s))]
            model = self._logreg().fit(X, Y[:, j])
            coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
        self.coef_, self.intercept_ = coef, intercept
        self.oof_proba_ = np.where(np.array(self.status_) == TRAINED, probs, np.nan)
        self.oof_decisions_ = self.decide(probs)
        self.oof_confidence_ = self.confidence(None, self.oof_proba_)
        self.oof_valid_ = np.ones(n, dtype=bool)
        self._cv_metrics(Y, self.oof_decisions_)

    def _fit_exclusive(self, X: Any, Y: npt.NDArray[np.int64]) -> None:
        n, k = Y.shape
        trained = [j for j in range(k) if self.status_[j] == TRAINED]
        # class index: position in `trained`, or len(trained) for "none of the trained codes"
        label = np.full(n, len(trained))
        for c, j in enumerate(trained):
            label[Y[:, j] == 1] = c
        keep = ~np.isin(np.argmax(Y, axis=1), [j for j in range(k) if j not in trained]) | (
            Y.sum(axis=1) == 0
        )
        classes = sorted(set(label[keep].tolist()))
        self.exclusive_classes_ = np.array(classes)
        self.exclusive_codes_ = np.array(trained)
        self.oof_valid_ = np.zeros(n, dtype=bool)
        if len(classes) < 2:
            self.status_ = [TOO_FEW] * k
            self.coef_ = np.zeros((0, X.shape[1]))
            self.intercept_ = np.zeros(0)
            self.oof_proba_ = np.full((n, k), np.nan)
            self.oof_decisions_ = np.zeros((n, k), dtype=np.int64)
            self.oof_confidence_ = np.ones(n)
            return
        idx = np.flatnonzero(keep)
        probs = np.zeros((n, k))
        for train, test in self._folds(len(idx)):
            tr, te = idx[train], idx[test]
            if len(set(label[tr].tolist())) < len(classes):
                continue
            model = self._logreg(multinomial=True).fit(X[tr], label[tr])
            probs[te] = self._class_probs(model.predict_proba(X[te]), k)
            self.oof_valid_[te] = True
        model = self._logreg(multinomial=True).fit(X[idx], label[idx])
        if len(classes) > 2:
            self.coef_, self.intercept_ = model.coef_, model.intercept_
        else:  # binary: p(second class) = sigmoid(z), the softmax of (0, z)
            self.coef_ = np.vstack([np.zeros_like(model.coef_), model.coef_])
            self.intercept_ = np.concatenate([np.zeros(1), model.intercept_])
        self.oof_proba_ = probs
        self.oof_decisions_ = self.decide(probs)
        self.oof_confidence_ = self.confidence(None, probs)
        valid = self.oof_valid_
        self._cv_metrics(Y[valid], self.oof_decisions_[valid])

    def _class_probs(self, class_probs: Array, k: int) -> Array:
        out = np.full((class_probs.shape[0], k), np.nan)
        for col, cls in enumerate(self.exclusive_classes_):
            if cls < len(self.exclusive_codes_):
                out[:, self.exclusive_codes_[cls]] = class_probs[:, col]
        return out

    def _cv_metrics(self, Y: npt.NDArray[np.int64], pred: npt.NDArray[np.int64]) -> None:
        for j in range(Y.shape[1]):
            if self.status_[j] == TRAINED:
                self.cv_scores_[j] = _f1(Y[:, j], pred[:, j])

    # -- prediction ---------------------------------------------------------------------------

    def decision_function(self, X: Any) -> Array:
        """Raw scores, shape (n_items, n_outputs)."""
        check_is_fitted(self, "coef_")
        if X.shape[1] != self.n_features_in_:
            raise ClassifierError(
                f"X has {X.shape[1]} features; the model was fitted on {self.n_features_in_}"
            )
        scores: Array = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores

    def predict_proba(self, X: Any) -> Array:
        """Calibrated probability of each code, shape (n_items, n_codes).

        Each column is the marginal probability that the code applies. Codes with status
        "not enough examples" have no estimate: their column is NaN.
        """
        scores = self.decision_function(X)
        k = len(self.status_)
        if self.exclusive:
            if scores.shape[1] == 0:
                return np.full((X.shape[0], k), np.nan)
            z = scores - scores.max(axis=1, keepdims=True)
            e = np.exp(z)
            return self._class_probs(e / e.sum(axis=1, keepdims=True), k)
        out = np.full((X.shape[0], k), np.nan)
        for j in range(k):
            if self.status_[j] == TRAINED:
                out[:, j] = _sigmoid(
                    self.calibration_[j, 0] * scores[:, j] + self.calibration_[j, 1]
                )
        return out

    def decide(self, probs: Array) -> npt.NDArray[np.int64]:
        """0/1 suggestions from probabilities as :meth:`predict_proba` gives them.

        Multi-label frames: each trained code whose probability reaches its threshold (and the
        closest code when none does and ``at_least_one_``). Exclusive frames: the most likely
        code when it beats "none".
        """
        trained = np.array([s == TRAINED for s in self.status_])
        pred = np.zeros(probs.shape, dtype=np.int64)
        if not trained.any():
            return pred
        if self.exclusive:
            filled = np.where(np.isnan(probs), 0.0, probs)
            none = 1.0 - filled.sum(axis=1)
            best = np.argmax(filled, axis=1)
            pick = filled[np.arange(len(best)), best] >= none
            if self.at_least_one_:
                pick[:] = True
            pred[np.flatnonzero(pick), best[pick]] = 1
            return pred
        margin = np.where(trained, probs - np.nan_to_num(self.thresholds_, nan=1.0), -np.inf)
        pred[:, trained] = (margin[:, trained] >= 0).astype(np.int64)
        if self.at_least_one_:
            empty = np.flatnonzero(pred.sum(axis=1) == 0)
            pred[empty, np.argmax(margin[empty], axis=1)] = 1
        return pred

    def predict(self, X: Any) -> npt.NDArray[np.int64]:
        """0/1 suggestions, shape (n_items, n_codes); untrained codes are never suggested."""
        return self.decide(self.predict_proba(X))

    def confidence(self, X: Any, probs: Array | None = None) -> Array:
        """How sure the model is of each item's whole suggestion, shape (n_items,).

        The smallest, over trained codes, of the probability of the decision taken for it: p
        for a suggested code, 1 - p for one not suggested. 1.0 when no code is trained.
        """
        probs = self.predict_proba(X) if probs is None else probs
        pred = self.decide(probs)
        sure = np.where(pred == 1, probs, 1.0 - probs)
        sure = np.where(np.isnan(sure), 1.0, sure)
        out: Array = sure.min(axis=1) if sure.shape[1] else np.ones(sure.shape[0])
        return out

    def abstain(self, X: Any) -> npt.NDArray[np.bool_]:
        """True for items to route to a human: confidence below ``abstain_below``."""
        return self.confidence(X) < self.abstain_below

    # -- persistence ---------------------------------------------------------------------------

    def to_parts(self) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        """JSON-able settings and plain arrays that :meth:`from_parts` rebuilds the model from."""
        check_is_fitted(self, "coef_")
        config = {
            "params": self.get_params(),
            "status": list(self.status_),
            "at_least_one": self.at_least_one_,
            "n_features": self.n_features_in_,
        }
        arrays = {
            "coef": self.coef_,
            "intercept": self.intercept_,
            "calibration": self.calibration_,
            "thresholds": self.thresholds_,
            "cv_scores": self.cv_scores_,
            "positives": self.positives_,
        }
        if self.exclusive:
            arrays["exclusive_classes"] = self.exclusive_classes_
            arrays["exclusive_codes"] = self.exclusive_codes_
        return config, arrays

    @classmethod
    def from_parts(
        cls,
        config: dict[str, Any],
        arrays: dict[str, npt.NDArray[Any]],
        codes: Sequence[str] | None = None,
    ) -> CodeClassifier:
        """Rebuild a fitted model; ``codes`` names the columns of one saved before its
        parameters held them (a model folder written before ``codes`` existed)."""
        params = dict(config["params"])
        if params.get("codes") is None and codes is not None:
            params["codes"] = list(codes)
        model: Any = cls(**params)
        model.status_ = [str(s) for s in config["status"]]
        model.at_least_one_ = bool(config["at_least_one"])
        model.n_features_in_ = int(config["n_features"])
        model.classes_ = model._classes(len(model.status_))
        model.coef_ = np.asarray(arrays["coef"], dtype=np.float64)
        model.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        model.calibration_ = np.asarray(arrays["calibration"], dtype=np.float64)
        model.thresholds_ = np.asarray(arrays["thresholds"], dtype=np.float64)
        model.cv_scores_ = np.asarray(arrays["cv_scores"], dtype=np.float64)
        model.positives_ = np.asarray(arrays["positives"], dtype=np.int64)
        if model.exclusive:
            model.exclusive_classes_ = np.asarray(arrays["exclusive_classes"], dtype=np.int64)
            model.exclusive_codes_ = np.asarray(arrays["exclusive_codes"], dtype=np.int64)
        out: CodeClassifier = model
        return out
