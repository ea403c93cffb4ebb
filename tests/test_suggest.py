"""Suggestions against the store: training labels, model folders (round trip, refusals),
suggestions that never touch human codings, sampling, and the commands. Synthetic projects
with a fast stand-in embedder; the commands run on the example with the packaged model."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from coder.cli.main import main
from coder.data.codebook import load_codebook
from coder.data.codings import Coding, coders, codings_of, store_codings, write_codings
from coder.data.contributions import ingest
from coder.data.store import Project, init_project, open_project
from coder.demo.example import example_file
from coder.suggest.embeddings import Embedder, Matrix, ModelRef
from coder.suggest.evaluate import compare_coders, demo_suggestions
from coder.suggest.ideas import all_ideas
from coder.suggest.lookup import MODELS_DIR, SuggestError, load_latest_model
from coder.suggest.models import CodebookMismatchError, ModelFolderError, load_model
from coder.suggest.policy import training_sets
from coder.suggest.predict import predict
from coder.suggest.sampling import sample
from coder.suggest.train import train
from coder.suggest.write import suggest
from coder.suggest.zeroshot import zero_shot
from tests.conftest import write_csv

TOPICS = {
    "staff": ["nurses", "staff", "kind", "caring", "team"],
    "records": ["records", "shared", "notes", "system", "online"],
    "training": ["training", "courses", "learning", "skills", "teach"],
    "waiting": ["waiting", "wait", "delay", "queue", "hours"],
}
TONES = {"positive": ["great", "thank", "excellent"], "negative": ["poor", "awful", "worse"]}
FILLER = ["the", "and", "was", "we", "it", "very", "a", "of", "to", "our"]


def codebook(rare: bool = True) -> dict[str, object]:
    codes = [{"id": t, "label": t.title(), "definition": f"About {t}: {' '.join(w)}"}
             for t, w in TOPICS.items()]  # fmt: skip
    if rare:
        codes.append({"id": "parking", "label": "Parking", "definition": "Car parking"})
    return {
        "id": "test-book",
        "title": "Test codebook",
        "questions": [{"id": "Q1", "label": "Q1"}, {"id": "Q2", "label": "Q2"}],
        "frames": [
            {"id": "topic", "label": "Topics", "selection": "multiple",
             "questions": ["Q1", "Q2"], "codes": codes},
            {"id": "tone", "label": "Tone", "selection": "exclusive", "questions": ["Q1", "Q2"],
             "codes": [{"id": t, "label": t.title()} for t in TONES]},
        ],
    }  # fmt: skip


class FakeEmbedder(Embedder):
    """Hashed bag of words in 64 dimensions: fast, deterministic, no model."""

    def __init__(self, cache: Path | None = None) -> None:
        super().__init__(None, cache=cache)
        self.ref = ModelRef("fake", "fake", "fake==1")
        self.calls = 0

    def forward(self, texts: Sequence[str]) -> Matrix:
        self.calls += 1
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def make_ideas(n: int, seed: int = 0) -> tuple[list[dict[str, object]], dict[str, Coding]]:
    rng = random.Random(seed)
    rows, truth = [], {}
    for i in range(n):
        topics = rng.sample(sorted(TOPICS), 1 if rng.random() < 0.7 else 2)
        tone = rng.choice(sorted(TONES))
        words = [w for t in topics for w in rng.sample(TOPICS[t], 3)]
        words += rng.sample(TONES[tone], 2) + rng.sample(FILLER, 4)
        if i % 40 == 7:
            words.append("parking")
            topics.append("parking")
        rng.shuffle(words)
        idea = f"idea-{i:03d}"
        rows.append({"idea_id": idea, "question": "Q1" if i % 3 else "Q2",
                     "text": " ".join(words), "author_id": f"p{i}"})  # fmt: skip
        truth[idea] = Coding({"topic": set(topics), "tone": {tone}})
    return rows, truth


def make_project(tmp_path: Path, n: int = 90, coded: int = 60, rare: bool = True) -> Project:
    """``n`` ideas; human coder ann codes the first ``coded``, bob every other one of them
    (agreeing with ann), and the reference coder gold codes them all."""
    book = tmp_path / "book.yaml"
    book.write_text(yaml.safe_dump(codebook(rare)), encoding="utf-8")
    project = init_project(tmp_path / "proj", book)
    rows, truth = make_ideas(n)
    ingest(project, ideas=write_csv(tmp_path / "ideas.csv", rows))
    ids = sorted(truth)
    human = {(idea, "ann"): truth[idea] for idea in ids[:coded]}
    human.update({(idea, "bob"): truth[idea] for idea in ids[:coded:2]})
    store_codings(project, human, kind="human")
    store_codings(project, {(idea, "gold"): truth[idea] for idea in ids}, kind="reference")
    return project


# --------------------------------------------------------------------------------------------
# Tests


@pytest.fixture
def proj(tmp_path: Path) -> Iterator[Project]:
    with make_project(tmp_path) as p:
        yield p


def human_rows(project: Project) -> list[tuple[object, ...]]:
    return project.conn.execute(
        "SELECT k.idea_id, k.coder_id, k.not_relevant_reason, k.updated_at, x.frame_id, x.code_id"
        " FROM codings k JOIN coders c USING (coder_id) LEFT JOIN coding_codes x"
        " USING (idea_id, coder_id) WHERE c.kind != 'model' ORDER BY 1, 2, 5, 6"
    ).fetchall()


def test_label_policy(proj: Project, tmp_path: Path) -> None:
    ideas = all_ideas(proj)
    # bob disagrees with ann on idea-000: a tie keeps the code (a missed code is the commoner
    # slip); on tone, an exclusive frame, the idea is left out of that frame
    first = codings_of(proj, "ann")["idea-000"]
    other_tone = {"negative"} if first.codes["tone"] == {"positive"} else {"positive"}
    store_codings(proj, {("idea-000", "bob"): Coding({"topic": {"parking"}, "tone": other_tone})})
    # a final coding wins over the coders; an idea excluded by its coders is left out
    store_codings(proj, {("idea-002", "rita"): Coding({"topic": {"waiting"}})}, kind="final")
    store_codings(proj, {("idea-004", "ann"): Coding(not_relevant_reason="spam")})
    sets, coders_used, digest = training_sets(proj, ideas)
    topic, tone = sets
    row = {ideas.ids[i]: r for r, i in enumerate(topic.rows)}
    codes = [c.id for c in topic.frame.codes]
    got = {codes[j] for j in np.flatnonzero(topic.Y[row["idea-000"]])}
    assert got == first.codes["topic"] | {"parking"}
    assert {codes[j] for j in np.flatnonzero(topic.Y[row["idea-002"]])} == {"waiting"}
    assert "idea-004" in row  # ann excluded it, bob coded it: one of two is not most
    assert "idea-000" not in {ideas.ids[i] for i in tone.rows}
    assert tone.skipped_disagreements == 1
    assert coders_used == ["ann", "bob", "rita"]
    store_codings(proj, {("idea-004", "bob"): Coding(not_relevant_reason="spam")})
    sets2, _, digest2 = training_sets(proj, ideas)
    assert "idea-004" not in {ideas.ids[i] for i in sets2[0].rows}
    assert digest2 != digest
    # gold is a reference coder: used only when asked
    with_ref, used, _ = training_sets(proj, ideas, include_reference=True)
    assert "gold" in used and len(with_ref[0].rows) == 89  # idea-004: 2 of 3 excluded it


def test_train_writes_a_model_folder_with_a_card(proj: Project) -> None:
    report = train(proj, FakeEmbedder())
    folder = report.folder
    assert folder.parent == proj.path / MODELS_DIR and folder.name == report.model.model_id
    assert {p.name for p in folder.iterdir()} == {"config.json", "head.npz", "README.md"}
    config = json.loads((folder / "config.json").read_text())
    assert config["codebook"] == {"id": "test-book", "hash": proj.codebook.hash}
    assert config["frames"]["topic"]["codes"] == [c.id for c in proj.codebook.frame("topic").codes]
    assert config["embedding_model"] == "fake==1"
    assert config["training"]["items"] == 60 and len(config["training"]["data_hash"]) == 16
    assert set(config["thresholds"]["topic"]) == set(config["frames"]["topic"]["codes"])
    assert config["thresholds"]["topic"]["parking"] is None  # 1 example: not trained
    assert report.too_few == {"topic": ["parking"], "tone": []}
    with np.load(folder / "head.npz", allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)
    card = (folder / "README.md").read_text()
    assert "| staff |" in card and "not enough examples" in card
    assert "scikit-learn" in card and "Created:" in card and "precision" in card
    row = proj.conn.execute("SELECT path, codebook_hash FROM models").fetchone()
    assert row == (f"models/{folder.name}", proj.codebook.hash)
    # same data, same model id
    assert train(proj, FakeEmbedder()).model.model_id == report.model.model_id


def test_model_folder_round_trips(proj: Project) -> None:
    report = train(proj, FakeEmbedder())
    loaded = load_model(report.folder, proj.codebook)
    ideas = all_ideas(proj)
    vectors = FakeEmbedder().encode(ideas.texts)
    for a, b in zip(predict(report.model, ideas, vectors), predict(loaded, ideas, vectors),
                    strict=True):  # fmt: skip
        assert a.frame_id == b.frame_id and a.rows == b.rows
        np.testing.assert_array_equal(a.probs, b.probs)
        np.testing.assert_array_equal(a.suggested, b.suggested)


def test_a_changed_codebook_is_refused(proj: Project, tmp_path: Path) -> None:
    report = train(proj, FakeEmbedder())
    other = tmp_path / "other.yaml"
    book = codebook()
    book["frames"][0]["codes"][0]["label"] = "Staff attitude"  # type: ignore[index]
    other.write_text(yaml.safe_dump(book), encoding="utf-8")
    changed = load_codebook(other)
    with pytest.raises(CodebookMismatchError, match="coder train"):
        load_model(report.folder, changed)
    (proj.path / "codebook.yaml").write_text(changed.to_yaml(), encoding="utf-8")
    with open_project(proj.path) as reopened, pytest.raises(CodebookMismatchError):
        suggest(reopened, embedder=FakeEmbedder())


def test_damaged_or_missing_model_folders_are_refused(proj: Project, tmp_path: Path) -> None:
    folder = train(proj, FakeEmbedder()).folder
    with pytest.raises(ModelFolderError, match="not a model folder"):
        load_model(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    config["thresholds"]["topic"]["staff"] = 0.01
    config["heads"]["topic"]["params"]["abstain_below"] = 0.01
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match="do not match its id"):
        load_model(folder)
    config["format"] = 99
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match="format"):
        load_model(folder)


def test_suggest_never_touches_human_codings(proj: Project) -> None:
    embedder = FakeEmbedder()
    model = train(proj, embedder).model
    before = human_rows(proj)
    report = suggest(proj, model, embedder)
    assert human_rows(proj) == before
    assert report.ideas == 30  # the uncoded ideas
    n_codes = sum(len(f.codes) for f in proj.codebook.frames)
    rows = proj.conn.execute("SELECT COUNT(*) FROM suggestions").fetchone()[0]
    assert rows == 30 * n_codes
    untrained = proj.conn.execute(
        "SELECT DISTINCT score, suggested, status FROM suggestions WHERE code_id = 'parking'"
    ).fetchall()
    assert untrained == [(None, 0, "not enough examples")]
    scores = [
        r[0] for r in proj.conn.execute("SELECT score FROM suggestions WHERE score IS NOT NULL")
    ]
    assert all(0 <= s <= 1 for s in scores)
    assert coders(proj)[model.model_id] == "model"
    suggested = codings_of(proj, model.model_id)
    assert len(suggested) == 30 and all(
        len(c.codes.get("tone", ())) == 1 for c in suggested.values()
    )
    # the uncoded ideas are easy: the suggestions mostly agree with the gold coding
    agreement = compare_coders(proj, model.model_id, "gold")
    assert agreement["topic"]["micro_f1"] > 0.8 and agreement["tone"]["micro_f1"] > 0.8
    items = proj.conn.execute("SELECT COUNT(*), SUM(abstained) FROM suggestion_items").fetchone()
    assert items[0] == 30 and items[1] == report.abstained
    # a rerun replaces the model's suggestions; --all adds the coded ideas, still no human change
    suggest(proj, model, embedder)
    assert proj.conn.execute("SELECT COUNT(*) FROM suggestions").fetchone()[0] == rows
    assert suggest(proj, model, embedder, all_ideas_too=True).ideas == 90
    assert human_rows(proj) == before


def test_a_human_coder_named_like_the_model_is_refused(proj: Project) -> None:
    embedder = FakeEmbedder()
    model = train(proj, embedder).model
    store_codings(proj, {("idea-001", model.model_id): Coding({"topic": {"staff"}})})
    before = human_rows(proj)
    with pytest.raises(SuggestError, match="rename that coder"):
        suggest(proj, model, embedder)
    assert human_rows(proj) == before


def test_nothing_to_learn_from(tmp_path: Path) -> None:
    with make_project(tmp_path, coded=0) as p:
        keys = [tuple(r) for r in p.conn.execute("SELECT idea_id, coder_id FROM codings")]
        with p.transaction() as conn:
            write_codings(conn, dict.fromkeys(keys), "human", action="import")
        assert p.conn.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 0
        with pytest.raises(SuggestError, match="codings import"):
            train(p, FakeEmbedder())
        with pytest.raises(SuggestError, match="coder train"):
            suggest(p, embedder=FakeEmbedder())


def test_sample_strategies(proj: Project) -> None:
    embedder = FakeEmbedder()
    coded = set(codings_of(proj, "ann"))
    picks = sample(proj, 9, "stratified")
    assert len(picks) == 9 and not {p.idea_id for p in picks} & coded
    by_q = {q: sum(p.question == q for p in picks) for q in ("Q1", "Q2")}
    assert by_q == {"Q1": 6, "Q2": 3}  # in proportion to the 20 + 10 uncoded ideas
    assert sample(proj, 9, "stratified") == picks  # seeded
    with pytest.raises(SuggestError, match="coder train"):
        sample(proj, 5, "uncertainty")
    train(proj, embedder)
    with pytest.raises(SuggestError, match="coder suggest"):
        sample(proj, 5, "uncertainty")
    suggest(proj, embedder=embedder)
    unsure = sample(proj, 5, "uncertainty")
    scores = [p.score for p in unsure]
    assert scores == sorted(scores, reverse=True) and not {p.idea_id for p in unsure} & coded
    far = sample(proj, 5, "diversity", embedder=embedder)
    assert len({p.idea_id for p in far}) == 5 and not {p.idea_id for p in far} & coded
    assert [p.score for p in far] == sorted(p.score for p in far)[::-1]
    assert len(sample(proj, 500, "stratified")) == 30
    with pytest.raises(SuggestError, match="strategy"):
        sample(proj, 5, "random")


def test_zero_shot_from_the_codebook(proj: Project) -> None:
    ideas = all_ideas(proj)
    out = zero_shot(proj.codebook, ideas, FakeEmbedder())
    rows, pred = out["tone"]
    assert (pred.sum(axis=1) == 1).all() and len(rows) == 90
    rows, pred = out["topic"]
    assert pred.shape == (90, 5) and (pred.sum(axis=1) >= 1).all()


# --------------------------------------------------------------------------------------------
# The commands, on the bundled example with the packaged model


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example with its gold coding (reference) and the two coders' sample."""
    folder = tmp_path_factory.mktemp("example") / "project"
    runner = CliRunner()
    steps = [
        ["init", str(folder)],
        ["ingest", str(folder)]
        + [f"--{k}={example_file(k + '.csv')}" for k in ("participants", "ideas", "comments")],
        ["move", str(folder), "--file", str(example_file("moves.csv"))],
        ["codings", "import", str(folder), str(example_file("gold_coding.csv")),
         "--kind", "reference"],
        ["codings", "import", str(folder), str(example_file("coder_codings.csv"))],
    ]  # fmt: skip
    for args in steps:
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
    return folder


