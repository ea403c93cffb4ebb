"""The committed model folder ``models/nhs_fft_v6`` loads and suggests codes, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from coder.data.codebook import load_codebook
from coder.suggest.embeddings import Embedder, backend_of
from coder.suggest.ideas import Ideas
from coder.suggest.models import CodebookMismatchError, load_model
from coder.suggest.predict import predict

FOLDER = Path(__file__).resolve().parent.parent / "models" / "nhs_fft_v6"


def test_the_nhs_model_loads_and_predicts_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    model = load_model(FOLDER, load_codebook(FOLDER / "codebook.yaml"))
    assert model.model_id in (FOLDER / "README.md").read_text(encoding="utf-8")
    # the packaged model, as the card says, run in fp32 as it was trained (before int8)
    assert backend_of(model.training) == "torch"
    embedder = Embedder(cache=None, backend=backend_of(model.training))
    assert embedder.model_id == model.embedding_model
    ideas = Ideas(
        ["a", "b"],
        [
            "The nurses were so kind and caring, thank you all.",
            "I waited over four hours in A&E before anyone saw me.",
        ],
        ["q1", "q1"],
    )
    (themes,) = predict(model, ideas, embedder.encode(ideas.texts))
    codes: list[str] = model.frames["themes"]["codes"]
    assert themes.rows == [0, 1] and themes.probs.shape == (2, len(codes))
    suggested = [{codes[j] for j in range(len(codes)) if themes.suggested[i, j]} for i in (0, 1)]
    assert "staff_manner_personal_attributes" in suggested[0]
    assert "timeliness_of_care" in suggested[1]
    assert "timeliness_of_care" not in suggested[0]


def test_the_nhs_model_refuses_another_codebook() -> None:
    with pytest.raises(CodebookMismatchError, match="coder train"):
        load_model(FOLDER, load_codebook())
