"""Scale-out on a Dask cluster: embedding and suggesting on the workers.

Each worker loads the embedding model and the suggestion model once, through a worker plugin;
``distributed`` is imported lazily, only when a cluster is used.
"""

from __future__ import annotations

import importlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from coder.suggest.embeddings import AUTO, Embedder, backend_of
from coder.suggest.ideas import Ideas
from coder.suggest.models import SuggestionModel, load_model
from coder.suggest.predict import FramePrediction, predict

PLUGIN = "coder-suggest"


class SuggestPlugin:
    """The state of a Dask worker: the embedding model and suggestion model, loaded once."""

    def __init__(
        self,
        model_folder: str | None,
        embedding: str | None,
        cache: str | None,
        backend: str = AUTO,
    ) -> None:
        self.model_folder = model_folder
        self.embedding = embedding
        self.cache = cache
        self.backend = backend
        self.model: SuggestionModel | None = None
        self.embedder: Embedder | None = None

    def setup(self, worker: Any) -> None:
        self.embedder = Embedder(self.embedding, cache=self.cache, threads=1, backend=self.backend)
        self.embedder.load()
        if self.model_folder is not None:
            self.model = load_model(self.model_folder)

    def teardown(self, worker: Any) -> None:
        if self.embedder is not None:
            self.embedder.close()


def _plugin() -> SuggestPlugin:
    worker: Any = importlib.import_module("distributed").get_worker()
    plugin: SuggestPlugin = worker.plugins[PLUGIN].state
    return plugin


def _worker_plugin(state: SuggestPlugin) -> Any:
    """Wrap ``state`` in a WorkerPlugin (defined here so distributed is imported lazily)."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class _Plugin(WorkerPlugin):
        name = PLUGIN

        def __init__(self, state: SuggestPlugin) -> None:
            self.state = state

        def setup(self, worker: Any) -> None:
            self.state.setup(worker)

        def teardown(self, worker: Any) -> None:
            self.state.teardown(worker)

    return _Plugin(state)


def _embed_chunk(texts: list[str]) -> npt.NDArray[np.float32]:
    embedder = _plugin().embedder
    assert embedder is not None  # set up by the plugin
    return embedder.encode(texts)


def _suggest_chunk(texts: list[str], questions: list[str]) -> list[FramePrediction]:
    plugin = _plugin()
    assert plugin.embedder is not None and plugin.model is not None
    ideas = Ideas([""] * len(texts), texts, questions)
    return predict(plugin.model, ideas, plugin.embedder.encode(texts))


class _Cluster:
    """A client on ``scheduler`` (an address, or "local" for a two-worker LocalCluster)."""

    def __init__(self, scheduler: str, plugin: SuggestPlugin) -> None:
        dist: Any = importlib.import_module("distributed")
        self.cluster: Any = None
        self.client: Any
        if scheduler == "local":
            self.cluster = dist.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = dist.Client(self.cluster)
        else:
            self.client = dist.Client(scheduler)
        self.client.register_plugin(_worker_plugin(plugin), name=PLUGIN)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            # workers holding torch threads take a moment to stop: the nanny's warning about
            # killing them is expected here, not news for the user
            nanny = logging.getLogger("distributed.nanny")
            level = nanny.level
            nanny.setLevel(logging.ERROR)
            try:
                self.cluster.close()
            finally:
                nanny.setLevel(level)


def _chunks(n: int, size: int) -> list[range]:
    return [range(s, min(n, s + size)) for s in range(0, n, size)]


def embed_on_cluster(
    texts: Sequence[str],
    scheduler: str,
    model: str | None = None,
    cache: str | Path | None = None,
    chunk: int = 2000,
    backend: str = AUTO,
) -> npt.NDArray[np.float32]:
    """Embed texts on a Dask cluster; rows in the order of ``texts``."""
    plugin = SuggestPlugin(None, model, str(cache) if cache else None, backend)
    cluster = _Cluster(scheduler, plugin)
    try:
        parts = [list(texts[r.start : r.stop]) for r in _chunks(len(texts), chunk)]
        futures = cluster.client.map(_embed_chunk, parts, pure=False)
        results = cluster.client.gather(futures)
    finally:
        cluster.close()
    if not results:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack(results).astype(np.float32)


def predict_on_cluster(
    ideas: Ideas,
    model_folder: str | Path,
    scheduler: str,
    cache: str | Path | None = None,
    chunk: int = 2000,
) -> list[FramePrediction]:
    """:func:`predict` for ``ideas`` on a Dask cluster, embedding on the workers too."""
    model = load_model(model_folder)
    plugin = SuggestPlugin(
        str(model_folder),
        model.training.get("embedding_name"),
        str(cache) if cache else None,
        backend_of(model.training),
    )
    cluster = _Cluster(scheduler, plugin)
    ranges = _chunks(len(ideas.ids), chunk)
    try:
        futures = [
            cluster.client.submit(
                _suggest_chunk,
                ideas.texts[r.start : r.stop],
                ideas.questions[r.start : r.stop],
                pure=False,
            )
            for r in ranges
        ]
        results = cluster.client.gather(futures)
    finally:
        cluster.close()
    merged: dict[str, list[FramePrediction]] = defaultdict(list)
    for r, preds in zip(ranges, results, strict=True):
        for p in preds:
            merged[p.frame_id].append(
                FramePrediction(
                    p.frame_id, [r.start + i for i in p.rows], p.probs, p.suggested, p.confidence
                )
            )
    return [
        FramePrediction(
            frame,
            [i for p in parts for i in p.rows],
            np.vstack([p.probs for p in parts]),
            np.vstack([p.suggested for p in parts]),
            np.concatenate([p.confidence for p in parts]),
        )
        for frame, parts in merged.items()
    ]
