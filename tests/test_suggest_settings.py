"""Training settings (checked, frozen, kept in the model folder), model folders written before
the settings were kept, and finding the newest model once (the store query and the loader).
Synthetic projects with the fast stand-in embedder of ``tests.test_suggest``."""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from coder.data.queries import latest_model_id, model_ids, model_record
from coder.data.store import Project
from coder.errors import CoderError, NotFoundError
from coder.suggest.classifier import CodeClassifier
from coder.suggest.ideas import all_ideas
from coder.suggest.lookup import SuggestError, load_latest_model
from coder.suggest.models import load_model
from coder.suggest.predict import predict
from coder.suggest.settings import SettingsError, TrainingSettings
from coder.suggest.train import train
from tests.test_suggest import FakeEmbedder, make_project

# A model folder written before the settings were kept in it (trained with
# include_reference=True and abstain_below=0.8 on ``make_project``'s data).
OLD_FOLDER = Path(__file__).parent / "data" / "model-folder-before-settings"


@pytest.fixture
def proj(tmp_path: Path) -> Iterator[Project]:
    with make_project(tmp_path) as p:
        yield p


def test_bad_settings_are_all_refused_at_once_with_the_fix() -> None:
    with pytest.raises(SettingsError) as caught:
        TrainingSettings(min_examples=0, abstain_below=1.5, cv=1, class_weight="even")
    message = str(caught.value)
    assert message.startswith("4 bad training settings")
    assert (
        "min_examples is 0; give a whole number of at least 1 (`coder train --min-examples`)"
        in (message)
    )
    assert "abstain_below is 1.5; give a number from 0 to 1 (`coder train --abstain-below`)" in (
        message
    )
    assert "cv is 1" in message and "class_weight is 'even'" in message
    assert isinstance(caught.value, CoderError) and isinstance(caught.value, ValueError)
    for bad in (
        {"min_examples": True},  # a bool is not a count
        {"min_examples": 2.5},
        {"abstain_below": float("nan")},
        {"C": 0},
        {"at_least_one": "sometimes"},
        {"include_reference": "yes"},
        {"random_state": None},
    ):
        with pytest.raises(SettingsError, match=next(iter(bad))):
            TrainingSettings(**bad)  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="unknown training setting colour"):
        TrainingSettings.from_dict({"colour": "blue"})


def test_settings_are_frozen_and_match_the_classifier_defaults() -> None:
    settings = TrainingSettings(C=4)
    assert settings == TrainingSettings() and isinstance(settings.C, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.min_examples = 2  # type: ignore[misc]
    defaults = {k: p.default for k, p in inspect.signature(CodeClassifier).parameters.items()}
    assert settings.head_params() == {k: defaults[k] for k in settings.head_params()}
    assert TrainingSettings.from_dict(settings.to_dict()) == settings


def test_settings_round_trip_through_the_model_folder(proj: Project) -> None:
    settings = TrainingSettings(include_reference=True, min_examples=3, abstain_below=0.7)
    report = train(proj, FakeEmbedder(), settings)
    assert report.model.settings == settings
    config = json.loads((report.folder / "config.json").read_text())
    assert config["settings"] == settings.to_dict()
    assert config["training"]["coders"] == ["ann", "bob", "gold"]  # reference coders used
    loaded = load_model(report.folder, proj.codebook)
    assert loaded.settings == settings and loaded.model_id == report.model.model_id
    for frame_id, head in loaded.heads.items():
        assert head.min_examples == 3 and head.abstain_below == 0.7
        assert head.classes_.tolist() == [c.id for c in proj.codebook.frame(frame_id).codes]
    assert "min_examples 3" in (report.folder / "README.md").read_text()
    # other settings, another model
    assert train(proj, FakeEmbedder()).model.model_id != report.model.model_id


def test_a_folder_written_before_the_settings_were_kept_still_loads(proj: Project) -> None:
    old = load_model(OLD_FOLDER, proj.codebook)
    assert "settings" not in json.loads((OLD_FOLDER / "config.json").read_text())
    assert old.settings == TrainingSettings(include_reference=True, abstain_below=0.8)
    assert old.heads["tone"].classes_.tolist() == ["positive", "negative"]
    # the same data and settings train a model that suggests exactly what the old one does
    new = train(proj, FakeEmbedder(), old.settings).model
    ideas = all_ideas(proj)
    vectors = FakeEmbedder().encode(ideas.texts)
    for a, b in zip(predict(old, ideas, vectors), predict(new, ideas, vectors), strict=True):
        assert a.frame_id == b.frame_id and a.rows == b.rows
        np.testing.assert_array_equal(a.probs, b.probs)
        np.testing.assert_array_equal(a.suggested, b.suggested)
        np.testing.assert_array_equal(a.confidence, b.confidence)


def test_the_newest_model_is_found_once(proj: Project) -> None:
    assert latest_model_id(proj) is None and model_record(proj) is None
    with pytest.raises(SuggestError, match="coder train"):
        load_latest_model(proj)
    first = train(proj, FakeEmbedder()).model.model_id
    second = train(proj, FakeEmbedder(), TrainingSettings(min_examples=3)).model.model_id
    assert latest_model_id(proj) == latest_model_id(proj.conn) == second
    assert model_ids(proj) == [first, second]
    record = model_record(proj, first)
    assert record is not None and record.path == f"models/{first}"
    assert load_latest_model(proj).model_id == second
    assert load_latest_model(proj, first).model_id == first
    with pytest.raises(NotFoundError, match=f"no model 'm-nope'.*{first}, {second}"):
        load_latest_model(proj, "m-nope")
