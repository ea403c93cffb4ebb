"""The example's synthetic answers: every person's coding of every gold-coded idea."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from coder.data.codings import Coding, read_codings
from coder.data.contributions import ingest
from coder.data.moves import move_ideas, read_moves
from coder.data.store import Project, init_project
from coder.demo.example import example_file
from tests.test_example import _kappa

CODERS = ("alex@example.org", "sam@example.org")
REVIEWER = "rev@example.org"
Codings = dict[tuple[str, str], Coding]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """The example's ideas, moved as the analysts moved them (as the demo builds it)."""
    with init_project(tmp_path_factory.mktemp("answers") / "project") as p:
        ingest(
            p,
            participants=example_file("participants.csv"),
            ideas=example_file("ideas.csv"),
            comments=example_file("comments.csv"),
            votes=example_file("votes.csv"),
        )
        move_ideas(p, read_moves(example_file("moves.csv")))
        yield p


@pytest.fixture(scope="module")
def codings(project: Project) -> dict[str, Codings]:
    """Each file read and validated against the project (an invalid file fails here)."""
    names = ("gold_coding.csv", "coder_codings.csv", "coder_answers.csv", "reviewer_answers.csv")
    return {name: read_codings(project, example_file(name)) for name in names}


def _rows(name: str) -> list[dict[str, str]]:
    with Path(example_file(name)).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _pooled_kappa(
    project: Project, answers: Codings, gold: Codings, coders: tuple[str, ...]
) -> dict[str, float]:
    """Per frame, kappa of code indicators pooled over the frame's codes, the given coders and
    the gold-coded ideas of the frame's questions (an exclusion applies no code)."""
    question = dict(
        project.conn.execute("SELECT idea_id, COALESCE(analysis_question, question) FROM ideas")
    )
    ideas = sorted(i for i, _ in gold)
    out = {}
    for frame in project.codebook.frames:
        xs: list[bool] = []
        ys: list[bool] = []
        for coder in coders:
            for idea in ideas:
                if question[idea] not in frame.questions:
                    continue
                mine = answers[idea, coder].codes.get(frame.id, set())
                truth = gold[idea, "gold"].codes.get(frame.id, set())
                xs += [c.id in mine for c in frame.codes]
                ys += [c.id in truth for c in frame.codes]
        out[frame.id] = _kappa(xs, ys)
    return out


def test_answers_load_and_cover_every_gold_idea(codings: dict[str, Codings]) -> None:
    gold_ideas = {i for i, _ in codings["gold_coding.csv"]}
    assert len(gold_ideas) == 192
    coder_answers = codings["coder_answers.csv"]
    reviewer_answers = codings["reviewer_answers.csv"]
    assert set(coder_answers) == {(i, c) for i in gold_ideas for c in CODERS}
    assert set(reviewer_answers) == {(i, REVIEWER) for i in gold_ideas}
    for coding in [*coder_answers.values(), *reviewer_answers.values()]:
        assert coding.not_relevant_reason or any(coding.codes.values())


def test_coder_answers_extend_the_coders_sample(codings: dict[str, Codings]) -> None:
    sample, answers = codings["coder_codings.csv"], codings["coder_answers.csv"]
    assert len(sample) == 240
    for key, coding in sample.items():
        assert answers[key] == coding, key
    # Row for row too: the sample's rows appear unchanged in the answers.
    answer_rows = Counter(tuple(r.values()) for r in _rows("coder_answers.csv"))
    sample_rows = Counter(tuple(r.values()) for r in _rows("coder_codings.csv"))
    assert not sample_rows - answer_rows


def test_answers_agree_with_gold_like_real_coders(
    project: Project, codings: dict[str, Codings]
) -> None:
    gold = codings["gold_coding.csv"]
    reviewer = _pooled_kappa(project, codings["reviewer_answers.csv"], gold, (REVIEWER,))
    both = _pooled_kappa(project, codings["coder_answers.csv"], gold, CODERS)
    for frame in ("vision", "literacy", "readiness"):
        for coder in CODERS:
            kappa = _pooled_kappa(project, codings["coder_answers.csv"], gold, (coder,))[frame]
            assert 0.6 <= kappa <= 0.9, (coder, frame, kappa)
        assert 0.8 <= reviewer[frame] <= 0.98, (frame, reviewer[frame])
        assert reviewer[frame] > both[frame] + 0.02, frame  # the reviewer slips less
