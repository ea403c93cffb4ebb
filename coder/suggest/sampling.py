"""Choosing what to code next: the uncoded ideas most worth a human coder's time.

Strategies ``stratified``, ``uncertainty`` (needs ``coder suggest`` first) and ``diversity``;
see :func:`sample`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coder.data.queries import latest_model_id
from coder.data.store import Project
from coder.suggest.embeddings import Embedder
from coder.suggest.ideas import Ideas, all_ideas, human_coded
from coder.suggest.lookup import SuggestError, load_latest_model, project_embedder

STRATEGIES = ("stratified", "uncertainty", "diversity")


@dataclass
class Pick:
    idea_id: str
    question: str
    score: float  # strategy-specific: 1 - confidence, distance, or stratum share


def sample(
    project: Project,
    n: int,
    strategy: str = "stratified",
    *,
    embedder: Embedder | None = None,
    model_id: str | None = None,
    seed: int = 0,
) -> list[Pick]:
    """Choose ``n`` ideas no human has coded, worth coding next.

    - ``stratified``: in proportion to each question's uncoded ideas, and within a question
      spread over the codes the latest model suggests (when there is one), at random.
    - ``uncertainty``: the ideas the latest model is least sure of (run ``coder suggest``
      first).
    - ``diversity``: farthest-first in embedding space from every coded or chosen idea.
    """
    if strategy not in STRATEGIES:
        raise SuggestError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if n < 1:
        raise SuggestError(f"--n is {n}; ask for at least one idea")
    ideas = all_ideas(project)
    coded = human_coded(project)
    framed = {q for f in project.codebook.frames for q in f.questions}
    pool = [
        i
        for i, (idea, q) in enumerate(zip(ideas.ids, ideas.questions, strict=True))
        if idea not in coded and q in framed
    ]
    if not pool:
        raise SuggestError("every idea under a coded question has been coded; nothing to sample")
    rng = np.random.default_rng(seed)
    if strategy == "uncertainty":
        picks = _by_uncertainty(project, ideas, pool, model_id)
        return picks[:n]
    if strategy == "diversity":
        embedder = embedder or project_embedder(project)
        vectors = embedder.encode(ideas.texts)
        chosen = _farthest_first(vectors, pool, [ideas.ids.index(c) for c in coded], n, rng)
        return [Pick(ideas.ids[i], ideas.questions[i], d) for i, d in chosen]
    return _stratified(project, ideas, pool, n, rng)


def _by_uncertainty(
    project: Project, ideas: Ideas, pool: list[int], model_id: str | None
) -> list[Pick]:
    model = load_latest_model(project, model_id)
    conf = dict(
        project.conn.execute(
            "SELECT idea_id, confidence FROM suggestion_items WHERE model_id = ?",
            (model.model_id,),
        )
    )
    scored = [i for i in pool if ideas.ids[i] in conf]
    if not scored:
        raise SuggestError(
            f"model {model.model_id} has no suggestions for the uncoded ideas; run "
            f"`coder suggest {project.path}` first"
        )
    scored.sort(key=lambda i: (conf[ideas.ids[i]], ideas.ids[i]))
    return [Pick(ideas.ids[i], ideas.questions[i], 1.0 - float(conf[ideas.ids[i]])) for i in scored]


def _farthest_first(
    vectors: npt.NDArray[np.float32],
    pool: list[int],
    coded: list[int],
    n: int,
    rng: np.random.Generator,
) -> list[tuple[int, float]]:
    V = vectors[pool].astype(np.float64)
    if coded:
        dist = 1.0 - (V @ vectors[coded].astype(np.float64).T).max(axis=1)
    else:
        dist = np.full(len(pool), np.inf)
        dist[int(rng.integers(len(pool)))] = np.inf
    out: list[tuple[int, float]] = []
    taken = np.zeros(len(pool), dtype=bool)
    for _ in range(min(n, len(pool))):
        d = np.where(taken, -np.inf, dist)
        k = int(np.argmax(d))
        out.append((pool[k], float(d[k]) if np.isfinite(d[k]) else 1.0))
        taken[k] = True
        dist = np.minimum(dist, 1.0 - V @ V[k])
    return out


def _stratified(
    project: Project, ideas: Ideas, pool: list[int], n: int, rng: np.random.Generator
) -> list[Pick]:
    top: dict[str, str] = {}
    model_id = latest_model_id(project)
    if model_id is not None:
        for idea, code in project.conn.execute(
            "SELECT idea_id, code_id FROM suggestions WHERE model_id = ? AND score IS NOT NULL"
            " ORDER BY score ASC",
            (model_id,),
        ):
            top[idea] = code  # the highest score comes last
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in pool:
        strata[(ideas.questions[i], top.get(ideas.ids[i], ""))].append(i)
    keys = sorted(strata)
    for key in keys:
        rng.shuffle(strata[key])
    total = len(pool)
    # largest-remainder allocation in proportion to stratum size, then round-robin leftovers
    quota = {k: n * len(strata[k]) / total for k in keys}
    take = {k: min(len(strata[k]), int(quota[k])) for k in keys}
    for k in sorted(keys, key=lambda k: quota[k] - int(quota[k]), reverse=True):
        if sum(take.values()) >= min(n, total):
            break
        if take[k] < len(strata[k]):
            take[k] += 1
    picks = [
        Pick(ideas.ids[i], ideas.questions[i], len(strata[k]) / total)
        for k in keys
        for i in strata[k][: take[k]]
    ]
    return picks[:n]
