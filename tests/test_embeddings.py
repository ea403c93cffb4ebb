"""Embeddings: the packaged model offline, lazy loading, and the cache (each text embedded once,
keyed by model id and text hash, holding no text); the backends (onnx-int8 by default, torch
fp32, torch int8), cached apart; the int8 path's vectors independent of their batch."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from coder.data.store import text_hash
from coder.suggest import onnx_int8
from coder.suggest.embeddings import (
    DEFAULT_MODEL,
    Embedder,
    EmbeddingCache,
    EmbeddingError,
    backend_of,
    resolve_model,
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


def test_onnx_int8_is_the_default_and_every_backend_is_cached_apart(embedder: Embedder) -> None:
    assert embedder.cache is not None
    assert embedder.backend == "onnx-int8" and embedder.model_id.endswith("+onnx-int8")
    int8 = embedder.encode(TEXTS)
    fp32_embedder = Embedder(cache=embedder.cache.path, backend="torch")
    assert fp32_embedder.model_id == resolve_model(None).id  # the id of caches before int8
    fp32 = fp32_embedder.encode(TEXTS)
    assert fp32_embedder.stats.embedded == 3  # not served the int8 vectors
    torch_int8 = Embedder(cache=embedder.cache.path, backend="torch-int8")
    assert torch_int8.model_id == resolve_model(None).id + "+int8"
    V = torch_int8.encode(TEXTS)
    assert torch_int8.stats.embedded == 3
    for other in (int8, V):
        cos = (other * fp32).sum(axis=1)
        assert cos.min() > 0.8 and cos.mean() > 0.9
        np.testing.assert_allclose(np.linalg.norm(other, axis=1), 1.0, atol=1e-5)
    assert ((int8 * fp32).sum(axis=1)).mean() > 0.97


def test_another_model_defaults_to_torch_and_backends_are_checked(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    assert Embedder(str(folder), cache=None).backend == "torch"
    with pytest.raises(EmbeddingError, match="unknown embedding backend 'gpu'"):
        Embedder(cache=None, backend="gpu")
    with pytest.raises(EmbeddingError, match="--backend torch"):
        Embedder(str(folder), cache=None, backend="onnx-int8").encode(["a text"])
    with pytest.raises(EmbeddingError, match="needs a model folder"):
        Embedder("no-such-org/no-such-model", cache=None, backend="onnx-int8").encode(["a"])


def test_a_models_recorded_backend() -> None:
    assert backend_of({"embedding_backend": "onnx-int8"}) == "onnx-int8"
    assert backend_of({"embedding_int8": True}) == "torch-int8"  # folders before backends
    assert backend_of({}) == "torch"


MIXED = [
    "Kind staff.",
    "The nurse explained everything about my medication and the follow-up appointment, and "
    "the doctor listened to all my worries even though the ward was very busy that night.",
    "Parking was a nightmare!",
    "ok",
    "",
    "Waited four hours in A&E with a broken wrist; no one told us what was happening.",
]


def test_an_int8_vector_does_not_depend_on_its_batch(embedder: Embedder) -> None:
    """Dynamic int8 quantisation scales activations by their range: in a padded batch a text's
    vector would depend on its neighbours. Each text runs alone, so it does not."""
    encoder = embedder.load()
    together = encoder.encode(MIXED)
    for i, text in enumerate(MIXED):
        alone = encoder.encode([text])[0]
        np.testing.assert_array_equal(alone, together[i])
    reordered = encoder.encode(MIXED[::-1] + MIXED[:2])
    np.testing.assert_array_equal(reordered[: len(MIXED)], together[::-1])
    one_thread = onnx_int8.Int8Encoder(resolve_model(None).source, encoder.model_file, threads=1)
    np.testing.assert_array_equal(one_thread.encode(MIXED), together)


def test_the_int8_model_is_built_once_and_keyed_by_the_model_files(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = resolve_model(None).source
    built = embedder.load().model_file
    assert built.parent.name == onnx_int8.build_key(source)

    def fail(*args: object) -> list[str]:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_int8, "_export", fail)
    assert onnx_int8.build(source) == built
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    key = onnx_int8.build_key(folder)
    (folder / "model.safetensors").write_bytes(b"other weights")
    assert onnx_int8.build_key(folder) != key
    monkeypatch.setenv("CODER_CACHE_DIR", str(tmp_path / "cache"))
    assert onnx_int8.cache_dir() == tmp_path / "cache" / "onnx"


def test_only_mean_pooled_pipelines_take_the_int8_path(tmp_path: Path) -> None:
    assert onnx_int8.unsupported_reason(resolve_model(None).source) is None
    assert "modules.json" in str(onnx_int8.unsupported_reason(tmp_path))
    (tmp_path / "modules.json").write_text(
        '[{"path": "", "type": "sentence_transformers.models.Transformer"},'
        ' {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]'
    )
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    assert "not mean pooling" in str(onnx_int8.unsupported_reason(tmp_path))
