"""Embeddings: the packaged model offline, lazy loading, and the cache (each text embedded once,
keyed by model id and text hash, holding no text)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from coder.suggest.embeddings import (
    DEFAULT_MODEL,
    Embedder,
    EmbeddingCache,
    EmbeddingError,
    resolve_model,
    text_hash,
)

TEXTS = [
    "More protected time for staff to learn digital skills.",
    "One shared record across the hospital and GP.",
    "More protected time for staff to learn digital skills.",
    "Patients should see their own records on their phone.",
]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    assert os.environ.get("HF_HUB_OFFLINE", "1") == "1"
    return Embedder(cache=tmp_path_factory.mktemp("emb") / "cache.sqlite")


def test_default_model_resolves_offline_without_loading() -> None:
    ref = resolve_model(None)
    assert ref.name == DEFAULT_MODEL and ref.id.startswith(f"{DEFAULT_MODEL}==")
    assert Path(ref.source, "modules.json").is_file()
    assert not Embedder(cache=None).loaded


def test_packaged_model_embeds_and_caches(embedder: Embedder) -> None:
    assert not embedder.loaded
    V = embedder.encode(TEXTS)
    assert embedder.loaded
    assert V.shape == (4, 384) and V.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(V[0], V[2])
    assert embedder.stats.texts == 4 and embedder.stats.distinct == 3
    assert embedder.stats.embedded == 3 and embedder.stats.cached == 0
    # similar texts are nearer than unrelated ones
    assert V[1] @ V[3] > V[0] @ V[1] - 0.5
    again = embedder.encode(list(reversed(TEXTS)))
    assert embedder.stats.embedded == 0 and embedder.stats.cached == 3
    np.testing.assert_array_equal(again, V[::-1])


def test_the_cache_is_reused_across_instances_without_loading(embedder: Embedder) -> None:
    assert embedder.cache is not None
    embedder.encode(TEXTS)
    fresh = Embedder(cache=embedder.cache.path)
    V = fresh.encode(TEXTS[:2])
    assert fresh.stats.embedded == 0 and not fresh.loaded
    assert V.shape == (2, 384)


def test_cache_is_keyed_by_model_and_holds_no_text(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    vec = np.arange(4, dtype=np.float32)
    cache.put("model-a", {text_hash("secret words"): vec})
    assert cache.get("model-b", [text_hash("secret words")]) == {}
    np.testing.assert_array_equal(
        cache.get("model-a", [text_hash("secret words")])[text_hash("secret words")], vec
    )
    assert cache.count() == 1 and cache.count("model-a") == 1
    cache.close()
    for f in tmp_path.iterdir():
        assert b"secret words" not in f.read_bytes()


def test_unknown_model_fails_with_a_fix(tmp_path: Path) -> None:
    emb = Embedder("no-such-org/no-such-model", cache=tmp_path / "c.sqlite")
    assert emb.model_id == "hub:no-such-org/no-such-model"
    with pytest.raises(EmbeddingError, match="nothing is downloaded"):
        emb.encode(["a text"])


def test_a_local_folder_is_a_model_of_its_own(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    first = resolve_model(str(folder))
    assert first.id.startswith("local:my-model:") and first.source == str(folder.resolve())
    (folder / "config.json").write_text('{"changed": 1}')
    assert resolve_model(str(folder)).id != first.id


def test_empty_input(embedder: Embedder) -> None:
    assert embedder.encode([]).shape == (0, 384)


def test_int8_model_is_close_and_cached_apart(embedder: Embedder) -> None:
    assert embedder.cache is not None
    fp32 = embedder.encode(TEXTS)
    quick = Embedder(cache=embedder.cache.path, int8=True)
    assert quick.model_id == embedder.model_id + "+int8"
    V = quick.encode(TEXTS)
    assert quick.stats.embedded == 3  # not served the fp32 vectors
    cos = (V * fp32).sum(axis=1)
    assert cos.min() > 0.8 and cos.mean() > 0.9
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0, atol=1e-5)