def test_train_suggest_sample_commands(example: Path) -> None:
    runner = CliRunner()
    texts = [r[0] for r in sqlite3.connect(example / "coder.db").execute("SELECT text FROM ideas")]
    result = runner.invoke(main, ["train", str(example)])
    assert result.exit_code == 0, result.output
    assert "Model m-" in result.output and "literacy: " in result.output
    result = runner.invoke(main, ["suggest", str(example)])
    assert result.exit_code == 0, result.output
    assert "routed to a human" in result.output
    for strategy in ("stratified", "uncertainty", "diversity"):
        result = runner.invoke(main, ["sample", str(example), "--n", "4", "--strategy", strategy])
        assert result.exit_code == 0, result.output
        lines = result.stdout.strip().splitlines()[2:]  # the title and the header first
        assert len(lines) == 4 and all(line.startswith("idea-") for line in lines)
    # no contribution text is ever printed
    assert not any(t[:40] in result.output for t in texts)
    result = runner.invoke(main, ["suggest", str(example), "--model", "m-nope"])
    assert result.exit_code == 1 and "no model 'm-nope'" in result.output


def test_demo_suggestions_print_agreement_with_gold(example: Path) -> None:
    lines: list[str] = []
    with open_project(example) as project:
        demo_suggestions(project, echo=lines.append)
    assert lines[0].startswith("Trained model m-")
    assert any("against gold" in line for line in lines)


