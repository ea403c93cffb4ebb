"""The suggestion estimator: scikit-learn contract, calibration, thresholds, too-few codes,
exclusive frames, abstention, persistence and the zero-shot start. Synthetic data only."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from coder.suggest.classifier import (
    THRESHOLD_GRID,
    TOO_FEW,
    TRAINED,
    ClassifierError,
    CodeClassifier,
    _f1,
)
from coder.suggest.features import TextFeatures, TextRows
from coder.suggest.zeroshot import ZeroShotClassifier


def blobs(
    n: int = 400, k: int = 3, d: int = 12, noise: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-label data: code j is present when a noisy linear score of X is positive."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, k))
    bias = np.linspace(-1.5, 0.0, k)  # codes of different frequency
    Y = ((X @ W) / np.sqrt(d) + bias + noise * rng.normal(size=(n, k)) * 0.3 > 0).astype(int)
    return X, Y


def test_sklearn_contract() -> None:
    est = CodeClassifier()
    check_no_attributes_set_in_init("CodeClassifier", est)
    check_parameters_default_constructible("CodeClassifier", est)
    check_get_params_invariance("CodeClassifier", est)
    check_set_params("CodeClassifier", est)
    X, Y = blobs()
    with pytest.raises(NotFittedError):
        est.predict_proba(X)
    assert est.fit(X, Y) is est
    fitted = [a for a in vars(est) if a.endswith("_") and not a.startswith("_")]
    assert {"coef_", "thresholds_", "calibration_", "status_", "cv_scores_"} <= set(fitted)
    assert not any(a.endswith("_") for a in vars(CodeClassifier()))
    twin = clone(est)
    assert twin.get_params() == est.get_params() and not hasattr(twin, "coef_")
    P = est.predict_proba(X)
    assert P.shape == Y.shape and ((P >= 0) & (P <= 1)).all()
    assert est.predict(X).shape == Y.shape
    assert set(np.unique(est.predict(X))) <= {0, 1}


def test_bad_input_is_refused_with_a_clear_message() -> None:
    X, Y = blobs(n=50)
    with pytest.raises(ClassifierError, match="items x codes"):
        CodeClassifier().fit(X, Y[:, 0])
    with pytest.raises(ClassifierError, match="one per item"):
        CodeClassifier().fit(X[:10], Y)
    with pytest.raises(ClassifierError, match="other than 0 and 1"):
        CodeClassifier().fit(X, Y * 2)
    est = CodeClassifier().fit(X, Y)
    with pytest.raises(ClassifierError, match="features"):
        est.predict(X[:, :5])


def test_thresholds_maximise_out_of_fold_f1() -> None:
    X, Y = blobs(n=500, noise=2.0)
    est = CodeClassifier().fit(X, Y)
    for j in range(Y.shape[1]):
        f1s = [_f1(Y[:, j], (est.oof_proba_[:, j] >= t).astype(int))[2] for t in THRESHOLD_GRID]
        assert est.thresholds_[j] in THRESHOLD_GRID
        chosen = _f1(Y[:, j], (est.oof_proba_[:, j] >= est.thresholds_[j]).astype(int))[2]
        assert chosen == pytest.approx(max(f1s))
    # the cross-validated scores are those of the thresholded out-of-fold predictions
    assert np.all((est.cv_scores_ >= 0) & (est.cv_scores_ <= 1))


def test_probabilities_are_calibrated() -> None:
    X, Y = blobs(n=3000, noise=3.0, seed=1)
    est = CodeClassifier(cv=3).fit(X[:2000], Y[:2000])
    P = est.predict_proba(X[2000:])
    for j in range(Y.shape[1]):
        bins = np.digitize(P[:, j], [0.2, 0.4, 0.6, 0.8])
        for b in range(5):
            inside = bins == b
            if inside.sum() >= 100:
                assert abs(P[inside, j].mean() - Y[2000:][inside, j].mean()) < 0.1


def test_codes_with_too_few_examples_are_reported_not_guessed() -> None:
    X, Y = blobs(n=200)
    Y = np.hstack([Y, np.zeros((200, 1), dtype=int)])
    Y[:3, -1] = 1  # three examples
    est = CodeClassifier(min_examples=5).fit(X, Y)
    assert est.status_[-1] == TOO_FEW and est.status_[0] == TRAINED
    assert est.positives_[-1] == 3
    P = est.predict_proba(X)
    assert np.isnan(P[:, -1]).all() and not np.isnan(P[:, :-1]).any()
    assert est.predict(X)[:, -1].sum() == 0
    assert np.isnan(est.thresholds_[-1]) and np.isnan(est.cv_scores_[-1]).all()


def test_exclusive_frame_predicts_one_class() -> None:
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(3, 8)) * 3
    label = rng.integers(0, 4, size=300)  # 3 = no code
    X = np.vstack([centres[c] if c < 3 else np.zeros(8) for c in label]) + rng.normal(size=(300, 8))
    Y = np.zeros((300, 3), dtype=int)
    Y[label < 3, label[label < 3]] = 1
    est = CodeClassifier(exclusive=True).fit(X, Y)
    pred = est.predict(X)
    assert (pred.sum(axis=1) <= 1).all()
    assert (pred.sum(axis=1) == 0).any()  # "none" is a class of its own
    P = est.predict_proba(X)
    assert (P.sum(axis=1) <= 1 + 1e-9).all()
    assert (pred == Y).all(axis=1).mean() > 0.8
    with pytest.raises(ClassifierError, match="exclusive"):
        CodeClassifier(exclusive=True).fit(X, np.ones((300, 3), dtype=int))


def test_at_least_one_when_every_training_item_has_a_code() -> None:
    X, Y = blobs(n=300, k=3)
    Y[Y.sum(axis=1) == 0, 0] = 1
    est = CodeClassifier().fit(X, Y)
    assert est.at_least_one_
    assert (est.predict(X + 5.0).sum(axis=1) >= 1).all()
    X2, Y2 = blobs(n=300, k=3)
    assert not CodeClassifier().fit(X2, Y2).at_least_one_


def test_abstention_routes_the_least_sure_items() -> None:
    X, Y = blobs(n=1200, noise=3.0, seed=2)
    est = CodeClassifier(abstain_below=0.6).fit(X[:800], Y[:800])
    conf = est.confidence(X[800:])
    assert ((conf >= 0) & (conf <= 1)).all()
    routed = est.abstain(X[800:])
    assert (routed == (conf < 0.6)).all()
    assert 0 < routed.mean() < 1
    pred = est.predict(X[800:])
    exact = (pred == Y[800:]).all(axis=1)
    assert exact[~routed].mean() > exact[routed].mean()
    rates = [(conf < a).mean() for a in (0.3, 0.5, 0.7, 0.9)]
    assert rates == sorted(rates)


def test_round_trip_through_plain_arrays() -> None:
    X, Y = blobs()
    for exclusive in (False, True):
        Yx = (
            Y
            if not exclusive
            else np.eye(3, dtype=int)[Y.argmax(axis=1)] * (Y.max(axis=1)[:, None])
        )
        est = CodeClassifier(exclusive=exclusive).fit(X, Yx)
        config, arrays = est.to_parts()
        again = CodeClassifier.from_parts(config, arrays)
        np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
        np.testing.assert_array_equal(again.predict(X), est.predict(X))
        assert again.get_params() == est.get_params()


def test_text_features_round_trip() -> None:
    texts = ["more training for staff", "shared records", "training budget", "records online"]
    questions = ["II", "III", "II", "IV"]
    E = np.random.default_rng(0).normal(size=(4, 5))
    rows = TextRows(texts, E, questions)
    f = TextFeatures(min_df=1).fit(rows)
    X = f.transform(rows)
    assert X.shape == (4, len(f.vocabulary_) + 5 + 3)
    config, arrays = f.to_parts()
    again = TextFeatures.from_parts(config, arrays)
    np.testing.assert_array_equal(again.transform(rows).toarray(), X.toarray())
    # an unknown question and unknown words give zeros, not an error
    row = f.transform(TextRows(["zebra"], E[:1], ["Other"])).toarray()[0]
    assert row[: len(f.vocabulary_)].sum() == 0 and row[-3:].sum() == 0


def test_zero_shot_picks_the_nearest_code() -> None:
    P = np.eye(4)[:3]
    clf = ZeroShotClassifier(margin=0.05, min_similarity=0.2).fit(P, [0, 1, 2])
    E = np.array([[1.0, 0.1, 0, 0], [0, 0, 1.0, 0], [0.7, 0.7, 0, 0], [0, 0, 0, 1.0]])
    pred = clf.predict(E)
    assert pred.tolist() == [[1, 0, 0], [0, 0, 1], [1, 1, 0], [0, 0, 0]]


def test_exclusive_frame_of_one_code_is_a_logistic_regression() -> None:
    from sklearn.linear_model import LogisticRegression

    X, Y = blobs(n=300, k=1)
    est = CodeClassifier(exclusive=True).fit(X, Y)
    ref = LogisticRegression(C=est.C, max_iter=2000).fit(X, Y[:, 0])
    np.testing.assert_allclose(est.predict_proba(X)[:, 0], ref.predict_proba(X)[:, 1], atol=1e-6)


def test_text_features_is_a_scikit_learn_transformer() -> None:
    from sklearn.utils.validation import check_is_fitted

    from coder.suggest.features import FeaturesError

    est = TextFeatures(min_df=1)
    check_no_attributes_set_in_init("TextFeatures", est)
    check_parameters_default_constructible("TextFeatures", est)
    check_get_params_invariance("TextFeatures", est)
    check_set_params("TextFeatures", est)
    texts = ["more training for staff", "shared records", "training budget", "records online"]
    rows = TextRows(texts, np.random.default_rng(1).normal(size=(4, 3)), ["II", "III", "II", "IV"])
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.transform(rows)
    assert est.fit(rows) is est
    check_is_fitted(est)
    assert {"vocabulary_", "idf_", "questions_"} <= {a for a in vars(est) if a.endswith("_")}
    twin = clone(est)
    assert twin.get_params() == est.get_params() and not hasattr(twin, "vocabulary_")
    np.testing.assert_array_equal(twin.fit_transform(rows).toarray(), est.transform(rows).toarray())
    no_words = TextFeatures(tfidf=False).fit(rows)
    assert no_words.vocabulary_ == {} and no_words.transform(rows).shape == (4, 3 + 3)
    with pytest.raises(FeaturesError, match="one embedding row and one question per text"):
        TextRows(texts, np.zeros((3, 2)), ["II"] * 4)


def test_classes_are_the_code_ids() -> None:
    from sklearn.utils.validation import check_is_fitted

    X, Y = blobs(n=200)
    codes = ["staff", "records", "waiting"]
    est = CodeClassifier(codes=codes)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    est.fit(X, Y)
    check_is_fitted(est)
    assert est.classes_.tolist() == codes
    assert CodeClassifier().fit(X, Y).classes_.tolist() == [0, 1, 2]  # no ids: column numbers
    twin = clone(est)
    assert twin.get_params()["codes"] == codes and not hasattr(twin, "classes_")
    config, arrays = est.to_parts()
    assert CodeClassifier.from_parts(config, arrays).classes_.tolist() == codes
    # a head saved before it kept its codes gets them from the model folder's frame
    config["params"]["codes"] = None
    again = CodeClassifier.from_parts(config, arrays, codes=codes)
    assert again.classes_.tolist() == codes and again.get_params()["codes"] == codes
    with pytest.raises(ClassifierError, match="one code id per column"):
        CodeClassifier(codes=codes[:2]).fit(X, Y)
