"""Coverage at a target quality: the coverage-quality curve (properties and a worked example)
and routing by target F1 (``suggest(..., target_f1=...)``), which cuts each frame's confidence
where the model's out-of-fold decisions on its training items reach the target."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coder.data.store import Project
from coder.suggest.coverage import CoverageError, coverage_curve
from coder.suggest.evaluate import f1_scores
from coder.suggest.ideas import all_ideas
from coder.suggest.lookup import MODELS_DIR, SuggestError
from coder.suggest.models import OutOfFold, load_model
from coder.suggest.predict import predict
from coder.suggest.train import train
from coder.suggest.write import suggest
from tests.test_suggest import FakeEmbedder, make_project


def test_the_curve_decides_tied_items_together() -> None:
    Y = np.array([[1], [0], [1], [1]])
    P = np.array([[1], [1], [1], [0]])
    curve = coverage_curve(Y, P, [0.9, 0.5, 0.5, 0.2])
    np.testing.assert_allclose(curve.confidence, [0.9, 0.5, 0.2])
    np.testing.assert_allclose(curve.coverage, [0.25, 0.75, 1.0])
    np.testing.assert_allclose(curve.micro_f1, [1.0, 0.8, 2 * 2 / (2 * 2 + 2)])
    assert curve.cut_for(0.8) is not None and curve.cut_for(0.8).coverage == 0.75  # type: ignore[union-attr]
    assert curve.cut_for(1.0).coverage == 0.25  # type: ignore[union-attr]
    assert curve.at_coverage(0.5).coverage == 0.75


def test_a_target_nothing_reaches_gives_no_cut() -> None:
    curve = coverage_curve(np.array([[1], [1]]), np.array([[0], [0]]), [0.9, 0.1])
    assert curve.cut_for(0.5) is None
    with pytest.raises(CoverageError, match=r"\(0, 1\]"):
        curve.cut_for(1.5)


def test_bad_input_is_refused() -> None:
    with pytest.raises(CoverageError, match="do not match"):
        coverage_curve(np.zeros((3, 2)), np.zeros((3, 2)), [0.5, 0.5])
    with pytest.raises(CoverageError, match="no items"):
        coverage_curve(np.zeros((0, 2)), np.zeros((0, 2)), [])
    with pytest.raises(CoverageError, match="NaN"):
        coverage_curve(np.zeros((1, 2)), np.zeros((1, 2)), [np.nan])


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(1, 5), st.integers(0, 10_000))
def test_curve_properties(n: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    Y, P = rng.integers(0, 2, (n, k)), rng.integers(0, 2, (n, k))
    conf = rng.choice([0.1, 0.4, 0.7, 0.9], n)
    curve = coverage_curve(Y, P, conf)
    # full coverage is micro-F1 on everything (1 when there is nothing to get right or wrong)
    full = f1_scores(Y, P)["micro_f1"] if (Y.sum() + P.sum()) else 1.0
    assert curve.coverage[-1] == 1.0 and curve.micro_f1[-1] == pytest.approx(full)
    assert np.all(np.diff(curve.coverage) > 0) and np.all(np.diff(curve.confidence) < 0)
    # each point is the micro-F1 of exactly the items at or above its cut
    for c, cov, f in zip(curve.confidence, curve.coverage, curve.micro_f1, strict=True):
        keep = conf >= c
        assert keep.mean() == pytest.approx(cov)
        if Y[keep].sum() + P[keep].sum():
            assert f == pytest.approx(f1_scores(Y[keep], P[keep])["micro_f1"])
    # permuting the items changes nothing
    order = rng.permutation(n)
    again = coverage_curve(Y[order], P[order], conf[order])
    np.testing.assert_allclose(again.micro_f1, curve.micro_f1)


def _frame_confidence(project: Project, model_id: str) -> dict[str, dict[str, float]]:
    model = load_model(project.path / MODELS_DIR / model_id)
    ideas = all_ideas(project)
    out: dict[str, dict[str, float]] = {}
    for p in predict(model, ideas, FakeEmbedder().encode(ideas.texts)):
        out[p.frame_id] = {ideas.ids[i]: float(p.confidence[r]) for r, i in enumerate(p.rows)}
    return out


def test_routing_by_target_f1_uses_the_cross_validated_curve(tmp_path: Path) -> None:
    with make_project(tmp_path, n=120, coded=80) as project:
        model = train(project, FakeEmbedder()).model
        for frame, oof in model.oof.items():
            assert oof.confidence is not None and oof.labels is not None, frame
            assert oof.curve() is not None
        reloaded = load_model(project.path / MODELS_DIR / model.model_id)
        np.testing.assert_array_equal(reloaded.oof["topic"].labels, model.oof["topic"].labels)
        conf = _frame_confidence(project, model.model_id)
        routed_by_target = {}
        for target in (0.5, 0.9, 1.0):
            report = suggest(project, model, FakeEmbedder(), all_ideas_too=True, target_f1=target)
            assert set(report.cuts) == set(model.heads) and report.target_f1 == target
            expected = set()
            for frame, cut in report.cuts.items():
                curve = model.oof[frame].curve()
                assert curve is not None and cut == curve.cut_for(target)
                expected |= {i for i, c in conf[frame].items() if cut is None or c < cut.confidence}
            routed = {
                idea
                for idea, flag in project.conn.execute(
                    "SELECT idea_id, abstained FROM suggestion_items WHERE model_id = ?",
                    (model.model_id,),
                )
                if flag
            }
            assert routed == expected and report.abstained == len(expected)
            routed_by_target[target] = len(routed)
        # a higher target never routes fewer ideas; a modest one leaves most to the model
        assert routed_by_target[0.5] <= routed_by_target[0.9] <= routed_by_target[1.0]
        assert routed_by_target[0.5] < 60


def test_routing_by_target_needs_the_curve_and_excludes_a_share(tmp_path: Path) -> None:
    with make_project(tmp_path) as project:
        model = train(project, FakeEmbedder()).model
        with pytest.raises(SuggestError, match="not both"):
            suggest(project, model, FakeEmbedder(), route_share=0.2, target_f1=0.8)
        with pytest.raises(SuggestError, match="above 0 and at most 1"):
            suggest(project, model, FakeEmbedder(), target_f1=1.2)
        old = dataclasses.replace(
            model,
            oof={f: OutOfFold(o.ideas, o.decisions) for f, o in model.oof.items()},
        )
        assert all(o.curve() is None for o in old.oof.values())
        with pytest.raises(SuggestError, match="retrain with `coder train`"):
            suggest(project, old, FakeEmbedder(), target_f1=0.8)
