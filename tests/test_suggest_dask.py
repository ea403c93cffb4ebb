"""Scale-out: embedding and suggesting on a two-worker Dask LocalCluster give the in-process
result (real packaged model; each worker loads it once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coder.suggest.embeddings import Embedder
from coder.suggest.ideas import all_ideas
from coder.suggest.lookup import MODELS_DIR
from coder.suggest.predict import predict
from coder.suggest.scaleout import embed_on_cluster
from coder.suggest.train import train
from coder.suggest.write import suggest
from tests.test_suggest import make_project


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        yield str(c.scheduler_address)


def test_cluster_embeddings_equal_in_process(cluster: str) -> None:
    texts = [
        f"staff were {w} and the wait was {n} hours" for w in ("kind", "rude") for n in range(9)
    ]
    local = Embedder(cache=None).encode(texts)
    remote = embed_on_cluster(texts, cluster, chunk=5)
    assert remote.shape == local.shape
    np.testing.assert_allclose(remote, local, atol=1e-5)


def test_cluster_suggestions_equal_in_process(cluster: str, tmp_path: Path) -> None:
    with make_project(tmp_path, n=60, coded=40) as project:
        report = train(project, Embedder(cache=None))
        ideas = all_ideas(project)
        local = predict(report.model, ideas, Embedder(cache=None).encode(ideas.texts))
        assert not (project.path / MODELS_DIR / "embeddings.sqlite").exists()
        done = suggest(project, report.model, all_ideas_too=True, scheduler=cluster)
        assert done.ideas == 60
        stored: dict[tuple[str, str, str], Any] = {
            (idea, frame, code): (score, suggested)
            for idea, frame, code, score, suggested in project.conn.execute(
                "SELECT idea_id, frame_id, code_id, score, suggested FROM suggestions"
            )
        }
        # the workers filled the project's embedding cache
        assert (project.path / MODELS_DIR / "embeddings.sqlite").exists()
    for p in local:
        codes = report.model.frames[p.frame_id]["codes"]
        for r, i in enumerate(p.rows):
            for j, code in enumerate(codes):
                score, suggested = stored[(ideas.ids[i], p.frame_id, code)]
                assert suggested == p.suggested[r, j]
                if np.isnan(p.probs[r, j]):
                    assert score is None
                else:
                    assert score == pytest.approx(p.probs[r, j], abs=1e-5)