@pytest.mark.parametrize(
    ("flags", "backend", "suffix"),
    [([], "onnx-int8", "+onnx-int8"), (["--backend", "torch"], "torch", "==0.1.0")],
)
def test_the_embedding_backend_round_trips_through_the_commands(
    example: Path, flags: list[str], backend: str, suffix: str
) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["train", str(example), *flags])
    assert result.exit_code == 0, result.output
    with open_project(example) as project:
        model = load_latest_model(project)
        assert model.embedding_model.endswith(suffix)
        assert model.training["embedding_backend"] == backend
    result = runner.invoke(main, ["suggest", str(example)])  # picks the model's backend itself
    assert result.exit_code == 0, result.output
    assert model.model_id in result.stdout


def test_suggest_routes_by_target_quality(example: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["train", str(example)]).exit_code == 0
    result = runner.invoke(main, ["suggest", str(example), "--target-f1", "0.8"])
    assert result.exit_code == 0, result.output
    assert "routed to a human (below the cut for micro-F1 0.8); the model decides" in result.stdout
    for frame in ("vision", "literacy", "readiness"):
        assert f"  {frame}: " in result.stdout
    assert "out of fold" in result.stdout
    result = runner.invoke(
        main, ["suggest", str(example), "--target-f1", "0.8", "--route-share", "0.2"]
    )
    assert result.exit_code == 1 and "not both" in result.output
